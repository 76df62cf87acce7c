"""The testplan (doc/testplan.toml) against what exists: every run, test file and scenario is
claimed by a feature, and everything the plan names exists."""

import ast
import fnmatch
from pathlib import Path

import pytest

from tb.flows.params import PRESETS
from tb.flows.testplan import PlanError, Run, load, parse

TESTS = Path(__file__).resolve().parent
SCENARIOS = sorted(p.stem for p in (TESTS / "scenarios").glob("*.json"))
PLAN = load()


def _cocotb_tests(module: str) -> set[str]:
    """Names of the ``@cocotb.test()`` coroutines in tests/<module>.py."""
    tree = ast.parse((TESTS / f"{module}.py").read_text(encoding="utf-8"))
    return {node.name for node in tree.body if isinstance(node, ast.AsyncFunctionDef)
            and any("cocotb.test" in ast.unparse(d) for d in node.decorator_list)}


def _functions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}


def _claimed_scenarios(pattern: str) -> list[str]:
    return [s for s in SCENARIOS if fnmatch.fnmatchcase(s, pattern)]


def test_every_run_names_an_existing_cocotb_test_and_parameter_set():
    for run in PLAN.runs:
        assert (TESTS / f"{run.module}.py").is_file(), f"run {run.name}: no tests/{run.module}.py"
        assert run.testcase in _cocotb_tests(run.module), (
            f"run {run.name}: {run.module} has no @cocotb.test() {run.testcase}")
        assert run.params in PRESETS, f"run {run.name}: unknown parameter set {run.params!r}"


def test_every_module_with_runs_runs_them_under_pytest():
    for module in sorted({r.module for r in PLAN.runs}):
        text = (TESTS / f"{module}.py").read_text(encoding="utf-8")
        assert f'test_plan = plan_test("{module}")' in text, (
            f"tests/{module}.py has runs in the testplan but does not declare test_plan")


def test_everything_a_feature_names_exists():
    runs = {r.name for r in PLAN.runs}
    for f in PLAN.features:
        for name in f.runs:
            assert name in runs, f"feature {f.name}: no run {name!r}"
        for test in f.tests:
            file, _, func = test.partition("::")
            path = TESTS / file
            assert path.is_file(), f"feature {f.name}: no tests/{file}"
            if func:
                assert func in _functions(path), f"feature {f.name}: no {func} in tests/{file}"
        for pattern in f.scenarios:
            assert _claimed_scenarios(pattern), f"feature {f.name}: no scenario {pattern!r}"


def test_every_run_test_file_and_scenario_is_claimed_by_a_feature():
    runs = {r for f in PLAN.features for r in f.runs}
    assert not [r.name for r in PLAN.runs if r.name not in runs], "runs no feature claims"
    files = {t.partition("::")[0] for f in PLAN.features for t in f.tests}
    files |= {f"{r.module}.py" for r in PLAN.runs}
    unclaimed = sorted(p.name for p in TESTS.glob("test_*.py") if p.name not in files)
    assert not unclaimed, f"test files no feature claims: {unclaimed}"
    claimed = {s for f in PLAN.features for p in f.scenarios for s in _claimed_scenarios(p)}
    assert sorted(set(SCENARIOS) - claimed) == [], "scenarios no feature claims"


def test_knob_scaling_follows_the_simulator_speed():
    run = Run("r", "m", "t", knobs={"n": 1000, "gap": 0.5}, scaled=("n",),
              speed={"icarus": 0.5})
    assert run.knobs_for("verilator") == {"n": 1000, "gap": 0.5}
    assert run.knobs_for("icarus", 2.0) == {"n": 1000, "gap": 0.5}
    assert Run("r", "m", "t", knobs={"n": 1000}, scaled=("n",)).knobs_for("icarus") == {"n": 250}


@pytest.mark.parametrize("text, message", [
    ('[[run]]\nname = "a"\nmodule = "m"\n', "run 'a': missing field 'testcase'"),
    ('[[run]]\nname = "a"\nmodule = "m"\ntestcase = "t"\nknob = {n = 1}\n',
     "run 'a': unknown field(s) ['knob']"),
    ('[[run]]\nname = "a"\nmodule = "m"\ntestcase = "t"\nscaled = ["n"]\n',
     "run 'a': field 'scaled' names 'n', which is not in its knobs"),
    ('[[run]]\nname = "a"\nmodule = "m"\ntestcase = "t"\ntop = "vtd_top"\n',
     "run 'a': field 'top' is 'vtd_top', not one of vtd_remap_unit, vtd_batch_top"),
    ('[[feature]]\nname = "f"\n', "feature 'f': missing field 'desc'"),
    ('[[runs]]\nname = "a"\n', "unknown table(s) ['runs']"),
])
def test_a_malformed_plan_is_reported_by_entry_and_field(text, message):
    with pytest.raises(PlanError, match=message.replace("(", r"\(").replace(")", r"\)")
                       .replace("[", r"\[").replace("]", r"\]")):
        parse(text)
