"""The ``vtd-results/1`` document: building it, writing/reading JSON, checking expectations,
and comparing two runs.

Numbers are Python ints in memory and lower-case hex strings (``"0x0"`` for zero) in JSON; the
step index, the fault record index and ``after_step`` are JSON integers, ``write`` a boolean and
``status`` a string.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .numbers import NumberError, parse_number, to_hex
from .steps import ExpectValue, Scenario

RESULTS_FORMAT = "vtd-results/1"

FieldValue = int | str | tuple[int, ...]


@dataclass(frozen=True)
class ResultShape:
    """One form a step's result can take: its status (if any) and its fields, in order."""

    status: str | None
    fields: tuple[str, ...]


_MSI_OK = ("status", "vector", "dest", "dest_mode", "delivery_mode", "trigger_mode",
           "redirection_hint")
RESULT_SHAPES: dict[str, tuple[ResultShape, ...]] = {
    "reg_write": (ResultShape(None, ()),),
    "reg_read": (ResultShape(None, ("value",)),),
    "mem_write": (ResultShape(None, ()),),
    "mem_read": (ResultShape(None, ("qwords",)),),
    "poll": (ResultShape("ok", ("status",)), ResultShape("timeout", ("status",))),
    "dma": (ResultShape("ok", ("status", "hpa")), ResultShape("fault", ("status", "reason"))),
    "msi": (ResultShape("ok", _MSI_OK), ResultShape("fault", ("status", "reason"))),
    "wait": (ResultShape(None, ()),),
}
# How each result field is typed: "status" a string, "list" a list of numbers, else a number.
EXPECTABLE: dict[str, str] = {"status": "status", "qwords": "list"}
for _shapes in RESULT_SHAPES.values():
    for _shape in _shapes:
        for _f in _shape.fields:
            EXPECTABLE.setdefault(_f, "number")


class ResultsFormatError(ValueError):
    """A results document is malformed."""


@dataclass(frozen=True)
class StepResult:
    step: int
    op: str
    fields: dict[str, FieldValue] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {"step": self.step, "op": self.op}
        for k, v in self.fields.items():
            out[k] = _field_json(v)
        return out

    def describe(self) -> str:
        if not self.fields:
            return "{}"
        return "{" + ", ".join(f"{k}: {_field_text(v)}" for k, v in self.fields.items()) + "}"


@dataclass(frozen=True)
class Event:
    after_step: int
    addr: int
    data: int

    def to_json(self) -> dict[str, object]:
        return {"after_step": self.after_step, "addr": to_hex(self.addr), "data": to_hex(self.data)}

    def describe(self) -> str:
        return f"after step {self.after_step}: addr {self.addr:#x} data {self.data:#x}"


@dataclass(frozen=True)
class FaultRecordEntry:
    index: int
    sid: int
    fi: int
    write: bool
    reason: int

    def to_json(self) -> dict[str, object]:
        return {"index": self.index, "sid": to_hex(self.sid), "fi": to_hex(self.fi),
                "write": self.write, "reason": to_hex(self.reason)}

    def describe(self) -> str:
        return (f"FRCD{self.index}: sid {self.sid:#x} fi {self.fi:#x} "
                f"{'write' if self.write else 'read'} reason {self.reason:#x}")


@dataclass
class ResultsDoc:
    scenario: str
    engine: str
    results: list[StepResult] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    fault_records: list[FaultRecordEntry] = field(default_factory=list)
    fsts: int = 0

    def agrees_with(self, other: ResultsDoc) -> bool:
        """Two runs agree when results, events, fault records and FSTS are all equal."""
        return (self.results == other.results and self.events == other.events
                and self.fault_records == other.fault_records and self.fsts == other.fsts)

    def result_of(self, step: int) -> StepResult | None:
        if 0 <= step < len(self.results) and self.results[step].step == step:
            return self.results[step]
        return next((r for r in self.results if r.step == step), None)

    # --- JSON ---
    def to_json(self) -> dict[str, object]:
        return {
            "format": RESULTS_FORMAT,
            "scenario": self.scenario,
            "engine": self.engine,
            "results": [r.to_json() for r in self.results],
            "events": [e.to_json() for e in self.events],
            "fault_records": [f.to_json() for f in self.fault_records],
            "fsts": to_hex(self.fsts),
        }

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2) + "\n"

    def write(self, path: str | Path) -> Path:
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(self.dumps(), encoding="utf-8")
        return p

    @classmethod
    def from_json(cls, doc: object) -> ResultsDoc:
        try:
            return _doc_from_json(doc)
        except (KeyError, TypeError, AttributeError, NumberError) as e:
            raise ResultsFormatError(f"malformed {RESULTS_FORMAT} document: {e!r}") from None

    @classmethod
    def load(cls, path: str | Path) -> ResultsDoc:
        try:
            doc = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as e:
            raise ResultsFormatError(f"{path}: {e}") from None
        try:
            return cls.from_json(doc)
        except ResultsFormatError as e:
            raise ResultsFormatError(f"{path}: {e}") from None


def _field_json(v: FieldValue) -> object:
    if isinstance(v, str):
        return v
    if isinstance(v, tuple):
        return [to_hex(x) for x in v]
    return to_hex(v)


def _field_text(v: FieldValue | None) -> str:
    if v is None:
        return "(absent)"
    if isinstance(v, str):
        return repr(v)
    if isinstance(v, tuple):
        return "[" + ", ".join(to_hex(x) for x in v) + "]"
    return to_hex(v)


def _doc_from_json(doc: object) -> ResultsDoc:
    if not isinstance(doc, dict):
        raise ResultsFormatError("not a JSON object")
    if doc.get("format") != RESULTS_FORMAT:
        raise ResultsFormatError(f"format is {doc.get('format')!r}, not {RESULTS_FORMAT!r}")
    results = []
    for r in doc["results"]:
        fields: dict[str, FieldValue] = {}
        for k, v in r.items():
            if k in ("step", "op"):
                continue
            if EXPECTABLE.get(k) == "status":
                fields[k] = str(v)
            elif isinstance(v, list):
                fields[k] = tuple(parse_number(x) for x in v)
            else:
                fields[k] = parse_number(v)
        results.append(StepResult(int(r["step"]), str(r["op"]), fields))
    events = [Event(int(e["after_step"]), parse_number(e["addr"]), parse_number(e["data"]))
              for e in doc["events"]]
    records = [FaultRecordEntry(parse_number(f["index"]), parse_number(f["sid"]),
                                parse_number(f["fi"]), bool(f["write"]),
                                parse_number(f["reason"]))
               for f in doc["fault_records"]]
    return ResultsDoc(str(doc["scenario"]), str(doc["engine"]), results, events, records,
                      parse_number(doc["fsts"]))


# --------------------------------------------------------------------------- expectations


@dataclass(frozen=True)
class ExpectFailure:
    step: int
    op: str
    field: str
    expected: ExpectValue
    actual: FieldValue | None  # None: the result has no such field
    engine: str
    result: StepResult | None = None

    def __str__(self) -> str:
        where = f"step {self.step} ({self.op}) on {self.engine}: expect {self.field!r}"
        if self.actual is None:
            got = (f"the result has no {self.field!r}: "
                   f"{self.result.describe() if self.result else 'no result'}")
        else:
            got = f"got {_field_text(self.actual)}"
        return f"{where}: expected {_field_text(self.expected)}, {got}"


def check_expects(scenario: Scenario, doc: ResultsDoc) -> list[ExpectFailure]:
    """Every expectation of ``scenario`` that ``doc`` does not meet, in step order."""
    failures: list[ExpectFailure] = []
    for step in scenario.steps:
        if step.expect is None:
            continue
        result = doc.result_of(step.index)
        for key, expected in step.expect.items():
            actual = result.fields.get(key) if result else None
            if actual != expected:
                failures.append(ExpectFailure(step.index, step.op, key, expected, actual,
                                              doc.engine, result))
    return failures


# --------------------------------------------------------------------------- comparison


@dataclass(frozen=True)
class Difference:
    part: str  # "results", "events", "fault_records" or "fsts"
    step: int | None  # the step it concerns, when there is one
    message: str

    def __str__(self) -> str:
        return self.message


def compare(a: ResultsDoc, b: ResultsDoc, labels: Sequence[str] | None = None) \
        -> list[Difference]:
    """How two runs differ: at most one entry per part, each naming the first difference."""
    la, lb = labels if labels else (a.engine, b.engine)
    if la == lb:
        la, lb = f"{la} (first)", f"{lb} (second)"
    diffs: list[Difference] = []

    for ra, rb in zip(a.results, b.results, strict=False):
        if ra != rb:
            name = f"step {ra.step} ({ra.op})" if (ra.step, ra.op) == (rb.step, rb.op) else \
                f"step {ra.step} ({ra.op} / {rb.op})"
            diffs.append(Difference("results", ra.step, f"{name}: {la} {ra.describe()}, "
                                    f"{lb} {rb.describe()}"))
            break
    else:
        if len(a.results) != len(b.results):
            n = min(len(a.results), len(b.results))
            diffs.append(Difference("results", n, f"results: {la} has {len(a.results)} steps, "
                                    f"{lb} has {len(b.results)}"))

    d = _first_list_difference("events", a.events, b.events, la, lb)
    if d:
        diffs.append(d)
    d = _first_list_difference("fault_records", a.fault_records, b.fault_records, la, lb)
    if d:
        diffs.append(d)
    if a.fsts != b.fsts:
        diffs.append(Difference("fsts", None, f"fsts at the end: {la} {a.fsts:#x}, "
                                f"{lb} {b.fsts:#x}"))
    return diffs


def _first_list_difference(part: str, xs: Sequence[Event] | Sequence[FaultRecordEntry],
                           ys: Sequence[Event] | Sequence[FaultRecordEntry], la: str,
                           lb: str) -> Difference | None:
    for i in range(max(len(xs), len(ys))):
        x = xs[i] if i < len(xs) else None
        y = ys[i] if i < len(ys) else None
        if x != y:
            steps = [e.after_step for e in (x, y) if isinstance(e, Event)]
            step = min(steps) if steps else None
            label = f"event {i}" if part == "events" else f"fault record {i}"
            where = f"{label} (step {step})" if step is not None else label
            xt = x.describe() if x else "none"
            yt = y.describe() if y else "none"
            return Difference(part, step, f"{where}: {la} {xt}, {lb} {yt}")
    return None
