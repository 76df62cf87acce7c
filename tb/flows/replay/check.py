"""The batch check of a replay: every response against the golden model, in the order the
RTL answered, the fault state after the stream (FSTS and every fault record) against the
model's, and the performance counters against what can be predicted.

Within a segment of the stream (between two groups of software operations, trace version 2)
the tables do not change, and a well-formed stream never touches a page whose translation an
operation removed before it invalidated it, so no cached state it uses is stale: the model's
fresh outcome (``dma_candidates(...)[0]``) is the only one accepted, and it is committed
(``RemappingUnit.commit``) in response order, as the scoreboard (``tb.env.checker``) does.
The operations before request *i* are applied to the model when the first response of a
request at or after *i* is checked; the player runs them only once every earlier request is
answered, so a response of an earlier request after that point is a mismatch.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from python_model import regmap
from python_model.memory import Memory
from python_model.outcomes import DmaOutcome
from python_model.structures import touches_interrupt_range
from python_model.translate import Candidate
from python_model.unit import RemappingUnit
from tb.flows import tally
from tb.flows.params import RtlParams, rtl_model_config
from tb.flows.replay.run import Response, RunResult
from tb.flows.replay.trace import MemWrite, Op, Request, Trace, TraceError
from tb.ref.caches import LegacyWalker, UnitCacheRef

PERF_NAMES: dict[int, str] = {r.offset: r.name for r in regmap.perf_registers()}
# Latency buckets (cycles from the request handshake to the response handshake): upper bounds.
BUCKETS: tuple[int, ...] = (2, 4, 8, 16, 32, 64, 128, 256, 1 << 62)


@dataclass
class CounterRow:
    name: str
    rtl: int
    expected: int | None  # None: not predictable for pipelined traffic (shown, not compared)
    note: str = ""

    @property
    def ok(self) -> bool:
        return self.expected is None or self.rtl == self.expected


@dataclass
class RegisterRow:
    """A fault-state register read from the RTL after the stream against the model's."""

    name: str
    rtl: int | None  # None: the player did not report it
    model: int

    @property
    def ok(self) -> bool:
        return self.rtl == self.model


@dataclass
class CheckReport:
    checked: int = 0
    faults: int = 0
    mismatches: list[str] = field(default_factory=list)
    counters: list[CounterRow] = field(default_factory=list)
    registers: list[RegisterRow] = field(default_factory=list)  # FSTS and the fault records
    seconds: float = 0.0  # the response check (model) alone
    memo_hits: int = 0
    counter_seconds: float = 0.0  # counters, with the sequential cache reference
    driver_reads: int = 0  # register reads between requests compared with the model
    reasons: dict[int, int] = field(default_factory=dict)  # fault reason -> responses
    suppressed: int = 0  # of the faults, those FPD suppressed (qualified, FPD=1)

    @property
    def ok(self) -> bool:
        return (not self.mismatches and all(r.ok for r in self.counters)
                and all(r.ok for r in self.registers))


class DriverReads:
    """The player's ``V`` lines (a driver's register reads between requests, in program
    order), compared one by one with the model's register as each read operation is applied
    (only the register's own bytes of the qword the player read)."""

    def __init__(self, reads: Sequence[tuple[int, int]]) -> None:
        self._reads = list(reads)
        self._next = 0
        self.compared = 0
        self.mismatches: list[str] = []

    def compare(self, unit: RemappingUnit, reg: str, where: str) -> None:
        r = unit.regmap.by_name(reg)
        want = unit.read_reg(reg)
        if self._next >= len(self._reads):
            self.mismatches.append(f"{where}: read of {reg}: the player reported no value "
                                   f"(model {want:#x})")
            return
        offset, qword = self._reads[self._next]
        self._next += 1
        got = qword >> 8 * (r.offset & 7) & ((1 << 8 * r.size) - 1)
        self.compared += 1
        if offset != r.offset & ~7:
            self.mismatches.append(f"{where}: read of {reg}: the player read offset "
                                   f"{offset:#x}, not {r.offset & ~7:#x}")
        elif got != want:
            self.mismatches.append(f"{where}: {reg} reads {got:#x} on the RTL, {want:#x} on "
                                   "the model")

    def leftover(self) -> int:
        return len(self._reads) - self._next


def model_for(trace: Trace, params: RtlParams, reads: DriverReads | None = None
              ) -> RemappingUnit:
    """The golden model with the trace's memory and register programming applied."""
    mem = Memory()
    for addr, value in trace.memory.items():
        mem.poke_u64(addr, value)
    unit = RemappingUnit(rtl_model_config(params), mem)
    apply_ops(unit, trace.registers, "register program", reads)
    return unit


def apply_ops(unit: RemappingUnit, ops: Sequence[Op], where: str,
              reads: DriverReads | None = None) -> None:
    """Software's operations on the model: table stores, register writes and polls (a poll
    that would not succeed on the model is a trace error), and reads (compared with the
    player's through ``reads`` when given)."""
    for op in ops:
        if isinstance(op, MemWrite):
            unit.memory.poke_u64(op.addr, op.value)
        elif op.op == "write":
            unit.write_reg(op.reg, op.value)
        elif op.op == "read":
            if reads is not None:
                reads.compare(unit, op.reg, where)
        elif unit.read_reg(op.reg) & op.mask != op.value:
            raise TraceError(f"{where}: poll of {op.reg} for {op.value:#x} under mask "
                             f"{op.mask:#x} never succeeds on the model (reads "
                             f"{unit.read_reg(op.reg):#x})")


Outcome = tuple[bool, int]  # (fault, reason) or (False, output page address)


def expected_outcomes(trace: Trace, params: RtlParams, spot_every: int = 64) -> list[Outcome]:
    """The model's outcome of every request, by index: ``(True, reason)`` for a fault,
    ``(False, page)`` for a translation (the output address of the request's 4 KB page).

    The requests are taken in index order with each group of operations applied before its
    request, and asked once per (sid, 4 KB page, write) within a segment, as the memoized
    check does (every ``spot_every``-th reuse is recomputed; a disagreement raises
    AssertionError: a checker bug). These depend on the tables and the parameters that shape
    translation, not on the cache sizes, so one list serves every cache configuration."""
    unit = model_for(trace, params)
    ops = trace.ops
    out: list[Outcome] = []
    table: dict[tuple[int, int, bool], Outcome] = {}
    reuse = 0
    for i, r in enumerate(trace.requests):
        if i in ops:
            apply_ops(unit, ops[i], f"operations before request #{i}")
            table.clear()
        key = (r.sid, r.addr >> 12, r.write)
        known = table.get(key)
        if known is not None:
            reuse += 1
            if not spot_every or reuse % spot_every:
                out.append(known)
                continue
        o = unit.dma_fresh_outcome(r.sid, r.addr, r.write, r.size)
        got: Outcome = (True, o.reason) if o.fault is not None else (False, o.hpa & ~0xFFF)
        if known is not None and known != got:
            raise AssertionError(f"{_describe_request(i, r)}: memoized outcome {known} differs "
                                 f"from the model's {got} (checker bug)")
        table[key] = got
        out.append(got)
    return out


def _describe_request(i: int, r: Request) -> str:
    return (f"request #{i} (sid={r.sid:#06x} addr={r.addr:#x} "
            f"{'write' if r.write else 'read'} size={r.size})")


def _describe(kind: str, value: int) -> str:
    return f"fault {value:#04x}" if kind == "fault" else f"ok {value:#x}"


def check_responses(trace: Trace, result: RunResult, params: RtlParams,
                    max_reports: int = 20, memo: bool = True,
                    spot_every: int = 64, reference: bool = True,
                    expected: Sequence[Outcome] | None = None) -> CheckReport:
    """Every response against the model's fresh outcome, in response order.

    With ``memo`` the model is asked once per (sid, 4 KB page, write): with static tables the
    fresh outcome is a function of these (the interrupt range and every page size are 4 KB
    aligned, and a request never crosses a 4 KB page), the output address adding the offset
    in the page. Nothing is committed then: the fresh outcome does not depend on what the
    model's caches hold, and its cache and fault-record state is compared with nothing here;
    the model is asked for the fresh outcome alone (``dma_fresh_outcome``, which is
    ``dma_candidates(...)[0].outcome``). Every ``spot_every``-th memoized answer is
    recomputed by the model and a disagreement is reported. ``memo=False`` asks the model for
    every request's permitted outcomes and commits the fresh one in response order, as the
    scoreboard does. ``expected`` (from :func:`expected_outcomes` for the same trace and
    translation parameters) replaces the model's answers: a sweep computes them once per
    stream; the fault records are then not compared (the shared outcomes carry only reasons).
    """
    rep = CheckReport()
    t0 = time.perf_counter()
    reads = DriverReads(result.reads)
    unit = model_for(trace, params, reads)
    reqs = trace.requests
    seen = bytearray(len(reqs))
    cands_of = unit.dma_candidates
    fresh_of = unit.dma_fresh_outcome
    commit = unit.commit
    mismatches = rep.mismatches
    # (sid, page, write) -> the fault outcome, or the output page of a translation
    table: dict[tuple[int, int, bool], DmaOutcome | int] = {}
    memo_hits = 0
    barriers = trace.barriers()
    bi = 0  # barriers[:bi] applied to the model
    for rsp in result.responses:
        i = rsp.index
        if not 0 <= i < len(reqs) or seen[i]:
            mismatches.append(f"response with tag {rsp.tag:#x} names request #{i}, which "
                              + ("does not exist" if not 0 <= i < len(reqs)
                                 else "was already answered"))
            continue
        seen[i] = 1
        r = reqs[i]
        rep.checked += 1
        while bi < len(barriers) and i >= barriers[bi]:
            if expected is None:
                apply_ops(unit, trace.ops[barriers[bi]],
                          f"operations before request #{barriers[bi]}", reads)
            table.clear()
            bi += 1
        if bi and i < barriers[bi - 1]:
            mismatches.append(f"{_describe_request(i, r)} answered after the operations "
                              f"before request #{barriers[bi - 1]} ran (they must wait for it)")
        if expected is not None:
            fault, value = expected[i]
            want = ("fault", value) if fault else ("ok", value | (r.addr & 0xFFF))
            if fault:
                rep.faults += 1
            observed = ("fault", rsp.reason) if rsp.fault else ("ok", rsp.addr)
            if want != observed or (rsp.addr if rsp.fault else rsp.reason):
                mismatches.append(f"{_describe_request(i, r)} tag {rsp.tag:#x} issued cycle "
                                  f"{rsp.issued}, answered cycle {rsp.answered}: RTL answered "
                                  f"{_describe(*observed)} (reason {rsp.reason:#04x}, addr "
                                  f"{rsp.addr:#x}), model {_describe(*want)}")
            continue
        key = (r.sid, r.addr >> 12, r.write)
        known = table.get(key) if memo else None
        if known is not None:
            memo_hits += 1
            if isinstance(known, int):
                want = ("ok", known | (r.addr & 0xFFF))
            else:  # the same fault record: SID, page, access and reason
                want = known.visible()
                commit(Candidate(known, []))
            if spot_every and memo_hits % spot_every == 0:
                again = fresh_of(r.sid, r.addr, r.write, r.size).visible()
                if again != want:
                    mismatches.append(f"{_describe_request(i, r)}: the memoized outcome "
                                      f"{_describe(*want)} differs from the model's "
                                      f"{_describe(*again)} (checker bug)")
        else:
            if memo:
                out = fresh_of(r.sid, r.addr, r.write, r.size)
                if out.fault is not None:
                    commit(Candidate(out, []))  # its fault record, in response order
            else:
                fresh = cands_of(r.sid, r.addr, r.write, r.size)[0]
                out = fresh.outcome
                commit(fresh)
            want = out.visible()
            table[key] = out if out.fault is not None else out.hpa & ~0xFFF
            known = out if out.fault is not None else None
        if want[0] == "fault":
            rep.faults += 1
            rep.reasons[want[1]] = rep.reasons.get(want[1], 0) + 1
            if isinstance(known, DmaOutcome) and known.fault is not None \
                    and known.fault.suppressed:
                rep.suppressed += 1
        observed = ("fault", rsp.reason) if rsp.fault else ("ok", rsp.addr)
        if want != observed or (rsp.addr if rsp.fault else rsp.reason):
            mismatches.append(f"{_describe_request(i, r)} tag {rsp.tag:#x} issued cycle "
                              f"{rsp.issued}, answered cycle {rsp.answered}: RTL answered "
                              f"{_describe(*observed)} (reason {rsp.reason:#04x}, addr "
                              f"{rsp.addr:#x}), model {_describe(*want)}")
    if expected is None:
        while bi < len(barriers):  # operations after the last request
            apply_ops(unit, trace.ops[barriers[bi]],
                      f"operations before request #{barriers[bi]}", reads)
            bi += 1
        mismatches.extend(reads.mismatches)
        if reads.leftover():
            mismatches.append(f"the player reported {reads.leftover()} register read(s) the "
                              "trace does not have")
    rep.driver_reads = reads.compared
    missing = [i for i, s in enumerate(seen) if not s]
    if missing:
        mismatches.append(f"{len(missing)} request(s) never answered, first "
                          + ", ".join(_describe_request(i, reqs[i]) for i in missing[:3]))
    mismatches.extend(f"player: {e}" for e in result.errors)
    rep.seconds = time.perf_counter() - t0
    rep.memo_hits = memo_hits
    rep.registers = fault_register_rows(result, unit) if expected is None else []
    t1 = time.perf_counter()
    rep.counters = counter_rows(trace, result, params, unit, rep.faults, reference)
    rep.counter_seconds = time.perf_counter() - t1
    del mismatches[max_reports:]
    tally.note_replay(rep.checked)
    return rep


def fault_register_rows(result: RunResult, unit: RemappingUnit) -> list[RegisterRow]:
    """FSTS and every fault record (FRCDn_LO/HI) as the player read them after the stream,
    against the model's after it recorded the stream's faults in response order."""
    fsts = unit.regmap.by_name("FSTS")
    qword = fsts.offset & ~7
    got = result.fault_regs.get(qword)
    rows = [RegisterRow("FSTS", None if got is None else
                        got >> 8 * (fsts.offset - qword) & 0xFFFF_FFFF, unit.read_reg("FSTS"))]
    for n in range(unit.config.num_fault_records):
        for half in ("LO", "HI"):
            reg = unit.regmap.by_name(f"FRCD{n}_{half}")
            rows.append(RegisterRow(reg.name, result.fault_regs.get(reg.offset),
                                    unit.reg_read(reg.offset, 8)))
    return rows


def counter_rows(trace: Trace, result: RunResult, params: RtlParams, unit: RemappingUnit,
                 faults: int, reference: bool = True) -> list[CounterRow]:
    """PERF_* as read from the RTL against the order-independent expectations; the sequential
    cache reference's prediction is shown for the rest (not compared: pipelined traffic)."""
    perf = {PERF_NAMES[o]: v for o, v in result.perf.items() if o in PERF_NAMES}
    if len(perf) != len(PERF_NAMES):
        return [CounterRow("PERF_*", len(perf), len(PERF_NAMES), "counters not all read")]
    lookups = sum(1 for r in trace.requests
                  if unit.tes and not touches_interrupt_range(r.addr, r.size))
    # The sequential reference walks the initial tables: not for streams that change them.
    seq = sequential_prediction(trace, params, unit) if reference and not trace.ops else {}
    rows = [
        CounterRow("PERF_REQUESTS", perf["PERF_REQUESTS"], len(trace.requests)),
        CounterRow("PERF_FAULTS", perf["PERF_FAULTS"], faults, "model faults"),
        CounterRow("IOTLB hits+misses", perf["PERF_IOTLB_HITS"] + perf["PERF_IOTLB_MISSES"],
                   lookups, "requests that look up"),
        CounterRow("CC hits+misses", perf["PERF_CC_HITS"] + perf["PERF_CC_MISSES"],
                   perf["PERF_IOTLB_MISSES"], "= IOTLB misses"),
        CounterRow("PERF_WALK_READS", perf["PERF_WALK_READS"], result.mem_reads,
                   "= AR bursts the player served"),
    ]
    if params.get("WC_ENTRIES", 0) == 0:
        rows.append(CounterRow("WC hits+misses", perf["PERF_WC_HITS"] + perf["PERF_WC_MISSES"],
                               0, "no walk cache"))
    else:
        rows.append(CounterRow("WC hits <= walks",
                               int(perf["PERF_WC_HITS"] + perf["PERF_WC_MISSES"]
                                   <= perf["PERF_WALKS"]), 1,
                               "a walk-cache look-up per walk at most"))
    for name in ("PERF_IOTLB_HITS", "PERF_IOTLB_MISSES", "PERF_CC_HITS", "PERF_CC_MISSES",
                 "PERF_WALKS", "PERF_WC_HITS", "PERF_WC_MISSES"):
        rows.append(CounterRow(name, perf[name], None,
                               f"sequential reference {seq[name]}" if name in seq else ""))
    rows.append(CounterRow("PERF_BUSY_CYCLES", perf["PERF_BUSY_CYCLES"], None,
                           f"of {result.cycles} run cycles"))
    return rows


def sequential_prediction(trace: Trace, params: RtlParams,
                          unit: RemappingUnit) -> dict[str, int]:
    """What the cache reference predicts with one request at a time, in issue order."""
    totals = {k: 0 for k in ("PERF_IOTLB_HITS", "PERF_IOTLB_MISSES", "PERF_CC_HITS",
                             "PERF_CC_MISSES", "PERF_WALKS", "PERF_WALK_READS", "PERF_WC_HITS",
                             "PERF_WC_MISSES")}
    ref = UnitCacheRef.from_params(dict(params))
    ref.translation_enabled = bool(unit.tes)
    ref.detailed = False  # the counters alone
    walker = LegacyWalker(unit.memory, unit.read_reg("RTADDR") & ~0xFFF, haw=params["HAW"],
                          mgaw=params["MGAW"], did_bits=4 + 2 * params["ND"])
    for r in trace.requests:
        out = ref.request(r.sid, r.addr, r.write, r.size, walker)
        for k, v in out.deltas().items():
            totals[k] += v
    return totals


def latency_histogram(responses: Sequence[Response]) -> list[tuple[str, int]]:
    counts = [0] * len(BUCKETS)
    for rsp in responses:
        lat = rsp.answered - rsp.issued
        for b, top in enumerate(BUCKETS):
            if lat <= top:
                counts[b] += 1
                break
    rows = []
    low = 0
    for top, n in zip(BUCKETS, counts, strict=True):
        label = f"{low}-{top}" if top < 1 << 62 else f">{low - 1}"
        rows.append((label, n))
        low = top + 1
    return rows
