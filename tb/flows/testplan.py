"""The testplan (``doc/testplan.toml``): the one list of RTL runs that ``make test`` (pytest) and
``make sim`` (:mod:`tb.flows.regress`) both execute, and the features they cover.

A run's traffic knobs listed in ``scaled`` are multiplied by the simulator's speed (Icarus is an
event-driven interpreter, an order of magnitude slower than Verilator) and by a scale factor
(``TB_SCALE`` for pytest, ``--scale`` for ``make sim``): :meth:`Run.knobs_for`.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from tb.flows.build import TOP, TOPS

ROOT = Path(__file__).resolve().parents[2]
PLAN = ROOT / "doc" / "testplan.toml"
SPEED = {"verilator": 1.0, "icarus": 0.25}  # traffic per simulator, relative to Verilator

_RUN_FIELDS = {"name", "module", "testcase", "params", "knobs", "scaled", "random", "speed",
               "desc", "top"}
_FEATURE_FIELDS = {"name", "desc", "runs", "tests", "scenarios"}


class PlanError(ValueError):
    """The plan file is malformed; the message names the entry and field."""


@dataclass(frozen=True)
class Run:
    name: str
    module: str
    testcase: str
    params: str = "default"
    knobs: dict[str, float] = field(default_factory=dict)
    scaled: tuple[str, ...] = ()
    random: bool = False
    speed: dict[str, float] = field(default_factory=dict)
    desc: str = ""
    top: str = TOP  # the cocotb toplevel (tb.flows.build.TOPS)

    def knobs_for(self, sim: str, scale: float = 1.0) -> dict[str, float]:
        """The knobs with the ``scaled`` ones multiplied by the simulator's speed and scale."""
        factor = self.speed.get(sim, SPEED.get(sim, 1.0)) * scale
        knobs = dict(self.knobs)
        for k in self.scaled:
            knobs[k] = max(1, int(knobs[k] * factor))
        return knobs


@dataclass(frozen=True)
class Feature:
    name: str
    desc: str
    runs: tuple[str, ...] = ()
    tests: tuple[str, ...] = ()
    scenarios: tuple[str, ...] = ()


@dataclass(frozen=True)
class Plan:
    runs: tuple[Run, ...]
    features: tuple[Feature, ...]

    def runs_of(self, module: str) -> tuple[Run, ...]:
        return tuple(r for r in self.runs if r.module == module)

    def run(self, name: str) -> Run:
        for r in self.runs:
            if r.name == name:
                return r
        raise KeyError(f"no run {name!r} in {PLAN}")


def _check_fields(kind: str, entry: dict, allowed: set[str], required: tuple[str, ...]) -> str:
    name = str(entry.get("name", "?"))
    unknown = sorted(set(entry) - allowed)
    if unknown:
        raise PlanError(f"{PLAN.name}: {kind} {name!r}: unknown field(s) {unknown}")
    for f in required:
        if f not in entry:
            raise PlanError(f"{PLAN.name}: {kind} {name!r}: missing field {f!r}")
    return name


def parse(text: str) -> Plan:
    data = tomllib.loads(text)
    unknown = sorted(set(data) - {"run", "feature"})
    if unknown:
        raise PlanError(f"{PLAN.name}: unknown table(s) {unknown}")
    runs = []
    for e in data.get("run", []):
        _check_fields("run", e, _RUN_FIELDS, ("name", "module", "testcase"))
        if e.get("top", TOP) not in TOPS:
            raise PlanError(f"{PLAN.name}: run {e['name']!r}: field 'top' is {e['top']!r}, "
                            f"not one of {', '.join(TOPS)}")
        for k in e.get("scaled", []):
            if k not in e.get("knobs", {}):
                raise PlanError(f"{PLAN.name}: run {e['name']!r}: field 'scaled' names "
                                    f"{k!r}, which is not in its knobs")
        runs.append(Run(e["name"], e["module"], e["testcase"], e.get("params", "default"),
                        dict(e.get("knobs", {})), tuple(e.get("scaled", ())),
                        bool(e.get("random", False)), dict(e.get("speed", {})),
                        e.get("desc", ""), e.get("top", TOP)))
    features = []
    for e in data.get("feature", []):
        _check_fields("feature", e, _FEATURE_FIELDS, ("name", "desc"))
        features.append(Feature(e["name"], e["desc"], tuple(e.get("runs", ())),
                                tuple(e.get("tests", ())), tuple(e.get("scenarios", ()))))
    names = [r.name for r in runs]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise PlanError(f"{PLAN.name}: run name(s) used twice: {dup}")
    return Plan(tuple(runs), tuple(features))


@cache
def load() -> Plan:
    return parse(PLAN.read_text(encoding="utf-8"))
