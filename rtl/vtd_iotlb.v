// vtd_iotlb: set-associative IOTLB for second-stage translations
// (doc/vtd-rules.md sec. 3.8, 6.2, 6.6).
//
// IOTLB_SETS x IOTLB_WAYS entries (flops). An entry holds one successful
// translation: SID (lookup tag), DID (invalidation tag, masked to the ND
// width), page size PS (0 = 4 KB, 1 = 2 MB, 2 = 1 GB), the input page number
// VPN = address bits MGAW-1:12 (low 9*PS bits zero), the frame (bits
// HAW-1:12, low 9*PS bits zero) and the effective permissions R/W (AND over
// all levels). Only successful translations are filled (CM=0).
//
// Set indexing with three page sizes: an entry of size PS lives in the set
// selected by the VPN bits just above its page offset,
//   set(PS) = VPN[9*PS + log2(SETS) - 1 : 9*PS]
// i.e. address bits 12+, 21+ or 30+. A lookup computes the three candidate
// sets and compares all their ways in parallel (3*WAYS comparators); an entry
// matches when its SID and PS match and its VPN equals the request's VPN
// above the page offset. If several match (possible only with stale entries
// of different sizes) the smallest page size, then the lowest way, wins.
// Addresses at or above 2^MGAW never hit (nothing above that is ever cached).
//
// Fill: an entry with the same SID, PS and VPN in the target set is
// overwritten (no duplicates); otherwise the replacement policy (see
// vtd_iotlb_repl) picks the way. A used hit (lk_use) and a fill both update
// the replacement state.
//
// Invalidation (one cycle, exact): inv_gran 01 global; 10 domain (DID);
// 11 page-selective: every entry of that DID whose page overlaps
// [VPN & ~(2^AM-1), +2^AM) pages. Two naturally aligned power-of-two ranges
// overlap exactly when they agree above the larger of the two sizes, so the
// comparison masks the low max(AM, 9*PS) VPN bits. 00 does nothing.
module vtd_iotlb #(
    parameter integer SETS  = 16,        // power of two
    parameter integer WAYS  = 4,
    parameter integer REPL  = 1,         // 0 LRU, 1 tree-PLRU, 2 FIFO, 3 LFSR
    parameter integer HAW   = 48,
    parameter integer MGAW  = 48,
    parameter integer ND    = 2
) (
    input  wire             clk,
    input  wire             rst_n,
    // lookup (combinational on registered state)
    input  wire [15:0]      lk_sid,
    input  wire [63:0]      lk_addr,
    output reg              lk_hit,
    output reg  [1:0]       lk_ps,
    output reg  [HAW-13:0]  lk_frame,
    output reg              lk_r,
    output reg              lk_w,
    output reg  [15:0]      lk_did,      // DID of the hit entry (an L1 in front copies it)
    input  wire             lk_use,      // the hit above was used: touch it
    // fill
    input  wire             fill_valid,
    input  wire [15:0]      fill_sid,
    input  wire [15:0]      fill_did,
    input  wire [MGAW-13:0] fill_vpn,
    input  wire [1:0]       fill_ps,
    input  wire [HAW-13:0]  fill_frame,
    input  wire             fill_r,
    input  wire             fill_w,
    // invalidation
    input  wire             inv_valid,
    input  wire [1:0]       inv_gran,
    input  wire [15:0]      inv_did,
    input  wire [MGAW-13:0] inv_vpn,
    input  wire [5:0]       inv_am
);
    localparam integer N    = SETS * WAYS;
    localparam integer SW   = (SETS > 1) ? $clog2(SETS) : 1;
    localparam integer WW   = (WAYS > 1) ? $clog2(WAYS) : 1;
    localparam integer VPNW = MGAW - 12;
    localparam integer FW   = HAW - 12;
    localparam integer NDW  = (4 + 2 * ND > 16) ? 16 : 4 + 2 * ND;
    localparam [15:0]  DID_MASK = (NDW >= 16) ? 16'hFFFF : ((16'd1 << NDW) - 16'd1);

    generate
        if (SETS < 1 || (SETS & (SETS - 1)) != 0) begin : g_bad_sets
            // Elaboration error: the set index is a bit field of the address.
            vtd_error_iotlb_sets_must_be_power_of_two u_err ();
        end
        if (VPNW < 18 + SW) begin : g_bad_mgaw
            // Elaboration error: 1 GB set index bits must lie below MGAW.
            vtd_error_iotlb_mgaw_too_small_for_sets u_err ();
        end
    endgenerate

    reg [N-1:0]      v;
    reg [15:0]       e_sid   [0:N-1];
    reg [15:0]       e_did   [0:N-1];
    reg [VPNW-1:0]   e_vpn   [0:N-1];
    reg [1:0]        e_ps    [0:N-1];
    reg [FW-1:0]     e_frame [0:N-1];
    reg              e_r     [0:N-1];
    reg              e_w     [0:N-1];

    // VPN bits above the page offset of size ps
    function [VPNW-1:0] ps_mask(input [1:0] ps);
        begin
            ps_mask = {VPNW{1'b1}} << (9 * ps);
        end
    endfunction

    function [SW-1:0] set_of(input [VPNW-1:0] vpn, input [1:0] ps);
        begin
            if (SETS > 1) set_of = vpn[9 * ps +: SW];
            else          set_of = {SW{1'b0}};
        end
    endfunction

    integer s, w;   // lookup loops
    integer wf;     // fill loop
    integer i;      // invalidation loop

    // ------------------------------------------------------------------
    // lookup
    wire [VPNW-1:0] lk_vpn  = lk_addr[MGAW-1:12];
    wire            lk_inrange = ((lk_addr >> MGAW) == 64'd0);
    reg  [SW-1:0]   hit_set;
    reg  [WW-1:0]   hit_way;
    reg  [SW-1:0]   cs;
    always @* begin
        lk_hit   = 1'b0;
        lk_ps    = 2'd0;
        lk_frame = {FW{1'b0}};
        lk_r     = 1'b0;
        lk_w     = 1'b0;
        lk_did   = 16'd0;
        hit_set  = {SW{1'b0}};
        hit_way  = {WW{1'b0}};
        for (s = 0; s < 3; s = s + 1) begin
            cs = set_of(lk_vpn, s[1:0]);
            for (w = 0; w < WAYS; w = w + 1) begin
                if (!lk_hit && lk_inrange && v[cs * WAYS + w] && e_ps[cs * WAYS + w] == s[1:0] &&
                    e_sid[cs * WAYS + w] == lk_sid &&
                    ((e_vpn[cs * WAYS + w] ^ lk_vpn) & ps_mask(s[1:0])) == {VPNW{1'b0}}) begin
                    lk_hit   = 1'b1;
                    lk_ps    = e_ps[cs * WAYS + w];
                    lk_frame = e_frame[cs * WAYS + w];
                    lk_r     = e_r[cs * WAYS + w];
                    lk_w     = e_w[cs * WAYS + w];
                    lk_did   = e_did[cs * WAYS + w];
                    hit_set  = cs;
                    hit_way  = w[WW-1:0];
                end
            end
        end
    end

    // ------------------------------------------------------------------
    // fill slot
    wire [SW-1:0] f_set = set_of(fill_vpn, fill_ps);
    reg           f_same;
    reg [WW-1:0]  f_same_way;
    reg [WAYS-1:0] f_set_valid;
    always @* begin
        f_same      = 1'b0;
        f_same_way  = {WW{1'b0}};
        f_set_valid = {WAYS{1'b0}};
        for (wf = 0; wf < WAYS; wf = wf + 1) begin
            f_set_valid[wf] = v[f_set * WAYS + wf];
            if (!f_same && v[f_set * WAYS + wf] && e_sid[f_set * WAYS + wf] == fill_sid &&
                e_ps[f_set * WAYS + wf] == fill_ps && e_vpn[f_set * WAYS + wf] == fill_vpn) begin
                f_same     = 1'b1;
                f_same_way = wf[WW-1:0];
            end
        end
    end
    wire [WW-1:0] victim;
    wire [WW-1:0] f_way = f_same ? f_same_way : victim;
    wire [31:0]   f_way32 = {{(32-WW){1'b0}}, f_way};

    vtd_iotlb_repl #(.SETS(SETS), .WAYS(WAYS), .POLICY(REPL)) u_repl (
        .clk      (clk),
        .rst_n    (rst_n),
        .hit_en   (lk_use && lk_hit),
        .hit_set  (hit_set),
        .hit_way  (hit_way),
        .fill_en  (fill_valid && !inv_valid),
        .fill_set (f_set),
        .fill_way (f_way),
        .vq_set   (f_set),
        .vq_valid (f_set_valid),
        .victim   (victim)
    );

    // ------------------------------------------------------------------
    // invalidation
    reg [N-1:0]    inv_hit;
    reg [VPNW-1:0] im;
    reg [6:0]      g;
    always @* begin
        inv_hit = {N{1'b0}};
        i       = 0;  // the loop variable too: no latch when the loop is skipped
        g       = 7'd0;
        im      = {VPNW{1'b0}};
        if (inv_valid) begin  // read only under inv_valid: simulators skip the loop otherwise
            for (i = 0; i < N; i = i + 1) begin
                g  = ({5'd0, e_ps[i]} * 7'd9 > {1'b0, inv_am}) ? {5'd0, e_ps[i]} * 7'd9 : {1'b0, inv_am};
                im = {VPNW{1'b1}} << g;
                case (inv_gran)
                    2'b01:   inv_hit[i] = 1'b1;
                    2'b10:   inv_hit[i] = (e_did[i] == (inv_did & DID_MASK));
                    2'b11:   inv_hit[i] = (e_did[i] == (inv_did & DID_MASK)) &&
                                          (((e_vpn[i] ^ inv_vpn) & im) == {VPNW{1'b0}});
                    default: inv_hit[i] = 1'b0;
                endcase
            end
        end
    end

    always @(posedge clk) begin
        if (!rst_n) begin
            v <= {N{1'b0}};
        end else if (inv_valid) begin
            v <= v & ~inv_hit;
        end else if (fill_valid) begin
            v[f_set * WAYS + f_way32] <= 1'b1;
        end
    end

    always @(posedge clk) begin
        if (fill_valid && !inv_valid) begin
            e_sid[f_set * WAYS + f_way32]   <= fill_sid;
            e_did[f_set * WAYS + f_way32]   <= fill_did & DID_MASK;
            e_vpn[f_set * WAYS + f_way32]   <= fill_vpn;
            e_ps[f_set * WAYS + f_way32]    <= fill_ps;
            e_frame[f_set * WAYS + f_way32] <= fill_frame;
            e_r[f_set * WAYS + f_way32]     <= fill_r;
            e_w[f_set * WAYS + f_way32]     <= fill_w;
        end
    end
`ifdef FORMAL
    // ------------------------------------------------------------------
    // Properties (make formal; formal/vtd_iotlb.sby). Page ranges are written
    // as arithmetic ranges of page numbers, where the logic above masks VPN
    // bits; the set an entry lives in as a division.
    reg f_past_valid = 1'b0;
    always @(posedge clk) f_past_valid <= 1'b1;
    always @(*) if (!f_past_valid) assume (!rst_n);

    // the environment (the response arbiter): fills are translations of a
    // supported size with the page's low VPN and frame bits zero
    always @(*) if (fill_valid) begin
        assume (fill_ps <= 2'd2);
        assume ((fill_vpn & ~ps_mask(fill_ps)) == {VPNW{1'b0}});
        assume ((fill_frame & ~ps_mask(fill_ps)) == {FW{1'b0}});
    end

    // page-number range [lo, hi) of a page of size ps at vpn
    function [VPNW:0] f_lo(input [VPNW-1:0] vpn, input [1:0] ps);
        f_lo = {1'b0, vpn};
    endfunction
    function [VPNW:0] f_hi(input [VPNW-1:0] vpn, input [1:0] ps);
        case (ps)
            2'd0:    f_hi = {1'b0, vpn} + 1;
            2'd1:    f_hi = {1'b0, vpn} + 512;
            default: f_hi = {1'b0, vpn} + (1 << 18);
        endcase
    endfunction

    // the request's page number and whether it is below 2^MGAW
    wire [63:0] f_pn   = lk_addr >> 12;
    wire        f_low  = lk_addr < (64'd1 << MGAW);
    integer fa, fb;
    reg     f_cov, f_same_out;
    always @(*) begin
        f_cov = 1'b0;
        f_same_out = 1'b0;
        for (fa = 0; fa < N; fa = fa + 1)
            if (v[fa] && e_sid[fa] == lk_sid && f_low
                && {1'b0, f_pn[VPNW-1:0]} >= f_lo(e_vpn[fa], e_ps[fa])
                && {1'b0, f_pn[VPNW-1:0]} < f_hi(e_vpn[fa], e_ps[fa])) begin
                f_cov = 1'b1;
                if (lk_ps == e_ps[fa] && lk_frame == e_frame[fa] && lk_r == e_r[fa]
                    && lk_w == e_w[fa] && lk_did == e_did[fa])
                    f_same_out = 1'b1;
            end
        if (f_past_valid) begin
            // a hit is exactly a valid entry of that SID whose page holds the address
            // (below 2^MGAW), and answers with that entry's page size, frame,
            // permissions and DID: never a translation outside its range
            assert (lk_hit == f_cov);
            if (lk_hit) assert (f_same_out);
            for (fa = 0; fa < N; fa = fa + 1) if (v[fa]) begin
                // entries are well formed and live in the set of their page
                assert (e_ps[fa] <= 2'd2);
                assert ((e_vpn[fa] & ~ps_mask(e_ps[fa])) == {VPNW{1'b0}});
                assert ((e_did[fa] & ~DID_MASK) == 16'd0);
                assert (fa / WAYS == (e_vpn[fa] >> (9 * e_ps[fa])) % SETS);
                // no two entries for the same SID, size and page
                for (fb = fa + 1; fb < N; fb = fb + 1)
                    if (v[fb]) assert (!(e_sid[fa] == e_sid[fb] && e_ps[fa] == e_ps[fb]
                                         && e_vpn[fa] == e_vpn[fb]));
            end
        end
    end

    // what the last edge's invalidation covered, registered
    reg            f_inv_q;
    reg [1:0]      f_gran_q;
    reg [15:0]     f_did_q;
    reg [VPNW:0]   f_ilo_q, f_ihi_q;
    wire [VPNW:0]  f_isize = (inv_am >= VPNW) ? {1'b1, {VPNW{1'b0}}} : ({{VPNW{1'b0}}, 1'b1} << inv_am);
    always @(posedge clk) begin
        f_inv_q  <= rst_n && inv_valid;
        f_gran_q <= inv_gran;
        f_did_q  <= inv_did & DID_MASK;
        f_ilo_q  <= {1'b0, inv_vpn} & ~(f_isize - 1);
        f_ihi_q  <= ({1'b0, inv_vpn} & ~(f_isize - 1)) + f_isize;
    end
    always @(posedge clk) if (f_past_valid && $past(rst_n) && rst_n) begin
        // after an invalidation edge nothing it covers is valid: global; the DID;
        // the DID and a page overlapping the range (a fill at that edge is dropped)
        if (f_inv_q)
            for (fa = 0; fa < N; fa = fa + 1)
                if (v[fa]) case (f_gran_q)
                    2'b01: assert (1'b0);
                    2'b10: assert (e_did[fa] != f_did_q);
                    2'b11: assert (e_did[fa] != f_did_q
                                   || f_hi(e_vpn[fa], e_ps[fa]) <= f_ilo_q
                                   || f_lo(e_vpn[fa], e_ps[fa]) >= f_ihi_q);
                    default: ;
                endcase
        // entries only appear through a fill
        for (fa = 0; fa < N; fa = fa + 1)
            if (v[fa] && !$past(v[fa])) assert ($past(fill_valid) && !$past(inv_valid));
    end
`endif
endmodule
