"""The DUT plumbing below the pyuvm environment (:class:`Tb`): harness, golden model on the
shared memory, table builder, checker, mirror, coverage and the checkpoint compare. Also used by
the bare cocotb flows (scenario engine, bench, sweep).

Knobs (``TB_KNOBS``, see :class:`tb.env.runtime.Runtime`): ``mem_latency_min``,
``mem_latency_max``, ``mem_beat_gap``, ``backpressure``, ``reorder``, ``gap_probability``,
``gap_max``, ``max_outstanding``, ``rsp_stall``, ``intr_stall``, ``irq_stall``,
``axil_stall``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from typing import Any

from cocotb.triggers import ClockCycles, FallingEdge, RisingEdge

from python_model import regmap
from python_model.memory import Memory
from python_model.unit import RemappingUnit
from tb.agents.dma import DmaKnobs
from tb.agents.reg_bus import ObservedRegBus
from tb.env.checker import ModelChecker
from tb.env.coverage import Coverage
from tb.env.harness import Harness
from tb.env.reg_mirror import ModelMirror
from tb.env.runtime import Runtime
from tb.flows.params import describe
from tb.ref.predictor import UnitPredictor
from tb.software.driver import GRANULARITY_NAMES, Software
from tb.software.register_layer import RegisterLayer
from tb.software.tables import TableBuilder

_QT = regmap.fld("IQT", "QT")


class TbFailure(AssertionError):
    """The scoreboard found mismatches (the message lists the first ones)."""


class Tb:
    """Everything below the pyuvm environment (also used by the bare bench): the harness,
    the golden model on the shared memory, the table builder, the checker and coverage."""

    def __init__(self, dut: Any, runtime: Runtime | None = None,
                 memory: Memory | None = None, builder: TableBuilder | None = None) -> None:
        self.dut = dut
        self.rt = runtime or Runtime.from_env()
        self.params = self.rt.params
        self.config = self.rt.config
        self.rng = self.rt.rng("tb")
        if builder is not None:
            memory = builder.memory
        self.memory = memory if memory is not None else Memory()
        self.unit = RemappingUnit(self.config, self.memory)
        self.builder = builder if builder is not None else TableBuilder(self.memory, self.config)
        self.coverage = Coverage()
        self.checker = ModelChecker(self.unit, on_dma_accept=self._on_accept,
                                    strict_invalidation=True)
        self.mirror = ModelMirror(self.unit, on_applied=self._on_reg_applied, defer_queue=True,
                                  on_queue_given=self._on_queue_given)
        self._command_starts: dict[str, list[int]] = {}  # register -> cycles writes began
        self.predictor: UnitPredictor | None = None
        self.fault_responses = 0
        self.debug_sid = int(str(self.rt.knobs.get("debug_sid", -1)), 0)
        self.t0 = time.monotonic()
        self.log = logging.getLogger("cocotb.tb")
        self.dma_knobs = DmaKnobs(
            gap_probability=self.rt.knob("gap_probability", 0.0),
            gap_max=self.rt.iknob("gap_max", 4),
            max_outstanding=self.rt.iknob("max_outstanding", 0),
            rsp_stall=self.rt.knob("rsp_stall", 0.0))

    # ----------------------------------------------------------------- bring-up
    async def start(self, harness: Harness | None = None) -> None:
        self.harness = harness or Harness(self.dut, self.rt, self.memory)
        self.harness.bind(self.memory)
        self.cycles = self.harness.cycles
        self.axil_bus = self.harness.axil_bus
        self.mem = self.harness.mem
        self.mem.before_rtl_write = self.mirror.status_written
        self.dma_port = self.harness.dma_port
        self.dma_batch = self.harness.dma_batch  # on vtd_batch_top (tb.agents.dma_batch)
        if self.dma_batch is not None:
            self.dma_batch.on_error = self.checker.error
        self.msi_port = self.harness.msi_port
        await self.harness.reset()
        self.log.info("SEED=%d sim=%s params: %s", self.rt.seed, self.rt.sim,
                      describe(self.params))

    def regs_over(self, bus: Any) -> RegisterLayer:
        return RegisterLayer(bus, self.config.num_fault_records, self.wait)

    def mirrored_bus(self) -> ObservedRegBus:
        """The AXI-Lite bus with every access mirrored into the model (bare use)."""
        return ObservedRegBus(self.axil_bus, self.mirror.on_read, self.mirror.on_write,
                              self.write_starting)

    def write_starting(self, offset: int, size: int, value: int) -> None:
        """A register write is about to go out: note when commands began, for the checker."""
        name = self.mirror.command_name(offset, size, value)
        if name is not None:
            self._command_starts.setdefault(name, []).append(self.cycles.now)
            if name == "IQT":
                self._sample_queue_tail(value)

    def _sample_queue_tail(self, value: int) -> None:
        """Coverage of a tail write to a running queue: empty (every earlier tail known run)
        or not, and whether the new tail wraps past the end of the ring."""
        queue, unit = self.mirror.queue, self.unit
        if queue is None or not unit.qies or unit.faults.iqe:
            return
        tail = _QT.get(value) % queue.entries
        self.coverage.sample_queue_tail(not queue.held, tail < queue.last_tail)

    def software(self, regs: RegisterLayer) -> Software:
        return Software(regs, self.builder, self.wait, on_invalidate=self._on_invalidate)

    async def wait(self, cycles: int) -> None:
        if cycles > 0:
            await ClockCycles(self.dut.clk, cycles)

    # ----------------------------------------------------------------- hooks
    def _on_reg_applied(self, name: str, access: tuple[int, int, int]) -> None:
        if not self.mirror.is_command(*access):
            self.checker.match_events()
            return
        starts = self._command_starts.get(name)
        start = starts.pop(0) if starts else None
        drains: frozenset[str] = frozenset()
        if name in ("CCMD", "IOTLB"):
            drains = frozenset({"dma"})
        elif name == "IQT":
            kinds = self.mirror.completed_kinds
            drains = frozenset(["dma"] * bool(kinds & {"context", "iotlb", "wait"})
                               + ["msi"] * ("iec" in kinds))
        self.checker.bump_epoch(name, start, drains, self.cycles.now)

    def _on_queue_given(self) -> None:
        """The model ran part of the invalidation queue: keep what requests accepted since
        the oldest unfinished tail write may have cached after the RTL's invalidation."""
        starts = self._command_starts.get("IQT")
        if starts:
            self.checker.refill_since(starts[0])

    def _on_invalidate(self, event: tuple[Any, ...]) -> None:
        self.log.debug("cycle %d: invalidation done %s", self.cycles.now, event)
        self.coverage.sample_invalidation(
            event, f"{event[0]}-" + GRANULARITY_NAMES[event[0]].get(event[1], "reserved"))
        if self.predictor is not None and event[0] in ("context", "iotlb"):
            if event[0] == "context":
                self.predictor.invalidate_context(event[1], event[2], event[3], event[4])
            else:
                self.predictor.invalidate_iotlb(event[1], event[2], event[3], event[4],
                                                bool(event[5]))

    def _on_accept(self, item: Any, rsp: Any, chosen: Any, fresh: Any) -> None:
        if self.debug_sid == item.sid:
            self.log.debug("%s issued %d answered %d: %s", item, item.issue_cycle, rsp.cycle,
                           rsp.describe())
        self.coverage.sample_dma(item, rsp, chosen, fresh)
        item.fills = chosen.fills  # what the RTL's answer let it cache (for the predictor)

    def predict(self, item: Any) -> Any:
        """Sequential tests: the predictor's view of a request about to be sent."""
        assert self.predictor is not None
        te = self.unit.tes
        ttm_ok = self.unit.root.ttm == 0 and not self.unit.root.ssirwe
        expect = self.predictor.before(item.sid, item.addr, item.write, item.size, te, ttm_ok)
        if expect.lookup:
            self._sample_iotlb(item)
        return expect

    def _sample_iotlb(self, item: Any) -> None:
        """IOTLB coverage of a look-up the reference predicts exactly: hit or miss, the
        policy, and the pressure on the set its 4 KB index selects (valid ways before the
        look-up; the most of the reference's possible states under random replacement)."""
        assert self.predictor is not None
        ref = self.predictor.ref
        outcomes = ref.predict_iotlb(item.sid, item.addr, item.write, item.size)
        if len(outcomes) != 1:
            return
        # a two-level IOTLB (IotlbL1L2Ref): the pressure on its set-associative level
        iotlb = getattr(ref.iotlb, "l2", ref.iotlb)
        index = iotlb.set_of(iotlb.vpn_of(item.addr), 0)
        valid = max(sum(w is not None for w in st.ways) for st in iotlb.possible_states(index))
        self.coverage.sample_iotlb(next(iter(outcomes)), iotlb.policy_name, valid, iotlb.ways)

    def sample_msi(self, item: Any, rsp: Any) -> None:
        """Coverage of an interrupt answer with the model's IRES, EIME (latched by SIRTP)
        and CFIS."""
        unit = self.unit
        eime = bool(unit.ir_table.eime)
        self.coverage.sample_msi(item, rsp, unit.ires, eime, unit.cfis)

    async def reset_unit(self, cycles: int = 4) -> int:
        """Assert ``rst_n`` for ``cycles`` cycles now, whatever is in flight, and rebuild the
        golden model's state from scratch (doc/vtd-rules.md: registers to their reset values,
        caches and fault records empty): requests the unit accepted are dropped unanswered
        (their tags freed), held register commands and queue tails forgotten, status writes
        the model owed dropped. A request still presented on the DMA port is accepted after
        the reset. Register accesses must not be in flight. Returns the requests dropped."""
        dut = self.dut
        dut.rst_n.value = 0
        await ClockCycles(dut.clk, max(1, cycles))
        # between edges: every handshake made while in reset (the unit ignores them) is seen
        await FallingEdge(dut.clk)
        dropped = self.dma_port.drop_in_flight()
        self.msi_port.drop_in_flight()  # interrupt requests the unit had taken
        self.unit.reset()
        self.unit.events.clear()
        self.mirror.pending.clear()
        if self.mirror.queue is not None:
            self.mirror.queue.held.clear()
        self._command_starts.clear()
        self.mem.expected.clear()
        self.checker.unit_reset()
        self.fault_responses = 0
        dut.rst_n.value = 1
        await RisingEdge(dut.clk)
        self.log.info("cycle %d: unit reset for %d cycles, %d request(s) in flight dropped",
                      self.cycles.now, cycles, len(dropped))
        return len(dropped)

    # ----------------------------------------------------------------- checks
    async def checkpoint(self, regs: RegisterLayer, perf: dict[str, int] | None = None) \
            -> dict[str, int]:
        """At a quiescent point: compare fault records, FSTS, FECTL, GSTS, CCMD/IOTLB
        status and the request/fault counters with the model. Returns the counters."""
        await self.dma_port.drain()
        await self.wait(8)
        await self._queue_quiet(regs)
        self.mirror.flush()
        chk = self.checker
        chk.settle()
        names = ["FSTS", "FECTL", "GSTS"]
        if self.config.QI:
            names += ["IQH", "IQT", "IQA", "ICS", "IECTL", "IQERCD"]
        for name in names:
            chk.compare_register(name, await regs.read(name))
        caig = regs.mask("CCMD", "CAIG", "ICC")
        iaig = regs.mask("IOTLB", "IAIG", "IVT")
        chk.compare_register("CCMD", await regs.read("CCMD"), caig)
        chk.compare_register("IOTLB", await regs.read("IOTLB"), iaig)
        for n in range(self.config.num_fault_records):
            lo, hi = regs.frcd_names(n)
            chk.compare_register(hi, await regs.read(hi))
            chk.compare_register(lo, await regs.read(lo))
        sw = self.software(regs)
        counters = await sw.read_perf()
        if counters["PERF_REQUESTS"] != self.dma_port.issued:
            chk.error(f"PERF_REQUESTS={counters['PERF_REQUESTS']} but "
                      f"{self.dma_port.issued} requests were accepted")
        if counters["PERF_FAULTS"] != self.fault_responses:
            chk.error(f"PERF_FAULTS={counters['PERF_FAULTS']} but {self.fault_responses} "
                      "fault responses were seen")
        if perf is not None:
            self.coverage.sample_perf({k: counters[k] - perf.get(k, 0) for k in counters})
        chk.match_events()
        return counters

    async def _queue_quiet(self, regs: RegisterLayer, timeout: int = 20000) -> None:
        """Wait until the RTL has run every descriptor software submitted: the held tail
        writes are released by status writes, or IQH reached the tail (then give a finishing
        descriptor time), or the queue halted on an error (FSTS.IQE)."""
        queue = self.mirror.queue
        waited = 0
        while queue is not None and queue.held and waited < timeout:
            if regmap.fld("FSTS", "IQE").get(await regs.read("FSTS")):
                return  # the read released the model (queue_error_seen)
            if regmap.fld("IQH", "QH").get(await regs.read("IQH")) == queue.last_tail:
                await self.wait(200)
                return
            await self.wait(16)
            waited += 16
        if queue is not None and queue.held:
            self.checker.error(f"the invalidation queue did not reach its tail "
                               f"{queue.last_tail} within {timeout} cycles")

    def count_response(self, rsp: Any) -> None:
        if rsp.fault:
            self.fault_responses += 1

    def stats(self) -> dict[str, object]:
        queue = self.mirror.queue
        if queue is not None:  # queue errors the mirror saw release held tail writes
            self.coverage.hit("queue", "IQE", queue.releases["queue error"]
                              or int(self.unit.faults.iqe))
        s: dict[str, object] = {"tests": 1, **self.checker.stats.as_dict(),
                                **self.mem.stats.as_dict(), "cycles": self.cycles.now,
                                "wall_seconds": round(time.monotonic() - self.t0, 2),
                                "coverage": self.coverage.as_dict(),
                                "seeds": [self.rt.seed]}
        return s

    def finish(self, extra_errors: Iterable[str] = ()) -> None:
        """Final checks; write the statistics; raise :class:`TbFailure` on any mismatch."""
        self.checker.final_check()
        for e in [*extra_errors, *self.mem.stats.protocol_errors]:
            self.checker.error(e)
        for e in self.mem.owed():
            self.checker.error(e)
        if self.mem.stats.writes:
            self.checker.error(f"{len(self.mem.stats.writes)} unexpected AXI write(s) to "
                               f"memory, first {self.mem.stats.writes[0][0]:#x}")
        self.rt.write_stats(self.stats())
        s = self.checker.stats
        self.log.info("checked %d DMA responses (%d faults, %d stale), %d MSIs, %d events, "
                      "%d registers; %d mismatches; SEED=%d", s.dma_checked, s.dma_faults,
                      s.dma_stale, s.msi_checked, s.events_checked, s.registers_checked,
                      s.mismatches, self.rt.seed)
        if self.checker.errors:
            shown = "\n  ".join(self.checker.errors[:10])
            more = len(self.checker.errors) - 10
            raise TbFailure(f"{len(self.checker.errors)} mismatch(es) (SEED={self.rt.seed}):\n  "
                            f"{shown}" + (f"\n  ... and {more} more" if more > 0 else ""))
