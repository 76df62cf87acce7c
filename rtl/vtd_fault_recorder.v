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
// PFO=0 (IQE/ICE/ITE do not exist here: QI=0), which is decision P9.
// Event: IP is set; if IM=0 the message is sent instead and IP stays 0.
// Writing FECTL.IM=0 while IP=1 sends the message and clears IP. IP clears
// without a message once PPF=0 and PFO=0 (software cleared every status bit).
// idx_reset (a GCMD write that leaves TES=0 and IRES=0, P5) sets idx to 0.
//
// Same-cycle ordering: a fault recorded in a cycle is applied before a
// software write (F or PFO clear, IM write) of the same cycle.
//
// Messages: irq_addr = {FEUADDR, FEADDR}, irq_data = FEDATA, sampled when the
// message is presented. Messages raised while one waits for irq_ready are
// counted (up to 3) and presented one after the other.
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
    // message source registers
    input  wire [15:0] fe_data,
    input  wire [31:0] fe_addr,          // bits 1:0 are 0 (FEADDR.MA is 31:2)
    input  wire [31:0] fe_uaddr,
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
    reg [1:0]      msg_cnt;

    wire ppf = |f;
    assign fsts_pfo = pfo;
    assign fsts_ppf = ppf;
    assign fsts_fri = fri;
    assign fectl_im = im;
    assign fectl_ip = ip;

    // record decision
    wire do_rec   = rec_valid && !pfo && !f[idx];
    wire do_ovf   = rec_valid && !pfo &&  f[idx];
    wire do_event = do_rec && !ppf;       // PPF 0->1, PFO=0 (P9)

    // next F vector: record first, then the software clear
    reg [NREC-1:0] f_next;
    reg            pfo_next;
    reg            im_next;
    reg            ip_next;
    reg            send;
    integer        k;
    always @* begin
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
        if (!(|f_next) && !pfo_next) ip_next = 1'b0;
    end

    reg [7:0] idx8;                 // idx zero-extended to the FRI width
    always @* begin
        idx8 = 8'd0;
        idx8[IW-1:0] = idx;
    end

    wire [IW-1:0] idx_inc = (idx == NFR[IW-1:0]) ? {IW{1'b0}} : idx + 1'b1;

    // message queue
    wire       irq_free  = !irq_valid || irq_ready;
    wire [2:0] msg_total = {1'b0, msg_cnt} + {2'b00, send};

    always @(posedge clk) begin
        if (!rst_n) begin
            f         <= {NREC{1'b0}};
            idx       <= {IW{1'b0}};
            pfo       <= 1'b0;
            fri       <= 8'd0;
            im        <= 1'b1;
            ip        <= 1'b0;
            msg_cnt   <= 2'd0;
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
            if (do_rec) begin
                r_fi[idx]  <= rec_fi;
                r_sid[idx] <= rec_sid;
                r_fr[idx]  <= rec_fr;
                r_rd[idx]  <= !rec_write;
                if (!ppf) fri <= idx8;
            end
            if (idx_reset) idx <= {IW{1'b0}};
            else if (do_rec) idx <= idx_inc;
            // fault event messages
            if (irq_free) begin
                if (msg_total != 3'd0) begin
                    irq_valid <= 1'b1;
                    irq_addr  <= {fe_uaddr, fe_addr};
                    irq_data  <= {16'd0, fe_data};
                    msg_cnt   <= msg_total[1:0] - 2'd1;
                end else begin
                    irq_valid <= 1'b0;
                end
            end else if (send && msg_cnt != 2'd3) begin
                msg_cnt <= msg_cnt + 2'd1;
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
endmodule
