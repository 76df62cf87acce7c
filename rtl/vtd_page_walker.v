// vtd_page_walker: one legacy-mode translation walk (doc/vtd-rules.md sec. 3.2, 2.1-2.4,
// decisions P3, P13).
//
// The unit instantiates MAX_WALKS of these behind vtd_axi_read_arbiter. A
// walker takes one request that missed the IOTLB (with the context-cache
// result), walks root entry -> context entry -> second-stage tables, and holds
// the result (translation or fault) until the response logic takes it.
// Checks done before a walk (interrupt range 29h, TE=0, TTM/SSIRWE 30h) are
// the request stage's job; a walker assumes a legacy root table.
//
// Check order:
//  root entry at RTA + bus*16 (16 B, one 2-beat burst):
//    fetch error 08h; P=0 01h; reserved (11:1, CTP bits >= HAW, 127:64) 0Ah
//  context entry at CTP + devfn*16:
//    fetch error 09h; FPD = bit 1 (also when P=0); P=0 02h;
//    reserved 0Bh (11:4, SLPTPTR bits >= HAW unless TT=10, bit 71, 127:88,
//    DID bits above the ND width);
//    03h: TT=11, TT=01 (DT=0), TT=10 with PT=0 or AW != largest SAGAW AW,
//         TT=00 with AW not a supported AGAW
//  (a context-cache hit starts here with an already checked entry)
//  walk-cache hit (st_wc_hit, handed over with the context-cache entry): the
//    walk resumes at level st_wc_level - 1 from the cached table with the
//    cached R/W, skipping the reads above; a fetch error there is 07h.
//  TT=10: address >= 2^HAW 04h; output = input; 0Eh if it touches FEEx_xxxx
//  TT=00: address >= 2^min(MGAW, AGAW) 04h; then AW+2 levels from SLPTPTR,
//    each entry at table + 8*index; per level (P3): fetch error (03h for the
//    top level, 07h below); R=W=0 -> 05h write / 06h read; reserved bit 0Ch;
//    missing permission 05h/06h; a leaf ends the walk; output = frame|offset,
//    0Eh if [hpa, hpa+size) overlaps FEE0_0000-FEEF_FFFF (P13).
//  FPD qualifies 02h-07h, 0Bh, 0Ch, 0Eh (res_record=0 when FPD=1).
//
// Walk-cache fill (res_wc_*): every non-leaf entry of level L >= 2 this walk
// read that was present and had no reserved bit (also when the walk then
// faulted), with R/W ANDed from the top down to it; the response logic hands
// them to vtd_walk_cache with the walk's answer.
//
// Second-level reserved bits: all entries bit 11 (SNP reserved, SC=0), bits
// 51:HAW, bit 62; PS at levels 4/5; PS in a PDPE without 1 GB support or in a
// PDE without 2 MB support; 2 MB leaf bits 20:12; 1 GB leaf bits 29:12.
module vtd_page_walker #(
    parameter integer   HAW       = 48,
    parameter integer   MGAW      = 48,
    parameter [4:0]     SAGAW     = 5'b00110,
    parameter [1:0]     SLLPS     = 2'b11,
    parameter integer   ND        = 2,
    parameter integer   PT        = 1,
    parameter integer   REQ_TAG_W = 8
) (
    input  wire                 clk,
    input  wire                 rst_n,
    // start
    output wire                 idle,
    input  wire                 start,
    input  wire [15:0]          st_sid,
    input  wire [63:0]          st_addr,
    input  wire                 st_write,
    input  wire [12:0]          st_size,
    input  wire [REQ_TAG_W-1:0] st_tag,
    input  wire [HAW-13:0]      st_rta,        // latched root table address 63:12 (< HAW)
    input  wire                 st_cc_hit,
    input  wire [15:0]          st_cc_did,
    input  wire [1:0]           st_cc_tt,
    input  wire [2:0]           st_cc_aw,
    input  wire [HAW-13:0]      st_cc_slptptr,
    input  wire                 st_cc_fpd,
    input  wire                 st_wc_hit,     // walk-cache hit (only with st_cc_hit)
    input  wire [2:0]           st_wc_level,   // level of the cached entry (2..5)
    input  wire [HAW-13:0]      st_wc_ptr,     // its next table
    input  wire                 st_wc_r,       // R, W ANDed down to it
    input  wire                 st_wc_w,
    // memory reads (ID routing is the arbiter's job)
    output wire                 ar_req,
    output reg  [63:0]          ar_addr,
    output wire [7:0]           ar_len,
    input  wire                 ar_ack,        // request taken by the arbiter
    input  wire                 r_valid,       // a beat for this walker
    input  wire [63:0]          r_data,
    input  wire [1:0]           r_resp,
    input  wire                 r_last,
    // result
    output wire                 done,
    input  wire                 done_ack,
    output wire [REQ_TAG_W-1:0] res_tag,
    output wire [15:0]          res_sid,
    output wire [63:0]          res_addr,      // request address (fault record FI)
    output wire                 res_write,
    output wire                 res_fault,
    output wire [7:0]           res_reason,
    output wire                 res_record,    // fault to be recorded (not FPD-suppressed)
    output wire [63:0]          res_hpa,
    output wire                 res_tlb_fill,  // successful second-level translation
    output wire [1:0]           res_ps,
    output wire [MGAW-13:0]     res_vpn,
    output wire [HAW-13:0]      res_frame,
    output wire                 res_r,
    output wire                 res_w,
    output wire [15:0]          res_did,
    output wire                 res_cc_fill,   // context entry read from memory and valid
    output wire [1:0]           res_cc_tt,
    output wire [2:0]           res_cc_aw,
    output wire [HAW-13:0]      res_cc_slptptr,
    output wire                 res_cc_fpd,
    output wire [3:0]           res_wc_fill,   // bit L-2: non-leaf entry of level L to cache
    output wire [4*(HAW-12)-1:0] res_wc_ptr,
    output wire [3:0]           res_wc_r,
    output wire [3:0]           res_wc_w
);
    localparam integer FW   = HAW - 12;
    localparam integer VPNW = MGAW - 12;
    localparam integer NDW  = (4 + 2 * ND > 16) ? 16 : 4 + 2 * ND;
    localparam [15:0]  DID_MASK = (NDW >= 16) ? 16'hFFFF : ((16'd1 << NDW) - 16'd1);
    localparam [63:0]  HAW_HI   = ~((64'd1 << HAW) - 64'd1);                // bits 63:HAW
    localparam [63:0]  SL_HAW   = ((64'd1 << 52) - 64'd1) & HAW_HI;         // bits 51:HAW
    localparam [2:0]   MAX_AW   = SAGAW[3] ? 3'd3 : SAGAW[2] ? 3'd2 : SAGAW[1] ? 3'd1 : 3'd0;

    localparam [3:0] S_IDLE     = 4'd0,
                     S_ROOT_AR  = 4'd1,
                     S_ROOT_R   = 4'd2,
                     S_ROOT_CHK = 4'd3,
                     S_CTX_AR   = 4'd4,
                     S_CTX_R    = 4'd5,
                     S_CTX_CHK  = 4'd6,
                     S_CTX_USE  = 4'd7,
                     S_SL_AR    = 4'd8,
                     S_SL_R     = 4'd9,
                     S_SL_CHK   = 4'd10,
                     S_DONE     = 4'd11;

    reg [3:0]           st;
    // request
    reg [15:0]          q_sid;
    reg [63:0]          q_addr;
    reg                 q_write;
    reg [12:0]          q_size;
    reg [REQ_TAG_W-1:0] q_tag;
    reg [FW-1:0]        q_rta;
    reg [FW-1:0]        q_ptr;      // context table, then current SL table
    // fetched data
    reg [63:0]          d_lo;
    reg [63:0]          d_hi;
    reg                 d_err;
    reg                 d_beat;
    // context
    reg [15:0]          c_did;
    reg [1:0]           c_tt;
    reg [2:0]           c_aw;
    reg [FW-1:0]        c_slpt;
    reg                 c_fpd;
    reg                 c_fill;
    // walk
    reg [2:0]           lvl;
    reg [2:0]           top_lvl;
    reg                 acc_r;
    reg                 acc_w;
    // result
    reg                 r_fault;
    reg [7:0]           r_reason;
    reg [63:0]          r_hpa;
    reg                 r_tlb;
    reg [1:0]           r_ps;
    reg [FW-1:0]        r_frame;
    reg                 r_pr;
    reg                 r_pw;
    // walk cache: the hit handed over at the start, the entries read for its fill
    reg                 w_hit;
    reg [2:0]           w_level;
    reg [FW-1:0]        w_ptr;
    reg                 w_r;
    reg                 w_w;
    reg [3:0]           pf_v;
    reg [FW-1:0]        pf_ptr [0:3];
    reg [3:0]           pf_r;
    reg [3:0]           pf_w;

    // ------------------------------------------------------------------
    function qualified(input [7:0] fr);
        begin
            case (fr)
                8'h02, 8'h03, 8'h04, 8'h05, 8'h06, 8'h07, 8'h0B, 8'h0C, 8'h0E:
                    qualified = 1'b1;
                default: qualified = 1'b0;
            endcase
        end
    endfunction

    // [a, a+size) overlaps FEE0_0000..FEEF_FFFF
    function intr_overlap(input [63:0] a, input [12:0] size);
        reg [64:0] e;
        begin
            e = {1'b0, a} + {52'd0, size};
            intr_overlap = (a < 64'hFEF0_0000) && (e > 65'h0_FEE0_0000);
        end
    endfunction

    // ------------------------------------------------------------------
    // Entry checks: functions of the fetched entry (d_lo, d_hi), the level and the request,
    // called in the state that uses them (the same logic as wires; a simulator evaluates
    // them only in that state, not in every cycle of every walker).
    wire [63:0] e = d_lo;   // the second-level entry just read

    // second-level entry of level lv with page-size bit ps: a leaf (level 1, or PS=1 at
    // 2 MB / 1 GB)
    function sl_leaf(input ps, input [2:0] lv);
        begin
            sl_leaf = (lv == 3'd1) || ((lv == 3'd2 || lv == 3'd3) && ps);
        end
    endfunction

    // reserved bits set, or a large page the unit does not support / misaligned
    function sl_rsvd(input [63:0] ent, input [2:0] lv);
        begin
            sl_rsvd = ent[11] || ((ent & SL_HAW) != 64'd0) || ent[62] ||
                      (lv >= 3'd4 && ent[7]) ||
                      (lv == 3'd3 && ent[7] && !SLLPS[1]) ||
                      (lv == 3'd2 && ent[7] && !SLLPS[0]) ||
                      (lv == 3'd2 && ent[7] && (ent[20:12] != 9'd0)) ||
                      (lv == 3'd3 && ent[7] && (ent[29:12] != 18'd0));
        end
    endfunction

    // host address through a leaf of level lv pointing at frame ptr, for request address a
    function [63:0] sl_hpa(input [FW-1:0] ptr, input [2:0] lv, input [63:0] a);
        reg [63:0] off_mask;
        begin
            off_mask = (lv == 3'd3) ? 64'h3FFF_FFFF :
                       (lv == 3'd2) ? 64'h001F_FFFF : 64'h0000_0FFF;
            sl_hpa = ({{(64-HAW){1'b0}}, ptr, 12'd0} & ~off_mask) | (a & off_mask);
        end
    endfunction

    // the frame ptr of a leaf of level lv, the page-offset bits cleared
    function [FW-1:0] sl_frame(input [FW-1:0] ptr, input [2:0] lv);
        begin
            sl_frame = ptr & ({FW{1'b1}} << (5'd9 * {2'd0, lv - 3'd1}));   // 5 bits: 18 for 1 GB
        end
    endfunction

    wire        e_pres  = e[0] | e[1];
    wire        e_perm  = q_write ? e[1] : e[0];
    wire [1:0] pf_i = lvl[1:0] - 2'd2;   // walk-cache slot of levels 2..5

    reg [8:0] sl_index;
    always @* begin
        case (lvl)
            3'd1:    sl_index = q_addr[20:12];
            3'd2:    sl_index = q_addr[29:21];
            3'd3:    sl_index = q_addr[38:30];
            3'd4:    sl_index = q_addr[47:39];
            default: sl_index = q_addr[56:48];
        endcase
    end

    // root entry (lo, hi): reserved bits set
    function root_rsvd(input [63:0] lo, input [63:0] hi);
        begin
            root_rsvd = (lo[11:1] != 11'd0) || ((lo & HAW_HI) != 64'd0) || (hi != 64'd0);
        end
    endfunction
    // context entry fields
    wire [1:0]  x_tt   = d_lo[3:2];
    wire [2:0]  x_aw   = d_hi[2:0];
    wire [15:0] x_did  = d_hi[23:8];
    // context entry (lo, hi): reserved bits set. hi[6:0] holds no reserved bit: AW (judged
    // by ctx_bad) and bits the unit ignores.
    /* verilator lint_off UNUSEDSIGNAL */
    function ctx_rsvd(input [63:0] lo, input [63:0] hi);
        begin
            ctx_rsvd = (lo[11:4] != 8'd0) ||
                       (lo[3:2] != 2'b10 && ((lo & HAW_HI) != 64'd0)) ||
                       hi[7] || (hi[63:24] != 40'd0) ||
                       ((hi[23:8] & ~DID_MASK) != 16'd0);
        end
    endfunction
    /* verilator lint_on UNUSEDSIGNAL */
    // context entry: a translation type or address width the unit does not support
    function ctx_bad(input [1:0] tt, input [2:0] aw);
        begin
            ctx_bad = (tt == 2'b11) || (tt == 2'b01) ||
                      (tt == 2'b10 && (PT == 0 || aw != MAX_AW)) ||
                      (tt == 2'b00 && !((aw == 3'd1 || aw == 3'd2 || aw == 3'd3) && SAGAW[aw]));
        end
    endfunction

    // input address limit for TT=00: X = min(MGAW, AGAW(AW)); a at or above it
    function above_x(input [63:0] a, input [2:0] aw);
        reg [6:0] agaw;
        reg [6:0] xlim;
        begin
            agaw    = 7'd30 + 7'd9 * {4'd0, aw};
            xlim    = (agaw < MGAW[6:0]) ? agaw : MGAW[6:0];
            above_x = (a >> xlim) != 64'd0;
        end
    endfunction

    // ------------------------------------------------------------------
    assign idle   = (st == S_IDLE);
    assign done   = (st == S_DONE);
    assign ar_req = (st == S_ROOT_AR) || (st == S_CTX_AR) || (st == S_SL_AR);
    assign ar_len = (st == S_SL_AR) ? 8'd0 : 8'd1;

    always @* begin
        case (st)
            S_ROOT_AR: ar_addr = {{(64-HAW){1'b0}}, q_rta, q_sid[15:8], 4'd0};
            S_CTX_AR:  ar_addr = {{(64-HAW){1'b0}}, q_ptr, q_sid[7:0], 4'd0};
            default:   ar_addr = {{(64-HAW){1'b0}}, q_ptr, sl_index, 3'd0};
        endcase
    end

    always @(posedge clk) begin
        if (!rst_n) begin
            st       <= S_IDLE;
            q_sid    <= 16'd0;
            q_addr   <= 64'd0;
            q_write  <= 1'b0;
            q_size   <= 13'd0;
            q_tag    <= {REQ_TAG_W{1'b0}};
            q_rta    <= {FW{1'b0}};
            q_ptr    <= {FW{1'b0}};
            d_lo     <= 64'd0;
            d_hi     <= 64'd0;
            d_err    <= 1'b0;
            d_beat   <= 1'b0;
            c_did    <= 16'd0;
            c_tt     <= 2'd0;
            c_aw     <= 3'd0;
            c_slpt   <= {FW{1'b0}};
            c_fpd    <= 1'b0;
            c_fill   <= 1'b0;
            lvl      <= 3'd0;
            top_lvl  <= 3'd0;
            acc_r    <= 1'b0;
            acc_w    <= 1'b0;
            r_fault  <= 1'b0;
            r_reason <= 8'd0;
            r_hpa    <= 64'd0;
            r_tlb    <= 1'b0;
            r_ps     <= 2'd0;
            r_frame  <= {FW{1'b0}};
            r_pr     <= 1'b0;
            r_pw     <= 1'b0;
            w_hit    <= 1'b0;
            w_level  <= 3'd0;
            w_ptr    <= {FW{1'b0}};
            w_r      <= 1'b0;
            w_w      <= 1'b0;
            pf_v     <= 4'd0;
            pf_r     <= 4'd0;
            pf_w     <= 4'd0;
        end else begin
            case (st)
                S_IDLE: if (start) begin
                    q_sid    <= st_sid;
                    q_addr   <= st_addr;
                    q_write  <= st_write;
                    q_size   <= st_size;
                    q_tag    <= st_tag;
                    q_rta    <= st_rta;
                    r_fault  <= 1'b0;
                    r_reason <= 8'd0;
                    r_hpa    <= 64'd0;
                    r_tlb    <= 1'b0;
                    c_fill   <= 1'b0;
                    pf_v     <= 4'd0;
                    w_hit    <= st_cc_hit && st_wc_hit;
                    w_level  <= st_wc_level;
                    w_ptr    <= st_wc_ptr;
                    w_r      <= st_wc_r;
                    w_w      <= st_wc_w;
                    if (st_cc_hit) begin
                        c_did  <= st_cc_did;
                        c_tt   <= st_cc_tt;
                        c_aw   <= st_cc_aw;
                        c_slpt <= st_cc_slptptr;
                        c_fpd  <= st_cc_fpd;
                        st     <= S_CTX_USE;
                    end else begin
                        c_fpd  <= 1'b0;
                        st     <= S_ROOT_AR;
                    end
                end
                S_ROOT_AR, S_CTX_AR, S_SL_AR: if (ar_ack) begin
                    d_beat <= 1'b0;
                    d_err  <= 1'b0;
                    st     <= st + 4'd1;               // the matching *_R state
                end
                S_ROOT_R, S_CTX_R, S_SL_R: if (r_valid) begin
                    if (!d_beat) d_lo <= r_data;
                    else         d_hi <= r_data;
                    d_beat <= !d_beat;
                    if (r_resp == 2'b10 || r_resp == 2'b11) d_err <= 1'b1;   // SLVERR / DECERR
                    if (r_last) st <= st + 4'd1;       // the matching *_CHK state
                end
                S_ROOT_CHK: begin
                    if (d_err) begin
                        r_fault <= 1'b1; r_reason <= 8'h08; st <= S_DONE;
                    end else if (!d_lo[0]) begin
                        r_fault <= 1'b1; r_reason <= 8'h01; st <= S_DONE;
                    end else if (root_rsvd(d_lo, d_hi)) begin
                        r_fault <= 1'b1; r_reason <= 8'h0A; st <= S_DONE;
                    end else begin
                        q_ptr <= d_lo[HAW-1:12];
                        st    <= S_CTX_AR;
                    end
                end
                S_CTX_CHK: begin
                    if (d_err) begin
                        r_fault <= 1'b1; r_reason <= 8'h09; st <= S_DONE;
                    end else begin
                        c_fpd <= d_lo[1];
                        if (!d_lo[0]) begin
                            r_fault <= 1'b1; r_reason <= 8'h02; st <= S_DONE;
                        end else if (ctx_rsvd(d_lo, d_hi)) begin
                            r_fault <= 1'b1; r_reason <= 8'h0B; st <= S_DONE;
                        end else if (ctx_bad(x_tt, x_aw)) begin
                            r_fault <= 1'b1; r_reason <= 8'h03; st <= S_DONE;
                        end else begin
                            c_did  <= x_did & DID_MASK;
                            c_tt   <= x_tt;
                            c_aw   <= x_aw;
                            c_slpt <= d_lo[HAW-1:12];
                            c_fill <= 1'b1;
                            st     <= S_CTX_USE;
                        end
                    end
                end
                S_CTX_USE: begin
                    if (c_tt == 2'b10) begin
                        if ((q_addr >> HAW) != 64'd0) begin
                            r_fault <= 1'b1; r_reason <= 8'h04;
                        end else if (intr_overlap(q_addr, q_size)) begin
                            r_fault <= 1'b1; r_reason <= 8'h0E;
                        end else begin
                            r_hpa <= q_addr;
                        end
                        st <= S_DONE;
                    end else if (above_x(q_addr, c_aw)) begin
                        r_fault <= 1'b1; r_reason <= 8'h04; st <= S_DONE;
                    end else if (w_hit) begin
                        // resume below the cached entry (a fetch error there is 07h)
                        lvl     <= w_level - 3'd1;
                        top_lvl <= c_aw + 3'd2;
                        q_ptr   <= w_ptr;
                        acc_r   <= w_r;
                        acc_w   <= w_w;
                        st      <= S_SL_AR;
                    end else begin
                        lvl     <= c_aw + 3'd2;
                        top_lvl <= c_aw + 3'd2;
                        q_ptr   <= c_slpt;
                        acc_r   <= 1'b1;
                        acc_w   <= 1'b1;
                        st      <= S_SL_AR;
                    end
                end
                S_SL_CHK: begin
                    // a present, non-reserved non-leaf entry goes to the walk cache
                    // (whatever this request's permission)
                    if (!d_err && e_pres && !sl_rsvd(e, lvl) && !sl_leaf(e[7], lvl) && lvl >= 3'd2) begin
                        pf_v[pf_i]   <= 1'b1;
                        pf_ptr[pf_i] <= e[HAW-1:12];
                        pf_r[pf_i]   <= acc_r & e[0];
                        pf_w[pf_i]   <= acc_w & e[1];
                    end
                    if (d_err) begin
                        r_fault <= 1'b1; r_reason <= (lvl == top_lvl) ? 8'h03 : 8'h07; st <= S_DONE;
                    end else if (!e_pres) begin
                        r_fault <= 1'b1; r_reason <= q_write ? 8'h05 : 8'h06; st <= S_DONE;
                    end else if (sl_rsvd(e, lvl)) begin
                        r_fault <= 1'b1; r_reason <= 8'h0C; st <= S_DONE;
                    end else if (!e_perm) begin
                        r_fault <= 1'b1; r_reason <= q_write ? 8'h05 : 8'h06; st <= S_DONE;
                    end else if (sl_leaf(e[7], lvl)) begin
                        if (intr_overlap(sl_hpa(e[HAW-1:12], lvl, q_addr), q_size)) begin
                            r_fault <= 1'b1; r_reason <= 8'h0E;
                        end else begin
                            r_hpa   <= sl_hpa(e[HAW-1:12], lvl, q_addr);
                            r_tlb   <= 1'b1;
                            r_ps    <= lvl[1:0] - 2'd1;
                            r_frame <= sl_frame(e[HAW-1:12], lvl);
                            r_pr    <= acc_r & e[0];
                            r_pw    <= acc_w & e[1];
                        end
                        st <= S_DONE;
                    end else begin
                        q_ptr <= e[HAW-1:12];
                        acc_r <= acc_r & e[0];
                        acc_w <= acc_w & e[1];
                        lvl   <= lvl - 3'd1;
                        st    <= S_SL_AR;
                    end
                end
                S_DONE: if (done_ack) st <= S_IDLE;
                default: st <= S_IDLE;
            endcase
        end
    end

    // ------------------------------------------------------------------
    assign res_tag        = q_tag;
    assign res_sid        = q_sid;
    assign res_addr       = q_addr;
    assign res_write      = q_write;
    assign res_fault      = r_fault;
    assign res_reason     = r_reason;
    assign res_record     = r_fault && !(qualified(r_reason) && c_fpd);
    assign res_hpa        = r_hpa;
    assign res_tlb_fill   = r_tlb;
    assign res_ps         = r_ps;
    assign res_vpn        = q_addr[MGAW-1:12] & ({VPNW{1'b1}} << (9 * r_ps));
    assign res_frame      = r_frame;
    assign res_r          = r_pr;
    assign res_w          = r_pw;
    assign res_did        = c_did;
    assign res_cc_fill    = c_fill;
    assign res_cc_tt      = c_tt;
    assign res_cc_aw      = c_aw;
    assign res_cc_slptptr = c_slpt;
    assign res_cc_fpd     = c_fpd;
    assign res_wc_fill    = pf_v;
    assign res_wc_r       = pf_r;
    assign res_wc_w       = pf_w;
    genvar gp;
    generate
        for (gp = 0; gp < 4; gp = gp + 1) begin : g_pf
            assign res_wc_ptr[FW*gp +: FW] = pf_ptr[gp];
        end
    endgenerate
`ifdef FORMAL
    // ------------------------------------------------------------------
    // Properties (make formal; formal/vtd_page_walker.sby). Environment: reset
    // in the first cycle; everything else free (start, r_*, ar_ack, done_ack
    // arrive at any time; the request stage proves it starts only an idle
    // walker, the response arbiter that it acks only a done one). Proved:
    //  - read port: ar_req is held until ar_ack with ar_addr and ar_len
    //    unchanged; a new read is asked for only when the last one's final
    //    beat has arrived (one read outstanding: its ID alone routes R);
    //  - result port: done is held until done_ack with every res_* unchanged;
    //  - one answer per start: a start taken while idle makes the walker busy
    //    until exactly one done/done_ack, and the answer carries the tag, SID,
    //    address and direction it was started with; an idle walker asks for
    //    nothing and offers no answer.
    //  - a translation for the IOTLB has a page number and frame aligned to its
    //    page size (4 KB, 2 MB, 1 GB).
    reg f_past_valid = 1'b0;
    always @(posedge clk) f_past_valid <= 1'b1;
    always @(*) if (!f_past_valid) assume (!rst_n);

    reg                 f_busy;     // started, answer not yet taken
    reg                 f_rd;       // a read acked, its last beat not yet in
    reg [REQ_TAG_W-1:0] f_tag;
    reg [15:0]          f_sid;
    reg [63:0]          f_addr;
    reg                 f_write;
    wire f_rd_state = (st == S_ROOT_R) || (st == S_CTX_R) || (st == S_SL_R);
    always @(posedge clk) begin
        if (!rst_n) begin
            f_busy <= 1'b0;
            f_rd   <= 1'b0;
        end else begin
            if (idle && start) begin
                f_busy  <= 1'b1;
                f_tag   <= st_tag;
                f_sid   <= st_sid;
                f_addr  <= st_addr;
                f_write <= st_write;
            end
            if (done && done_ack) f_busy <= 1'b0;
            if (ar_req && ar_ack) f_rd <= 1'b1;
            if (f_rd_state && r_valid && r_last) f_rd <= 1'b0;
        end
    end

    always @(*) if (f_past_valid && rst_n) begin
        assert (st <= S_DONE);
        assert (idle == !f_busy);
        assert (f_rd == f_rd_state);
        if (ar_req) assert (!f_rd && f_busy);
        if (done) assert (f_busy && !f_rd);
        if (f_busy) assert (res_tag == f_tag && res_sid == f_sid && res_addr == f_addr
                            && res_write == f_write);
        // a translation handed to the IOTLB names its page: page number and frame aligned
        // to the page size (the IOTLB holds a page once by comparing them whole)
        if (r_tlb) assert (r_ps <= 2'd2 && ((res_frame >> (9 * r_ps)) << (9 * r_ps)) == res_frame);
        assert (((res_vpn >> (9 * r_ps)) << (9 * r_ps)) == res_vpn);
    end
    always @(posedge clk) if (f_past_valid && $past(rst_n) && rst_n) begin
        if ($past(ar_req && !ar_ack))
            assert (ar_req && ar_addr == $past(ar_addr) && ar_len == $past(ar_len));
        if ($past(done && !done_ack))
            assert (done && res_tag == $past(res_tag) && res_fault == $past(res_fault)
                    && res_reason == $past(res_reason) && res_record == $past(res_record)
                    && res_hpa == $past(res_hpa) && res_tlb_fill == $past(res_tlb_fill)
                    && res_ps == $past(res_ps) && res_vpn == $past(res_vpn)
                    && res_frame == $past(res_frame) && res_r == $past(res_r)
                    && res_w == $past(res_w) && res_did == $past(res_did)
                    && res_cc_fill == $past(res_cc_fill) && res_cc_tt == $past(res_cc_tt)
                    && res_cc_aw == $past(res_cc_aw) && res_cc_slptptr == $past(res_cc_slptptr)
                    && res_cc_fpd == $past(res_cc_fpd) && res_wc_fill == $past(res_wc_fill)
                    && res_wc_ptr == $past(res_wc_ptr) && res_wc_r == $past(res_wc_r)
                    && res_wc_w == $past(res_wc_w));
    end
`endif
endmodule
