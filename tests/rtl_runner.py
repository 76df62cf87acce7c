"""pytest side of the RTL tests: build once per (simulator, parameter set), run one cocotb test
per pytest test in its own simulator process, fail with the log tail and the seed.

The runs themselves are listed once, in the testplan (``doc/testplan.toml``): each cocotb
module declares ``test_plan = plan_test(__name__)`` and pytest runs every plan entry of that
module on every simulator.

Environment: ``SEED`` replays a random test; ``SIMS`` (e.g. ``SIMS=verilator``) limits the
simulators; ``TB_SCALE`` multiplies the amount of random traffic.
"""

from __future__ import annotations

import json
import os
import shutil

import pytest

from tb.env.runtime import seed_from_env
from tb.flows import build
from tb.flows.params import preset
from tb.flows.testplan import Run, load

SIMULATORS = [s for s in os.environ.get("SIMS", "verilator,icarus").split(",") if s]


def sim_params() -> pytest.MarkDecorator:
    return pytest.mark.parametrize("sim", SIMULATORS)


def require(sim: str) -> None:
    if not (build.RTL_DIR / f"{build.TOP}.v").exists():
        pytest.fail(f"no RTL top {build.TOP}.v in {build.RTL_DIR}")
    if sim == "icarus" and shutil.which("iverilog") is None:
        pytest.fail("iverilog is not installed: run `make venv` (tools/bootstrap.sh installs it)")


def run_cocotb(sim: str, module: str, testcase: str, params: str | dict = "default",
               knobs: dict | None = None, args: dict | None = None,
               seed: int | None = None, random: bool = False,
               top: str = build.TOP) -> build.TestRun:
    """Run cocotb test ``testcase`` of ``module`` on ``sim``; pytest.fail on failure."""
    require(sim)
    rtl_params = preset(params) if isinstance(params, str) else params
    seed = seed_from_env() if random else (seed if seed is not None else 1)
    env = {"TB_KNOBS": json.dumps(knobs or {}), "TB_ARGS": json.dumps(args or {})}
    label = f"{testcase}-{params if isinstance(params, str) else 'custom'}"
    print(f"{module}::{testcase} on {sim} ({params if isinstance(params, str) else 'custom'}): "
          f"SEED={seed}" + (f"  (replay: SEED={seed})" if random else ""))
    run = build.run(sim, rtl_params, module, testcase, env=env, seed=seed, label=label, top=top)
    if not run.ok:
        pytest.fail(f"{run.summary()}\nSEED={seed}\n--- log tail ---\n{build.log_tail(run.log)}",
                    pytrace=False)
    return run


def plan_test(module: str):  # noqa: ANN201 - a pytest test function
    """The pytest test running every testplan run of cocotb ``module`` on every simulator."""
    runs = load().runs_of(module)

    @pytest.mark.sim
    @pytest.mark.parametrize("run", runs, ids=[r.name for r in runs])
    @sim_params()
    def test_plan(sim: str, run: Run) -> None:
        scale = float(os.environ.get("TB_SCALE", "1"))
        print(f"{run.name}: {run.desc}")
        run_cocotb(sim, run.module, run.testcase, params=run.params,
                   knobs=run.knobs_for(sim, scale), random=run.random, top=run.top)

    return test_plan
