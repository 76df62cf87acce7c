// vtd_walk_cache: paging-structure (walk) caches for the upper second-stage
// levels (doc/vtd-rules.md sec. 3.8: PDE, PDPE, PML4E, PML5E; sec. 6.2
// invalidation; sec. 6.6 CM=0).
//
// One vtd_walk_cache_level per level 2 (PDE) .. top, where top is 2 + the
// largest AW that SAGAW supports; ENTRIES entries of WAYS ways per level,
// replacement REPL (as the IOTLB's). ENTRIES = 0: no walk cache (nothing is
// instantiated, lk_valid = lk_hit = 0).
//
// Look-up (combinational, in the request stage, for a request that is about
// to walk with a context-cache hit): it applies (lk_valid) when the context
// is TT=00, its AW is 1..3 and the address is below 2^min(MGAW, AGAW) (an
// address above faults 04h before any table read). Every level L <= AW + 2
// is probed in parallel with the context's DID; the deepest (lowest-level)
// match is the candidate. It is a usable hit (lk_hit) when its ANDed
// permission grants the request (R for a read, W for a write); otherwise the
// look-up counts as a miss and the walk reads every level (as an IOTLB hit
// without the permission does, so a cached entry never makes a fault by
// itself). lk_level / lk_ptr / lk_r / lk_w tell the walker where to resume:
// the table of level lk_level - 1 with the permissions so far. lk_use (the
// walk was started with the hit) updates that level's replacement state.
//
// Fill (from the walk whose answer enters the response queue, in the same
// cycle as the IOTLB fill): fill_valid[L-2] for every non-leaf entry of
// level L the walk read that was present and had no reserved bit set (also
// when the walk then faulted below it or on its permission), with the next
// table's address and R/W ANDed from the top down to it. Each level takes at
// most one fill per cycle.
//
// Invalidation: the IOTLB's invalidation (inv_gran 01 global, 10 domain,
// 11 page-selective with AM; IH=1 keeps every entry of a page-selective
// request), applied to every level in the same cycle. Context-cache
// invalidations leave the walk cache alone: its entries are tagged by DID,
// not by SID, and sec. 6.1 has software follow a context change with a
// domain or global IOTLB invalidation, which removes them.
module vtd_walk_cache #(
    parameter integer   ENTRIES = 0,       // per level; 0 = no walk cache
    parameter integer   WAYS    = 4,
    parameter integer   REPL    = 0,       // 0 LRU, 1 tree-PLRU, 2 FIFO, 3 LFSR
    parameter [4:0]     SAGAW   = 5'b00110,
    parameter integer   HAW     = 48,
    parameter integer   MGAW    = 48,
    parameter integer   ND      = 2
) (
    input  wire             clk,
    input  wire             rst_n,
    // look-up
    input  wire             lk_en,        // a walk with a context-cache hit on TT=00
    input  wire [15:0]      lk_did,
    input  wire [2:0]       lk_aw,
    input  wire [63:0]      lk_addr,
    input  wire             lk_write,
    output wire             lk_valid,     // the look-up applies (counts as hit or miss)
    output wire             lk_hit,       // usable hit
    output reg  [2:0]       lk_level,
    output reg  [HAW-13:0]  lk_ptr,
    output reg              lk_r,
    output reg              lk_w,
    input  wire             lk_use,
    // fill, bit L-2 for level L
    input  wire [3:0]       fill_valid,
    input  wire [15:0]      fill_did,
    input  wire [MGAW-13:0] fill_vpn,
    input  wire [4*(HAW-12)-1:0] fill_ptr,
    input  wire [3:0]       fill_r,
    input  wire [3:0]       fill_w,
    // invalidation
    input  wire             inv_valid,
    input  wire [1:0]       inv_gran,
    input  wire [15:0]      inv_did,
    input  wire [MGAW-13:0] inv_vpn,
    input  wire [5:0]       inv_am,
    input  wire             inv_ih
);
    localparam integer FW     = HAW - 12;
    // deepest top level a context can have
    localparam integer TOP    = SAGAW[3] ? 5 : SAGAW[2] ? 4 : SAGAW[1] ? 3 : 2;

    wire [6:0] agaw = 7'd30 + 7'd9 * {4'd0, lk_aw};
    wire [6:0] xlim = (agaw < MGAW[6:0]) ? agaw : MGAW[6:0];
    wire       aw_ok = (lk_aw == 3'd1 || lk_aw == 3'd2 || lk_aw == 3'd3);
    wire       in_range = ((lk_addr >> xlim) == 64'd0);
    wire [2:0] lk_top = lk_aw + 3'd2;

    wire [3:0]    lv_hit;
    wire [4*FW-1:0] lv_ptr;
    wire [3:0]    lv_r, lv_w;
    wire [3:0]    lv_use;

    genvar gl;
    generate
        if (ENTRIES > 0) begin : g_wc
            for (gl = 2; gl <= 5; gl = gl + 1) begin : g_lvl
                if (gl <= TOP) begin : g_on
                    vtd_walk_cache_level #(
                        .LEVEL(gl), .ENTRIES(ENTRIES), .WAYS(WAYS), .REPL(REPL),
                        .HAW(HAW), .MGAW(MGAW), .ND(ND)
                    ) u_level (
                        .clk(clk), .rst_n(rst_n),
                        .lk_did(lk_did), .lk_vpn(lk_addr[MGAW-1:12]),
                        .lk_hit(lv_hit[gl-2]), .lk_ptr(lv_ptr[FW*(gl-2) +: FW]),
                        .lk_r(lv_r[gl-2]), .lk_w(lv_w[gl-2]), .lk_use(lv_use[gl-2]),
                        .fill_valid(fill_valid[gl-2]), .fill_did(fill_did),
                        .fill_vpn(fill_vpn), .fill_ptr(fill_ptr[FW*(gl-2) +: FW]),
                        .fill_r(fill_r[gl-2]), .fill_w(fill_w[gl-2]),
                        .inv_valid(inv_valid), .inv_gran(inv_gran), .inv_did(inv_did),
                        .inv_vpn(inv_vpn), .inv_am(inv_am), .inv_ih(inv_ih)
                    );
                end else begin : g_off
                    /* verilator lint_off UNUSEDSIGNAL */
                    // no context reaches this level with this SAGAW: nothing is cached
                    wire unused_fill = fill_valid[gl-2] | (|fill_ptr[FW*(gl-2) +: FW]) |
                                       fill_r[gl-2] | fill_w[gl-2] | lv_use[gl-2];
                    /* verilator lint_on UNUSEDSIGNAL */
                    assign lv_hit[gl-2] = 1'b0;
                    assign lv_ptr[FW*(gl-2) +: FW] = {FW{1'b0}};
                    assign lv_r[gl-2] = 1'b0;
                    assign lv_w[gl-2] = 1'b0;
                end
            end
        end else begin : g_no_wc
            /* verilator lint_off UNUSEDSIGNAL */
            // no walk cache: fills, invalidations and uses go nowhere
            wire unused_wc = clk | rst_n | (|fill_valid) | (|fill_did) | (|fill_vpn) |
                             (|fill_ptr) | (|fill_r) | (|fill_w) | inv_valid | (|inv_gran) |
                             (|inv_did) | (|inv_vpn) | (|inv_am) | inv_ih | (|lv_use) |
                             (|lk_did);
            /* verilator lint_on UNUSEDSIGNAL */
            assign lv_hit = 4'd0;
            assign lv_ptr = {(4*FW){1'b0}};
            assign lv_r   = 4'd0;
            assign lv_w   = 4'd0;
        end
    endgenerate

    // deepest match among the levels a context of this AW has
    reg       m_any;
    integer   l;
    always @* begin
        m_any    = 1'b0;
        lk_level = 3'd0;
        lk_ptr   = {FW{1'b0}};
        lk_r     = 1'b0;
        lk_w     = 1'b0;
        for (l = 5; l >= 2; l = l - 1) begin
            if (lv_hit[l-2] && l[2:0] <= lk_top) begin
                m_any    = 1'b1;
                lk_level = l[2:0];
                lk_ptr   = lv_ptr[FW*(l-2) +: FW];
                lk_r     = lv_r[l-2];
                lk_w     = lv_w[l-2];
            end
        end
    end

    assign lk_valid = (ENTRIES > 0) && lk_en && aw_ok && in_range;
    assign lk_hit   = lk_valid && m_any && (lk_write ? lk_w : lk_r);
    genvar gu;
    generate
        for (gu = 2; gu <= 5; gu = gu + 1) begin : g_use
            assign lv_use[gu-2] = lk_use && lk_hit && (lk_level == gu);
        end
    endgenerate
endmodule
