// vtd_intr_remap: interrupt-request path with interrupt remapping
// (doc/vtd-rules.md sec. 5, sec. 2.5, sec. 1.12, sec. 6.3; decisions P7, P8,
// P11, P15, P16, P17; IRTE reserved fields per doc/conformance.md, U7).
//
// Parameter IR
//   IR=0: no remapping and no IEC. Every request passes through as a
//     compatibility-format interrupt (P15, P17) through a FIFO_DEPTH-entry FIFO,
//     exactly as before this block existed (msi_ready depends only on state;
//     latency 1 cycle from the msi handshake edge to the intr handshake edge).
//     The memory and fault-record ports stay idle; an IEC invalidation is
//     acknowledged (inv_done) the cycle after inv_valid.
//   IR=1: the remapping block below.
//
// Processing (IR=1), one request at a time, in this order:
//   ires=0 (GSTS.IRES)            -> compatibility pass-through (P17)
//   addr[4]=0 (compatibility)     -> 25h if eime=1 or cfis=0, else pass-through (P8)
//   remappable, SHV=1, data[31:16]!=0          -> 20h
//   index = {addr[2], addr[19:5]} (+ data[15:0] when SHV=1), 17 bits;
//     index >= 2^(irta_s+1), or IRTA + 16*index + 16 > 2^HAW       -> 21h
//   IRTE from the IEC (hit), else one 2-beat read at IRTA + 16*index
//     read error (r_resp = SLVERR/DECERR on either beat) -> 23h
//   P=0                                         -> 22h (qualified)
//   source-id check (SVT 01 with SQ, 10 bus range P7; SVT=11 skipped) -> 26h
//   reserved fields: 14:12, 31:24, 127:84, DST 39:32 and 63:48 when eime=0,
//     SVT=11, IM=1 (PI=0), DLM 011/110 (U7)     -> 24h (qualified)
//   otherwise the remapped interrupt (P15): vector = V, dest = DST[47:40]
//     (eime=0) or DST[63:32] (eime=1), dm = DM, rh = RH, tm = TM, dlm = DLM,
//     and the IRTE is filled into the IEC (it was not a hit). IRTEs that
//     fault are never cached (CM=0).
//   Compatibility pass-through (P15): dest = addr[19:12], rh = addr[3],
//     dm = addr[2], vector = data[7:0], dlm = data[10:8], tm = data[15].
//   A fault answers intr_fault=1, intr_reason=FR, every other field 0. It is
//   recorded through the rec_* port unless it is qualified (22h, 24h, 26h)
//   and the IRTE read has FPD=1 (sec. 3.4). FI (P16, conformance notes):
//   index[15:0] << 48 for 21h-24h and 26h, 0 for 20h and 25h.
//   The register inputs (ires, irta_*, eime, cfis) must not change while a
//   request is in flight (msi_ready=0); they are sampled as the request is
//   decoded and, for eime, when the fetched IRTE is checked.
//
// Timing (IR=1), cycles from the msi handshake edge to the intr handshake edge
// with intr_ready=1 and rec_ready=1:
//   no record (pass-through, IEC hit with a remapped interrupt, FPD-suppressed
//   fault on a hit): 2;  a recorded fault not needing a read: 3;
//   IEC miss: 3 + a + b (+1 with a record), where a = cycles ar_req is high
//   (>= 1) and b = cycles from the ar_ack edge to the last beat's edge (>= 2);
//   6 with a memory that acks at once and returns both beats back to back.
//   msi_ready is 1 only while the block is idle, so requests are taken one at
//   a time (a hit every 3 cycles at best). The memory port is this block's own
//   client: nothing here waits for the DMA path.
// IEC invalidation: forwarded to vtd_int_entry_cache only while the block is
//   idle: a request in progress (its IRTE read and fill, or its answer waiting
//   for intr_ready) completes first, so an IRTE read before the invalidation
//   is neither cached nor delivered after it (sec. 6.3 drains interrupts in
//   flight; a wait descriptor behind the invalidation completes only after
//   every interrupt remapped through the old entry left the unit). inv_done
//   follows 1 cycle after the block is idle with inv_valid.
//
// ---------------------------------------------------------------------------
// Ports
//   clk, rst_n              clock; synchronous active-low reset
//   Interrupt request in (valid/ready): msi_valid, msi_ready,
//     msi_sid[15:0]         requester id (source-id check, fault record)
//     msi_addr[31:0]        DWORD write address (FEEx_xxxx)
//     msi_data[31:0]        DWORD write data
//   Interrupt out (valid/ready): intr_valid, intr_ready,
//     intr_fault            1 = request blocked
//     intr_reason[7:0]      fault reason when intr_fault (else 0)
//     intr_vector[7:0], intr_dest[31:0], intr_dm, intr_rh, intr_tm,
//     intr_dlm[2:0]         the interrupt (P15) when !intr_fault (else 0)
//   Register inputs (quasi-static, see above):
//     ires                  GSTS.IRES
//     irta_base[HAW-13:0]   IRTA[HAW-1:12] as latched by SIRTP
//     irta_s[3:0]           IRTA.S: 2^(S+1) entries
//     eime                  IRTA.EIME (x2APIC destinations)
//     cfis                  GSTS.CFIS
//   Memory read port (one walker's side of vtd_axi_read_arbiter; one read
//   outstanding):
//     ar_req                held until ar_ack; ar_addr/ar_len stable meanwhile
//     ar_addr[63:0]         IRTE address (16-byte aligned)
//     ar_len[7:0]           1 (one 2-beat burst of 8-byte beats)
//     ar_ack                one-cycle pulse: the request was taken
//     r_valid, r_data[63:0], r_resp[1:0], r_last   read beats (IRTE bits
//                           63:0 first, then 127:64)
//   Fault record out (valid/ready; the top arbitrates it with the DMA path):
//     rec_valid, rec_ready, rec_sid[15:0], rec_fi[51:0] (FI bits 63:12),
//     rec_fr[7:0], rec_write (always 1: T1=T2=0, P16)
//     The record is taken before the faulting request is presented on intr_*.
//   IEC invalidation (4h descriptor, sec. 6.3):
//     inv_valid             held with the fields stable until inv_done
//     inv_global            1 = all entries, 0 = index-selective
//     inv_index[15:0]       IIDX
//     inv_im[4:0]           IM: 2^IM indices, aligned
//     inv_done              one-cycle pulse: the invalidation is done
// ---------------------------------------------------------------------------
module vtd_intr_remap #(
    parameter integer FIFO_DEPTH  = 2,   // IR=0 pass-through FIFO depth
    parameter integer IR          = 1,   // 1 = interrupt remapping, 0 = pass-through
    parameter integer HAW         = 48,  // host address width (32..52)
    parameter integer IEC_ENTRIES = 8    // IEC entries (>= 1), IR=1 only
) (
    input  wire           clk,
    input  wire           rst_n,
    // interrupt request in (a DWORD write to FEEx_xxxx)
    input  wire           msi_valid,
    output wire           msi_ready,
    input  wire [15:0]    msi_sid,
    input  wire [31:0]    msi_addr,
    input  wire [31:0]    msi_data,
    // interrupt out
    output wire           intr_valid,
    input  wire           intr_ready,
    output wire           intr_fault,
    output wire [7:0]     intr_reason,
    output wire [7:0]     intr_vector,
    output wire [31:0]    intr_dest,
    output wire           intr_dm,
    output wire           intr_rh,
    output wire           intr_tm,
    output wire [2:0]     intr_dlm,
    // register inputs
    input  wire           ires,
    input  wire [HAW-13:0] irta_base,
    input  wire [3:0]     irta_s,
    input  wire           eime,
    input  wire           cfis,
    // memory read port
    output wire           ar_req,
    output wire [63:0]    ar_addr,
    output wire [7:0]     ar_len,
    input  wire           ar_ack,
    input  wire           r_valid,
    input  wire [63:0]    r_data,
    input  wire [1:0]     r_resp,
    input  wire           r_last,
    // fault record out
    output wire           rec_valid,
    input  wire           rec_ready,
    output wire [15:0]    rec_sid,
    output wire [51:0]    rec_fi,
    output wire [7:0]     rec_fr,
    output wire           rec_write,
    // IEC invalidation
    input  wire           inv_valid,
    input  wire           inv_global,
    input  wire [15:0]    inv_index,
    input  wire [4:0]     inv_im,
    output wire           inv_done
);
    // compatibility decode (P15), shared by both variants
    wire [7:0]  c_vector = msi_data[7:0];
    wire [31:0] c_dest   = {24'd0, msi_addr[19:12]};
    wire        c_dm     = msi_addr[2];
    wire        c_rh     = msi_addr[3];
    wire        c_tm     = msi_data[15];
    wire [2:0]  c_dlm    = msi_data[10:8];

    generate
        if (IR == 0) begin : g_pass
            // ------------------------------------------------------------------
            // Pass-through (IR=0): the block as it was before remapping.
            localparam integer PW = 1 + 8 + 8 + 32 + 1 + 1 + 1 + 3;
            wire [PW-1:0] q_data;

            vtd_fifo #(.WIDTH(PW), .DEPTH(FIFO_DEPTH)) u_fifo (
                .clk      (clk),
                .rst_n    (rst_n),
                .in_valid (msi_valid),
                .in_ready (msi_ready),
                .in_data  ({1'b0, 8'h00, c_vector, c_dest, c_dm, c_rh, c_tm, c_dlm}),
                .out_valid(intr_valid),
                .out_ready(intr_ready),
                .out_data (q_data)
            );
            assign {intr_fault, intr_reason, intr_vector, intr_dest,
                    intr_dm, intr_rh, intr_tm, intr_dlm} = q_data;

            reg inv_done_r;
            always @(posedge clk) begin
                if (!rst_n) inv_done_r <= 1'b0;
                else        inv_done_r <= inv_valid && !inv_done_r;
            end
            assign inv_done  = inv_done_r;
            assign ar_req    = 1'b0;
            assign ar_addr   = 64'd0;
            assign ar_len    = 8'd0;
            assign rec_valid = 1'b0;
            assign rec_sid   = 16'd0;
            assign rec_fi    = 52'd0;
            assign rec_fr    = 8'd0;
            assign rec_write = 1'b1;

            /* verilator lint_off UNUSEDSIGNAL */
            // IR=0 has no remapping: the SID, the remappable-format address and
            // data bits, the register inputs, the memory and record handshakes
            // and the invalidation fields are not used.
            wire unused_ok = &{1'b0, msi_sid, msi_addr, msi_data, ires, irta_base, irta_s,
                               eime, cfis, ar_ack, r_valid, r_data, r_resp, r_last,
                               rec_ready, inv_global, inv_index, inv_im};
            /* verilator lint_on UNUSEDSIGNAL */
        end else begin : g_ir
            // ------------------------------------------------------------------
            // Interrupt remapping (IR=1).
            localparam [2:0] S_IDLE = 3'd0,   // msi_ready=1
                             S_DEC  = 3'd1,   // decode, IEC look-up, check on a hit
                             S_AR   = 3'd2,   // IRTE read request
                             S_R    = 3'd3,   // IRTE read beats
                             S_CHK  = 3'd4,   // check the fetched IRTE, fill the IEC
                             S_RES  = 3'd5;   // record (if any), then the answer

            localparam [7:0] FR_RSVD_REQ = 8'h20, FR_INDEX = 8'h21, FR_NOT_PRESENT = 8'h22,
                             FR_FETCH = 8'h23, FR_RSVD_IRTE = 8'h24, FR_COMPAT = 8'h25,
                             FR_SOURCE = 8'h26;
            localparam integer IEC_DW = 84;   // IRTE bits 83:0 (127:84 are 0 when cached)

            reg [2:0]  st;
            reg [15:0] q_sid;
            reg [31:0] q_addr;
            reg [31:0] q_data;
            reg [16:0] q_index;
            reg [63:0] f_lo;
            reg [63:0] f_hi;
            reg        f_beat;
            reg        f_err;

            // result (S_RES)
            reg        r_fault;
            reg [7:0]  r_reason;
            reg [7:0]  r_vector;
            reg [31:0] r_dest;
            reg        r_dm, r_rh, r_tm;
            reg [2:0]  r_dlm;
            reg        r_rec;       // a fault record is to be made
            reg        r_fi_idx;    // FI carries the index
            reg        rec_sent;

            assign msi_ready = (st == S_IDLE);

            // index at acceptance: handle (+ subhandle when SHV), 17 bits
            wire [15:0] in_handle = {msi_addr[2], msi_addr[19:5]};
            wire [16:0] in_index  = {1'b0, in_handle}
                                    + {1'b0, (msi_addr[3] ? msi_data[15:0] : 16'd0)};

            // ---- decode (S_DEC), from the registered request
            wire        d_compat   = !q_addr[4];
            wire        d_rsvd_req = q_addr[3] && (q_data[31:16] != 16'd0);
            wire [16:0] d_limit    = 17'd1 << ({1'b0, irta_s} + 5'd1);
            wire [HAW:0] d_eaddr   = {1'b0, irta_base, 12'd0}
                                     + {{(HAW-20){1'b0}}, q_index, 4'd0};
            wire        d_oor      = (q_index >= d_limit) || d_eaddr[HAW];

            // ---- IEC
            wire              iec_hit;
            wire [IEC_DW-1:0] iec_data;
            wire              fill_valid;
            wire              can_inv = (st == S_IDLE);

            vtd_int_entry_cache #(.IEC_ENTRIES(IEC_ENTRIES), .DW(IEC_DW)) u_iec (
                .clk       (clk),
                .rst_n     (rst_n),
                .lk_index  (q_index[15:0]),
                .lk_hit    (iec_hit),
                .lk_data   (iec_data),
                .fill_valid(fill_valid),
                .fill_index(q_index[15:0]),
                .fill_data ({f_hi[19:0], f_lo}),
                .inv_valid (inv_valid && can_inv),
                .inv_global(inv_global),
                .inv_index (inv_index),
                .inv_im    (inv_im),
                .inv_done  (inv_done)
            );

            // ---- IRTE checks (P11) on the IEC entry (S_DEC) or the fetched one (S_CHK)
            wire [63:0] c_lo = (st == S_CHK) ? f_lo : iec_data[63:0];
            wire [63:0] c_hi = (st == S_CHK) ? f_hi : {44'd0, iec_data[83:64]};

            wire        e_p    = c_lo[0];
            wire        e_fpd  = c_lo[1];
            wire [2:0]  e_dlm  = c_lo[7:5];
            wire [15:0] e_sid  = c_hi[15:0];
            wire [1:0]  e_sq   = c_hi[17:16];
            wire [1:0]  e_svt  = c_hi[19:18];
            wire [2:0]  e_ign  = (e_sq == 2'd0) ? 3'b000 : (e_sq == 2'd1) ? 3'b100 :
                                 (e_sq == 2'd2) ? 3'b110 : 3'b111;
            wire        e_sid_ok = (e_svt == 2'b01) ?
                                       ({q_sid[15:3], q_sid[2:0] & ~e_ign}
                                        == {e_sid[15:3], e_sid[2:0] & ~e_ign}) :
                                   (e_svt == 2'b10) ?
                                       (q_sid[15:8] >= e_sid[15:8] && q_sid[15:8] <= e_sid[7:0]) :
                                   1'b1;
            wire        e_rsvd = (c_lo[14:12] != 3'd0) || (c_lo[31:24] != 8'd0)
                              || (!eime && (c_lo[39:32] != 8'd0 || c_lo[63:48] != 16'd0))
                              || (c_hi[63:20] != 44'd0) || (e_svt == 2'b11) || c_lo[15]
                              || (e_dlm == 3'b011) || (e_dlm == 3'b110);
            wire        e_ok   = e_p && (e_svt == 2'b11 || e_sid_ok) && !e_rsvd;
            wire [7:0]  e_fr   = !e_p ? FR_NOT_PRESENT :
                                 (e_svt != 2'b11 && !e_sid_ok) ? FR_SOURCE : FR_RSVD_IRTE;
            wire [31:0] e_dest = eime ? c_lo[63:32] : {24'd0, c_lo[47:40]};

            assign fill_valid = (st == S_CHK) && !f_err && e_ok;

            // ---- result selection
            reg        n_load;
            reg        n_fault;
            reg [7:0]  n_reason;
            reg        n_fpd;       // the IRTE read has FPD=1 (qualified faults only)
            reg        n_fi_idx;
            reg        n_pass;      // compatibility pass-through
            reg        n_irte;      // remapped interrupt from c_lo
            always @* begin
                n_load = 1'b0; n_fault = 1'b0; n_reason = 8'h00; n_fpd = 1'b0;
                n_fi_idx = 1'b0; n_pass = 1'b0; n_irte = 1'b0;
                if (st == S_DEC) begin
                    if (!ires) begin
                        n_load = 1'b1; n_pass = 1'b1;
                    end else if (d_compat) begin
                        n_load = 1'b1;
                        if (eime || !cfis) begin
                            n_fault = 1'b1; n_reason = FR_COMPAT;
                        end else begin
                            n_pass = 1'b1;
                        end
                    end else if (d_rsvd_req) begin
                        n_load = 1'b1; n_fault = 1'b1; n_reason = FR_RSVD_REQ;
                    end else if (d_oor) begin
                        n_load = 1'b1; n_fault = 1'b1; n_reason = FR_INDEX; n_fi_idx = 1'b1;
                    end else if (iec_hit) begin
                        n_load = 1'b1; n_fi_idx = 1'b1;
                        if (e_ok) n_irte = 1'b1;
                        else begin
                            n_fault = 1'b1; n_reason = e_fr; n_fpd = e_fpd;
                        end
                    end
                end else if (st == S_CHK) begin
                    n_load = 1'b1; n_fi_idx = 1'b1;
                    if (f_err) begin
                        n_fault = 1'b1; n_reason = FR_FETCH;
                    end else if (e_ok) begin
                        n_irte = 1'b1;
                    end else begin
                        n_fault = 1'b1; n_reason = e_fr; n_fpd = e_fpd;
                    end
                end
            end

            always @(posedge clk) begin
                if (!rst_n) begin
                    st       <= S_IDLE;
                    q_sid    <= 16'd0;
                    q_addr   <= 32'd0;
                    q_data   <= 32'd0;
                    q_index  <= 17'd0;
                    f_lo     <= 64'd0;
                    f_hi     <= 64'd0;
                    f_beat   <= 1'b0;
                    f_err    <= 1'b0;
                    r_fault  <= 1'b0;
                    r_reason <= 8'h00;
                    r_vector <= 8'h00;
                    r_dest   <= 32'd0;
                    r_dm     <= 1'b0;
                    r_rh     <= 1'b0;
                    r_tm     <= 1'b0;
                    r_dlm    <= 3'd0;
                    r_rec    <= 1'b0;
                    r_fi_idx <= 1'b0;
                    rec_sent <= 1'b0;
                end else begin
                    case (st)
                        S_IDLE: if (msi_valid) begin
                            q_sid   <= msi_sid;
                            q_addr  <= msi_addr;
                            q_data  <= msi_data;
                            q_index <= in_index;
                            st      <= S_DEC;
                        end
                        S_DEC: if (!n_load) st <= S_AR;   // IEC miss: read the IRTE
                        S_AR: if (ar_ack) begin
                            f_beat <= 1'b0;
                            f_err  <= 1'b0;
                            st     <= S_R;
                        end
                        S_R: if (r_valid) begin
                            if (!f_beat) f_lo <= r_data;
                            else         f_hi <= r_data;
                            f_beat <= 1'b1;
                            if (r_resp[1]) f_err <= 1'b1;   // SLVERR / DECERR
                            if (r_last) st <= S_CHK;
                        end
                        S_RES: begin
                            if (rec_valid && rec_ready) rec_sent <= 1'b1;
                            if (intr_valid && intr_ready) st <= S_IDLE;
                        end
                        default: ;   // S_CHK: n_load is 1
                    endcase
                    if (n_load) begin
                        st       <= S_RES;
                        rec_sent <= 1'b0;
                        r_fault  <= n_fault;
                        r_reason <= n_reason;
                        r_rec    <= n_fault
                                    && !(n_fpd && (n_reason == FR_NOT_PRESENT
                                                   || n_reason == FR_RSVD_IRTE
                                                   || n_reason == FR_SOURCE));
                        r_fi_idx <= n_fi_idx;
                        r_vector <= n_pass ? q_data[7:0] : n_irte ? c_lo[23:16] : 8'h00;
                        r_dest   <= n_pass ? {24'd0, q_addr[19:12]} : n_irte ? e_dest : 32'd0;
                        r_dm     <= n_pass ? q_addr[2]  : n_irte && c_lo[2];
                        r_rh     <= n_pass ? q_addr[3]  : n_irte && c_lo[3];
                        r_tm     <= n_pass ? q_data[15] : n_irte && c_lo[4];
                        r_dlm    <= n_pass ? q_data[10:8] : n_irte ? e_dlm : 3'd0;
                    end
                end
            end

            // memory read port
            assign ar_req  = (st == S_AR);
            assign ar_addr = {{(63-HAW){1'b0}}, d_eaddr};
            assign ar_len  = 8'd1;

            // fault record, then the answer
            assign rec_valid = (st == S_RES) && r_rec && !rec_sent;
            assign rec_sid   = q_sid;
            assign rec_fi    = r_fi_idx ? {q_index[15:0], 36'd0} : 52'd0;
            assign rec_fr    = r_reason;
            assign rec_write = 1'b1;

            assign intr_valid  = (st == S_RES) && (!r_rec || rec_sent);
            assign intr_fault  = r_fault;
            assign intr_reason = r_reason;
            assign intr_vector = r_vector;
            assign intr_dest   = r_dest;
            assign intr_dm     = r_dm;
            assign intr_rh     = r_rh;
            assign intr_tm     = r_tm;
            assign intr_dlm    = r_dlm;

            /* verilator lint_off UNUSEDSIGNAL */
            // The pass-through fields are taken from the registered request
            // (q_*); the same decode of the live msi_* bus is only used by IR=0.
            // Address bits 31:20 (FEEh), 11:5 (used through q_index) and 1:0
            // are ignored (sec. 5), data bits 14:11 are not P15 fields, IRTE
            // bits 11:8 are AVAIL, and r_resp[0] (EXOKAY) is not an error.
            wire unused_ir = &{1'b0, c_vector, c_dest, c_dm, c_rh, c_tm, c_dlm, q_addr[31:20],
                               q_addr[11:5], q_addr[1:0], q_data[14:11], c_lo[11:8], r_resp[0]};
            /* verilator lint_on UNUSEDSIGNAL */
`ifdef FORMAL
            // ----------------------------------------------------------------
            // Properties (make formal; formal/vtd_intr_remap.sby, IR=1; with IR=0
            // the block is a vtd_fifo, proved in formal/vtd_fifo.sby).
            // Environment: reset in the first cycle; the msi port follows
            // valid/ready (held, unchanged, until taken); the register inputs do not
            // change while a request is in flight (msi_ready=0: the register file
            // holds GCMD writes, ir_busy); an IEC invalidation is held with its
            // fields until inv_done (the queue engine holds it); intr_ready,
            // rec_ready, ar_ack and the R beats are free. Proved:
            //  - interrupt out: intr_valid is held until intr_ready with every field
            //    unchanged; fault record: rec_valid held until rec_ready, unchanged;
            //    read port: ar_req held until ar_ack with its address and length;
            //    a new read only after the last one's final beat;
            //  - one answer per request: a request is taken only when the one before
            //    has been answered (intr handshake), exactly one answer follows
            //    each, at most one fault record, and a recorded fault's record is
            //    taken before its answer is offered; with IRES=0 the answer is the
            //    compatibility decode of that request's address and data.
            reg f_past_valid = 1'b0;
            always @(posedge clk) f_past_valid <= 1'b1;
            always @(*) if (!f_past_valid) assume (!rst_n);

            always @(posedge clk) if (f_past_valid && $past(rst_n) && rst_n) begin
                if ($past(msi_valid && !msi_ready))
                    assume (msi_valid && msi_sid == $past(msi_sid)
                            && msi_addr == $past(msi_addr) && msi_data == $past(msi_data));
                if ($past(!msi_ready))
                    assume (ires == $past(ires) && irta_base == $past(irta_base)
                            && irta_s == $past(irta_s) && eime == $past(eime)
                            && cfis == $past(cfis));
                if ($past(inv_valid && !inv_done))
                    assume (inv_valid && inv_global == $past(inv_global)
                            && inv_index == $past(inv_index) && inv_im == $past(inv_im));
            end

            reg        f_busy, f_rec, f_rd;
            reg [31:0] f_addr, f_data;
            wire       f_rd_state = (st == S_R);
            always @(posedge clk) begin
                if (!rst_n) begin
                    f_busy <= 1'b0;
                    f_rec  <= 1'b0;
                    f_rd   <= 1'b0;
                end else begin
                    if (msi_valid && msi_ready) begin
                        f_busy <= 1'b1;
                        f_rec  <= 1'b0;
                        f_addr <= msi_addr;
                        f_data <= msi_data;
                    end
                    if (intr_valid && intr_ready) f_busy <= 1'b0;
                    if (rec_valid && rec_ready) f_rec <= 1'b1;
                    if (ar_req && ar_ack) f_rd <= 1'b1;
                    if (f_rd_state && r_valid && r_last) f_rd <= 1'b0;
                end
            end

            always @(*) if (f_past_valid && rst_n) begin
                assert (st <= S_RES);
                assert (msi_ready == !f_busy);
                assert (f_rd == f_rd_state);
                if (ar_req) assert (f_busy && !f_rd);
                if (intr_valid) assert (f_busy && (!r_rec || f_rec));
                if (rec_valid) assert (f_busy && !f_rec);
                if (f_busy && f_rec) assert (st == S_RES && rec_sent);
                if (st == S_RES && rec_sent) assert (f_rec);
                if (f_busy && !ires) assert (st == S_DEC || st == S_RES);
                if (f_busy && !ires && st == S_RES) assert (!intr_fault && intr_reason == 8'h00
                        && intr_vector == f_data[7:0] && intr_dest == {24'd0, f_addr[19:12]}
                        && intr_dm == f_addr[2] && intr_rh == f_addr[3]
                        && intr_tm == f_data[15] && intr_dlm == f_data[10:8]);
                if (f_busy) assert (q_addr == f_addr && q_data == f_data);
            end
            always @(posedge clk) if (f_past_valid && $past(rst_n) && rst_n) begin
                if ($past(intr_valid && !intr_ready))
                    assert (intr_valid && intr_fault == $past(intr_fault)
                            && intr_reason == $past(intr_reason)
                            && intr_vector == $past(intr_vector) && intr_dest == $past(intr_dest)
                            && intr_dm == $past(intr_dm) && intr_rh == $past(intr_rh)
                            && intr_tm == $past(intr_tm) && intr_dlm == $past(intr_dlm));
                if ($past(rec_valid && !rec_ready))
                    assert (rec_valid && rec_sid == $past(rec_sid) && rec_fi == $past(rec_fi)
                            && rec_fr == $past(rec_fr) && rec_write == $past(rec_write));
                if ($past(ar_req && !ar_ack))
                    assert (ar_req && ar_addr == $past(ar_addr) && ar_len == $past(ar_len));
            end
`endif
        end
    endgenerate
endmodule
