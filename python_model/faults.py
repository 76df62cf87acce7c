"""Primary fault recording and the event interrupt logic (doc/vtd-rules.md §4, §1.9, §6.4;
P4, P5, P9)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from python_model import regmap
from python_model.outcomes import FaultInfo, FaultRecord


@dataclass
class EventControl:
    """IM/IP of FECTL or IECTL and the message they guard (§1.9, §4, §6.4)."""

    send: Callable[[], None]
    im: bool = True  # reset 1
    ip: bool = False

    def raise_event(self) -> None:
        self.ip = True
        if not self.im:
            self.send()
            self.ip = False

    def write_im(self, im: bool) -> None:
        self.im = im
        if not im and self.ip:  # unmasking a pending event sends it
            self.send()
            self.ip = False

    def reset(self) -> None:
        self.im, self.ip = True, False


_LO = {f.name: f for f in regmap.FRCD_LO_FIELDS}
_HI = {f.name: f for f in regmap.FRCD_HI_FIELDS}


class FaultRecorder:
    """The FRCD ring, FSTS fault bits and the fault event (FECTL, FEDATA/FEADDR/FEUADDR)."""

    def __init__(self, num_records: int, send_event: Callable[[], None]) -> None:
        self.num_records = num_records
        self.event = EventControl(send_event)
        self.reset()

    def reset(self) -> None:
        self.lo = [0] * self.num_records
        self.hi = [0] * self.num_records
        self.index = 0  # internal index of the next record (§4)
        self.pfo = self.iqe = self.ice = self.ite = False
        self.fri = 0
        self.event.reset()

    # --- status ---
    def f_bit(self, n: int) -> bool:
        return bool(_HI["F"].get(self.hi[n]))

    @property
    def ppf(self) -> bool:
        return any(self.f_bit(n) for n in range(self.num_records))

    def _any_status(self) -> bool:
        return self.ppf or self.pfo or self.iqe or self.ice or self.ite

    # --- recording (§4 steps 1-4, no compression: P4) ---
    def record(self, info: FaultInfo) -> None:
        if info.suppressed:  # §3.4: qualified fault with FPD=1
            return
        if self.pfo:
            return
        n = self.index
        if self.f_bit(n):
            self.pfo = True  # no event for an overflow
            return
        hi = 0
        for name, value in (("SID", info.sid), ("FR", info.reason),
                            ("T1", 0 if info.write else 1), ("T2", 0), ("AT", 0)):
            hi = _HI[name].put(hi, value)
        self.lo[n] = _LO["FI"].put(0, info.fi >> 12)
        had_pending = self.ppf
        status_before = self._any_status()
        self.hi[n] = _HI["F"].put(hi, 1)
        self.index = (n + 1) % self.num_records
        if not had_pending:
            self.fri = n
            if not status_before:  # P9: any of PPF/PFO/IQE/ICE/ITE already set -> no event
                self.event.raise_event()

    def raise_queue_error(self) -> None:
        """FSTS.IQE set by the invalidation queue (§6.4)."""
        if self.iqe:
            return
        status_before = self._any_status()
        self.iqe = True
        if not status_before:
            self.event.raise_event()

    def reset_index(self) -> None:
        """P5: the index resets when TES=0 and IRES=0."""
        self.index = 0

    # --- software access ---
    def write_fsts(self, value: int) -> None:
        if regmap.fld("FSTS", "PFO").get(value):
            self.pfo = False
        if regmap.fld("FSTS", "IQE").get(value):
            self.iqe = False
        if regmap.fld("FSTS", "ICE").get(value):
            self.ice = False
        if regmap.fld("FSTS", "ITE").get(value):
            self.ite = False
        self._maybe_clear_ip()

    def clear_record(self, n: int) -> None:
        self.hi[n] = _HI["F"].put(self.hi[n], 0)
        self._maybe_clear_ip()

    def _maybe_clear_ip(self) -> None:
        if not self._any_status():
            self.event.ip = False  # every status bit clear: IP clears without a message

    def fsts(self) -> int:
        reg = regmap.RegisterMap(0).by_name("FSTS")
        value = 0
        for name, v in (("PFO", self.pfo), ("PPF", self.ppf), ("IQE", self.iqe),
                        ("ICE", self.ice), ("ITE", self.ite), ("FRI", self.fri)):
            value = reg.field(name).put(value, int(v))
        return value

    def records(self) -> list[FaultRecord]:
        out = []
        for n in range(self.num_records):
            if self.f_bit(n):
                hi = self.hi[n]
                out.append(FaultRecord(
                    index=n, sid=_HI["SID"].get(hi), fi=self.lo[n] & ~0xFFF,
                    write=not _HI["T1"].get(hi) and not _HI["T2"].get(hi),
                    reason=_HI["FR"].get(hi), raw_lo=self.lo[n], raw_hi=hi))
        return out
