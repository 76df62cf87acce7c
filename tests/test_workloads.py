"""Workload families (tb/stimulus/workloads): each generator is deterministic for a seed and
records it, its knobs change the stream as doc/workloads.md says, every request of every
family translates on the model (the tables and the operations between requests agree), bad
knobs are refused naming the knob, and a trace converts to a scenario the model passes.
Pure Python; the seed comes from SEED (default 3) and is printed."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from python_model.scenario.execute import run_model
from python_model.scenario.parse import parse_document
from tb.env.runtime import seed_from_env
from tb.flows.params import preset
from tb.flows.replay.check import expected_outcomes
from tb.flows.replay.trace import MemWrite, RegOp, read_trace, write_trace
from tb.stimulus.workloads import FAMILIES, WorkloadError, generate, knobs_of
from tb.stimulus.workloads.cli import main
from tb.stimulus.workloads.scenario import trace_to_scenario

N = 3000


@pytest.fixture(scope="module")
def seed() -> int:
    s = seed_from_env(3)
    print(f"SEED={s}")
    return s


def _reg_writes(trace, reg: str) -> list[RegOp]:
    return [op for ops in trace.ops.values() for op in ops
            if isinstance(op, RegOp) and op.op == "write" and op.reg == reg]


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_deterministic_by_seed_and_seed_recorded(family, seed):
    a = generate(family, N, seed)
    b = generate(family, N, seed)
    c = generate(family, N, seed + 1)
    assert a.requests == b.requests and a.ops == b.ops and a.memory == b.memory
    assert len(a.requests) == N
    assert a.header["seed"] == str(seed) and a.header["profile"] == family
    assert a.requests != c.requests, "a different seed gave the same stream"


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_every_request_translates_and_the_trace_round_trips(family, seed, tmp_path):
    trace = generate(family, N, seed)
    outcomes = expected_outcomes(trace, preset("default"))
    faults = [i for i, (fault, _) in enumerate(outcomes) if fault]
    assert not faults, f"SEED={seed}: request #{faults[0]} faults: {trace.requests[faults[0]]}"
    for r in trace.requests:
        assert 1 <= r.size <= 4096 and (r.addr & 0xFFF) + r.size <= 4096
    path = tmp_path / f"{family}.trace"
    write_trace(trace, path)
    back = read_trace(path)
    assert back.requests == trace.requests and back.ops == trace.ops
    assert back.memory == trace.memory and back.registers == trace.registers


def test_nic_invalidation_modes(seed):
    k = {"ring": 32, "napi": 16, "batch": 40}
    strict = generate("nic", N, seed, {**k, "invalidation": "strict"})
    batched = generate("nic", N, seed, {**k, "invalidation": "batched"})
    static = generate("nic", N, seed, {**k, "invalidation": "static"})
    assert not static.ops
    # strict: one page-selective invalidation (IVA + IOTLB write) per unmapped buffer
    unmaps = sum(1 for ops in strict.ops.values() for op in ops
                 if isinstance(op, MemWrite) and op.value == 0)
    assert unmaps > 0 and len(_reg_writes(strict, "IVA")) == unmaps
    assert len(_reg_writes(strict, "IOTLB")) == unmaps
    # batched: no page-selective ones, one domain-selective per `batch` unmaps
    b_unmaps = sum(1 for ops in batched.ops.values() for op in ops
                   if isinstance(op, MemWrite) and op.value == 0)
    assert not _reg_writes(batched, "IVA")
    assert len(_reg_writes(batched, "IOTLB")) == b_unmaps // 40
    # operations come between passes of `napi` packets, never inside one
    assert len(strict.barriers()) >= 2
    # strict reuses IOVAs at once (LIFO): fewer distinct buffer pages than batched
    pages = [len({r.addr >> 12 for r in t.requests}) for t in (strict, batched)]
    assert pages[0] < pages[1]


def test_nic_tx_fraction_sets_the_data_direction(seed):
    def data_writes(tx: float) -> Counter[bool]:
        t = generate("nic", N, seed, {"tx_fraction": tx, "invalidation": "static"})
        return Counter(r.write for r in t.requests if r.size > 16)
    assert data_writes(0.0)[False] == 0  # receive only: the device writes every buffer
    assert data_writes(1.0)[True] == 0   # transmit only: it reads them


def test_window_knobs(seed):
    small = generate("window", N, seed, {"window": 64 * 4096})
    big = generate("window", N, seed, {"window": 4096 * 4096})
    pages = [len({r.addr >> 12 for r in t.requests}) for t in (small, big)]
    assert pages[0] <= 64 < pages[1]
    base = min(r.addr for r in small.requests)
    assert max(r.addr for r in small.requests) < base + 64 * 4096
    seq = generate("window", 200, seed, {"pattern": "sequential", "transfer": 128})
    steps = {b.addr - a.addr for a, b in zip(seq.requests, seq.requests[1:], strict=False)}
    assert steps == {128}
    # 2 MB pages: the same window needs no last-level tables (less table memory)
    four_k = generate("window", 100, seed, {"window": 8 << 20, "page_size": "4k"})
    two_m = generate("window", 100, seed, {"window": 8 << 20, "page_size": "2m"})
    assert len(two_m.memory) < len(four_k.memory)
    outs = expected_outcomes(two_m, preset("default"))
    # a 2 MB page maps contiguously: output minus input is constant within each 2 MB page
    deltas = {(r.addr >> 21, out[1] - (r.addr & ~0xFFF))
              for r, out in zip(two_m.requests, outs, strict=True)}
    assert len(deltas) == len({r.addr >> 21 for r in two_m.requests})


def test_tenants_schedules(seed):
    rr = generate("tenants", 400, seed, {"tenants": 5, "burst": 4, "schedule": "rr"})
    sids = [r.sid for r in rr.requests]
    assert len(set(sids)) == 5
    turns = [sids[i] for i in range(0, len(sids), 4)]
    assert all(sids[i:i + 4] == [turns[i // 4]] * len(sids[i:i + 4])
               for i in range(0, len(sids), 4))
    assert turns[:10] == sorted(set(sids)) + sorted(set(sids))  # in turn, in order
    rnd = generate("tenants", 4000, seed, {"tenants": 5, "burst": 8, "schedule": "random"})
    runs, prev = [], None
    for r in rnd.requests:
        if r.sid != prev:
            runs.append(0)
            prev = r.sid
        runs[-1] += 1
    assert len(set(runs)) > 3  # burst lengths vary
    assert 4 < sum(runs) / len(runs) < 16  # mean near 8 (tenant repeats merge bursts)
    per = {s: {r.addr >> 12 for r in rnd.requests if r.sid == s} for s in set(sids)}
    assert all(len(p) <= 8 for p in per.values())  # default pages=8 per tenant


def test_storage_knobs(seed):
    contiguous = generate("storage", N, seed, {"scatter": False, "queue_depth": 1,
                                               "io_bytes": 65536, "chunk": 1024})
    scattered = generate("storage", N, seed, {"scatter": True, "queue_depth": 1,
                                              "io_bytes": 65536, "chunk": 1024})
    def data(t):
        return [r for r in t.requests if r.addr >= 0x4000_0000]
    assert {r.size for r in data(contiguous)} == {1024}
    def steps(t):
        d = data(t)
        return [b.addr - a.addr for a, b in zip(d, d[1:], strict=False)]
    steps_c, steps_s = steps(contiguous), steps(scattered)
    assert Counter(steps_c)[1024] > 0.9 * len(steps_c)  # one command at a time, in order
    assert Counter(steps_s)[1024] < 0.9 * len(steps_s)  # page jumps inside a buffer
    deep = generate("storage", N, seed, {"queue_depth": 8, "io_bytes": 65536})
    firsts = [r for r in deep.requests if 0x1000_0000 <= r.addr < 0x1001_0000]
    assert len({r.addr for r in firsts}) == 8  # 8 submission slots in use


def test_gather_knobs(seed):
    once = generate("gather", 640, seed, {"fanout": 64, "passes": 1})
    twice = generate("gather", 640, seed, {"fanout": 64, "passes": 2})
    assert len({r.addr for r in once.requests}) > 600
    for g in range(0, 640, 128):
        assert twice.requests[g:g + 64] == twice.requests[g + 64:g + 128]
    hot = generate("gather", 2000, seed, {"hot_fraction": 1.0, "hot_pages": 4})
    assert len({r.addr >> 12 for r in hot.requests}) <= 4


@pytest.mark.parametrize("family, knobs, word", [
    ("nic", {"rings": 2}, "rings"),
    ("nic", {"invalidation": "lazy"}, "invalidation"),
    ("window", {"window": 5000}, "window"),
    ("window", {"window": 1 << 20, "page_size": "2m"}, "multiple of page_size"),
    ("storage", {"io_bytes": 6000}, "io_bytes"),
    ("storage", {"region_mb": 1, "io_bytes": 2 << 20}, "region_mb"),
    ("tenants", {"tenants": 0}, "tenants"),
    ("storage", {"scatter": "yes"}, "scatter"),
    ("gather", {"fanout": "many"}, "fanout"),
    ("disk", {}, "disk"),
])
def test_bad_knobs_are_named(family, knobs, word, seed):
    with pytest.raises(WorkloadError, match=word):
        generate(family, 100, seed, knobs)


def test_cli_gen_list_and_errors(tmp_path, capsys, seed):
    out = tmp_path / "t.trace"
    assert main(["gen", "tenants", "--n", "500", "--seed", str(seed), "--set", "burst=2",
                 "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert f"SEED={seed}" in text and "burst=2" in text
    assert read_trace(out).header["knobs"].count("burst=2") == 1
    assert main(["list"]) == 0
    listing = capsys.readouterr().out
    assert all(f in listing for f in FAMILIES) and "invalidation" in listing
    assert main(["gen", "nic", "--n", "10", "--set", "nope=1", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "nope" in err and "Traceback" not in err


def test_knob_defaults_are_valid():
    for name, fam in FAMILIES.items():
        assert knobs_of(name) == fam.knobs()


def test_trace_to_scenario_passes_on_the_model(seed, tmp_path):
    trace = generate("nic", 300, seed, {"ring": 16, "napi": 8, "invalidation": "strict"})
    assert trace.ops, "the stream should change the tables between requests"
    doc = trace_to_scenario(trace, "nic-small")
    ops = Counter(s["op"] for s in doc["steps"])
    assert ops["dma"] == 300 and ops["mem_write"] > 0 and ops["reg_write"] > 0
    run = run_model(parse_document(doc, "nic-small"))
    assert run.ok, (run.expect_failures[:3], run.problems[:3])
    # the CLI writes the same file
    path = tmp_path / "nic.trace"
    write_trace(trace, path)
    assert main(["scenario", str(path), "--out", str(tmp_path / "nic.json")]) == 0


def test_scenario_expectations_can_fail(seed):
    """The converted scenario really checks: a wrong expected address is reported."""
    trace = generate("tenants", 50, seed, {"tenants": 2})
    doc = trace_to_scenario(trace, "t")
    dma = next(s for s in doc["steps"] if s["op"] == "dma")
    dma["expect"]["hpa"] = hex(int(dma["expect"]["hpa"], 16) ^ 0x1000)
    assert not run_model(parse_document(doc, "t")).ok


def test_family_docs_match_the_knobs():
    text = (Path(__file__).resolve().parent.parent / "doc" / "workloads.md").read_text()
    for name, fam in FAMILIES.items():
        assert f"`{name}`" in text
        for f in fam.knobs.__dataclass_fields__:
            assert f"`{f}`" in text, f"doc/workloads.md lacks knob {name}.{f}"
