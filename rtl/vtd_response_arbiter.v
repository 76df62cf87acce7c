// vtd_response_arbiter: picks the one answer per cycle that enters the
// response queue, and does what must happen at that moment.
//
// Each cycle one answer enters the response queue: a finished walker
// (round-robin among them, starting after the walker taken last; they have
// priority over S1) or S1's direct answer (d_ready = queue space and no
// finished walker). A fault enters the fault recorder (rec_*) in the same
// cycle its response enters the queue, so records are made in response order
// and a record is in place before its response is presented. A walker's
// IOTLB and context-cache fills are done at that moment too (tlb_fill_valid /
// cc_fill_valid with the fill_* fields), and the walker is released
// (wk_ack). The queue entry is {tag, fault, reason, hpa} with reason = 0 when
// !fault and hpa = 0 when fault; the record's FI is the request address
// 63:12. q_valid depends on q_ready (a walker is only taken when the queue
// has room), so the queue's ready must not depend on its same-cycle valid
// (vtd_fifo's in_ready comes from its fill count only).
module vtd_response_arbiter #(
    parameter integer HAW       = 48,   // host address width (frames: HAW-12 bits)
    parameter integer MGAW      = 48,   // max guest address width (VPN: MGAW-12 bits)
    parameter integer REQ_TAG_W = 8,
    parameter integer MAX_WALKS = 4
) (
    input  wire                           clk,
    input  wire                           rst_n,        // synchronous, active low
    // finished walkers (walker i at bit i / slice i)
    input  wire [MAX_WALKS-1:0]           wk_done,
    output wire [MAX_WALKS-1:0]           wk_ack,       // one-hot: result taken
    input  wire [REQ_TAG_W*MAX_WALKS-1:0] wk_tag,
    input  wire [16*MAX_WALKS-1:0]        wk_sid,
    input  wire [64*MAX_WALKS-1:0]        wk_addr,      // request address (FI = 63:12)
    input  wire [MAX_WALKS-1:0]           wk_write,
    input  wire [MAX_WALKS-1:0]           wk_fault,
    input  wire [8*MAX_WALKS-1:0]         wk_reason,
    input  wire [MAX_WALKS-1:0]           wk_record,
    input  wire [64*MAX_WALKS-1:0]        wk_hpa,
    input  wire [MAX_WALKS-1:0]           wk_tlb_fill,
    input  wire [2*MAX_WALKS-1:0]         wk_ps,
    input  wire [(MGAW-12)*MAX_WALKS-1:0] wk_vpn,
    input  wire [(HAW-12)*MAX_WALKS-1:0]  wk_frame,
    input  wire [MAX_WALKS-1:0]           wk_r,
    input  wire [MAX_WALKS-1:0]           wk_w,
    input  wire [16*MAX_WALKS-1:0]        wk_did,
    input  wire [MAX_WALKS-1:0]           wk_cc_fill,
    input  wire [2*MAX_WALKS-1:0]         wk_cc_tt,
    input  wire [3*MAX_WALKS-1:0]         wk_cc_aw,
    input  wire [(HAW-12)*MAX_WALKS-1:0]  wk_cc_slptptr,
    input  wire [MAX_WALKS-1:0]           wk_cc_fpd,
    // S1's direct answer (valid/ready) and its request
    input  wire                           d_valid,
    output wire                           d_ready,
    input  wire [REQ_TAG_W-1:0]           d_tag,
    input  wire [15:0]                    d_sid,
    input  wire [51:0]                    d_fi,         // request address 63:12 (FI)
    input  wire                           d_write,
    input  wire                           d_fault,
    input  wire [7:0]                     d_reason,
    input  wire [63:0]                    d_hpa,
    input  wire                           d_record,
    // response queue (push side)
    output wire                           q_valid,
    input  wire                           q_ready,
    output wire [REQ_TAG_W+73-1:0]        q_data,       // {tag, fault, reason[7:0], hpa[63:0]}
    // fault recorder
    output wire                           rec_valid,
    output wire [15:0]                    rec_sid,
    output wire [51:0]                    rec_fi,
    output wire [7:0]                     rec_fr,
    output wire                           rec_write,
    // IOTLB and context-cache fills (fill_sid / fill_did shared)
    output wire                           tlb_fill_valid,
    output wire                           cc_fill_valid,
    output wire [15:0]                    fill_sid,
    output wire [15:0]                    fill_did,
    output wire [MGAW-13:0]               fill_vpn,
    output wire [1:0]                     fill_ps,
    output wire [HAW-13:0]                fill_frame,
    output wire                           fill_r,
    output wire                           fill_w,
    output wire [1:0]                     fill_cc_tt,
    output wire [2:0]                     fill_cc_aw,
    output wire [HAW-13:0]                fill_cc_slptptr,
    output wire                           fill_cc_fpd,
    // performance event: an answer with a fault enters the queue
    output wire                           ev_fault
);
    localparam integer FW   = HAW - 12;
    localparam integer VPNW = MGAW - 12;
    localparam integer TW   = REQ_TAG_W;
    localparam integer NW   = (MAX_WALKS > 1) ? $clog2(MAX_WALKS) : 1;

    // the walkers' results, one word per walker
    wire [TW-1:0]   w_tag      [0:MAX_WALKS-1];
    wire [15:0]     w_sid      [0:MAX_WALKS-1];
    wire [63:0]     w_addr     [0:MAX_WALKS-1];
    wire            w_write    [0:MAX_WALKS-1];
    wire            w_fault    [0:MAX_WALKS-1];
    wire [7:0]      w_reason   [0:MAX_WALKS-1];
    wire            w_record   [0:MAX_WALKS-1];
    wire [63:0]     w_hpa      [0:MAX_WALKS-1];
    wire            w_tlb_fill [0:MAX_WALKS-1];
    wire [1:0]      w_ps       [0:MAX_WALKS-1];
    wire [VPNW-1:0] w_vpn      [0:MAX_WALKS-1];
    wire [FW-1:0]   w_frame    [0:MAX_WALKS-1];
    wire            w_r        [0:MAX_WALKS-1];
    wire            w_w        [0:MAX_WALKS-1];
    wire [15:0]     w_did      [0:MAX_WALKS-1];
    wire            w_cc_fill  [0:MAX_WALKS-1];
    wire [1:0]      w_cc_tt    [0:MAX_WALKS-1];
    wire [2:0]      w_cc_aw    [0:MAX_WALKS-1];
    wire [FW-1:0]   w_cc_slpt  [0:MAX_WALKS-1];
    wire            w_cc_fpd   [0:MAX_WALKS-1];

    genvar g;
    generate
        for (g = 0; g < MAX_WALKS; g = g + 1) begin : g_w
            assign w_tag[g]      = wk_tag[TW*g +: TW];
            assign w_sid[g]      = wk_sid[16*g +: 16];
            assign w_addr[g]     = wk_addr[64*g +: 64];
            assign w_write[g]    = wk_write[g];
            assign w_fault[g]    = wk_fault[g];
            assign w_reason[g]   = wk_reason[8*g +: 8];
            assign w_record[g]   = wk_record[g];
            assign w_hpa[g]      = wk_hpa[64*g +: 64];
            assign w_tlb_fill[g] = wk_tlb_fill[g];
            assign w_ps[g]       = wk_ps[2*g +: 2];
            assign w_vpn[g]      = wk_vpn[VPNW*g +: VPNW];
            assign w_frame[g]    = wk_frame[FW*g +: FW];
            assign w_r[g]        = wk_r[g];
            assign w_w[g]        = wk_w[g];
            assign w_did[g]      = wk_did[16*g +: 16];
            assign w_cc_fill[g]  = wk_cc_fill[g];
            assign w_cc_tt[g]    = wk_cc_tt[2*g +: 2];
            assign w_cc_aw[g]    = wk_cc_aw[3*g +: 3];
            assign w_cc_slpt[g]  = wk_cc_slptptr[FW*g +: FW];
            assign w_cc_fpd[g]   = wk_cc_fpd[g];
        end
    endgenerate

    // response arbitration: finished walkers (round-robin) before S1
    reg  [NW-1:0] wk_rr;
    reg           w_any;
    reg  [NW-1:0] w_idx;
    integer       k, c;     // response round-robin loop
    always @* begin
        w_any = 1'b0;
        w_idx = {NW{1'b0}};
        for (k = 0; k < MAX_WALKS; k = k + 1) begin
            c = k + {{(32-NW){1'b0}}, wk_rr};
            if (c >= MAX_WALKS) c = c - MAX_WALKS;
            if (!w_any && wk_done[c]) begin
                w_any = 1'b1;
                w_idx = c[NW-1:0];
            end
        end
    end
    wire take_w = w_any && q_ready;

    always @(posedge clk) begin
        if (!rst_n) begin
            wk_rr <= {NW{1'b0}};
        end else if (take_w) begin
            wk_rr <= (w_idx == MAX_WALKS[NW-1:0] - 1'b1) ? {NW{1'b0}} : w_idx + 1'b1;
        end
    end

    generate
        for (g = 0; g < MAX_WALKS; g = g + 1) begin : g_ack
            assign wk_ack[g] = take_w && (w_idx == g[NW-1:0]);
        end
    endgenerate

    assign d_ready = q_ready && !w_any;

    // response queue + fault recording
    wire [TW-1:0] q_tag    = take_w ? w_tag[w_idx]    : d_tag;
    wire          q_fault  = take_w ? w_fault[w_idx]  : d_fault;
    wire [7:0]    q_reason = take_w ? w_reason[w_idx] : d_reason;
    wire [63:0]   q_hpa    = take_w ? w_hpa[w_idx]    : d_hpa;
    wire          q_record = take_w ? w_record[w_idx] : d_record;
    wire          q_push   = take_w || (d_valid && d_ready);

    assign q_valid = q_push;
    assign q_data  = {q_tag, q_fault, q_fault ? q_reason : 8'h00, q_fault ? 64'd0 : q_hpa};

    assign rec_valid = q_push && q_fault && q_record;
    assign rec_sid   = take_w ? w_sid[w_idx]   : d_sid;
    assign rec_fi    = take_w ? w_addr[w_idx][63:12] : d_fi;
    assign rec_write = take_w ? w_write[w_idx] : d_write;
    assign rec_fr    = q_reason;

    // cache fills from the walker taken this cycle
    assign tlb_fill_valid  = take_w && w_tlb_fill[w_idx];
    assign cc_fill_valid   = take_w && w_cc_fill[w_idx];
    assign fill_sid        = w_sid[w_idx];
    assign fill_did        = w_did[w_idx];
    assign fill_vpn        = w_vpn[w_idx];
    assign fill_ps         = w_ps[w_idx];
    assign fill_frame      = w_frame[w_idx];
    assign fill_r          = w_r[w_idx];
    assign fill_w          = w_w[w_idx];
    assign fill_cc_tt      = w_cc_tt[w_idx];
    assign fill_cc_aw      = w_cc_aw[w_idx];
    assign fill_cc_slptptr = w_cc_slpt[w_idx];
    assign fill_cc_fpd     = w_cc_fpd[w_idx];

    assign ev_fault = q_push && q_fault;
`ifdef FORMAL
    // ------------------------------------------------------------------
    // Properties (make formal; formal/vtd_response_arbiter.sby). Environment:
    // reset in the first cycle; a finished walker holds done, with its result,
    // until its ack (proved in vtd_page_walker); q_ready and S1's direct answer
    // are free (d_valid is an internal offer, S1 keeps its request until
    // d_ready). Proved: a push only when the queue has room; each push carries
    // exactly one answer (a finished walker's, acknowledged one-hot, or S1's,
    // never both), with its tag and result; S1 is told d_ready only when its
    // answer is the one pushed; fills, records and acks only with the push; a
    // finished walker is taken within MAX_WALKS pushes of walkers (round-robin:
    // no walker waits forever while the queue drains).
    reg f_past_valid = 1'b0;
    always @(posedge clk) f_past_valid <= 1'b1;
    always @(*) if (!f_past_valid) assume (!rst_n);

    wire          f_d_go = d_valid && d_ready;
    wire [TW-1:0] f_q_tag = q_data[TW+72:73];
    wire          f_q_fault = q_data[72];
    reg  [7:0]    f_waited [0:MAX_WALKS-1];   // walker pushes while walker i was done
    genvar fi;
    generate
        for (fi = 0; fi < MAX_WALKS; fi = fi + 1) begin : g_f
            always @(posedge clk) begin
                if (!rst_n || !wk_done[fi] || wk_ack[fi]) f_waited[fi] <= 8'd0;
                else if (take_w && f_waited[fi] != 8'hFF) f_waited[fi] <= f_waited[fi] + 8'd1;
            end
            always @(posedge clk) if (f_past_valid && $past(rst_n) && rst_n) begin
                // walker rule: done is held, the result unchanged, until the ack
                if ($past(wk_done[fi] && !wk_ack[fi]))
                    assume (wk_done[fi] && wk_tag[TW*fi +: TW] == $past(wk_tag[TW*fi +: TW])
                            && wk_fault[fi] == $past(wk_fault[fi])
                            && wk_reason[8*fi +: 8] == $past(wk_reason[8*fi +: 8])
                            && wk_hpa[64*fi +: 64] == $past(wk_hpa[64*fi +: 64]));
            end
            always @(*) if (f_past_valid && rst_n) begin
                if (wk_ack[fi]) begin
                    assert (wk_done[fi] && q_valid && !f_d_go);
                    assert (f_q_tag == wk_tag[TW*fi +: TW] && f_q_fault == wk_fault[fi]);
                    assert (q_data[71:0] == (wk_fault[fi] ? {wk_reason[8*fi +: 8], 64'd0}
                                                         : {8'd0, wk_hpa[64*fi +: 64]}));
                end
                // round-robin: every other walker is taken at most once ahead of it
                // (each take moves wk_rr forward, never past a waiting walker)
                if (wk_done[fi])
                    assert ({24'd0, f_waited[fi]} + ((fi + MAX_WALKS - {{(32-NW){1'b0}}, wk_rr})
                                                     % MAX_WALKS) < MAX_WALKS);
                else
                    assert (f_waited[fi] == 8'd0);
            end
        end
    endgenerate

    always @(*) if (f_past_valid && rst_n) begin
        assert ((wk_ack & (wk_ack - 1'b1)) == {MAX_WALKS{1'b0}});
        if (q_valid) assert (q_ready);
        assert (q_valid == ((wk_ack != {MAX_WALKS{1'b0}}) || f_d_go));
        if (d_ready) assert (wk_ack == {MAX_WALKS{1'b0}});
        if (f_d_go) begin
            assert (f_q_tag == d_tag && f_q_fault == d_fault);
            assert (q_data[71:0] == (d_fault ? {d_reason, 64'd0} : {8'd0, d_hpa}));
        end
        if (rec_valid || tlb_fill_valid || cc_fill_valid) assert (q_valid);
        if (tlb_fill_valid || cc_fill_valid) assert (wk_ack != {MAX_WALKS{1'b0}});
        assert (wk_rr < MAX_WALKS);
    end
`endif
endmodule
