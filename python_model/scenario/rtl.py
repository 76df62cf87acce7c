"""Hook to the RTL scenario runner (``tb.scenario_rtl``), which the testbench provides.

Its interface: ``tb.scenario_rtl.run(scenario: Scenario, sim: str, waves: bool) -> ResultsDoc``
(a ``vtd-results/1`` JSON object is accepted too). It may drive the RTL with
:func:`python_model.scenario.execute.execute` through its own :class:`Engine`, or run the steps
itself; either way this runner checks the expectations and compares with the model.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import cast

from .results import ResultsDoc
from .steps import Scenario

RTL_MODULE = "tb.scenario_rtl"
SIMULATORS = ("verilator", "icarus")

RtlRunner = Callable[[Scenario, str, bool], object]


class RtlUnavailable(Exception):
    """The RTL runner cannot be loaded; the message says why."""


class ScenarioUnsupported(RtlUnavailable):
    """The scenario needs a feature the RTL does not implement (the message says which)."""


def load_runner(sim: str) -> RtlRunner:
    try:
        module = importlib.import_module(RTL_MODULE)
    except ModuleNotFoundError as e:
        if e.name in ("tb", RTL_MODULE):
            raise RtlUnavailable(f"SIM={sim}: the RTL runner is not installed yet "
                                 f"({RTL_MODULE} missing)") from None
        raise RtlUnavailable(f"SIM={sim}: {RTL_MODULE} cannot be imported: {e}") from e
    run = getattr(module, "run", None)
    if not callable(run):
        raise RtlUnavailable(f"SIM={sim}: {RTL_MODULE} has no run(scenario, sim, waves)")
    return cast(RtlRunner, run)


def run_rtl(scenario: Scenario, sim: str, waves: bool) -> ResultsDoc:
    doc = load_runner(sim)(scenario, sim, waves)
    if isinstance(doc, ResultsDoc):
        return doc
    return ResultsDoc.from_json(doc)
