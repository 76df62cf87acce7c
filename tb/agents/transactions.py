"""What the monitors observe on the DUT's output ports (plain data, no simulator needed)."""

from __future__ import annotations

from dataclasses import dataclass

from python_model.outcomes import Interrupt


@dataclass(frozen=True)
class DmaResponse:
    """One beat of the response channel."""

    tag: int
    fault: bool
    reason: int
    addr: int
    cycle: int = 0

    def visible(self) -> tuple[str, int]:
        """In the form of ``DmaOutcome.visible()``: ('ok', hpa) or ('fault', reason)."""
        return ("fault", self.reason) if self.fault else ("ok", self.addr)

    def describe(self) -> str:
        if self.fault:
            return f"fault reason {self.reason:#04x}"
        return f"ok hpa {self.addr:#x}"


@dataclass(frozen=True)
class IntrResponse:
    """One beat of the interrupt output channel."""

    fault: bool
    reason: int
    vector: int
    dest: int
    dm: int
    rh: int
    tm: int
    dlm: int
    cycle: int = 0
    # for a fault: DMA fault answers the unit had made when it recorded this fault (None if
    # unknown); the fault records of the two paths interleave in that order
    dma_faults_before: int | None = None

    def visible(self) -> tuple[object, ...]:
        """In the form of ``MsiOutcome.visible()``."""
        if self.fault:
            return ("fault", self.reason)
        return ("ok", Interrupt(vector=self.vector, dest=self.dest, dest_mode=self.dm,
                                delivery_mode=self.dlm, trigger_mode=self.tm,
                                redirection_hint=self.rh))

    def describe(self) -> str:
        if self.fault:
            return f"fault reason {self.reason:#04x}"
        return (f"ok vector {self.vector:#x} dest {self.dest:#x} dm {self.dm} rh {self.rh} "
                f"tm {self.tm} dlm {self.dlm}")


@dataclass(frozen=True)
class EventMsg:
    """A message on the unit's fault event port."""

    addr: int
    data: int
    cycle: int = 0

    def describe(self) -> str:
        return f"addr {self.addr:#x} data {self.data:#x}"


@dataclass
class DmaRequest:
    """A DMA request as the checker sees it (the pyuvm ``DmaItem`` and the bare bench's
    requests both have these attributes)."""

    sid: int
    addr: int
    write: bool
    size: int = 4
    tag: int = -1
    issue_cycle: int = 0
    rsp: DmaResponse | None = None


@dataclass
class MsiRequest:
    sid: int
    addr: int
    data: int
    issue_cycle: int = 0
    rsp: IntrResponse | None = None
