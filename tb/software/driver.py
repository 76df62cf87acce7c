"""The software layer: what an OS driver does, through the model's table builder and the
register layer.

Tables live in the shared ``Memory`` (the builder writes it directly, so the RTL's walks and
the model see every edit at once). Register programming comes from the builder as
``vtd-scenario/1``-style step dicts (``program_root_table``, ``enable_translation``,
``*_invalidate_register``, ``fault_service_steps``) and is executed here on the DUT, with
polls of GSTS / CCMD.ICC / IOTLB_REG.IVT bounded by a timeout.

Invalidation goes the way Linux's intel-iommu driver sends it: through CCMD/IOTLB_REG while
queued invalidation is off, and, once :meth:`Software.enable_queued_invalidation` ran, only
through the queue: the invalidation descriptors, then a wait descriptor (SW=1) whose status
write the driver polls for (synchronous, like ``qi_submit_sync``). :meth:`Software.submit`
sends several descriptors behind one wait (a batched flush). Interrupt remapping is enabled on
top of the queue, and IRTE changes are followed by an IEC invalidation
(:meth:`Software.invalidate_iec`).

``on_invalidate`` (optional) hears of each invalidation once the driver saw it complete:
``("context", gran, did, sid, fm)``, ``("iotlb", gran, did, addr, am)`` or
``("iec", global, index, im)``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from python_model import regmap
from tb.software.register_layer import FrcdValue, PollTimeout, RegisterLayer, WaitCycles
from tb.software.table_formats import (
    IEC_GLOBAL,
    IEC_INDEX,
    INTERRUPT_BASE,
    Descriptor,
    cc_inv_dsc,
    iec_inv_dsc,
    iotlb_inv_dsc,
    parse_sid,
)
from tb.software.tables import (
    G_DEVICE,
    G_DOMAIN,
    G_GLOBAL,
    G_PAGE,
    Domain,
    TableBuilder,
    psi_range,
)

InvalidateHook = Callable[[tuple[Any, ...]], None]
GRANULARITY_NAMES = {"context": {G_GLOBAL: "global", G_DOMAIN: "domain", G_DEVICE: "device"},
                     "iotlb": {G_GLOBAL: "global", G_DOMAIN: "domain", G_PAGE: "page"},
                     "iec": {1: "global", 0: "index"}}


@dataclass
class FaultLog:
    records: list[FrcdValue] = field(default_factory=list)
    overflows: int = 0  # PFO seen and cleared


class Software:
    def __init__(self, regs: RegisterLayer, builder: TableBuilder, wait_cycles: WaitCycles,
                 on_invalidate: InvalidateHook | None = None,
                 poll_timeout: int = 20000) -> None:
        self.regs = regs
        self.builder = builder
        self.memory = builder.memory
        self.wait_cycles = wait_cycles
        self.on_invalidate = on_invalidate
        self.poll_timeout = poll_timeout
        self.faults = FaultLog()
        self.invalidations: dict[str, int] = {}

    # ----------------------------------------------------------------- steps
    async def run_steps(self, steps: Sequence[Mapping[str, Any]]) -> list[int]:
        """Execute builder steps; returns the values of ``reg_read`` steps."""
        reads: list[int] = []
        for step in steps:
            op = step["op"]
            if op == "reg_write":
                await self.regs.write(str(step["reg"]), int(step["value"]))
            elif op == "reg_read":
                reads.append(await self.regs.read(str(step["reg"])))
            elif op == "poll":
                await self._poll(step)
            elif op == "mem_write":  # the builder already wrote the shared memory
                for i, q in enumerate(step["qwords"]):
                    self.memory.poke_u64(int(step["addr"]) + 8 * i, int(q))
            elif op == "wait":
                await self.wait_cycles(int(step["cycles"]))
            else:
                raise ValueError(f"software step {op!r} is not a driver action")
        return reads

    async def _poll(self, step: Mapping[str, Any]) -> None:
        mask, value = int(step["mask"]), int(step["value"])
        timeout = int(step.get("timeout_cycles", self.poll_timeout))
        if "reg" in step:
            await self.regs.poll(str(step["reg"]), mask, value, timeout)
            return
        addr, waited = int(step["addr"]), 0
        while self.memory.peek_u64(addr) & mask != value:
            if waited >= timeout:
                raise PollTimeout(f"memory {addr:#x} & {mask:#x} != {value:#x} after "
                                  f"{timeout} cycles")
            await self.wait_cycles(8)
            waited += 8

    # ----------------------------------------------------------------- bring-up
    async def setup_fault_event(self, addr: int = INTERRUPT_BASE, data: int = 0x40,
                                upper: int = 0, unmask: bool = True) -> None:
        await self.regs.write("FEADDR", addr)
        await self.regs.write("FEUADDR", upper)
        await self.regs.write("FEDATA", data)
        if unmask:
            await self.regs.write_fields("FECTL", IM=0)

    async def enable_translation(self) -> None:
        await self.run_steps(self.builder.program_root_table() + self.builder.enable_translation())

    async def disable_translation(self) -> None:
        await self.run_steps(self.builder.disable_translation())

    # ----------------------------------------------------------------- queue and IR bring-up
    @property
    def queued(self) -> bool:
        """Queued invalidation is enabled (GSTS.QIES as the driver set it)."""
        return bool(self.builder.gsts & regmap.fld("GSTS", "QIES").mask)

    async def enable_queued_invalidation(self, qs: int = 0) -> None:
        """Allocate the queue (2^qs pages) and enable it; from now on every invalidation goes
        through it."""
        self.builder.create_invalidation_queue(qs)
        await self.run_steps(self.builder.enable_queued_invalidation())

    async def enable_interrupt_remapping(self, cfi: bool = False) -> None:
        """IRTA (the table create_irt() made), SIRTP, a global IEC invalidation through the
        queue (ESIRTPS=0, §6.5), IRE (and CFI)."""
        await self.run_steps(self.builder.enable_interrupt_remapping(
            cfi=cfi, invalidate_iec=self.queued))
        if self.queued:
            self._note("iec", 1, 0, 0)

    # ----------------------------------------------------------------- invalidation
    def _note(self, *event: Any) -> None:
        key = f"{event[0]}-{GRANULARITY_NAMES[event[0]].get(event[1], 'reserved')}"
        self.invalidations[key] = self.invalidations.get(key, 0) + 1
        if self.on_invalidate is not None:
            self.on_invalidate(event)

    async def submit(self, descriptors: Sequence[Descriptor],
                     events: Sequence[tuple[Any, ...]] = ()) -> None:
        """Queue ``descriptors`` and a wait (SW=1), wait for its status write; then report
        ``events`` (the invalidations they were) as done."""
        await self.run_steps(self.builder.submit_invalidations(descriptors))
        for event in events:
            self._note(*event)

    async def invalidate_context(self, g: int, did: int = 0, sid: int | str = 0,
                                 fm: int = 0) -> None:
        event = ("context", g, did, parse_sid(sid), fm)
        if self.queued:
            await self.submit([cc_inv_dsc(g, did=did, sid=parse_sid(sid), fm=fm)], [event])
            return
        await self.run_steps(self.builder.context_invalidate_register(g, did=did, sid=sid, fm=fm))
        self._note(*event)

    async def invalidate_iotlb(self, g: int, did: int = 0, addr: int = 0, am: int = 0,
                               ih: int = 0) -> None:
        event = ("iotlb", g, did, addr, am, ih)
        if self.queued:
            await self.submit([iotlb_inv_dsc(g, did=did, addr=addr, am=am, ih=ih)], [event])
            return
        await self.run_steps(self.builder.iotlb_invalidate_register(g, did=did, addr=addr, am=am,
                                                                    ih=ih))
        self._note(*event)

    async def invalidate_iec(self, index: int | None = None, im: int = 0) -> None:
        """Invalidate the interrupt entry cache through the queue: every entry (``index``
        None) or the 2^im entries from ``index`` (aligned)."""
        if index is None:
            await self.submit([iec_inv_dsc(IEC_GLOBAL)], [("iec", 1, 0, 0)])
        else:
            await self.submit([iec_inv_dsc(IEC_INDEX, iidx=index, im=im)],
                              [("iec", 0, index, im)])

    async def invalidate_global(self) -> None:
        await self.invalidate_context(G_GLOBAL)
        await self.invalidate_iotlb(G_GLOBAL)

    async def invalidate_domain(self, did: int, context: bool = False) -> None:
        if context:
            await self.invalidate_context(G_DOMAIN, did=did)
        await self.invalidate_iotlb(G_DOMAIN, did=did)

    async def invalidate_device(self, sid: int | str, did: int) -> None:
        await self.invalidate_context(G_DEVICE, did=did, sid=sid)
        await self.invalidate_iotlb(G_DOMAIN, did=did)

    async def invalidate_range(self, did: int, iova: int, size: int, ih: int = 0) -> None:
        """Page-selective invalidation covering [iova, iova+size) (domain-selective when
        the needed AM exceeds CAP.MAMV or PSI is absent)."""
        addr, am = psi_range(iova, size)
        cfg = self.builder.config
        if not cfg.PSI or am > cfg.MAMV:
            await self.invalidate_iotlb(G_DOMAIN, did=did)
        else:
            await self.invalidate_iotlb(G_PAGE, did=did, addr=addr, am=am, ih=ih)

    async def unmap(self, domain: Domain, iova: int, size: int, how: str = "page") -> None:
        """Unmap then invalidate (``how``: page, domain or global)."""
        domain.unmap(iova, size)
        if how == "page":
            await self.invalidate_range(domain.did, iova, size)
        elif how == "domain":
            await self.invalidate_domain(domain.did)
        else:
            await self.invalidate_global()

    # ----------------------------------------------------------------- faults
    async def service_faults(self, max_records: int | None = None) -> list[FrcdValue]:
        """The driver's fault loop (§4): from FSTS.FRI read each record (top qword first),
        clear F, until a record with F=0; then clear PFO if set."""
        regs = self.regs
        n = regs.num_fault_records
        fsts = await regs.read("FSTS")
        got: list[FrcdValue] = []
        if regmap.fld("FSTS", "PPF").get(fsts):
            idx = regmap.fld("FSTS", "FRI").get(fsts) % n
            for _ in range(max_records or 2 * n):
                rec = await regs.read_frcd(idx)
                if not rec.f:
                    break
                got.append(rec)
                await regs.clear_frcd(idx)
                idx = (idx + 1) % n
        if regmap.fld("FSTS", "PFO").get(fsts):
            await regs.write_fields("FSTS", PFO=1)
            self.faults.overflows += 1
        self.faults.records += got
        return got

    async def read_perf(self) -> dict[str, int]:
        return {name: await self.regs.read(name) for name, _ in regmap.PERF_COUNTERS}
