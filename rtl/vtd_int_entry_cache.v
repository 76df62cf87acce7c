// vtd_int_entry_cache: interrupt entry cache (IEC) of the interrupt-remapping
// block (doc/vtd-rules.md sec. 5 "IEC contents", sec. 6.3, sec. 6.6).
//
// Fully associative, IEC_ENTRIES entries, each tagged with a 16-bit IRTE index
// and holding DW bits of the IRTE (the remapping block stores IRTE bits 63:0
// and 83:64; bits 127:84 are reserved for every EIME, so an IRTE that is cached
// has them 0). The block fills only present, non-faulting IRTEs (CM=0, sec. 6.6)
// and fills an index only after a look-up missed, so an index is held at most
// once.
//
// Look-up: combinational from the registered state (lk_index -> lk_hit,
//   lk_data in the same cycle; no memory read).
// Fill:    fill_valid for one cycle writes {fill_index, fill_data} at the clock
//   edge. Victim: the lowest-numbered invalid entry if there is one, otherwise
//   the round-robin pointer, which then advances (wrapping IEC_ENTRIES-1 -> 0).
//   Round-robin was chosen over LRU: interrupts are rare next to DMA, hits do not
//   update any state, and the pointer costs log2(IEC_ENTRIES) flops.
// Invalidation (sec. 6.3, the 4h descriptor): inv_valid is held, with its fields
//   stable, until inv_done. In the first cycle inv_valid=1 (and inv_done=0) the
//   matching entries are cleared at the clock edge, and inv_done is 1 for exactly
//   the next cycle; a request still valid in that cycle is not taken again.
//     inv_global=1: every entry.
//     inv_global=0: entries whose index lies in
//       [inv_index & ~(2^inv_im - 1), +2^inv_im); inv_im >= 16 covers all.
//   A fill and an invalidation at the same edge: the fill is applied first, so
//   the invalidation also clears the entry just filled.
//
// Ports
//   clk, rst_n                 clock; synchronous active-low reset (clears every
//                              valid bit; tags and data are not reset)
//   lk_index[15:0]             look-up index
//   lk_hit                     an entry holds lk_index
//   lk_data[DW-1:0]            its data (0 on a miss)
//   fill_valid                 one-cycle fill strobe
//   fill_index[15:0], fill_data[DW-1:0]
//   inv_valid, inv_global, inv_index[15:0], inv_im[4:0]  invalidation request
//   inv_done                   one-cycle completion pulse
module vtd_int_entry_cache #(
    parameter integer IEC_ENTRIES = 8,   // number of entries, >= 1
    parameter integer DW          = 84   // payload bits per entry
) (
    input  wire          clk,
    input  wire          rst_n,
    input  wire [15:0]   lk_index,
    output reg           lk_hit,
    output reg  [DW-1:0] lk_data,
    input  wire          fill_valid,
    input  wire [15:0]   fill_index,
    input  wire [DW-1:0] fill_data,
    input  wire          inv_valid,
    input  wire          inv_global,
    input  wire [15:0]   inv_index,
    input  wire [4:0]    inv_im,
    output reg           inv_done
);
    localparam integer N  = IEC_ENTRIES;
    localparam integer EW = (N > 1) ? $clog2(N) : 1;

    generate
        if (N < 1) begin : g_bad_entries
            // Elaboration error: the IEC needs at least one entry.
            vtd_error_iec_entries_must_be_at_least_1 u_err ();
        end
    endgenerate

    reg [N-1:0]    valid;
    reg [15:0]     tag  [0:N-1];
    reg [DW-1:0]   data [0:N-1];
    reg [EW-1:0]   rr;

    integer i;

    // look-up (an index is held at most once; the first match wins anyway)
    always @* begin
        lk_hit  = 1'b0;
        lk_data = {DW{1'b0}};
        for (i = 0; i < N; i = i + 1) begin
            if (!lk_hit && valid[i] && tag[i] == lk_index) begin
                lk_hit  = 1'b1;
                lk_data = data[i];
            end
        end
    end

    // The victim and the valid bits after an edge are functions, called only in a cycle with
    // a fill or an invalidation (the same logic as always @* blocks; a simulator then skips
    // them in every other cycle).

    // victim: the first invalid entry, else the round-robin pointer ptr
    function [EW-1:0] victim(input [N-1:0] vld, input [EW-1:0] ptr);
        reg          v_free;
        reg [EW-1:0] v_idx;
        integer      j;
        begin
            v_free = 1'b0;
            v_idx  = ptr;
            for (j = 0; j < N; j = j + 1) begin
                if (!v_free && !vld[j]) begin
                    v_free = 1'b1;
                    v_idx  = j[EW-1:0];
                end
            end
            victim = v_idx;
        end
    endfunction

    wire do_inv = inv_valid && !inv_done;

    // valid bits after this edge's fill (at entry v_idx), then this edge's invalidation
    function [N-1:0] valid_after(input [N-1:0] vld, input [EW-1:0] v_idx);
        reg [N-1:0] valid_nx;
        reg [15:0]  tag_nx;
        reg [15:0]  inv_ign;   // index mask of a selective invalidation: bit b ignored when b < inv_im
        integer     b;
        integer     k;
        begin
            for (b = 0; b < 16; b = b + 1)
                inv_ign[b] = ({27'd0, inv_im} > b);
            valid_nx = vld;
            for (k = 0; k < N; k = k + 1) begin
                tag_nx = tag[k];
                if (fill_valid && v_idx == k[EW-1:0]) begin
                    valid_nx[k] = 1'b1;
                    tag_nx      = fill_index;
                end
                if (do_inv && (inv_global || ((tag_nx & ~inv_ign) == (inv_index & ~inv_ign))))
                    valid_nx[k] = 1'b0;
            end
            valid_after = valid_nx;
        end
    endfunction

    always @(posedge clk) begin
        if (!rst_n) begin
            valid    <= {N{1'b0}};
            rr       <= {EW{1'b0}};
            inv_done <= 1'b0;
        end else begin
            if (fill_valid || do_inv) valid <= valid_after(valid, victim(valid, rr));
            inv_done <= do_inv;
            if (fill_valid) begin
                tag[victim(valid, rr)]  <= fill_index;
                data[victim(valid, rr)] <= fill_data;
                if (&valid)   // no free entry: the pointer's entry was replaced
                    rr <= (rr == N[EW-1:0] - 1'b1 || N == 1) ? {EW{1'b0}} : rr + 1'b1;
            end
        end
    end
`ifdef FORMAL
    // ------------------------------------------------------------------
    // Properties (make formal; formal/vtd_int_entry_cache.sby). The ranges are
    // written independently of the logic above (shifts instead of masks).
    reg f_past_valid = 1'b0;
    always @(posedge clk) f_past_valid <= 1'b1;
    always @(*) if (!f_past_valid) assume (!rst_n);

    // the environment (vtd_intr_remap): a fill follows a missed look-up of the
    // same index, so an index is held at most once
    always @(*) if (fill_valid) assume (lk_index == fill_index && !lk_hit);
    // an invalidation request holds its fields until done
    always @(posedge clk)
        if (f_past_valid && $past(rst_n) && $past(inv_valid) && !$past(inv_done))
            assume (inv_valid && inv_global == $past(inv_global)
                    && inv_index == $past(inv_index) && inv_im == $past(inv_im));

    // the index range an invalidation covers, as [f_lo, f_hi) (an arithmetic
    // range, where the logic above masks index bits), registered at the edge
    wire [16:0] f_size = (inv_global || inv_im >= 5'd16) ? 17'h10000 : (17'd1 << inv_im);
    wire [16:0] f_lo   = inv_global ? 17'd0 : ({1'b0, inv_index} & ~(f_size - 17'd1));
    reg  [16:0] f_lo_q, f_hi_q;
    reg         f_inv_q;
    always @(posedge clk) begin
        f_inv_q <= rst_n && inv_valid && !inv_done;
        f_lo_q  <= f_lo;
        f_hi_q  <= f_lo + f_size;
    end

    integer fa, fb;
    reg     f_hit, f_hit_data;
    always @(*) begin
        f_hit = 1'b0;
        f_hit_data = 1'b0;
        for (fa = 0; fa < N; fa = fa + 1)
            if (valid[fa] && tag[fa] == lk_index) begin
                f_hit = 1'b1;
                if (data[fa] == lk_data) f_hit_data = 1'b1;
            end
        if (f_past_valid) begin  // the state is defined from the reset edge on
            // a hit is exactly a valid entry with that index, and returns its data
            assert (lk_hit == f_hit);
            if (lk_hit) assert (f_hit_data);
            else assert (lk_data == {DW{1'b0}});
            // an index is held at most once
            for (fa = 0; fa < N; fa = fa + 1)
                for (fb = fa + 1; fb < N; fb = fb + 1)
                    if (valid[fa] && valid[fb]) assert (tag[fa] != tag[fb]);
        end
    end

    always @(posedge clk) if (f_past_valid && $past(rst_n) && rst_n) begin
        // after an invalidation edge no entry it covers is valid (the entry
        // filled at the same edge included), so no later look-up hits one
        // until a fill brings it back
        if (f_inv_q)
            for (fa = 0; fa < N; fa = fa + 1)
                if (valid[fa])
                    assert (!({1'b0, tag[fa]} >= f_lo_q && {1'b0, tag[fa]} < f_hi_q));
        // inv_done exactly one cycle after the invalidation is taken
        assert (inv_done == ($past(inv_valid) && !$past(inv_done)));
        // entries only appear through a fill
        for (fa = 0; fa < N; fa = fa + 1)
            if (valid[fa] && !$past(valid[fa])) assert ($past(fill_valid));
    end
`endif
endmodule
