"""Command line: ``python -m tb.flows.scenario {run,suite,check,compare} ...``.

Exit status (scenario-format.md): 0 when every step ran, every expect held and (RTL runs) the
RTL agreed with the model; 1 on any mismatch or failed expectation; 2 when a file is invalid
(or the RTL runner is not available).
"""

from __future__ import annotations

import argparse
import re
import sys
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from python_model.scenario.execute import run_model
from python_model.scenario.parse import ScenarioError, load
from python_model.scenario.results import ResultsDoc, ResultsFormatError, check_expects, compare
from tb.flows.scenario.errors import SIMULATORS, RtlUnavailable, ScenarioUnsupported
from tb.flows.scenario.rtl import run as run_rtl

ENGINES = ("model", *SIMULATORS)
DEFAULT_OUT_DIR = Path("build") / "results"
MAX_PRINTED = 10
EXIT_OK, EXIT_FAIL, EXIT_INVALID = 0, 1, 2


@dataclass
class FileOutcome:
    path: Path
    name: str = ""
    steps: int = 0
    expects: int = 0
    failures: list[str] = field(default_factory=list)
    invalid: str | None = None
    unsupported: str | None = None  # the RTL build turns off a feature the file needs
    written: list[Path] = field(default_factory=list)

    @property
    def status(self) -> int:
        if self.invalid is not None or self.unsupported is not None:
            return EXIT_INVALID
        return EXIT_FAIL if self.failures else EXIT_OK


def default_out(name: str, engine: str, out_dir: Path = DEFAULT_OUT_DIR) -> Path:
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", name).strip(".") or "scenario"
    return out_dir / f"{safe}.{engine}.json"


def run_file(path: Path, sim: str, out: Path | None = None, waves: bool = False,
             out_dir: Path = DEFAULT_OUT_DIR) -> FileOutcome:
    """Validate and run one scenario; write the results file(s); never raises for a bad file."""
    outcome = FileOutcome(path)
    try:
        scenario = load(path)
    except ScenarioError as e:
        outcome.invalid = str(e)
        return outcome
    outcome.name, outcome.steps = scenario.name, len(scenario.steps)
    outcome.expects = scenario.expect_count
    if sim == "model":
        model = run_model(scenario)
        outcome.failures += model.problems + [str(f) for f in model.expect_failures]
        outcome.written.append(model.doc.write(out or default_out(scenario.name, "model",
                                                                    out_dir)))
        return outcome
    try:
        rtl_doc = run_rtl(scenario, sim, waves)
    except ScenarioUnsupported as e:  # a feature the RTL does not implement yet
        outcome.unsupported = str(e)
        return outcome
    except (RtlUnavailable, ScenarioError) as e:  # the RTL cannot run this file
        outcome.invalid = str(e)
        return outcome
    # The reference is the model configured like the RTL and following the RTL's permitted
    # choices where cached state may be stale (tb.scenario_rtl); without one, a plain model run.
    reference = getattr(rtl_doc, "model_doc", None)
    if reference is None:
        model = run_model(scenario)
        outcome.failures += model.problems
        reference = model.doc
    outcome.failures += list(getattr(rtl_doc, "problems", []))
    rtl_out = out or default_out(scenario.name, sim, out_dir)
    outcome.written.append(rtl_doc.write(rtl_out))
    model_out = (rtl_out.with_name(rtl_out.name.removesuffix(".json") + ".model.json")
                 if out else default_out(scenario.name, "model", out_dir))
    outcome.written.append(reference.write(model_out))
    outcome.failures += [str(f) for f in check_expects(scenario, rtl_doc)]
    outcome.failures += [f"mismatch: {d}" for d in compare(reference, rtl_doc, ("model", sim))]
    return outcome


def _run_guarded(path: Path, sim: str, out: Path | None, waves: bool, out_dir: Path) \
        -> FileOutcome:
    try:
        return run_file(path, sim, out, waves, out_dir)
    except Exception as e:
        traceback.print_exc()
        outcome = FileOutcome(path)
        outcome.failures.append(f"{path}: the run crashed: {type(e).__name__}: {e}")
        return outcome


def _print_failures(failures: list[str], indent: str = "") -> None:
    for f in failures[:MAX_PRINTED]:
        print(f"{indent}FAIL {f}")
    if len(failures) > MAX_PRINTED:
        print(f"{indent}... and {len(failures) - MAX_PRINTED} more")


def cmd_run(args: argparse.Namespace) -> int:
    path = Path(args.file)
    o = _run_guarded(path, args.sim, Path(args.out) if args.out else None, args.waves,
                     DEFAULT_OUT_DIR)
    if o.invalid is not None:
        print(o.invalid, file=sys.stderr)
        return EXIT_INVALID
    if o.unsupported is not None:
        print(f"{o.unsupported}; run it with SIM=model", file=sys.stderr)
        return EXIT_INVALID
    for w in o.written:
        print(f"results: {w}")
    _print_failures(o.failures)
    against = f"{args.sim} vs model" if args.sim != "model" else "model"
    verdict = "PASS" if o.status == EXIT_OK else "FAIL"
    print(f"{o.name or path} on {against}: {verdict} ({o.steps} steps, {o.expects} expects "
          f"checked, {len(o.failures)} failures)")
    return o.status


def cmd_suite(args: argparse.Namespace) -> int:
    directory = Path(args.dir)
    if not directory.is_dir():
        print(f"{directory}: not a directory", file=sys.stderr)
        return EXIT_INVALID
    files = sorted(directory.glob("*.json"))
    if not files:
        print(f"{directory}: no *.json scenario files", file=sys.stderr)
        return EXIT_INVALID
    out_dir = Path(args.out_dir) if args.out_dir else DEFAULT_OUT_DIR
    outcomes = []
    for path in files:
        o = _run_guarded(path, args.sim, None, False, out_dir)
        outcomes.append(o)
        if o.invalid is not None:
            print(f"INVALID {o.invalid}")
        elif o.unsupported is not None:
            print(f"SKIP    {path.name}: {o.unsupported}")
        elif o.failures:
            more = f" (+{len(o.failures) - 1} more)" if len(o.failures) > 1 else ""
            print(f"FAIL    {path.name}: {o.failures[0]}{more}")
        else:
            print(f"PASS    {path.name} ({o.steps} steps, {o.expects} expects)")
    ran = [o for o in outcomes if o.unsupported is None]
    skipped = len(outcomes) - len(ran)
    worst = max((o.status for o in ran), default=EXIT_OK)
    failed = sum(1 for o in ran if o.status == EXIT_FAIL)
    invalid = sum(1 for o in ran if o.status == EXIT_INVALID)
    print(f"suite {directory} on {args.sim}: {len(files)} files, "
          f"{sum(o.steps for o in outcomes)} steps, {sum(o.expects for o in outcomes)} "
          f"expects checked, {sum(len(o.failures) for o in outcomes)} failures in {failed} "
          f"files, {invalid} invalid, {skipped} skipped (features the RTL build turns off): "
          f"{'PASS' if worst == EXIT_OK else 'FAIL'}")
    return worst


def cmd_check(args: argparse.Namespace) -> int:
    status = EXIT_OK
    for f in args.files:
        try:
            s = load(f)
        except ScenarioError as e:
            print(e, file=sys.stderr)
            status = EXIT_INVALID
        else:
            print(f"valid   {f} ({s.name}: {len(s.steps)} steps, {s.expect_count} expects)")
    return status


def cmd_compare(args: argparse.Namespace) -> int:
    try:
        a, b = ResultsDoc.load(args.a), ResultsDoc.load(args.b)
    except ResultsFormatError as e:
        print(e, file=sys.stderr)
        return EXIT_INVALID
    diffs = compare(a, b)
    for d in diffs:
        print(f"DIFF {d}")
    print(f"{args.a} vs {args.b}: {'agree' if not diffs else 'differ'}")
    return EXIT_FAIL if diffs else EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m tb.flows.scenario",
        description="Run vtd-scenario/1 files on the golden model and/or the RTL.")
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="run one scenario")
    r.add_argument("file")
    r.add_argument("--sim", choices=ENGINES, default="model")
    r.add_argument("--out", help="results file (default: build/results/<name>.<engine>.json)")
    r.add_argument("--waves", action="store_true", help="dump waveforms (RTL runs)")
    r.set_defaults(func=cmd_run)
    s = sub.add_parser("suite", help="run every *.json scenario in a directory")
    s.add_argument("dir")
    s.add_argument("--sim", choices=ENGINES, default="model")
    s.add_argument("--out-dir", help="where results files go (default: build/results)")
    s.set_defaults(func=cmd_suite)
    c = sub.add_parser("check", help="validate scenario files without running them")
    c.add_argument("files", nargs="+")
    c.set_defaults(func=cmd_check)
    d = sub.add_parser("compare", help="compare two vtd-results/1 files")
    d.add_argument("a")
    d.add_argument("b")
    d.set_defaults(func=cmd_compare)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))
