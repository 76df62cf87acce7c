"""Block-level tests of rtl/vtd_intr_remap.v (interrupt remapping) and its IEC
(rtl/vtd_int_entry_cache.v) against the golden model (python_model.unit.RemappingUnit,
python_model.interrupts).

The cocotb coroutines (``@cocotb.test``) and the pytest functions that build the block and run
them live in this one file. The test bench answers the block's memory read port from the model's
``Memory`` (random latency, beat gaps, injected bus errors), takes its fault records with random
back-pressure and compares every interrupt output and every fault record with the outcomes the
model permits (``RemappingUnit.msi_candidates``: the fresh IRTE and any IRTE the IEC may still
hold, doc/vtd-rules.md §6.3). Expected values always come from the model, never from the RTL.

Replay a random run with ``SEED=<n>`` (printed by every run); ``SIMS=verilator`` limits the
simulators; ``IR_BLOCK_N`` changes the number of random interrupts.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cocotb
import pytest
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, RisingEdge

ROOT = Path(__file__).resolve().parent.parent
RTL = ROOT / "rtl"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from python_model.config import UnitConfig  # noqa: E402
from python_model.interrupts import IrTablePointer, MsiCandidate  # noqa: E402
from python_model.outcomes import Interrupt  # noqa: E402
from python_model.unit import RemappingUnit  # noqa: E402

TOP = "vtd_intr_remap"
SOURCES = [RTL / "vtd_intr_remap.v", RTL / "vtd_int_entry_cache.v", RTL / "vtd_fifo.v"]
HAW = int(os.environ.get("IR_BLOCK_HAW", "48"))  # the build's HAW (set by _run)
IEC_ENTRIES = 4  # small, so random traffic evicts
PARAMS: dict[str, int] = {"IR": 1, "HAW": 48, "IEC_ENTRIES": IEC_ENTRIES}
SIMULATORS = [s for s in os.environ.get("SIMS", "verilator,icarus").split(",") if s]

TABLE = 0x1234_5000  # IRTA base used by most tests
REMAP = 1 << 4
SHV = 1 << 3


# --------------------------------------------------------------------------- stimulus helpers


def remappable_addr(handle: int, shv: bool) -> int:
    """Remappable-format MSI address (doc/vtd-rules.md §5)."""
    return (0xFEE << 20 | (handle & 0x7FFF) << 5 | REMAP | (SHV if shv else 0)
            | (handle >> 15 & 1) << 2)


def compat_addr(dest: int, rh: int = 0, dm: int = 0) -> int:
    return 0xFEE << 20 | (dest & 0xFF) << 12 | rh << 3 | dm << 2


def make_irte(*, p: int = 1, fpd: int = 0, dm: int = 0, rh: int = 0, tm: int = 0, dlm: int = 0,
              vector: int = 0x40, dst: int = 0, x2apic: bool = False, sid: int = 0, sq: int = 0,
              svt: int = 0, im: int = 0, rsvd_lo: int = 0, rsvd_hi: int = 0) -> tuple[int, int]:
    """Remapped-format IRTE (§2.5). ``dst`` is an APIC ID: DST[15:8] (bits 47:40) in xAPIC form,
    all 32 bits of DST in x2APIC form."""
    dst_field = dst & 0xFFFF_FFFF if x2apic else (dst & 0xFF) << 8
    lo = (p | fpd << 1 | dm << 2 | rh << 3 | tm << 4 | (dlm & 7) << 5 | im << 15
          | (vector & 0xFF) << 16 | dst_field << 32 | rsvd_lo)
    hi = (sid & 0xFFFF) | (sq & 3) << 16 | (svt & 3) << 18 | rsvd_hi
    return lo, hi


@dataclass
class Regs:
    ires: int = 1
    base: int = TABLE
    s: int = 7
    eime: int = 0
    cfis: int = 0


@dataclass
class Rec:
    sid: int
    fi: int  # FI bits 63:12 as on rec_fi
    fr: int
    write: int


class Bench:
    """Drives the block, answers its memory reads and checks it against the model."""

    def __init__(self, dut: Any, rng: random.Random, *, bus_delay: int = 3,
                 rec_stall: float = 0.3, intr_stall: float = 0.3) -> None:
        self.dut = dut
        self.rng = rng
        self.unit = RemappingUnit(UnitConfig(HAW=HAW))
        self.mem = self.unit.memory
        self.regs = Regs()
        self.bus_delay = bus_delay
        self.rec_stall = rec_stall
        self.intr_stall = intr_stall
        self.reads = 0
        self.hold = 0  # extra cycles between ar_ack and the first beat
        self.records: list[Rec] = []
        self.checked = 0
        self.hits: dict[str, int] = {}

    # --- setup ---
    async def start(self) -> None:
        dut = self.dut
        cocotb.start_soon(Clock(dut.clk, 10, unit="ns").start())
        dut.rst_n.value = 0
        dut.msi_valid.value = 0
        dut.msi_sid.value = 0
        dut.msi_addr.value = 0
        dut.msi_data.value = 0
        dut.intr_ready.value = 0
        dut.ar_ack.value = 0
        dut.r_valid.value = 0
        dut.r_data.value = 0
        dut.r_resp.value = 0
        dut.r_last.value = 0
        dut.rec_ready.value = 0
        dut.inv_valid.value = 0
        dut.inv_global.value = 0
        dut.inv_index.value = 0
        dut.inv_im.value = 0
        self.set_regs(self.regs)
        await ClockCycles(dut.clk, 5)
        dut.rst_n.value = 1
        await RisingEdge(dut.clk)
        cocotb.start_soon(self._memory())
        cocotb.start_soon(self._record_sink())
        cocotb.start_soon(self._protocol())

    def set_regs(self, regs: Regs) -> None:
        """Program the block's register inputs and the model's latched IRTA/GSTS alike."""
        self.regs = regs
        dut = self.dut
        dut.ires.value = regs.ires
        dut.irta_base.value = regs.base >> 12
        dut.irta_s.value = regs.s
        dut.eime.value = regs.eime
        dut.cfis.value = regs.cfis
        self.unit.ires = bool(regs.ires)
        self.unit.cfis = bool(regs.cfis)
        self.unit.ir_table = IrTablePointer(base=regs.base, s=regs.s, eime=bool(regs.eime))

    def put_irte(self, index: int, irte: tuple[int, int], base: int | None = None) -> None:
        addr = (self.regs.base if base is None else base) + 16 * index
        self.mem.poke_u64(addr, irte[0])
        self.mem.poke_u64(addr + 8, irte[1])

    # --- responders ---
    async def _memory(self) -> None:
        dut, rng = self.dut, self.rng
        while True:
            await RisingEdge(dut.clk)
            if not dut.ar_req.value:
                continue
            for _ in range(rng.randint(0, self.bus_delay)):
                await RisingEdge(dut.clk)
            addr = int(dut.ar_addr.value)
            length = int(dut.ar_len.value)
            assert dut.ar_req.value, "ar_req dropped before ar_ack"
            assert length == 1, f"IRTE read must be one 2-beat burst, ar_len={length}"
            assert addr % 16 == 0, f"IRTE address {addr:#x} is not 16-byte aligned"
            dut.ar_ack.value = 1
            # the memory reads at the request: a later change is not seen by this read
            beats = [(self.mem.faults(a, 8, write=False), self.mem.peek_u64(a))
                     for a in range(addr, addr + 8 * (length + 1), 8)]
            await RisingEdge(dut.clk)
            dut.ar_ack.value = 0
            self.reads += 1
            for _ in range(self.hold):
                await RisingEdge(dut.clk)
            for beat, (err, value) in enumerate(beats):
                for _ in range(rng.randint(0, self.bus_delay)):
                    await RisingEdge(dut.clk)
                dut.r_valid.value = 1
                dut.r_data.value = rng.getrandbits(64) if err else value
                dut.r_resp.value = rng.choice((2, 3)) if err else 0
                dut.r_last.value = int(beat == length)
                await RisingEdge(dut.clk)
                dut.r_valid.value = 0
                dut.r_last.value = 0

    async def _protocol(self) -> None:
        """valid/ready rules: a valid output not taken stays valid with the same payload;
        ar_req stays up with the same address until ar_ack; inv_done only answers inv_valid."""
        dut = self.dut
        groups = {
            "intr": (dut.intr_valid, dut.intr_ready,
                     [getattr(dut, f"intr_{n}") for n in ("fault", "reason", "vector", "dest",
                                                         "dm", "rh", "tm", "dlm")]),
            "rec": (dut.rec_valid, dut.rec_ready,
                    [dut.rec_sid, dut.rec_fi, dut.rec_fr, dut.rec_write]),
            "ar": (dut.ar_req, dut.ar_ack, [dut.ar_addr, dut.ar_len]),
        }
        held: dict[str, list[int] | None] = {k: None for k in groups}
        while True:
            await RisingEdge(dut.clk)
            for name, (valid, ready, payload) in groups.items():
                now = [int(x.value) for x in payload] if valid.value else None
                if held[name] is not None:
                    assert now == held[name], f"{name}: valid dropped or payload changed " \
                                              f"before ready ({held[name]} -> {now})"
                held[name] = now if valid.value and not ready.value else None
            assert not (dut.inv_done.value and not dut.inv_valid.value), \
                "inv_done without inv_valid"

    async def _record_sink(self) -> None:
        dut, rng = self.dut, self.rng
        while True:
            dut.rec_ready.value = int(rng.random() >= self.rec_stall)
            await RisingEdge(dut.clk)
            if dut.rec_valid.value and dut.rec_ready.value:
                self.records.append(Rec(int(dut.rec_sid.value), int(dut.rec_fi.value),
                                        int(dut.rec_fr.value), int(dut.rec_write.value)))

    # --- one interrupt ---
    async def send(self, sid: int, addr: int, data: int) -> tuple[tuple[object, ...], int]:
        """Issue one interrupt request and return (observed outcome, memory reads it made)."""
        dut, rng = self.dut, self.rng
        reads0 = self.reads
        dut.msi_valid.value = 1
        dut.msi_sid.value = sid
        dut.msi_addr.value = addr
        dut.msi_data.value = data
        while True:
            await RisingEdge(dut.clk)
            if dut.msi_ready.value:
                break
        dut.msi_valid.value = 0
        dut.msi_addr.value = rng.getrandbits(32)  # the block must have latched the request
        dut.msi_data.value = rng.getrandbits(32)
        dut.msi_sid.value = rng.getrandbits(16)
        cycles = 0
        while True:
            dut.intr_ready.value = int(rng.random() >= self.intr_stall)
            await RisingEdge(dut.clk)
            cycles += 1
            assert cycles < 500, "no interrupt output within 500 cycles"
            if dut.intr_valid.value and dut.intr_ready.value:
                break
        dut.intr_ready.value = 0
        if dut.intr_fault.value:
            observed: tuple[object, ...] = ("fault", int(dut.intr_reason.value))
            others = [int(getattr(dut, f"intr_{n}").value)
                      for n in ("vector", "dest", "dm", "rh", "tm", "dlm")]
            assert not any(others), f"fault output carries interrupt fields {others}"
        else:
            assert int(dut.intr_reason.value) == 0, "intr_reason set without intr_fault"
            observed = ("ok", Interrupt(
                vector=int(dut.intr_vector.value), dest=int(dut.intr_dest.value),
                dest_mode=int(dut.intr_dm.value), delivery_mode=int(dut.intr_dlm.value),
                trigger_mode=int(dut.intr_tm.value), redirection_hint=int(dut.intr_rh.value)))
        return observed, self.reads - reads0

    async def check(self, sid: int, addr: int, data: int, *, expect_reads: int | None = None,
                    expect: tuple[object, ...] | None = None) -> MsiCandidate:
        """Send one interrupt and check the output and fault record against the model."""
        candidates = self.unit.msi_candidates(sid, addr, data)
        self.records.clear()
        observed, reads = await self.send(sid, addr, data)
        await ClockCycles(self.dut.clk, 1)
        got_rec = self.records[:]
        chosen = None
        for c in candidates:
            f = c.outcome.fault
            want_rec = [] if f is None or f.suppressed else [Rec(f.sid, f.fi >> 12, f.reason, 1)]
            if c.outcome.visible() == observed and got_rec == want_rec:
                chosen = c
                break
        detail = (f"sid={sid:#x} addr={addr:#x} data={data:#x} regs={self.regs}: observed "
                  f"{observed} records {got_rec}; model permits "
                  + "; ".join(f"{c.outcome.visible()} fault={c.outcome.fault}" for c in candidates))
        assert chosen is not None, "mismatch: " + detail
        if expect is not None:
            assert observed == expect, f"expected {expect}: {detail}"
        if expect_reads is not None:
            assert reads == expect_reads, f"expected {expect_reads} memory reads, saw {reads}: " \
                                          + detail
        self.unit.commit(chosen)
        if chosen is not candidates[0]:
            self.hits["stale-iec"] = self.hits.get("stale-iec", 0) + 1
        if reads == 0 and addr >> 4 & 1 and self.regs.ires and chosen.outcome.reason not in (
                0x20, 0x21):
            self.hits["iec-hit"] = self.hits.get("iec-hit", 0) + 1
        key = "ok" if chosen.outcome.ok else f"{chosen.outcome.reason:02x}h"
        if chosen.outcome.fault is not None and chosen.outcome.fault.suppressed:
            key += "-fpd"
        self.hits[key] = self.hits.get(key, 0) + 1
        self.checked += 1
        return chosen

    async def invalidate(self, global_: bool, index: int = 0, im: int = 0) -> None:
        """An IEC invalidation (4h descriptor) on the block and on the model."""
        dut = self.dut
        dut.inv_valid.value = 1
        dut.inv_global.value = int(global_)
        dut.inv_index.value = index
        dut.inv_im.value = im
        cycles = 0
        while True:
            await RisingEdge(dut.clk)
            cycles += 1
            assert cycles < 100, "no inv_done"
            if dut.inv_done.value:
                break
        dut.inv_valid.value = 0
        self.unit.invalidate_iec(global_, index, im)
        await RisingEdge(dut.clk)
        assert not dut.inv_done.value, "inv_done longer than one cycle"


def seed_of(dut: Any) -> int:
    del dut
    return int(os.environ.get("IR_BLOCK_SEED", "1"), 0)


async def bench(dut: Any, **kw: Any) -> Bench:
    seed = seed_of(dut)
    dut._log.info("SEED=%d", seed)
    b = Bench(dut, random.Random(seed), **kw)
    await b.start()
    return b


# --------------------------------------------------------------------------- directed tests


@cocotb.test(skip=os.environ.get("IR_BLOCK_IR", "1") == "0")
async def ires0_and_compatibility(dut: Any) -> None:
    """IRES=0: every request passes through (P17); IRES=1 compatibility format: 25h with
    CFIS=0 or EIME=1, pass-through with CFIS=1 and EIME=0 (P8); output fields per P15."""
    b = await bench(dut)
    rng = b.rng
    for ires, cfis, eime in ((0, 0, 0), (0, 1, 1), (1, 0, 0), (1, 1, 0), (1, 1, 1), (1, 0, 1)):
        b.set_regs(Regs(ires=ires, cfis=cfis, eime=eime))
        for _ in range(6):
            addr = compat_addr(rng.getrandbits(8), rng.getrandbits(1), rng.getrandbits(1))
            data = rng.getrandbits(16)
            c = await b.check(rng.getrandbits(16), addr, data, expect_reads=0)
            blocked = ires and (eime or not cfis)
            assert (c.outcome.reason == 0x25) == bool(blocked)
        # remappable format with IRES=0 is still a compatibility pass-through
        if not ires:
            c = await b.check(0x100, remappable_addr(3, True), 0xFFFF_0001, expect_reads=0)
            assert c.outcome.ok


@cocotb.test(skip=os.environ.get("IR_BLOCK_IR", "1") == "0")
async def remapped_shv_subhandle_multivector(dut: Any) -> None:
    """Handles with and without SHV, subhandles, a 4-vector MSI block (contiguous IRTEs, the
    device ORs the vector number into data[1:0]), handle bit 15, and IEC hits (no read)."""
    b = await bench(dut)
    b.set_regs(Regs(ires=1, s=15))
    base_handle = 0x20
    for v in range(4):
        b.put_irte(base_handle + v, make_irte(vector=0x50 + v, dst=0x10 + v, dlm=v & 1,
                                              tm=v >> 1, rh=v & 1, dm=v >> 1))
    for v in range(4):  # misses, then hits
        await b.check(0x300, remappable_addr(base_handle, True), v, expect_reads=1)
    for v in range(4):
        # IEC_ENTRIES=4 holds the whole block
        await b.check(0x300, remappable_addr(base_handle, True), v, expect_reads=0)
    # SHV=0: data ignored; handle alone
    b.put_irte(0x7FFF, make_irte(vector=0x99, dst=0xAB))
    await b.check(0x1, remappable_addr(0x7FFF, False), 0xDEAD_BEEF, expect_reads=1)
    # handle bit 15 (address bit 2) and a subhandle adding past it
    b.put_irte(0x8005, make_irte(vector=0x77, dst=0xCD, dm=1))
    await b.check(0x2, remappable_addr(0x8000, True), 5, expect_reads=1)
    await b.check(0x2, remappable_addr(0x8004, True), 1, expect_reads=0)  # same index: hit


@cocotb.test(skip=os.environ.get("IR_BLOCK_IR", "1") == "0")
async def fault_reasons(dut: Any) -> None:
    """20h, 21h (index and HAW overflow), 22h, 23h, 24h (every reserved case), 25h, 26h (SVT 01
    with each SQ, SVT 10 bus range), with FI per P16, and the P11 order when several apply."""
    b = await bench(dut)
    b.set_regs(Regs(ires=1, s=3))  # 16 entries
    want = {}
    # 20h: SHV with data[31:16] != 0
    want[0x20] = await b.check(5, remappable_addr(1, True), 0x0001_0000, expect_reads=0)
    # 21h: index >= 16 (also via handle + subhandle)
    want[0x21] = await b.check(5, remappable_addr(16, False), 0, expect_reads=0)
    await b.check(5, remappable_addr(15, True), 1, expect_reads=0)
    await b.check(5, remappable_addr(0xFFFF, True), 0xFFFF, expect_reads=0)  # index 0x1FFFE
    # 22h with and without FPD (FPD read even when P=0)
    b.put_irte(1, make_irte(p=0, vector=1))
    want[0x22] = await b.check(5, remappable_addr(1, False), 0, expect_reads=1)
    b.put_irte(2, make_irte(p=0, fpd=1, rsvd_hi=1 << 40))
    await b.check(5, remappable_addr(2, False), 0, expect_reads=1)
    # 23h: bus error on either beat
    b.mem.add_error(TABLE + 16 * 3, 8)
    want[0x23] = await b.check(5, remappable_addr(3, False), 0, expect_reads=1)
    b.mem.add_error(TABLE + 16 * 4 + 8, 8)
    b.put_irte(4, make_irte(fpd=1))
    await b.check(5, remappable_addr(4, False), 0, expect_reads=1)  # FPD does not apply to 23h
    b.mem.clear_errors()
    # 24h: each reserved / conditionally reserved case (U7, README conformance notes)
    reserved = [dict(rsvd_lo=1 << 12), dict(rsvd_lo=1 << 14), dict(rsvd_lo=1 << 24),
                dict(rsvd_lo=1 << 31), dict(rsvd_lo=1 << 32), dict(rsvd_lo=1 << 39),
                dict(rsvd_lo=1 << 48), dict(rsvd_lo=1 << 63), dict(rsvd_hi=1 << 20),
                dict(rsvd_hi=1 << 63), dict(svt=3), dict(im=1), dict(dlm=3), dict(dlm=6)]
    for i, kw in enumerate(reserved):
        idx = 5 + i % 10
        await b.invalidate(True)
        b.put_irte(idx, make_irte(**kw))
        c = await b.check(0x10, remappable_addr(idx, False), 0, expect_reads=1)
        assert c.outcome.reason == 0x24, kw
        want[0x24] = c
    # 25h
    want[0x25] = await b.check(5, compat_addr(1), 0x31, expect_reads=0)
    # 26h: SVT=01 with every SQ, SVT=10 bus range (P7)
    await b.invalidate(True)
    for sq, ok_sid, bad_sid in ((0, 0x1234, 0x1235), (1, 0x1230, 0x1235), (2, 0x1232, 0x1235),
                                (3, 0x1233, 0x123C)):
        b.put_irte(6, make_irte(svt=1, sq=sq, sid=0x1234))
        await b.invalidate(False, 6, 0)
        want[0x26] = await b.check(bad_sid, remappable_addr(6, False), 0, expect_reads=1)
        assert want[0x26].outcome.reason == 0x26, sq
        c = await b.check(ok_sid, remappable_addr(6, False), 0, expect_reads=1)
        assert c.outcome.ok, sq
    b.put_irte(7, make_irte(svt=2, sid=0x10 << 8 | 0x20))
    for bus, ok in ((0x0F, False), (0x10, True), (0x18, True), (0x20, True), (0x21, False)):
        await b.invalidate(False, 7, 0)
        c = await b.check(bus << 8 | 0x33, remappable_addr(7, False), 0, expect_reads=1)
        assert c.outcome.ok == ok, (bus, c.outcome)
    # P11 order: not present beats source and reserved; source beats reserved
    b.put_irte(8, make_irte(p=0, svt=1, sid=0x1, rsvd_lo=1 << 12))
    c = await b.check(0x2, remappable_addr(8, False), 0)
    assert c.outcome.reason == 0x22
    b.put_irte(9, make_irte(svt=1, sid=0x1, rsvd_lo=1 << 12))
    c = await b.check(0x2, remappable_addr(9, False), 0)
    assert c.outcome.reason == 0x26
    # 21h by HAW overflow: IRTA at the top of the address space
    b.set_regs(Regs(ires=1, base=(1 << HAW) - 4096, s=15))
    b.put_irte(255, make_irte(vector=0x21))
    await b.check(5, remappable_addr(255, False), 0, expect_reads=1)
    c = await b.check(5, remappable_addr(256, False), 0, expect_reads=0)
    assert c.outcome.reason == 0x21
    assert sorted(want) == [0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26]
    for reason, c in want.items():
        assert c.outcome.reason == reason


@cocotb.test(skip=os.environ.get("IR_BLOCK_IR", "1") == "0")
async def fpd_suppression(dut: Any) -> None:
    """FPD=1 suppresses the record of 22h, 24h and 26h (qualified) but the request is still
    blocked; with FPD=0 each is recorded. A hit on a cached IRTE that now fails the source check
    takes FPD from the cached entry."""
    b = await bench(dut, rec_stall=0.5)
    b.set_regs(Regs(ires=1, s=4))
    for fpd in (0, 1):
        for idx, kw in ((1, dict(p=0)), (2, dict(rsvd_lo=1 << 13)), (3, dict(svt=1, sid=7))):
            await b.invalidate(True)
            b.put_irte(idx, make_irte(fpd=fpd, **kw))
            b.records.clear()
            c = await b.check(8, remappable_addr(idx, False), 0, expect_reads=1)
            assert c.outcome.fault is not None and c.outcome.fault.suppressed == bool(fpd)
    b.put_irte(4, make_irte(fpd=1, svt=1, sid=0x40))
    await b.check(0x40, remappable_addr(4, False), 0, expect_reads=1)  # ok, cached
    c = await b.check(0x41, remappable_addr(4, False), 0, expect_reads=0)  # hit, 26h, suppressed
    assert c.outcome.reason == 0x26 and c.outcome.fault is not None and c.outcome.fault.suppressed


@cocotb.test(skip=os.environ.get("IR_BLOCK_IR", "1") == "0")
async def x2apic_destinations(dut: Any) -> None:
    """EIME=0: dest = DST[47:40], DST 39:32 and 63:48 reserved (24h); EIME=1: dest = DST[63:32]."""
    b = await bench(dut)
    for eime in (0, 1):
        b.set_regs(Regs(ires=1, s=5, eime=eime))
        await b.invalidate(True)
        b.put_irte(1, make_irte(dst=0x5A, vector=0x31))
        b.put_irte(2, make_irte(dst=0x1234_5678, x2apic=True, vector=0x32, dm=1))
        b.put_irte(3, make_irte(dst=0xFF00_0000, x2apic=True, vector=0x33))
        c1 = await b.check(1, remappable_addr(1, False), 0, expect_reads=1)
        c2 = await b.check(1, remappable_addr(2, False), 0, expect_reads=1)
        c3 = await b.check(1, remappable_addr(3, False), 0, expect_reads=1)
        assert c1.outcome.interrupt is not None
        assert c1.outcome.interrupt.dest == (0x5A00 if eime else 0x5A)
        if eime:
            assert c2.outcome.interrupt is not None and c2.outcome.interrupt.dest == 0x1234_5678
            assert c3.outcome.ok
        else:
            assert c2.outcome.reason == 0x24 and c3.outcome.reason == 0x24


@cocotb.test(skip=os.environ.get("IR_BLOCK_IR", "1") == "0")
async def iec_stale_until_invalidated(dut: Any) -> None:
    """An IRTE changed in memory: the IEC may answer with the old entry until an invalidation
    covering it (global, or index-selective with IM) is done; afterwards the fresh IRTE is used.
    Entries outside a selective range survive. Round-robin replacement with IEC_ENTRIES=4."""
    b = await bench(dut)
    b.set_regs(Regs(ires=1, s=7))
    for i in range(8):
        b.put_irte(i, make_irte(vector=0x10 + i, dst=i))
    for i in range(4):
        await b.check(1, remappable_addr(i, False), 0, expect_reads=1)
    for i in range(4):
        await b.check(1, remappable_addr(i, False), 0, expect_reads=0)
    for i in range(4):  # change every IRTE in memory: the block still answers from the IEC
        b.put_irte(i, make_irte(vector=0xA0 + i, dst=0x80 + i))
        c = await b.check(1, remappable_addr(i, False), 0, expect_reads=0)
        assert c.outcome.interrupt is not None and c.outcome.interrupt.vector == 0x10 + i
    # selective: IIDX=2, IM=1 covers indices 2 and 3 only
    await b.invalidate(False, 2, 1)
    for i, fresh in ((0, False), (1, False), (2, True), (3, True)):
        c = await b.check(1, remappable_addr(i, False), 0, expect_reads=int(fresh))
        assert c.outcome.interrupt is not None
        assert c.outcome.interrupt.vector == (0xA0 + i if fresh else 0x10 + i)
    # a changed IRTE that now faults: stale hit until invalidated, then 22h
    b.put_irte(0, make_irte(p=0))
    c = await b.check(1, remappable_addr(0, False), 0, expect_reads=0)
    assert c.outcome.ok
    await b.invalidate(False, 0, 0)
    c = await b.check(1, remappable_addr(0, False), 0, expect_reads=1)
    assert c.outcome.reason == 0x22
    # global
    await b.invalidate(True)
    c = await b.check(1, remappable_addr(1, False), 0, expect_reads=1)
    assert c.outcome.interrupt is not None and c.outcome.interrupt.vector == 0xA1
    # eviction: 5 distinct indices through 4 entries -> the first one was replaced
    await b.invalidate(True)
    for i in range(4, 8):
        await b.check(1, remappable_addr(i, False), 0, expect_reads=1)
    await b.check(1, remappable_addr(1, False), 0, expect_reads=1)  # evicts index 4 (RR)
    await b.check(1, remappable_addr(4, False), 0, expect_reads=1)
    await b.check(1, remappable_addr(6, False), 0, expect_reads=0)
    # IM >= 16 covers every index
    await b.invalidate(False, 0x1234, 16)
    await b.check(1, remappable_addr(6, False), 0, expect_reads=1)


@cocotb.test(skip=os.environ.get("IR_BLOCK_IR", "1") == "0")
async def hit_latency(dut: Any) -> None:
    """The header's latency figures, handshake edge to handshake edge with intr_ready=1 and
    rec_ready=1: 2 for an IEC hit and a pass-through, 3 for a recorded fault without a read,
    3 + a + b for a miss (a: cycles ar_req is high, b: ar_ack edge to last-beat edge)."""
    b = await bench(dut, intr_stall=0.0, rec_stall=0.0, bus_delay=0)
    b.set_regs(Regs(ires=1, s=3, cfis=1))
    b.put_irte(1, make_irte(vector=0x42))
    b.put_irte(2, make_irte(vector=0x43))
    await b.check(1, remappable_addr(1, False), 0, expect_reads=1)
    # this bench's memory: ar_ack 1 cycle after it sees ar_req (a=2), beats back to back (b=2)
    cases = ((remappable_addr(1, False), 0, 2), (compat_addr(3), 0, 2),
             (remappable_addr(1, True), 0x10000, 3), (remappable_addr(2, False), 0, 7))
    for addr, data, want in cases:
        dut.msi_valid.value = 1
        dut.msi_addr.value = addr
        dut.msi_data.value = data
        dut.intr_ready.value = 1
        while True:
            await RisingEdge(dut.clk)
            if dut.msi_ready.value:
                break
        dut.msi_valid.value = 0
        n = 0
        while True:
            await RisingEdge(dut.clk)
            n += 1
            if dut.intr_valid.value:
                break
        assert n == want, f"latency {n} cycles for {addr:#x}/{data:#x}, header says {want}"
        dut.intr_ready.value = 0
        await RisingEdge(dut.clk)


@cocotb.test(skip=os.environ.get("IR_BLOCK_IR", "1") == "0")
async def invalidation_drains_fetch_in_flight(dut: Any) -> None:
    """§6.3: an IEC invalidation requested while an IRTE read is in flight completes only after
    that read and its fill, so an IRTE read before software changed it cannot stay cached after
    the invalidation: the next interrupt reads the new IRTE."""
    b = await bench(dut, bus_delay=0)
    b.set_regs(Regs(ires=1, s=3))
    for global_ in (True, False):
        await b.invalidate(True)
        b.put_irte(1, make_irte(vector=0x11))
        b.hold = 12
        sid, addr = 3, remappable_addr(1, False)
        candidates = b.unit.msi_candidates(sid, addr, 0)
        reads0 = b.reads
        task = cocotb.start_soon(b.send(sid, addr, 0))
        while b.reads == reads0:
            await RisingEdge(dut.clk)
        b.put_irte(1, make_irte(vector=0x22))  # software changes the IRTE, then invalidates
        dut.inv_valid.value = 1
        dut.inv_global.value = int(global_)
        dut.inv_index.value = 1
        dut.inv_im.value = 0
        waited = 0
        while True:
            await RisingEdge(dut.clk)
            waited += 1
            if dut.inv_done.value:
                break
        dut.inv_valid.value = 0
        assert waited > b.hold, f"inv_done after {waited} cycles, during the IRTE read"
        observed, _ = await task
        assert observed == candidates[0].outcome.visible(), (observed, candidates)
        b.unit.commit(candidates[0])
        b.unit.invalidate_iec(global_, 1, 0)
        b.hold = 0
        c = await b.check(sid, addr, 0, expect_reads=1)
        assert c.outcome.interrupt is not None and c.outcome.interrupt.vector == 0x22


@cocotb.test(skip=os.environ.get("IR_BLOCK_IR", "1") != "0")
async def ir0_pass_through(dut: Any) -> None:
    """IR=0 build: every request is a compatibility pass-through (the model with IRES=0, P17);
    no memory read, no fault record; an invalidation is acknowledged."""
    b = await bench(dut)
    b.set_regs(Regs(ires=0))
    rng = b.rng
    for _ in range(200):
        if rng.random() < 0.5:
            addr = compat_addr(rng.getrandbits(8), rng.getrandbits(1), rng.getrandbits(1))
        else:
            addr = remappable_addr(rng.getrandbits(16), bool(rng.getrandbits(1)))
        c = await b.check(rng.getrandbits(16), addr, rng.getrandbits(32), expect_reads=0)
        assert c.outcome.ok and not b.records
        if rng.random() < 0.05:
            await b.invalidate(bool(rng.getrandbits(1)), rng.getrandbits(16), rng.randint(0, 16))
    assert not dut.ar_req.value and not dut.rec_valid.value


# --------------------------------------------------------------------------- random test


@cocotb.test(skip=os.environ.get("IR_BLOCK_IR", "1") == "0")
async def random_against_model(dut: Any) -> None:
    """Random interrupts, IRTE tables, table changes, invalidations, bus errors and register
    states, every output and record checked against the model's permitted outcomes."""
    b = await bench(dut, bus_delay=4)
    rng = b.rng
    n = int(os.environ.get("IR_BLOCK_N", "600"))
    sids = [rng.getrandbits(16) for _ in range(6)]

    def random_irte() -> tuple[int, int]:
        x2 = rng.random() < 0.5
        svt = rng.choices((0, 1, 2, 3), (5, 4, 3, 1))[0]
        sid = rng.choice(sids)
        if svt == 2:
            lo_bus = sid >> 8
            sid = (max(0, lo_bus - rng.randint(0, 2)) << 8) | min(255, lo_bus + rng.randint(-1, 3))
        kw: dict[str, Any] = dict(
            p=int(rng.random() < 0.9), fpd=int(rng.random() < 0.3), dm=rng.getrandbits(1),
            rh=rng.getrandbits(1), tm=rng.getrandbits(1),
            dlm=rng.choice((0, 1, 2, 4, 5, 7, 0, 1, 3, 6)) if rng.random() < 0.3 else
            rng.choice((0, 1)), vector=rng.getrandbits(8),
            dst=rng.getrandbits(32) if x2 else rng.getrandbits(8), x2apic=x2, sid=sid,
            sq=rng.getrandbits(2), svt=svt, im=int(rng.random() < 0.03))
        if rng.random() < 0.08:
            kw["rsvd_lo"] = 1 << rng.choice((12, 13, 14, 24, 27, 31))
        if rng.random() < 0.05:
            kw["rsvd_hi"] = 1 << rng.randint(20, 63)
        return make_irte(**kw)

    def randomise_table(s: int, base: int) -> None:
        for i in range(min(1 << (s + 1), 64)):
            b.put_irte(i, random_irte(), base)

    regs = Regs(ires=1, base=TABLE, s=4, eime=0, cfis=1)
    b.set_regs(regs)
    randomise_table(regs.s, regs.base)
    wanted = ["ok", "20h", "21h", "22h", "23h", "24h", "25h", "26h", "22h-fpd", "24h-fpd",
              "26h-fpd", "iec-hit"]
    if int(os.environ.get("IR_BLOCK_IEC", "2")) > 1:
        wanted.append("stale-iec")  # rare with a one-entry IEC
    k = 0
    # n interrupts, continued (up to 4n) until every outcome in ``wanted`` has been seen
    while k < n or (k < 4 * n and any(w not in b.hits for w in wanted)):
        k += 1
        r = rng.random()
        if r < 0.05:  # an IRTE changes (software, without or before invalidation)
            limit = min(1 << (regs.s + 1), 6 if rng.random() < 0.7 else 64)  # mostly hot ones
            b.put_irte(rng.randrange(limit), random_irte())
        elif r < 0.08:
            await b.invalidate(True)
        elif r < 0.13:
            await b.invalidate(False, rng.randrange(64), rng.choice((0, 0, 1, 2, 3, 6, 17)))
        elif r < 0.15:  # new register state; global invalidation as software must (§6.5)
            regs = Regs(ires=int(rng.random() < 0.9), base=rng.choice((TABLE, 0x8000_0000)),
                        s=rng.randint(0, 6), eime=int(rng.random() < 0.4),
                        cfis=int(rng.random() < 0.5))
            b.set_regs(regs)
            randomise_table(regs.s, regs.base)
            if rng.random() < 0.8:
                await b.invalidate(True)
        elif r < 0.19:  # bus errors on a few IRTEs (either qword)
            b.mem.clear_errors()
            if rng.random() < 0.8:
                for i in rng.sample(range(8), 3):
                    b.mem.add_error(regs.base + 16 * i + 8 * rng.getrandbits(1), 8)
        sid = rng.choice(sids) if rng.random() < 0.8 else rng.getrandbits(16)
        kind = rng.random()
        size = 1 << (regs.s + 1)
        if kind < 0.12:
            addr, data = compat_addr(rng.getrandbits(8), rng.getrandbits(1), rng.getrandbits(1)), \
                rng.getrandbits(16) | (rng.getrandbits(16) << 16 if rng.random() < 0.2 else 0)
        else:
            shv = rng.random() < 0.6
            hot = rng.random() < 0.5  # a few hot indices, so the IEC hits
            index = rng.randrange(min(size, 6)) if hot else \
                rng.randrange(size + 2) if rng.random() < 0.9 else rng.getrandbits(16)
            if shv and rng.random() < 0.7:
                sub = rng.randint(0, min(index, 7))
                handle = index - sub
            else:
                sub, handle = rng.getrandbits(16) if shv and rng.random() < 0.05 else 0, index
            data = sub if shv else rng.getrandbits(32)
            if shv and rng.random() < 0.05:
                data |= rng.getrandbits(16) << 16
            addr = remappable_addr(handle, shv) | rng.getrandbits(2)  # addr[1:0] ignored
            if rng.random() < 0.5 and index < 64:  # often the requester the IRTE names
                sid = b.mem.peek_u64(regs.base + 16 * index + 8) & 0xFFFF
        await b.check(sid, addr, data)
        if k % 100 == 0:
            dut._log.info("%d checked, outcomes %s", b.checked, dict(sorted(b.hits.items())))
    dut._log.info("done: %d interrupts, outcomes %s", b.checked, dict(sorted(b.hits.items())))
    for reason in wanted:
        assert b.hits.get(reason, 0) > 0 or n < 200, \
            f"random run never produced {reason} in {k} interrupts"


# --------------------------------------------------------------------------- IEC alone


class IecReference:
    """The IEC as its header specifies it: victim = first invalid entry, else the round-robin
    pointer (which then advances); a fill at an edge is applied before that edge's
    invalidation; IIDX/IM selects [IIDX & ~(2^IM-1), +2^IM)."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.valid = [False] * n
        self.tag = [0] * n
        self.data = [0] * n
        self.rr = 0

    def lookup(self, index: int) -> tuple[int, int]:
        for i in range(self.n):
            if self.valid[i] and self.tag[i] == index:
                return 1, self.data[i]
        return 0, 0

    def edge(self, fill: tuple[int, int] | None, inv: tuple[bool, int, int] | None) -> None:
        if fill is not None:
            free = [i for i in range(self.n) if not self.valid[i]]
            v = free[0] if free else self.rr
            if not free:
                self.rr = (self.rr + 1) % self.n
            self.valid[v], self.tag[v], self.data[v] = True, fill[0], fill[1]
        if inv is not None:
            global_, index, im = inv
            lo = index & ~((1 << im) - 1) & 0xFFFF
            for i in range(self.n):
                if global_ or lo <= self.tag[i] < lo + (1 << im):
                    self.valid[i] = False


@cocotb.test()
async def iec_against_reference(dut: Any) -> None:
    """vtd_int_entry_cache alone, cycle by cycle against IecReference: random fills (some to
    the same few indices), look-ups, global and index-selective invalidations with every IM
    from 0 to 31, fills in the same cycle as an invalidation."""
    seed = seed_of(dut)
    dut._log.info("SEED=%d", seed)
    rng = random.Random(seed)
    n = int(os.environ["IR_BLOCK_IEC"])
    ref = IecReference(n)
    cocotb.start_soon(Clock(dut.clk, 10, unit="ns").start())
    for name in ("lk_index", "fill_valid", "fill_index", "fill_data", "inv_valid", "inv_global",
                 "inv_index", "inv_im"):
        getattr(dut, name).value = 0
    dut.rst_n.value = 0
    await ClockCycles(dut.clk, 3)
    dut.rst_n.value = 1
    inv: tuple[bool, int, int] | None = None
    checked = hits = 0
    for _ in range(int(os.environ.get("IR_BLOCK_N", "600")) * 4):
        space = rng.choice((8, 32, 1 << 16))
        look = rng.randrange(space) if rng.random() < 0.9 else rng.choice(ref.tag)
        fill = (rng.randrange(space), rng.getrandbits(84)) if rng.random() < 0.4 else None
        if inv is None and rng.random() < 0.15:
            inv = (rng.random() < 0.2, rng.randrange(space), rng.randrange(32))
        dut.lk_index.value = look
        dut.fill_valid.value = int(fill is not None)
        if fill is not None:
            dut.fill_index.value, dut.fill_data.value = fill
        dut.inv_valid.value = int(inv is not None)
        if inv is not None:
            dut.inv_global.value, dut.inv_index.value, dut.inv_im.value = \
                int(inv[0]), inv[1], inv[2]
        await RisingEdge(dut.clk)
        hit, data = ref.lookup(look)
        got = (int(dut.lk_hit.value), int(dut.lk_data.value))
        assert got == (hit, data), f"look-up {look:#x}: rtl {got}, reference {(hit, data)}"
        checked += 1
        hits += hit
        done = bool(dut.inv_done.value)
        ref.edge(fill, inv if inv is not None and not done else None)
        if done:
            assert inv is not None, "inv_done without a request"
            inv = None
    dut._log.info("%d look-ups checked, %d hits", checked, hits)
    assert hits > checked // 20, "too few hits to judge the IEC"


# --------------------------------------------------------------------------- pytest side


def _build_dir(sim: str, params: dict[str, int], top: str) -> Path:
    if top != TOP:
        name = "iec"
        tag = "-" + "-".join(f"{k}{v}" for k, v in sorted(params.items()))
    else:
        name = "intr_remap"
        tag = "" if params == PARAMS else \
            "-" + "-".join(f"{k}{v}" for k, v in sorted(params.items()))
    return ROOT / "build" / "blocks" / f"{sim}-{name}{tag}"


def _run(sim: str, params: dict[str, int], testcase: list[str], seed: int,
         top: str = TOP) -> None:
    from cocotb_tools.check_results import get_results
    from cocotb_tools.runner import get_runner

    if sim == "icarus" and shutil.which("iverilog") is None:
        pytest.fail("iverilog is not installed: run `make venv`")
    from tb.flows.build import build_block

    for p in (str(ROOT), str(ROOT / "tests")):  # the runner passes sys.path as PYTHONPATH
        if p not in sys.path:
            sys.path.append(p)
    directory = _build_dir(sim, params, top)
    build_block(sim, top, SOURCES, params, directory,
                ["-Wno-fatal", "-Wno-lint", "-Wno-style"] if sim == "verilator" else [])
    runner = get_runner(sim)
    results = directory / f"results-{seed}.xml"
    print(f"{top} on {sim} {params}: SEED={seed} (replay: SEED={seed} pytest {__file__})")
    try:
        runner.test(test_module=Path(__file__).stem, hdl_toplevel=top,
                    hdl_toplevel_lang="verilog", build_dir=directory, test_dir=directory,
                    testcase=testcase, seed=seed, results_xml=str(results),
                    extra_env={"IR_BLOCK_SEED": str(seed), "IR_BLOCK_IR": str(params.get("IR", 1)),
                               "IR_BLOCK_HAW": str(params.get("HAW", 48)),
                               "IR_BLOCK_IEC": str(params["IEC_ENTRIES"]),
                               "COCOTB_LOG_LEVEL": "INFO",
                               "PYTHONWARNINGS": "ignore::DeprecationWarning"},
                    timescale=("1ns", "1ps"), log_file=directory / f"sim-{seed}.log")
    except (RuntimeError, SystemExit) as e:
        pytest.fail(f"{sim} run failed ({e}); SEED={seed}; log {directory}/sim-{seed}.log")
    tests, failed = get_results(results)
    assert tests == len(testcase) and failed == 0, \
        f"{failed} of {tests} cocotb tests failed ({len(testcase)} asked for) on {sim}; " \
        f"SEED={seed}; " \
        f"log {directory}/sim-{seed}.log"


def _seed() -> int:
    raw = os.environ.get("SEED")
    return int(raw, 0) if raw else random.SystemRandom().randrange(1, 1 << 31)


IR1_TESTS = ["ires0_and_compatibility", "remapped_shv_subhandle_multivector", "fault_reasons",
             "fpd_suppression", "x2apic_destinations", "iec_stale_until_invalidated",
             "hit_latency", "invalidation_drains_fetch_in_flight", "random_against_model"]


@pytest.mark.parametrize("sim", SIMULATORS)
def test_intr_remap_block(sim: str) -> None:
    """Every IR=1 cocotb test above on ``sim`` (random ones with a printed, replayable seed)."""
    _run(sim, PARAMS, IR1_TESTS, _seed())


@pytest.mark.parametrize("sim", SIMULATORS)
def test_intr_remap_block_one_entry_iec(sim: str) -> None:
    """IEC_ENTRIES=1: the random test against the model (every fill replaces the entry)."""
    _run(sim, {**PARAMS, "IEC_ENTRIES": 1}, ["random_against_model", "fault_reasons"], _seed())


@pytest.mark.parametrize("sim", SIMULATORS)
def test_intr_remap_block_ir0(sim: str) -> None:
    """IR=0: the block is the old compatibility pass-through (what the top instantiates)."""
    _run(sim, {**PARAMS, "IR": 0}, ["ir0_pass_through"], _seed())


@pytest.mark.parametrize("sim", SIMULATORS)
def test_intr_remap_block_haw39(sim: str) -> None:
    """HAW=39: the IRTA width and the 21h check of an IRTE address above HAW."""
    _run(sim, {**PARAMS, "HAW": 39}, ["random_against_model", "fault_reasons"], _seed())


@pytest.mark.parametrize("sim", SIMULATORS)
@pytest.mark.parametrize("entries", [1, 3, 8])
def test_int_entry_cache(sim: str, entries: int) -> None:
    """vtd_int_entry_cache alone against its reference (replacement, invalidation ranges)."""
    _run(sim, {"IEC_ENTRIES": entries}, ["iec_against_reference"], _seed(),
         top="vtd_int_entry_cache")


LINT_SETS: list[dict[str, int]] = [
    {}, {"IEC_ENTRIES": 1}, {"IR": 0}, {"HAW": 32, "IEC_ENTRIES": 3},
    {"HAW": 52, "IEC_ENTRIES": 16}, {"HAW": 39, "IEC_ENTRIES": 5},
]


@pytest.mark.parametrize("params", LINT_SETS, ids=lambda p: "-".join(
    f"{k}{v}" for k, v in p.items()) or "default")
def test_block_lint(params: dict[str, int], tmp_path: Path) -> None:
    """The block (its top is not reached from vtd_remap_unit with IR=1 yet) is Verilator -Wall
    clean and elaborates on Icarus for these parameter sets."""
    root = ROOT / ".venv" / "verilator_root"
    verilator = root / "bin" / "verilator"
    if not verilator.exists():
        pytest.fail("the venv's Verilator is missing: run `make venv`")
    env = dict(os.environ, VERILATOR_ROOT=str(root))
    srcs = [str(p) for p in sorted(RTL.glob("*.v"))]
    cmd = [str(verilator), "--lint-only", "-Wall", f"-I{RTL}", "--top-module", TOP,
           *[f"-G{k}={v}" for k, v in params.items()], *srcs]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    msgs = [ln for ln in (proc.stdout + proc.stderr).splitlines() if ln.startswith("%")]
    assert proc.returncode == 0 and not msgs, "\n".join(msgs[:20]) or proc.stderr
    iverilog = shutil.which("iverilog")
    if iverilog is None:
        pytest.fail("iverilog is not installed: run `make venv`")
    cmd = [iverilog, "-g2005", "-Wall", "-I", str(RTL), "-s", TOP, "-o", str(tmp_path / "b.vvp"),
           *[f"-P{TOP}.{k}={v}" for k, v in params.items()], *srcs]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    findings = [ln for ln in proc.stderr.splitlines()
                if ln.strip() and not any(x in ln for x in ("timescale", "is sensitive to all"))]
    assert proc.returncode == 0 and not findings, "\n".join(findings[:20])
