// vtd_inval_queue: queued-invalidation engine, legacy mode (doc/vtd-rules.md
// sec. 1.11, 2.7, 6.1-6.4; decisions P10, P12). Standalone block, ready to be
// wired into vtd_remap_unit next to vtd_reg_file.
//
// Behaviour follows the golden model (python_model/queued_invalidation.py,
// python_model/unit.py) exactly; descriptors are processed one at a time.
//
// Ownership at integration
//   The register file keeps IQA, IQT, GCMD/GSTS.QIES, FSTS.IQE, IECTL/IEDATA/
//   IEADDR/IEUADDR and presents them here; this block owns IQH, IQERCD.IQEI,
//   ICS.IWC and the engine state. The register file must also refuse
//   register-based invalidation (CCMD.ICC, IOTLB_REG.IVT) while QIES=1
//   (sec. 6.4: CAIG/IAIG read 00), and set FSTS.IQE on iqe_set (the fault
//   recorder runs the event logic, P9). IQA must not change while QIES=1.
//
// Runs
//   A run is requested ("kick") by a tail write (iqt_wr), by QIES going 0->1
//   and by software clearing FSTS.IQE (iqe_clear while halted). A kick is
//   taken when the engine is idle with QIES=1 and not halted. Taking a run:
//     IQA.DW=1                       -> IQE, IQEI=5 (256-bit descriptors need
//                                       SMTS or ADMS; legacy mode has neither)
//     IQT.QT >= 2^(QS+8) entries     -> IQE, IQEI=1 (bad tail)
//     otherwise the tail is latched and descriptors run from IQH to it.
//   A tail written during a run is taken after the run reaches the latched
//   tail (as the untimed model, which finishes each run inside the write).
//   Only the last of several tail writes during one run is seen.
// Per descriptor (at IQH): one 2-beat read (ar_len=1) of 128 bits from
//   {IQA.IQA, 12'b0} + IQH (bits >= HAW of IQA ignored). Then, in order:
//     a read beat with RRESP = SLVERR/DECERR, or a short burst -> IQEI=2
//     type {qw0[11:9], qw0[3:0]} not 1h/2h/4h/5h                  -> IQEI=3
//     a reserved bit set (masks of sec. 2.7, PD of 5h reserved)   -> IQEI=4
//     1h G=00; 2h G=00, or G=11 with PSI=0 or AM > MAMV (P12);
//     4h IM > MHMV                                                -> IQEI=4
//   An error sets IQERCD.IQEI, pulses iqe_set and halts the engine with IQH
//   on the bad descriptor; it stays halted until iqe_clear. A valid
//   descriptor advances IQH (wrapping at 2^(QS+8) entries) and then runs:
//     1h/2h/4h: drain_req, wait for drain_ack, present the invalidation
//               request and wait for its done; drain_req stays 1 until done.
//     5h:       drain_req, wait for drain_ack; SW=1: one status write of
//               qw0[63:32] to {qw1[63:2], 2'b00} and wait for its response
//               (an error response is ignored: the write is dropped);
//               IF=1: if ICS.IWC=0, set IWC and pulse inv_event_req, after
//               the status write's response (P10: SW and IF may both be 1).
//   The next descriptor is fetched only after the previous one completed, so
//   every ordering rule of sec. 6.4 (IOTLB after CC, wait after everything
//   earlier) and FN=1 (fence) hold by construction; FN needs no extra logic.
// QIES=0: no new descriptor is started, the pending kick is dropped and IQH
//   returns to 0 once the engine is idle (hardware resets IQH when QI is
//   disabled; software disables QI only when the queue is quiesced).
//
// Cycle cost per descriptor (cycles in the states NEXT, FETCH, READ, DECODE,
// DRAIN, INV, AW, B; busy=1 throughout). With
//   L_a = cycles ar_req waits for ar_ack beyond the first (0 = acked at once)
//   L_r = cycles from the ar_ack cycle to the first R beat (>= 1), 2 beats
//         back to back (each gap between them adds a cycle)
//   D, V, W = extra cycles waiting for drain_ack, the done pulse, aw_ack
//   L_b = cycles from the aw_ack cycle to b_valid (>= 1)
// the costs are
//   1h / 2h / 4h      6 + L_a + L_r + D + V       (7 with instant responders)
//   5h SW=0           5 + L_a + L_r + D           (6)
//   5h SW=1           6 + L_a + L_r + D + W + L_b (8)
//   bad descriptor    4 + L_a + L_r, then halted  (5)
//   bad tail / DW=1   1 (the IDLE cycle that takes the run)
// plus, per run, 1 IDLE cycle to take the kick (the cycle after the iqt_wr
// edge) and 1 NEXT cycle at the end. FN=1 and IF=1 cost nothing extra. The
// numbers in brackets are checked by the block test (qi_timing). Behind
// vtd_axi_read_arbiter L_r is at least 2 plus the memory's AR-to-R time (the
// arbiter registers AR and R).
//
// ---------------------------------------------------------------------------
// Ports
//   clk, rst_n           clock; synchronous active-low reset (power-good: also
//                        clears the sticky IQEI and IWC)
//   Register side (from the register file):
//     qies               GSTS.QIES (level)
//     iqa_base[HAW-13:0] IQA bits HAW-1:12 (queue base; bits >= HAW dropped)
//     iqa_qs[2:0]        IQA.QS: 2^QS 4 KB pages, 2^(QS+8) entries
//     iqa_dw             IQA.DW (1 -> IQE, IQEI=5)
//     iqt[18:4]          IQT.QT (descriptor index, bit positions of IQT)
//     iqt_wr             one-cycle pulse: IQT was written
//     iqe_clear          one-cycle pulse: software cleared FSTS.IQE
//     ics_iwc_clear      one-cycle pulse: software wrote ICS.IWC=1 (W1C)
//   Register side (to the register file):
//     iqh[18:4]          IQH.QH (reads as IQH bits 18:4; other bits 0)
//     iqei[3:0]          IQERCD.IQEI of the last queue error (sticky)
//     iqe_set            one-cycle pulse: a queue error; set FSTS.IQE
//     iqe_halted         1 from an error until iqe_clear (mirrors FSTS.IQE)
//     ics_iwc            ICS.IWC
//     inv_event_req      one-cycle pulse: a wait with IF=1 completed while
//                        IWC was 0; the event logic sets IECTL.IP or sends
//                        the IEDATA/IEADDR/IEUADDR message (sec. 6.4)
//     busy               a run is in progress (not idle)
//   Descriptor fetch (one walker's side of vtd_axi_read_arbiter; one read
//   outstanding):
//     ar_req             held until ar_ack
//     ar_addr[63:0]      descriptor address (16-byte aligned)
//     ar_len[7:0]        1 (two 8-byte beats)
//     ar_ack             one-cycle pulse: the read was taken (may be in the
//                        first cycle of ar_req)
//     r_valid, r_data[63:0], r_resp[1:0], r_last   R beats (always taken)
//   Status write (wait descriptor SW=1; the top maps it onto AW/W/B):
//     aw_req             held until aw_ack
//     aw_addr[63:0]      status address, bits 1:0 = 0
//     w_data[31:0]       status data (one dword; byte strobes 4'hF)
//     aw_ack             one-cycle pulse: address and data taken
//     b_valid, b_resp[1:0]  the write response (always taken); SLVERR/DECERR
//                        are ignored
//   Context-cache invalidation (req held until a one-cycle done):
//     cc_inv_req, cc_inv_gran[1:0] (01 global, 10 domain, 11 device),
//     cc_inv_did[15:0] (masked to 4+2*ND bits), cc_inv_sid[15:0],
//     cc_inv_fm[1:0], cc_inv_done
//   IOTLB invalidation (req held until a one-cycle done):
//     iotlb_inv_req, iotlb_inv_gran[1:0] (01 global, 10 domain, 11 page),
//     iotlb_inv_did[15:0] (masked), iotlb_inv_vpn[51:0] (ADDR bits 63:12 as
//     written in the descriptor), iotlb_inv_am[5:0], iotlb_inv_ih,
//     iotlb_inv_done. The top truncates vpn to MGAW for the IOTLB, as the
//     register path does.
//   IEC invalidation (req held until a one-cycle done):
//     iec_inv_req, iec_inv_global (descriptor G=0), iec_inv_index[15:0],
//     iec_inv_im[4:0], iec_inv_done
//   Quiesce handshake with the DMA pipeline:
//     drain_req          level: take no new request; held from a valid
//                        descriptor's decode until the descriptor completes
//     drain_ack          level: nothing that could use an invalidated entry is
//                        in flight (S1 empty, every walker idle with its fills
//                        done); sampled only while drain_req=1
// ---------------------------------------------------------------------------
module vtd_inval_queue #(
    parameter integer HAW  = 48,  // host address width (32..52)
    parameter integer ND   = 2,   // CAP.ND: DID width 4+2*ND (0..6)
    parameter integer PSI  = 1,   // CAP.PSI: page-selective IOTLB invalidation
    parameter integer MAMV = 18,  // CAP.MAMV: max AM of a page-selective 2h
    parameter integer MHMV = 15   // ECAP.MHMV: max IM of a 4h
) (
    input  wire            clk,
    input  wire            rst_n,
    // register side
    input  wire            qies,
    input  wire [HAW-13:0] iqa_base,
    input  wire [2:0]      iqa_qs,
    input  wire            iqa_dw,
    input  wire [18:4]     iqt,
    input  wire            iqt_wr,
    input  wire            iqe_clear,
    input  wire            ics_iwc_clear,
    output reg  [18:4]     iqh,
    output reg  [3:0]      iqei,
    output reg             iqe_set,
    output reg             iqe_halted,
    output reg             ics_iwc,
    output reg             inv_event_req,
    output wire            busy,
    // descriptor fetch
    output wire            ar_req,
    output wire [63:0]     ar_addr,
    output wire [7:0]      ar_len,
    input  wire            ar_ack,
    input  wire            r_valid,
    input  wire [63:0]     r_data,
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire [1:0]      r_resp,   // bit 1 set = SLVERR/DECERR; EXOKAY counts as OKAY
    /* verilator lint_on UNUSEDSIGNAL */
    input  wire            r_last,
    // status write
    output wire            aw_req,
    output wire [63:0]     aw_addr,
    output wire [31:0]     w_data,
    input  wire            aw_ack,
    input  wire            b_valid,
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire [1:0]      b_resp,   // an error response is ignored (write dropped)
    /* verilator lint_on UNUSEDSIGNAL */
    // context-cache invalidation
    output wire            cc_inv_req,
    output wire [1:0]      cc_inv_gran,
    output wire [15:0]     cc_inv_did,
    output wire [15:0]     cc_inv_sid,
    output wire [1:0]      cc_inv_fm,
    input  wire            cc_inv_done,
    // IOTLB invalidation
    output wire            iotlb_inv_req,
    output wire [1:0]      iotlb_inv_gran,
    output wire [15:0]     iotlb_inv_did,
    output wire [51:0]     iotlb_inv_vpn,
    output wire [5:0]      iotlb_inv_am,
    output wire            iotlb_inv_ih,
    input  wire            iotlb_inv_done,
    // IEC invalidation
    output wire            iec_inv_req,
    output wire            iec_inv_global,
    output wire [15:0]     iec_inv_index,
    output wire [4:0]      iec_inv_im,
    input  wire            iec_inv_done,
    // quiesce
    output wire            drain_req,
    input  wire            drain_ack
);
    generate
        if (HAW < 32 || HAW > 52 || ND < 0 || ND > 6 || PSI < 0 || PSI > 1 ||
            MAMV < 0 || MAMV > 63 || MHMV < 0 || MHMV > 15) begin : g_bad_param
            // Elaboration error: a parameter is outside its architectural range.
            vtd_error_inval_queue_parameter_out_of_range u_err ();
        end
    endgenerate

    localparam integer DIDW = 4 + 2 * ND;
    localparam [15:0]  DID_MASK = (DIDW >= 16) ? 16'hFFFF : ((16'd1 << DIDW) - 16'd1);

    // IQEI codes (sec. 1.11)
    localparam [3:0] IQEI_BAD_TAIL = 4'd1;
    localparam [3:0] IQEI_FETCH    = 4'd2;
    localparam [3:0] IQEI_BAD_TYPE = 4'd3;
    localparam [3:0] IQEI_RESERVED = 4'd4;
    localparam [3:0] IQEI_BAD_DW   = 4'd5;

    // reserved bits per type, legacy checks (sec. 2.7)
    localparam [63:0] RSV1_0 = 64'hFFFC_0000_0000_F1C0;  // 8:6, 15:12, 63:50
    localparam [63:0] RSV1_1 = 64'hFFFF_FFFF_FFFF_FFFF;  // all
    localparam [63:0] RSV2_0 = 64'hFFFF_FFFF_0000_F100;  // 8, 15:12, 63:32
    localparam [63:0] RSV2_1 = 64'h0000_0000_0000_0F80;  // 11:7
    localparam [63:0] RSV4_0 = 64'hFFFF_0000_07FF_F1E0;  // 8:5, 26:12, 63:48
    localparam [63:0] RSV4_1 = 64'hFFFF_FFFF_FFFF_FFFF;  // all
    localparam [63:0] RSV5_0 = 64'h0000_0000_FFFF_F180;  // 8:7 (PD), 31:12
    localparam [63:0] RSV5_1 = 64'h0000_0000_0000_0003;  // 1:0

    localparam [3:0] S_IDLE   = 4'd0;
    localparam [3:0] S_FETCH  = 4'd1;
    localparam [3:0] S_READ   = 4'd2;
    localparam [3:0] S_DECODE = 4'd3;
    localparam [3:0] S_DRAIN  = 4'd4;
    localparam [3:0] S_INV    = 4'd5;
    localparam [3:0] S_AW     = 4'd6;
    localparam [3:0] S_B      = 4'd7;
    localparam [3:0] S_NEXT   = 4'd8;

    localparam [1:0] K_CC = 2'd0, K_IOTLB = 2'd1, K_IEC = 2'd2, K_WAIT = 2'd3;

    reg [3:0]  st;
    reg        kick;        // a run was requested
    reg        qies_q;
    reg [18:4] run_tail;    // tail latched when the run was taken
    reg [63:0] qw0, qw1;
    reg        rd_err;      // error response or short burst in this fetch
    reg        rd_beat;     // the first beat has been taken
    reg [1:0]  kind;

    // queue geometry: 2^(QS+8) entries, index mask
    wire [14:0] idx_mask = ~(15'h7FFF << ({2'b00, iqa_qs} + 5'd8));
    wire        tail_bad = |(iqt & ~idx_mask);
    wire [18:4] iqh_inc  = (iqh + 15'd1) & idx_mask;

    // ------------------------------------------------------------------
    // descriptor decode (on the fetched qw0/qw1, used in S_DECODE)
    wire [6:0] d_type = {qw0[11:9], qw0[3:0]};
    wire [1:0] d_g    = qw0[5:4];
    wire [4:0] d_im   = qw0[31:27];
    wire       t1 = (d_type == 7'h01);
    wire       t2 = (d_type == 7'h02);
    wire       t4 = (d_type == 7'h04);
    wire       t5 = (d_type == 7'h05);
    wire       d_rsv = t1 ? (|(qw0 & RSV1_0) || |(qw1 & RSV1_1)) :
                       t2 ? (|(qw0 & RSV2_0) || |(qw1 & RSV2_1)) :
                       t4 ? (|(qw0 & RSV4_0) || |(qw1 & RSV4_1)) :
                            (|(qw0 & RSV5_0) || |(qw1 & RSV5_1));
    // AM > MAMV (a generate: with MAMV=63 the comparison is constant)
    wire       am_over;
    generate
        if (MAMV >= 63) begin : g_am_all
            assign am_over = 1'b0;
        end else begin : g_am_cmp
            localparam [5:0] MAMV6 = MAMV[5:0];
            assign am_over = (qw1[5:0] > MAMV6);  // qw1[5:0] = AM
        end
    endgenerate
    wire       am_bad = (PSI == 0) || am_over;
    wire       d_field_bad = (t1 && d_g == 2'b00) ||
                             (t2 && (d_g == 2'b00 || (d_g == 2'b11 && am_bad))) ||
                             (t4 && ({27'd0, d_im} > MHMV));
    wire [3:0] d_err = rd_err               ? IQEI_FETCH :
                       !(t1 || t2 || t4 || t5) ? IQEI_BAD_TYPE :
                       (d_rsv || d_field_bad)  ? IQEI_RESERVED : 4'd0;
    wire [1:0] d_kind = t1 ? K_CC : t2 ? K_IOTLB : t4 ? K_IEC : K_WAIT;

    wire kick_now  = kick && qies && !iqe_halted;
    wire take_kick = (st == S_IDLE) && kick_now;
    wire kick_ev   = iqt_wr || (qies && !qies_q) || (iqe_clear && iqe_halted);
    wire inv_done = (kind == K_CC) ? cc_inv_done :
                    (kind == K_IOTLB) ? iotlb_inv_done : iec_inv_done;
    wire wait_sw  = qw0[5];
    wire wait_if  = qw0[4];

    always @(posedge clk) begin
        if (!rst_n) begin
            st            <= S_IDLE;
            kick          <= 1'b0;
            qies_q        <= 1'b0;
            run_tail      <= 15'd0;
            qw0           <= 64'd0;
            qw1           <= 64'd0;
            rd_err        <= 1'b0;
            rd_beat       <= 1'b0;
            kind          <= K_CC;
            iqh           <= 15'd0;
            iqei          <= 4'd0;
            iqe_set       <= 1'b0;
            iqe_halted    <= 1'b0;
            ics_iwc       <= 1'b0;
            inv_event_req <= 1'b0;
        end else begin
            qies_q        <= qies;
            iqe_set       <= 1'b0;
            inv_event_req <= 1'b0;
            if (ics_iwc_clear) ics_iwc <= 1'b0;
            // run requests (a request in the cycle a kick is taken is kept)
            kick <= (kick && !take_kick && qies) || kick_ev;
            if (iqe_clear) iqe_halted <= 1'b0;

            case (st)
                S_IDLE: begin
                    if (!qies) begin
                        iqh <= 15'd0;
                    end else if (kick_now) begin
                        if (iqa_dw || tail_bad) begin
                            iqei       <= iqa_dw ? IQEI_BAD_DW : IQEI_BAD_TAIL;
                            iqe_set    <= 1'b1;
                            iqe_halted <= 1'b1;
                        end else begin
                            run_tail <= iqt;
                            st       <= S_NEXT;
                        end
                    end
                end
                S_NEXT: begin
                    if (qies && iqh != run_tail) begin
                        st      <= S_FETCH;
                        rd_err  <= 1'b0;
                        rd_beat <= 1'b0;
                    end else begin
                        st <= S_IDLE;
                    end
                end
                S_FETCH: if (ar_ack) st <= S_READ;
                S_READ: if (r_valid) begin
                    if (!rd_beat) qw0 <= r_data;
                    else          qw1 <= r_data;
                    rd_beat <= 1'b1;
                    if (r_resp[1] || (r_last && !rd_beat)) rd_err <= 1'b1;
                    if (r_last) st <= S_DECODE;
                end
                S_DECODE: begin
                    if (d_err != 4'd0) begin
                        iqei       <= d_err;
                        iqe_set    <= 1'b1;
                        iqe_halted <= 1'b1;
                        st         <= S_IDLE;
                    end else begin
                        iqh  <= iqh_inc;
                        kind <= d_kind;
                        st   <= S_DRAIN;
                    end
                end
                S_DRAIN: if (drain_ack) begin
                    if (kind != K_WAIT)
                        st <= S_INV;
                    else if (wait_sw)
                        st <= S_AW;
                    else begin
                        if (wait_if && !ics_iwc) begin
                            ics_iwc       <= 1'b1;
                            inv_event_req <= 1'b1;
                        end
                        st <= S_NEXT;
                    end
                end
                S_INV: if (inv_done) st <= S_NEXT;
                S_AW: if (aw_ack) st <= S_B;
                S_B: if (b_valid) begin
                    if (wait_if && !ics_iwc) begin
                        ics_iwc       <= 1'b1;
                        inv_event_req <= 1'b1;
                    end
                    st <= S_NEXT;
                end
                default: st <= S_IDLE;
            endcase
        end
    end

    assign busy = (st != S_IDLE);

    // fetch
    wire [63:0] q_base = {{(64-HAW){1'b0}}, iqa_base, 12'd0};
    assign ar_req  = (st == S_FETCH);
    assign ar_addr = q_base + {45'd0, iqh, 4'd0};
    assign ar_len  = 8'd1;

    // status write
    assign aw_req  = (st == S_AW);
    assign aw_addr = {qw1[63:2], 2'b00};
    assign w_data  = qw0[63:32];

    // invalidation requests
    wire in_inv = (st == S_INV);
    assign cc_inv_req     = in_inv && (kind == K_CC);
    assign cc_inv_gran    = qw0[5:4];
    assign cc_inv_did     = qw0[31:16] & DID_MASK;
    assign cc_inv_sid     = qw0[47:32];
    assign cc_inv_fm      = qw0[49:48];
    assign iotlb_inv_req  = in_inv && (kind == K_IOTLB);
    assign iotlb_inv_gran = qw0[5:4];
    assign iotlb_inv_did  = qw0[31:16] & DID_MASK;
    assign iotlb_inv_vpn  = qw1[63:12];
    assign iotlb_inv_am   = qw1[5:0];
    assign iotlb_inv_ih   = qw1[6];
    assign iec_inv_req    = in_inv && (kind == K_IEC);
    assign iec_inv_global = !qw0[4];
    assign iec_inv_index  = qw0[47:32];
    assign iec_inv_im     = qw0[31:27];

    assign drain_req = (st == S_DRAIN) || (st == S_INV) || (st == S_AW) || (st == S_B);
`ifdef FORMAL
    // ------------------------------------------------------------------
    // Properties (make formal; formal/vtd_inval_queue.sby). Environment: reset
    // in the first cycle; IQA (base, QS, DW) does not change while the engine
    // is busy (software changes IQA only with the queue quiesced, QIES=0); the
    // register pulses, ar_ack, R beats, aw_ack, b_valid, drain_ack and the
    // invalidation dones are free. Proved:
    //  - descriptor read: ar_req held until ar_ack with its address and length;
    //    one read outstanding (a new one only after the last beat);
    //  - status write: aw_req held until aw_ack with address and data
    //    unchanged; one write outstanding (a new one only after its B);
    //  - invalidation requests (context cache, IOTLB, IEC): at most one at a
    //    time, each held until its done with its fields unchanged;
    //  - drain: an invalidation or status write is presented only while
    //    drain_req is held and after drain_ack was seen since it rose.
    reg f_past_valid = 1'b0;
    always @(posedge clk) f_past_valid <= 1'b1;
    always @(*) if (!f_past_valid) assume (!rst_n);

    always @(posedge clk) if (f_past_valid && $past(rst_n) && rst_n) begin
        if ($past(busy))
            assume (iqa_base == $past(iqa_base) && iqa_qs == $past(iqa_qs)
                    && iqa_dw == $past(iqa_dw));
    end

    reg f_rd, f_wr, f_drained;
    always @(posedge clk) begin
        if (!rst_n) begin
            f_rd      <= 1'b0;
            f_wr      <= 1'b0;
            f_drained <= 1'b0;
        end else begin
            if (ar_req && ar_ack) f_rd <= 1'b1;
            if (st == S_READ && r_valid && r_last) f_rd <= 1'b0;
            if (aw_req && aw_ack) f_wr <= 1'b1;
            if (st == S_B && b_valid) f_wr <= 1'b0;
            if (!drain_req) f_drained <= 1'b0;
            else if (drain_ack) f_drained <= 1'b1;
        end
    end

    always @(*) if (f_past_valid && rst_n) begin
        assert (st <= S_NEXT);
        assert (f_rd == (st == S_READ));
        assert (f_wr == (st == S_B));
        if (ar_req) assert (!f_rd && !f_wr);
        if (aw_req) assert (!f_rd && !f_wr);
        assert ({3'd0, cc_inv_req} + {3'd0, iotlb_inv_req} + {3'd0, iec_inv_req}
                + {3'd0, aw_req} + {3'd0, ar_req} <= 4'd1);
        if (cc_inv_req || iotlb_inv_req || iec_inv_req || aw_req)
            assert (drain_req && f_drained);
        if (st == S_INV || st == S_AW || st == S_B) assert (f_drained);
    end
    always @(posedge clk) if (f_past_valid && $past(rst_n) && rst_n) begin
        if ($past(ar_req && !ar_ack))
            assert (ar_req && ar_addr == $past(ar_addr) && ar_len == $past(ar_len));
        if ($past(aw_req && !aw_ack))
            assert (aw_req && aw_addr == $past(aw_addr) && w_data == $past(w_data));
        if ($past(cc_inv_req && !cc_inv_done))
            assert (cc_inv_req && cc_inv_gran == $past(cc_inv_gran)
                    && cc_inv_did == $past(cc_inv_did) && cc_inv_sid == $past(cc_inv_sid)
                    && cc_inv_fm == $past(cc_inv_fm));
        if ($past(iotlb_inv_req && !iotlb_inv_done))
            assert (iotlb_inv_req && iotlb_inv_gran == $past(iotlb_inv_gran)
                    && iotlb_inv_did == $past(iotlb_inv_did)
                    && iotlb_inv_vpn == $past(iotlb_inv_vpn)
                    && iotlb_inv_am == $past(iotlb_inv_am) && iotlb_inv_ih == $past(iotlb_inv_ih));
        if ($past(iec_inv_req && !iec_inv_done))
            assert (iec_inv_req && iec_inv_global == $past(iec_inv_global)
                    && iec_inv_index == $past(iec_inv_index) && iec_inv_im == $past(iec_inv_im));
    end
`endif
endmodule
