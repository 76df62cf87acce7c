"""The RTL is Verilator -Wall clean and elaborates on Icarus, for the default parameters and for
shapes a designer would sweep (cache sizes, every replacement policy, widths, walkers)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RTL = ROOT / "rtl"
TOP = "vtd_remap_unit"

PARAMETER_SETS: dict[str, dict[str, int]] = {
    "default": {},
    "lru_1set": {"IOTLB_SETS": 1, "IOTLB_WAYS": 4, "IOTLB_REPL": 0},
    "fifo_3way": {"IOTLB_SETS": 2, "IOTLB_WAYS": 3, "IOTLB_REPL": 2},
    "random_8way": {"IOTLB_SETS": 64, "IOTLB_WAYS": 8, "IOTLB_REPL": 3},
    "tiny": {"IOTLB_SETS": 1, "IOTLB_WAYS": 1, "CC_ENTRIES": 1, "MAX_WALKS": 1, "NFR": 0},
    "wide": {"HAW": 52, "MGAW": 57, "SAGAW": 0b1110, "ND": 6, "MAX_WALKS": 8, "NFR": 143},
    "narrow": {"HAW": 39, "MGAW": 39, "SAGAW": 0b0010, "SLLPS": 0, "PSI": 0},
    # queued invalidation / interrupt remapping / x2APIC turned off one after the other
    "no_qi_ir": {"QI": 0, "IR": 0, "EIM": 0},
    "qi_only": {"IR": 0, "EIM": 0},
    "no_eim": {"EIM": 0, "IEC_ENTRIES": 1, "MHMV": 0},
    "tiny_ids": {"MAX_WALKS": 1, "AXI_ID_W": 2, "IEC_ENTRIES": 3},
    # walk caches, the miss queue and the two-level IOTLB
    "walkcache": {"WC_ENTRIES": 16, "WC_WAYS": 4, "WC_REPL": 1},
    "walkcache_wide": {"WC_ENTRIES": 2, "WC_WAYS": 1, "WC_REPL": 3, "HAW": 52, "MGAW": 57,
                       "SAGAW": 0b1110},
    "missq": {"MISSQ_DEPTH": 4, "MAX_WALKS": 2},
    "nomerge": {"MISS_MERGE": 0, "MISSQ_DEPTH": 2},
    "l1l2": {"IOTLB_IMPL": 1, "IOTLB_L1_ENTRIES": 4, "IOTLB_L1_REPL": 1},
    "l1l2_all": {"IOTLB_IMPL": 1, "IOTLB_L1_ENTRIES": 3, "IOTLB_L1_REPL": 2, "IOTLB_SETS": 1,
                 "IOTLB_WAYS": 1, "WC_ENTRIES": 4, "WC_WAYS": 2, "MISSQ_DEPTH": 1,
                 "MAX_WALKS": 1},
}


def _verilator() -> str:
    venv_root = ROOT / ".venv" / "verilator_root"
    candidates = [ROOT / ".venv" / "bin" / "verilator", venv_root / "bin" / "verilator"]
    for c in candidates:
        if c.exists():
            return str(c)
    pytest.fail("the venv's Verilator is missing: run `make venv` (tools/bootstrap.sh)")


def _sources() -> list[str]:
    return sorted(str(p) for p in RTL.glob("*.v"))


@pytest.mark.parametrize("name", sorted(PARAMETER_SETS))
def test_verilator_lint_wall_clean(name: str) -> None:
    env = dict(os.environ)
    env["VERILATOR_ROOT"] = str(ROOT / ".venv" / "verilator_root")
    params = [f"-G{k}={v}" for k, v in PARAMETER_SETS[name].items()]
    cmd = [_verilator(), "--lint-only", "-Wall", f"-I{RTL}", "--top-module", TOP, *params,
           *_sources()]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    messages = [ln for ln in (proc.stdout + proc.stderr).splitlines() if ln.startswith("%")]
    assert proc.returncode == 0 and not messages, "\n".join(messages[:20]) or proc.stderr


@pytest.mark.parametrize("name", ["default", "tiny", "wide", "no_qi_ir", "l1l2_all",
                                  "walkcache_wide"])
def test_icarus_elaborates(name: str, tmp_path: Path) -> None:
    iverilog = shutil.which("iverilog")
    if iverilog is None:
        pytest.fail("iverilog is not installed: run `make venv`, which installs it")
    params = [f"-P{TOP}.{k}={v}" for k, v in PARAMETER_SETS[name].items()]
    cmd = [iverilog, "-g2012", "-Wall", "-I", str(RTL), "-s", TOP, "-o",
           str(tmp_path / "unit.vvp"), *params, *_sources()]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    # Icarus -Wall also notes that @* over an array is sensitive to every word (true, and what
    # a flop array read needs) and timescale inheritance; anything else is a finding.
    benign = ("timescale", "is sensitive to all")
    findings = [ln for ln in proc.stderr.splitlines()
                if ln.strip() and not any(b in ln for b in benign)]
    assert proc.returncode == 0 and not findings, "\n".join(findings[:20])


def test_illegal_parameters_stop_elaboration() -> None:
    """A non-power-of-two set count must stop elaboration, not build a broken IOTLB."""
    env = dict(os.environ)
    env["VERILATOR_ROOT"] = str(ROOT / ".venv" / "verilator_root")
    cmd = [_verilator(), "--lint-only", f"-I{RTL}", "--top-module", TOP, "-GIOTLB_SETS=3",
           *_sources()]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    assert proc.returncode != 0
    assert "power_of_two" in proc.stdout + proc.stderr


@pytest.mark.parametrize("params, message", [
    ({"QI": 0}, "qi_ir_eim_illegal"),              # IR=1 needs QI
    ({"IR": 0}, "qi_ir_eim_illegal"),              # EIM=1 needs IR
    ({"MAX_WALKS": 4, "AXI_ID_W": 2}, "axi_id_width"),  # 6 readers need 3 ID bits
])
def test_illegal_feature_parameters_stop_elaboration(params: dict[str, int], message: str) -> None:
    env = dict(os.environ)
    env["VERILATOR_ROOT"] = str(ROOT / ".venv" / "verilator_root")
    cmd = [_verilator(), "--lint-only", f"-I{RTL}", "--top-module", TOP,
           *[f"-G{k}={v}" for k, v in params.items()], *_sources()]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    assert proc.returncode != 0
    assert message in proc.stdout + proc.stderr


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))
