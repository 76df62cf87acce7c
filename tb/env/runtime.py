"""Per-run settings inside the simulator, passed by :func:`tb.flows.build.run` as ``TB_*``
variables.

``TB_SEED`` (random seed), ``TB_PARAMS`` (the build's RTL parameters, JSON), ``TB_KNOBS``
(test knobs, JSON object), ``TB_ARGS`` (test arguments, JSON object), ``TB_STATS`` (where the
test writes its statistics), ``TB_SIM``, ``TB_RUN_DIR``.
"""

from __future__ import annotations

import json
import os
import random
from dataclasses import dataclass, field
from pathlib import Path

from python_model.config import UnitConfig
from tb.flows.params import RtlParams, rtl_model_config, rtl_parameters


def new_seed() -> int:
    return random.SystemRandom().randrange(1, 1 << 31)


def seed_from_env(default: int | None = None) -> int:
    """``SEED`` (replay) if set, else ``default``, else a fresh one."""
    raw = os.environ.get("SEED")
    if raw:
        return int(raw, 0)
    return default if default is not None else new_seed()


@dataclass
class Runtime:
    sim: str = "unknown"
    params: RtlParams = field(default_factory=rtl_parameters)
    seed: int = 0
    knobs: dict[str, object] = field(default_factory=dict)
    args: dict[str, object] = field(default_factory=dict)
    stats_path: Path | None = None
    run_dir: Path | None = None

    @classmethod
    def from_env(cls) -> Runtime:
        env = os.environ
        params = rtl_parameters(json.loads(env["TB_PARAMS"])) if "TB_PARAMS" in env else \
            rtl_parameters()
        seed = int(env["TB_SEED"], 0) if env.get("TB_SEED") else new_seed()
        return cls(sim=env.get("TB_SIM", "unknown"), params=params, seed=seed,
                   knobs=json.loads(env.get("TB_KNOBS", "{}")),
                   args=json.loads(env.get("TB_ARGS", "{}")),
                   stats_path=Path(env["TB_STATS"]) if env.get("TB_STATS") else None,
                   run_dir=Path(env["TB_RUN_DIR"]) if env.get("TB_RUN_DIR") else None)

    @property
    def config(self) -> UnitConfig:
        return rtl_model_config(self.params)

    def rng(self, salt: str = "") -> random.Random:
        return random.Random(f"{self.seed}:{salt}")

    def knob(self, name: str, default: float) -> float:
        return float(self.knobs.get(name, default))  # type: ignore[arg-type]

    def iknob(self, name: str, default: int) -> int:
        return int(self.knobs.get(name, default))  # type: ignore[call-overload]

    def write_stats(self, stats: dict[str, object]) -> None:
        if self.stats_path is None:
            return
        merged: dict[str, object] = {}
        if self.stats_path.exists():  # several tests in one process add up
            try:
                merged = json.loads(self.stats_path.read_text())
            except ValueError:
                merged = {}
        merge_stats(merged, stats)
        self.stats_path.write_text(json.dumps(merged, indent=1, sort_keys=True))


def merge_stats(into: dict[str, object], more: dict[str, object]) -> dict[str, object]:
    """Add numbers, merge nested dicts (coverage bins), keep the first of anything else."""
    for k, v in more.items():
        if isinstance(v, bool):
            into.setdefault(k, v)
        elif isinstance(v, (int, float)):
            old = into.get(k, 0)
            into[k] = (old if isinstance(old, (int, float)) else 0) + v
        elif isinstance(v, dict):
            sub = into.setdefault(k, {})
            if isinstance(sub, dict):
                merge_stats(sub, v)
        elif isinstance(v, list):
            old_list = into.setdefault(k, [])
            if isinstance(old_list, list):
                old_list.extend(v)
        else:
            into.setdefault(k, v)
    return into
