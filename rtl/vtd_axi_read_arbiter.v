// vtd_axi_read_arbiter: shares one AXI4 read channel between N walkers.
//
// AR: round-robin among the requesting walkers; the granted request is loaded
// into the registered AR output (ARID = walker index) whenever that register
// is empty or being accepted, and the walker is told with a one-cycle
// ack. Each walker has at most one read outstanding, so the ID alone routes
// the R beats back, in whatever order and interleaving the memory returns
// them.
// R: RREADY is always 1 (a walker with a read outstanding always takes its
// beats); beats are registered once and delivered to the walker named by
// RID (beats with an RID >= N are dropped).
// Fixed AR attributes: INCR burst, 8-byte beats (ARSIZE=3), ARCACHE=0011
// (normal, non-cacheable, bufferable; ECAP.C=1 means the fetches are
// coherent), ARPROT=000, ARLOCK=0.
module vtd_axi_read_arbiter #(
    parameter integer N        = 4,     // number of walkers
    parameter integer AXI_ID_W = 4
) (
    input  wire                clk,
    input  wire                rst_n,
    // walker side (walker i at bit i / slice i)
    input  wire [N-1:0]        w_ar_req,
    input  wire [64*N-1:0]     w_ar_addr,
    input  wire [8*N-1:0]      w_ar_len,
    output reg  [N-1:0]        w_ar_ack,
    output reg  [N-1:0]        w_r_valid,
    output reg  [63:0]         w_r_data,
    output reg  [1:0]          w_r_resp,
    output reg                 w_r_last,
    // AXI4 read master
    output reg  [AXI_ID_W-1:0] m_axi_arid,
    output reg  [63:0]         m_axi_araddr,
    output reg  [7:0]          m_axi_arlen,
    output wire [2:0]          m_axi_arsize,
    output wire [1:0]          m_axi_arburst,
    output wire                m_axi_arlock,
    output wire [3:0]          m_axi_arcache,
    output wire [2:0]          m_axi_arprot,
    output reg                 m_axi_arvalid,
    input  wire                m_axi_arready,
    input  wire [AXI_ID_W-1:0] m_axi_rid,
    input  wire [63:0]         m_axi_rdata,
    input  wire [1:0]          m_axi_rresp,
    input  wire                m_axi_rlast,
    input  wire                m_axi_rvalid,
    output wire                m_axi_rready,
    // event: an AR handshake (one table read issued) this cycle
    output wire                ar_fire
);
    localparam integer NW = (N > 1) ? $clog2(N) : 1;

    generate
        if (AXI_ID_W < NW) begin : g_bad_id
            // Elaboration error: every walker needs its own ARID.
            vtd_error_axi_id_width_too_small_for_max_walks u_err ();
        end
    endgenerate

    assign m_axi_arsize  = 3'd3;
    assign m_axi_arburst = 2'b01;
    assign m_axi_arlock  = 1'b0;
    assign m_axi_arcache = 4'b0011;
    assign m_axi_arprot  = 3'b000;
    assign m_axi_rready  = 1'b1;
    assign ar_fire       = m_axi_arvalid && m_axi_arready;

    reg [NW-1:0] rr;           // next walker to favour
    reg          g_any;
    reg [NW-1:0] g_idx;
    integer      k, c;     // round-robin search loop
    integer      kr;       // R routing loop

    // round-robin pick starting at rr
    always @* begin
        g_any = 1'b0;
        g_idx = {NW{1'b0}};
        for (k = 0; k < N; k = k + 1) begin
            c = k + {{(32-NW){1'b0}}, rr};
            if (c >= N) c = c - N;
            if (!g_any && w_ar_req[c]) begin
                g_any = 1'b1;
                g_idx = c[NW-1:0];
            end
        end
    end

    reg [AXI_ID_W-1:0] g_id;   // g_idx zero-extended to the ID width
    always @* begin
        g_id = {AXI_ID_W{1'b0}};
        g_id[NW-1:0] = g_idx;
    end

    wire load = g_any && (!m_axi_arvalid || m_axi_arready);

    always @* begin
        w_ar_ack = {N{1'b0}};
        if (load) w_ar_ack[g_idx] = 1'b1;
    end

    always @(posedge clk) begin
        if (!rst_n) begin
            rr            <= {NW{1'b0}};
            m_axi_arvalid <= 1'b0;
            m_axi_arid    <= {AXI_ID_W{1'b0}};
            m_axi_araddr  <= 64'd0;
            m_axi_arlen   <= 8'd0;
        end else begin
            if (load) begin
                m_axi_arvalid <= 1'b1;
                m_axi_arid    <= g_id;
                m_axi_araddr  <= w_ar_addr[64*g_idx +: 64];
                m_axi_arlen   <= w_ar_len[8*g_idx +: 8];
                rr            <= (g_idx == N[NW-1:0] - 1'b1) ? {NW{1'b0}} : g_idx + 1'b1;
            end else if (m_axi_arready) begin
                m_axi_arvalid <= 1'b0;
            end
        end
    end

    // R beats: one register stage, routed by ID
    always @(posedge clk) begin
        if (!rst_n) begin
            w_r_valid <= {N{1'b0}};
            w_r_data  <= 64'd0;
            w_r_resp  <= 2'b00;
            w_r_last  <= 1'b0;
        end else begin
            w_r_valid <= {N{1'b0}};
            if (m_axi_rvalid) begin
                for (kr = 0; kr < N; kr = kr + 1)
                    if (m_axi_rid == kr[AXI_ID_W-1:0]) w_r_valid[kr] <= 1'b1;
                w_r_data <= m_axi_rdata;
                w_r_resp <= m_axi_rresp;
                w_r_last <= m_axi_rlast;
            end
        end
    end
`ifdef FORMAL
    // ------------------------------------------------------------------
    // Properties (make formal; formal/vtd_axi_read_arbiter.sby). Environment:
    // reset in the first cycle; a client holds ar_req, with its address and
    // length, until its ack (what vtd_page_walker, vtd_inval_queue and
    // vtd_intr_remap prove of their read ports); ARREADY, RVALID, RID and the
    // R payload are free. Proved: AXI's AR rule (no withdrawal, no change while
    // stalled); an ack only to a requesting client, one at a time, only when the
    // AR register is free (nothing overwritten before AXI took it), and the AR
    // that follows carries that client's ID, address and length; every R beat
    // reaches exactly the client its RID names, one cycle later, unchanged
    // (RID >= N: nobody).
    reg f_past_valid = 1'b0;
    always @(posedge clk) f_past_valid <= 1'b1;
    always @(*) if (!f_past_valid) assume (!rst_n);

    genvar fi;
    generate
        for (fi = 0; fi < N; fi = fi + 1) begin : g_f
            always @(posedge clk) if (f_past_valid && $past(rst_n) && rst_n) begin
                // client rule: a request is held, unchanged, until its ack
                if ($past(w_ar_req[fi] && !w_ar_ack[fi]))
                    assume (w_ar_req[fi] && w_ar_addr[64*fi +: 64] == $past(w_ar_addr[64*fi +: 64])
                            && w_ar_len[8*fi +: 8] == $past(w_ar_len[8*fi +: 8]));
                // an ack puts that client's request on AR
                if ($past(w_ar_ack[fi]))
                    assert (m_axi_arvalid && m_axi_arid == fi
                            && m_axi_araddr == $past(w_ar_addr[64*fi +: 64])
                            && m_axi_arlen == $past(w_ar_len[8*fi +: 8]));
                // R routing: a beat reaches the client its RID names, unchanged
                if ($past(m_axi_rvalid) && $past(m_axi_rid) == fi)
                    assert (w_r_valid[fi] && w_r_data == $past(m_axi_rdata)
                            && w_r_resp == $past(m_axi_rresp) && w_r_last == $past(m_axi_rlast));
                if (w_r_valid[fi])
                    assert ($past(m_axi_rvalid) && $past(m_axi_rid) == fi);
            end
            always @(*) if (f_past_valid && w_ar_ack[fi]) assert (w_ar_req[fi]);
        end
    endgenerate

    always @(*) if (f_past_valid) begin
        assert ((w_ar_ack & (w_ar_ack - 1'b1)) == {N{1'b0}});       // at most one ack
        if (w_ar_ack != {N{1'b0}}) assert (!m_axi_arvalid || m_axi_arready);
        assert ({{(32-AXI_ID_W){1'b0}}, m_axi_arid} < N);
        assert ((w_r_valid & (w_r_valid - 1'b1)) == {N{1'b0}});     // one client per beat
        assert (m_axi_rready);
    end
    always @(posedge clk) if (f_past_valid && $past(rst_n) && rst_n) begin
        // AXI: AR stays valid and unchanged until ARREADY
        if ($past(m_axi_arvalid && !m_axi_arready))
            assert (m_axi_arvalid && m_axi_arid == $past(m_axi_arid)
                    && m_axi_araddr == $past(m_axi_araddr) && m_axi_arlen == $past(m_axi_arlen));
        // a beat whose RID names no client is dropped
        if ($past(m_axi_rvalid) && {{(32-AXI_ID_W){1'b0}}, $past(m_axi_rid)} >= N)
            assert (w_r_valid == {N{1'b0}});
    end
`endif
endmodule
