`include "vtd_regs.vh"
// vtd_fault_recorder: primary fault logging and the fault event (doc/vtd-rules.md sec. 4,
// decisions P4, P5, P9).
//
// Holds the NFR+1 fault recording registers (FRCD), FSTS.PFO/PPF/FRI,
// FECTL.IM/IP, the internal fault index and the fault event message port.
//
// Recording a fault (rec_valid, at most one per cycle; the unit presents a
// fault here in the same cycle its response enters the response queue, so the
// record is visible before the response and records follow response order):
//   PFO=1                   -> dropped
//   FRCD[idx].F=1           -> PFO set, dropped, no event
//   otherwise               -> FRCD[idx] written, F set, idx++ (wraps NFR->0);
//                              if PPF was 0: FRI=idx and the event logic runs.
// No fault compression (P4). The event logic only runs when PPF goes 0->1 with
// PFO=0 and IQE=0, and when FSTS.IQE is set (iqe_set) while PPF=PFO=IQE=0
// (ICE/ITE do not exist here: no device TLBs), which is decision P9. A fault
// and a queue error in the same cycle raise one event.
// Event: IP is set; if IM=0 the message is sent instead and IP stays 0.
// Writing FECTL.IM=0 while IP=1 sends the message and clears IP. IP clears
// without a message once PPF=0, PFO=0 and IQE=0 (software cleared every
// status bit).
//
// Invalidation completion event (sec. 6.4, IECTL/IEDATA/IEADDR/IEUADDR):
// inv_event (a wait descriptor with IF=1 set ICS.IWC) sets IECTL.IP, or with
// IECTL.IM=0 sends the message instead. Writing IECTL.IM=0 while IP=1 sends it
// and clears IP; iwc_clear (software wrote ICS.IWC=1) clears IP. Both event
// kinds share the one message port irq_*, in the order they were raised.
// idx_reset (a GCMD write that leaves TES=0 and IRES=0, P5) sets idx to 0.
//
// Same-cycle ordering: a fault recorded in a cycle is applied before a
// software write (F or PFO clear, IM write) of the same cycle.
//
// Messages: irq_addr = {FEUADDR, FEADDR}, irq_data = FEDATA (fault event) or
// {IEUADDR, IEADDR}, IEDATA (invalidation event), sampled when the message is
// presented. Messages raised while one waits for irq_ready are queued (up to
// 4, with their kind) and presented one after the other.
module vtd_fault_recorder #(
    parameter integer NFR = 7            // number of fault records - 1
) (
    input  wire        clk,
    input  wire        rst_n,
    // new fault
    input  wire        rec_valid,
    input  wire [15:0] rec_sid,
    input  wire [51:0] rec_fi,           // request address bits 63:12
    input  wire [7:0]  rec_fr,           // fault reason
    input  wire        rec_write,        // 1 = write (T1=T2=0), 0 = read (T1=1)
    // software actions (one-cycle pulses from the register file)
    input  wire        pfo_clear,        // FSTS write with PFO=1
    input  wire        frcd_clear,       // FRCD[frcd_clear_idx] write with F=1
    input  wire [7:0]  frcd_clear_idx,
    input  wire        fectl_wr,         // FECTL written
    input  wire        fectl_wr_im,      //   with this IM value
    input  wire        idx_reset,        // P5
    // queue error and invalidation completion event (QI)
    input  wire        iqe_set,          // pulse: an invalidation-queue error
    input  wire        iqe_clear,        // FSTS write with IQE=1
    input  wire        inv_event,        // pulse: wait descriptor IF=1 set ICS.IWC
    input  wire        iectl_wr,         // IECTL written
    input  wire        iectl_wr_im,      //   with this IM value
    input  wire        iwc_clear,        // ICS write with IWC=1
    // register read port
    input  wire [7:0]  rd_idx,
    output reg  [63:0] rd_lo,            // FRCD[rd_idx] bits 63:0
    output reg  [63:0] rd_hi,            // FRCD[rd_idx] bits 127:64
    // status
    output wire        fsts_pfo,
    output wire        fsts_ppf,
    output wire [7:0]  fsts_fri,
    output wire        fectl_im,
    output wire        fectl_ip,
    output wire        fsts_iqe,
    output wire        iectl_im,
    output wire        iectl_ip,
    // message source registers
    input  wire [15:0] fe_data,
    input  wire [31:0] fe_addr,          // bits 1:0 are 0 (FEADDR.MA is 31:2)
    input  wire [31:0] fe_uaddr,
    input  wire [15:0] ie_data,
    input  wire [31:0] ie_addr,          // bits 1:0 are 0
    input  wire [31:0] ie_uaddr,
    // fault event message
    output reg         irq_valid,
    input  wire        irq_ready,
    output reg  [63:0] irq_addr,
    output reg  [31:0] irq_data
);
    localparam integer NREC = NFR + 1;
    localparam integer IW   = (NREC > 1) ? $clog2(NREC) : 1;

    reg [NREC-1:0] f;
    reg [51:0]     r_fi  [0:NREC-1];
    reg [15:0]     r_sid [0:NREC-1];
    reg [7:0]      r_fr  [0:NREC-1];
    reg            r_rd  [0:NREC-1];
    reg [IW-1:0]   idx;
    reg            pfo;
    reg [7:0]      fri;
    reg            im;
    reg            ip;
    reg            iqe;
    reg            i_im;
    reg            i_ip;
    reg [3:0]      mq_kind;        // queued messages: 1 = invalidation event
    reg [2:0]      mq_cnt;

    wire ppf = |f;
    assign fsts_pfo = pfo;
    assign fsts_ppf = ppf;
    assign fsts_fri = fri;
    assign fectl_im = im;
    assign fectl_ip = ip;
    assign fsts_iqe = iqe;
    assign iectl_im = i_im;
    assign iectl_ip = i_ip;

    // record decision
    wire do_rec   = rec_valid && !pfo && !f[idx];
    wire do_ovf   = rec_valid && !pfo &&  f[idx];
    // PPF 0->1 or IQE 0->1 with PPF=PFO=IQE=0 before (P9)
    wire do_event = (do_rec || iqe_set) && !ppf && !pfo && !iqe;

    // next F vector: record first, then the software clear
    reg [NREC-1:0] f_next;
    reg            pfo_next;
    reg            im_next;
    reg            ip_next;
    reg            send;
    reg            iqe_next;
    reg            i_im_next;
    reg            i_ip_next;
    reg            isend;
    integer        k;
    always @* begin
        iqe_next  = (iqe || iqe_set) && !iqe_clear;
        i_im_next = iectl_wr ? iectl_wr_im : i_im;
        i_ip_next = i_ip;
        isend     = 1'b0;
        if (inv_event) begin
            if (i_im) i_ip_next = 1'b1;
            else      isend     = 1'b1;
        end
        if (iectl_wr && !iectl_wr_im && i_ip_next) begin
            isend     = 1'b1;
            i_ip_next = 1'b0;
        end
        if (iwc_clear) i_ip_next = 1'b0;
        f_next = f;
        if (do_rec) f_next[idx] = 1'b1;
        if (frcd_clear && ({24'd0, frcd_clear_idx} < NREC)) f_next[frcd_clear_idx[IW-1:0]] = 1'b0;
        pfo_next = (pfo || do_ovf) && !pfo_clear;
        im_next  = fectl_wr ? fectl_wr_im : im;
        ip_next  = ip;
        send     = 1'b0;
        if (do_event) begin
            if (im) ip_next = 1'b1;
            else    send    = 1'b1;
        end
        if (fectl_wr && !fectl_wr_im && ip_next) begin
            send    = 1'b1;
            ip_next = 1'b0;
        end
        if (!(|f_next) && !pfo_next && !iqe_next) ip_next = 1'b0;
    end

    reg [7:0] idx8;                 // idx zero-extended to the FRI width
    always @* begin
        idx8 = 8'd0;
        idx8[IW-1:0] = idx;
    end

    wire [IW-1:0] idx_inc = (idx == NFR[IW-1:0]) ? {IW{1'b0}} : idx + 1'b1;

    // message queue: the queued kinds plus this cycle's (fault first)
    reg [4:0] mq_all;
    reg [2:0] mq_n;
    always @* begin
        mq_all = {1'b0, mq_kind};
        mq_n   = mq_cnt;
        if (send && mq_n != 3'd4) begin
            mq_all[mq_n] = 1'b0;
            mq_n = mq_n + 3'd1;
        end
        if (isend && mq_n != 3'd4) begin
            mq_all[mq_n] = 1'b1;
            mq_n = mq_n + 3'd1;
        end
    end
    wire irq_free = !irq_valid || irq_ready;

    always @(posedge clk) begin
        if (!rst_n) begin
            f         <= {NREC{1'b0}};
            idx       <= {IW{1'b0}};
            pfo       <= 1'b0;
            fri       <= 8'd0;
            im        <= 1'b1;
            ip        <= 1'b0;
            iqe       <= 1'b0;
            i_im      <= 1'b1;
            i_ip      <= 1'b0;
            mq_kind   <= 4'd0;
            mq_cnt    <= 3'd0;
            irq_valid <= 1'b0;
            irq_addr  <= 64'd0;
            irq_data  <= 32'd0;
            for (k = 0; k < NREC; k = k + 1) begin
                r_fi[k]  <= 52'd0;
                r_sid[k] <= 16'd0;
                r_fr[k]  <= 8'd0;
                r_rd[k]  <= 1'b0;
            end
        end else begin
            f   <= f_next;
            pfo <= pfo_next;
            im  <= im_next;
            ip  <= ip_next;
            iqe  <= iqe_next;
            i_im <= i_im_next;
            i_ip <= i_ip_next;
            if (do_rec) begin
                r_fi[idx]  <= rec_fi;
                r_sid[idx] <= rec_sid;
                r_fr[idx]  <= rec_fr;
                r_rd[idx]  <= !rec_write;
                if (!ppf) fri <= idx8;
            end
            if (idx_reset) idx <= {IW{1'b0}};
            else if (do_rec) idx <= idx_inc;
            // event messages
            if (irq_free && mq_n != 3'd0) begin
                irq_valid <= 1'b1;
                irq_addr  <= mq_all[0] ? {ie_uaddr, ie_addr} : {fe_uaddr, fe_addr};
                irq_data  <= mq_all[0] ? {16'd0, ie_data} : {16'd0, fe_data};
                mq_kind   <= mq_all[4:1];
                mq_cnt    <= mq_n - 3'd1;
            end else begin
                if (irq_free) irq_valid <= 1'b0;
                mq_kind <= mq_all[3:0];
                mq_cnt  <= mq_n;
            end
        end
    end

    // register read port
    always @* begin
        rd_lo = 64'd0;
        rd_hi = 64'd0;
        if ({24'd0, rd_idx} < NREC) begin
            rd_lo[`VTD_FRCD_LO_FI_MSB:`VTD_FRCD_LO_FI_LSB]   = r_fi[rd_idx[IW-1:0]];
            rd_hi[`VTD_FRCD_HI_SID_MSB:`VTD_FRCD_HI_SID_LSB] = r_sid[rd_idx[IW-1:0]];
            rd_hi[`VTD_FRCD_HI_FR_MSB:`VTD_FRCD_HI_FR_LSB]   = r_fr[rd_idx[IW-1:0]];
            rd_hi[`VTD_FRCD_HI_T1_LSB]                       = r_rd[rd_idx[IW-1:0]];
            rd_hi[`VTD_FRCD_HI_T2_LSB]                       = 1'b0;
            rd_hi[`VTD_FRCD_HI_AT_MSB:`VTD_FRCD_HI_AT_LSB]   = 2'b00;
            rd_hi[`VTD_FRCD_HI_F_LSB]                        = f[rd_idx[IW-1:0]];
        end
    end
`ifdef FORMAL
    // ------------------------------------------------------------------
    // Properties (make formal; formal/vtd_fault_recorder.sby): a fault presented
    // is recorded, or counted by PFO (set now, or already set); a record stays
    // as written until software clears its F; F, PFO and FRI move only as the
    // rules say; an event message (irq_*) is held unchanged until irq_ready.
    reg f_past_valid = 1'b0;
    always @(posedge clk) f_past_valid <= 1'b1;
    always @(*) if (!f_past_valid) assume (!rst_n);

    reg          f_rec_q, f_pfo_q, f_full_q, f_pfo_clr_q, f_clr_idx_q, f_ppf_q;
    reg [IW-1:0] f_idx_q;
    reg [15:0]   f_sid_q;
    reg [51:0]   f_fi_q;
    reg [7:0]    f_fr_q;
    reg          f_wr_q;
    reg [NREC-1:0] f_f_q, f_clr_q;
    reg [15:0]   f_rsid_q [0:NREC-1];
    reg [51:0]   f_rfi_q  [0:NREC-1];
    reg [7:0]    f_rfr_q  [0:NREC-1];
    reg          f_rrd_q  [0:NREC-1];
    integer      fa;
    always @(posedge clk) begin
        f_rec_q     <= rst_n && rec_valid;
        f_pfo_q     <= pfo;
        f_full_q    <= f[idx];
        f_ppf_q     <= ppf;
        f_pfo_clr_q <= pfo_clear;
        f_clr_idx_q <= frcd_clear && frcd_clear_idx == {{(8-IW){1'b0}}, idx};
        f_idx_q     <= idx;
        f_sid_q     <= rec_sid;
        f_fi_q      <= rec_fi;
        f_fr_q      <= rec_fr;
        f_wr_q      <= rec_write;
        f_f_q       <= f;
        for (fa = 0; fa < NREC; fa = fa + 1) begin
            f_clr_q[fa]  <= frcd_clear && frcd_clear_idx == fa;
            f_rsid_q[fa] <= r_sid[fa];
            f_rfi_q[fa]  <= r_fi[fa];
            f_rfr_q[fa]  <= r_fr[fa];
            f_rrd_q[fa]  <= r_rd[fa];
        end
    end

    always @(posedge clk) if (f_past_valid && $past(rst_n) && rst_n) begin
        // never lost: a fault presented is written into the slot at the fault
        // index, or PFO counts it (software clearing PFO, or the record's F, in
        // the very cycle the fault arrives is applied after it)
        if (f_rec_q && !f_pfo_q && !f_full_q && !f_clr_idx_q)
            assert (f[f_idx_q] && r_sid[f_idx_q] == f_sid_q && r_fi[f_idx_q] == f_fi_q
                    && r_fr[f_idx_q] == f_fr_q && r_rd[f_idx_q] == !f_wr_q);
        if (f_rec_q && (f_pfo_q || f_full_q) && !f_pfo_clr_q)
            assert (pfo);
        // a record keeps F and its fields until software clears F
        for (fa = 0; fa < NREC; fa = fa + 1)
            if (f_f_q[fa] && !f_clr_q[fa])
                assert (f[fa] && r_sid[fa] == f_rsid_q[fa] && r_fi[fa] == f_rfi_q[fa]
                        && r_fr[fa] == f_rfr_q[fa] && r_rd[fa] == f_rrd_q[fa]);
        // F only rises by a record at the fault index; PFO only by an overflow
        for (fa = 0; fa < NREC; fa = fa + 1)
            if (f[fa] && !f_f_q[fa]) assert (f_rec_q && f_idx_q == fa);
        if (pfo && !f_pfo_q) assert (f_rec_q && f_full_q);
        // FRI is set to the slot of the record that made PPF rise
        if (!f_ppf_q && ppf) assert (fri == {{(8-IW){1'b0}}, f_idx_q});
        // event message port: held, unchanged, until irq_ready
        if ($past(irq_valid && !irq_ready))
            assert (irq_valid && irq_addr == $past(irq_addr) && irq_data == $past(irq_data));
    end
    always @(*) if (f_past_valid) assert (idx <= NFR);
`endif
endmodule
