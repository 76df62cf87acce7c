"""The repository's directed scenario suite (tests/scenarios/*.json) on the RTL, the golden
model following alongside: every ``expect`` must hold on the RTL and the RTL's results must
equal the model's (which accepts the RTL's permitted stale choices). Scenarios that need
queued invalidation or interrupt remapping (decided from their config and register use) are
skipped with the reason printed."""

from pathlib import Path

import pytest
from rtl_runner import require, sim_params

from python_model.scenario import check_expects, compare, load
from tb.flows.scenario.rtl import run_many

SUITE = Path(__file__).parent / "scenarios"


@pytest.mark.sim
@sim_params()
def test_scenario_suite(sim):
    require(sim)
    scenarios = [load(p) for p in sorted(SUITE.glob("*.json"))]
    failures, ran = [], 0
    for o in run_many(scenarios, sim):
        name = o.scenario.name
        if o.skipped:
            print(f"SKIP {name}: {o.skipped}")
            continue
        if o.error:
            failures.append(f"{name}: {o.error}")
            continue
        ran += 1
        r = o.results
        problems = [str(f) for f in check_expects(o.scenario, r)]
        problems += [f"mismatch: {d}" for d in compare(r.model_doc, r, ("model", sim))]
        problems += r.problems
        print(f"{'FAIL' if problems else 'PASS'} {name} ({len(o.scenario.steps)} steps)")
        failures += [f"{name}: {p}" for p in problems[:5]]
    print(f"{ran} scenarios run on {sim}, {len(scenarios) - ran} skipped")
    assert ran, "no scenario could run on the RTL"
    assert not failures, "\n".join(failures)
