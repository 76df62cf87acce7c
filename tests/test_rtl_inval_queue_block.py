"""Block test of rtl/vtd_inval_queue.v (queued invalidation) against the golden model.

The same software actions (IQA, QIE, IQT writes, FSTS.IQE and ICS.IWC clears, descriptors
written into memory) go to the golden model (python_model.unit.RemappingUnit, which runs the
queue synchronously on each register write) and to the RTL engine. The model's calls into its
invalidation target (context cache, IOTLB, IEC, status write, completion event, queue error)
form the expected stream; the RTL's request handshakes, status writes, inv_event_req and
iqe_set pulses form the observed stream. After each batch the streams, IQH, IQERCD.IQEI,
FSTS.IQE (iqe_halted) and ICS.IWC must agree. Expected values come only from the model.

Responders (all with random delays): the descriptor read port is served from a
python_model.memory.Memory (random AR ack delay, R latency and gaps, injected bus errors per
beat), the status write port writes into that memory (SLVERR inside an injected range), the
context-cache/IOTLB/IEC requests get their done pulse, the drain handshake its ack. Ordering
checks on the fly: at most one invalidation request at a time, every request and status write
only after drain_ack of the same drain period, a status write only when no invalidation is
pending, the completion event only after the status write's response. A batch that does not
finish within its cycle budget fails as a hang.

cocotb tests: ``qi_directed`` (every descriptor type, every IQE cause with its IQEI and IQH,
IWC/event, status write errors, wrap-around, QIE off/on) and ``qi_random`` (random batches;
prints its seed; replay with ``SEED=<n>``). The pytest functions build the block with
tb.flows.build.build_block under build/blocks/<sim>-inval_queue-<params>/ and run the tests on
Verilator and Icarus (``SIMS=verilator`` limits the simulators, ``QI_SCALE`` scales the random
test).
"""

from __future__ import annotations

import json
import os
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import cocotb
import pytest
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge

from python_model.config import UnitConfig
from python_model.memory import Memory, MemoryAccessError
from python_model.structures import mask
from python_model.unit import RemappingUnit
from tb.software.table_formats import cc_inv_dsc, iec_inv_dsc, inv_wait_dsc, iotlb_inv_dsc

ROOT = Path(__file__).resolve().parents[1]
TOP = "vtd_inval_queue"
PARAM_SETS: dict[str, dict[str, int]] = {
    "default": {"HAW": 48, "ND": 2, "PSI": 1, "MAMV": 18, "MHMV": 15},
    # other corners: narrow HAW, 4-bit DIDs, no PSI, small MHMV / wide DIDs, small MAMV
    "nopsi": {"HAW": 39, "ND": 0, "PSI": 0, "MAMV": 18, "MHMV": 3},
    "wide": {"HAW": 52, "ND": 6, "PSI": 1, "MAMV": 9, "MHMV": 0},
    "edge": {"HAW": 32, "ND": 1, "PSI": 1, "MAMV": 63, "MHMV": 15},
}
STATUS_BASE = 0x1_0000_0000  # status dwords live in these pages ...
STATUS_BAD = STATUS_BASE + 0x3000  # ... and this page answers writes with SLVERR
SLVERR = 2

Record = tuple[object, ...]


# --------------------------------------------------------------------------- the model side


class RecordingUnit(RemappingUnit):
    """The golden model, recording what its queue asks of the invalidation target."""

    def __init__(self, config: UnitConfig, memory: Memory) -> None:
        self.stream: list[Record] = []
        super().__init__(config, memory)
        raise_event = self.inv_event.raise_event

        def record_event() -> None:
            self.stream.append(("event",))
            raise_event()

        self.inv_event.raise_event = record_event  # type: ignore[method-assign]

    def invalidate_context(self, granularity: int, did: int, sid: int, fm: int) -> None:
        self.stream.append(("cc", granularity, did, sid, fm))
        super().invalidate_context(granularity, did, sid, fm)

    def invalidate_iotlb(self, granularity: int, did: int, addr: int, am: int, ih: bool) -> None:
        self.stream.append(("iotlb", granularity, did, addr >> 12, am, int(ih)))
        super().invalidate_iotlb(granularity, did, addr, am, ih)

    def invalidate_iec(self, global_: bool, index: int, im: int) -> None:
        self.stream.append(("iec", int(global_), index, im))
        super().invalidate_iec(global_, index, im)

    def wait_complete(self, status_write: tuple[int, int] | None, interrupt: bool) -> None:
        if status_write is not None:
            self.stream.append(("status", status_write[0], status_write[1]))
        super().wait_complete(status_write, interrupt)

    def queue_error(self, iqei: int) -> None:
        self.stream.append(("iqe", iqei))
        super().queue_error(iqei)


# --------------------------------------------------------------------------- the RTL side


@dataclass
class Delays:
    """Random delay ranges (cycles) of the responders."""

    ar: tuple[int, int] = (0, 3)
    r_first: tuple[int, int] = (1, 6)
    r_gap: tuple[int, int] = (0, 2)
    aw: tuple[int, int] = (0, 3)
    b: tuple[int, int] = (0, 4)
    done: tuple[int, int] = (0, 4)
    drain: tuple[int, int] = (0, 6)


# Every responder at once: ack in the first cycle, R beats from the cycle after the ack,
# b_valid in the cycle after aw_ack, done and drain_ack in the first cycle.
FAST = Delays(ar=(0, 0), r_first=(1, 1), r_gap=(0, 0), aw=(0, 0), b=(0, 0), done=(0, 0),
              drain=(0, 0))


@dataclass
class Port:
    """Per-responder state."""

    busy: bool = False
    count: int = 0
    items: list[tuple[int, int, int, int]] = field(default_factory=list)  # delay,data,resp,last


class Bench:
    def __init__(self, dut: object, params: dict[str, int], rng: random.Random,
                 delays: Delays | None = None) -> None:
        self.dut = dut
        self.p = params
        self.rng = rng
        self.delays = delays or Delays()
        self.cfg = UnitConfig(HAW=params["HAW"], MGAW=max(params["HAW"], 48), ND=params["ND"],
                              PSI=params["PSI"], MAMV=params["MAMV"], MHMV=params["MHMV"])
        self.model = RecordingUnit(self.cfg, Memory())
        self.mem = Memory()  # what the RTL reads and writes
        self.errors: list[tuple[int, int, bool, bool]] = []
        self.observed: list[Record] = []
        self.status_addrs: set[int] = set()
        self.cycle = 0
        # responder state
        self.rd = Port()
        self.wr = Port()
        self.wr_resp = 0
        self.inv = Port()
        self.inv_kind = ""
        self.inv_rec: Record = ()
        self.ar_held: tuple[int, int] | None = None  # (addr, len) while ar_req waits
        self.aw_held: tuple[int, int] | None = None
        self.drain = Port()
        self.drained = False
        self.write_pending = False
        self.base = 0
        self.qs = 0
        self.stats: dict[str, int] = {}

    # ------------------------------------------------------------------ helpers
    def rand(self, rng_range: tuple[int, int]) -> int:
        return self.rng.randint(*rng_range)

    def count(self, what: str, n: int = 1) -> None:
        self.stats[what] = self.stats.get(what, 0) + n

    def set_errors(self, errors: list[tuple[int, int, bool, bool]]) -> None:
        """Injected bus errors (start, size, on_read, on_write) in both memories, plus the
        page of status addresses that always answers writes with an error."""
        self.errors = list(errors) + [(STATUS_BAD, 0x1000, False, True)]
        for m in (self.mem, self.model.memory):
            m.clear_errors()
            for start, size, on_read, on_write in self.errors:
                m.add_error(start, size, on_read=on_read, on_write=on_write)

    @property
    def entries(self) -> int:
        return 1 << (self.qs + 8)

    def put(self, index: int, desc: tuple[int, int]) -> None:
        addr = (self.base & mask(self.p["HAW"] - 1, 12)) + 16 * (index % self.entries)
        for m in (self.mem, self.model.memory):
            m.poke_u64(addr, desc[0])
            m.poke_u64(addr + 8, desc[1])

    def slot_addr(self, index: int) -> int:
        return (self.base & mask(self.p["HAW"] - 1, 12)) + 16 * (index % self.entries)

    # ------------------------------------------------------------------ start
    async def start(self) -> None:
        d = self.dut
        cocotb.start_soon(Clock(d.clk, 10, unit="ns").start())
        for name in ("qies", "iqa_base", "iqa_qs", "iqa_dw", "iqt", "iqt_wr", "iqe_clear",
                     "ics_iwc_clear", "ar_ack", "r_valid", "r_data", "r_resp", "r_last",
                     "aw_ack", "b_valid", "b_resp", "cc_inv_done", "iotlb_inv_done",
                     "iec_inv_done", "drain_ack"):
            getattr(d, name).value = 0
        d.rst_n.value = 0
        for _ in range(3):
            await FallingEdge(d.clk)
        d.rst_n.value = 1
        self.set_errors([])
        cocotb.start_soon(self._responders())
        await FallingEdge(d.clk)

    # ------------------------------------------------------------------ software actions
    async def pulse(self, name: str) -> None:
        sig = getattr(self.dut, name)
        sig.value = 1
        await FallingEdge(self.dut.clk)
        sig.value = 0

    async def set_iqa(self, base: int, qs: int, dw: int = 0) -> None:
        self.base, self.qs = base, qs
        self.model.write_reg("IQA", base | dw << 11 | qs)
        d = self.dut
        d.iqa_base.value = base >> 12 & mask(self.p["HAW"] - 13, 0)
        d.iqa_qs.value = qs
        d.iqa_dw.value = dw
        await FallingEdge(d.clk)

    async def set_qie(self, on: bool) -> None:
        self.model.write_reg("GCMD", int(on) << 26)
        self.dut.qies.value = int(on)
        await FallingEdge(self.dut.clk)

    async def write_tail(self, index: int) -> None:
        self.model.write_reg("IQT", index << 4)
        self.dut.iqt.value = index & 0x7FFF
        await self.pulse("iqt_wr")

    async def clear_iqe(self) -> None:
        self.model.write_reg("FSTS", 1 << 4)
        await self.pulse("iqe_clear")

    async def clear_iwc(self) -> None:
        self.model.write_reg("ICS", 1)
        await self.pulse("ics_iwc_clear")

    async def settle(self, budget: int) -> None:
        """Wait until the engine has been idle for 3 cycles; fail after ``budget`` cycles."""
        d = self.dut
        idle = 0
        for _ in range(4):
            await FallingEdge(d.clk)
        for _ in range(budget):
            await FallingEdge(d.clk)
            quiet = (not int(d.busy.value) and not self.rd.busy and not self.wr.busy
                     and not self.inv.busy)
            idle = idle + 1 if quiet else 0
            if idle >= 3:
                return
        raise AssertionError(f"engine hung: still busy after {budget} cycles (cycle "
                             f"{self.cycle}, IQH={int(d.iqh.value):#x})")

    def check(self, what: str) -> None:
        """Compare the streams and the register-side state with the model."""
        exp, obs = self.model.stream, self.observed
        assert obs == exp, (f"{what}: stream differs\n  model: {exp}\n  rtl:   {obs}")
        d, m = self.dut, self.model
        assert int(d.iqh.value) == m.read_reg("IQH") >> 4, (
            f"{what}: IQH rtl {int(d.iqh.value):#x} model {m.read_reg('IQH') >> 4:#x}")
        assert int(d.iqei.value) == m.read_reg("IQERCD") & 0xF, f"{what}: IQEI"
        assert int(d.iqe_halted.value) == (m.read_reg("FSTS") >> 4 & 1), f"{what}: IQE"
        assert int(d.ics_iwc.value) == (m.read_reg("ICS") & 1), f"{what}: ICS.IWC"
        for a in sorted(self.status_addrs):
            assert self.mem.peek(a, 4) == m.memory.peek(a, 4), f"{what}: status dword {a:#x}"
        for rec in exp:
            self.count(str(rec[0]) if rec[0] != "iqe" else f"iqe{rec[1]}")
        exp.clear()
        obs.clear()

    # ------------------------------------------------------------------ responders
    async def _responders(self) -> None:
        d = self.dut
        while True:
            await FallingEdge(d.clk)
            self.cycle += 1
            for name in ("ar_ack", "r_valid", "r_last", "aw_ack", "b_valid", "cc_inv_done",
                         "iotlb_inv_done", "iec_inv_done"):
                getattr(d, name).value = 0
            self._read_port()
            self._write_port()
            self._drain()
            self._invalidations()
            if int(d.inv_event_req.value):
                assert not self.write_pending, "completion event before the status write's B"
                self.observed.append(("event",))
            if int(d.iqe_set.value):
                self.observed.append(("iqe", int(d.iqei.value)))

    def _read_port(self) -> None:
        d, rd = self.dut, self.rd
        if not rd.busy and int(d.ar_req.value):
            held = (int(d.ar_addr.value), int(d.ar_len.value))
            assert rd.count == 0 or held == self.ar_held, "ar_addr/ar_len changed before ack"
            self.ar_held = held
            if rd.count == 0:
                rd.count = self.rand(self.delays.ar) + 1
            rd.count -= 1
            if rd.count == 0:
                d.ar_ack.value = 1
                addr = int(d.ar_addr.value)
                assert int(d.ar_len.value) == 1, "descriptor fetch must be 2 beats"
                assert addr % 16 == 0, f"descriptor address {addr:#x} not 16-byte aligned"
                base = self.base & mask(self.p["HAW"] - 1, 12)
                assert base <= addr < base + 16 * self.entries, f"fetch outside queue {addr:#x}"
                rd.busy = True
                rd.items = []
                for beat in range(2):
                    a = addr + 8 * beat
                    err = self.mem.faults(a, 8, write=False)
                    data = 0 if err else self.mem.peek_u64(a)
                    delay = self.rand(self.delays.r_first if beat == 0 else self.delays.r_gap)
                    rd.items.append((max(1, delay) if beat == 0 else delay + 1, data,
                                     SLVERR if err else 0, beat))
            return
        if rd.busy and rd.items:
            delay, data, resp, beat = rd.items[0]
            if delay > 1:
                rd.items[0] = (delay - 1, data, resp, beat)
                return
            rd.items.pop(0)
            d.r_valid.value = 1
            d.r_data.value = data
            d.r_resp.value = resp
            d.r_last.value = int(beat == 1)
            if beat == 1:
                rd.busy = False

    def _write_port(self) -> None:
        d, wr = self.dut, self.wr
        if not wr.busy and int(d.aw_req.value):
            held = (int(d.aw_addr.value), int(d.w_data.value))
            assert wr.count == 0 or held == self.aw_held, "aw_addr/w_data changed before ack"
            self.aw_held = held
            assert self.drained, "status write before drain_ack"
            assert not self.inv.busy and not any(
                int(getattr(d, f"{k}_inv_req").value) for k in ("cc", "iotlb", "iec")), (
                "status write while an invalidation is pending")
            if wr.count == 0:
                wr.count = self.rand(self.delays.aw) + 1
            wr.count -= 1
            if wr.count == 0:
                d.aw_ack.value = 1
                addr, data = int(d.aw_addr.value), int(d.w_data.value)
                self.observed.append(("status", addr, data))
                self.status_addrs.add(addr)
                try:
                    self.mem.write(addr, data.to_bytes(4, "little"))
                    self.wr_resp = 0
                except MemoryAccessError:
                    self.wr_resp = SLVERR
                    self.count("status_write_error")
                wr.busy = True
                self.write_pending = True
                wr.count = self.rand(self.delays.b) + 1
            return
        if wr.busy:
            assert int(d.drain_req.value), "drain_req dropped before the status write's B"
            wr.count -= 1
            if wr.count <= 0:
                d.b_valid.value = 1
                d.b_resp.value = self.wr_resp
                wr.busy = False
                self.write_pending = False
                wr.count = 0

    def _drain(self) -> None:
        d, dr = self.dut, self.drain
        if not int(d.drain_req.value):
            dr.busy = False
            self.drained = False
            d.drain_ack.value = self.rng.randint(0, 1)  # don't care while drain_req=0
            return
        if not dr.busy:
            dr.busy = True
            if int(d.drain_ack.value):  # already acked: the engine takes it at the next edge
                self.drained = True
                return
            dr.count = self.rand(self.delays.drain)
        if self.drained:
            return
        if dr.count == 0:
            d.drain_ack.value = 1
            self.drained = True
            self.count("drain")
        else:
            d.drain_ack.value = 0
            dr.count -= 1

    def _invalidations(self) -> None:
        d, inv = self.dut, self.inv
        reqs = [k for k in ("cc", "iotlb", "iec") if int(getattr(d, f"{k}_inv_req").value)]
        assert len(reqs) <= 1, f"several invalidation requests at once: {reqs}"
        if not reqs:
            assert not inv.busy, "invalidation request dropped before its done"
            return
        kind = reqs[0]
        assert int(d.drain_req.value), f"{kind} request without drain_req"
        if kind == "cc":
            rec: Record = ("cc", int(d.cc_inv_gran.value), int(d.cc_inv_did.value),
                           int(d.cc_inv_sid.value), int(d.cc_inv_fm.value))
        elif kind == "iotlb":
            rec = ("iotlb", int(d.iotlb_inv_gran.value), int(d.iotlb_inv_did.value),
                   int(d.iotlb_inv_vpn.value), int(d.iotlb_inv_am.value),
                   int(d.iotlb_inv_ih.value))
        else:
            rec = ("iec", int(d.iec_inv_global.value), int(d.iec_inv_index.value),
                   int(d.iec_inv_im.value))
        if not inv.busy:
            assert self.drained, f"{kind} invalidation request before drain_ack"
            inv.busy = True
            self.inv_kind = kind
            self.inv_rec = rec
            self.observed.append(rec)
            inv.count = self.rand(self.delays.done)
        assert rec == self.inv_rec, f"request fields changed before done: {rec}"
        assert kind == self.inv_kind, "request kind changed before done"
        if inv.count == 0:
            getattr(d, f"{kind}_inv_done").value = 1
            inv.busy = False
        else:
            inv.count -= 1


# --------------------------------------------------------------------------- descriptors


class Gen:
    """Random descriptors, valid and invalid, for one parameter set (inputs only: what the
    engine must do with them comes from the model)."""

    RSV = {  # reserved bits, legacy mode (doc/vtd-rules.md §2.7): qw0, qw1
        1: (mask(8, 6) | mask(15, 12) | mask(63, 50), mask(63, 0)),
        2: (mask(8, 8) | mask(15, 12) | mask(63, 32), mask(11, 7)),
        4: (mask(8, 5) | mask(26, 12) | mask(63, 48), mask(63, 0)),
        5: (mask(8, 7) | mask(31, 12), mask(1, 0)),
    }

    def __init__(self, rng: random.Random, p: dict[str, int]) -> None:
        self.rng = rng
        self.p = p

    def status_addr(self, bad: bool = False) -> int:
        page = STATUS_BAD if bad else STATUS_BASE + 0x1000 * self.rng.randint(0, 2)
        return page + 4 * self.rng.randint(0, 1023)

    def cc(self) -> tuple[int, int]:
        r = self.rng
        return cc_inv_dsc(r.randint(1, 3), r.getrandbits(16), r.getrandbits(16), r.getrandbits(2))

    def iotlb(self) -> tuple[int, int]:
        r, p = self.rng, self.p
        g = r.randint(1, 3 if p["PSI"] else 2)
        am = r.randint(0, p["MAMV"]) if g == 3 else r.getrandbits(6)
        return iotlb_inv_dsc(g, r.getrandbits(16), r.getrandbits(52) << 12, am, r.getrandbits(1),
                             r.getrandbits(1), r.getrandbits(1))

    def iec(self) -> tuple[int, int]:
        r = self.rng
        return iec_inv_dsc(r.getrandbits(1), r.getrandbits(16), r.randint(0, self.p["MHMV"]))

    def wait(self, bad_status: float = 0.1) -> tuple[int, int]:
        r = self.rng
        return inv_wait_dsc(self.status_addr(r.random() < bad_status), r.getrandbits(32),
                            sw=r.random() < 0.6, if_=r.random() < 0.4, fn=r.random() < 0.3)

    def valid(self) -> tuple[int, int]:
        return self.rng.choice([self.cc, self.iotlb, self.iec, self.wait, self.wait])()

    def bad_type(self) -> tuple[int, int]:
        r = self.rng
        lo = r.choice([0, 3, 6, 7, 8, 9, 0xA, 0xB, 0xF] + [1, 2, 4, 5] * 2)
        hi = r.randint(1, 7) if lo in (1, 2, 4, 5) else r.choice([0, 0, r.randint(1, 7)])
        return lo | hi << 9 | r.getrandbits(52) << 12 & ~mask(11, 9), r.getrandbits(64)

    def reserved(self) -> tuple[int, int]:
        r = self.rng
        t = r.choice([1, 2, 4, 5])
        qw0, qw1 = {1: self.cc, 2: self.iotlb, 4: self.iec, 5: self.wait}[t]()
        m0, m1 = self.RSV[t]
        bits = [(0, b) for b in range(64) if m0 >> b & 1] + [(1, b) for b in range(64)
                                                             if m1 >> b & 1]
        # one reserved bit, sometimes a few
        for word, b in r.sample(bits, r.choice([1, 1, 1, 3])):
            if word == 0:
                qw0 |= 1 << b
            else:
                qw1 |= 1 << b
        return qw0, qw1

    def bad_field(self) -> tuple[int, int]:
        """G=00 (1h, 2h), PSI without CAP.PSI or AM > MAMV (2h), IM > MHMV (4h)."""
        r, p = self.rng, self.p
        choices = ["cc_g0", "iotlb_g0", "iec_im"]
        if not p["PSI"]:
            choices.append("iotlb_psi")
        elif p["MAMV"] < 63:
            choices.append("iotlb_am")
        what = r.choice(choices)
        if what == "cc_g0":
            return cc_inv_dsc(0, r.getrandbits(16), r.getrandbits(16))
        if what == "iotlb_g0":
            return iotlb_inv_dsc(0, r.getrandbits(16))
        if what == "iec_im":
            return iec_inv_dsc(r.getrandbits(1), r.getrandbits(16), r.randint(p["MHMV"] + 1, 31))
        if what == "iotlb_psi":
            return iotlb_inv_dsc(3, r.getrandbits(16), r.getrandbits(40) << 12, r.randint(0, 9))
        return iotlb_inv_dsc(3, r.getrandbits(16), 0, r.randint(p["MAMV"] + 1, 63))


# --------------------------------------------------------------------------- cocotb tests


def _env_params() -> dict[str, int]:
    return json.loads(os.environ.get("QI_PARAMS", json.dumps(PARAM_SETS["default"])))


def _seed() -> int:
    raw = os.environ.get("SEED")
    return int(raw, 0) if raw else random.SystemRandom().randrange(1, 1 << 31)


async def _batch(b: Bench, descs: list[tuple[int, int]], tail_from: int, what: str,
                 budget: int | None = None) -> int:
    """Write ``descs`` from slot ``tail_from``, write the new tail, settle and check."""
    for i, desc in enumerate(descs):
        b.put(tail_from + i, desc)
    tail = (tail_from + len(descs)) % b.entries
    await b.write_tail(tail)
    await b.settle(budget or 400 + 120 * len(descs))
    b.check(what)
    return tail


@cocotb.test()
async def qi_directed(dut: object) -> None:
    """Each descriptor type and IQE cause, IWC/event, status errors, wrap-around, QIE off/on."""
    p = _env_params()
    rng = random.Random(1)
    b = Bench(dut, p, rng)
    g = Gen(rng, p)
    await b.start()
    haw = p["HAW"]
    await b.set_iqa(0x20_0000 & mask(haw - 1, 12), 0)
    await b.set_qie(True)
    b.check("QIE on, empty queue")
    # one of each valid descriptor; IWC/event; a status write that fails; FN
    sa = g.status_addr()
    descs = [cc_inv_dsc(1), cc_inv_dsc(2, did=0xFFFF), cc_inv_dsc(3, did=5, sid=0x1234, fm=3),
             iotlb_inv_dsc(1), iotlb_inv_dsc(2, did=0x8003, dr=1, dw=1),
             iotlb_inv_dsc(3 if p["PSI"] else 2, did=7, addr=0xFFFF_F000_0020_0000,
                           am=min(9, p["MAMV"]), ih=1),
             iec_inv_dsc(0), iec_inv_dsc(1, iidx=0xABCD, im=p["MHMV"]),
             inv_wait_dsc(sa, 0x1234_5678, sw=True, if_=True),
             inv_wait_dsc(sa + 4, 0x9ABC_DEF0, sw=True, if_=True, fn=True),  # IWC already 1
             inv_wait_dsc(g.status_addr(bad=True), 0x55, sw=True),  # bus error: dropped
             inv_wait_dsc(if_=True), inv_wait_dsc(fn=True)]
    tail = await _batch(b, descs, 0, "one of each type")
    await b.clear_iwc()
    tail = await _batch(b, [inv_wait_dsc(sa + 8, 7, sw=True, if_=True)], tail, "IWC cleared")
    # every IQE cause: IQEI and IQH on the bad descriptor; fix it, clear IQE, resume
    bad: list[tuple[str, tuple[int, int]]] = [
        ("type 0", (0, 0)), ("type 3", (3, 0)), ("type 6", (6, 0)), ("type 11h", (1 | 1 << 9, 0)),
        ("type 5h hi", (5 | 4 << 9, 0)),
        ("rsvd cc qw1", (cc_inv_dsc(1)[0], 1)),
        ("rsvd cc qw0", (cc_inv_dsc(1)[0] | 1 << 63, 0)),
        ("rsvd iotlb", (iotlb_inv_dsc(1)[0], 1 << 7)),
        ("rsvd iec", (iec_inv_dsc(0)[0] | 1 << 5, 0)),
        ("rsvd wait PD", (inv_wait_dsc()[0] | 1 << 7, 0)),
        ("rsvd wait qw1", (inv_wait_dsc()[0], 2)),
        ("cc G=0", cc_inv_dsc(0)), ("iotlb G=0", iotlb_inv_dsc(0)),
        ("iec IM", iec_inv_dsc(1, im=p["MHMV"] + 1)),
    ]
    if not p["PSI"] or p["MAMV"] < 63:  # PSI without CAP.PSI, or AM > MAMV (P12)
        bad.append(("iotlb PSI", iotlb_inv_dsc(3, am=p["MAMV"] + 1 if p["PSI"] else 0)))
    for name, desc in bad:
        good = [g.valid() for _ in range(rng.randint(0, 2))]
        tail_after = await _batch(b, good + [desc, g.valid()], tail, f"IQE {name}")
        # software repairs the bad descriptor (now at IQH) and clears IQE
        b.put(int(dut.iqh.value), g.valid())
        await b.clear_iqe()
        await b.settle(600)
        b.check(f"after IQE {name}")
        tail = tail_after
    # fetch errors: on the first beat, on the second beat
    for beat in (0, 1):
        slot = tail + 1
        b.set_errors([(b.slot_addr(slot) + 8 * beat, 8, True, False)])
        tail_after = await _batch(b, [g.valid(), g.valid(), g.valid()], tail,
                                  f"fetch error beat {beat}")
        await b.write_tail(tail_after)  # tail writes do nothing while IQE is set
        await b.settle(200)
        b.check("tail write while IQE")
        b.set_errors([])
        await b.clear_iqe()
        await b.settle(600)
        b.check("after fetch error")
        tail = tail_after
    # bad tail (QS=0: 256 entries): IQE 1, IQH unchanged; then a good tail
    b.put(tail, g.valid())
    await b.write_tail(0x100 + tail)
    await b.settle(200)
    b.check("bad tail")
    await b.write_tail((tail + 1) % b.entries)
    await b.clear_iqe()
    await b.settle(600)
    b.check("after bad tail")
    tail = (tail + 1) % b.entries
    # wrap-around: fill past the end of the 256-entry queue
    while True:
        n = rng.randint(20, 60)
        wrapped = tail + n >= b.entries
        tail = await _batch(b, [g.valid() for _ in range(n)], tail, "fill")
        if wrapped:
            break
    tail = await _batch(b, [g.valid() for _ in range(5)], tail, "after wrap")
    # QIE off: IQH returns to 0; DW=1 gives IQE 5 at QIE on; then QS=1 at a new base
    await b.set_qie(False)
    await b.settle(100)
    b.check("QIE off")
    await b.write_tail(0)
    await b.set_iqa(0x40_0000, 1, dw=1)
    await b.set_qie(True)
    await b.settle(200)
    b.check("DW=1")
    await b.set_qie(False)
    await b.set_iqa(0x40_0000, 1)
    await b.clear_iqe()
    await b.set_qie(True)
    await b.settle(200)
    b.check("QIE on again")
    tail = await _batch(b, [g.valid() for _ in range(10)], 0, "QS=1")
    # a tail written while QI is off is taken when QIE turns on (from IQH=0)
    await b.set_qie(False)
    for i in range(3):
        b.put(i, g.valid())
    await b.write_tail(3)
    await b.settle(100)
    b.check("tail written with QIE off")
    await b.set_qie(True)
    await b.settle(600)
    b.check("QIE on with IQT=3")
    dut._log.info("directed coverage: %s", b.stats)


@cocotb.test()
async def qi_random(dut: object) -> None:
    """Random batches, random responder delays, injected bus errors; SEED= replays."""
    p = _env_params()
    seed = _seed()
    dut._log.info("qi_random SEED=%d (replay: SEED=%d)", seed, seed)
    rng = random.Random(seed)
    scale = float(os.environ.get("QI_SCALE", "1"))
    fast = rng.random() < 0.3
    delays = FAST if fast else Delays()
    b = Bench(dut, p, rng, delays)
    g = Gen(rng, p)
    await b.start()
    haw = p["HAW"]

    def new_base(qs: int) -> int:
        while True:  # anywhere below 2^HAW (at most 2^40), clear of the status pages
            base = rng.randrange(0x1000, min(1 << haw, 1 << 40) - (0x1000 << qs), 0x1000)
            if not STATUS_BASE - (0x1000 << qs) < base < STATUS_BASE + 0x4000:
                return base

    qs = rng.choice([0, 0, 1])
    await b.set_iqa(new_base(qs), qs)
    await b.set_qie(True)
    tail = 0
    batches = max(4, int(40 * scale))
    for n in range(batches):
        action = rng.random()
        if action < 0.05:  # QIE off, new queue, QIE on (software rule: IQT=0 first)
            await b.settle(200)
            await b.set_qie(False)
            await b.write_tail(0)
            qs = rng.choice([0, 0, 1, 2])
            await b.set_iqa(new_base(qs), qs, dw=int(rng.random() < 0.2))
            await b.set_qie(True)
            await b.settle(200)
            b.check(f"batch {n}: new queue")
            if int(dut.iqe_halted.value):
                await b.set_qie(False)
                await b.set_iqa(b.base, qs)
                await b.clear_iqe()
                await b.set_qie(True)
                await b.settle(200)
                b.check(f"batch {n}: DW cleared")
            tail = 0
            continue
        if action < 0.25:  # software clears ICS.IWC: the next IF=1 wait raises the event
            await b.clear_iwc()
        count = rng.randint(1, min(24, b.entries - 1))
        descs: list[tuple[int, int]] = []
        errors: list[tuple[int, int, bool, bool]] = []
        for i in range(count):
            x = rng.random()
            if x < 0.03:
                descs.append(g.bad_type())
            elif x < 0.06:
                descs.append(g.reserved())
            elif x < 0.09:
                descs.append(g.bad_field())
            else:
                descs.append(g.valid())
                if x > 0.98:
                    errors.append((b.slot_addr(tail + i) + 8 * rng.randint(0, 1), 8, True,
                                   False))
        b.set_errors(errors)
        for i, desc in enumerate(descs):
            b.put(tail + i, desc)
        new_tail = (tail + count) % b.entries
        if new_tail < tail:
            b.count("wrap")
        if rng.random() < 0.05 and b.entries <= 0x7FFF:  # bad tail first
            await b.write_tail(b.entries + rng.randint(0, 0x7FFF - b.entries))
            await b.settle(100)
        if rng.random() < 0.3 and count > 1:  # the tail moves in two steps, mid-run
            mid = (tail + rng.randint(1, count - 1)) % b.entries
            await b.write_tail(mid)
            b.count("tail_written_mid_run")
            for _ in range(rng.randint(0, 20)):
                await FallingEdge(dut.clk)
        await b.write_tail(new_tail)
        await b.settle(600 + 150 * count)
        b.check(f"batch {n}")
        tail = new_tail
        while int(dut.iqe_halted.value):  # repair the descriptor at IQH, clear IQE
            b.set_errors([])
            b.put(int(dut.iqh.value), g.valid())
            await b.clear_iqe()
            await b.settle(600 + 150 * count)
            b.check(f"batch {n}: after IQE")
    dut._log.info("qi_random SEED=%d coverage: %s", seed, b.stats)


@cocotb.test()
async def qi_timing(dut: object) -> None:
    """The per-descriptor cycle costs documented in the RTL header, with instant responders
    (L_a=0, L_r=1, D=V=W=0, L_b=1): 1h/2h/4h 7, 5h SW=0 6, 5h SW=1 8, a bad descriptor 5."""
    p = _env_params()
    rng = random.Random(2)
    b = Bench(dut, p, rng, FAST)
    g = Gen(rng, p)
    await b.start()
    await b.set_iqa(0x10_0000, 0)
    await b.set_qie(True)
    tail = 0
    cases: list[tuple[str, Callable[[], tuple[int, int]], int]] = [
        ("1h", g.cc, 7), ("2h", g.iotlb, 7), ("4h", g.iec, 7),
        ("5h SW=0", lambda: inv_wait_dsc(if_=True), 6),
        ("5h SW=1", lambda: inv_wait_dsc(g.status_addr(), 1, sw=True), 8),
    ]
    for name, make, cost in cases:
        for n in (1, 9):
            for i in range(n):
                b.put(tail + i, make())
            tail = (tail + n) % b.entries
            await b.write_tail(tail)
            busy = 0
            for _ in range(20 * n + 20):
                await FallingEdge(dut.clk)
                busy += int(dut.busy.value)
            b.check(f"timing {name}")
            # busy from the first NEXT to the last one: n descriptors plus the final NEXT
            assert busy == n * cost + 1, f"{name}: {n} descriptors took {busy} busy cycles, " \
                f"expected {n} x {cost} + 1"
    b.put(tail, (0, 0))  # bad type: NEXT, FETCH, 2 x READ, DECODE
    await b.write_tail(tail + 1)
    busy = 0
    for _ in range(40):
        await FallingEdge(dut.clk)
        busy += int(dut.busy.value)
    b.check("timing error")
    assert busy == 5, f"bad descriptor: {busy} busy cycles, expected 5"


# --------------------------------------------------------------------------- pytest side


SIMS = [s for s in os.environ.get("SIMS", "verilator,icarus").split(",") if s]
SPEED = {"verilator": 1.0, "icarus": 0.4}


def _build_and_run(sim: str, pset: str, testcase: str, env: dict[str, str]) -> None:
    from cocotb_tools.runner import get_results, get_runner

    from tb.flows.build import build_block

    params = PARAM_SETS[pset]
    rtl = Path(os.environ.get("QI_RTL_DIR", ROOT / "rtl")).resolve()  # e.g. a mutant
    tag = "" if rtl == (ROOT / "rtl").resolve() else "-" + rtl.name
    build_dir = ROOT / "build" / "blocks" / f"{sim}-inval_queue-{pset}{tag}"
    build_block(sim, TOP, [rtl / f"{TOP}.v"], params, build_dir,
                ["-Wall"] if sim == "verilator" else [])
    runner = get_runner(sim)
    for path in (str(ROOT), str(ROOT / "tests")):
        if path not in sys.path:
            sys.path.append(path)
    run_dir = build_dir / f"run-{testcase}-{os.getpid()}"
    run_dir.mkdir(parents=True, exist_ok=True)
    results = run_dir / "results.xml"
    log = run_dir / "sim.log"
    extra = {"QI_PARAMS": json.dumps(params), "PYTHONWARNINGS": "ignore::DeprecationWarning",
             **env}
    saved = os.environ.pop("PYTEST_CURRENT_TEST", None)  # results are judged here
    try:
        runner.test(test_module="test_rtl_inval_queue_block", hdl_toplevel=TOP,
                    hdl_toplevel_lang="verilog", build_dir=build_dir, test_dir=run_dir,
                    testcase=testcase, extra_env=extra, results_xml=str(results),
                    timescale=("1ns", "1ps"), log_file=log)
    except (RuntimeError, SystemExit) as e:
        pytest.fail(f"{sim} {testcase}: simulator exited abnormally ({e}); log {log}",
                    pytrace=False)
    finally:
        if saved is not None:
            os.environ["PYTEST_CURRENT_TEST"] = saved
    tests, failed = get_results(results)
    if tests == 0 or failed:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-60:])
        pytest.fail(f"{sim} {testcase} ({pset}): {failed} of {tests} failed; log {log}\n"
                    f"{env.get('SEED', '')}\n{tail}", pytrace=False)


def _sim_params() -> Callable[[Callable[..., None]], Callable[..., None]]:
    return pytest.mark.parametrize("sim", SIMS)


@_sim_params()
@pytest.mark.parametrize("pset", list(PARAM_SETS))
def test_inval_queue_directed(sim: str, pset: str) -> None:
    _build_and_run(sim, pset, "qi_directed", {})


LINT_SETS = [*PARAM_SETS.values(), {"HAW": 32, "ND": 0, "PSI": 0, "MAMV": 0, "MHMV": 0},
             {"HAW": 52, "ND": 6, "PSI": 1, "MAMV": 63, "MHMV": 15}]


@pytest.mark.parametrize("params", LINT_SETS, ids=lambda p: "-".join(map(str, p.values())))
def test_inval_queue_lint(params: dict[str, int], tmp_path: Path) -> None:
    """Verilator -Wall clean and Verilog-2005 for Icarus, at the parameter corners."""
    import shutil
    import subprocess

    from tb.flows.build import setup_tool_env

    env = setup_tool_env(dict(os.environ))
    src = str(ROOT / "rtl" / f"{TOP}.v")
    cmd = ["verilator", "--lint-only", "-Wall", f"-I{ROOT / 'rtl'}", "--top-module", TOP,
           *[f"-G{k}={v}" for k, v in params.items()], src]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    messages = [ln for ln in (proc.stdout + proc.stderr).splitlines() if ln.startswith("%")]
    assert proc.returncode == 0 and not messages, "\n".join(messages[:20]) or proc.stderr
    iverilog = shutil.which("iverilog", path=env["PATH"])
    assert iverilog, "iverilog is not installed: run `make venv`"
    cmd = [iverilog, "-g2005", "-Wall", "-s", TOP, "-o", str(tmp_path / "x.vvp"),
           *[f"-P{TOP}.{k}={v}" for k, v in params.items()], src]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    assert proc.returncode == 0 and not proc.stderr.strip(), proc.stderr


@_sim_params()
def test_inval_queue_timing(sim: str) -> None:
    _build_and_run(sim, "default", "qi_timing", {})


@_sim_params()
@pytest.mark.parametrize("pset", list(PARAM_SETS))
def test_inval_queue_random(sim: str, pset: str) -> None:
    seed = _seed()
    scale = float(os.environ.get("QI_SCALE", "1")) * SPEED.get(sim, 1.0)
    print(f"qi_random on {sim} ({pset}): SEED={seed}  (replay: SEED={seed})")
    _build_and_run(sim, pset, "qi_random", {"SEED": str(seed), "QI_SCALE": str(scale)})
