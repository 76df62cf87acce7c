"""Generate the directed scenario suite ``tests/scenarios/*.json`` (``vtd-scenario/1``).

``python -m tools.scenario_gen`` (from the repository root) writes every generated file into
tests/scenarios/ (or ``--out-dir``); with ``--check`` it writes nothing, names each file that
differs from what would be written and exits 1 if there is one.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .registry import build_all

OUT_DIR = Path(__file__).resolve().parents[2] / "tests" / "scenarios"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tools.scenario_gen",
                                 description=__doc__.splitlines()[0])
    ap.add_argument("--out-dir", type=Path, default=OUT_DIR)
    ap.add_argument("--check", action="store_true",
                    help="only report files that differ from what would be written")
    args = ap.parse_args(argv)
    files = build_all()
    stale = []
    for name, text in sorted(files.items()):
        path = args.out_dir / name
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    if args.check:
        for name in stale:
            print(f"out of date: {name}")
        return 1 if stale else 0
    print(f"wrote {len(files)} scenarios to {args.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
