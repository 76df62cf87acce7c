"""What one ``make test`` checked on the RTL, printed after pytest.

Every pyuvm test writes its run's statistics to ``stats.json`` in its run directory
(:meth:`tb.env.runtime.Runtime.write_stats`); the replay check notes how many translations it
compared (:func:`note_replay`, when ``VTD_TALLY_DIR`` is set, as ``make test`` does). This
module adds them up: ``python -m tb.flows.tally --since STAMP [--dir DIR]`` sums the
``stats.json`` files written after ``STAMP`` and the replay notes in ``DIR``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENV = "VTD_TALLY_DIR"
KEYS = ("dma_checked", "msi_checked", "registers_checked", "cycles")


def note_replay(translations: int) -> None:
    """The replay check compared ``translations`` responses with the model."""
    where = os.environ.get(ENV)
    if not where:
        return
    directory = Path(where)
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / f"replay-{os.getpid()}.txt", "a") as f:
        f.write(f"{translations}\n")


def cocotb_totals(since: float, sim_root: Path) -> dict[str, int]:
    totals = dict.fromkeys(KEYS, 0)
    totals["runs"] = 0
    for path in sim_root.glob("**/runs/*/stats.json"):
        if path.stat().st_mtime < since:
            continue
        try:
            stats = json.loads(path.read_text())
        except ValueError:
            continue
        totals["runs"] += 1
        for k in KEYS:
            value = stats.get(k, 0)
            totals[k] += value if isinstance(value, int) else 0
    return totals


def replay_totals(directory: Path) -> tuple[int, int]:
    """(checks, translations) noted in ``directory``."""
    checks = translations = 0
    for path in directory.glob("replay-*.txt"):
        for line in path.read_text().split():
            checks += 1
            translations += int(line)
    return checks, translations


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tb.flows.tally", description=__doc__.split("\n")[0])
    p.add_argument("--since", type=Path, required=True,
                   help="a file whose modification time starts the tally")
    p.add_argument("--dir", type=Path, default=ROOT / "build" / "tally",
                   help="where the replay check noted its counts")
    p.add_argument("--sim-root", type=Path, default=ROOT / "build")
    args = p.parse_args(argv)
    if not args.since.exists():
        print(f"tally: {args.since} does not exist", file=sys.stderr)
        return 2
    c = cocotb_totals(args.since.stat().st_mtime, args.sim_root)
    checks, replayed = replay_totals(args.dir)
    print(f"checked on the RTL: {c['dma_checked']:,} DMA responses, {c['msi_checked']:,} "
          f"interrupts and {c['registers_checked']:,} register reads in {c['runs']} cocotb "
          f"runs ({c['cycles']:,} cycles); {replayed:,} replayed translations in {checks} "
          "replay checks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
