"""Results the unit produces: DMA and interrupt outcomes, event messages, decoded fault records."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FaultInfo:
    """What a blocked request records (doc/vtd-rules.md §1.13, §4), before FPD suppression."""

    reason: int
    sid: int
    fi: int  # low qword of the record, bits 11:0 clear
    write: bool  # T1=T2=0 when True, else T1=1,T2=0 (read)
    qualified: bool  # FPD may suppress it (doc/vtd-rules.md §3.3 tables)
    fpd: bool  # FPD was set in the entry that was read (context entry or IRTE)

    @property
    def suppressed(self) -> bool:
        return self.qualified and self.fpd


@dataclass(frozen=True)
class DmaOutcome:
    """One possible answer to a DMA request."""

    ok: bool
    hpa: int = 0
    fault: FaultInfo | None = None

    @property
    def reason(self) -> int:
        return self.fault.reason if self.fault else 0

    def visible(self) -> tuple[str, int]:
        """What the device sees: ('ok', hpa) or ('fault', reason)."""
        return ("ok", self.hpa) if self.ok else ("fault", self.reason)

    def result(self) -> dict[str, object]:
        if self.ok:
            return {"status": "ok", "hpa": self.hpa}
        return {"status": "fault", "reason": self.reason}


@dataclass(frozen=True)
class Interrupt:
    """An interrupt as delivered to the platform (decision P15)."""

    vector: int
    dest: int
    dest_mode: int
    delivery_mode: int
    trigger_mode: int
    redirection_hint: int


@dataclass(frozen=True)
class MsiOutcome:
    ok: bool
    interrupt: Interrupt | None = None
    fault: FaultInfo | None = None

    @property
    def reason(self) -> int:
        return self.fault.reason if self.fault else 0

    def visible(self) -> tuple[object, ...]:
        if self.ok:
            assert self.interrupt is not None
            return ("ok", self.interrupt)
        return ("fault", self.reason)

    def result(self) -> dict[str, object]:
        if self.ok:
            assert self.interrupt is not None
            i = self.interrupt
            return {"status": "ok", "vector": i.vector, "dest": i.dest, "dest_mode": i.dest_mode,
                    "delivery_mode": i.delivery_mode, "trigger_mode": i.trigger_mode,
                    "redirection_hint": i.redirection_hint}
        return {"status": "fault", "reason": self.reason}


@dataclass(frozen=True)
class EventMessage:
    """An interrupt message the unit itself generated (fault or invalidation-completion event)."""

    addr: int
    data: int
    source: str = "fault"  # "fault" or "invalidation"


@dataclass(frozen=True)
class FaultRecord:
    """A fault recording register with F=1, decoded as the results format asks."""

    index: int
    sid: int
    fi: int
    write: bool
    reason: int
    raw_lo: int = 0
    raw_hi: int = 0


@dataclass
class OutcomeSet:
    """Every outcome the architecture permits for one request (stale caches make several)."""

    outcomes: list = field(default_factory=list)  # DmaOutcome or MsiOutcome, fresh one first

    @property
    def fresh(self):  # noqa: ANN201 - DmaOutcome | MsiOutcome
        """The outcome with nothing cached: what the model itself answers."""
        return self.outcomes[0]
