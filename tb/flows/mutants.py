"""Plant known bugs in copies of the RTL and check that the test suite kills each one.

    python -m tb.flows.mutants [--sim icarus] [--only NAME ...] [--tests 'tests/test_rtl_*.py']

Each mutant is one textual substitution in one RTL file (it must apply exactly once). The
copy goes to ``build/mutants/<name>/rtl``; the RTL tests run on it through ``TB_RTL_DIR``
(Icarus by default: its builds take a second). A mutant is *killed* when pytest fails.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Mutant:
    name: str
    file: str
    old: str
    new: str
    what: str


MUTANTS: tuple[Mutant, ...] = (
    Mutant("reason-top-fetch", "vtd_page_walker.v", "(lvl == top_lvl) ? 8'h03 : 8'h07", "8'h07",
           "wrong fault reason: top-level fetch error reported as 07h"),
    Mutant("reason-ctx-rsvd", "vtd_page_walker.v", "r_reason <= 8'h0B;", "r_reason <= 8'h0C;",
           "wrong fault reason: context reserved bits reported as 0Ch"),
    Mutant("inv-domain-noop", "vtd_iotlb.v",
           "2'b10:   inv_hit[i] = (e_did[i] == (inv_did & DID_MASK));",
           "2'b10:   inv_hit[i] = 1'b0;", "missed invalidation: domain-selective IOTLB"),
    Mutant("inv-psi-size", "vtd_iotlb.v",
           "g  = ({5'd0, e_ps[i]} * 7'd9 > {1'b0, inv_am}) ? {5'd0, e_ps[i]} * 7'd9 : "
           "{1'b0, inv_am};", "g  = {1'b0, inv_am};",
           "missed invalidation: PSI ignores the entry's page size"),
    Mutant("inv-cc-device-fm", "vtd_context_cache.v",
           "((e_sid[m] & fm_mask) == (inv_sid & fm_mask))", "(e_sid[m] == inv_sid)",
           "context-cache device invalidation ignores the function mask"),
    Mutant("lru-victim-mru", "vtd_iotlb_repl.v",
           "if (age[vq_set * WAYS + wv] == WAYS[WW-1:0] - 1'b1) pw = wv[WW-1:0];",
           "if (age[vq_set * WAYS + wv] == {WW{1'b0}}) pw = wv[WW-1:0];",
           "replacement slip: LRU evicts the most recently used way"),
    Mutant("plru-touch", "vtd_iotlb_repl.v", "tb_n[hit_set][node] = !hit_way[d];",
           "tb_n[hit_set][node] = hit_way[d];", "replacement slip: PLRU hit points at itself"),
    Mutant("fifo-advance", "vtd_iotlb_repl.v",
           "fill_en && fill_set == s3[SW-1:0] && fill_way == ptr[s3]",
           "fill_en && fill_set == s3[SW-1:0]", "replacement slip: FIFO advances on every fill"),
    Mutant("index-l2", "vtd_page_walker.v", "3'd2:    sl_index = q_addr[29:21];",
           "3'd2:    sl_index = q_addr[30:22];", "off-by-one: level-2 table index"),
    Mutant("fault-index-wrap", "vtd_fault_recorder.v",
           "(idx == NFR[IW-1:0]) ? {IW{1'b0}}", "(idx == NFR[IW-1:0] - 1'b1) ? {IW{1'b0}}",
           "off-by-one: fault record index wraps one early"),
    Mutant("iec-inv-while-busy", "vtd_intr_remap.v", "can_inv = (st == S_IDLE);",
           "can_inv = (st != S_AR) && (st != S_R) && (st != S_CHK);",
           "IEC invalidation completes while a remapped interrupt from the old entry waits"),
    Mutant("drain-skips-responses", "vtd_remap_unit.v", ".rsp_idle(!rsp_valid)",
           ".rsp_idle(1'b1)",
           "invalidation drain ignores answers still in the response queue"),
    Mutant("iec-kept-over-reset", "vtd_int_entry_cache.v",
           "            valid    <= {N{1'b0}};\n            rr ",
           "            valid    <= valid;\n            rr ",
           "reset leaves the interrupt entry cache's entries valid"),
    Mutant("iq-engine-kept-over-reset", "vtd_inval_queue.v",
           "            st            <= S_IDLE;\n            kick ",
           "            st            <= st;\n            kick ",
           "reset leaves the invalidation queue's engine mid-descriptor (fetch, run, status)"),
    Mutant("iec-index-inv-noop", "vtd_int_entry_cache.v",
           "if (do_inv && (inv_global || ((tag_nx & ~inv_ign) == (inv_index & ~inv_ign))))",
           "if (do_inv && inv_global)", "missed invalidation: index-selective IEC"),
    Mutant("qi-iotlb-noop", "vtd_remap_unit.v",
           "wire            tlb_inv_valid = qi_iotlb_inv_req || iotlb_inv_go;",
           "wire            tlb_inv_valid = iotlb_inv_go;",
           "missed invalidation: queued IOTLB descriptors never reach the IOTLB"),
    Mutant("wc-inv-domain-noop", "vtd_walk_cache_level.v",
           "2'b10:   inv_hit[i] = (e_did[i] == inv_did_m);", "2'b10:   inv_hit[i] = 1'b0;",
           "missed invalidation: domain-selective leaves walk-cache entries"),
    Mutant("wc-ih-ignored", "vtd_walk_cache_level.v", "inv_hit[i] = !inv_ih && ",
           "inv_hit[i] = ", "over-invalidation: IH=1 drops walk-cache entries"),
    Mutant("wc-psi-region", "vtd_walk_cache_level.v",
           "wire [6:0]          g_bits = ({1'b0, inv_am} > SH[6:0]) ? {1'b0, inv_am} : SH[6:0];",
           "wire [6:0]          g_bits = {1'b0, inv_am};",
           "missed invalidation: walk-cache PSI ignores the entry's region size"),
    Mutant("wc-resume-level", "vtd_page_walker.v", "lvl     <= w_level - 3'd1;",
           "lvl     <= w_level;", "off-by-one: a walk-cache hit resumes one level too high"),
    Mutant("missq-unused", "vtd_request_stage.v",
           "wire           mq_push   = s1_walk && !direct_ok && mq_in_ready;",
           "wire           mq_push   = 1'b0;",
           "miss queue never used: a miss waits in S1 and holds the hits behind it"),
    Mutant("merge-never", "vtd_request_stage.v",
           "wire merge_wait = (MISS_MERGE != 0) && s1_miss && (|merge_hit);",
           "wire merge_wait = 1'b0;",
           "miss merging off: every miss to a page being walked walks it again"),
    Mutant("l1-no-inv", "vtd_iotlb_l1l2.v", "wire            l1_inv        = inv_valid;",
           "wire            l1_inv        = 1'b0;",
           "missed invalidation: the two-level IOTLB's L1 keeps its entries (hit after inv)"),
    Mutant("l1-no-promote", "vtd_iotlb_l1l2.v",
           "wire            promote = lk_use && !l1_hit && l2_hit && !fill_valid;",
           "wire            promote = 1'b0;", "two-level IOTLB: used L2 hits not copied to L1"),
    Mutant("hit-ignores-perm", "vtd_request_stage.v",
           "wire tlb_ok   = tlb_hit && (s1_write ? tlb_w : tlb_r) &&",
           "wire tlb_ok   = tlb_hit &&", "IOTLB hit ignores the cached permissions"),
    Mutant("iotlb-kept-over-reset", "vtd_iotlb.v",
           "    always @(posedge clk) begin\n        if (!rst_n) begin\n"
           "            v <= {N{1'b0}};",
           "    reg warm = 1'b0;\n    always @(posedge clk) if (rst_n) warm <= 1'b1;\n"
           "    always @(posedge clk) begin\n        if (!rst_n) begin\n"
           "            if (!warm) v <= {N{1'b0}};",
           "stale after reset: the IOTLB is emptied by the power-up reset only"),
    Mutant("iedata-aliases-fedata", "vtd_reg_file.v",
           "            if (`VTD_RF_W32(`VTD_IEDATA_OFF))",
           "            if (`VTD_RF_W32(`VTD_IEDATA_OFF) || `VTD_RF_W32(`VTD_FEDATA_OFF))",
           "register aliasing: a FEDATA write also lands in IEDATA"),
    Mutant("feaddr-bit31-stuck", "vtd_reg_file.v", "feaddr  <= feaddr_v[31:2];",
           "feaddr  <= {1'b0, feaddr_v[30:2]};", "register bit stuck: FEADDR bit 31 not stored"),
    Mutant("pfo-cleared-by-zero", "vtd_reg_file.v",
           "`VTD_RF_W32(`VTD_FSTS_OFF) && fsts_ones[`VTD_FSTS_PFO_LSB];",
           "`VTD_RF_W32(`VTD_FSTS_OFF);", "RW1C slip: any FSTS write clears PFO"),
)


class StaleMutant(Exception):
    """The text to replace is not (exactly once) in the RTL any more."""


def planted(text: str, old: str, new: str, label: str) -> str:
    """``text`` with ``old`` (which must occur exactly once) replaced by ``new``: how every
    planted bug is made, here and by the formal flow (tb/flows/formal.py PLANTED)."""
    n = text.count(old)
    if n != 1:
        raise StaleMutant(f"{label}: {old!r} occurs {n} times (the RTL changed: update it)")
    return text.replace(old, new)


def make(m: Mutant, dest: Path | None = None) -> Path:
    """A copy of rtl/ with ``m`` planted, in ``dest`` (default build/mutants/<name>/rtl; a
    fixed place lets the builds of the copy be reused)."""
    dest = dest or ROOT / "build" / "mutants" / m.name / "rtl"
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(ROOT / "rtl", dest, ignore=shutil.ignore_patterns("smoke"))
    path = dest / m.file
    path.write_text(planted(path.read_text(), m.old, m.new,
                            f"mutant {m.name} in rtl/{m.file} (tb/flows/mutants.py)"))
    return dest


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tb.flows.mutants",
                                description=__doc__.split("\n")[0])
    p.add_argument("--sim", default="icarus")
    p.add_argument("--only", nargs="*", default=None)
    p.add_argument("--tests", nargs="*", default=["tests/test_rtl_faults.py",
                                                   "tests/test_rtl_caches.py",
                                                   "tests/test_rtl_random.py",
                                                   "tests/test_rtl_invalidation.py",
                                                   "tests/test_rtl_memory.py",
                                                   "tests/test_rtl_scenarios.py",
                                                   "tests/test_rtl_csr.py",
                                                   "tests/test_rtl_resets.py"])
    args = p.parse_args(argv)
    survived = []
    for m in MUTANTS:
        if args.only and m.name not in args.only:
            continue
        try:
            rtl = make(m)
        except StaleMutant as e:
            print(f"STALE    {e}")
            survived.append(m.name)
            continue
        env = dict(os.environ, TB_RTL_DIR=str(rtl), SIMS=args.sim)
        t0 = time.monotonic()
        r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-n", "2",
                            "-p", "no:cacheprovider", *args.tests], cwd=ROOT, env=env,
                           capture_output=True, text=True)
        killed = r.returncode != 0
        first = next((ln for ln in r.stdout.splitlines() if ln.startswith("FAILED")), "")
        print(f"{'KILLED  ' if killed else 'SURVIVED'} {m.name:18s} {time.monotonic() - t0:5.0f} s"
              f"  {m.what}" + (f"\n           {first[:150]}" if first else ""), flush=True)
        if not killed:
            survived.append(m.name)
    print(f"{len(survived)} mutant(s) survived" + (f": {', '.join(survived)}" if survived else ""))
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main())
