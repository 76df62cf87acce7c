// vtd_context_cache: fully associative context-entry cache (doc/vtd-rules.md sec. 3.8,
// 6.1, 6.6).
//
// ENTRIES entries, looked up by source id. An entry holds what a walk needs
// from a present, valid legacy context entry: DID (masked to the ND width),
// TT, AW, SLPTPTR (bits HAW-1:12) and FPD. Only context entries that passed
// every context check (P=1, no reserved bit, supported TT/AW) are filled
// (CM=0, sec. 6.6), so a hit never needs those checks again.
//
// Fill: an entry with the same SID is overwritten; otherwise the first invalid
// entry is used; otherwise the entry at a round-robin pointer, which then
// advances.
// Invalidation (one cycle): inv_gran 01 global, 10 domain (DID),
// 11 device (SID under the FM function mask AND DID); 00 does nothing.
module vtd_context_cache #(
    parameter integer ENTRIES = 8,
    parameter integer HAW     = 48,
    parameter integer ND      = 2
) (
    input  wire           clk,
    input  wire           rst_n,
    // lookup (combinational on registered state)
    input  wire [15:0]    lk_sid,
    output reg            lk_hit,
    output reg  [15:0]    lk_did,
    output reg  [1:0]     lk_tt,
    output reg  [2:0]     lk_aw,
    output reg  [HAW-13:0] lk_slptptr,
    output reg            lk_fpd,
    // fill
    input  wire           fill_valid,
    input  wire [15:0]    fill_sid,
    input  wire [15:0]    fill_did,
    input  wire [1:0]     fill_tt,
    input  wire [2:0]     fill_aw,
    input  wire [HAW-13:0] fill_slptptr,
    input  wire           fill_fpd,
    // invalidation
    input  wire           inv_valid,
    input  wire [1:0]     inv_gran,
    input  wire [15:0]    inv_did,
    input  wire [15:0]    inv_sid,
    input  wire [1:0]     inv_fm
);
    localparam integer NDW = (4 + 2 * ND > 16) ? 16 : 4 + 2 * ND;   // DID width
    localparam [15:0]  DID_MASK = (NDW >= 16) ? 16'hFFFF : ((16'd1 << NDW) - 16'd1);
    localparam integer EW  = (ENTRIES > 1) ? $clog2(ENTRIES) : 1;

    reg [ENTRIES-1:0] v;
    reg [15:0]        e_sid  [0:ENTRIES-1];
    reg [15:0]        e_did  [0:ENTRIES-1];
    reg [1:0]         e_tt   [0:ENTRIES-1];
    reg [2:0]         e_aw   [0:ENTRIES-1];
    reg [HAW-13:0]    e_ptr  [0:ENTRIES-1];
    reg               e_fpd  [0:ENTRIES-1];
    reg [EW-1:0]      rr;

    integer i;   // lookup loop
    integer j;   // fill-slot loop
    integer m;   // invalidation loop

    // lookup: at most one entry per SID (fill overwrites a same-SID entry)
    always @* begin
        lk_hit     = 1'b0;
        lk_did     = 16'd0;
        lk_tt      = 2'd0;
        lk_aw      = 3'd0;
        lk_slptptr = {(HAW-12){1'b0}};
        lk_fpd     = 1'b0;
        for (i = 0; i < ENTRIES; i = i + 1) begin
            if (v[i] && e_sid[i] == lk_sid && !lk_hit) begin
                lk_hit     = 1'b1;
                lk_did     = e_did[i];
                lk_tt      = e_tt[i];
                lk_aw      = e_aw[i];
                lk_slptptr = e_ptr[i];
                lk_fpd     = e_fpd[i];
            end
        end
    end

    // fill slot selection
    reg          f_same;
    reg [EW-1:0] f_same_i;
    reg          f_free;
    reg [EW-1:0] f_free_i;
    always @* begin
        f_same   = 1'b0;
        f_same_i = {EW{1'b0}};
        f_free   = 1'b0;
        f_free_i = {EW{1'b0}};
        for (j = 0; j < ENTRIES; j = j + 1) begin
            if (v[j] && e_sid[j] == fill_sid && !f_same) begin
                f_same   = 1'b1;
                f_same_i = j[EW-1:0];
            end
            if (!v[j] && !f_free) begin
                f_free   = 1'b1;
                f_free_i = j[EW-1:0];
            end
        end
    end
    wire [EW-1:0] f_slot = f_same ? f_same_i : (f_free ? f_free_i : rr);
    wire [EW-1:0] rr_inc = (rr == ENTRIES[EW-1:0] - 1'b1) ? {EW{1'b0}} : rr + 1'b1;

    // invalidation match
    wire [15:0] fm_mask = (inv_fm == 2'd0) ? 16'hFFFF :
                          (inv_fm == 2'd1) ? 16'hFFFB :
                          (inv_fm == 2'd2) ? 16'hFFF9 : 16'hFFF8;
    reg [ENTRIES-1:0] inv_hit;
    always @* begin
        inv_hit = {ENTRIES{1'b0}};
        m = 0;  // the loop variable too: no latch when the loop is skipped
        if (inv_valid) begin  // read only under inv_valid: simulators skip the loop otherwise
            for (m = 0; m < ENTRIES; m = m + 1) begin
                case (inv_gran)
                    2'b01:   inv_hit[m] = 1'b1;
                    2'b10:   inv_hit[m] = (e_did[m] == (inv_did & DID_MASK));
                    2'b11:   inv_hit[m] = (e_did[m] == (inv_did & DID_MASK)) &&
                                          ((e_sid[m] & fm_mask) == (inv_sid & fm_mask));
                    default: inv_hit[m] = 1'b0;
                endcase
            end
        end
    end

    always @(posedge clk) begin
        if (!rst_n) begin
            v  <= {ENTRIES{1'b0}};
            rr <= {EW{1'b0}};
        end else begin
            if (inv_valid) begin
                v <= v & ~inv_hit;
            end else if (fill_valid) begin
                v[f_slot] <= 1'b1;
                if (!f_same && !f_free) rr <= rr_inc;
            end
        end
    end

    always @(posedge clk) begin
        if (fill_valid && !inv_valid) begin
            e_sid[f_slot] <= fill_sid;
            e_did[f_slot] <= fill_did & DID_MASK;
            e_tt[f_slot]  <= fill_tt;
            e_aw[f_slot]  <= fill_aw;
            e_ptr[f_slot] <= fill_slptptr;
            e_fpd[f_slot] <= fill_fpd;
        end
    end
`ifdef FORMAL
    // ------------------------------------------------------------------
    // Properties (make formal; formal/vtd_context_cache.sby).
    reg f_past_valid = 1'b0;
    always @(posedge clk) f_past_valid <= 1'b1;
    always @(*) if (!f_past_valid) assume (!rst_n);

    // what the last edge's invalidation covered, registered (written per the
    // rules: device-selective compares bus/device and the function bits FM
    // leaves, and the DID; the logic above uses a mask)
    reg        f_inv_q;
    reg [1:0]  f_gran_q, f_fm_q;
    reg [15:0] f_did_q, f_sid_q;
    always @(posedge clk) begin
        f_inv_q  <= rst_n && inv_valid;
        f_gran_q <= inv_gran;
        f_fm_q   <= inv_fm;
        f_did_q  <= inv_did & DID_MASK;
        f_sid_q  <= inv_sid;
    end
    function f_covered(input [15:0] sid, input [15:0] did);
        reg fn_same;
        begin
            case (f_fm_q)
                2'd0:    fn_same = sid[2:0] == f_sid_q[2:0];
                2'd1:    fn_same = sid[1:0] == f_sid_q[1:0];
                2'd2:    fn_same = sid[0] == f_sid_q[0];
                default: fn_same = 1'b1;
            endcase
            case (f_gran_q)
                2'b01:   f_covered = 1'b1;
                2'b10:   f_covered = did == f_did_q;
                2'b11:   f_covered = did == f_did_q && sid[15:3] == f_sid_q[15:3] && fn_same;
                default: f_covered = 1'b0;
            endcase
        end
    endfunction

    integer fa, fb;
    reg     f_hit, f_hit_data;
    always @(*) begin
        f_hit = 1'b0;
        f_hit_data = 1'b0;
        for (fa = 0; fa < ENTRIES; fa = fa + 1)
            if (v[fa] && e_sid[fa] == lk_sid) begin
                f_hit = 1'b1;
                if (lk_did == e_did[fa] && lk_tt == e_tt[fa] && lk_aw == e_aw[fa]
                    && lk_slptptr == e_ptr[fa] && lk_fpd == e_fpd[fa])
                    f_hit_data = 1'b1;
            end
        if (f_past_valid) begin
            // a hit is a valid entry of that source id and returns what it holds
            assert (lk_hit == f_hit);
            if (lk_hit) assert (f_hit_data);
            // a source id is held at most once; DIDs fit the ND width
            for (fa = 0; fa < ENTRIES; fa = fa + 1) begin
                if (v[fa]) assert ((e_did[fa] & ~DID_MASK) == 16'd0);
                for (fb = fa + 1; fb < ENTRIES; fb = fb + 1)
                    if (v[fa] && v[fb]) assert (e_sid[fa] != e_sid[fb]);
            end
        end
    end

    always @(posedge clk) if (f_past_valid && $past(rst_n) && rst_n) begin
        // after an invalidation edge nothing it covers is valid (a fill in the
        // same cycle is dropped), so nothing it covers hits until refilled
        if (f_inv_q)
            for (fa = 0; fa < ENTRIES; fa = fa + 1)
                if (v[fa]) assert (!f_covered(e_sid[fa], e_did[fa]));
        // entries only appear through a fill
        for (fa = 0; fa < ENTRIES; fa = fa + 1)
            if (v[fa] && !$past(v[fa])) assert ($past(fill_valid) && !$past(inv_valid));
    end
`endif
endmodule
