"""``vtd-scenario/1`` files on the RTL, with the golden model following alongside.

``run(scenario, sim, waves)`` builds the RTL for the scenario's parameters (its ``config``,
the RTL and the model sharing the names, QI/IR/EIM included), runs the scenario in a simulator
process and returns
:class:`RtlResults`: the RTL's ``vtd-results/1`` document, which also carries (and unpacks
into) ``(rtl_doc, model_doc)``. The model document comes from a golden model driven in
lock-step with the RTL: for every ``dma``/``msi`` step it holds the outcome the RTL chose when
that outcome is one the architecture permits (stale cached state), otherwise the model's own
fresh answer, so comparing the two documents flags exactly the RTL answers that are not
permitted. Register writes reach the model as :class:`tb.env.reg_mirror.ModelMirror` times them.

A scenario that uses queued invalidation or interrupt remapping while its own parameters turn
that feature off (QI=0 or IR=0) is refused with :class:`ScenarioUnsupported`, decided from the
config and the registers used (:func:`skip_reason`), never from the name.

Inside the simulator (cocotb test ``scenario_suite`` of :mod:`tb.flows.scenario.engine`) the steps
run through
``python_model.scenario.execute.execute`` with its ``RtlEngine`` (a bridge thread; every
engine call resumes the simulation until the step is done). ``poll`` polls the RTL register
or memory up to ``timeout_cycles``; ``wait`` waits cycles; ``msi`` uses the MSI channel. After
each step that can raise a fault event the engine lets the unit run a few cycles so the event
is attributed to the step during which it was raised. A command write (CCMD.ICC, IOTLB.IVT)
waits until the RTL clears the bit, a GCMD write until GSTS shows what the model shows.
"""

from __future__ import annotations

import json
import pickle
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from python_model import regmap
from python_model.scenario.results import ResultsDoc
from python_model.scenario.steps import Poll, RegRead, RegRef, RegWrite, Scenario
from tb.flows.params import RtlConfigError, RtlParams, rtl_parameters
from tb.flows.scenario.errors import RtlUnavailable, ScenarioUnsupported

MODULE = "tb.flows.scenario.engine"  # the cocotb side

# Registers and GCMD/ECAP bits of queued invalidation (QI) and interrupt remapping (IR).
QI_IR_REGISTERS = {"IQH": "QI", "IQT": "QI", "IQA": "QI", "ICS": "QI", "IECTL": "QI",
                   "IEDATA": "QI", "IEADDR": "QI", "IEUADDR": "QI", "IQERCD": "QI",
                   "IRTA": "IR"}
GCMD_QI_IR = {"QIE": "QI", "IRE": "IR", "SIRTP": "IR", "CFI": "IR"}
ECAP_QI_IR = {"QI": "QI", "IR": "IR", "EIM": "IR", "MHMV": "IR"}


# --------------------------------------------------------------------------- outside the sim


def scenario_params(scenario: Scenario) -> RtlParams:
    """The RTL parameters for a scenario's ``config`` (missing ones at their defaults)."""
    return rtl_parameters(dict(scenario.config_params))


def skip_reason(scenario: Scenario) -> str | None:
    """Why the RTL cannot run ``scenario`` (None when it can)."""
    try:
        params = scenario_params(scenario)
    except RtlConfigError as e:
        return f"config: {e}"
    rmap = regmap.RegisterMap(scenario.config.num_fault_records)
    used: dict[str, str] = {}  # what -> feature
    for step in scenario.steps:
        a = step.action
        ref = a.reg if isinstance(a, (RegRead, RegWrite)) else \
            a.target if isinstance(a, Poll) and isinstance(a.target, RegRef) else None
        if ref is None:
            continue
        reg = rmap.by_name(ref.name) if ref.name else rmap.containing(ref.offset)
        if reg is None:
            continue
        if reg.name in QI_IR_REGISTERS:
            used[reg.name] = QI_IR_REGISTERS[reg.name]
        if isinstance(a, RegWrite) and reg.name == "GCMD":
            shift = 8 * (ref.offset - reg.offset)
            for bit, feature in GCMD_QI_IR.items():
                if (a.value << shift) & regmap.fld("GCMD", bit).mask:
                    used[f"GCMD.{bit}"] = feature
        if isinstance(a, RegRead) and reg.name == "ECAP" and step.expect \
                and isinstance(step.expect.get("value"), int):
            value = int(step.expect["value"]) << 8 * (ref.offset - reg.offset)  # type: ignore[call-overload]
            for f, feature in ECAP_QI_IR.items():
                if regmap.fld("ECAP", f).get(value):
                    used[f"expects ECAP.{f}"] = feature
    off = sorted(what for what, feature in used.items() if not params[feature])
    if off:
        features = sorted({used[w] for w in off})
        return (f"uses {' / '.join(features)} while its parameters turn it off "
                f"({', '.join(f'{f}=0' for f in features)}): {', '.join(off)}")
    return None


@dataclass
class RtlResults(ResultsDoc):
    """The RTL's results document, carrying the model's: ``rtl, model = run(...)`` works."""

    model_doc: ResultsDoc | None = None
    problems: list[str] = field(default_factory=list)  # protocol errors, engine trouble
    waves: Path | None = None
    log: Path | None = None

    def __iter__(self) -> Iterator[ResultsDoc]:
        yield self
        assert self.model_doc is not None
        yield self.model_doc


@dataclass
class SuiteOutcome:
    scenario: Scenario
    results: RtlResults | None = None
    skipped: str | None = None
    error: str | None = None


def run(scenario: Scenario, sim: str, waves: bool = False) -> RtlResults:
    """Run one scenario on ``sim``; raises ScenarioUnsupported or RtlUnavailable."""
    reason = skip_reason(scenario)
    if reason is not None:
        raise ScenarioUnsupported(f"{scenario.name}: not run on the RTL: {reason}")
    [outcome] = run_many([scenario], sim, waves)
    if outcome.error is not None or outcome.results is None:
        raise RtlUnavailable(f"{scenario.name} on {sim}: {outcome.error}")
    res = outcome.results
    if res.waves is not None:
        print(f"waves: {res.waves}")
    for p in res.problems:
        print(f"WARNING {scenario.name} on {sim}: {p}", file=sys.stderr)
    return res


def run_many(scenarios: Sequence[Scenario], sim: str, waves: bool = False) -> list[SuiteOutcome]:
    """Run scenarios, one simulator process per parameter set; unsupported ones skipped."""
    from tb.flows import build

    waves = build.waves_requested(waves)
    outcomes = [SuiteOutcome(s) for s in scenarios]
    groups: dict[str, list[int]] = {}
    params_of: dict[str, RtlParams] = {}
    for i, o in enumerate(outcomes):
        o.skipped = skip_reason(o.scenario)
        if o.skipped is None:
            p = scenario_params(o.scenario)
            key = json.dumps(p, sort_keys=True)
            params_of[key] = p
            groups.setdefault(key, []).append(i)
    for key, idxs in groups.items():
        params = params_of[key]
        work = build.build(sim, params, waves).directory / "scenarios"  # build first: it
        # may replace the whole directory
        work.mkdir(parents=True, exist_ok=True)
        jobs = []
        for i in idxs:
            s = outcomes[i].scenario
            stem = f"{_safe(s.name)}-{i}"
            pkl = work / f"{stem}.pickle"
            pkl.write_bytes(pickle.dumps(s))
            jobs.append({"scenario": str(pkl), "rtl": str(work / f"{stem}.{sim}.json"),
                         "model": str(work / f"{stem}.model.json"),
                         "problems": str(work / f"{stem}.problems.json")})
            for k in ("rtl", "model", "problems"):
                Path(jobs[-1][k]).unlink(missing_ok=True)
        run_ = build.run(sim, params, MODULE, "scenario_suite", waves=waves,
                         env={"TB_ARGS": json.dumps({"jobs": jobs})},
                         label=f"scenarios-{_safe(outcomes[idxs[0]].scenario.name)}")
        for i, job in zip(idxs, jobs, strict=True):
            o = outcomes[i]
            try:
                rtl = ResultsDoc.load(job["rtl"])
                model = ResultsDoc.load(job["model"])
            except Exception as e:  # noqa: BLE001 - reported per scenario
                o.error = (f"no results ({e}); simulator run: {run_.summary()}\n"
                           f"{build.log_tail(run_.log, 30)}")
                continue
            problems = json.loads(Path(job["problems"]).read_text()) \
                if Path(job["problems"]).exists() else []
            o.results = RtlResults(rtl.scenario, rtl.engine, rtl.results, rtl.events,
                                   rtl.fault_records, rtl.fsts, model_doc=model,
                                   problems=problems, waves=run_.waves, log=run_.log)
    return outcomes


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[:50] or "scenario"
