// vtd_walk_cache_level: one level of the paging-structure (walk) cache,
// for non-leaf second-stage entries of level LEVEL (2 PDE, 3 PDPE, 4 PML4E,
// 5 PML5E; doc/vtd-rules.md sec. 3.8, 6.2, 6.6). Instantiated by
// vtd_walk_cache, one per level.
//
// SETS x WAYS entries (flops), SETS = ENTRIES / WAYS (a power of two). An
// entry caches one present, non-reserved non-leaf entry a walk read:
//   tag:   DID (masked to the ND width) and the input-address bits above the
//          level, VPN[VPNW-1:SH] with SH = 9*(LEVEL-1) (VPN = address bits
//          MGAW-1:12; the low SH bits are stored as zero);
//   data:  the next table's address (bits HAW-1:12) and R, W ANDed from the
//          top level down to this entry.
// Set index: VPN[SH + log2(SETS) - 1 : SH] (bits above MGAW read as 0).
// Look-up (combinational on registered state): the first valid way of the
// set whose DID and tag match (there is never more than one: a fill
// overwrites an entry of the same tag).
// Fill: an entry of the same DID and tag in the set is overwritten; else the
// first invalid way; else the replacement policy's victim (vtd_iotlb_repl,
// REPL 0 LRU, 1 tree-PLRU, 2 FIFO, 3 LFSR stepping on every fill). A used
// hit (lk_use) and a fill update the replacement state.
// Invalidation (one cycle, exact; sec. 6.2): 01 global; 10 domain (DID);
// 11 page-selective with IH=0: every entry of the DID whose region (2^SH
// pages) overlaps [VPN & ~(2^AM-1), +2^AM) pages, i.e. whose tag agrees
// with the address above max(AM, SH) VPN bits; with IH=1 nothing (IH keeps
// paging-structure entries). 00 does nothing.
module vtd_walk_cache_level #(
    parameter integer LEVEL   = 2,     // 2..5
    parameter integer ENTRIES = 16,
    parameter integer WAYS    = 4,
    parameter integer REPL    = 0,
    parameter integer HAW     = 48,
    parameter integer MGAW    = 48,
    parameter integer ND      = 2
) (
    input  wire             clk,
    input  wire             rst_n,
    // look-up
    input  wire [15:0]      lk_did,
    input  wire [MGAW-13:0] lk_vpn,
    output reg              lk_hit,
    output reg  [HAW-13:0]  lk_ptr,
    output reg              lk_r,
    output reg              lk_w,
    input  wire             lk_use,       // the hit was used: touch it
    // fill
    input  wire             fill_valid,
    input  wire [15:0]      fill_did,
    input  wire [MGAW-13:0] fill_vpn,
    input  wire [HAW-13:0]  fill_ptr,
    input  wire             fill_r,
    input  wire             fill_w,
    // invalidation
    input  wire             inv_valid,
    input  wire [1:0]       inv_gran,
    input  wire [15:0]      inv_did,
    input  wire [MGAW-13:0] inv_vpn,
    input  wire [5:0]       inv_am,
    input  wire             inv_ih
);
    localparam integer SETS = ENTRIES / WAYS;
    localparam integer SW   = (SETS > 1) ? $clog2(SETS) : 1;
    localparam integer WW   = (WAYS > 1) ? $clog2(WAYS) : 1;
    localparam integer VPNW = MGAW - 12;
    localparam integer FW   = HAW - 12;
    localparam integer SH   = 9 * (LEVEL - 1);
    localparam integer NDW  = (4 + 2 * ND > 16) ? 16 : 4 + 2 * ND;
    localparam [15:0]  DID_MASK = (NDW >= 16) ? 16'hFFFF : ((16'd1 << NDW) - 16'd1);
    localparam [63:0]  TAG_MASK64 = ~64'd0 << SH;
    localparam [VPNW-1:0] TAG_MASK = TAG_MASK64[VPNW-1:0];

    generate
        if (WAYS < 1 || ENTRIES < WAYS || ENTRIES % WAYS != 0 || (SETS & (SETS - 1)) != 0)
        begin : g_bad_shape
            // Elaboration error: ENTRIES must be WAYS times a power of two.
            vtd_error_walk_cache_entries_not_ways_times_power_of_two u_err ();
        end
        if (LEVEL < 2 || LEVEL > 5) begin : g_bad_level
            // Elaboration error: paging-structure caches hold levels 2..5 only.
            vtd_error_walk_cache_level_out_of_range u_err ();
        end
    endgenerate

    reg [SETS*WAYS-1:0] v;
    reg [15:0]          e_did [0:SETS*WAYS-1];
    reg [VPNW-1:0]      e_tag [0:SETS*WAYS-1];
    reg [FW-1:0]        e_ptr [0:SETS*WAYS-1];
    reg                 e_r   [0:SETS*WAYS-1];
    reg                 e_w   [0:SETS*WAYS-1];

    /* verilator lint_off UNUSEDSIGNAL */
    // only the SW index bits of the shifted VPN are used
    function [SW-1:0] set_of(input [VPNW-1:0] vpn);
        reg [63:0] wide;
        begin
            wide = {{(64-VPNW){1'b0}}, vpn} >> SH;
            if (SETS > 1) set_of = wide[SW-1:0];
            else          set_of = {SW{1'b0}};
        end
    endfunction
    /* verilator lint_on UNUSEDSIGNAL */

    integer w;    // look-up loop
    integer wf;   // fill loop
    integer i;    // invalidation loop

    // look-up
    wire [SW-1:0]  lk_set = set_of(lk_vpn);
    wire [15:0]    lk_did_m = lk_did & DID_MASK;
    reg  [WW-1:0]  hit_way;
    always @* begin
        lk_hit  = 1'b0;
        lk_ptr  = {FW{1'b0}};
        lk_r    = 1'b0;
        lk_w    = 1'b0;
        hit_way = {WW{1'b0}};
        for (w = 0; w < WAYS; w = w + 1) begin
            if (!lk_hit && v[lk_set * WAYS + w] && e_did[lk_set * WAYS + w] == lk_did_m &&
                e_tag[lk_set * WAYS + w] == (lk_vpn & TAG_MASK)) begin
                lk_hit  = 1'b1;
                lk_ptr  = e_ptr[lk_set * WAYS + w];
                lk_r    = e_r[lk_set * WAYS + w];
                lk_w    = e_w[lk_set * WAYS + w];
                hit_way = w[WW-1:0];
            end
        end
    end

    // fill slot
    wire [VPNW-1:0] f_tag = fill_vpn & TAG_MASK;
    wire [15:0]     f_did = fill_did & DID_MASK;
    wire [SW-1:0]   f_set = set_of(fill_vpn);
    reg             f_same;
    reg  [WW-1:0]   f_same_way;
    reg  [WAYS-1:0] f_set_valid;
    always @* begin
        f_same      = 1'b0;
        f_same_way  = {WW{1'b0}};
        f_set_valid = {WAYS{1'b0}};
        for (wf = 0; wf < WAYS; wf = wf + 1) begin
            f_set_valid[wf] = v[f_set * WAYS + wf];
            if (!f_same && v[f_set * WAYS + wf] && e_did[f_set * WAYS + wf] == f_did &&
                e_tag[f_set * WAYS + wf] == f_tag) begin
                f_same     = 1'b1;
                f_same_way = wf[WW-1:0];
            end
        end
    end
    wire [WW-1:0] victim;
    wire [WW-1:0] f_way   = f_same ? f_same_way : victim;
    wire [31:0]   f_way32 = {{(32-WW){1'b0}}, f_way};
    wire          do_fill = fill_valid && !inv_valid;

    vtd_iotlb_repl #(.SETS(SETS), .WAYS(WAYS), .POLICY(REPL)) u_repl (
        .clk      (clk),
        .rst_n    (rst_n),
        .hit_en   (lk_use && lk_hit),
        .hit_set  (lk_set),
        .hit_way  (hit_way),
        .fill_en  (do_fill),
        .fill_set (f_set),
        .fill_way (f_way),
        .vq_set   (f_set),
        .vq_valid (f_set_valid),
        .victim   (victim)
    );

    // invalidation
    reg [SETS*WAYS-1:0] inv_hit;
    wire [6:0]          g_bits = ({1'b0, inv_am} > SH[6:0]) ? {1'b0, inv_am} : SH[6:0];
    wire [VPNW-1:0]     im     = {VPNW{1'b1}} << g_bits;
    wire [15:0]         inv_did_m = inv_did & DID_MASK;
    always @* begin
        for (i = 0; i < SETS * WAYS; i = i + 1) begin
            case (inv_gran)
                2'b01:   inv_hit[i] = 1'b1;
                2'b10:   inv_hit[i] = (e_did[i] == inv_did_m);
                2'b11:   inv_hit[i] = !inv_ih && (e_did[i] == inv_did_m) &&
                                      (((e_tag[i] ^ inv_vpn) & im) == {VPNW{1'b0}});
                default: inv_hit[i] = 1'b0;
            endcase
        end
    end

    always @(posedge clk) begin
        if (!rst_n) begin
            v <= {(SETS*WAYS){1'b0}};
        end else if (inv_valid) begin
            v <= v & ~inv_hit;
        end else if (fill_valid) begin
            v[f_set * WAYS + f_way32] <= 1'b1;
        end
    end

    always @(posedge clk) begin
        if (do_fill) begin
            e_did[f_set * WAYS + f_way32] <= f_did;
            e_tag[f_set * WAYS + f_way32] <= f_tag;
            e_ptr[f_set * WAYS + f_way32] <= fill_ptr;
            e_r[f_set * WAYS + f_way32]   <= fill_r;
            e_w[f_set * WAYS + f_way32]   <= fill_w;
        end
    end
endmodule
