"""Replay mode (tb.flows.replay, tb/replay/): a generated stream replays through the Verilog
player with every response and the fault state after it matching the golden model; an altered
response, an altered fault record, a bad trace file and a planted RTL bug are each reported.
Streams are a few thousand requests; the seed is printed and ``SEED=`` replays it."""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from python_model.regmap import RegisterMap
from tb.env.runtime import seed_from_env
from tb.flows.mutants import MUTANTS, make
from tb.flows.params import preset
from tb.flows.replay.check import check_responses
from tb.flows.replay.cli import main
from tb.flows.replay.gen import generate
from tb.flows.replay.images import MIN_SLOTS_LOG2
from tb.flows.replay.run import build_dir, read_responses
from tb.flows.replay.trace import read_trace, write_trace

pytestmark = pytest.mark.sim

ROOT = Path(__file__).resolve().parent.parent
N = 3000


def _trace(tmp_path: Path, profile: str = "mixed", n: int = N) -> tuple[Path, int]:
    seed = seed_from_env(7)
    print(f"SEED={seed}")
    path = tmp_path / f"{profile}.trace"
    write_trace(generate(n, seed, profile), path)
    return path, seed


def test_generated_stream_replays_with_every_response_matching(tmp_path, capsys):
    trace, seed = _trace(tmp_path)
    out = tmp_path / "mixed.rsp"
    rc = main(["run", str(trace), "--out", str(out)])
    text = capsys.readouterr().out
    assert rc == 0, f"SEED={seed}\n{text}"
    assert f"PASS: {N} checked" in text and "latency" in text
    # The memoized check agrees with the scoreboard's way (model per request, committed).
    full = check_responses(read_trace(trace), read_responses(out), preset("default"),
                           memo=False, reference=False)
    assert full.ok and full.checked == N, full.mismatches


def test_hit_profile_hits_and_miss_profile_walks(tmp_path, capsys):
    for profile in ("hit", "miss"):
        trace, seed = _trace(tmp_path, profile, 2000)
        rc = main(["run", str(trace), "--out", str(tmp_path / f"{profile}.rsp"),
                   "--no-reference"])
        text = capsys.readouterr().out
        assert rc == 0, f"SEED={seed}\n{text}"
        rsp = read_responses(tmp_path / f"{profile}.rsp")
        hits = rsp.perf[0xF08] / rsp.perf[0xF00]
        assert (hits > 0.9) if profile == "hit" else (hits < 0.2), f"{profile}: {hits:.2f}"


def test_one_altered_response_is_reported_naming_its_request(tmp_path, capsys):
    trace, seed = _trace(tmp_path)
    out = tmp_path / "ok.rsp"
    assert main(["run", str(trace), "--out", str(out), "--no-reference"]) == 0
    capsys.readouterr()
    lines = out.read_text().splitlines()
    at = [i for i, line in enumerate(lines) if line.startswith("R ")][N // 2]
    w = lines[at].split()
    if w[3] == "1":
        w[4] = f"{int(w[4], 16) ^ 0x01:02x}"  # another fault reason
    else:
        w[5] = f"{int(w[5], 16) ^ 0x1000:016x}"  # another page
    lines[at] = " ".join(w)
    bad = tmp_path / "altered.rsp"
    bad.write_text("\n".join(lines) + "\n")
    rc = main(["check", str(trace), str(bad)])
    text = capsys.readouterr().out
    req = read_trace(trace).requests[int(w[1])]
    assert rc == 1, text
    assert text.count("MISMATCH") == 1, text
    assert f"request #{w[1]} (sid={req.sid:#06x} addr={req.addr:#x}" in text, text
    assert "RTL answered" in text and "model" in text


def test_fault_records_after_the_stream_are_compared(tmp_path, capsys):
    """The player reads FSTS and every fault record after the stream; they equal the model's
    (which records the stream's faults in response order), and one altered record is a
    mismatch naming the register."""
    trace, seed = _trace(tmp_path)
    out = tmp_path / "ok.rsp"
    assert main(["run", str(trace), "--out", str(out), "--no-reference"]) == 0
    assert "fault state   : FSTS and 16 FRCD qwords after the stream, all equal" in \
        capsys.readouterr().out
    rsp = read_responses(out)
    rep = check_responses(read_trace(trace), rsp, preset("default"), reference=False)
    assert rep.ok and len(rep.registers) == 1 + 2 * 8, rep.registers
    recorded = [r for r in rep.registers if r.name.endswith("_HI") and r.model >> 63]
    assert recorded, f"SEED={seed}: the stream recorded no fault (F=1 in no FRCD)"
    lines = out.read_text().splitlines()
    offset = RegisterMap(8).by_name(recorded[0].name).offset
    at = next(i for i, line in enumerate(lines)
              if line.startswith("F ") and int(line.split()[1], 16) == offset)
    w = lines[at].split()
    w[2] = f"{int(w[2], 16) ^ (1 << 32):016x}"  # another fault reason in FRCD.FR
    lines[at] = " ".join(w)
    bad = tmp_path / "altered.rsp"
    bad.write_text("\n".join(lines) + "\n")
    rc = main(["check", str(trace), str(bad)])
    text = capsys.readouterr().out
    assert rc == 1, text
    assert "1 fault-register mismatch(es)" in text, text
    assert f"MISMATCH fault register {recorded[0].name}: RTL " in text, text


@pytest.mark.parametrize("lineno, line, words", [
    (1, "vtd-replay/9", ["first line", "vtd-replay/1"]),
    (9, "0100 1000 r 0", ["size 0"]),
    (9, "01zz 1000 r 8", ["sid", "01zz"]),
    (9, "0100 1000 x 8", ["write field"]),
    (7, "write NOPE 1", ["unknown register", "NOPE"]),
    (5, "zz00000000000001", ["memory word 1"]),
])
def test_bad_trace_file_exits_2_naming_line_and_field(tmp_path, capsys, lineno, line, words):
    good = ["vtd-replay/1", "seed 1", "[memory]", "@10000000", "0000000000000001",
            "[registers]", "write RTADDR 10000000", "[requests]", "0100 1000 r 8"]
    good[lineno - 1] = line
    path = tmp_path / "bad.trace"
    path.write_text("\n".join(good) + "\n")
    rc = main(["run", str(path), "--out", str(tmp_path / "x.rsp")])
    err = capsys.readouterr().err
    assert rc == 2, err
    assert f"bad.trace:{lineno}" in err, err
    for word in words:
        assert word in err, err


@pytest.mark.parametrize("magic, line, words", [
    ("vtd-replay/1", "mem 10000000 5", ["a 'mem' line", "vtd-replay/2"]),
    ("vtd-replay/2", "mem 10000004 5", ["not 8-byte aligned"]),
    ("vtd-replay/2", "mem zz 5", ["mem address", "zz"]),
    ("vtd-replay/2", "mem 10000000", ["expected 'mem addr value'"]),
    ("vtd-replay/2", "poll GSTS 1 2", ["outside mask"]),
])
def test_bad_operation_lines_exit_2_naming_line(tmp_path, capsys, magic, line, words):
    text = [magic, "[memory]", "@10000000", "0000000000000001", "[registers]",
            "write RTADDR 10000000", "[requests]", "0100 1000 r 8", line, "0100 2000 r 8"]
    path = tmp_path / "bad.trace"
    path.write_text("\n".join(text) + "\n")
    rc = main(["run", str(path), "--out", str(tmp_path / "x.rsp")])
    err = capsys.readouterr().err
    assert rc == 2, err
    assert "bad.trace:9" in err, err
    for word in words:
        assert word in err, err


def test_planted_rtl_bug_is_caught_by_replay(tmp_path):
    mutant = next(m for m in MUTANTS if m.name == "index-l2")
    rtl = make(mutant, ROOT / "build" / "replay" / "mutants" / mutant.name / "rtl")
    trace, seed = _trace(tmp_path)
    env = dict(os.environ, TB_RTL_DIR=str(rtl))
    proc = subprocess.run([sys.executable, "-m", "tb.flows.replay", "run", str(trace),
                           "--out", str(tmp_path / "mutant.rsp"), "--no-reference"],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    assert proc.returncode == 1, f"SEED={seed}\n{proc.stdout}\n{proc.stderr}"
    assert "MISMATCH request #" in proc.stdout, proc.stdout


def test_the_player_runs_on_icarus_too(tmp_path, capsys):
    if shutil.which("iverilog") is None:
        pytest.skip("iverilog is not installed")
    trace, seed = _trace(tmp_path, "mixed", 500)
    rc = main(["run", str(trace), "--sim", "icarus", "--out", str(tmp_path / "ivl.rsp"),
               "--no-reference"])
    text = capsys.readouterr().out
    assert rc == 0, f"SEED={seed}\n{text}"
    assert "PASS: 500 checked" in text
    # Verilator writes the R lines through its DPI-C writer, Icarus through $fwrite: the
    # same RTL gives the same responses on the same cycles, so the files are identical.
    rc = main(["run", str(trace), "--out", str(tmp_path / "vl.rsp"), "--no-reference"])
    assert rc == 0, f"SEED={seed}\n{capsys.readouterr().out}"
    _same_response_files(tmp_path / "vl.rsp", "verilator", tmp_path / "ivl.rsp", "icarus", 500,
                         seed)


def _same_response_files(first: Path, first_name: str, second: Path, second_name: str,
                         responses: int, seed: int) -> None:
    """Two response files of one stream are identical line for line, with ``responses`` R
    lines; a difference is reported with its line number."""
    one, two = first.read_text().splitlines(), second.read_text().splitlines()
    assert sum(line.startswith("R ") for line in one) == responses
    assert one == two, f"SEED={seed}: " + next(
        f"line {i + 1}: {first_name} {a!r}, {second_name} {b!r}" for i, (a, b) in
        enumerate(itertools.zip_longest(one, two, fillvalue="")) if a != b)


def test_profile_guided_player_gives_the_same_responses(tmp_path, capsys):
    """`--pgo` (the bench's player) changes how GCC lays out the model's code, never what it
    computes: the response file equals the plain build's line for line, and the build really
    trained (its log holds the instrumented build, the profile-using one, and no missing
    profile)."""
    trace, seed = _trace(tmp_path, "mixed", 1500)
    rc = main(["run", str(trace), "--pgo", "--out", str(tmp_path / "pgo.rsp"), "--no-reference"])
    text = capsys.readouterr().out
    assert rc == 0, f"SEED={seed}\n{text}"
    assert "profile-guided" in text and "PASS: 1500 checked" in text
    rc = main(["run", str(trace), "--out", str(tmp_path / "plain.rsp"), "--no-reference"])
    assert rc == 0, f"SEED={seed}\n{capsys.readouterr().out}"
    _same_response_files(tmp_path / "pgo.rsp", "pgo", tmp_path / "plain.rsp", "plain", 1500,
                         seed)
    log = (build_dir(preset("default"), MIN_SLOTS_LOG2, pgo=True) / "build.log").read_text()
    assert "-fprofile-generate=" in log and "-fprofile-use=" in log, log[-2000:]
    assert "profile count data" not in log
    assert main(["run", str(trace), "--pgo", "--sim", "icarus"]) == 2
    assert "--pgo is a Verilator build option" in capsys.readouterr().err


def _nic_trace(tmp_path: Path, n: int, drop_invalidations: bool = False) -> tuple[Path, int]:
    """A NIC stream that unmaps and remaps buffers between passes (trace version 2)."""
    from tb.flows.replay.trace import RegOp
    from tb.stimulus.workloads import generate as workload

    seed = seed_from_env(7)
    print(f"SEED={seed}")
    trace = workload("nic", n, seed, {"ring": 16, "napi": 8, "invalidation": "strict"})
    assert trace.barriers(), "the NIC stream should change the tables between requests"
    if drop_invalidations:
        trace.ops = {i: [op for op in ops if not (isinstance(op, RegOp)
                                                  and op.reg in ("IVA", "IOTLB"))]
                     for i, ops in trace.ops.items()}
    path = tmp_path / ("nic-noinv.trace" if drop_invalidations else "nic.trace")
    write_trace(trace, path)
    return path, seed


def test_table_changes_between_requests_replay_and_are_checked(tmp_path, capsys):
    """Version-2 traces: the player stores table entries and invalidates between requests.
    Remapped IOVAs (new output pages) match the model only because the player applied the
    stores and the invalidations; without the invalidations the IOTLB answers stale pages."""
    trace, seed = _nic_trace(tmp_path, 2000)
    assert read_trace(trace).barriers()
    rc = main(["run", str(trace), "--out", str(tmp_path / "nic.rsp"), "--no-reference"])
    text = capsys.readouterr().out
    assert rc == 0, f"SEED={seed}\n{text}"
    assert "PASS: 2000 checked" in text
    rsp = read_responses(tmp_path / "nic.rsp")
    full = check_responses(read_trace(trace), rsp, preset("default"), memo=False,
                           reference=False)
    assert full.ok, full.mismatches
    stale, seed = _nic_trace(tmp_path, 2000, drop_invalidations=True)
    rc = main(["run", str(stale), "--out", str(tmp_path / "stale.rsp"), "--no-reference"])
    text = capsys.readouterr().out
    assert rc == 1, f"SEED={seed}: a stream without invalidations should mismatch\n{text}"
    assert "MISMATCH request #" in text


def test_version2_trace_runs_on_icarus_too(tmp_path, capsys):
    if shutil.which("iverilog") is None:
        pytest.skip("iverilog is not installed")
    trace, seed = _nic_trace(tmp_path, 300)
    rc = main(["run", str(trace), "--sim", "icarus", "--out", str(tmp_path / "ivl.rsp"),
               "--no-reference"])
    text = capsys.readouterr().out
    assert rc == 0, f"SEED={seed}\n{text}"
    assert "PASS: 300 checked" in text


@pytest.mark.parametrize("params", ["walkcache", "l1l2", "missq"])
def test_new_cache_settings_replay_with_counters_checked(tmp_path, capsys, params):
    """Walk caches, the two-level IOTLB and the miss queue replay a pipelined stream with every
    response matching and every order-independent counter equal to its expectation (walk
    reads = bursts served, look-ups, walk-cache look-ups at most one per walk)."""
    seed = seed_from_env(7)
    print(f"SEED={seed}")
    trace = tmp_path / f"{params}.trace"
    write_trace(generate(2000, seed, "mixed", params), trace)
    rc = main(["run", str(trace), "--out", str(tmp_path / f"{params}.rsp")])
    text = capsys.readouterr().out
    assert rc == 0, f"SEED={seed}\n{text}"
    assert "PASS: 2000 checked" in text
    rsp = read_responses(tmp_path / f"{params}.rsp")
    full = check_responses(read_trace(trace), rsp, preset(params), reference=True)
    assert full.ok, (full.mismatches, [r for r in full.counters if not r.ok])
    names = {r.name for r in full.counters}
    assert {"PERF_WC_HITS", "PERF_WC_MISSES"} <= names
    if params == "walkcache":
        wc = next(r.rtl for r in full.counters if r.name == "PERF_WC_HITS")
        assert wc > 0, "the walk cache never hit on a mixed stream"


def test_response_lines_keep_the_order_of_events_across_the_writer_thread(tmp_path, capsys):
    """Under Verilator the R lines are formatted on a second thread, handed over 4,096 at a
    time, and every other line waits for them: in a NIC stream longer than a hand-over, with
    table changes between passes, each B line comes after exactly the responses of the
    requests before its index, and none of them after it; T comes after all of them."""
    trace, seed = _nic_trace(tmp_path, 9000)
    out = tmp_path / "nic.rsp"
    rc = main(["run", str(trace), "--out", str(out), "--no-reference"])
    text = capsys.readouterr().out
    assert rc == 0, f"SEED={seed}\n{text}"
    answered: set[int] = set()
    barriers = 0
    for no, line in enumerate(out.read_text().splitlines(), start=1):
        w = line.split()
        if w[0] == "R":
            answered.add(int(w[1]))
        elif w[0] == "B":
            barriers += 1
            assert answered == set(range(int(w[1]))), \
                f"SEED={seed}: line {no} ({line}) is not after exactly its segment's responses"
        elif w[0] == "T":
            assert len(answered) == 9000, f"SEED={seed}: line {no} ({line}) came early"
    assert barriers == len(read_trace(trace).barriers()), f"SEED={seed}"


@pytest.mark.parametrize("image,line,words", [
    ("prog.hex", "10f0180000000040000000000000000000000z", "prog.hex line 2 is not a program"),
    ("mem_data.hex", "@zz", "mem_data.hex line 1 is not an image line"),
])
def test_a_malformed_player_image_is_reported_naming_file_and_line(tmp_path, image, line,
                                                                    words):
    """The Verilator player reads its program and memory image in C++: a line that is not a
    record stops it with the file and the line, before any response."""
    from tb.flows.replay import images as img
    from tb.flows.replay.run import build_player, run_player

    images = img.write_images(generate(50, 3, "mixed"), tmp_path / "images")
    path = tmp_path / "images" / image
    lines = path.read_text().splitlines()
    at = 1 if image == "prog.hex" else 0
    lines[at] = line
    path.write_text("\n".join(lines) + "\n")
    result = run_player(build_player(preset("default"), images.slots_log2), images.plusargs(),
                        tmp_path / "out.rsp")
    assert not result.responses
    assert any(words in e for e in result.errors), result.errors
