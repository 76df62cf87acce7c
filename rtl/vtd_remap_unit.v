`include "vtd_regs.vh"
// vtd_remap_unit: Intel VT-d DMA remapping unit, legacy mode (top level).
//
// Architecture facts: doc/vtd-rules.md; decisions P1..P17 in its §10.
// Register map: vtd_regs.vh (generated from python_model/regmap.py).
//
// Block structure (this module only wires them together)
//   vtd_reg_file          registers + AXI4-Lite slave
//   vtd_fault_recorder    FRCD records, FSTS/FECTL, fault and completion events
//   vtd_request_stage     request stage S1: direct answers (29h, TE=0, 30h,
//                         IOTLB hit, pass-through), walker start, and the
//                         drain before a register-based invalidation
//   vtd_iotlb_select      the IOTLB interface; IOTLB_IMPL picks vtd_iotlb
//                         (set-associative, + vtd_iotlb_repl) or vtd_iotlb_l1l2
//                         (fully associative L1 in front of a vtd_iotlb L2)
//   vtd_walk_cache        paging-structure caches (WC_ENTRIES > 0), one
//                         vtd_walk_cache_level per level 2..5
//   vtd_context_cache     context-entry cache
//   vtd_page_walker       MAX_WALKS walkers
//   vtd_axi_read_arbiter  shares the AXI4 read master between the walkers, the
//                         queue engine and the IRTE reads (ARID = client index)
//   vtd_response_arbiter  one answer per cycle (finished walker or S1) into
//                         the response queue, with its fault record and a
//                         walker's cache fills
//   vtd_inval_queue       queued invalidation (QI=1): descriptors, drain, cache
//                         and IEC invalidation, wait status writes (AXI AW/W/B)
//   vtd_intr_remap        interrupt path: remapping with the IEC (IR=1), or
//                         compatibility pass-through (IR=0)
//   vtd_fifo              response queue (and the interrupt path's queue)
//   vtd_perf_counters     event counters at VTD_PERF_BASE (indices
//                         VTD_PERF_IDX_* of vtd_regs.vh)
//
// Request pipeline (the details are in the blocks' headers)
//   req -> S1 (vtd_request_stage; looks up the IOTLB and the context cache)
//       -> walk-free answer: interrupt range 29h, TE=0 pass, TTM/SSIRWE 30h,
//          IOTLB hit, pass-through context-cache hit
//          or a walk on a free vtd_page_walker (tables read through
//          vtd_axi_read_arbiter; the context-cache entry saves two reads)
//       -> vtd_response_arbiter: finished walkers (round-robin) before S1
//       -> response queue (vtd_fifo) -> rsp_*
//   S1 only waits for a free walker (with MISSQ_DEPTH > 0: for a free walker
//   or miss-queue space) or for response-queue space, so hits and other
//   walk-free answers pass walks in flight (responses return out of order;
//   rsp_tag identifies them). With WC_ENTRIES > 0, S1 also looks up the walk
//   cache with the context-cache entry's DID, and the walker resumes below
//   the deepest usable cached PDE/PDPE/PML4E/PML5E. A fault is recorded, and a walker's
//   IOTLB / context-cache fills are done, in the cycle its response enters
//   the queue, so records are made in response order.
// Register-based invalidation
//   While CCMD.ICC or IOTLB_REG.IVT is 1, no new request is taken; once S1 is
//   empty and every walker is idle the invalidation runs in one cycle
//   (vtd_request_stage drains, the caches invalidate, vtd_reg_file clears
//   ICC/IVT). While QIES=1 it does nothing (CAIG/IAIG 00, sec. 6.4).
// Queued invalidation (QI=1)
//   vtd_inval_queue runs one descriptor at a time. For 1h/2h/4h and 5h it
//   holds drain_req: no new request is taken; drain_ack is "S1 empty and
//   every walker idle"; its cache invalidation (IOTLB address cut to MGAW) or
//   IEC invalidation then runs (the caches in the same cycle). A register
//   command waits while the engine drains. Queue errors set FSTS.IQE in the
//   fault recorder (event logic, P9); the completion event (IECTL) and the
//   fault event share irq_*.
// Fault records
//   A DMA fault is recorded in the cycle its response enters the queue; an
//   interrupt fault (IR=1) in the first cycle without a DMA record.
// Latency (cycles from the req handshake edge to the rsp handshake edge, with
// rsp_ready=1): IOTLB hit, TE=0, 29h/30h and pass-through context-cache hits:
// 2. A walk adds, per table read, 3 cycles of the unit (AR register, R
// register, entry check) plus the memory's AR-to-last-beat time; measured with
// cocotbext-axi AxiRam: 4-level miss with context-cache miss (6 reads) 42,
// with context-cache hit (4 reads) 28.
//
// ---------------------------------------------------------------------------
// Ports
//   clk, rst_n            clock; synchronous active-low reset
//   AXI4-Lite slave s_axil_* (registers; 12-bit address, 64-bit data):
//     awaddr[11:0] awprot[2:0] awvalid awready  wdata[63:0] wstrb[7:0]
//     wvalid wready  bresp[1:0] bvalid bready  araddr[11:0] arprot[2:0]
//     arvalid arready  rdata[63:0] rresp[1:0] rvalid rready
//     The address is used 8-byte aligned; 32-bit accesses are strobes
//     0x0F / 0xF0, 64-bit 0xFF; reads return the whole 64-bit word.
//   DMA request (valid/ready):
//     req_valid, req_ready
//     req_sid[15:0]       requester id (bus[15:8], devfn[7:0])
//     req_addr[63:0]      untranslated input address
//     req_write           1 = write, 0 = read
//     req_size[12:0]      bytes, 1..4096, never crossing a 4 KB page
//     req_tag[REQ_TAG_W-1:0]  returned with the response
//   DMA response (valid/ready):
//     rsp_valid, rsp_ready
//     rsp_tag[REQ_TAG_W-1:0]
//     rsp_fault           1 = request blocked
//     rsp_reason[7:0]     fault reason when rsp_fault (else 0)
//     rsp_addr[63:0]      host-physical address when !rsp_fault (else 0)
//   Interrupt request in (valid/ready): msi_valid, msi_ready, msi_sid[15:0],
//     msi_addr[31:0], msi_data[31:0]
//   Interrupt out (valid/ready): intr_valid, intr_ready, intr_fault,
//     intr_reason[7:0], intr_vector[7:0], intr_dest[31:0], intr_dm, intr_rh,
//     intr_tm, intr_dlm[2:0]  (remapped with IR=1 and IRES=1, else
//     compatibility pass-through, P15/P17; faults 20h-26h with IR=1)
//   AXI4 master m_axi_* (table reads; 64-bit data):
//     arid[AXI_ID_W-1:0] araddr[63:0] arlen[7:0] arsize[2:0] arburst[1:0]
//     arlock arcache[3:0] arprot[2:0] arvalid arready
//     rid[AXI_ID_W-1:0] rdata[63:0] rresp[1:0] rlast rvalid rready
//     awid awaddr[63:0] awlen[7:0] awsize[2:0] awburst[1:0] awlock
//     awcache[3:0] awprot[2:0] awvalid awready  wdata[63:0] wstrb[7:0] wlast
//     wvalid wready  bid bresp[1:0] bvalid bready
//     Root/context entries, descriptors and IRTEs: one 2-beat INCR burst
//     (arlen=1, arsize=3); second-level entries: 1 beat. ARID = client index
//     (walkers 0..MAX_WALKS-1, then the queue engine if QI, then the IRTE
//     reads if IR). Writes: wait-descriptor status dwords only, one at a
//     time: AWID = MAX_WALKS, awlen=0, awsize=2, wstrb 0x0F/0xF0, wlast=1, AW
//     and W offered together, bready = 1 (an error response drops the write).
//   Event messages (valid/ready): irq_valid, irq_ready, irq_addr[63:0],
//     irq_data[31:0]: fault events {FEUADDR, FEADDR}, FEDATA and invalidation
//     completion events {IEUADDR, IEADDR}, IEDATA, in the order raised
// ---------------------------------------------------------------------------
module vtd_remap_unit #(
    parameter integer HAW        = 48,        // host address width (32..52)
    parameter integer MGAW       = 48,        // max guest address width (CAP.MGAW+1)
    parameter integer SAGAW      = 6,         // CAP.SAGAW bit-vector: bit1 39b, bit2 48b, bit3 57b
    parameter integer SLLPS      = 3,         // bit0 2 MB, bit1 1 GB pages (0, 1 or 3)
    parameter integer ND         = 2,         // CAP.ND: DID width 4+2*ND
    parameter integer NFR        = 7,         // NFR+1 fault records
    parameter integer PSI        = 1,         // page-selective invalidation
    parameter integer MAMV       = 18,        // max address mask value
    parameter integer PT         = 1,         // ECAP.PT pass-through
    parameter integer C          = 1,         // ECAP.C coherent walks
    parameter integer IOTLB_SETS = 16,        // power of two
    parameter integer IOTLB_WAYS = 4,
    parameter integer IOTLB_REPL = 1,         // 0 LRU, 1 tree-PLRU, 2 FIFO, 3 LFSR
    parameter integer IOTLB_IMPL = 0,         // 0 set-associative, 1 L1 + L2 (vtd_iotlb_select)
    parameter integer IOTLB_L1_ENTRIES = 4,   // IOTLB_IMPL=1: fully associative L1 entries
    parameter integer IOTLB_L1_REPL = 0,      // IOTLB_IMPL=1: L1 replacement, as IOTLB_REPL
    parameter integer CC_ENTRIES = 8,
    parameter integer MAX_WALKS  = 4,
    parameter integer REQ_TAG_W  = 8,
    parameter integer AXI_ID_W   = 4,         // >= log2(MAX_WALKS + QI + IR) (one ARID per reader)
    parameter integer QI         = 1,         // queued invalidation (ECAP.QI)
    parameter integer IR         = 1,         // interrupt remapping (ECAP.IR; needs QI)
    parameter integer EIM        = 1,         // x2APIC mode (ECAP.EIM; needs IR)
    parameter integer MHMV       = 15,        // ECAP.MHMV: max IM of an IEC invalidation
    parameter integer IEC_ENTRIES = 8,        // interrupt entry cache entries (IR=1)
    parameter integer WC_ENTRIES = 0,         // walk-cache entries per level (0: no walk cache)
    parameter integer WC_WAYS    = 4,         // walk-cache ways (WC_ENTRIES/WC_WAYS a power of two)
    parameter integer WC_REPL    = 0,         // walk-cache replacement: as IOTLB_REPL
    parameter integer MISSQ_DEPTH = 0,        // request-stage miss queue (0: none)
    parameter integer MISS_MERGE = 1          // 1: a miss to a page being walked waits for that walk
) (
    input  wire                 clk,
    input  wire                 rst_n,
    // AXI4-Lite slave (registers)
    input  wire [11:0]          s_axil_awaddr,
    input  wire [2:0]           s_axil_awprot,
    input  wire                 s_axil_awvalid,
    output wire                 s_axil_awready,
    input  wire [63:0]          s_axil_wdata,
    input  wire [7:0]           s_axil_wstrb,
    input  wire                 s_axil_wvalid,
    output wire                 s_axil_wready,
    output wire [1:0]           s_axil_bresp,
    output wire                 s_axil_bvalid,
    input  wire                 s_axil_bready,
    input  wire [11:0]          s_axil_araddr,
    input  wire [2:0]           s_axil_arprot,
    input  wire                 s_axil_arvalid,
    output wire                 s_axil_arready,
    output wire [63:0]          s_axil_rdata,
    output wire [1:0]           s_axil_rresp,
    output wire                 s_axil_rvalid,
    input  wire                 s_axil_rready,
    // DMA requests
    input  wire                 req_valid,
    output wire                 req_ready,
    input  wire [15:0]          req_sid,
    input  wire [63:0]          req_addr,
    input  wire                 req_write,
    input  wire [12:0]          req_size,
    input  wire [REQ_TAG_W-1:0] req_tag,
    // DMA responses
    output wire                 rsp_valid,
    input  wire                 rsp_ready,
    output wire [REQ_TAG_W-1:0] rsp_tag,
    output wire                 rsp_fault,
    output wire [7:0]           rsp_reason,
    output wire [63:0]          rsp_addr,
    // interrupt requests
    input  wire                 msi_valid,
    output wire                 msi_ready,
    input  wire [15:0]          msi_sid,
    input  wire [31:0]          msi_addr,
    input  wire [31:0]          msi_data,
    output wire                 intr_valid,
    input  wire                 intr_ready,
    output wire                 intr_fault,
    output wire [7:0]           intr_reason,
    output wire [7:0]           intr_vector,
    output wire [31:0]          intr_dest,
    output wire                 intr_dm,
    output wire                 intr_rh,
    output wire                 intr_tm,
    output wire [2:0]           intr_dlm,
    // AXI4 master (memory)
    output wire [AXI_ID_W-1:0]  m_axi_arid,
    output wire [63:0]          m_axi_araddr,
    output wire [7:0]           m_axi_arlen,
    output wire [2:0]           m_axi_arsize,
    output wire [1:0]           m_axi_arburst,
    output wire                 m_axi_arlock,
    output wire [3:0]           m_axi_arcache,
    output wire [2:0]           m_axi_arprot,
    output wire                 m_axi_arvalid,
    input  wire                 m_axi_arready,
    input  wire [AXI_ID_W-1:0]  m_axi_rid,
    input  wire [63:0]          m_axi_rdata,
    input  wire [1:0]           m_axi_rresp,
    input  wire                 m_axi_rlast,
    input  wire                 m_axi_rvalid,
    output wire                 m_axi_rready,
    output wire [AXI_ID_W-1:0]  m_axi_awid,
    output wire [63:0]          m_axi_awaddr,
    output wire [7:0]           m_axi_awlen,
    output wire [2:0]           m_axi_awsize,
    output wire [1:0]           m_axi_awburst,
    output wire                 m_axi_awlock,
    output wire [3:0]           m_axi_awcache,
    output wire [2:0]           m_axi_awprot,
    output wire                 m_axi_awvalid,
    input  wire                 m_axi_awready,
    output wire [63:0]          m_axi_wdata,
    output wire [7:0]           m_axi_wstrb,
    output wire                 m_axi_wlast,
    output wire                 m_axi_wvalid,
    input  wire                 m_axi_wready,
    /* verilator lint_off UNUSEDSIGNAL */
    // One status write at a time: the B beat needs no ID match.
    input  wire [AXI_ID_W-1:0]  m_axi_bid,
    /* verilator lint_on UNUSEDSIGNAL */
    input  wire [1:0]           m_axi_bresp,
    input  wire                 m_axi_bvalid,
    output wire                 m_axi_bready,
    // fault event messages
    output wire                 irq_valid,
    input  wire                 irq_ready,
    output wire [63:0]          irq_addr,
    output wire [31:0]          irq_data
);
    localparam integer NUM_PERF  = `VTD_PERF_NUM;
    localparam integer RSP_DEPTH = 2;
    localparam integer RSP_W     = REQ_TAG_W + 1 + 8 + 64;  // {tag, fault, reason, addr}
    localparam integer FW        = HAW - 12;
    localparam integer VPNW      = MGAW - 12;
    localparam integer TW        = REQ_TAG_W;
    localparam [4:0]   SAGAW_BITS = SAGAW[4:0];
    localparam [1:0]   SLLPS_BITS = SLLPS[1:0];
    localparam integer QIN       = (QI != 0) ? 1 : 0;
    localparam integer IRN       = (IR != 0) ? 1 : 0;
    localparam integer NRD       = MAX_WALKS + QIN + IRN;   // read clients of the arbiter
    localparam integer QI_RD     = MAX_WALKS;               // ARID of the queue engine
    localparam integer IR_RD     = MAX_WALKS + QIN;         // ARID of the IRTE reads

    generate
        if (HAW < 32 || HAW > 52) begin : g_bad_haw
            // Elaboration error: HAW outside the supported 32..52.
            vtd_error_haw_out_of_range u_err ();
        end
        if (SAGAW < 2 || SAGAW > 14 || SAGAW % 2 != 0) begin : g_bad_sagaw
            // Elaboration error: SAGAW names 39/48/57-bit widths (bits 1..3) only.
            vtd_error_sagaw_out_of_range u_err ();
        end
        if (SLLPS != 0 && SLLPS != 1 && SLLPS != 3) begin : g_bad_sllps
            // Elaboration error: legal SLLPS values are 0b00, 0b01 and 0b11.
            vtd_error_sllps_illegal u_err ();
        end
        if (MGAW < HAW || MGAW > 64) begin : g_bad_mgaw
            // Elaboration error: need HAW <= MGAW <= 64.
            vtd_error_mgaw_out_of_range u_err ();
        end
        if (QI < 0 || QI > 1 || IR < 0 || IR > 1 || EIM < 0 || EIM > 1 ||
            (IR != 0 && QI == 0) || (EIM != 0 && IR == 0)) begin : g_bad_qi_ir
            // Elaboration error: QI/IR/EIM are 0/1, IR needs QI and EIM needs IR.
            vtd_error_qi_ir_eim_illegal u_err ();
        end
        if (MHMV < 0 || MHMV > 15 || IEC_ENTRIES < 1) begin : g_bad_iec
            // Elaboration error: MHMV is 0..15, IEC_ENTRIES at least 1.
            vtd_error_mhmv_or_iec_entries_out_of_range u_err ();
        end
    endgenerate

    // AXI write channels: the queue engine's status writes (wait descriptor
    // SW=1), one at a time: a 4-byte single-beat write (AWSIZE=2) of the status
    // dword on its byte lanes (WSTRB 0Fh or F0h). AW and W are offered together;
    // the engine's aw_ack is the cycle both have been taken; B is always
    // accepted and handed back (an error response drops the write).
    wire        qi_aw_req;
    wire [63:0] qi_aw_addr;
    wire [31:0] qi_w_data;
    reg         aw_sent, w_sent;
    wire        aw_fire = m_axi_awvalid && m_axi_awready;
    wire        w_fire  = m_axi_wvalid && m_axi_wready;
    wire        qi_aw_ack = qi_aw_req && (aw_sent || aw_fire) && (w_sent || w_fire);
    always @(posedge clk) begin
        if (!rst_n) begin
            aw_sent <= 1'b0;
            w_sent  <= 1'b0;
        end else if (qi_aw_ack) begin
            aw_sent <= 1'b0;
            w_sent  <= 1'b0;
        end else begin
            if (aw_fire) aw_sent <= 1'b1;
            if (w_fire)  w_sent  <= 1'b1;
        end
    end
    assign m_axi_awid    = QI_RD[AXI_ID_W-1:0];
    assign m_axi_awaddr  = qi_aw_addr;
    assign m_axi_awlen   = 8'd0;
    assign m_axi_awsize  = 3'd2;
    assign m_axi_awburst = 2'b01;
    assign m_axi_awlock  = 1'b0;
    assign m_axi_awcache = 4'b0011;
    assign m_axi_awprot  = 3'b000;
    assign m_axi_awvalid = qi_aw_req && !aw_sent;
    assign m_axi_wdata   = {qi_w_data, qi_w_data};
    assign m_axi_wstrb   = qi_aw_addr[2] ? 8'hF0 : 8'h0F;
    assign m_axi_wlast   = 1'b1;
    assign m_axi_wvalid  = qi_aw_req && !w_sent;
    assign m_axi_bready  = 1'b1;

    // ------------------------------------------------------------------
    // register file and fault recorder
    wire            gsts_tes;
    wire [FW-1:0]   root_rta;
    wire [1:0]      root_ttm;
    wire            root_ssirwe;
    wire            cc_inv_req;
    wire [1:0]      cc_inv_gran;
    wire [15:0]     cc_inv_did;
    wire [15:0]     cc_inv_sid;
    wire [1:0]      cc_inv_fm;
    wire            cc_inv_go;
    wire            iotlb_inv_req;
    wire [1:0]      iotlb_inv_gran;
    wire [15:0]     iotlb_inv_did;
    wire [VPNW-1:0] iotlb_inv_vpn;
    wire [5:0]      iotlb_inv_am;
    wire            iotlb_inv_ih;
    wire            iotlb_inv_go;
    wire            fr_pfo_clear, fr_frcd_clear, fr_fectl_wr, fr_fectl_im, fr_idx_reset;
    wire [7:0]      fr_frcd_clear_idx, fr_rd_idx;
    wire [63:0]     fr_rd_lo, fr_rd_hi;
    wire            fsts_pfo, fsts_ppf, fectl_im, fectl_ip;
    wire [7:0]      fsts_fri;
    wire [15:0]     fe_data;
    wire [31:0]     fe_addr, fe_uaddr;
    wire [8:0]      perf_rd_idx;
    wire [63:0]     perf_rd_value;
    // Every counter at once, read by nothing in the unit: the testbench's interrupt monitor
    // reads PERF_FAULTS here when a faulting interrupt answer appears, to order its fault
    // record among the DMA faults'. A simulator drops it from builds that do not expose it.
    /* verilator lint_off UNUSEDSIGNAL */
    wire [64*NUM_PERF-1:0] perf_values;
    /* verilator lint_on UNUSEDSIGNAL */
    // queued invalidation and interrupt remapping registers
    wire            gsts_qies, gsts_ires, gsts_cfis, irta_eime;
    wire [FW-1:0]   iqa_base, irta_base;
    wire [2:0]      iqa_qs;
    wire            iqa_dw, iqt_wr, iqe_clear, ics_iwc_clear;
    wire [18:4]     iqt, iqh;
    wire [3:0]      iqei, irta_s;
    wire            ics_iwc, ir_busy;
    wire            fsts_iqe, iectl_im, iectl_ip, fr_iectl_wr, fr_iectl_im;
    wire [15:0]     ie_data;
    wire [31:0]     ie_addr, ie_uaddr;
    wire            qi_iqe_set, qi_inv_event;

    vtd_reg_file #(
        .HAW(HAW), .MGAW(MGAW), .SAGAW(SAGAW_BITS), .SLLPS(SLLPS_BITS), .ND(ND), .NFR(NFR),
        .PSI(PSI), .MAMV(MAMV), .PT(PT), .C(C), .QI(QI), .IR(IR), .EIM(EIM), .MHMV(MHMV),
        .NUM_PERF(NUM_PERF)
    ) u_regs (
        .clk(clk), .rst_n(rst_n),
        .s_axil_awaddr(s_axil_awaddr), .s_axil_awprot(s_axil_awprot),
        .s_axil_awvalid(s_axil_awvalid), .s_axil_awready(s_axil_awready),
        .s_axil_wdata(s_axil_wdata), .s_axil_wstrb(s_axil_wstrb),
        .s_axil_wvalid(s_axil_wvalid), .s_axil_wready(s_axil_wready),
        .s_axil_bresp(s_axil_bresp), .s_axil_bvalid(s_axil_bvalid), .s_axil_bready(s_axil_bready),
        .s_axil_araddr(s_axil_araddr), .s_axil_arprot(s_axil_arprot),
        .s_axil_arvalid(s_axil_arvalid), .s_axil_arready(s_axil_arready),
        .s_axil_rdata(s_axil_rdata), .s_axil_rresp(s_axil_rresp),
        .s_axil_rvalid(s_axil_rvalid), .s_axil_rready(s_axil_rready),
        .gsts_tes(gsts_tes), .root_rta(root_rta), .root_ttm(root_ttm), .root_ssirwe(root_ssirwe),
        .gsts_qies(gsts_qies), .iqa_base(iqa_base), .iqa_qs(iqa_qs), .iqa_dw(iqa_dw),
        .iqt(iqt), .iqt_wr(iqt_wr), .iqe_clear(iqe_clear), .ics_iwc_clear(ics_iwc_clear),
        .iqh(iqh), .iqei(iqei), .ics_iwc(ics_iwc),
        .gsts_ires(gsts_ires), .gsts_cfis(gsts_cfis), .irta_base(irta_base), .irta_s(irta_s),
        .irta_eime(irta_eime), .ir_busy(ir_busy),
        .cc_inv_req(cc_inv_req), .cc_inv_gran(cc_inv_gran), .cc_inv_did(cc_inv_did),
        .cc_inv_sid(cc_inv_sid), .cc_inv_fm(cc_inv_fm), .cc_inv_done(cc_inv_go),
        .iotlb_inv_req(iotlb_inv_req), .iotlb_inv_gran(iotlb_inv_gran),
        .iotlb_inv_did(iotlb_inv_did), .iotlb_inv_vpn(iotlb_inv_vpn),
        .iotlb_inv_am(iotlb_inv_am), .iotlb_inv_ih(iotlb_inv_ih),
        .iotlb_inv_done(iotlb_inv_go),
        .fr_pfo_clear(fr_pfo_clear), .fr_frcd_clear(fr_frcd_clear),
        .fr_frcd_clear_idx(fr_frcd_clear_idx), .fr_fectl_wr(fr_fectl_wr),
        .fr_fectl_im(fr_fectl_im), .fr_idx_reset(fr_idx_reset),
        .fr_rd_idx(fr_rd_idx), .fr_rd_lo(fr_rd_lo), .fr_rd_hi(fr_rd_hi),
        .fsts_pfo(fsts_pfo), .fsts_ppf(fsts_ppf), .fsts_fri(fsts_fri),
        .fectl_im(fectl_im), .fectl_ip(fectl_ip),
        .fsts_iqe(fsts_iqe), .iectl_im(iectl_im), .iectl_ip(iectl_ip),
        .fr_iectl_wr(fr_iectl_wr), .fr_iectl_im(fr_iectl_im),
        .fe_data(fe_data), .fe_addr(fe_addr), .fe_uaddr(fe_uaddr),
        .ie_data(ie_data), .ie_addr(ie_addr), .ie_uaddr(ie_uaddr),
        .perf_rd_idx(perf_rd_idx), .perf_rd_value(perf_rd_value)
    );

    wire            rec_valid;
    wire [15:0]     rec_sid;
    wire [51:0]     rec_fi;
    wire [7:0]      rec_fr;
    wire            rec_write;

    vtd_fault_recorder #(.NFR(NFR)) u_faults (
        .clk(clk), .rst_n(rst_n),
        .rec_valid(rec_valid), .rec_sid(rec_sid), .rec_fi(rec_fi),
        .rec_fr(rec_fr), .rec_write(rec_write),
        .pfo_clear(fr_pfo_clear), .frcd_clear(fr_frcd_clear),
        .frcd_clear_idx(fr_frcd_clear_idx), .fectl_wr(fr_fectl_wr),
        .fectl_wr_im(fr_fectl_im), .idx_reset(fr_idx_reset),
        .iqe_set(qi_iqe_set), .iqe_clear(iqe_clear), .inv_event(qi_inv_event),
        .iectl_wr(fr_iectl_wr), .iectl_wr_im(fr_iectl_im), .iwc_clear(ics_iwc_clear),
        .rd_idx(fr_rd_idx), .rd_lo(fr_rd_lo), .rd_hi(fr_rd_hi),
        .fsts_pfo(fsts_pfo), .fsts_ppf(fsts_ppf), .fsts_fri(fsts_fri),
        .fectl_im(fectl_im), .fectl_ip(fectl_ip),
        .fsts_iqe(fsts_iqe), .iectl_im(iectl_im), .iectl_ip(iectl_ip),
        .fe_data(fe_data), .fe_addr(fe_addr), .fe_uaddr(fe_uaddr),
        .ie_data(ie_data), .ie_addr(ie_addr), .ie_uaddr(ie_uaddr),
        .irq_valid(irq_valid), .irq_ready(irq_ready), .irq_addr(irq_addr), .irq_data(irq_data)
    );

    // ------------------------------------------------------------------
    // interrupt path (IR=0: compatibility pass-through, memory and record
    // ports idle)
    wire        ir_ar_req, ir_ar_ack, ir_r_valid;
    wire [63:0] ir_ar_addr;
    wire [7:0]  ir_ar_len;
    wire        ir_rec_valid, ir_rec_ready, ir_rec_write;
    wire [7:0]  ir_rec_fr;
    wire [15:0] ir_rec_sid;
    wire [51:0] ir_rec_fi;
    wire        qi_iec_inv_req, qi_iec_inv_global, qi_iec_inv_done;
    wire [15:0] qi_iec_inv_index;
    wire [4:0]  qi_iec_inv_im;
    wire [63:0] rd_r_data;
    wire [1:0]  rd_r_resp;
    wire        rd_r_last;
    // The register inputs of the interrupt block must stay stable while an
    // interrupt is in flight (msi_ready=0 with IR=1): GCMD writes wait.
    assign ir_busy = (IR != 0) && !msi_ready;
    vtd_intr_remap #(.IR(IR), .HAW(HAW), .IEC_ENTRIES(IEC_ENTRIES)) u_intr (
        .clk(clk), .rst_n(rst_n),
        .msi_valid(msi_valid), .msi_ready(msi_ready), .msi_sid(msi_sid),
        .msi_addr(msi_addr), .msi_data(msi_data),
        .intr_valid(intr_valid), .intr_ready(intr_ready), .intr_fault(intr_fault),
        .intr_reason(intr_reason), .intr_vector(intr_vector), .intr_dest(intr_dest),
        .intr_dm(intr_dm), .intr_rh(intr_rh), .intr_tm(intr_tm), .intr_dlm(intr_dlm),
        .ires(gsts_ires), .irta_base(irta_base), .irta_s(irta_s),
        .eime(irta_eime && (EIM != 0)), .cfis(gsts_cfis),
        .ar_req(ir_ar_req), .ar_addr(ir_ar_addr), .ar_len(ir_ar_len), .ar_ack(ir_ar_ack),
        .r_valid(ir_r_valid), .r_data(rd_r_data), .r_resp(rd_r_resp), .r_last(rd_r_last),
        .rec_valid(ir_rec_valid), .rec_ready(ir_rec_ready), .rec_sid(ir_rec_sid),
        .rec_fi(ir_rec_fi), .rec_fr(ir_rec_fr), .rec_write(ir_rec_write),
        .inv_valid(qi_iec_inv_req), .inv_global(qi_iec_inv_global),
        .inv_index(qi_iec_inv_index), .inv_im(qi_iec_inv_im), .inv_done(qi_iec_inv_done)
    );

    // ------------------------------------------------------------------
    // request stage S1
    wire [15:0]     s1_sid;
    wire [63:0]     s1_addr;
    wire            s1_write;
    /* verilator lint_off UNUSEDSIGNAL */
    // S1's size is used inside the request stage; a walker takes ws_size
    wire [12:0]     s1_size;
    /* verilator lint_on UNUSEDSIGNAL */
    wire [TW-1:0]   s1_tag;
    wire            d_valid, d_ready, d_fault, d_record;
    wire [7:0]      d_reason;
    wire [63:0]     d_hpa;

    // IOTLB and context cache lookups
    wire            tlb_hit;
    wire [1:0]      tlb_ps;
    wire [FW-1:0]   tlb_frame;
    wire            tlb_r, tlb_w;
    wire            tlb_use;
    wire            cc_hit;
    wire [15:0]     cc_did;
    wire [1:0]      cc_tt;
    wire [2:0]      cc_aw;
    wire [FW-1:0]   cc_slptptr;
    wire            cc_fpd;
    // walk-cache look-up (with the context-cache entry)
    wire            wc_valid, wc_hit, wc_use, wc_r, wc_w;
    wire [2:0]      wc_level;
    wire [FW-1:0]   wc_ptr;

    // walkers (walker i at bit i / slice i)
    wire [MAX_WALKS-1:0]      wk_idle;
    wire [MAX_WALKS-1:0]      wk_start;
    wire [MAX_WALKS-1:0]      wk_done;
    wire [MAX_WALKS-1:0]      wk_ack;
    wire [TW*MAX_WALKS-1:0]   wk_tag;
    wire [16*MAX_WALKS-1:0]   wk_sid;
    wire [64*MAX_WALKS-1:0]   wk_addr;
    wire [MAX_WALKS-1:0]      wk_write;
    wire [MAX_WALKS-1:0]      wk_fault;
    wire [8*MAX_WALKS-1:0]    wk_reason;
    wire [MAX_WALKS-1:0]      wk_record;
    wire [64*MAX_WALKS-1:0]   wk_hpa;
    wire [MAX_WALKS-1:0]      wk_tlb_fill;
    wire [2*MAX_WALKS-1:0]    wk_ps;
    wire [VPNW*MAX_WALKS-1:0] wk_vpn;
    wire [FW*MAX_WALKS-1:0]   wk_frame;
    wire [MAX_WALKS-1:0]      wk_r;
    wire [MAX_WALKS-1:0]      wk_w;
    wire [16*MAX_WALKS-1:0]   wk_did;
    wire [MAX_WALKS-1:0]      wk_cc_fill;
    wire [2*MAX_WALKS-1:0]    wk_cc_tt;
    wire [3*MAX_WALKS-1:0]    wk_cc_aw;
    wire [FW*MAX_WALKS-1:0]   wk_cc_slpt;
    wire [MAX_WALKS-1:0]      wk_cc_fpd;
    wire [4*MAX_WALKS-1:0]    wk_wc_fill;
    wire [4*FW*MAX_WALKS-1:0] wk_wc_ptr;
    wire [4*MAX_WALKS-1:0]    wk_wc_r;
    wire [4*MAX_WALKS-1:0]    wk_wc_w;
    wire [MAX_WALKS-1:0]      wk_ar_req;
    wire [64*MAX_WALKS-1:0]   wk_ar_addr;
    wire [8*MAX_WALKS-1:0]    wk_ar_len;
    wire [MAX_WALKS-1:0]      wk_ar_ack;
    wire [MAX_WALKS-1:0]      wk_r_valid;
    wire [63:0]               wk_r_data;
    wire [1:0]                wk_r_resp;
    wire                      wk_r_last;

    // cache fills (from the walker whose answer enters the response queue)
    wire            tlb_fill_valid, cc_fill_valid;
    wire [15:0]     fill_sid, fill_did;
    wire [VPNW-1:0] fill_vpn;
    wire [1:0]      fill_ps;
    wire [FW-1:0]   fill_frame;
    wire            fill_r, fill_w;
    wire [1:0]      fill_cc_tt;
    wire [2:0]      fill_cc_aw;
    wire [FW-1:0]   fill_cc_slptptr;
    wire            fill_cc_fpd;

    // performance events
    wire ev_request, ev_iotlb_hit, ev_iotlb_miss, ev_cc_hit, ev_cc_miss, ev_walk;
    wire ev_walk_read, ev_fault, in_flight, ev_wc_hit, ev_wc_miss;

    // queue engine's drain (its invalidations run while it holds drain_req; the
    // register path waits meanwhile, so the two never invalidate together)
    wire          qi_drain_req, s1_quiet;
    // a walker's start data (from S1 or the miss queue)
    wire [15:0]     ws_sid, ws_cc_did;
    wire [63:0]     ws_addr;
    wire            ws_write, ws_cc_hit, ws_cc_fpd, ws_wc_hit, ws_wc_r, ws_wc_w;
    wire [12:0]     ws_size;
    wire [TW-1:0]   ws_tag;
    wire [1:0]      ws_cc_tt;
    wire [2:0]      ws_cc_aw, ws_wc_level;
    wire [FW-1:0]   ws_cc_slptptr, ws_wc_ptr;
    vtd_request_stage #(
        .HAW(HAW), .REQ_TAG_W(REQ_TAG_W), .MAX_WALKS(MAX_WALKS), .MISSQ_DEPTH(MISSQ_DEPTH),
        .MISS_MERGE(MISS_MERGE)
    ) u_s1 (
        .clk(clk), .rst_n(rst_n),
        .req_valid(req_valid), .req_ready(req_ready), .req_sid(req_sid), .req_addr(req_addr),
        .req_write(req_write), .req_size(req_size), .req_tag(req_tag),
        .gsts_tes(gsts_tes), .root_ttm(root_ttm), .root_ssirwe(root_ssirwe),
        .cc_inv_req(cc_inv_req && !qi_drain_req), .iotlb_inv_req(iotlb_inv_req && !qi_drain_req),
        .cc_inv_go(cc_inv_go), .iotlb_inv_go(iotlb_inv_go),
        .qi_drain_req(qi_drain_req), .rsp_idle(!rsp_valid), .quiet(s1_quiet),
        .s1_sid(s1_sid), .s1_addr(s1_addr), .s1_write(s1_write), .s1_size(s1_size),
        .s1_tag(s1_tag),
        .tlb_hit(tlb_hit), .tlb_ps(tlb_ps), .tlb_frame(tlb_frame), .tlb_r(tlb_r), .tlb_w(tlb_w),
        .tlb_use(tlb_use),
        .cc_hit(cc_hit), .cc_tt(cc_tt), .cc_fpd(cc_fpd), .cc_did(cc_did), .cc_aw(cc_aw),
        .cc_slptptr(cc_slptptr),
        .wc_valid(wc_valid), .wc_hit(wc_hit), .wc_use(wc_use), .wc_level(wc_level),
        .wc_ptr(wc_ptr), .wc_r(wc_r), .wc_w(wc_w),
        .wk_idle(wk_idle), .wk_start(wk_start),
        .ws_sid(ws_sid), .ws_addr(ws_addr), .ws_write(ws_write), .ws_size(ws_size),
        .ws_tag(ws_tag), .ws_cc_hit(ws_cc_hit), .ws_cc_did(ws_cc_did), .ws_cc_tt(ws_cc_tt),
        .ws_cc_aw(ws_cc_aw), .ws_cc_slptptr(ws_cc_slptptr), .ws_cc_fpd(ws_cc_fpd),
        .ws_wc_hit(ws_wc_hit), .ws_wc_level(ws_wc_level), .ws_wc_ptr(ws_wc_ptr),
        .ws_wc_r(ws_wc_r), .ws_wc_w(ws_wc_w),
        .d_valid(d_valid), .d_ready(d_ready), .d_fault(d_fault), .d_reason(d_reason),
        .d_hpa(d_hpa), .d_record(d_record),
        .ev_request(ev_request), .ev_iotlb_hit(ev_iotlb_hit), .ev_iotlb_miss(ev_iotlb_miss),
        .ev_cc_hit(ev_cc_hit), .ev_cc_miss(ev_cc_miss), .ev_walk(ev_walk),
        .ev_wc_hit(ev_wc_hit), .ev_wc_miss(ev_wc_miss),
        .in_flight(in_flight)
    );

    // ------------------------------------------------------------------
    // response selection, response queue
    wire             rq_in_valid, rq_in_ready;
    wire [RSP_W-1:0] rq_in, rq_out;

    wire          dma_rec_valid, dma_rec_write;
    wire [15:0]   dma_rec_sid;
    wire [51:0]   dma_rec_fi;
    wire [7:0]    dma_rec_fr;

    vtd_response_arbiter #(
        .HAW(HAW), .MGAW(MGAW), .REQ_TAG_W(REQ_TAG_W), .MAX_WALKS(MAX_WALKS)
    ) u_rsp_arb (
        .clk(clk), .rst_n(rst_n),
        .wk_done(wk_done), .wk_ack(wk_ack),
        .wk_tag(wk_tag), .wk_sid(wk_sid), .wk_addr(wk_addr), .wk_write(wk_write),
        .wk_fault(wk_fault), .wk_reason(wk_reason), .wk_record(wk_record), .wk_hpa(wk_hpa),
        .wk_tlb_fill(wk_tlb_fill), .wk_ps(wk_ps), .wk_vpn(wk_vpn), .wk_frame(wk_frame),
        .wk_r(wk_r), .wk_w(wk_w), .wk_did(wk_did),
        .wk_cc_fill(wk_cc_fill), .wk_cc_tt(wk_cc_tt), .wk_cc_aw(wk_cc_aw),
        .wk_cc_slptptr(wk_cc_slpt), .wk_cc_fpd(wk_cc_fpd),
        .d_valid(d_valid), .d_ready(d_ready), .d_tag(s1_tag), .d_sid(s1_sid),
        .d_fi(s1_addr[63:12]), .d_write(s1_write), .d_fault(d_fault), .d_reason(d_reason),
        .d_hpa(d_hpa), .d_record(d_record),
        .q_valid(rq_in_valid), .q_ready(rq_in_ready), .q_data(rq_in),
        .rec_valid(dma_rec_valid), .rec_sid(dma_rec_sid), .rec_fi(dma_rec_fi),
        .rec_fr(dma_rec_fr), .rec_write(dma_rec_write),
        .tlb_fill_valid(tlb_fill_valid), .cc_fill_valid(cc_fill_valid),
        .fill_sid(fill_sid), .fill_did(fill_did), .fill_vpn(fill_vpn), .fill_ps(fill_ps),
        .fill_frame(fill_frame), .fill_r(fill_r), .fill_w(fill_w),
        .fill_cc_tt(fill_cc_tt), .fill_cc_aw(fill_cc_aw), .fill_cc_slptptr(fill_cc_slptptr),
        .fill_cc_fpd(fill_cc_fpd),
        .ev_fault(ev_fault)
    );

    vtd_fifo #(.WIDTH(RSP_W), .DEPTH(RSP_DEPTH)) u_rsp_q (
        .clk(clk), .rst_n(rst_n),
        .in_valid(rq_in_valid), .in_ready(rq_in_ready), .in_data(rq_in),
        .out_valid(rsp_valid), .out_ready(rsp_ready), .out_data(rq_out)
    );
    assign {rsp_tag, rsp_fault, rsp_reason, rsp_addr} = rq_out;

    // fault records: the DMA path's record is taken in the cycle its response
    // enters the queue; the interrupt block's record waits for a free cycle
    assign ir_rec_ready = !dma_rec_valid;
    assign rec_valid = dma_rec_valid || ir_rec_valid;
    assign rec_sid   = dma_rec_valid ? dma_rec_sid   : ir_rec_sid;
    assign rec_fi    = dma_rec_valid ? dma_rec_fi    : ir_rec_fi;
    assign rec_write = dma_rec_valid ? dma_rec_write : ir_rec_write;
    assign rec_fr    = dma_rec_valid ? dma_rec_fr    : ir_rec_fr;

    // ------------------------------------------------------------------
    // queued invalidation engine (QI=0: absent, its outputs idle)
    wire            qi_ar_req, qi_ar_ack, qi_r_valid;
    wire [63:0]     qi_ar_addr;
    wire [7:0]      qi_ar_len;
    wire            qi_cc_inv_req, qi_iotlb_inv_req;
    wire [1:0]      qi_cc_inv_gran, qi_cc_inv_fm, qi_iotlb_inv_gran;
    wire [15:0]     qi_cc_inv_did, qi_cc_inv_sid, qi_iotlb_inv_did;
    /* verilator lint_off UNUSEDSIGNAL */
    // descriptor ADDR bits 63:12; bits at and above MGAW are cut (as the register path does)
    wire [51:0]     qi_iotlb_inv_vpn;
    /* verilator lint_on UNUSEDSIGNAL */
    wire [5:0]      qi_iotlb_inv_am;
    wire            qi_iotlb_inv_ih;
    generate
        if (QI != 0) begin : g_qi
            /* verilator lint_off UNUSEDSIGNAL */
            // busy and iqe_halted mirror state kept elsewhere (in_flight, FSTS.IQE)
            wire qi_busy, qi_iqe_halted;
            /* verilator lint_on UNUSEDSIGNAL */
            vtd_inval_queue #(.HAW(HAW), .ND(ND), .PSI(PSI), .MAMV(MAMV), .MHMV(MHMV)) u_qi (
                .clk(clk), .rst_n(rst_n),
                .qies(gsts_qies), .iqa_base(iqa_base), .iqa_qs(iqa_qs), .iqa_dw(iqa_dw),
                .iqt(iqt), .iqt_wr(iqt_wr), .iqe_clear(iqe_clear), .ics_iwc_clear(ics_iwc_clear),
                .iqh(iqh), .iqei(iqei), .iqe_set(qi_iqe_set), .iqe_halted(qi_iqe_halted),
                .ics_iwc(ics_iwc), .inv_event_req(qi_inv_event), .busy(qi_busy),
                .ar_req(qi_ar_req), .ar_addr(qi_ar_addr), .ar_len(qi_ar_len), .ar_ack(qi_ar_ack),
                .r_valid(qi_r_valid), .r_data(rd_r_data), .r_resp(rd_r_resp), .r_last(rd_r_last),
                .aw_req(qi_aw_req), .aw_addr(qi_aw_addr), .w_data(qi_w_data),
                .aw_ack(qi_aw_ack), .b_valid(m_axi_bvalid), .b_resp(m_axi_bresp),
                .cc_inv_req(qi_cc_inv_req), .cc_inv_gran(qi_cc_inv_gran),
                .cc_inv_did(qi_cc_inv_did), .cc_inv_sid(qi_cc_inv_sid), .cc_inv_fm(qi_cc_inv_fm),
                .cc_inv_done(qi_cc_inv_req),
                .iotlb_inv_req(qi_iotlb_inv_req), .iotlb_inv_gran(qi_iotlb_inv_gran),
                .iotlb_inv_did(qi_iotlb_inv_did), .iotlb_inv_vpn(qi_iotlb_inv_vpn),
                .iotlb_inv_am(qi_iotlb_inv_am), .iotlb_inv_ih(qi_iotlb_inv_ih),
                .iotlb_inv_done(qi_iotlb_inv_req),
                .iec_inv_req(qi_iec_inv_req), .iec_inv_global(qi_iec_inv_global),
                .iec_inv_index(qi_iec_inv_index), .iec_inv_im(qi_iec_inv_im),
                .iec_inv_done(qi_iec_inv_done),
                .drain_req(qi_drain_req), .drain_ack(s1_quiet)
            );
        end else begin : g_no_qi
            /* verilator lint_off UNUSEDSIGNAL */
            // no engine: the read/write responses and the IEC acknowledge are not used
            wire unused_qi = qi_ar_ack | qi_r_valid | qi_aw_ack | qi_iec_inv_done | s1_quiet |
                             m_axi_bvalid | (|m_axi_bresp) | (|iqa_base) | (|iqa_qs) | iqa_dw |
                             (|iqt) | iqt_wr | iqe_clear | ics_iwc_clear | gsts_qies;
            /* verilator lint_on UNUSEDSIGNAL */
            assign qi_ar_req  = 1'b0;
            assign qi_ar_addr = 64'd0;
            assign qi_ar_len  = 8'd0;
            assign qi_aw_req  = 1'b0;
            assign qi_aw_addr = 64'd0;
            assign qi_w_data  = 32'd0;
            assign iqh = 15'd0;
            assign iqei = 4'd0;
            assign ics_iwc = 1'b0;
            assign qi_iqe_set = 1'b0;
            assign qi_inv_event = 1'b0;
            assign qi_drain_req = 1'b0;
            assign qi_cc_inv_req = 1'b0;
            assign qi_cc_inv_gran = 2'b00;
            assign qi_cc_inv_did = 16'd0;
            assign qi_cc_inv_sid = 16'd0;
            assign qi_cc_inv_fm = 2'b00;
            assign qi_iotlb_inv_req = 1'b0;
            assign qi_iotlb_inv_gran = 2'b00;
            assign qi_iotlb_inv_did = 16'd0;
            assign qi_iotlb_inv_vpn = 52'd0;
            assign qi_iotlb_inv_am = 6'd0;
            assign qi_iotlb_inv_ih = 1'b0;
            assign qi_iec_inv_req = 1'b0;
            assign qi_iec_inv_global = 1'b0;
            assign qi_iec_inv_index = 16'd0;
            assign qi_iec_inv_im = 5'd0;
        end
    endgenerate

    // cache invalidation: the queue engine's (while it drains) or the register path's
    wire            tlb_inv_valid = qi_iotlb_inv_req || iotlb_inv_go;
    wire [1:0]      tlb_inv_gran  = qi_iotlb_inv_req ? qi_iotlb_inv_gran : iotlb_inv_gran;
    wire [15:0]     tlb_inv_did   = qi_iotlb_inv_req ? qi_iotlb_inv_did  : iotlb_inv_did;
    wire [VPNW-1:0] tlb_inv_vpn   = qi_iotlb_inv_req ? qi_iotlb_inv_vpn[VPNW-1:0] : iotlb_inv_vpn;
    wire [5:0]      tlb_inv_am    = qi_iotlb_inv_req ? qi_iotlb_inv_am   : iotlb_inv_am;
    wire            tlb_inv_ih    = qi_iotlb_inv_req ? qi_iotlb_inv_ih   : iotlb_inv_ih;
    wire            ccache_inv_valid = qi_cc_inv_req || cc_inv_go;
    wire [1:0]      ccache_inv_gran  = qi_cc_inv_req ? qi_cc_inv_gran : cc_inv_gran;
    wire [15:0]     ccache_inv_did   = qi_cc_inv_req ? qi_cc_inv_did  : cc_inv_did;
    wire [15:0]     ccache_inv_sid   = qi_cc_inv_req ? qi_cc_inv_sid  : cc_inv_sid;
    wire [1:0]      ccache_inv_fm    = qi_cc_inv_req ? qi_cc_inv_fm   : cc_inv_fm;

    // ------------------------------------------------------------------
    // caches
    vtd_iotlb_select #(
        .IMPL(IOTLB_IMPL), .SETS(IOTLB_SETS), .WAYS(IOTLB_WAYS), .REPL(IOTLB_REPL),
        .L1_ENTRIES(IOTLB_L1_ENTRIES), .L1_REPL(IOTLB_L1_REPL),
        .HAW(HAW), .MGAW(MGAW), .ND(ND)
    ) u_iotlb (
        .clk(clk), .rst_n(rst_n),
        .lk_sid(s1_sid), .lk_addr(s1_addr),
        .lk_hit(tlb_hit), .lk_ps(tlb_ps), .lk_frame(tlb_frame), .lk_r(tlb_r), .lk_w(tlb_w),
        .lk_use(tlb_use),
        .fill_valid(tlb_fill_valid),
        .fill_sid(fill_sid), .fill_did(fill_did), .fill_vpn(fill_vpn),
        .fill_ps(fill_ps), .fill_frame(fill_frame),
        .fill_r(fill_r), .fill_w(fill_w),
        .inv_valid(tlb_inv_valid), .inv_gran(tlb_inv_gran), .inv_did(tlb_inv_did),
        .inv_vpn(tlb_inv_vpn), .inv_am(tlb_inv_am)
    );

    vtd_context_cache #(.ENTRIES(CC_ENTRIES), .HAW(HAW), .ND(ND)) u_cc (
        .clk(clk), .rst_n(rst_n),
        .lk_sid(s1_sid), .lk_hit(cc_hit), .lk_did(cc_did), .lk_tt(cc_tt), .lk_aw(cc_aw),
        .lk_slptptr(cc_slptptr), .lk_fpd(cc_fpd),
        .fill_valid(cc_fill_valid),
        .fill_sid(fill_sid), .fill_did(fill_did), .fill_tt(fill_cc_tt),
        .fill_aw(fill_cc_aw), .fill_slptptr(fill_cc_slptptr), .fill_fpd(fill_cc_fpd),
        .inv_valid(ccache_inv_valid), .inv_gran(ccache_inv_gran), .inv_did(ccache_inv_did),
        .inv_sid(ccache_inv_sid), .inv_fm(ccache_inv_fm)
    );

    // walk-cache fill: the entries of the walker whose answer enters the queue
    // (wk_ack is one-hot), in the same cycle as its IOTLB fill
    reg [3:0]      wcf_valid, wcf_r, wcf_w;
    reg [4*FW-1:0] wcf_ptr;
    reg [VPNW-1:0] wcf_vpn;
    integer        kw;
    always @* begin
        wcf_valid = 4'd0;
        wcf_r     = 4'd0;
        wcf_w     = 4'd0;
        wcf_ptr   = {(4*FW){1'b0}};
        wcf_vpn   = {VPNW{1'b0}};
        for (kw = 0; kw < MAX_WALKS; kw = kw + 1) begin
            if (wk_ack[kw]) begin
                wcf_valid = wk_wc_fill[4*kw +: 4];
                wcf_r     = wk_wc_r[4*kw +: 4];
                wcf_w     = wk_wc_w[4*kw +: 4];
                wcf_ptr   = wk_wc_ptr[4*FW*kw +: 4*FW];
                wcf_vpn   = wk_addr[64*kw + 12 +: VPNW];
            end
        end
    end

    vtd_walk_cache #(
        .ENTRIES(WC_ENTRIES), .WAYS(WC_WAYS), .REPL(WC_REPL), .SAGAW(SAGAW_BITS),
        .HAW(HAW), .MGAW(MGAW), .ND(ND)
    ) u_wc (
        .clk(clk), .rst_n(rst_n),
        .lk_en(cc_hit && cc_tt == 2'b00), .lk_did(cc_did), .lk_aw(cc_aw),
        .lk_addr(s1_addr), .lk_write(s1_write),
        .lk_valid(wc_valid), .lk_hit(wc_hit), .lk_level(wc_level), .lk_ptr(wc_ptr),
        .lk_r(wc_r), .lk_w(wc_w), .lk_use(wc_use),
        .fill_valid(wcf_valid), .fill_did(fill_did), .fill_vpn(wcf_vpn),
        .fill_ptr(wcf_ptr), .fill_r(wcf_r), .fill_w(wcf_w),
        .inv_valid(tlb_inv_valid), .inv_gran(tlb_inv_gran), .inv_did(tlb_inv_did),
        .inv_vpn(tlb_inv_vpn), .inv_am(tlb_inv_am), .inv_ih(tlb_inv_ih)
    );

    // ------------------------------------------------------------------
    // walkers
    genvar g;
    generate
        for (g = 0; g < MAX_WALKS; g = g + 1) begin : g_wk
            vtd_page_walker #(
                .HAW(HAW), .MGAW(MGAW), .SAGAW(SAGAW_BITS), .SLLPS(SLLPS_BITS), .ND(ND), .PT(PT),
                .REQ_TAG_W(REQ_TAG_W)
            ) u_walker (
                .clk(clk), .rst_n(rst_n),
                .idle(wk_idle[g]), .start(wk_start[g]),
                .st_sid(ws_sid), .st_addr(ws_addr), .st_write(ws_write), .st_size(ws_size),
                .st_tag(ws_tag), .st_rta(root_rta),
                .st_cc_hit(ws_cc_hit), .st_cc_did(ws_cc_did), .st_cc_tt(ws_cc_tt),
                .st_cc_aw(ws_cc_aw), .st_cc_slptptr(ws_cc_slptptr), .st_cc_fpd(ws_cc_fpd),
                .st_wc_hit(ws_wc_hit), .st_wc_level(ws_wc_level), .st_wc_ptr(ws_wc_ptr),
                .st_wc_r(ws_wc_r), .st_wc_w(ws_wc_w),
                .ar_req(wk_ar_req[g]), .ar_addr(wk_ar_addr[64*g +: 64]),
                .ar_len(wk_ar_len[8*g +: 8]), .ar_ack(wk_ar_ack[g]),
                .r_valid(wk_r_valid[g]), .r_data(wk_r_data), .r_resp(wk_r_resp), .r_last(wk_r_last),
                .done(wk_done[g]), .done_ack(wk_ack[g]),
                .res_tag(wk_tag[TW*g +: TW]), .res_sid(wk_sid[16*g +: 16]),
                .res_addr(wk_addr[64*g +: 64]), .res_write(wk_write[g]),
                .res_fault(wk_fault[g]), .res_reason(wk_reason[8*g +: 8]),
                .res_record(wk_record[g]), .res_hpa(wk_hpa[64*g +: 64]),
                .res_tlb_fill(wk_tlb_fill[g]), .res_ps(wk_ps[2*g +: 2]),
                .res_vpn(wk_vpn[VPNW*g +: VPNW]), .res_frame(wk_frame[FW*g +: FW]),
                .res_r(wk_r[g]), .res_w(wk_w[g]), .res_did(wk_did[16*g +: 16]),
                .res_cc_fill(wk_cc_fill[g]), .res_cc_tt(wk_cc_tt[2*g +: 2]),
                .res_cc_aw(wk_cc_aw[3*g +: 3]), .res_cc_slptptr(wk_cc_slpt[FW*g +: FW]),
                .res_cc_fpd(wk_cc_fpd[g]),
                .res_wc_fill(wk_wc_fill[4*g +: 4]), .res_wc_ptr(wk_wc_ptr[4*FW*g +: 4*FW]),
                .res_wc_r(wk_wc_r[4*g +: 4]), .res_wc_w(wk_wc_w[4*g +: 4])
            );
        end
    endgenerate

    // read clients: walkers 0..MAX_WALKS-1, then the queue engine (QI), then
    // the interrupt block's IRTE reads (IR); ARID = client index
    wire [NRD-1:0]    rd_ar_req;
    wire [64*NRD-1:0] rd_ar_addr;
    wire [8*NRD-1:0]  rd_ar_len;
    wire [NRD-1:0]    rd_ar_ack;
    wire [NRD-1:0]    rd_r_valid;
    wire              rd_ar_fire;
    assign rd_ar_req[MAX_WALKS-1:0]        = wk_ar_req;
    assign rd_ar_addr[64*MAX_WALKS-1:0]    = wk_ar_addr;
    assign rd_ar_len[8*MAX_WALKS-1:0]      = wk_ar_len;
    assign wk_ar_ack  = rd_ar_ack[MAX_WALKS-1:0];
    assign wk_r_valid = rd_r_valid[MAX_WALKS-1:0];
    assign wk_r_data  = rd_r_data;
    assign wk_r_resp  = rd_r_resp;
    assign wk_r_last  = rd_r_last;
    generate
        if (QI != 0) begin : g_qi_rd
            assign rd_ar_req[QI_RD]        = qi_ar_req;
            assign rd_ar_addr[64*QI_RD +: 64] = qi_ar_addr;
            assign rd_ar_len[8*QI_RD +: 8]  = qi_ar_len;
            assign qi_ar_ack  = rd_ar_ack[QI_RD];
            assign qi_r_valid = rd_r_valid[QI_RD];
        end else begin : g_no_qi_rd
            /* verilator lint_off UNUSEDSIGNAL */
            // no such client: its (idle) read request goes nowhere
            wire unused_qi_rd = qi_ar_req | (|qi_ar_addr) | (|qi_ar_len);
            /* verilator lint_on UNUSEDSIGNAL */
            assign qi_ar_ack  = 1'b0;
            assign qi_r_valid = 1'b0;
        end
        if (IR != 0) begin : g_ir_rd
            assign rd_ar_req[IR_RD]        = ir_ar_req;
            assign rd_ar_addr[64*IR_RD +: 64] = ir_ar_addr;
            assign rd_ar_len[8*IR_RD +: 8]  = ir_ar_len;
            assign ir_ar_ack  = rd_ar_ack[IR_RD];
            assign ir_r_valid = rd_r_valid[IR_RD];
        end else begin : g_no_ir_rd
            /* verilator lint_off UNUSEDSIGNAL */
            // no such client: its (idle) read request goes nowhere
            wire unused_ir_rd = ir_ar_req | (|ir_ar_addr) | (|ir_ar_len);
            /* verilator lint_on UNUSEDSIGNAL */
            assign ir_ar_ack  = 1'b0;
            assign ir_r_valid = 1'b0;
        end
    endgenerate
    // WALK_READS counts the walkers' bursts only
    assign ev_walk_read = rd_ar_fire && ({{(32-AXI_ID_W){1'b0}}, m_axi_arid} < MAX_WALKS);

    vtd_axi_read_arbiter #(.N(NRD), .AXI_ID_W(AXI_ID_W)) u_rd_arb (
        .clk(clk), .rst_n(rst_n),
        .w_ar_req(rd_ar_req), .w_ar_addr(rd_ar_addr), .w_ar_len(rd_ar_len), .w_ar_ack(rd_ar_ack),
        .w_r_valid(rd_r_valid), .w_r_data(rd_r_data), .w_r_resp(rd_r_resp), .w_r_last(rd_r_last),
        .m_axi_arid(m_axi_arid), .m_axi_araddr(m_axi_araddr), .m_axi_arlen(m_axi_arlen),
        .m_axi_arsize(m_axi_arsize), .m_axi_arburst(m_axi_arburst), .m_axi_arlock(m_axi_arlock),
        .m_axi_arcache(m_axi_arcache), .m_axi_arprot(m_axi_arprot),
        .m_axi_arvalid(m_axi_arvalid), .m_axi_arready(m_axi_arready),
        .m_axi_rid(m_axi_rid), .m_axi_rdata(m_axi_rdata), .m_axi_rresp(m_axi_rresp),
        .m_axi_rlast(m_axi_rlast), .m_axi_rvalid(m_axi_rvalid), .m_axi_rready(m_axi_rready),
        .ar_fire(rd_ar_fire)
    );

    // ------------------------------------------------------------------
    // performance counters (indices generated in vtd_regs.vh)
    wire [NUM_PERF-1:0] perf_inc;
    assign perf_inc[`VTD_PERF_IDX_REQUESTS]     = ev_request;
    assign perf_inc[`VTD_PERF_IDX_IOTLB_HITS]   = ev_iotlb_hit;
    assign perf_inc[`VTD_PERF_IDX_IOTLB_MISSES] = ev_iotlb_miss;
    assign perf_inc[`VTD_PERF_IDX_CC_HITS]      = ev_cc_hit;
    assign perf_inc[`VTD_PERF_IDX_CC_MISSES]    = ev_cc_miss;
    assign perf_inc[`VTD_PERF_IDX_WALKS]        = ev_walk;
    assign perf_inc[`VTD_PERF_IDX_WALK_READS]   = ev_walk_read;
    assign perf_inc[`VTD_PERF_IDX_FAULTS]       = ev_fault;
    assign perf_inc[`VTD_PERF_IDX_WC_HITS]      = ev_wc_hit;
    assign perf_inc[`VTD_PERF_IDX_WC_MISSES]    = ev_wc_miss;
    // a request in S1 or a walker, or a response waiting in the queue
    assign perf_inc[`VTD_PERF_IDX_BUSY_CYCLES]  = in_flight || rsp_valid;

    vtd_perf_counters #(.NUM(NUM_PERF)) u_perf (
        .clk(clk), .rst_n(rst_n), .inc(perf_inc), .rd_idx(perf_rd_idx),
        .rd_value(perf_rd_value), .values(perf_values)
    );
`ifdef FORMAL
    // ------------------------------------------------------------------
    // Properties of the whole unit at its ports (make formal;
    // formal/vtd_remap_unit.sby: a bounded check from reset, small parameters;
    // the blocks along the paths have their own k-induction proofs).
    // Environment (assume):
    //  - reset in the first cycle;
    //  - every input valid/ready channel follows the rule (held, unchanged, until
    //    taken): DMA requests, interrupt requests, the AXI4-Lite AW, W and AR;
    //  - a device does not reuse a tag while a request with it is outstanding
    //    (doc/architecture.md: tags are unique among requests in flight); the
    //    tracked tag f_tag (any value) is checked;
    //  - the memory follows AXI: an R beat only for an outstanding read, with its
    //    RID, RLAST on its last beat (ARLEN+1 beats); a B only for a write whose
    //    AW and W were both taken; ARREADY, AWREADY, WREADY and every ready of
    //    an output free; registers written freely through the AXI4-Lite port.
    // Proved (assert), up to the bmc depth:
    //  - output rules: rsp_*, intr_*, irq_*, AR, AW, W, the AXI4-Lite B and R:
    //    once valid, held with the payload unchanged until ready;
    //  - AXI master: an AR of a client only when none of its reads is
    //    outstanding (so RID alone routes R), ARID names a client; AW and W only
    //    when no write is outstanding, AWID = the queue engine's;
    //  - one response per request with its tag: a response with the tracked
    //    tag is offered only while a request with that tag is outstanding (none
    //    unasked, none twice).
    // Task prove_aw (VTD_FORMAL_AW_ONLY, with the queue engine cut out) proves the
    // status-write rules alone by k-induction: the AW/W logic is the unit's own.
    // Tasks bmc_qi_free (VTD_FORMAL_QI_FREE) and bmc_path (also VTD_FORMAL_WK_FREE)
    // cut the queue engine, and the walkers, out and assume what their own proofs
    // guarantee of their ports (below), so that deeper behaviour is reached early.
    reg f_past_valid = 1'b0;
    always @(posedge clk) f_past_valid <= 1'b1;
    always @(*) if (!f_past_valid) assume (!rst_n);

    always @(posedge clk) if (f_past_valid && $past(rst_n) && rst_n) begin
        if ($past(req_valid && !req_ready))
            assume (req_valid && req_sid == $past(req_sid) && req_addr == $past(req_addr)
                    && req_write == $past(req_write) && req_size == $past(req_size)
                    && req_tag == $past(req_tag));
        if ($past(msi_valid && !msi_ready))
            assume (msi_valid && msi_sid == $past(msi_sid) && msi_addr == $past(msi_addr)
                    && msi_data == $past(msi_data));
        if ($past(s_axil_awvalid && !s_axil_awready))
            assume (s_axil_awvalid && s_axil_awaddr == $past(s_axil_awaddr));
        if ($past(s_axil_wvalid && !s_axil_wready))
            assume (s_axil_wvalid && s_axil_wdata == $past(s_axil_wdata)
                    && s_axil_wstrb == $past(s_axil_wstrb));
        if ($past(s_axil_arvalid && !s_axil_arready))
            assume (s_axil_arvalid && s_axil_araddr == $past(s_axil_araddr));
    end

    // the tracked tag: outstanding from its request to its response
    (* anyconst *) reg [TW-1:0] f_tag;
    reg f_out;
    always @(posedge clk) begin
        if (!rst_n) f_out <= 1'b0;
        else begin
            if (rsp_valid && rsp_ready && rsp_tag == f_tag) f_out <= 1'b0;
            if (req_valid && req_ready && req_tag == f_tag) f_out <= 1'b1;
        end
    end
    always @(*) if (f_past_valid && rst_n) begin
        if (req_valid && req_ready && req_tag == f_tag) assume (!f_out);
`ifndef VTD_FORMAL_AW_ONLY
        if (rsp_valid && rsp_tag == f_tag) assert (f_out);
`endif
    end

    // memory model: per read client (ARID), the beats still due of its reads
    reg  [8:0] f_due [0:NRD-1];
    wire       f_ar_go = m_axi_arvalid && m_axi_arready;
    genvar fi;
    generate
        for (fi = 0; fi < NRD; fi = fi + 1) begin : g_f_rd
            always @(posedge clk) begin
                if (!rst_n) f_due[fi] <= 9'd0;
                else if (f_ar_go && m_axi_arid == fi)
                    f_due[fi] <= f_due[fi] + {1'b0, m_axi_arlen} + 9'd1
                                 - ((m_axi_rvalid && m_axi_rid == fi) ? 9'd1 : 9'd0);
                else if (m_axi_rvalid && m_axi_rid == fi)
                    f_due[fi] <= f_due[fi] - 9'd1;
            end
            always @(*) if (f_past_valid && rst_n) begin
                if (m_axi_rvalid && m_axi_rid == fi)
                    assume (f_due[fi] != 9'd0 && m_axi_rlast == (f_due[fi] == 9'd1));
`ifndef VTD_FORMAL_AW_ONLY
                // a client's next read only after the last beat of its previous one
                if (m_axi_arvalid && m_axi_arid == fi) assert (f_due[fi] == 9'd0);
`endif
            end
        end
    endgenerate
    // writes: AW and W taken, B not yet
    reg f_aw_in, f_w_in, f_b_due;
    always @(posedge clk) begin
        if (!rst_n) begin
            f_aw_in <= 1'b0; f_w_in <= 1'b0; f_b_due <= 1'b0;
        end else begin
            if (aw_fire) f_aw_in <= 1'b1;
            if (w_fire)  f_w_in  <= 1'b1;
            if ((f_aw_in || aw_fire) && (f_w_in || w_fire)) begin
                f_aw_in <= 1'b0; f_w_in <= 1'b0; f_b_due <= 1'b1;
            end
            if (m_axi_bvalid && m_axi_bready) f_b_due <= 1'b0;
        end
    end

`ifdef VTD_FORMAL_QI_FREE
    // Task bmc_qi_free: the queue engine is cut out (its outputs free, as if any
    // descriptor sequence ran), so a status write is reachable in a few cycles;
    // what formal/vtd_inval_queue.sby proves of its read and write ports is
    // assumed: a request held, unchanged, until its ack; a new read only after
    // the last beat of the previous one, a new write only after its B.
    reg f_qi_rd, f_qi_wr;
    always @(posedge clk) begin
        if (!rst_n) begin
            f_qi_rd <= 1'b0; f_qi_wr <= 1'b0;
        end else begin
            if (qi_ar_req && qi_ar_ack) f_qi_rd <= 1'b1;
            if (qi_r_valid && rd_r_last) f_qi_rd <= 1'b0;
            if (qi_aw_req && qi_aw_ack) f_qi_wr <= 1'b1;
            if (m_axi_bvalid) f_qi_wr <= 1'b0;
        end
    end
    always @(posedge clk) if (f_past_valid && $past(rst_n) && rst_n) begin
        if ($past(qi_ar_req && !qi_ar_ack))
            assume (qi_ar_req && qi_ar_addr == $past(qi_ar_addr) && qi_ar_len == $past(qi_ar_len));
        if ($past(qi_aw_req && !qi_aw_ack))
            assume (qi_aw_req && qi_aw_addr == $past(qi_aw_addr) && qi_w_data == $past(qi_w_data));
    end
    always @(*) if (f_past_valid && rst_n) begin
        if (qi_ar_req) assume (!f_qi_rd);
        if (qi_aw_req) assume (!f_qi_wr);
    end
`endif
`ifdef VTD_FORMAL_WK_FREE
    // Task bmc_path: the walkers are cut out too (their outputs free: any table
    // contents, any walk length), so that walked answers overtaking and
    // overtaken by direct answers are reached within a few cycles; what
    // formal/vtd_page_walker.sby proves of a walker is assumed: busy (not idle)
    // from a start until its answer is taken, an answer only while busy, with
    // the tag it was started with, held unchanged until done_ack; its read
    // request held until ar_ack, one read outstanding.
    reg [MAX_WALKS-1:0] f_wk_busy, f_wk_rd;
    reg [TW-1:0]        f_wk_tag [0:MAX_WALKS-1];
    generate
        for (fi = 0; fi < MAX_WALKS; fi = fi + 1) begin : g_f_wk
            always @(posedge clk) begin
                if (!rst_n) begin
                    f_wk_busy[fi] <= 1'b0;
                    f_wk_rd[fi]   <= 1'b0;
                end else begin
                    if (wk_idle[fi] && wk_start[fi]) begin
                        f_wk_busy[fi] <= 1'b1;
                        f_wk_tag[fi]  <= ws_tag;
                    end
                    if (wk_done[fi] && wk_ack[fi]) f_wk_busy[fi] <= 1'b0;
                    if (wk_ar_req[fi] && wk_ar_ack[fi]) f_wk_rd[fi] <= 1'b1;
                    if (wk_r_valid[fi] && wk_r_last) f_wk_rd[fi] <= 1'b0;
                end
            end
            always @(*) if (f_past_valid && rst_n) begin
                assume (wk_idle[fi] == !f_wk_busy[fi]);
                if (wk_done[fi]) assume (f_wk_busy[fi] && !f_wk_rd[fi]);
                if (f_wk_busy[fi]) assume (wk_tag[TW*fi +: TW] == f_wk_tag[fi]);
                if (wk_ar_req[fi]) assume (f_wk_busy[fi] && !f_wk_rd[fi]);
            end
            always @(posedge clk) if (f_past_valid && $past(rst_n) && rst_n) begin
                if ($past(wk_done[fi] && !wk_ack[fi]))
                    assume (wk_done[fi] && wk_tag[TW*fi +: TW] == $past(wk_tag[TW*fi +: TW])
                            && wk_fault[fi] == $past(wk_fault[fi])
                            && wk_reason[8*fi +: 8] == $past(wk_reason[8*fi +: 8])
                            && wk_record[fi] == $past(wk_record[fi])
                            && wk_hpa[64*fi +: 64] == $past(wk_hpa[64*fi +: 64]));
                if ($past(wk_ar_req[fi] && !wk_ar_ack[fi]))
                    assume (wk_ar_req[fi] && wk_ar_addr[64*fi +: 64] == $past(wk_ar_addr[64*fi +: 64])
                            && wk_ar_len[8*fi +: 8] == $past(wk_ar_len[8*fi +: 8]));
            end
        end
    endgenerate
`endif
    always @(*) if (f_past_valid && rst_n) begin
        if (m_axi_rvalid) assume ({{(32-AXI_ID_W){1'b0}}, m_axi_rid} < NRD);
        if (m_axi_bvalid) assume (f_b_due);
`ifndef VTD_FORMAL_AW_ONLY
        if (m_axi_arvalid) assert ({{(32-AXI_ID_W){1'b0}}, m_axi_arid} < NRD);
        assert (m_axi_rready);
`endif
        assert (m_axi_bready);
        if (m_axi_awvalid || m_axi_wvalid) assert (!f_b_due && m_axi_awid == QI_RD);
        if (m_axi_awvalid) assert (!f_aw_in);
        if (m_axi_wvalid) assert (!f_w_in);
    end

    // reachability (task cover, within the bmc depth): a walked answer (root entry
    // not present, 01h: a register write enabling translation, a request, a walk
    // and its read), an interrupt answer and an event message
    always @(*) if (f_past_valid && rst_n) begin
        cover (rsp_valid && rsp_fault && rsp_reason == 8'h01);
        cover (intr_valid);
        cover (irq_valid);
    end
`ifndef VTD_FORMAL_AW_ONLY
    always @(posedge clk) if (f_past_valid && $past(rst_n) && rst_n) begin
        if ($past(rsp_valid && !rsp_ready))
            assert (rsp_valid && rsp_tag == $past(rsp_tag) && rsp_fault == $past(rsp_fault)
                    && rsp_reason == $past(rsp_reason) && rsp_addr == $past(rsp_addr));
        if ($past(intr_valid && !intr_ready))
            assert (intr_valid && intr_fault == $past(intr_fault)
                    && intr_reason == $past(intr_reason) && intr_vector == $past(intr_vector)
                    && intr_dest == $past(intr_dest) && intr_dm == $past(intr_dm)
                    && intr_rh == $past(intr_rh) && intr_tm == $past(intr_tm)
                    && intr_dlm == $past(intr_dlm));
        if ($past(irq_valid && !irq_ready))
            assert (irq_valid && irq_addr == $past(irq_addr) && irq_data == $past(irq_data));
        if ($past(m_axi_arvalid && !m_axi_arready))
            assert (m_axi_arvalid && m_axi_arid == $past(m_axi_arid)
                    && m_axi_araddr == $past(m_axi_araddr) && m_axi_arlen == $past(m_axi_arlen));
        if ($past(s_axil_bvalid && !s_axil_bready)) assert (s_axil_bvalid);
        if ($past(s_axil_rvalid && !s_axil_rready))
            assert (s_axil_rvalid && s_axil_rdata == $past(s_axil_rdata));
    end
`endif
    // the status write (AW and W offered together, each once)
    always @(posedge clk) if (f_past_valid && $past(rst_n) && rst_n) begin
        if ($past(m_axi_awvalid && !m_axi_awready))
            assert (m_axi_awvalid && m_axi_awaddr == $past(m_axi_awaddr));
        if ($past(m_axi_wvalid && !m_axi_wready))
            assert (m_axi_wvalid && m_axi_wdata == $past(m_axi_wdata)
                    && m_axi_wstrb == $past(m_axi_wstrb));
    end
`ifdef VTD_FORMAL_QI_FREE
    // invariants of the status-write logic (for the k-induction of task prove_aw)
    always @(*) if (f_past_valid && rst_n) begin
        assert (f_aw_in == aw_sent && f_w_in == w_sent && f_b_due == f_qi_wr);
        assert (!(aw_sent && w_sent));
        if (aw_sent || w_sent) assert (qi_aw_req && !f_b_due);
    end
`endif
`endif
endmodule
