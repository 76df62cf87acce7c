// vtd_iotlb_l1l2: a two-level IOTLB (IOTLB_IMPL = 1): a small fully
// associative level 1 in front of the set-associative level 2 (vtd_iotlb),
// behind the IOTLB interface of vtd_iotlb_select (doc/architecture.md,
// "Writing your own IOTLB"; doc/vtd-rules.md sec. 3.8, 6.2, 6.6).
//
// L1: L1_ENTRIES entries, fully associative (a vtd_iotlb of one set, so every
//     page size shares it), replacement L1_REPL (0 LRU, 1 tree-PLRU, 2 FIFO,
//     3 LFSR; vtd_iotlb_repl).
// L2: SETS x WAYS, replacement REPL: the set-associative vtd_iotlb.
// Look-up (combinational): the L1's match if it has one (used or not), else
//     the L2's. Within a level: the smallest page size, then the lowest way.
// Use (lk_use, the hit answered a request): an L1 hit touches the L1; an L2
//     hit touches the L2 and is copied into the L1 (promotion: a fill of the
//     L1 with the L2 entry, same-tag overwrite, else first invalid, else the
//     L1's victim).
// Fill (a walk's translation): into both levels (inclusive at fill time; an
//     L1 eviction leaves the L2 copy, an L2 eviction may leave an L1 copy).
//     The unit never uses a hit and fills in one cycle (one answer enters the
//     response queue per cycle); if it did, the walk's fill wins the L1 and
//     the promotion is dropped.
// Invalidation: both levels, each exactly as vtd_iotlb (global, domain,
//     page-selective with AM by page overlap), in the same cycle.
module vtd_iotlb_l1l2 #(
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
    localparam integer VPNW = MGAW - 12;
    localparam integer FW   = HAW - 12;

    wire            l1_hit, l2_hit, l1_r, l1_w, l2_r, l2_w;
    wire [1:0]      l1_ps, l2_ps;
    wire [FW-1:0]   l1_frame, l2_frame;
    wire [15:0]     l2_did;
    /* verilator lint_off UNUSEDSIGNAL */
    // the L1's own DID output: nothing is copied out of the L1
    wire [15:0]     l1_did;
    /* verilator lint_on UNUSEDSIGNAL */

    // promotion of a used L2 hit into the L1 (a walk's fill has priority)
    wire            promote = lk_use && !l1_hit && l2_hit && !fill_valid;
    wire [VPNW-1:0] lk_vpn  = lk_addr[MGAW-1:12] & ({VPNW{1'b1}} << (5'd9 * {3'd0, l2_ps}));
    wire            l1_inv        = inv_valid;
    wire            l1_fill       = fill_valid || promote;
    wire [15:0]     l1_fill_sid   = fill_valid ? fill_sid   : lk_sid;
    wire [15:0]     l1_fill_did   = fill_valid ? fill_did   : l2_did;
    wire [VPNW-1:0] l1_fill_vpn   = fill_valid ? fill_vpn   : lk_vpn;
    wire [1:0]      l1_fill_ps    = fill_valid ? fill_ps    : l2_ps;
    wire [FW-1:0]   l1_fill_frame = fill_valid ? fill_frame : l2_frame;
    wire            l1_fill_r     = fill_valid ? fill_r     : l2_r;
    wire            l1_fill_w     = fill_valid ? fill_w     : l2_w;

    vtd_iotlb #(
        .SETS(1), .WAYS(L1_ENTRIES), .REPL(L1_REPL), .HAW(HAW), .MGAW(MGAW), .ND(ND)
    ) u_l1 (
        .clk(clk), .rst_n(rst_n),
        .lk_sid(lk_sid), .lk_addr(lk_addr),
        .lk_hit(l1_hit), .lk_ps(l1_ps), .lk_frame(l1_frame), .lk_r(l1_r), .lk_w(l1_w),
        .lk_did(l1_did), .lk_use(lk_use && l1_hit),
        .fill_valid(l1_fill), .fill_sid(l1_fill_sid), .fill_did(l1_fill_did),
        .fill_vpn(l1_fill_vpn), .fill_ps(l1_fill_ps), .fill_frame(l1_fill_frame),
        .fill_r(l1_fill_r), .fill_w(l1_fill_w),
        .inv_valid(l1_inv), .inv_gran(inv_gran), .inv_did(inv_did), .inv_vpn(inv_vpn),
        .inv_am(inv_am)
    );

    vtd_iotlb #(
        .SETS(SETS), .WAYS(WAYS), .REPL(REPL), .HAW(HAW), .MGAW(MGAW), .ND(ND)
    ) u_l2 (
        .clk(clk), .rst_n(rst_n),
        .lk_sid(lk_sid), .lk_addr(lk_addr),
        .lk_hit(l2_hit), .lk_ps(l2_ps), .lk_frame(l2_frame), .lk_r(l2_r), .lk_w(l2_w),
        .lk_did(l2_did), .lk_use(lk_use && !l1_hit),
        .fill_valid(fill_valid), .fill_sid(fill_sid), .fill_did(fill_did),
        .fill_vpn(fill_vpn), .fill_ps(fill_ps), .fill_frame(fill_frame),
        .fill_r(fill_r), .fill_w(fill_w),
        .inv_valid(inv_valid), .inv_gran(inv_gran), .inv_did(inv_did), .inv_vpn(inv_vpn),
        .inv_am(inv_am)
    );

    assign lk_hit   = l1_hit || l2_hit;
    assign lk_ps    = l1_hit ? l1_ps    : l2_ps;
    assign lk_frame = l1_hit ? l1_frame : l2_frame;
    assign lk_r     = l1_hit ? l1_r     : l2_r;
    assign lk_w     = l1_hit ? l1_w     : l2_w;
endmodule
