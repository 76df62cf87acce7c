"""The sweep's outputs: ``results.csv`` (one row per configuration and workload),
``results.md`` (tables) and PNG plots (matplotlib, Agg backend)."""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

CSV_COLUMNS = (
    "configuration", "workload", "IOTLB_SETS", "IOTLB_WAYS", "IOTLB_REPL", "entries",
    "CC_ENTRIES", "MAX_WALKS", "requests", "checked", "faults", "ok", "iotlb_hit_rate",
    "cc_hit_rate", "walks", "walk_reads_per_req", "lat_mean", "lat_p99", "cycles",
    "translations_per_cycle", "memory_latency", "cells", "flops", "run_seconds",
    "check_seconds",
)
PLOTS = ("hit_rate.png", "latency.png", "walk_reads.png", "throughput.png", "area.png")

Row = Mapping[str, Any]


def write_csv(rows: Sequence[Row], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=CSV_COLUMNS, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow({k: r.get(k, "") for k in CSV_COLUMNS})


def _ordered(rows: Sequence[Row], key: str) -> list[str]:
    out: list[str] = []
    for r in rows:
        if r[key] not in out:
            out.append(r[key])
    return out


def _fmt(v: Any) -> str:
    if v is None or v == "":
        return "-"
    if isinstance(v, float):
        return f"{v:.3f}" if v < 10 else f"{v:.1f}"
    return str(v)


def _table(headers: Sequence[str], body: Sequence[Sequence[Any]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |",
             "|" + "|".join("---" if i == 0 else "---:" for i in range(len(headers))) + "|"]
    lines += ["| " + " | ".join(_fmt(c) for c in row) + " |" for row in body]
    return lines


def markdown(rows: Sequence[Row], meta: Mapping[str, Any]) -> str:
    """Pivot tables (configuration x workload) of the main metrics, then every row."""
    configs = _ordered(rows, "configuration")
    workloads = _ordered(rows, "workload")
    by = {(r["configuration"], r["workload"]): r for r in rows}
    first = {c: next(r for r in rows if r["configuration"] == c) for c in configs}
    out = [f"# Sweep `{meta.get('name', '')}`", "",
           str(meta.get("description", "")).strip(), "",
           f"{meta.get('translations')} translations per configuration and workload, "
           f"memory latency {meta.get('memory_latency')} cycles, workload seeds "
           f"{meta.get('seeds')}. Every response was checked against the golden model: "
           f"{sum(r['checked'] for r in rows)} responses, "
           f"{sum(not r['ok'] for r in rows)} run(s) with a mismatch.", ""]
    for key, title in (("iotlb_hit_rate", "IOTLB hit rate"),
                       ("lat_mean", "Mean translation latency (cycles)"),
                       ("lat_p99", "p99 translation latency (cycles)"),
                       ("walk_reads_per_req", "Walk memory reads per request"),
                       ("translations_per_cycle", "Translations per cycle")):
        out += [f"## {title}", ""]
        body = [[c, first[c]["entries"], first[c]["IOTLB_REPL"]]
                + [by[(c, w)][key] if (c, w) in by else None for w in workloads]
                for c in configs]
        out += _table(["configuration", "entries", "policy", *workloads], body) + [""]
    out += ["## Area (Yosys generic cells)", "",
            f"Area mode `{meta.get('area', 'all')}`: `-` marks a configuration Yosys did not "
            "run on (not a named configuration under `named`, `area: false` in the sweep "
            "file, `none` or `--no-area`).", ""]
    out += _table(["configuration", "sets", "ways", "policy", "walkers", "cells", "flops"],
                  [[c, first[c]["IOTLB_SETS"], first[c]["IOTLB_WAYS"], first[c]["IOTLB_REPL"],
                    first[c]["MAX_WALKS"], first[c].get("cells"), first[c].get("flops")]
                   for c in configs]) + [""]
    bad = [r for r in rows if not r["ok"]]
    if bad:
        out += ["## Mismatches", ""]
        out += [f"- {r['configuration']} / {r['workload']}: {p}" for r in bad
                for p in r.get("problems", [])] + [""]
    return "\n".join(out)


def plots(rows: Sequence[Row], directory: Path, named: Sequence[str],
          grid: Sequence[str] | None = None) -> list[Path]:
    """The PNG plots; ``named`` are the explicit configurations (bar charts show those and
    the hit-rate plot marks them), ``grid`` the configurations on the hit-rate curves
    (default: every configuration not in ``named``)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    directory.mkdir(parents=True, exist_ok=True)
    workloads = _ordered(rows, "workload")
    configs = _ordered(rows, "configuration")
    bars = [c for c in configs if c in named] or configs
    by = {(r["configuration"], r["workload"]): r for r in rows}
    first = {c: next(r for r in rows if r["configuration"] == c) for c in configs}
    paths: list[Path] = []

    # hit rate against capacity, one panel per workload, one line per policy and ways
    cols = min(4, len(workloads))
    nrows = -(-len(workloads) // cols)
    fig, axes = plt.subplots(nrows, cols, figsize=(4 * cols, 3.2 * nrows), squeeze=False,
                             sharey=True)
    grid = list(grid) if grid is not None else [c for c in configs if c not in named]
    for ax, w in zip(axes.flat, workloads, strict=False):
        series: dict[str, list[tuple[int, float]]] = {}
        for c in grid:
            r = by.get((c, w))
            if r is not None:
                label = f"{r['IOTLB_REPL']} {r['IOTLB_WAYS']}-way, {r['MAX_WALKS']} walkers"
                series.setdefault(label, []).append((r["entries"], r["iotlb_hit_rate"]))
        for label, pts in sorted(series.items()):
            pts.sort()
            ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=label)
        for c in named:
            r = by.get((c, w))
            if r is not None:
                ax.scatter([r["entries"]], [r["iotlb_hit_rate"]], marker="*", s=90, zorder=3,
                           label=c)
        ax.set_xscale("log", base=2)
        ax.set_title(w, fontsize=9)
        ax.set_xlabel("IOTLB entries")
        ax.set_ylim(0, 1.02)
        ax.grid(alpha=0.3)
    for ax in axes.flat[len(workloads):]:
        ax.axis("off")
    axes[0][0].set_ylabel("IOTLB hit rate")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(4, len(labels)), fontsize=8)
    fig.tight_layout(rect=(0, 0.06 + 0.02 * (len(labels) // 4), 1, 1))
    paths.append(_save(fig, directory / "hit_rate.png", plt))

    def grouped(key: str, title: str, fname: str, second: str | None = None) -> None:
        fig, ax = plt.subplots(figsize=(max(6, 1.1 * len(workloads) * max(1, len(bars)) / 2.5),
                                        3.6))
        width = 0.8 / max(1, len(bars))
        for i, c in enumerate(bars):
            xs = [j + i * width for j in range(len(workloads))]
            ys = [by[(c, w)][key] if (c, w) in by else 0 for w in workloads]
            ax.bar(xs, ys, width, label=c)
            if second:
                ax.scatter(xs, [by[(c, w)][second] if (c, w) in by else 0 for w in workloads],
                           marker="_", s=120, color="black", zorder=3)
        ax.set_xticks([j + 0.4 - width / 2 for j in range(len(workloads))])
        ax.set_xticklabels(workloads, rotation=20, ha="right", fontsize=8)
        ax.set_title(title, fontsize=10)
        ax.grid(axis="y", alpha=0.3)
        ax.legend(fontsize=7)
        fig.tight_layout()
        paths.append(_save(fig, directory / fname, plt))

    grouped("lat_mean", "Translation latency in cycles: bars mean, black marks p99",
            "latency.png", "lat_p99")
    grouped("walk_reads_per_req", "Walk memory reads per request", "walk_reads.png")
    grouped("translations_per_cycle",
            f"Translations per cycle (memory latency {rows[0]['memory_latency']} cycles)"
            if rows else "Translations per cycle", "throughput.png")

    # area: what each configuration costs, against what it buys
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 3.8))
    with_area = [c for c in configs if first[c].get("cells") not in (None, "")]
    names = [c for c in bars if c in with_area]
    a1.bar(range(len(names)), [first[c]["cells"] for c in names], label="cells")
    a1.bar(range(len(names)), [first[c]["flops"] for c in names], label="flip-flops")
    a1.set_xticks(range(len(names)))
    a1.set_xticklabels(names, rotation=20, ha="right", fontsize=8)
    a1.set_title("Area (Yosys generic cells)", fontsize=10)
    a1.legend(fontsize=8)
    for c in with_area:
        mean_hit = sum(by[(c, w)]["iotlb_hit_rate"] for w in workloads if (c, w) in by) / \
            max(1, sum((c, w) in by for w in workloads))
        a2.scatter(first[c]["cells"], mean_hit, marker="*" if c in named else "o")
        a2.annotate(c, (first[c]["cells"], mean_hit), fontsize=6)
    a2.set_xscale("log")
    a2.set_xlabel("cells")
    a2.set_ylabel("mean IOTLB hit rate over the workloads")
    a2.grid(alpha=0.3)
    fig.tight_layout()
    paths.append(_save(fig, directory / "area.png", plt))
    return paths


def _save(fig: Any, path: Path, plt: Any) -> Path:
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
