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
    // automatic: it is called from two continuous assignments, and a static local would be
    // one variable driven from both (Verilator MULTIDRIVEN, slower scheduling)
    function automatic [SW-1:0] set_of(input [VPNW-1:0] vpn);
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
        inv_hit = {SETS*WAYS{1'b0}};
        i = 0;  // the loop variable too: no latch when the loop is skipped
        if (inv_valid) begin  // read only under inv_valid: simulators skip the loop otherwise
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
`ifdef FORMAL
    // ------------------------------------------------------------------
    // Properties (make formal; formal/vtd_walk_cache_level.sby). A region is the
    // arithmetic page-number range [tag, tag + 2^SH); the logic above masks.
    reg f_past_valid = 1'b0;
    always @(posedge clk) f_past_valid <= 1'b1;
    always @(*) if (!f_past_valid) assume (!rst_n);

    localparam [VPNW:0] F_REGION = {{VPNW{1'b0}}, 1'b1} << SH;   // pages per entry
    wire [VPNW:0] f_lk_base = {1'b0, lk_vpn} / F_REGION * F_REGION;
    integer fa, fb;
    reg     f_cov, f_same_out;
    always @(*) begin
        f_cov = 1'b0;
        f_same_out = 1'b0;
        for (fa = 0; fa < SETS * WAYS; fa = fa + 1)
            if (v[fa] && e_did[fa] == (lk_did & DID_MASK) && {1'b0, e_tag[fa]} == f_lk_base) begin
                f_cov = 1'b1;
                if (lk_ptr == e_ptr[fa] && lk_r == e_r[fa] && lk_w == e_w[fa])
                    f_same_out = 1'b1;
            end
        if (f_past_valid) begin
            // a hit is exactly a valid entry of the DID whose region holds the page,
            // and answers with that entry's table pointer and permissions
            assert (lk_hit == f_cov);
            if (lk_hit) assert (f_same_out);
            for (fa = 0; fa < SETS * WAYS; fa = fa + 1) if (v[fa]) begin
                // entries are region aligned, DIDs fit ND, each lives in its set, once
                assert ({1'b0, e_tag[fa]} % F_REGION == 0);
                assert ((e_did[fa] & ~DID_MASK) == 16'd0);
                assert (fa / WAYS == ({1'b0, e_tag[fa]} / F_REGION) % SETS);
                for (fb = fa + 1; fb < SETS * WAYS; fb = fb + 1)
                    if (v[fb]) assert (!(e_did[fa] == e_did[fb] && e_tag[fa] == e_tag[fb]));
            end
        end
    end

    // what the last edge's invalidation covered, registered
    reg            f_inv_q, f_ih_q;
    reg [1:0]      f_gran_q;
    reg [15:0]     f_did_q;
    reg [VPNW:0]   f_ilo_q, f_ihi_q;
    wire [VPNW:0]  f_isize = (inv_am >= VPNW) ? {1'b1, {VPNW{1'b0}}}
                                              : ({{VPNW{1'b0}}, 1'b1} << inv_am);
    reg [SETS*WAYS-1:0] f_v_q;
    reg [15:0]          f_edid_q [0:SETS*WAYS-1];
    reg [VPNW-1:0]      f_etag_q [0:SETS*WAYS-1];
    always @(posedge clk) begin
        f_v_q <= v;
        for (fa = 0; fa < SETS * WAYS; fa = fa + 1) begin
            f_edid_q[fa] <= e_did[fa];
            f_etag_q[fa] <= e_tag[fa];
        end
    end
    function f_covered(input [15:0] did, input [VPNW-1:0] tag);
        case (f_gran_q)
            2'b01:   f_covered = 1'b1;
            2'b10:   f_covered = did == f_did_q;
            2'b11:   f_covered = !f_ih_q && did == f_did_q && {1'b0, tag} + F_REGION > f_ilo_q
                                 && {1'b0, tag} < f_ihi_q;
            default: f_covered = 1'b0;
        endcase
    endfunction
    always @(posedge clk) begin
        f_inv_q  <= rst_n && inv_valid;
        f_ih_q   <= inv_ih;
        f_gran_q <= inv_gran;
        f_did_q  <= inv_did & DID_MASK;
        f_ilo_q  <= {1'b0, inv_vpn} & ~(f_isize - 1);
        f_ihi_q  <= ({1'b0, inv_vpn} & ~(f_isize - 1)) + f_isize;
    end
    always @(posedge clk) if (f_past_valid && $past(rst_n) && rst_n) begin
        // after an invalidation edge nothing it covers is valid: global; the DID;
        // page-selective with IH=0: the DID and a region overlapping the range
        // (IH=1 keeps paging-structure entries); a fill at that edge is dropped
        if (f_inv_q)
            for (fa = 0; fa < SETS * WAYS; fa = fa + 1)
                if (v[fa]) case (f_gran_q)
                    2'b01: assert (1'b0);
                    2'b10: assert (e_did[fa] != f_did_q);
                    2'b11: if (!f_ih_q)
                               assert (e_did[fa] != f_did_q
                                       || {1'b0, e_tag[fa]} + F_REGION <= f_ilo_q
                                       || {1'b0, e_tag[fa]} >= f_ihi_q);
                    default: ;
                endcase
        // ... and exactly that: every entry it does not cover stays, unchanged
        if (f_inv_q)
            for (fa = 0; fa < SETS * WAYS; fa = fa + 1)
                if (f_v_q[fa] && !f_covered(f_edid_q[fa], f_etag_q[fa]))
                    assert (v[fa] && e_did[fa] == f_edid_q[fa] && e_tag[fa] == f_etag_q[fa]);
        for (fa = 0; fa < SETS * WAYS; fa = fa + 1)
            if (v[fa] && !$past(v[fa])) assert ($past(fill_valid) && !$past(inv_valid));
    end
`endif
endmodule
