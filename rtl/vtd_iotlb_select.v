// vtd_iotlb_select: the IOTLB interface of vtd_remap_unit, and the choice of
// its implementation by IMPL (doc/architecture.md, "Writing your own IOTLB").
//
//   IMPL 0  vtd_iotlb       set-associative: SETS x WAYS, replacement REPL
//   IMPL 1  vtd_iotlb_l1l2  fully associative L1 (L1_ENTRIES, L1_REPL) in
//                           front of the set-associative L2 (SETS, WAYS, REPL)
//   other   elaboration error vtd_error_iotlb_impl_unknown
//
// The interface (every implementation has exactly these ports):
//   look-up, combinational on registered state: lk_sid, lk_addr ->
//     lk_hit, lk_ps (0 4 KB, 1 2 MB, 2 1 GB), lk_frame (HPA bits HAW-1:12,
//     low 9*PS bits zero), lk_r, lk_w. An address at or above 2^MGAW never
//     hits. The unit uses a hit only when it grants the request's permission
//     and its output avoids the interrupt range; then lk_use is 1 in that
//     cycle (for replacement state).
//   fill (a walk's successful translation, in the cycle its answer enters the
//     response queue): fill_valid, fill_sid, fill_did (masked to the ND width
//     inside), fill_vpn (address bits MGAW-1:12, low 9*PS bits zero),
//     fill_ps, fill_frame, fill_r, fill_w (R/W ANDed over all levels).
//     Never in the same cycle as lk_use or inv_valid.
//   invalidation, one cycle: inv_valid, inv_gran (01 global, 10 domain,
//     11 page-selective; 00 nothing), inv_did, inv_vpn, inv_am: remove every
//     entry of the DID whose page overlaps [inv_vpn & ~(2^AM-1), +2^AM) pages
//     (doc/vtd-rules.md sec. 6.2). Removing more is architecturally allowed,
//     but the cache reference (tb/ref/caches.py) predicts the counters
//     exactly, so an implementation documents what it removes.
module vtd_iotlb_select #(
    parameter integer IMPL       = 0,
    parameter integer SETS       = 16,
    parameter integer WAYS       = 4,
    parameter integer REPL       = 1,
    parameter integer L1_ENTRIES = 4,
    parameter integer L1_REPL    = 0,
    parameter integer HAW        = 48,
    parameter integer MGAW       = 48,
    parameter integer ND         = 2
) (
    input  wire             clk,
    input  wire             rst_n,
    input  wire [15:0]      lk_sid,
    input  wire [63:0]      lk_addr,
    output wire             lk_hit,
    output wire [1:0]       lk_ps,
    output wire [HAW-13:0]  lk_frame,
    output wire             lk_r,
    output wire             lk_w,
    input  wire             lk_use,
    input  wire             fill_valid,
    input  wire [15:0]      fill_sid,
    input  wire [15:0]      fill_did,
    input  wire [MGAW-13:0] fill_vpn,
    input  wire [1:0]       fill_ps,
    input  wire [HAW-13:0]  fill_frame,
    input  wire             fill_r,
    input  wire             fill_w,
    input  wire             inv_valid,
    input  wire [1:0]       inv_gran,
    input  wire [15:0]      inv_did,
    input  wire [MGAW-13:0] inv_vpn,
    input  wire [5:0]       inv_am
);
    generate
        if (IMPL == 0) begin : g_setassoc
            /* verilator lint_off UNUSEDSIGNAL */
            // the DID of a hit is not part of the interface
            wire [15:0] unused_did;
            /* verilator lint_on UNUSEDSIGNAL */
            vtd_iotlb #(
                .SETS(SETS), .WAYS(WAYS), .REPL(REPL), .HAW(HAW), .MGAW(MGAW), .ND(ND)
            ) u_iotlb (
                .clk(clk), .rst_n(rst_n),
                .lk_sid(lk_sid), .lk_addr(lk_addr), .lk_hit(lk_hit), .lk_ps(lk_ps),
                .lk_frame(lk_frame), .lk_r(lk_r), .lk_w(lk_w), .lk_did(unused_did),
                .lk_use(lk_use),
                .fill_valid(fill_valid), .fill_sid(fill_sid), .fill_did(fill_did),
                .fill_vpn(fill_vpn), .fill_ps(fill_ps), .fill_frame(fill_frame),
                .fill_r(fill_r), .fill_w(fill_w),
                .inv_valid(inv_valid), .inv_gran(inv_gran), .inv_did(inv_did),
                .inv_vpn(inv_vpn), .inv_am(inv_am)
            );
        end else if (IMPL == 1) begin : g_l1l2
            vtd_iotlb_l1l2 #(
                .SETS(SETS), .WAYS(WAYS), .REPL(REPL), .L1_ENTRIES(L1_ENTRIES),
                .L1_REPL(L1_REPL), .HAW(HAW), .MGAW(MGAW), .ND(ND)
            ) u_iotlb (
                .clk(clk), .rst_n(rst_n),
                .lk_sid(lk_sid), .lk_addr(lk_addr), .lk_hit(lk_hit), .lk_ps(lk_ps),
                .lk_frame(lk_frame), .lk_r(lk_r), .lk_w(lk_w), .lk_use(lk_use),
                .fill_valid(fill_valid), .fill_sid(fill_sid), .fill_did(fill_did),
                .fill_vpn(fill_vpn), .fill_ps(fill_ps), .fill_frame(fill_frame),
                .fill_r(fill_r), .fill_w(fill_w),
                .inv_valid(inv_valid), .inv_gran(inv_gran), .inv_did(inv_did),
                .inv_vpn(inv_vpn), .inv_am(inv_am)
            );
        end else begin : g_bad_impl
            // Elaboration error: IOTLB_IMPL names no implementation (add yours here).
            vtd_error_iotlb_impl_unknown u_err ();
        end
    endgenerate
endmodule
