"""The isolation campaign (issue 10): the ``isolation`` generator (determinism, every probe
class, its bookkeeping against the model, the fault services), a small campaign on Verilator
whose responses, fault records and isolation totals all pass, and a planted RTL bug (an
address-width check removed) that the campaign catches. The seed is printed; ``SEED=``
replays it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from python_model.structures import touches_interrupt_range
from tb.env.runtime import seed_from_env
from tb.flows.isolation import main
from tb.flows.params import preset
from tb.flows.replay.check import apply_ops, expected_outcomes, model_for
from tb.flows.replay.trace import RegOp, read_trace, write_trace
from tb.stimulus.workloads import generate
from tb.stimulus.workloads.isolation import CLASSES, IsolationKnobs, build

ROOT = Path(__file__).resolve().parent.parent
N = 3000


@pytest.fixture
def seed() -> int:
    s = seed_from_env(11)
    print(f"SEED={s}")
    return s


def test_same_seed_same_stream_and_manifest(seed, tmp_path):
    a, b = build(N, seed), build(N, seed)
    write_trace(a.trace, tmp_path / "a.trace")
    write_trace(b.trace, tmp_path / "b.trace")
    assert (tmp_path / "a.trace").read_bytes() == (tmp_path / "b.trace").read_bytes()
    assert a.manifest == b.manifest
    c = build(N, seed + 1)
    assert c.trace.requests != a.trace.requests
    # the family is reachable by name and the trace reads back
    write_trace(generate("isolation", N, seed), tmp_path / "c.trace")
    assert read_trace(tmp_path / "c.trace").requests == a.trace.requests


def test_every_probe_class_is_present(seed):
    s = build(N, seed)
    counts = Counter(CLASSES[c] for c in s.manifest.classes)
    assert set(counts) == set(CLASSES), f"missing: {set(CLASSES) - set(counts)}"
    assert len(s.manifest.classes) == len(s.manifest.allowed) == len(s.trace.requests) == N
    # the address-space edges are really probed
    addrs = [r.addr for r in s.trace.requests]
    assert any(a >> 63 for a in addrs)
    assert any(1 << 48 <= a < 1 << 63 for a in addrs)
    assert any(1 << 39 <= a < 1 << 48 for a in addrs)
    assert any(touches_interrupt_range(r.addr, r.size) for r in s.trace.requests)
    assert any((r.addr + r.size) % (1 << 30) == 0 for r in s.trace.requests)


def test_every_segment_ends_with_a_fault_service(seed):
    k = IsolationKnobs(segment=10, edit_every=3)
    s = build(500, seed, k)
    barriers = s.trace.barriers()
    assert s.manifest.services >= 500 // 14 and s.manifest.edits >= s.manifest.services // 3 - 1
    assert barriers[-1] == len(s.trace.requests)  # the last faults are serviced too
    cfg_records = 8
    for i in barriers:
        reads = [op.reg for op in s.trace.ops[i] if isinstance(op, RegOp) and op.op == "read"]
        assert reads[0] == "FSTS" and len(reads) == 1 + 2 * cfg_records
    gaps = [b - a for a, b in zip([0, *barriers], barriers, strict=False)]
    assert max(gaps) <= 10 + 1 + 4  # a warm-up may overshoot; an edit's probes follow it


def test_generator_bookkeeping_agrees_with_the_model(seed):
    """The two oracles, the builder's record of each domain and the golden model, give the
    same output address for every request (and both block the same ones). Recomputing every
    memoized answer (spot_every=1) also shows the check's key (sid, 4 KB page with every
    address bit above it, write) decides the outcome: probes differing only in high bits or
    size are never conflated."""
    s = build(N, seed)
    params = preset("default")
    outcomes = expected_outcomes(s.trace, params, spot_every=1)
    for i, (r, (fault, value), allowed) in enumerate(
            zip(s.trace.requests, outcomes, s.manifest.allowed, strict=True)):
        model = -1 if fault else value | (r.addr & 0xFFF)
        said = f"fault {value:#x}" if fault else hex(model)
        assert model == allowed, (f"SEED={seed} request #{i} {CLASSES[s.manifest.classes[i]]} "
                                  f"sid={r.sid:#06x} addr={r.addr:#x}: model {said}, "
                                  f"generator {allowed:#x}")
    reasons = Counter(v for f, v in outcomes if f)
    # every reason the probes are built to reach
    for reason in (0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0A, 0x0B, 0x0C, 0x0E, 0x29):
        assert reasons[reason], f"SEED={seed}: no fault {reason:#04x} among {dict(reasons)}"


def test_model_reads_fault_state_the_trace_asks_for(seed):
    """Driver reads are applied on the model without error (every register name exists)."""
    s = build(200, seed)
    unit = model_for(s.trace, preset("default"))
    for i in s.trace.barriers():
        apply_ops(unit, s.trace.ops[i], f"ops before #{i}")


@pytest.mark.parametrize("args, word", [
    (["--seeds", "x"], "--seeds"), (["--n", "0"], "--n"), (["--set", "segment=0"], "segment"),
    (["--set", "bogus=1"], "bogus"), (["--params", "nope"], "nope"),
])
def test_bad_arguments_exit_2_naming_them(args, word, capsys):
    assert main(args) == 2
    assert word in capsys.readouterr().err


@pytest.mark.sim
def test_small_campaign_on_verilator_passes(seed, capsys):
    rc = main(["--seeds", str(seed), "--n", str(N)])
    text = capsys.readouterr().out
    assert rc == 0, f"SEED={seed}\n{text}"
    assert f"{N} requests" in text
    assert "isolation       : 0 translations outside" in text
    assert "result          : PASS" in text
    assert "recorded +" in text and "(0 response or register mismatches)" in text


# An address-width check removed from a copy of the RTL: the walker no longer faults an input
# address at or above 2^min(MGAW, AGAW) (§3.2 step 11), so the probe translates through the
# lower index bits into a page of the domain at another address.
PLANTED = ("vtd_page_walker.v", "above_x = (a >> xlim) != 64'd0;", "above_x = 1'b0;")


@pytest.mark.sim
def test_planted_address_width_bug_is_caught(seed):
    rtl = ROOT / "build" / "isolation" / "planted" / "rtl"  # stable: the build is reused
    if rtl.exists():
        shutil.rmtree(rtl)
    shutil.copytree(ROOT / "rtl", rtl)
    name, old, new = PLANTED
    text = (rtl / name).read_text()
    assert text.count(old) == 1, "the planted bug no longer applies"
    (rtl / name).write_text(text.replace(old, new))
    env = dict(os.environ, TB_RTL_DIR=str(rtl))
    proc = subprocess.run([sys.executable, "-m", "tb.flows.isolation", "--seeds", str(seed),
                           "--n", str(N)], cwd=ROOT, env=env, capture_output=True, text=True)
    assert proc.returncode == 1, f"SEED={seed}\n{proc.stdout}\n{proc.stderr}"
    assert "ISOLATION request #" in proc.stdout and "outside its domain" in proc.stdout
    assert "MISMATCH request #" in proc.stdout
