"""The sweep's units of work, each a plain function run in a worker process:

* :func:`prepare_workload`: generate one workload's trace, write the player's images, and
  compute the model's outcome of every request once (it depends on the tables, not on the
  cache configuration);
* :func:`build_config`: build the replay player for one configuration;
* :func:`area_of`: Yosys cells and flip-flops of one configuration (cached per parameter
  set and RTL digest by :mod:`tb.flows.area`);
* :func:`run_one`: replay one workload on one configuration, check every response and
  every order-independent counter, and return the row of metrics.
"""

from __future__ import annotations

import math
import pickle
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from python_model import regmap
from tb.flows.params import REPL_NAMES, RtlParams, rtl_parameters
from tb.flows.replay import images as img
from tb.flows.replay.check import check_responses, expected_outcomes
from tb.flows.replay.run import build_player, run_player
from tb.flows.replay.trace import Trace, write_trace

SLOTS_LOG2 = 13  # every sweep trace's table memory fits 4096 pages: one build per config
PERF_NAMES: dict[int, str] = {r.offset: r.name for r in regmap.perf_registers()}


@dataclass(frozen=True)
class Prepared:
    name: str
    trace_file: Path
    images: img.Images
    pickle_file: Path  # (Trace, expected outcomes)
    requests: int
    operations: int
    seconds: float


def prepare_workload(name: str, family: str, knobs: dict[str, Any], n: int, seed: int,
                     directory: Path) -> Prepared:
    from tb.stimulus.workloads import generate

    t0 = time.monotonic()
    trace = generate(family, n, seed, knobs)
    directory.mkdir(parents=True, exist_ok=True)
    trace_file = directory / f"{name}.trace"
    write_trace(trace, trace_file)
    images = img.write_images(trace, directory / f"{name}.images", SLOTS_LOG2)
    expected = expected_outcomes(trace, rtl_parameters({}))
    pickle_file = directory / f"{name}.pickle"
    pickle_file.write_bytes(pickle.dumps((trace, expected), protocol=pickle.HIGHEST_PROTOCOL))
    return Prepared(name, trace_file, images, pickle_file, len(trace.requests),
                    sum(map(len, trace.ops.values())), time.monotonic() - t0)


def build_config(params: RtlParams, latency: int) -> tuple[float, bool]:
    b = build_player(params, SLOTS_LOG2, latency)
    return b.seconds, b.reused


def area_of(params: RtlParams) -> tuple[int, int]:
    from tb.flows.area import estimate

    a = estimate(dict(params))
    return a.cells, a.flops


def percentile(values: list[int], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..100); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return float(ordered[max(1, math.ceil(q / 100 * len(ordered))) - 1])


def translation_signature(params: RtlParams) -> RtlParams:
    """The parameters a request's outcome can depend on (not the caches' shapes)."""
    cache_only = ("IOTLB_SETS", "IOTLB_WAYS", "IOTLB_REPL", "CC_ENTRIES", "MAX_WALKS",
                  "REQ_TAG_W", "AXI_ID_W", "IEC_ENTRIES", "MISSQ_DEPTH", "MISS_MERGE")
    return {k: v for k, v in params.items() if k not in cache_only}


def run_one(config: str, params: RtlParams, prep: Prepared, latency: int,
            out_dir: Path) -> dict[str, Any]:
    """Replay ``prep`` on ``params``; the row of metrics (``mismatches`` lists problems)."""
    trace: Trace
    trace, expected = pickle.loads(prep.pickle_file.read_bytes())
    if translation_signature(params) != translation_signature(rtl_parameters({})):
        expected = None  # translation parameters differ: ask the model per request
    build = build_player(params, prep.images.slots_log2, latency)
    out = (out_dir / f"{config}__{prep.name}.rsp").resolve()
    result = run_player(build, prep.images.plusargs(), out)
    t0 = time.monotonic()
    report = check_responses(trace, result, params, expected=expected, reference=False)
    check_seconds = time.monotonic() - t0
    perf = {PERF_NAMES[o]: v for o, v in result.perf.items() if o in PERF_NAMES}
    n = len(trace.requests)
    lats = [r.answered - r.issued for r in result.responses]
    hits, misses = perf.get("PERF_IOTLB_HITS", 0), perf.get("PERF_IOTLB_MISSES", 0)
    cch, ccm = perf.get("PERF_CC_HITS", 0), perf.get("PERF_CC_MISSES", 0)
    problems = list(report.mismatches)
    problems += [f"counter {c.name}: RTL {c.rtl}, expected {c.expected}"
                 for c in report.counters if not c.ok]
    out.unlink(missing_ok=True)  # 100,000 lines per job: keep only on failure
    if problems:
        out.with_suffix(".problems.txt").write_text("\n".join(problems) + "\n")
    return {
        "configuration": config, "workload": prep.name,
        "IOTLB_SETS": params["IOTLB_SETS"], "IOTLB_WAYS": params["IOTLB_WAYS"],
        "IOTLB_REPL": REPL_NAMES[params["IOTLB_REPL"]],
        "entries": params["IOTLB_SETS"] * params["IOTLB_WAYS"],
        "CC_ENTRIES": params["CC_ENTRIES"], "MAX_WALKS": params["MAX_WALKS"],
        "requests": n, "checked": report.checked, "faults": report.faults,
        "ok": not problems,
        "iotlb_hit_rate": round(hits / (hits + misses), 4) if hits + misses else 0.0,
        "cc_hit_rate": round(cch / (cch + ccm), 4) if cch + ccm else 0.0,
        "walks": perf.get("PERF_WALKS", 0),
        "walk_reads_per_req": round(perf.get("PERF_WALK_READS", 0) / n, 4) if n else 0.0,
        "lat_mean": round(sum(lats) / len(lats), 2) if lats else 0.0,
        "lat_p99": percentile(lats, 99),
        "cycles": result.cycles,
        "translations_per_cycle": round(n / result.cycles, 4) if result.cycles else 0.0,
        "memory_latency": latency,
        "run_seconds": round(result.seconds, 2), "check_seconds": round(check_seconds, 2),
        "problems": problems[:5],
    }
