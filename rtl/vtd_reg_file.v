`include "vtd_regs.vh"
// vtd_reg_file: the VT-d register set behind a 64-bit AXI4-Lite slave
// (doc/vtd-rules.md sec. 1, decisions P1/P2; offsets and fields from vtd_regs.vh).
//
// AXI4-Lite: 12-bit address, 64-bit data. Addresses are used 8-byte aligned
// (bits 2:0 ignored); a 32-bit access is a strobe of 0x0F or 0xF0, a 64-bit
// access 0xFF. A dword counts as written when any of its strobes is set;
// within it, unstrobed bytes keep their value. Reads return the whole 64-bit
// word. Unimplemented offsets read 0 and ignore writes; every response is
// OKAY. AW and W are taken independently (awready/wready depend only on the
// holding registers), the write happens once both are held and B is free.
//
// Implemented registers (access as in doc/vtd-rules.md):
//   VER (RO 0x10), CAP, ECAP (RO constants from the parameters),
//   GCMD (WO, reads 0; TE, QIE (QI=1), IRE and CFI (IR=1) level bits, SRTP
//   and SIRTP (IR=1) one-shot completing at once; WBF has no effect: RWBF=0),
//   GSTS (TES, RTPS, QIES, IRES, IRTPS, CFIS), RTADDR (RW bits 63:12, 11:10, 7),
//   CCMD (DID RW; SID, FM WO; CIRG/ICC RW; CAIG RO),
//   FSTS (PFO, IQE RW1C; PPF, FRI, IQE from the fault recorder; ICE/ITE read
//   0: no device TLBs), FECTL (IM RW reset 1, IP RO), FEDATA 15:0,
//   FEADDR 31:2, FEUADDR 31:0,
//   IQH (from the queue engine), IQT.QT 18:4 RW (a write pulses iqt_wr),
//   IQA (63:12, DW, QS) RW, ICS.IWC (from the engine, RW1C via
//   ics_iwc_clear), IECTL (IM/IP held by the fault recorder), IEDATA 15:0,
//   IEADDR 31:2, IEUADDR RW, IQERCD.IQEI (from the engine), IRTA (63:12, EIME
//   only with EIM=1, S) RW, latched by GCMD.SIRTP (IR=1),
//   IVA (all fields WO, reads 0), IOTLB_REG (DID, DR, DW, IIRG, IVT RW;
//   IAIG RO), FRCD[0..NFR] (from the fault recorder; F RW1C via the high
//   qword), performance counters (RO).
//   AFLOG, PMEN, PLMBASE/LIMIT, PHMBASE/LIMIT read 0 (P1/P2).
//
// With QI=0 (IR=0) the queue (interrupt-remapping) registers are plain
// storage and their status bits stay 0, as in the golden model.
// A GCMD/GSTS write is held (no AXI write completes) while ir_busy=1, so the
// interrupt block's register inputs stay stable while an interrupt is in
// flight.
//
// CCMD / IOTLB_REG start their operation on a write that strobes the top
// dword with ICC / IVT = 1. While GSTS.QIES=1 the register interface is
// refused (sec. 6.4): the command completes with CAIG / IAIG = 00 and
// nothing is invalidated. While ICC (IVT) is 1 the register (and IVA) ignore
// writes. The operation itself is done by the unit once it is quiescent
// (cc_inv_done / iotlb_inv_done), which clears ICC/IVT and sets CAIG/IAIG:
//   CAIG = CIRG (00 when CIRG=00, which does nothing);
//   IAIG = IIRG, except 00 for IIRG=11 with PSI=0 or AM > MAMV (P12): then
//   nothing is invalidated.
// true when a 32-bit register at this offset is the high dword of its qword
`define VTD_RF_HI(off) (((off) & 12'h004) != 12'h000)
// a 32-bit register at off is written by the current write
`define VTD_RF_W32(off) (wr_fire && (wa == ((off) & 12'hFF8)) && (`VTD_RF_HI(off) ? wr_hi : wr_lo))
// low / high dword of a 64-bit register at off is written
`define VTD_RF_W64LO(off) (wr_fire && (wa == (off)) && wr_lo)
`define VTD_RF_W64HI(off) (wr_fire && (wa == (off)) && wr_hi)
// the read word holds the 32-bit register at off
`define VTD_RF_R32(off) (ra == ((off) & 12'hFF8))

module vtd_reg_file #(
    parameter integer HAW      = 48,
    parameter integer MGAW     = 48,
    parameter [4:0]   SAGAW    = 5'b00110,
    parameter [1:0]   SLLPS    = 2'b11,
    parameter integer ND       = 2,
    parameter integer NFR      = 7,
    parameter integer PSI      = 1,
    parameter integer MAMV     = 18,
    parameter integer PT       = 1,
    parameter integer C        = 1,
    parameter integer QI       = 1,   // ECAP.QI: queued invalidation
    parameter integer IR       = 1,   // ECAP.IR: interrupt remapping
    parameter integer EIM      = 1,   // ECAP.EIM: x2APIC mode (IRTA.EIME writable)
    parameter integer MHMV     = 15,  // ECAP.MHMV (reads 0 with IR=0)
    parameter integer NUM_PERF = `VTD_PERF_NUM
) (
    input  wire        clk,
    input  wire        rst_n,
    // AXI4-Lite slave
    /* verilator lint_off UNUSEDSIGNAL */
    // Address bits 2:0 are ignored (8-byte aligned words, strobes select the
    // dword); protection attributes do not change register behaviour.
    input  wire [11:0] s_axil_awaddr,
    input  wire [2:0]  s_axil_awprot,
    input  wire [2:0]  s_axil_arprot,
    /* verilator lint_on UNUSEDSIGNAL */
    input  wire        s_axil_awvalid,
    output wire        s_axil_awready,
    input  wire [63:0] s_axil_wdata,
    input  wire [7:0]  s_axil_wstrb,
    input  wire        s_axil_wvalid,
    output wire        s_axil_wready,
    output wire [1:0]  s_axil_bresp,
    output reg         s_axil_bvalid,
    input  wire        s_axil_bready,
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire [11:0] s_axil_araddr,     // bits 2:0 ignored
    /* verilator lint_on UNUSEDSIGNAL */
    input  wire        s_axil_arvalid,
    output wire        s_axil_arready,
    output reg  [63:0] s_axil_rdata,
    output wire [1:0]  s_axil_rresp,
    output reg         s_axil_rvalid,
    input  wire        s_axil_rready,
    // global state
    output reg         gsts_tes,
    output reg  [HAW-13:0] root_rta,   // latched at SRTP (bits >= HAW dropped)
    output reg  [1:0]  root_ttm,
    output reg         root_ssirwe,
    // queued invalidation (vtd_inval_queue)
    output reg         gsts_qies,
    output wire [HAW-13:0] iqa_base,
    output wire [2:0]  iqa_qs,
    output wire        iqa_dw,
    output wire [18:4] iqt,
    output wire        iqt_wr,        // pulse: IQT written
    output wire        iqe_clear,     // pulse: FSTS written with IQE=1
    output wire        ics_iwc_clear, // pulse: ICS written with IWC=1
    input  wire [18:4] iqh,
    input  wire [3:0]  iqei,
    input  wire        ics_iwc,
    // interrupt remapping (vtd_intr_remap)
    output reg         gsts_ires,
    output reg         gsts_cfis,
    output reg  [HAW-13:0] irta_base, // latched at SIRTP (bits >= HAW dropped)
    output reg  [3:0]  irta_s,
    output reg         irta_eime,
    input  wire        ir_busy,       // an interrupt is in flight: hold GCMD writes
    // context-cache invalidation
    output wire        cc_inv_req,
    output wire [1:0]  cc_inv_gran,
    output wire [15:0] cc_inv_did,
    output wire [15:0] cc_inv_sid,
    output wire [1:0]  cc_inv_fm,
    input  wire        cc_inv_done,
    // IOTLB invalidation
    output wire        iotlb_inv_req,
    output wire [1:0]  iotlb_inv_gran,  // granularity that will be done (= IAIG)
    output wire [15:0] iotlb_inv_did,
    output wire [MGAW-13:0] iotlb_inv_vpn,
    output wire [5:0]  iotlb_inv_am,
    output wire        iotlb_inv_ih,    // IVA.IH: keep paging-structure (walk-cache) entries
    input  wire        iotlb_inv_done,
    // fault recorder
    output wire        fr_pfo_clear,
    output wire        fr_frcd_clear,
    output wire [7:0]  fr_frcd_clear_idx,
    output wire        fr_fectl_wr,
    output wire        fr_fectl_im,
    output wire        fr_idx_reset,
    output wire [7:0]  fr_rd_idx,
    input  wire [63:0] fr_rd_lo,
    input  wire [63:0] fr_rd_hi,
    input  wire        fsts_pfo,
    input  wire        fsts_ppf,
    input  wire [7:0]  fsts_fri,
    input  wire        fectl_im,
    input  wire        fectl_ip,
    input  wire        fsts_iqe,
    input  wire        iectl_im,
    input  wire        iectl_ip,
    output wire        fr_iectl_wr,
    output wire        fr_iectl_im,
    output wire [15:0] fe_data,
    output wire [31:0] fe_addr,
    output wire [31:0] fe_uaddr,
    output wire [15:0] ie_data,
    output wire [31:0] ie_addr,
    output wire [31:0] ie_uaddr,
    // performance counters: the one at index perf_rd_idx
    output wire [8:0]  perf_rd_idx,
    input  wire [63:0] perf_rd_value
);
    localparam integer NREC = NFR + 1;
    localparam [12:0]  FRCD_END = `VTD_FRCD_BASE + 13'd16 * NREC[12:0];
    localparam [12:0]  PERF_END = `VTD_PERF_BASE + 13'd8 * NUM_PERF[12:0];

    generate
        if (NREC > `VTD_MAX_FAULT_RECORDS) begin : g_bad_nfr
            // Elaboration error: the fault records would overlap the counters.
            vtd_error_too_many_fault_records u_err ();
        end
    endgenerate

    // ------------------------------------------------------------------
    // constant registers
    function [63:0] cap_value(input dummy);
        reg [63:0] c;
        begin
            c = {63'd0, dummy & 1'b0};
            c[`VTD_CAP_ND_MSB:`VTD_CAP_ND_LSB]       = ND[2:0];
            c[`VTD_CAP_SAGAW_MSB:`VTD_CAP_SAGAW_LSB] = SAGAW;
            c[`VTD_CAP_MGAW_MSB:`VTD_CAP_MGAW_LSB]   = MGAW[5:0] - 6'd1;
            c[`VTD_CAP_FRO_MSB:`VTD_CAP_FRO_LSB]     = `VTD_FRO;
            c[`VTD_CAP_SLLPS_MSB:`VTD_CAP_SLLPS_LSB] = {2'b00, SLLPS};
            c[`VTD_CAP_PSI_LSB]                      = (PSI != 0);
            c[`VTD_CAP_NFR_MSB:`VTD_CAP_NFR_LSB]     = NFR[7:0];
            c[`VTD_CAP_MAMV_MSB:`VTD_CAP_MAMV_LSB]   = (PSI != 0) ? MAMV[5:0] : 6'd0;
            cap_value = c;
        end
    endfunction
    function [63:0] ecap_value(input dummy);
        reg [63:0] c;
        begin
            c = {63'd0, dummy & 1'b0};
            c[`VTD_ECAP_C_LSB]                     = (C != 0);
            c[`VTD_ECAP_QI_LSB]                    = (QI != 0);
            c[`VTD_ECAP_IR_LSB]                    = (IR != 0);
            c[`VTD_ECAP_EIM_LSB]                   = (EIM != 0);
            c[`VTD_ECAP_MHMV_MSB:`VTD_ECAP_MHMV_LSB] = (IR != 0) ? MHMV[3:0] : 4'd0;
            c[`VTD_ECAP_PT_LSB]                    = (PT != 0);
            c[`VTD_ECAP_IRO_MSB:`VTD_ECAP_IRO_LSB] = `VTD_IRO;
            ecap_value = c;
        end
    endfunction
    localparam [63:0] CAP_VAL  = cap_value(1'b0);
    localparam [63:0] ECAP_VAL = ecap_value(1'b0);

    // ------------------------------------------------------------------
    // AXI4-Lite write side
    reg        aw_full;
    reg [8:0]  aw_word;
    reg        w_full;
    reg [63:0] w_data;
    reg [7:0]  w_strb;

    assign s_axil_awready = !aw_full;
    assign s_axil_wready  = !w_full;
    assign s_axil_bresp   = 2'b00;

    wire [11:0] wa      = {aw_word, 3'b000};
    wire        wr_hold = ir_busy && (wa == (`VTD_GCMD_OFF & 12'hFF8));
    wire        wr_fire = aw_full && w_full && !s_axil_bvalid && !wr_hold;
    wire        wr_lo   = |w_strb[3:0];
    wire        wr_hi   = |w_strb[7:4];
    wire [63:0] w_bm    = {{8{w_strb[7]}}, {8{w_strb[6]}}, {8{w_strb[5]}}, {8{w_strb[4]}},
                           {8{w_strb[3]}}, {8{w_strb[2]}}, {8{w_strb[1]}}, {8{w_strb[0]}}};

    always @(posedge clk) begin
        if (!rst_n) begin
            aw_full       <= 1'b0;
            aw_word       <= 9'd0;
            w_full        <= 1'b0;
            w_data        <= 64'd0;
            w_strb        <= 8'd0;
            s_axil_bvalid <= 1'b0;
        end else begin
            if (s_axil_awvalid && !aw_full) begin
                aw_full <= 1'b1;
                aw_word <= s_axil_awaddr[11:3];
            end
            if (s_axil_wvalid && !w_full) begin
                w_full <= 1'b1;
                w_data <= s_axil_wdata;
                w_strb <= s_axil_wstrb;
            end
            if (wr_fire) begin
                aw_full       <= 1'b0;
                w_full        <= 1'b0;
                s_axil_bvalid <= 1'b1;
            end else if (s_axil_bready) begin
                s_axil_bvalid <= 1'b0;
            end
        end
    end

    // Write decode helpers. The functions are pure (every signal they use is
    // an argument) so that simulators re-evaluate them whenever it changes;
    // the `VTD_RF_* macros below fill in the write-channel signals.
    // New value of a 32-bit register: written bytes from W, others from old.
    function [31:0] v32(input hi, input [31:0] old, input [63:0] d, input [63:0] bm);
        reg [31:0] m;
        reg [31:0] x;
        begin
            m   = hi ? bm[63:32] : bm[31:0];
            x   = hi ? d[63:32]  : d[31:0];
            v32 = (old & ~m) | (x & m);
        end
    endfunction
    // Bits written as 1 in a 32-bit register (for RW1C).
    function [31:0] ones32(input hi, input [63:0] d, input [63:0] bm);
        begin
            ones32 = hi ? (d[63:32] & bm[63:32]) : (d[31:0] & bm[31:0]);
        end
    endfunction
    // New value of a 64-bit register.
    function [63:0] v64(input [63:0] old, input [63:0] d, input [63:0] bm);
        begin
            v64 = (old & ~bm) | (d & bm);
        end
    endfunction

    // ------------------------------------------------------------------
    // register storage
    reg        gsts_rtps;
    reg        gsts_irtps;
    reg [63:0] rtaddr;
    reg [15:0] ccmd_did;
    reg [15:0] ccmd_sid;
    reg [1:0]  ccmd_fm;
    reg [1:0]  ccmd_cirg;
    reg [1:0]  ccmd_caig;
    reg        ccmd_icc;
    reg [63:12] iva_addr;
    reg        iva_ih;
    reg [5:0]  iva_am;
    reg [15:0] iotlb_did;
    reg        iotlb_dw;
    reg        iotlb_dr;
    reg [1:0]  iotlb_iirg;
    reg [1:0]  iotlb_iaig;
    reg        iotlb_ivt;
    reg [15:0] fedata;
    reg [31:2] feaddr;
    reg [31:0] feuaddr;
    reg [18:4] iqt_qt;
    reg [63:0] iqa;
    reg [63:0] irta;
    reg [15:0] iedata;
    reg [31:2] ieaddr;
    reg [31:0] ieuaddr;

    localparam [63:0] RTADDR_WMASK = 64'hFFFF_FFFF_FFFF_F000 |
        (64'd3 << `VTD_RTADDR_TTM_LSB) | (64'd1 << `VTD_RTADDR_SSIRWE_LSB);
    localparam [63:0] IQA_WMASK = 64'hFFFF_FFFF_FFFF_F000 |
        (64'd1 << `VTD_IQA_DW_LSB) | (64'd7 << `VTD_IQA_QS_LSB);
    // IRTA.EIME is writable only with ECAP.EIM=1 (sec. 1.12).
    localparam [63:0] IRTA_WMASK = 64'hFFFF_FFFF_FFFF_F000 | (64'd15 << `VTD_IRTA_S_LSB) |
        ((EIM != 0) ? (64'd1 << `VTD_IRTA_EIME_LSB) : 64'd0);

    // current values used as "old" for byte merging
    wire [31:0] gsts_val;
    assign gsts_val = ({31'd0, gsts_tes}   << `VTD_GSTS_TES_LSB) |
                      ({31'd0, gsts_rtps}  << `VTD_GSTS_RTPS_LSB) |
                      ({31'd0, gsts_qies}  << `VTD_GSTS_QIES_LSB) |
                      ({31'd0, gsts_ires}  << `VTD_GSTS_IRES_LSB) |
                      ({31'd0, gsts_irtps} << `VTD_GSTS_IRTPS_LSB) |
                      ({31'd0, gsts_cfis}  << `VTD_GSTS_CFIS_LSB);
    reg [63:0] ccmd_old;
    reg [63:0] iotlb_old;
    reg [63:0] iva_old;
    always @* begin
        ccmd_old = 64'd0;
        ccmd_old[`VTD_CCMD_DID_MSB:`VTD_CCMD_DID_LSB]   = ccmd_did;
        ccmd_old[`VTD_CCMD_SID_MSB:`VTD_CCMD_SID_LSB]   = ccmd_sid;
        ccmd_old[`VTD_CCMD_FM_MSB:`VTD_CCMD_FM_LSB]     = ccmd_fm;
        ccmd_old[`VTD_CCMD_CIRG_MSB:`VTD_CCMD_CIRG_LSB] = ccmd_cirg;
        ccmd_old[`VTD_CCMD_ICC_LSB]                     = ccmd_icc;
        iotlb_old = 64'd0;
        iotlb_old[`VTD_IOTLB_DID_MSB:`VTD_IOTLB_DID_LSB]   = iotlb_did;
        iotlb_old[`VTD_IOTLB_DW_LSB]                       = iotlb_dw;
        iotlb_old[`VTD_IOTLB_DR_LSB]                       = iotlb_dr;
        iotlb_old[`VTD_IOTLB_IIRG_MSB:`VTD_IOTLB_IIRG_LSB] = iotlb_iirg;
        iotlb_old[`VTD_IOTLB_IVT_LSB]                      = iotlb_ivt;
        iva_old = 64'd0;
        iva_old[`VTD_IVA_ADDR_MSB:`VTD_IVA_ADDR_LSB] = iva_addr;
        iva_old[`VTD_IVA_IH_LSB]                     = iva_ih;
        iva_old[`VTD_IVA_AM_MSB:`VTD_IVA_AM_LSB]     = iva_am;
    end

    // Decoded write values: each wire carries a whole written dword/qword, of
    // which the register keeps only its field bits.
    /* verilator lint_off UNUSEDSIGNAL */
    wire [31:0] gcmd_v  = v32(`VTD_RF_HI(`VTD_GCMD_OFF), gsts_val, w_data, w_bm);
    wire        gcmd_wr = `VTD_RF_W32(`VTD_GCMD_OFF);
    wire [63:0] ccmd_v  = v64(ccmd_old, w_data, w_bm);
    wire [63:0] iotlb_v = v64(iotlb_old, w_data, w_bm);
    wire [63:0] iva_v   = v64(iva_old, w_data, w_bm);
    wire [63:0] rtaddr_v = v64(rtaddr, w_data, w_bm);
    wire [63:0] iqt_v    = v64({45'd0, iqt_qt, 4'd0}, w_data, w_bm);
    wire [63:0] iqa_v    = v64(iqa, w_data, w_bm);
    wire [63:0] irta_v   = v64(irta, w_data, w_bm);

    wire [31:0] fedata_v  = v32(`VTD_RF_HI(`VTD_FEDATA_OFF), {16'd0, fedata}, w_data, w_bm);
    wire [31:0] feaddr_v  = v32(`VTD_RF_HI(`VTD_FEADDR_OFF), {feaddr, 2'b00}, w_data, w_bm);
    wire [31:0] feuaddr_v = v32(`VTD_RF_HI(`VTD_FEUADDR_OFF), feuaddr, w_data, w_bm);
    wire [31:0] iectl_v   = v32(`VTD_RF_HI(`VTD_IECTL_OFF), {iectl_im, 31'd0}, w_data, w_bm);
    wire [31:0] ics_ones  = ones32(`VTD_RF_HI(`VTD_ICS_OFF), w_data, w_bm);
    wire [31:0] iedata_v  = v32(`VTD_RF_HI(`VTD_IEDATA_OFF), {16'd0, iedata}, w_data, w_bm);
    wire [31:0] ieaddr_v  = v32(`VTD_RF_HI(`VTD_IEADDR_OFF), {ieaddr, 2'b00}, w_data, w_bm);
    wire [31:0] ieuaddr_v = v32(`VTD_RF_HI(`VTD_IEUADDR_OFF), ieuaddr, w_data, w_bm);
    wire [31:0] fsts_ones = ones32(`VTD_RF_HI(`VTD_FSTS_OFF), w_data, w_bm);
    wire [31:0] fectl_v   = v32(`VTD_RF_HI(`VTD_FECTL_OFF), {fectl_im, 31'd0}, w_data, w_bm);
    /* verilator lint_on UNUSEDSIGNAL */

    // Granularity actually done (sec. 1.6, 1.7, P12): none (00) when the latched TTM is not
    // legacy, for IIRG=11 without PSI or with AM > MAMV, and for the reserved value 00.
    wire       legacy_mode = (root_ttm == 2'b00);
    wire [1:0] iotlb_eff = (!legacy_mode || gsts_qies ||
                            (iotlb_iirg == 2'b11 && (PSI == 0 || {26'd0, iva_am} > MAMV))) ?
                           2'b00 : iotlb_iirg;
    wire [1:0] ccmd_eff  = (legacy_mode && !gsts_qies) ? ccmd_cirg : 2'b00;

    always @(posedge clk) begin
        if (!rst_n) begin
            gsts_tes    <= 1'b0;
            gsts_rtps   <= 1'b0;
            gsts_irtps  <= 1'b0;
            gsts_qies   <= 1'b0;
            gsts_ires   <= 1'b0;
            gsts_cfis   <= 1'b0;
            irta_base   <= {(HAW-12){1'b0}};
            irta_s      <= 4'd0;
            irta_eime   <= 1'b0;
            rtaddr      <= 64'd0;
            root_rta    <= {(HAW-12){1'b0}};
            root_ttm    <= 2'b00;
            root_ssirwe <= 1'b0;
            ccmd_did    <= 16'd0;
            ccmd_sid    <= 16'd0;
            ccmd_fm     <= 2'd0;
            ccmd_cirg   <= 2'd0;
            ccmd_caig   <= 2'd0;
            ccmd_icc    <= 1'b0;
            iva_addr    <= 52'd0;
            iva_ih      <= 1'b0;
            iva_am      <= 6'd0;
            iotlb_did   <= 16'd0;
            iotlb_dw    <= 1'b0;
            iotlb_dr    <= 1'b0;
            iotlb_iirg  <= 2'd0;
            iotlb_iaig  <= 2'd0;
            iotlb_ivt   <= 1'b0;
            fedata      <= 16'd0;
            feaddr      <= 30'd0;
            feuaddr     <= 32'd0;
            iqt_qt      <= 15'd0;
            iqa         <= 64'd0;
            irta        <= 64'd0;
            iedata      <= 16'd0;
            ieaddr      <= 30'd0;
            ieuaddr     <= 32'd0;
        end else begin
            // GCMD
            if (gcmd_wr) begin
                gsts_tes <= gcmd_v[`VTD_GCMD_TE_LSB];
                if (gcmd_v[`VTD_GCMD_SRTP_LSB]) begin
                    root_rta    <= rtaddr[HAW-1:12];
                    root_ttm    <= rtaddr[`VTD_RTADDR_TTM_MSB:`VTD_RTADDR_TTM_LSB];
                    root_ssirwe <= rtaddr[`VTD_RTADDR_SSIRWE_LSB];
                    gsts_rtps   <= 1'b1;
                end
                if (QI != 0)
                    gsts_qies <= gcmd_v[`VTD_GCMD_QIE_LSB];
                if (IR != 0) begin
                    gsts_ires <= gcmd_v[`VTD_GCMD_IRE_LSB];
                    gsts_cfis <= gcmd_v[`VTD_GCMD_CFI_LSB];
                    if (gcmd_v[`VTD_GCMD_SIRTP_LSB]) begin
                        irta_base  <= irta[HAW-1:12];
                        irta_s     <= irta[`VTD_IRTA_S_MSB:`VTD_IRTA_S_LSB];
                        irta_eime  <= irta[`VTD_IRTA_EIME_LSB];
                        gsts_irtps <= 1'b1;
                    end
                end
            end
            // RTADDR
            if (`VTD_RF_W64LO(`VTD_RTADDR_OFF))
                rtaddr[31:0]  <= rtaddr_v[31:0]  & RTADDR_WMASK[31:0];
            if (`VTD_RF_W64HI(`VTD_RTADDR_OFF))
                rtaddr[63:32] <= rtaddr_v[63:32] & RTADDR_WMASK[63:32];
            // CCMD
            if (!ccmd_icc) begin
                if (`VTD_RF_W64LO(`VTD_CCMD_OFF)) begin
                    ccmd_did <= ccmd_v[`VTD_CCMD_DID_MSB:`VTD_CCMD_DID_LSB];
                    ccmd_sid <= ccmd_v[`VTD_CCMD_SID_MSB:`VTD_CCMD_SID_LSB];
                end
                if (`VTD_RF_W64HI(`VTD_CCMD_OFF)) begin
                    ccmd_fm   <= ccmd_v[`VTD_CCMD_FM_MSB:`VTD_CCMD_FM_LSB];
                    ccmd_cirg <= ccmd_v[`VTD_CCMD_CIRG_MSB:`VTD_CCMD_CIRG_LSB];
                    ccmd_icc  <= ccmd_v[`VTD_CCMD_ICC_LSB];
                end
            end else if (cc_inv_done) begin
                ccmd_icc  <= 1'b0;
                ccmd_caig <= ccmd_eff;
            end
            // IVA / IOTLB_REG
            if (!iotlb_ivt) begin
                if (`VTD_RF_W64LO(`VTD_IVA_OFF)) begin
                    iva_addr[31:12] <= iva_v[31:12];
                    iva_ih          <= iva_v[`VTD_IVA_IH_LSB];
                    iva_am          <= iva_v[`VTD_IVA_AM_MSB:`VTD_IVA_AM_LSB];
                end
                if (`VTD_RF_W64HI(`VTD_IVA_OFF))
                    iva_addr[63:32] <= iva_v[63:32];
                if (`VTD_RF_W64HI(`VTD_IOTLB_OFF)) begin
                    iotlb_did  <= iotlb_v[`VTD_IOTLB_DID_MSB:`VTD_IOTLB_DID_LSB];
                    iotlb_dw   <= iotlb_v[`VTD_IOTLB_DW_LSB];
                    iotlb_dr   <= iotlb_v[`VTD_IOTLB_DR_LSB];
                    iotlb_iirg <= iotlb_v[`VTD_IOTLB_IIRG_MSB:`VTD_IOTLB_IIRG_LSB];
                    iotlb_ivt  <= iotlb_v[`VTD_IOTLB_IVT_LSB];
                end
            end else if (iotlb_inv_done) begin
                iotlb_ivt  <= 1'b0;
                iotlb_iaig <= iotlb_eff;
            end
            // fault event registers
            if (`VTD_RF_W32(`VTD_FEDATA_OFF))
                fedata  <= fedata_v[15:0];
            if (`VTD_RF_W32(`VTD_FEADDR_OFF))
                feaddr  <= feaddr_v[31:2];
            if (`VTD_RF_W32(`VTD_FEUADDR_OFF))
                feuaddr <= feuaddr_v;
            // invalidation queue / IR registers
            if (`VTD_RF_W64LO(`VTD_IQT_OFF)) iqt_qt <= iqt_v[`VTD_IQT_QT_MSB:`VTD_IQT_QT_LSB];
            if (`VTD_RF_W64LO(`VTD_IQA_OFF)) iqa[31:0]  <= iqa_v[31:0]  & IQA_WMASK[31:0];
            if (`VTD_RF_W64HI(`VTD_IQA_OFF)) iqa[63:32] <= iqa_v[63:32] & IQA_WMASK[63:32];
            if (`VTD_RF_W64LO(`VTD_IRTA_OFF)) irta[31:0]  <= irta_v[31:0]  & IRTA_WMASK[31:0];
            if (`VTD_RF_W64HI(`VTD_IRTA_OFF)) irta[63:32] <= irta_v[63:32] & IRTA_WMASK[63:32];
            if (`VTD_RF_W32(`VTD_IEDATA_OFF))
                iedata  <= iedata_v[15:0];
            if (`VTD_RF_W32(`VTD_IEADDR_OFF))
                ieaddr  <= ieaddr_v[31:2];
            if (`VTD_RF_W32(`VTD_IEUADDR_OFF))
                ieuaddr <= ieuaddr_v;
        end
    end

    // ------------------------------------------------------------------
    // outputs to the rest of the unit
    assign cc_inv_req     = ccmd_icc;
    assign cc_inv_gran    = ccmd_eff;
    assign cc_inv_did     = ccmd_did;
    assign cc_inv_sid     = ccmd_sid;
    assign cc_inv_fm      = ccmd_fm;
    assign iotlb_inv_req  = iotlb_ivt;
    assign iotlb_inv_gran = iotlb_eff;
    assign iotlb_inv_did  = iotlb_did;
    assign iotlb_inv_vpn  = iva_addr[MGAW-1:12];
    assign iotlb_inv_am   = iva_am;
    assign iotlb_inv_ih   = iva_ih;

    assign fr_pfo_clear  = `VTD_RF_W32(`VTD_FSTS_OFF) && fsts_ones[`VTD_FSTS_PFO_LSB];
    wire   frcd_wr_range = ({1'b0, wa} >= {1'b0, `VTD_FRCD_BASE}) && ({1'b0, wa} < FRCD_END);
    /* verilator lint_off UNUSEDSIGNAL */
    // Offsets inside the FRCD / counter blocks: only the index bits are used.
    wire [12:0] frcd_woff = {1'b0, wa} - {1'b0, `VTD_FRCD_BASE};
    /* verilator lint_on UNUSEDSIGNAL */
    assign fr_frcd_clear     = wr_fire && frcd_wr_range && wa[3] && wr_hi &&
                               w_data[`VTD_FRCD_HI_F_LSB] && w_strb[`VTD_FRCD_HI_F_LSB / 8];
    assign fr_frcd_clear_idx = frcd_woff[11:4];
    assign fr_fectl_wr   = `VTD_RF_W32(`VTD_FECTL_OFF);
    assign fr_fectl_im   = fectl_v[`VTD_FECTL_IM_LSB];
    // P5: the fault index resets when a GCMD write leaves TES=0 and IRES=0 after one of
    // them was set.
    assign fr_idx_reset  = gcmd_wr && (gsts_tes || gsts_ires) && !gcmd_v[`VTD_GCMD_TE_LSB] &&
                           !(IR != 0 && gcmd_v[`VTD_GCMD_IRE_LSB]);
    assign fr_iectl_wr   = `VTD_RF_W32(`VTD_IECTL_OFF);
    assign fr_iectl_im   = iectl_v[`VTD_IECTL_IM_LSB];
    assign ie_data       = iedata;
    assign ie_addr       = {ieaddr, 2'b00};
    assign ie_uaddr      = ieuaddr;
    // queued invalidation
    assign iqa_base      = iqa[HAW-1:12];
    assign iqa_qs        = iqa[`VTD_IQA_QS_MSB:`VTD_IQA_QS_LSB];
    assign iqa_dw        = iqa[`VTD_IQA_DW_LSB];
    assign iqt           = iqt_qt;
    assign iqt_wr        = `VTD_RF_W64LO(`VTD_IQT_OFF);
    assign iqe_clear     = `VTD_RF_W32(`VTD_FSTS_OFF) && fsts_ones[`VTD_FSTS_IQE_LSB];
    assign ics_iwc_clear = `VTD_RF_W32(`VTD_ICS_OFF) && ics_ones[`VTD_ICS_IWC_LSB];
    assign fe_data       = fedata;
    assign fe_addr       = {feaddr, 2'b00};
    assign fe_uaddr      = feuaddr;

    // ------------------------------------------------------------------
    // AXI4-Lite read side
    reg        ar_full;
    reg [8:0]  ar_word;
    wire [11:0] ra = {ar_word, 3'b000};

    assign s_axil_arready = !ar_full;
    assign s_axil_rresp   = 2'b00;

    wire        frcd_rd_range = ({1'b0, ra} >= {1'b0, `VTD_FRCD_BASE}) && ({1'b0, ra} < FRCD_END);
    /* verilator lint_off UNUSEDSIGNAL */
    // Offsets inside the FRCD / counter blocks: only the index bits are used.
    wire [12:0] frcd_roff     = {1'b0, ra} - {1'b0, `VTD_FRCD_BASE};
    assign fr_rd_idx = frcd_roff[11:4];
    wire        perf_rd_range = ({1'b0, ra} >= {1'b0, `VTD_PERF_BASE}) && ({1'b0, ra} < PERF_END);
    wire [12:0] perf_roff     = {1'b0, ra} - {1'b0, `VTD_PERF_BASE};
    assign perf_rd_idx = perf_roff[11:3];
    /* verilator lint_on UNUSEDSIGNAL */

    function [63:0] place32(input hi, input [31:0] val);
        begin
            place32 = hi ? {val, 32'd0} : {32'd0, val};
        end
    endfunction

    // The read data of the word at ra: a mux in front of RDATA, evaluated where the read
    // completes (a function of the module's registers; a simulator evaluates it only then,
    // not every cycle the counters below it change).
    function [63:0] read_word(input [63:0] perf_word);
        reg [63:0] rv;
        reg [31:0] t;
        begin
            rv = 64'd0;
            t  = 32'd0;
            if (`VTD_RF_R32(`VTD_VER_OFF))  rv = rv | place32(`VTD_RF_HI(`VTD_VER_OFF), `VTD_VER_RESET);
            if (ra == `VTD_CAP_OFF)   rv = rv | CAP_VAL;
            if (ra == `VTD_ECAP_OFF)  rv = rv | ECAP_VAL;
            // GCMD reads 0
            if (`VTD_RF_R32(`VTD_GSTS_OFF)) rv = rv | place32(`VTD_RF_HI(`VTD_GSTS_OFF), gsts_val);
            if (ra == `VTD_RTADDR_OFF) rv = rv | rtaddr;
            if (ra == `VTD_CCMD_OFF) begin
                rv[`VTD_CCMD_DID_MSB:`VTD_CCMD_DID_LSB]   = ccmd_did;
                rv[`VTD_CCMD_CAIG_MSB:`VTD_CCMD_CAIG_LSB] = ccmd_caig;
                rv[`VTD_CCMD_CIRG_MSB:`VTD_CCMD_CIRG_LSB] = ccmd_cirg;
                rv[`VTD_CCMD_ICC_LSB]                     = ccmd_icc;
            end
            if (`VTD_RF_R32(`VTD_FSTS_OFF)) begin
                t = 32'd0;
                t[`VTD_FSTS_PFO_LSB]                   = fsts_pfo;
                t[`VTD_FSTS_PPF_LSB]                   = fsts_ppf;
                t[`VTD_FSTS_IQE_LSB]                   = fsts_iqe;
                t[`VTD_FSTS_FRI_MSB:`VTD_FSTS_FRI_LSB] = fsts_fri;
                rv = rv | place32(`VTD_RF_HI(`VTD_FSTS_OFF), t);
            end
            if (`VTD_RF_R32(`VTD_FECTL_OFF)) begin
                t = 32'd0;
                t[`VTD_FECTL_IM_LSB] = fectl_im;
                t[`VTD_FECTL_IP_LSB] = fectl_ip;
                rv = rv | place32(`VTD_RF_HI(`VTD_FECTL_OFF), t);
            end
            if (`VTD_RF_R32(`VTD_FEDATA_OFF))  rv = rv | place32(`VTD_RF_HI(`VTD_FEDATA_OFF), {16'd0, fedata});
            if (`VTD_RF_R32(`VTD_FEADDR_OFF))  rv = rv | place32(`VTD_RF_HI(`VTD_FEADDR_OFF), {feaddr, 2'b00});
            if (`VTD_RF_R32(`VTD_FEUADDR_OFF)) rv = rv | place32(`VTD_RF_HI(`VTD_FEUADDR_OFF), feuaddr);
            if (ra == `VTD_IQH_OFF)  rv = rv | {45'd0, iqh, 4'd0};
            if (ra == `VTD_IQT_OFF)  rv = rv | {45'd0, iqt_qt, 4'd0};
            if (ra == `VTD_IQERCD_OFF) rv = rv | {60'd0, iqei};
            if (`VTD_RF_R32(`VTD_ICS_OFF)) rv = rv | place32(`VTD_RF_HI(`VTD_ICS_OFF), {31'd0, ics_iwc});
            if (ra == `VTD_IQA_OFF)  rv = rv | iqa;
            if (ra == `VTD_IRTA_OFF) rv = rv | irta;
            if (`VTD_RF_R32(`VTD_IECTL_OFF)) begin
                t = 32'd0;
                t[`VTD_IECTL_IM_LSB] = iectl_im;
                t[`VTD_IECTL_IP_LSB] = iectl_ip;
                rv = rv | place32(`VTD_RF_HI(`VTD_IECTL_OFF), t);
            end
            if (`VTD_RF_R32(`VTD_IEDATA_OFF))  rv = rv | place32(`VTD_RF_HI(`VTD_IEDATA_OFF), {16'd0, iedata});
            if (`VTD_RF_R32(`VTD_IEADDR_OFF))  rv = rv | place32(`VTD_RF_HI(`VTD_IEADDR_OFF), {ieaddr, 2'b00});
            if (`VTD_RF_R32(`VTD_IEUADDR_OFF)) rv = rv | place32(`VTD_RF_HI(`VTD_IEUADDR_OFF), ieuaddr);
            // IVA reads 0 (write-only fields)
            if (ra == `VTD_IOTLB_OFF) begin
                rv[`VTD_IOTLB_DID_MSB:`VTD_IOTLB_DID_LSB]   = iotlb_did;
                rv[`VTD_IOTLB_DW_LSB]                       = iotlb_dw;
                rv[`VTD_IOTLB_DR_LSB]                       = iotlb_dr;
                rv[`VTD_IOTLB_IAIG_MSB:`VTD_IOTLB_IAIG_LSB] = iotlb_iaig;
                rv[`VTD_IOTLB_IIRG_MSB:`VTD_IOTLB_IIRG_LSB] = iotlb_iirg;
                rv[`VTD_IOTLB_IVT_LSB]                      = iotlb_ivt;
            end
            if (frcd_rd_range) rv = ra[3] ? fr_rd_hi : fr_rd_lo;
            if (perf_rd_range) rv = perf_word;
            read_word = rv;
        end
    endfunction

    always @(posedge clk) begin
        if (!rst_n) begin
            ar_full       <= 1'b0;
            ar_word       <= 9'd0;
            s_axil_rvalid <= 1'b0;
            s_axil_rdata  <= 64'd0;
        end else begin
            if (s_axil_arvalid && !ar_full) begin
                ar_full <= 1'b1;
                ar_word <= s_axil_araddr[11:3];
            end
            if (ar_full && (!s_axil_rvalid || s_axil_rready)) begin
                ar_full       <= 1'b0;
                s_axil_rvalid <= 1'b1;
                s_axil_rdata  <= read_word(perf_rd_value);
            end else if (s_axil_rready) begin
                s_axil_rvalid <= 1'b0;
            end
        end
    end
`ifdef FORMAL
    // ------------------------------------------------------------------
    // Properties (make formal; formal/vtd_reg_file.sby): the AXI4-Lite slave.
    // Environment: reset in the first cycle; the master follows AXI (AWVALID,
    // WVALID, ARVALID held with their payload until taken); BREADY, RREADY and
    // every unit-side input free. Proved: BVALID held until BREADY; RVALID held
    // until RREADY with RDATA unchanged; exactly one B per write (AW and W taken
    // = writes held + B offered + B taken, for each channel) and exactly one R
    // per read (AR taken = reads held + R offered + R taken): nothing dropped,
    // nothing answered twice or unasked.
    reg f_past_valid = 1'b0;
    always @(posedge clk) f_past_valid <= 1'b1;
    always @(*) if (!f_past_valid) assume (!rst_n);

    always @(posedge clk) if (f_past_valid && $past(rst_n) && rst_n) begin
        if ($past(s_axil_awvalid && !s_axil_awready))
            assume (s_axil_awvalid && s_axil_awaddr == $past(s_axil_awaddr));
        if ($past(s_axil_wvalid && !s_axil_wready))
            assume (s_axil_wvalid && s_axil_wdata == $past(s_axil_wdata)
                    && s_axil_wstrb == $past(s_axil_wstrb));
        if ($past(s_axil_arvalid && !s_axil_arready))
            assume (s_axil_arvalid && s_axil_araddr == $past(s_axil_araddr));
    end

    reg [7:0] f_aw, f_w, f_b, f_ar, f_r;
    always @(posedge clk) begin
        if (!rst_n) begin
            f_aw <= 8'd0; f_w <= 8'd0; f_b <= 8'd0; f_ar <= 8'd0; f_r <= 8'd0;
        end else begin
            if (s_axil_awvalid && s_axil_awready) f_aw <= f_aw + 8'd1;
            if (s_axil_wvalid && s_axil_wready)   f_w  <= f_w + 8'd1;
            if (s_axil_bvalid && s_axil_bready)   f_b  <= f_b + 8'd1;
            if (s_axil_arvalid && s_axil_arready) f_ar <= f_ar + 8'd1;
            if (s_axil_rvalid && s_axil_rready)   f_r  <= f_r + 8'd1;
        end
    end
    always @(*) if (f_past_valid && rst_n) begin
        assert (f_aw - f_b == {7'd0, aw_full} + {7'd0, s_axil_bvalid});
        assert (f_w - f_b == {7'd0, w_full} + {7'd0, s_axil_bvalid});
        assert (f_ar - f_r == {7'd0, ar_full} + {7'd0, s_axil_rvalid});
        assert (s_axil_bresp == 2'b00 && s_axil_rresp == 2'b00);
    end
    always @(posedge clk) if (f_past_valid && $past(rst_n) && rst_n) begin
        if ($past(s_axil_bvalid && !s_axil_bready)) assert (s_axil_bvalid);
        if ($past(s_axil_rvalid && !s_axil_rready))
            assert (s_axil_rvalid && s_axil_rdata == $past(s_axil_rdata));
    end
`endif
endmodule

`undef VTD_RF_HI
`undef VTD_RF_W32
`undef VTD_RF_W64LO
`undef VTD_RF_W64HI
`undef VTD_RF_R32
