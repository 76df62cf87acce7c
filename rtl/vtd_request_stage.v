// vtd_request_stage: the request stage S1 of vtd_remap_unit, and the drain
// that lets a register-based invalidation run.
//
// A request is taken from the DMA request port into S1 (the s1_* registers:
// the IOTLB and context-cache look-up keys, a walker's start data and the
// fault-record fields of a direct answer). In S1, in this order:
//   bytes touching FEE0_0000-FEEF_FFFF -> 29h (P14, also with TE=0);
//   GSTS.TES=0 -> output = input; latched TTM != 00 or SSIRWE=1 -> 30h;
//   IOTLB hit with the needed permission and an output not touching the
//   interrupt range -> translated; context-cache hit with TT=10 ->
//   pass-through (04h above HAW); anything else starts a walk on a free
//   walker (the lowest idle one; it takes the context-cache entry if there
//   is one). An IOTLB hit lacking the permission (or whose output would
//   touch FEEx) is treated as a miss, so the walk re-reads the tables and
//   reports the current answer.
// The walk-free answers leave as the direct answer d_* (valid/ready towards
// vtd_response_arbiter, which gives finished walkers priority). S1 only
// waits for a free walker or for d_ready, so hits and other walk-free
// answers pass walks in flight (responses return out of order; rsp_tag
// identifies them). S1 empties in the cycle its request fires (direct answer
// taken or walk started) and can take the next request in that same cycle.
// The IOTLB is told (tlb_use) when its hit answers a request, for its
// replacement state.
//
// Miss queue (MISSQ_DEPTH > 0): a request that must walk leaves S1 for a free
// walker when the queue is empty, else into the queue (with its context- and
// walk-cache look-ups, made in S1); S1 then takes the next request, so walk-
// free answers keep flowing while every walker is busy. Walkers start from
// the queue's head first (misses start in the order they left S1). A full
// queue holds the miss in S1 as before. With MISSQ_DEPTH = 0 a miss waits in
// S1 for a free walker. Invalidations wait until the queue is empty too.
//
// Miss merging (MISS_MERGE = 1): a miss whose source-id and 4 KB page are those
// of a walk in progress does not start a second walk of the same tables: it
// waits in S1 until that walker is idle (its fills written) and looks up
// again, so it usually hits the entry the walk filled (and walks itself only
// when it does not: a fault, a permission the entry lacks, a fill dropped by
// an invalidation). A miss is counted once, when S1 decides (ev_iotlb_*), so a
// merged request counts as the hit it becomes. Misses waiting in the miss
// queue are not compared (only walks in progress are).
//
// Register-based invalidation
//   While CCMD.ICC or IOTLB_REG.IVT is 1 (cc_inv_req / iotlb_inv_req), no new
//   request is taken; once S1 is empty, every walker is idle (their fills
//   done) and every answer has left the response queue (rsp_idle) the
//   invalidation runs in one cycle (cc_inv_go / iotlb_inv_go; the
//   context cache first when both are pending), then ICC/IVT clear and
//   CAIG/IAIG report the granularity done.
// Queued invalidation
//   While the queue engine holds qi_drain_req, no new request is taken
//   either; quiet (S1 empty, every walker idle, response queue empty) is its
//   drain_ack, and the engine's invalidation runs while both are 1. Waiting
//   for the response queue too means a translation made before an
//   invalidation has reached the device before the invalidation (and so a
//   wait descriptor behind it) completes: none is delivered after it.
//
// Events (one-cycle strobes for vtd_perf_counters): ev_request (request
// taken), ev_iotlb_hit / ev_iotlb_miss (S1 fires a request that reached the
// caches), ev_cc_hit / ev_cc_miss (of those, the IOTLB misses), ev_walk (walk
// started), ev_wc_hit / ev_wc_miss (a walk started with a walk-cache look-up
// that applied: context-cache hit on TT=00, address in range), in_flight (a
// request is in S1 or in a walker).
module vtd_request_stage #(
    parameter integer HAW       = 48,   // host address width (IOTLB frame: HAW-12 bits)
    parameter integer REQ_TAG_W = 8,
    parameter integer MAX_WALKS = 4,
    parameter integer MISSQ_DEPTH = 0,  // miss queue entries (0: none, a miss waits in S1)
    parameter integer MISS_MERGE = 1    // 1: a miss to a page being walked waits for that walk
) (
    input  wire                 clk,
    input  wire                 rst_n,          // synchronous, active low
    // DMA request port
    input  wire                 req_valid,
    output wire                 req_ready,
    input  wire [15:0]          req_sid,
    input  wire [63:0]          req_addr,
    input  wire                 req_write,
    input  wire [12:0]          req_size,
    input  wire [REQ_TAG_W-1:0] req_tag,
    // register state
    input  wire                 gsts_tes,
    input  wire [1:0]           root_ttm,       // latched RTADDR.TTM
    input  wire                 root_ssirwe,    // latched RTADDR.SSIRWE
    // register-based invalidation
    input  wire                 cc_inv_req,
    input  wire                 iotlb_inv_req,
    output wire                 cc_inv_go,      // run the context-cache invalidation now
    output wire                 iotlb_inv_go,   // run the IOTLB invalidation now
    input  wire                 qi_drain_req,   // queued invalidation: take no new request
    input  wire                 rsp_idle,       // response queue empty (all answers delivered)
    output wire                 quiet,          // S1 empty, every walker idle, rsp_idle
    // the request held in S1
    output reg  [15:0]          s1_sid,
    output reg  [63:0]          s1_addr,
    output reg                  s1_write,
    output reg  [12:0]          s1_size,
    output reg  [REQ_TAG_W-1:0] s1_tag,
    // IOTLB look-up of s1_sid / s1_addr
    input  wire                 tlb_hit,
    input  wire [1:0]           tlb_ps,         // 0 4 KB, 1 2 MB, 2 1 GB
    input  wire [HAW-13:0]      tlb_frame,
    input  wire                 tlb_r,
    input  wire                 tlb_w,
    output wire                 tlb_use,        // the hit answered the request
    // context-cache look-up of s1_sid
    input  wire                 cc_hit,
    input  wire [1:0]           cc_tt,
    input  wire                 cc_fpd,
    input  wire [15:0]          cc_did,
    input  wire [2:0]           cc_aw,
    input  wire [HAW-13:0]      cc_slptptr,
    // walk-cache look-up of the context-cache entry's DID (vtd_walk_cache)
    input  wire                 wc_valid,       // the look-up applies
    input  wire                 wc_hit,         // usable hit
    output wire                 wc_use,         // a walk started with the hit
    input  wire [2:0]           wc_level,
    input  wire [HAW-13:0]      wc_ptr,
    input  wire                 wc_r,
    input  wire                 wc_w,
    // walkers (walker i at bit i)
    input  wire [MAX_WALKS-1:0] wk_idle,
    output wire [MAX_WALKS-1:0] wk_start,       // one-hot: start a walk of ws_*
    // what the started walker takes: the S1 request with its look-ups, or the miss queue's head
    output wire [15:0]          ws_sid,
    output wire [63:0]          ws_addr,
    output wire                 ws_write,
    output wire [12:0]          ws_size,
    output wire [REQ_TAG_W-1:0] ws_tag,
    output wire                 ws_cc_hit,
    output wire [15:0]          ws_cc_did,
    output wire [1:0]           ws_cc_tt,
    output wire [2:0]           ws_cc_aw,
    output wire [HAW-13:0]      ws_cc_slptptr,
    output wire                 ws_cc_fpd,
    output wire                 ws_wc_hit,
    output wire [2:0]           ws_wc_level,
    output wire [HAW-13:0]      ws_wc_ptr,
    output wire                 ws_wc_r,
    output wire                 ws_wc_w,
    // direct answer (valid/ready)
    output wire                 d_valid,
    input  wire                 d_ready,
    output reg                  d_fault,
    output reg  [7:0]           d_reason,       // when d_fault
    output reg  [63:0]          d_hpa,          // when !d_fault
    output reg                  d_record,       // fault to be recorded (not FPD-suppressed)
    // performance events
    output wire                 ev_request,
    output wire                 ev_iotlb_hit,
    output wire                 ev_iotlb_miss,
    output wire                 ev_cc_hit,
    output wire                 ev_cc_miss,
    output wire                 ev_walk,
    output wire                 ev_wc_hit,
    output wire                 ev_wc_miss,
    output wire                 in_flight
);
    localparam integer TW = REQ_TAG_W;
    localparam integer NW = (MAX_WALKS > 1) ? $clog2(MAX_WALKS) : 1;
    localparam integer FW = HAW - 12;
    // a walker's start bundle: request, context-cache and walk-cache look-ups
    localparam integer WSW = 16 + 64 + 1 + 13 + TW + 1 + 16 + 2 + 3 + FW + 1 + 1 + 3 + FW + 1 + 1;

    // [a, a+size) overlaps FEE0_0000..FEEF_FFFF
    function intr_overlap(input [63:0] a, input [12:0] size);
        reg [64:0] e;
        begin
            e = {1'b0, a} + {52'd0, size};
            intr_overlap = (a < 64'hFEF0_0000) && (e > 65'h0_FEE0_0000);
        end
    endfunction

    reg s1_valid;

    // S1 decision
    wire s1_intr    = intr_overlap(s1_addr, s1_size);
    wire s1_ttm_bad = (root_ttm != 2'b00) || root_ssirwe;
    wire s1_lookup  = !s1_intr && gsts_tes && !s1_ttm_bad;   // reaches the caches

    wire [63:0] tlb_off_mask = (tlb_ps == 2'd2) ? 64'h3FFF_FFFF :
                               (tlb_ps == 2'd1) ? 64'h001F_FFFF : 64'h0000_0FFF;
    wire [63:0] tlb_hpa = ({{(64-HAW){1'b0}}, tlb_frame, 12'd0} & ~tlb_off_mask) |
                          (s1_addr & tlb_off_mask);
    wire tlb_ok   = tlb_hit && (s1_write ? tlb_w : tlb_r) && !intr_overlap(tlb_hpa, s1_size);
    wire pt_hit   = cc_hit && (cc_tt == 2'b10);
    wire pt_above = (s1_addr >> HAW) != 64'd0;

    wire s1_direct = s1_intr || !gsts_tes || s1_ttm_bad || tlb_ok || pt_hit;
    always @* begin
        d_fault  = 1'b0;
        d_reason = 8'h00;
        d_hpa    = 64'd0;
        d_record = 1'b0;
        if (s1_intr) begin
            d_fault = 1'b1; d_reason = 8'h29; d_record = 1'b1;
        end else if (!gsts_tes) begin
            d_hpa = s1_addr;
        end else if (s1_ttm_bad) begin
            d_fault = 1'b1; d_reason = 8'h30; d_record = 1'b1;
        end else if (tlb_ok) begin
            d_hpa = tlb_hpa;
        end else if (pt_above) begin
            d_fault = 1'b1; d_reason = 8'h04; d_record = !cc_fpd;
        end else if (intr_overlap(s1_addr, s1_size)) begin
            d_fault = 1'b1; d_reason = 8'h0E; d_record = !cc_fpd;
        end else begin
            d_hpa = s1_addr;
        end
    end

    // free walker (lowest idle one)
    reg          f_any;
    reg [NW-1:0] f_idx;
    integer      kf;       // free-walker loop
    always @* begin
        f_any = 1'b0;
        f_idx = {NW{1'b0}};
        for (kf = MAX_WALKS - 1; kf >= 0; kf = kf - 1) begin
            if (wk_idle[kf]) begin
                f_any = 1'b1;
                f_idx = kf[NW-1:0];
            end
        end
    end

    assign d_valid    = s1_valid && s1_direct;
    wire s1_direct_go = d_valid && d_ready;
    wire s1_miss      = s1_valid && !s1_direct;

    // miss merging: the source-id and 4 KB page each walker is walking
    reg  [15:0]          wk_sid [0:MAX_WALKS-1];
    reg  [51:0]          wk_pg  [0:MAX_WALKS-1];
    reg  [MAX_WALKS-1:0] merge_hit;
    integer              km;       // merge-compare loop
    always @* begin
        for (km = 0; km < MAX_WALKS; km = km + 1)
            merge_hit[km] = !wk_idle[km] && (wk_sid[km] == s1_sid) &&
                            (wk_pg[km] == s1_addr[63:12]);
    end
    wire merge_wait = (MISS_MERGE != 0) && s1_miss && (|merge_hit);
    wire s1_walk    = s1_miss && !merge_wait;   // S1's miss may start (or queue) a walk
    wire [WSW-1:0] s1_bundle = {s1_sid, s1_addr, s1_write, s1_size, s1_tag, cc_hit, cc_did,
                                cc_tt, cc_aw, cc_slptptr, cc_fpd, wc_valid && wc_hit, wc_level,
                                wc_ptr, wc_r, wc_w};
    wire [WSW-1:0] ws_bundle;
    wire           s1_walk_go;   // S1's miss leaves: to a walker or into the miss queue
    wire           start_now;    // a walker starts (from ws_bundle)
    wire           mq_busy;      // the miss queue holds a miss
`ifdef FORMAL
    wire           f_mq_pop;     // the miss queue's head leaves for a walker
    wire           f_mq_push;    // the miss queue takes S1's miss
    wire [WSW-1:0] f_mq_head;    // the miss queue's head word
    wire [7:0]     f_mq_in;      // miss-queue pushes since reset
    wire [7:0]     f_mq_out;     // miss-queue pops since reset
    reg            f_mq;         // the tracked request is in the miss queue
    reg  [7:0]     f_mq_k;       // ... as push number f_mq_k
    reg  [WSW-1:0] f_bundle;     // ... with this start bundle
`endif
    generate
        if (MISSQ_DEPTH == 0) begin : g_no_mq
            // A miss waits in S1 for a free walker (and the requests behind it wait too).
            assign s1_walk_go = s1_walk && f_any;
            assign start_now  = s1_walk_go;
            assign ws_bundle  = s1_bundle;
            assign mq_busy    = 1'b0;
`ifdef FORMAL
            assign f_mq_pop  = 1'b0;
            assign f_mq_push = 1'b0;
            assign f_mq_head = {WSW{1'b0}};
            assign f_mq_in   = 8'd0;
            assign f_mq_out = 8'd0;
`endif
        end else begin : g_mq
            // Miss queue: a miss that finds every walker busy (or misses already waiting)
            // moves on into the queue, so S1 takes the next request and hits keep flowing.
            // Walkers start from the queue's head first, in order.
            wire           mq_in_ready, mq_out_valid;
            wire [WSW-1:0] mq_out;
            wire           direct_ok = !mq_out_valid && f_any;
            wire           mq_push   = s1_walk && !direct_ok && mq_in_ready;
            assign s1_walk_go = s1_walk && (direct_ok || mq_push);
            assign start_now  = mq_out_valid ? f_any : (s1_walk && f_any);
            assign ws_bundle  = mq_out_valid ? mq_out : s1_bundle;
            assign mq_busy    = mq_out_valid;
            vtd_fifo #(.WIDTH(WSW), .DEPTH(MISSQ_DEPTH)) u_missq (
                .clk(clk), .rst_n(rst_n),
                .in_valid(mq_push), .in_ready(mq_in_ready), .in_data(s1_bundle),
                .out_valid(mq_out_valid), .out_ready(f_any), .out_data(mq_out)
            );
`ifdef FORMAL
            // Miss-queue words pushed and popped since reset. The queue is a vtd_fifo;
            // what formal/vtd_fifo.sby proves of it is assumed here (assume-guarantee):
            // ready/valid from its fill count (pushes - pops), and the word popped as
            // number k is the word pushed as number k (the tracked miss, below).
            reg [7:0] f_in_r, f_out_r;
            always @(posedge clk) begin
                if (!rst_n) begin
                    f_in_r  <= 8'd0;
                    f_out_r <= 8'd0;
                end else begin
                    if (f_mq_push) f_in_r <= f_in_r + 8'd1;
                    if (f_mq_pop) f_out_r <= f_out_r + 8'd1;
                end
            end
            assign f_mq_pop  = mq_out_valid && f_any;
            assign f_mq_push = mq_push && mq_in_ready;   // the word the FIFO takes
            assign f_mq_head = mq_out;
            assign f_mq_in  = f_in_r;
            assign f_mq_out = f_out_r;
            wire [7:0] f_mq_held = f_in_r - f_out_r;
            always @(*) begin
                assume (f_mq_held <= MISSQ_DEPTH);
                assume (mq_out_valid == (f_mq_held != 8'd0));
                assume (mq_in_ready == (f_mq_held != MISSQ_DEPTH));
                if (f_mq && f_out_r == f_mq_k && mq_out_valid) assume (mq_out == f_bundle);
            end
`endif
        end
    endgenerate
    assign {ws_sid, ws_addr, ws_write, ws_size, ws_tag, ws_cc_hit, ws_cc_did, ws_cc_tt,
            ws_cc_aw, ws_cc_slptptr, ws_cc_fpd, ws_wc_hit, ws_wc_level, ws_wc_ptr, ws_wc_r,
            ws_wc_w} = ws_bundle;
    wire s1_fire      = s1_direct_go || s1_walk_go;

    wire inv_pending  = cc_inv_req || iotlb_inv_req || qi_drain_req;
    assign req_ready  = !inv_pending && (!s1_valid || s1_fire);

    always @(posedge clk) begin
        if (!rst_n) begin
            s1_valid <= 1'b0;
            s1_sid   <= 16'd0;
            s1_addr  <= 64'd0;
            s1_write <= 1'b0;
            s1_size  <= 13'd0;
            s1_tag   <= {TW{1'b0}};
        end else begin
            if (req_valid && req_ready) begin
                s1_valid <= 1'b1;
                s1_sid   <= req_sid;
                s1_addr  <= req_addr;
                s1_write <= req_write;
                s1_size  <= req_size;
                s1_tag   <= req_tag;
            end else if (s1_fire) begin
                s1_valid <= 1'b0;
            end
        end
    end

    genvar g;
    generate
        for (g = 0; g < MAX_WALKS; g = g + 1) begin : g_start
            assign wk_start[g] = start_now && (f_idx == g[NW-1:0]);
            always @(posedge clk) begin
                if (!rst_n) begin
                    wk_sid[g] <= 16'd0;
                    wk_pg[g]  <= 52'd0;
                end else if (wk_start[g]) begin
                    wk_sid[g] <= ws_sid;
                    wk_pg[g]  <= ws_addr[63:12];
                end
            end
        end
    endgenerate

    // invalidations run when nothing is in flight
    assign quiet = !s1_valid && (&wk_idle) && !mq_busy && rsp_idle;
    assign cc_inv_go    = cc_inv_req && quiet;
    assign iotlb_inv_go = iotlb_inv_req && !cc_inv_req && quiet;

    assign tlb_use = s1_direct_go && s1_lookup && tlb_ok;

    // performance events
    assign ev_request    = req_valid && req_ready;
    assign ev_iotlb_hit  = s1_fire && s1_lookup && tlb_ok;
    assign ev_iotlb_miss = s1_fire && s1_lookup && !tlb_ok;
    assign ev_cc_hit     = s1_fire && s1_lookup && !tlb_ok && cc_hit;
    assign ev_cc_miss    = s1_fire && s1_lookup && !tlb_ok && !cc_hit;
    assign ev_walk       = start_now;
    assign ev_wc_hit     = s1_walk_go && wc_valid && wc_hit;
    assign ev_wc_miss    = s1_walk_go && wc_valid && !wc_hit;
    assign wc_use        = ev_wc_hit;
    assign in_flight     = s1_valid || !(&wk_idle) || mq_busy;
`ifdef FORMAL
    // ------------------------------------------------------------------
    // Properties (make formal; formal/vtd_request_stage.sby). Environment:
    // reset in the first cycle; the DMA request port follows valid/ready (a
    // request offered and not taken stays, unchanged); the look-ups, walkers'
    // idle flags, d_ready and the invalidation requests are free. Proved:
    //  - accounting: requests taken = direct answers + misses gone to a walker
    //    or the miss queue + the one in S1; S1 fires once per request (a direct
    //    answer or a miss leaving, never both); walkers start from S1's miss or
    //    the miss queue's head, one-hot, only an idle walker, and every miss
    //    that left S1 for the queue starts a walker when it pops: nothing is
    //    dropped or doubled;
    //  - a tracked request (the f_n-th taken, any f_n) stays in S1 unchanged
    //    until it leaves exactly once: as the direct answer with its tag, or
    //    on a walker start with its tag and fields (from S1 or, later, from
    //    the miss queue's head);
    //  - no request is taken while an invalidation is pending; an invalidation
    //    runs only when nothing is in flight.
    reg f_past_valid = 1'b0;
    always @(posedge clk) f_past_valid <= 1'b1;
    always @(*) if (!f_past_valid) assume (!rst_n);

    always @(posedge clk) if (f_past_valid && $past(rst_n) && rst_n) begin
        if ($past(req_valid && !req_ready))
            assume (req_valid && req_sid == $past(req_sid) && req_addr == $past(req_addr)
                    && req_write == $past(req_write) && req_size == $past(req_size)
                    && req_tag == $past(req_tag));
    end

    wire       f_take   = req_valid && req_ready;
    wire       f_to_mq  = s1_walk_go && f_mq_push;         // S1's miss enters the queue
    wire       f_s1_wk  = s1_walk_go && !f_mq_push;        // S1's miss starts a walker
    reg  [7:0] f_acc, f_dgo, f_wgo, f_starts;
    always @(posedge clk) begin
        if (!rst_n) begin
            f_acc <= 8'd0; f_dgo <= 8'd0; f_wgo <= 8'd0; f_starts <= 8'd0;
        end else begin
            if (f_take)                         f_acc    <= f_acc + 8'd1;
            if (s1_direct_go)                   f_dgo    <= f_dgo + 8'd1;
            if (s1_walk_go)                     f_wgo    <= f_wgo + 8'd1;
            if (wk_start != {MAX_WALKS{1'b0}})  f_starts <= f_starts + 8'd1;
        end
    end

    // the tracked request
    (* anyconst *) reg [7:0] f_n;
    reg                 f_seen, f_s1;
    reg [15:0]          f_sid;
    reg [63:0]          f_addr;
    reg                 f_write;
    reg [12:0]          f_size;
    reg [REQ_TAG_W-1:0] f_tag;
    wire [WSW-1:0]      f_s1_bundle = s1_bundle;
    always @(posedge clk) begin
        if (!rst_n) begin
            f_seen <= 1'b0;
            f_s1   <= 1'b0;
            f_mq   <= 1'b0;
        end else begin
            if (f_s1 && s1_fire) f_s1 <= 1'b0;
            if (f_s1 && f_to_mq) begin
                f_mq     <= 1'b1;
                f_mq_k   <= f_mq_in;
                f_bundle <= f_s1_bundle;
            end
            if (f_mq && f_mq_pop && f_mq_out == f_mq_k) f_mq <= 1'b0;
            if (f_take && !f_seen && f_acc == f_n) begin
                f_seen  <= 1'b1;
                f_s1    <= 1'b1;
                f_sid   <= req_sid;
                f_addr  <= req_addr;
                f_write <= req_write;
                f_size  <= req_size;
                f_tag   <= req_tag;
            end
        end
    end

    integer fk;
    always @(*) if (f_past_valid && rst_n) begin
        assert (f_acc - f_dgo - f_wgo == {7'd0, s1_valid});
        assert (f_wgo == f_mq_in + f_starts - f_mq_out);
        assert (!(s1_direct_go && s1_walk_go));
        if (s1_fire) assert (s1_valid);
        if (f_take) assert (!inv_pending);
        if (cc_inv_go || iotlb_inv_go) assert (!s1_valid && !mq_busy && (&wk_idle) && rsp_idle);
        // walker starts: one-hot, an idle walker, from S1's miss or the queue's head
        assert ((wk_start & (wk_start - 1'b1)) == {MAX_WALKS{1'b0}});
        for (fk = 0; fk < MAX_WALKS; fk = fk + 1)
            if (wk_start[fk]) assert (wk_idle[fk]);
        assert ((wk_start != {MAX_WALKS{1'b0}}) == (f_s1_wk || f_mq_pop));
        assert (!(f_s1_wk && f_mq_pop));
        if (f_s1_wk) assert (ws_bundle == s1_bundle);
        if (f_mq_pop) assert (ws_bundle == f_mq_head);
        if (f_mq_push) assert (s1_walk_go);
        // the tracked request: unchanged in S1, then out exactly once
        if (f_s1) assert (s1_valid && s1_sid == f_sid && s1_addr == f_addr && s1_write == f_write
                          && s1_size == f_size && s1_tag == f_tag && f_acc == f_n + 8'd1);
        if (!f_seen) assert (!f_s1 && !f_mq);
        assert (!(f_s1 && f_mq));
        if (f_mq) assert (f_mq_k - f_mq_out < f_mq_in - f_mq_out
                          && f_bundle[WSW-1 -: 16 + 64 + 1 + 13 + TW]
                             == {f_sid, f_addr, f_write, f_size, f_tag});
        if (f_mq && f_mq_pop && f_mq_out == f_mq_k) assert (ws_tag == f_tag && ws_addr == f_addr
                                                            && ws_sid == f_sid);
    end
`endif
endmodule
