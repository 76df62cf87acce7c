"""The golden model of the remapping unit: registers, translation, faults, IR, invalidation.

Untimed and architectural: every register write takes effect at once (GSTS handshakes complete
immediately, register-based invalidations finish before the write returns, the invalidation
queue runs to IQT on each tail write). Stale cached state is tracked in ``cachestate`` so that
a scoreboard can ask for every outcome the architecture permits (``dma_candidates``,
``msi_candidates``) and commit the one the hardware chose (``commit``).
"""

from __future__ import annotations

from collections.abc import Sequence

from python_model import regmap
from python_model.cachestate import CacheState
from python_model.config import UnitConfig
from python_model.faults import EventControl, FaultRecorder
from python_model.interrupts import InterruptRemapper, IrState, IrTablePointer, MsiCandidate
from python_model.memory import Memory, MemoryAccessError
from python_model.outcomes import DmaOutcome, EventMessage, FaultRecord, MsiOutcome
from python_model.queued_invalidation import InvalidationQueue
from python_model.regmap import Access, Register
from python_model.structures import mask, touches_interrupt_range
from python_model.translate import Candidate, DmaTranslator, RootPointer

F = regmap.fld
GLOBAL, DOMAIN, DEVICE_OR_PAGE = 1, 2, 3


class RegisterAccessError(ValueError):
    """A register access of a size or alignment the interface does not allow."""


class RemappingUnit:
    def __init__(self, config: UnitConfig | None = None, memory: Memory | None = None) -> None:
        self.config = config or UnitConfig()
        self.memory = memory or Memory()
        self.regmap = regmap.RegisterMap(self.config.num_fault_records)
        self.caches = CacheState()
        self.events: list[EventMessage] = []
        self.faults = FaultRecorder(self.config.num_fault_records, self._send_fault_event)
        self.inv_event = EventControl(self._send_invalidation_event)
        self.queue = InvalidationQueue(self.config, self.memory)
        self._translator = DmaTranslator(self.config, self.memory, self.caches)
        self._remapper = InterruptRemapper(self.config, self.memory, self.caches)
        self._by_offset: dict[int, Register] = {r.offset: r for r in self.regmap.registers}
        self.reset()

    def reset(self) -> None:
        """Power-good reset: every register to its reset value, caches empty."""
        self._store: dict[str, int] = {r.name: r.reset for r in self.regmap.registers
                                       if r.name not in ("CAP", "ECAP")}
        self.tes = self.qies = self.ires = self.cfis = False
        self.rtps = self.irtps = False
        self.root = RootPointer()
        self.ir_table = IrTablePointer()
        self.caag = 0  # CCMD.CAIG
        self.iaig = 0  # IOTLB_REG.IAIG
        self.iwc = False
        self.faults.reset()
        self.inv_event.reset()
        self.queue.reset()
        self.caches.clear()

    # ------------------------------------------------------------------ registers
    def offset_of(self, name: str) -> tuple[int, int]:
        reg = self.regmap.by_name(name)
        return reg.offset, reg.size

    def read_reg(self, name: str) -> int:
        return self.reg_read(*self.offset_of(name))

    def write_reg(self, name: str, value: int) -> None:
        offset, size = self.offset_of(name)
        self.reg_write(offset, size, value)

    def reg_read(self, offset: int, size: int) -> int:
        self._check_access(offset, size)
        if size == 8 and (reg := self._by_offset.get(offset)) is not None and reg.size == 8:
            return self._read_register(reg)
        if size == 8:
            return self.reg_read(offset, 4) | self.reg_read(offset + 4, 4) << 32
        reg = self.regmap.containing(offset)
        if reg is None:
            return 0
        shift = 8 * (offset - reg.offset)
        return self._read_register(reg) >> shift & 0xFFFF_FFFF

    def reg_write(self, offset: int, size: int, value: int) -> None:
        self._check_access(offset, size)
        value &= (1 << 8 * size) - 1
        if size == 8 and (reg := self._by_offset.get(offset)) is not None and reg.size == 8:
            self._write_register(reg, value, (1 << 64) - 1)
            return
        if size == 8:  # two 32-bit registers: low dword first
            self.reg_write(offset, 4, value & 0xFFFF_FFFF)
            self.reg_write(offset + 4, 4, value >> 32)
            return
        reg = self.regmap.containing(offset)
        if reg is None:
            return
        shift = 8 * (offset - reg.offset)
        self._write_register(reg, value << shift, 0xFFFF_FFFF << shift)

    @staticmethod
    def _check_access(offset: int, size: int) -> None:
        if size not in (4, 8):
            raise RegisterAccessError(f"register access size {size}: must be 4 or 8 bytes")
        if offset % size or not 0 <= offset < regmap.MMIO_SIZE:
            raise RegisterAccessError(
                f"register offset {offset:#x} (size {size}): must be aligned and below "
                f"{regmap.MMIO_SIZE:#x}")

    def _read_register(self, reg: Register) -> int:
        name = reg.name
        if name == "CAP":
            return self.config.cap()
        if name == "ECAP":
            return self.config.ecap()
        stored = self._store.get(name, 0) & reg.mask_of(Access.RW)
        if name == "VER":
            return reg.reset
        if name == "GSTS":
            return self._gsts()
        if name == "CCMD":
            return stored | F("CCMD", "CAIG").put(0, self.caag)
        if name == "FSTS":
            return self.faults.fsts()
        if name == "FECTL":
            return self._ctl_value(self.faults.event)
        if name == "IECTL":
            return self._ctl_value(self.inv_event)
        if name == "IQH":
            return self.queue.iqh
        if name == "IQT":
            return self.queue.iqt
        if name == "IQA":
            return self.queue.iqa
        if name == "ICS":
            return int(self.iwc)
        if name == "IQERCD":
            return self.queue.iqei
        if name == "IOTLB":
            return stored | F("IOTLB", "IAIG").put(0, self.iaig)
        if name.startswith("FRCD"):
            n = int(name[4:].split("_")[0])
            return self.faults.lo[n] if name.endswith("_LO") else self.faults.hi[n]
        return stored  # RW storage; WO fields read 0; PERF_* read 0 in the model

    def _write_register(self, reg: Register, value: int, byte_mask: int) -> None:
        name = reg.name
        writable = reg.mask_of(Access.RW, Access.WO) & byte_mask
        if name == "IRTA" and not self.config.EIM:
            writable &= ~F("IRTA", "EIME").mask
        if name in self._store:
            self._store[name] = self._store[name] & ~writable | value & writable
        top = bool(byte_mask >> 32)  # the write carries bits 63:32
        if name == "GCMD":
            self._write_gcmd(value)
        elif name == "CCMD" and top and F("CCMD", "ICC").get(value):
            self._context_command()
        elif name == "IOTLB" and top and F("IOTLB", "IVT").get(value):
            self._iotlb_command()
        elif name == "FSTS":
            had_iqe = self.faults.iqe
            self.faults.write_fsts(value)
            if had_iqe and not self.faults.iqe:
                self._run_queue()  # fetching resumes once software clears IQE
        elif name == "FECTL":
            self.faults.event.write_im(bool(F("FECTL", "IM").get(value)))
        elif name == "IECTL":
            self.inv_event.write_im(bool(F("IECTL", "IM").get(value)))
        elif name == "ICS" and F("ICS", "IWC").get(value):
            self.iwc = False
            self.inv_event.ip = False
        elif name == "IQT":
            self.queue.iqt = self._store["IQT"] & F("IQT", "QT").mask
            self._run_queue()
        elif name == "IQA":
            self.queue.iqa = self._store["IQA"]
        elif name.startswith("FRCD") and name.endswith("_HI") and (value & byte_mask) >> 63 & 1:
            self.faults.clear_record(int(name[4:].split("_")[0]))

    @staticmethod
    def _ctl_value(ctl: EventControl) -> int:
        return (int(ctl.im) << 31) | (int(ctl.ip) << 30)

    def _gsts(self) -> int:
        value = 0
        for name, flag in (("TES", self.tes), ("RTPS", self.rtps), ("QIES", self.qies),
                           ("IRES", self.ires), ("IRTPS", self.irtps), ("CFIS", self.cfis)):
            value = F("GSTS", name).put(value, int(flag))
        return value

    # ------------------------------------------------------------------ GCMD (§1.4)
    def _write_gcmd(self, value: int) -> None:
        cfg = self.config

        def bit(name: str) -> bool:
            return bool(F("GCMD", name).get(value))

        if bit("SRTP"):
            rt = self._store["RTADDR"]
            self.root = RootPointer(rta=rt & mask(63, 12), ttm=F("RTADDR", "TTM").get(rt),
                                    ssirwe=F("RTADDR", "SSIRWE").get(rt))
            self.rtps = True
        if bit("SIRTP") and cfg.IR:
            irta = self._store["IRTA"]
            self.ir_table = IrTablePointer(base=irta & mask(63, 12), s=F("IRTA", "S").get(irta),
                                           eime=bool(F("IRTA", "EIME").get(irta)))
            self.irtps = True
        was_active = self.tes or self.ires
        self.tes = bit("TE")
        if cfg.QI and bit("QIE") != self.qies:
            self.qies = bit("QIE")
            if self.qies:
                self._run_queue()
            else:
                self.queue.iqh = 0  # hardware resets IQH when QI is disabled
        if cfg.IR:
            self.ires = bit("IRE")
            self.cfis = bit("CFI")
        if was_active and not self.tes and not self.ires:
            self.faults.reset_index()  # P5

    # ------------------------------------------------------------------ invalidation
    def _context_command(self) -> None:
        ccmd = self._store["CCMD"]
        self._store["CCMD"] = F("CCMD", "ICC").put(ccmd, 0)
        cirg = F("CCMD", "CIRG").get(ccmd)
        # §6.4: register path illegal while QI is on; §1.6: CAIG=00 when TTM != 00 (latched).
        if self.qies or cirg == 0 or self.root.ttm != 0:
            self.caag = 0
            return
        self.invalidate_context(cirg, F("CCMD", "DID").get(ccmd) & self._did_mask,
                                F("CCMD", "SID").get(ccmd), F("CCMD", "FM").get(ccmd))
        self.caag = cirg

    def _iotlb_command(self) -> None:
        reg = self._store["IOTLB"]
        iva = self._store["IVA"]
        self._store["IOTLB"] = F("IOTLB", "IVT").put(reg, 0)
        iirg = F("IOTLB", "IIRG").get(reg)
        am = F("IVA", "AM").get(iva)
        bad_psi = iirg == DEVICE_OR_PAGE and (not self.config.PSI or am > self.config.MAMV)
        # P12 (bad AM), §6.4 (QI on) and §1.7 (IAIG=00 when TTM != 00): not done, IAIG=00.
        if self.qies or iirg == 0 or bad_psi or self.root.ttm != 0:
            self.iaig = 0
            return
        addr = iva & mask(63, 12) & ((1 << self.config.MGAW) - 1)
        self.invalidate_iotlb(iirg, F("IOTLB", "DID").get(reg) & self._did_mask, addr, am,
                              bool(F("IVA", "IH").get(iva)))
        self.iaig = iirg

    @property
    def _did_mask(self) -> int:
        return (1 << self.config.domain_id_bits) - 1

    # InvalidationTarget (also used by the register path)
    def invalidate_context(self, granularity: int, did: int, sid: int, fm: int) -> None:
        if granularity == GLOBAL:
            self.caches.invalidate_contexts()
        elif granularity == DOMAIN:
            self.caches.invalidate_contexts(did=did)
        else:
            self.caches.invalidate_contexts(did=did, sid=sid, fm=fm)

    def invalidate_iotlb(self, granularity: int, did: int, addr: int, am: int, ih: bool) -> None:
        if granularity == GLOBAL:
            self.caches.invalidate_iotlb()
        elif granularity == DOMAIN:
            self.caches.invalidate_iotlb(did=did)
        else:
            self.caches.invalidate_iotlb(did=did, addr=addr, am=am, ih=ih)

    def invalidate_iec(self, global_: bool, index: int, im: int) -> None:
        self.caches.invalidate_iec(None if global_ else index, im)

    def wait_complete(self, status_write: tuple[int, int] | None, interrupt: bool) -> None:
        if status_write is not None:
            addr, data = status_write
            try:
                self.memory.write(addr, data.to_bytes(4, "little"))
            except MemoryAccessError:
                pass  # a failed status write is dropped (README conformance notes)
        if interrupt and not self.iwc:
            self.iwc = True
            self.inv_event.raise_event()

    def queue_error(self, iqei: int) -> None:
        del iqei  # recorded in IQERCD by the queue
        self.faults.raise_queue_error()

    def _run_queue(self) -> None:
        if self.qies and not self.faults.iqe and not self.faults.ite:
            self.queue.run(self)

    # ------------------------------------------------------------------ events
    def _send_fault_event(self) -> None:
        addr = self._store["FEUADDR"] << 32 | self._store["FEADDR"] & ~3
        self.events.append(EventMessage(addr, self._store["FEDATA"] & 0xFFFF, "fault"))

    def _send_invalidation_event(self) -> None:
        addr = self._store["IEUADDR"] << 32 | self._store["IEADDR"] & ~3
        self.events.append(EventMessage(addr, self._store["IEDATA"] & 0xFFFF, "invalidation"))

    # ------------------------------------------------------------------ requests
    def dma_candidates(self, sid: int, addr: int, write: bool, size: int = 4) -> list[Candidate]:
        """Every permitted outcome of a DMA request (fresh first); no side effect."""
        _check_request(sid, addr, size)
        if write and size == 4 and touches_interrupt_range(addr, size):
            # doc/vtd-rules.md P14, §3.1: a DWORD write to FEE0_0000-FEEF_FFFF is an interrupt
            # request (§5, msi()), never a DMA request; only other accesses there get 29h.
            raise ValueError(f"a 4-byte write to {addr:#x} is an interrupt request: use msi()")
        return self._translator.candidates(sid, addr, write, size, self.tes, self.root)

    def dma_fresh_outcome(self, sid: int, addr: int, write: bool, size: int = 4) -> DmaOutcome:
        """The fresh outcome alone, ``dma_candidates(...)[0].outcome`` (the tables as they are in
        memory now), computed without looking at cached state; no side effect."""
        _check_request(sid, addr, size)
        if write and size == 4 and touches_interrupt_range(addr, size):
            raise ValueError(f"a 4-byte write to {addr:#x} is an interrupt request: use msi()")
        return self._translator.fresh_outcome(sid, addr, write, size, self.tes, self.root)

    def msi_candidates(self, sid: int, addr: int, data: int) -> list[MsiCandidate]:
        state = IrState(ires=self.ires, cfis=self.cfis, table=self.ir_table)
        return self._remapper.candidates(sid, addr, data, state)

    def commit(self, candidate: Candidate | MsiCandidate) -> None:
        """Apply the chosen outcome: what it lets hardware cache, and its fault record."""
        self.caches.fill(candidate.fills)
        fault = candidate.outcome.fault
        if fault is not None:
            self.faults.record(fault)

    def dma(self, sid: int, addr: int, write: bool, size: int = 4) -> DmaOutcome:
        chosen = self.dma_candidates(sid, addr, write, size)[0]
        self.commit(chosen)
        return chosen.outcome

    def msi(self, sid: int, addr: int, data: int) -> MsiOutcome:
        chosen = self.msi_candidates(sid, addr, data)[0]
        self.commit(chosen)
        return chosen.outcome

    def accept(self, candidates: Sequence[Candidate | MsiCandidate],
               observed: tuple[object, ...]) -> Candidate | MsiCandidate | None:
        """Commit the permitted candidate whose visible outcome is ``observed``, if any."""
        for c in candidates:
            if c.outcome.visible() == observed:
                self.commit(c)
                return c
        return None

    # ------------------------------------------------------------------ inspection
    def fault_records(self) -> list[FaultRecord]:
        return self.faults.records()

    def fsts(self) -> int:
        return self.faults.fsts()


def _check_request(sid: int, addr: int, size: int) -> None:
    if not 0 <= sid <= 0xFFFF:
        raise ValueError(f"source id {sid:#x} is not a 16-bit requester id")
    if not 0 <= addr < 1 << 64:
        raise ValueError(f"address {addr:#x} is not a 64-bit address")
    if not 1 <= size <= 4096 or (addr & 0xFFF) + size > 4096:
        raise ValueError(f"request of {size} bytes at {addr:#x} must lie inside one 4 KiB page")
