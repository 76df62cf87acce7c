"""The checking core of the scoreboard: RTL answers against the golden model's permitted set.

For each DMA request the model's permitted outcomes (``RemappingUnit.dma_candidates``) are
computed when the request is *issued* (handshake on the request channel) and again when its
response *arrives*: memory and the caches the model tracks may change in between under
traffic, and both are legal views. The response is accepted if it equals one of them; the
matching candidate is committed (what it lets hardware cache, its fault record), in response
order, which is the order in which the RTL records faults. A candidate seen only at issue time
is committed without its cache fills when an invalidation completed in between: the RTL may
answer an in-flight request from before the invalidation, but must not keep what it read.
When other permitted outcomes look exactly like the answer, the RTL may have taken any of
them, so their fills go into the model's caches too (the issue view's only when no command
completed in the model between issue and answer): a walk under a context entry cached before
an edit and one under the edited entry may fault alike, and the RTL keeps the entry it used.

Drain order (doc/architecture.md, queued and register-based invalidation): the RTL runs an
invalidation only once every request it accepted before is answered and delivered, so when an
invalidation completes (software saw ICC/IVT clear; the RTL made a wait descriptor's status
write) no DMA request accepted before software started writing that command may still be
unanswered, nor an interrupt request when the command invalidated the interrupt entry cache:
:meth:`ModelChecker.bump_epoch` reports any such request as a mismatch.

With ``strict_invalidation`` (the pyuvm environment, whose mirror gives the model an
invalidation only once the RTL has completed it) an answer that matches only a *cached* outcome
permitted at issue, which an invalidation removed before the answer, is a mismatch: with the
drain rule the RTL cannot deliver it after that invalidation completed.

Fills that outlive the model's invalidation. The model applies an invalidation when software
sees it complete (the poll, the wait's status write), the RTL somewhat earlier; a request the
RTL accepted after software began writing the command may have been looked up after the RTL
invalidated and its fill kept, while the model dropped it along with older entries. So after
each model invalidation the fresh fills of requests accepted since the command's start are put
back as "may be cached" (:meth:`ModelChecker.refill_since`). Requests accepted before the start
are drained by the RTL before it invalidates: their fills stay dropped.

Fault-event messages are matched in order against the model's ``events``; fault records and
FSTS are compared at quiescent checkpoints (:meth:`ModelChecker.compare_register`).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from python_model.interrupts import MsiCandidate
from python_model.translate import Candidate
from python_model.unit import RemappingUnit
from tb.agents.transactions import DmaResponse, EventMsg, IntrResponse

log = logging.getLogger("cocotb.tb.checker")


@dataclass
class CheckStats:
    dma_checked: int = 0
    dma_ok: int = 0
    dma_faults: int = 0
    dma_stale: int = 0  # accepted through a cached (not the fresh) outcome
    dma_issue_view: int = 0  # accepted through the issue-time view only
    dma_ambiguous: int = 0  # several permitted outcomes look alike but record differently
    dma_alike: int = 0  # answers other permitted outcomes look like: their fills kept as well
    msi_alike: int = 0  # the same for interrupt answers
    msi_checked: int = 0
    msi_faults: int = 0
    events_checked: int = 0
    registers_checked: int = 0
    mismatches: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass
class _Issued:
    candidates: list[Any]
    epoch: int
    item: Any
    kind: str  # "dma" or "msi"


@dataclass
class ModelChecker:
    unit: RemappingUnit
    max_reports: int = 20
    on_dma_accept: Callable[[Any, DmaResponse, Any, Any], None] | None = None
    stats: CheckStats = field(default_factory=CheckStats)
    errors: list[str] = field(default_factory=list)
    epoch: int = 0
    _issued: dict[int, _Issued] = field(default_factory=dict)
    last_completed_start: int = -1  # issue cycle of the newest completed command
    _rtl_events: list[EventMsg] = field(default_factory=list)
    _matched_events: int = 0
    # (issue cycle, fills) of recent answers that took the fresh outcome
    _recent_fills: deque[tuple[int, list[Any]]] = field(
        default_factory=lambda: deque(maxlen=4096))
    dma_fault_answers: int = 0  # DMA answers with fault=1 seen (matched or not)
    # the mirror gives the model each invalidation only once the RTL completed it (register
    # polls, wait status writes): an answer from an entry invalidated since is then a bug
    strict_invalidation: bool = False
    # interrupt answers waiting for DMA fault answers the unit made before their record
    _pending_msi: deque[tuple[int, Any, Any, Any, list[Any]]] = field(default_factory=deque)

    # ----------------------------------------------------------------- bookkeeping
    def error(self, text: str) -> None:
        self.stats.mismatches += 1
        self.errors.append(text)
        if len(self.errors) <= self.max_reports:
            log.error("MISMATCH %s", text)

    def bump_epoch(self, why: str = "", start: int | None = None,
                   drains: frozenset[str] = frozenset(), now: int | None = None) -> None:
        """A command (an invalidation, a root/translation enable change) completed in the
        model. ``start``: the cycle software began writing it (None: unknown). ``drains``: the
        request kinds ("dma", "msi") the RTL must
        have answered, of those accepted before ``start``, by now (module docstring)."""
        self.epoch += 1
        if start is not None:
            self.refill_since(start)
            self.last_completed_start = max(self.last_completed_start, start)
            for issued in self._issued.values():
                cycle = getattr(issued.item, "issue_cycle", None)
                if issued.kind in drains and cycle is not None and cycle < start:
                    self.error(f"{why or 'command'} written from cycle {start} completed"
                               + (f" at cycle {now}" if now is not None else "")
                               + f" while {issued.item} (accepted at cycle {cycle}) was still "
                               "unanswered: the unit must drain it first")
        self.match_events()

    def refill_since(self, start: int) -> None:
        """Put back the fresh fills of requests accepted at or after cycle ``start``."""
        for cycle, fills in self._recent_fills:
            if cycle >= start:
                self.unit.caches.fill(fills)

    def _remember(self, item: Any, chosen: Any, fresh: Any) -> None:
        if chosen is fresh and chosen.fills:
            self._recent_fills.append((getattr(item, "issue_cycle", 0), chosen.fills))

    def _alike(self, now: Sequence[Any], issued: _Issued | None, chosen: Any,
               observed: tuple[object, ...]) -> list[Any]:
        """The other permitted outcomes that look exactly like the answer: the RTL may have
        taken any of them, so it may hold what any of them lets it cache (a walk under the
        context entry cached before an edit and one under the edited entry can fault alike
        and leave different entries behind). The issue view's count only while no command
        completed since the issue (the model's epoch is the same): the RTL may have walked
        then."""
        views = [*now]
        if issued is not None and issued.epoch == self.epoch:
            views += issued.candidates
        return [c for c in views
                if c is not chosen and c.fills and c.outcome.visible() == observed]

    def _fill(self, alike: Sequence[Any]) -> None:
        for c in alike:
            self.unit.caches.fill(c.fills)

    @property
    def outstanding(self) -> int:
        return len(self._issued)

    # ----------------------------------------------------------------- DMA
    def dma_issued(self, item: Any) -> None:
        cands = self.unit.dma_candidates(item.sid, item.addr, bool(item.write), item.size)
        self._issued[id(item)] = _Issued(cands, self.epoch, item, "dma")

    def dma_response(self, item: Any, rsp: DmaResponse) -> bool:
        issued = self._issued.pop(id(item), None)
        if issued is None:
            self.error(f"response for a request never seen issued: tag {rsp.tag:#x}, "
                       f"{rsp.describe()}")
            return False
        observed = rsp.visible()
        now = self.unit.dma_candidates(item.sid, item.addr, bool(item.write), item.size)
        self.stats.dma_checked += 1
        try:
            return self._dma_check(item, rsp, issued, observed, now)
        finally:
            if rsp.fault:
                self.dma_fault_answers += 1
            self._release_msi()

    def _dma_check(self, item: Any, rsp: DmaResponse, issued: _Issued,
                   observed: tuple[object, ...], now: list[Any]) -> bool:
        chosen = _find(now, observed)
        via_issue = False
        if chosen is None:
            chosen = _find(issued.candidates, observed)
            via_issue = chosen is not None
        if chosen is None:
            allowed = _describe_set(now)
            before = _describe_set(issued.candidates)
            self.error(
                f"DMA sid={item.sid:#06x} addr={item.addr:#x} "
                f"{'write' if item.write else 'read'} size={item.size} tag={rsp.tag:#x} "
                f"(issued cycle {getattr(item, 'issue_cycle', '?')}, response cycle "
                f"{rsp.cycle}): RTL answered {rsp.describe()}, permitted now {allowed}"
                + (f", permitted at issue {before}" if before != allowed else ""))
            self.unit.commit(now[0])  # keep following the fresh view
            self.match_events()
            return False
        same = [c for c in [*now, *issued.candidates] if c.outcome.visible() == observed]
        if len({c.outcome.fault.suppressed for c in same if c.outcome.fault}) > 1:
            self.stats.dma_ambiguous += 1
            log.warning("ambiguous: %s at %#x is permitted both recorded and suppressed (FPD "
                        "changed while cached); following the first", rsp.describe(), item.addr)
        if via_issue and self.strict_invalidation and _from_cache(issued.candidates, chosen):
            self.error(f"DMA sid={item.sid:#06x} addr={item.addr:#x} tag={rsp.tag:#x} (issued "
                       f"cycle {getattr(item, 'issue_cycle', '?')}, answered cycle {rsp.cycle}): "
                       f"RTL answered {rsp.describe()} from a cached entry an invalidation "
                       f"completed since removed; permitted now {_describe_set(now)}")
        # A command written after this request was accepted has completed: the RTL drains
        # requests before invalidating, so what this one cached is gone. (A command already
        # under way at the issue may have completed before it: keep.)
        drained = self.last_completed_start > getattr(item, "issue_cycle", 1 << 62)
        if via_issue:
            self.stats.dma_issue_view += 1
            if drained:
                chosen = Candidate(chosen.outcome, [])
        elif chosen is not now[0]:
            self.stats.dma_stale += 1
        self.unit.commit(chosen)
        alike = self._alike(now, issued, chosen, observed)
        if alike:
            self.stats.dma_alike += 1
            self._fill(alike)
        self._remember(item, chosen, now[0])
        if rsp.fault:
            self.stats.dma_faults += 1
        else:
            self.stats.dma_ok += 1
        if self.on_dma_accept is not None:
            self.on_dma_accept(item, rsp, chosen, now[0])
        self.match_events()
        return True

    # ----------------------------------------------------------------- MSI
    def msi_issued(self, item: Any) -> None:
        self._issued[id(item)] = _Issued(self.unit.msi_candidates(item.sid, item.addr,
                                                                  item.data), self.epoch,
                                         item, "msi")

    def msi_response(self, item: Any, rsp: IntrResponse) -> bool:
        issued = self._issued.pop(id(item), None)
        now = self.unit.msi_candidates(item.sid, item.addr, item.data)
        self.stats.msi_checked += 1
        observed = rsp.visible()
        chosen = _find(now, observed)
        if chosen is None and issued is not None:
            chosen = _find(issued.candidates, observed)
            if (chosen is not None and self.strict_invalidation
                    and _from_cache(issued.candidates, chosen)):
                self.error(f"MSI sid={item.sid:#06x} addr={item.addr:#x} data={item.data:#x}: "
                           f"RTL delivered {rsp.describe()} through an interrupt-entry-cache "
                           f"entry an IEC invalidation completed since removed; permitted now "
                           f"{_describe_set(now)}")
            if chosen is not None and self.last_completed_start > getattr(item, "issue_cycle",
                                                                          1 << 62):
                chosen = MsiCandidate(chosen.outcome, [])
        ok = chosen is not None
        alike = self._alike(now, issued, chosen, observed) if ok else []
        if alike:
            self.stats.msi_alike += 1
        if chosen is None:
            self.error(f"MSI sid={item.sid:#06x} addr={item.addr:#x} data={item.data:#x}: RTL "
                       f"delivered {rsp.describe()}, permitted {_describe_set(now)}")
            chosen = now[0]  # keep following the fresh view
        elif rsp.fault:
            self.stats.msi_faults += 1
        # the record goes to the model after the DMA faults the unit had made before it
        before = rsp.dma_faults_before
        if before is not None and (self._pending_msi or before > self.dma_fault_answers):
            self._pending_msi.append((before, item, chosen, now[0], alike))
        else:
            self._commit_msi(item, chosen, now[0], alike)
        return ok

    def _commit_msi(self, item: Any, chosen: Any, fresh: Any, alike: Sequence[Any] = ()) -> None:
        self.unit.commit(chosen)
        self._fill(alike)
        self._remember(item, chosen, fresh)
        self.match_events()

    def _release_msi(self, everything: bool = False) -> None:
        while self._pending_msi and (everything
                                     or self._pending_msi[0][0] <= self.dma_fault_answers):
            _, item, chosen, fresh, alike = self._pending_msi.popleft()
            self._commit_msi(item, chosen, fresh, alike)

    # ----------------------------------------------------------------- events
    def event(self, msg: EventMsg) -> None:
        self._rtl_events.append(msg)
        self.match_events()

    def match_events(self) -> None:
        model = self.unit.events
        while self._matched_events < min(len(model), len(self._rtl_events)):
            i = self._matched_events
            want, got = model[i], self._rtl_events[i]
            self._matched_events += 1
            self.stats.events_checked += 1
            if (want.addr, want.data) != (got.addr, got.data):
                self.error(f"fault event #{i} (cycle {got.cycle}): RTL sent {got.describe()}, "
                           f"model expects addr {want.addr:#x} data {want.data:#x}")

    @property
    def events_pending(self) -> tuple[int, int]:
        """(model events not yet seen from the RTL, RTL events the model has not made)."""
        return (max(0, len(self.unit.events) - self._matched_events),
                max(0, len(self._rtl_events) - self._matched_events))

    def final_events_check(self) -> None:
        self.match_events()
        missing, extra = self.events_pending
        if missing:
            self.error(f"{missing} fault event(s) the model generated never came from the RTL: "
                       + ", ".join(f"addr {e.addr:#x} data {e.data:#x}"
                                   for e in self.unit.events[self._matched_events:][:5]))
        if extra:
            self.error(f"{extra} fault event(s) from the RTL the model did not generate: "
                       + ", ".join(e.describe()
                                   for e in self._rtl_events[self._matched_events:][:5]))

    # ----------------------------------------------------------------- registers
    def compare_register(self, name: str, rtl_value: int, mask: int | None = None) -> bool:
        """A register read from the RTL at a quiescent point against the model's value."""
        want = self.unit.read_reg(name)
        self.stats.registers_checked += 1
        m = mask if mask is not None else (1 << 64) - 1
        if rtl_value & m != want & m:
            self.error(f"register {name}: RTL reads {rtl_value:#x}, model {want:#x}"
                       + (f" (compared under mask {m:#x})" if mask is not None else ""))
            return False
        return True

    def compare_offset(self, offset: int, size: int, rtl_value: int, what: str = "") -> bool:
        """A register access by offset (4 or 8 bytes) against the model's value."""
        want = self.unit.reg_read(offset, size)
        self.stats.registers_checked += 1
        if rtl_value != want:
            self.error(f"register read {offset:#05x}/{size}{' (' + what + ')' if what else ''}: "
                       f"RTL {rtl_value:#x}, model {want:#x}")
            return False
        return True

    def unit_reset(self) -> int:
        """The unit was reset (its model too): forget every request in flight (the unit drops
        them unanswered), interrupt answers waiting for their order, remembered fills and the
        fault events of either side not yet matched. Returns how many requests were
        dropped."""
        dropped = len(self._issued)
        self._issued.clear()
        self._pending_msi.clear()
        self._recent_fills.clear()
        self.match_events()
        self._rtl_events.clear()
        self._matched_events = 0
        self.dma_fault_answers = 0
        self.last_completed_start = -1
        self.epoch += 1
        return dropped

    def settle(self) -> None:
        """At a quiescent point: commit every interrupt answer still waiting for its order."""
        self._release_msi(everything=True)

    def final_check(self) -> None:
        self.settle()
        self.final_events_check()
        if self._issued:
            self.error(f"{len(self._issued)} request(s) issued never got a response")


def _from_cache(cands: Sequence[Any], chosen: Any) -> bool:
    """Is ``chosen`` (of ``cands``, fresh first) only a cached entry's outcome?"""
    return chosen is not cands[0] and chosen.outcome.visible() != cands[0].outcome.visible()


def _find(cands: Sequence[Any], observed: tuple[object, ...]) -> Any:
    for c in cands:
        if c.outcome.visible() == observed:
            return c
    return None


def _describe_set(cands: Sequence[Any]) -> str:
    parts = []
    for c in cands:
        kind, value = c.outcome.visible()
        if kind == "fault":
            parts.append(f"fault {value:#04x}")
        elif isinstance(value, int):
            parts.append(f"ok {value:#x}")
        else:
            parts.append(f"ok {value}")
    return "{" + ", ".join(parts) + "}"
