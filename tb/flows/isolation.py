"""``python -m tb.flows.isolation``: the isolation campaign (issue 10): edge probes on partly
malformed, shared and edited tables (``tb/stimulus/workloads/isolation.py``) through the replay
player on Verilator, every response checked against the golden model, and two totals computed
beside it:

* **isolation**: every translated response's output address equals the one the generator's
  own bookkeeping (the table builder's record of what it mapped for the device's domain,
  shared subtrees included) allows for that request; a translation where none is allowed, or
  to another address, is a violation. This does not use the model.
* **fault recording**: every blocked request is recorded or suppressed exactly as FPD and the
  recording rules say: after each segment the driver reads FSTS and every fault record, and
  each read must equal the model's (which records the faults in the RTL's response order);
  the totals split the blocked requests into recorded (records read), FPD-suppressed, and
  dropped while PFO was set.

    python -m tb.flows.isolation [--seeds 1,2,...] [--n 100000] [--set knob=value ...]
                                 [--params NAME] [--sim verilator|icarus]

Exit status 0 when every seed passed, 1 on a mismatch or violation (named), 2 for bad
arguments (the message names them). ``TB_RTL_DIR`` runs the campaign on another copy of the
RTL (a planted bug).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from dataclasses import dataclass, field

import yaml

from python_model import regmap
from python_model.config import ConfigError
from tb.flows.params import RtlConfigError, preset
from tb.flows.replay import images as img
from tb.flows.replay.check import CheckReport, check_responses
from tb.flows.replay.run import BUILD_ROOT, SIMULATORS, RunResult, build_player, run_player
from tb.flows.replay.trace import TraceError, write_trace
from tb.stimulus.workloads import WorkloadError, knobs_of
from tb.stimulus.workloads.isolation import CLASSES, IsolationStream, build

DEFAULT_SEEDS: tuple[int, ...] = tuple(range(1, 11))
DEFAULT_N = 100_000
OUT_DIR = BUILD_ROOT.parent / "isolation"


@dataclass
class SeedResult:
    seed: int
    requests: int
    report: CheckReport
    result: RunResult
    stream: IsolationStream
    violations: list[str] = field(default_factory=list)
    over_blocked: int = 0  # blocked although the generator allows a translation
    recorded: int = 0  # fault records read by the driver's services (F=1)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def translations(self) -> int:
        return sum(1 for r in self.result.responses if not r.fault)

    @property
    def pfo_dropped(self) -> int:
        return self.report.faults - self.report.suppressed - self.recorded

    @property
    def ok(self) -> bool:
        return self.report.ok and not self.violations and self.pfo_dropped >= 0


def isolation_violations(stream: IsolationStream, result: RunResult,
                         limit: int = 20) -> tuple[list[str], int, int]:
    """(violations, how many, blocked-but-allowed count): translated responses whose output
    is not the address the generator allows for the request (independent of the model)."""
    out: list[str] = []
    count = over = 0
    reqs, allowed = stream.trace.requests, stream.manifest.allowed
    for rsp in result.responses:
        if not 0 <= rsp.index < len(reqs):
            continue
        want = allowed[rsp.index]
        if rsp.fault:
            over += want >= 0
            continue
        if rsp.addr != want:
            count += 1
            if len(out) < limit:
                r = reqs[rsp.index]
                cls = CLASSES[stream.manifest.classes[rsp.index]]
                out.append(f"request #{rsp.index} ({cls}: sid={r.sid:#06x} addr={r.addr:#x} "
                           f"{'write' if r.write else 'read'} size={r.size}) translated to "
                           f"{rsp.addr:#x}, outside its domain "
                           + ("(no translation allowed)" if want < 0 else
                              f"(the domain maps it to {want:#x})"))
    return out, count, over


def records_read(result: RunResult) -> int:
    """Fault records with F=1 among the driver's reads (each record is read once per
    service, and every service clears them all)."""
    f_bit = regmap.fld("FRCD_HI", "F").mask
    base = regmap.FRCD_BASE
    return sum(1 for off, value in result.reads
               if off >= base and (off - base) % regmap.FRCD_STRIDE == 8 and off < regmap.PERF_BASE
               and value & f_bit)


def run_seed(seed: int, n: int, knobs: dict[str, object], params_name: str = "default",
             sim: str = "verilator") -> SeedResult:
    t0 = time.monotonic()
    stream = build(n, seed, knobs_of("isolation", knobs))
    trace = stream.trace
    trace.header["params"] = params_name
    params = preset(params_name)
    out_dir = (OUT_DIR / f"seed{seed}").resolve()
    write_trace(trace, out_dir / "isolation.trace")
    images = img.write_images(trace, out_dir / "images")
    t1 = time.monotonic()
    built = build_player(params, images.slots_log2, sim=sim)
    t2 = time.monotonic()
    result = run_player(built, images.plusargs(), out_dir / "responses.rsp")
    t3 = time.monotonic()
    report = check_responses(trace, result, params, reference=False)
    t4 = time.monotonic()
    violations, count, over = isolation_violations(stream, result)
    if count > len(violations):
        violations.append(f"... {count} violations in all")
    res = SeedResult(seed, len(trace.requests), report, result, stream, violations, over,
                     records_read(result))
    res.seconds = {"generate": t1 - t0, "build": t2 - t1, "player": t3 - t2,
                   "check": t4 - t3, "player_cpu": result.cpu_seconds or 0.0}
    return res


def _reason_name(reason: int) -> str:
    return f"{reason:02x}h"


def print_seed(r: SeedResult) -> None:
    rep = r.report
    print(f"seed {r.seed}: {r.requests} requests, {r.translations} translated, {rep.faults} "
          f"blocked ({rep.suppressed} FPD-suppressed, {r.recorded} recorded, {r.pfo_dropped} "
          f"dropped under PFO), {r.stream.manifest.services} fault services "
          f"({rep.driver_reads} register reads compared), {r.stream.manifest.edits} table "
          f"edits, isolation violations {len(r.violations)}, mismatches "
          f"{len(rep.mismatches) + sum(not x.ok for x in rep.registers)} -> "
          f"{'PASS' if r.ok else 'FAIL'} (SEED={r.seed}; player {r.seconds['player']:.1f} s, "
          f"check {r.seconds['check']:.1f} s)")
    for m in rep.mismatches:
        print(f"  MISMATCH {m}")
    for row in rep.registers:
        if not row.ok:
            rtl = "not reported" if row.rtl is None else f"{row.rtl:#x}"
            print(f"  MISMATCH {row.name} after the stream: RTL {rtl}, model {row.model:#x}")
    for row in rep.counters:
        if not row.ok:
            print(f"  MISMATCH counter {row.name}: RTL {row.rtl}, expected {row.expected}")
    for v in r.violations:
        print(f"  ISOLATION {v}")


def print_totals(results: list[SeedResult], wall: float) -> None:
    req = sum(r.requests for r in results)
    reasons: Counter[int] = Counter()
    classes: Counter[str] = Counter()
    for r in results:
        reasons.update(r.report.reasons)
        classes.update(CLASSES[c] for c in r.stream.manifest.classes)
    blocked = sum(r.report.faults for r in results)
    print(f"isolation campaign: {len(results)} seeds, {req} requests, "
          f"{sum(r.translations for r in results)} translations, {blocked} blocked")
    print("  probe classes   : " + ", ".join(f"{k} {v}" for k, v in sorted(classes.items())))
    print("  faults by reason: " + ", ".join(f"{_reason_name(k)} {v}"
                                             for k, v in sorted(reasons.items())))
    viol = sum(len(r.violations) for r in results)
    over = sum(r.over_blocked for r in results)
    print(f"  isolation       : {viol} translations outside the device's domain "
          f"(generator bookkeeping, independent of the model); {over} requests blocked that "
          "the generator's tables allow (each also a model mismatch unless the model agrees)")
    rec = sum(r.recorded for r in results)
    sup = sum(r.report.suppressed for r in results)
    pfo = sum(r.pfo_dropped for r in results)
    reads = sum(r.report.driver_reads for r in results)
    reg_bad = sum(len(r.report.mismatches) for r in results)
    print(f"  fault recording : {blocked} blocked = {rec} recorded + {sup} FPD-suppressed + "
          f"{pfo} dropped under PFO; {sum(r.stream.manifest.services for r in results)} "
          f"fault services, {reads} FSTS/FRCD reads equal to the model's "
          f"({reg_bad} response or register mismatches)")
    player = sum(r.seconds["player"] for r in results)
    check = sum(r.seconds["check"] for r in results)
    gen = sum(r.seconds["generate"] for r in results)
    print(f"  time            : {wall:.1f} s wall; generate {gen:.1f} s, player {player:.1f} s "
          f"({req / player if player else 0:,.0f} requests/s), check {check:.1f} s")
    ok = all(r.ok for r in results)
    print(f"  result          : {'PASS' if ok else 'FAIL'}")


def _parse_seeds(text: str) -> list[int]:
    try:
        seeds = [int(s, 0) for s in text.split(",") if s.strip()]
    except ValueError:
        raise ValueError(f"--seeds {text!r}: expected comma-separated integers") from None
    if not seeds:
        raise ValueError("--seeds: at least one seed")
    return seeds


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tb.flows.isolation",
                                description=(__doc__ or "").split("\n")[0])
    p.add_argument("--seeds", default=",".join(map(str, DEFAULT_SEEDS)),
                   help="comma-separated seeds (default 1..10)")
    p.add_argument("--n", type=int, default=DEFAULT_N, help="requests per seed")
    p.add_argument("--set", action="append", default=[], metavar="KNOB=VALUE",
                   help="generator knob (doc/workloads.md, family isolation)")
    p.add_argument("--params", default="default", help="parameter set (tb.flows.params)")
    p.add_argument("--sim", choices=SIMULATORS, default="verilator")
    args = p.parse_args(argv)
    try:
        seeds = _parse_seeds(args.seeds)
        if not 1 <= args.n <= 1 << 20:
            raise ValueError(f"--n {args.n}: must be in 1..{1 << 20} (the player's MAX_REQS)")
        knobs: dict[str, object] = {}
        for text in args.set:
            name, sep, value = text.partition("=")
            if not sep or not name.strip():
                raise ValueError(f"--set {text!r}: expected knob=value")
            knobs[name.strip()] = yaml.safe_load(value)
        knobs_of("isolation", knobs)
        preset(args.params)
    except (ValueError, WorkloadError, RtlConfigError, ConfigError, KeyError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    t0 = time.monotonic()
    results = []
    for seed in seeds:
        try:
            r = run_seed(seed, args.n, knobs, args.params, args.sim)
        except TraceError as e:
            print(f"error: seed {seed}: {e}", file=sys.stderr)
            return 2
        print_seed(r)
        results.append(r)
    print_totals(results, time.monotonic() - t0)
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
