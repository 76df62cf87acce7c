`timescale 1ns/1ps
`include "vtd_regs.vh"
// vtd_batch_top: vtd_remap_unit for the cocotb testbench, with a batched DMA port beside the
// unit's own ports (doc/testbench.md). Testbench code, not part of the unit.
//
// batch_mode = 0: every port of the unit is passed through unchanged and the Python agents
// drive and serve them as on vtd_remap_unit itself. batch_mode = 1 (changed only while no
// request is in flight and the memory is idle): the request channel is driven by
// vtd_batch_feeder from a block of requests the Python agent wrote, the responses go to its
// log (rsp_ready = 1), and every AXI read goes to vtd_replay_axi_mem, the image of the
// testbench's memory the agent wrote when it entered batch mode (batch_mem_reload). The
// outside request, response and AXI read channels are then quiet (valid and ready low), so
// the Python memory and DMA monitors sleep: no Python runs per cycle. The unit must not
// write memory in batch mode (batch_mem_wr_seen: the image serves no writes), nor is it
// reset during a block.
// Registers, interrupt requests and fault events stay on the outside ports in both modes.
// testbench code: no code coverage (make coverage measures rtl/; a toggle point per bit of
// the memory arrays would swamp the build)
/* verilator coverage_off */
module vtd_batch_top #(
    parameter integer HAW              = 48,
    parameter integer MGAW             = 48,
    parameter integer SAGAW            = 6,
    parameter integer SLLPS            = 3,
    parameter integer ND               = 2,
    parameter integer NFR              = 7,
    parameter integer PSI              = 1,
    parameter integer MAMV             = 18,
    parameter integer PT               = 1,
    parameter integer C                = 1,
    parameter integer IOTLB_SETS       = 16,
    parameter integer IOTLB_WAYS       = 4,
    parameter integer IOTLB_REPL       = 1,
    parameter integer IOTLB_IMPL       = 0,
    parameter integer IOTLB_L1_ENTRIES = 4,
    parameter integer IOTLB_L1_REPL    = 0,
    parameter integer CC_ENTRIES       = 8,
    parameter integer MAX_WALKS        = 4,
    parameter integer REQ_TAG_W        = 8,
    parameter integer AXI_ID_W         = 4,
    parameter integer QI               = 1,
    parameter integer IR               = 1,
    parameter integer EIM              = 1,
    parameter integer MHMV             = 15,
    parameter integer IEC_ENTRIES      = 8,
    parameter integer WC_ENTRIES       = 0,
    parameter integer WC_WAYS          = 4,
    parameter integer WC_REPL          = 0,
    parameter integer MISSQ_DEPTH      = 0,
    parameter integer MISS_MERGE       = 1,
    parameter integer BATCH_DEPTH_LOG2 = 10,   // requests per block: at most 2^n
    parameter integer BATCH_MEM_SLOTS_LOG2 = 11,  // 2^n pages of table memory in the image
    parameter integer BATCH_MEM_LATENCY = 1    // cycles from AR handshake to the first R beat
) (
    // ---- the unit's ports, passed through (batch_mode=0) ----
    input  wire clk,
    input  wire rst_n,
    input  wire [11:0] s_axil_awaddr,
    input  wire [2:0] s_axil_awprot,
    input  wire s_axil_awvalid,
    output wire s_axil_awready,
    input  wire [63:0] s_axil_wdata,
    input  wire [7:0] s_axil_wstrb,
    input  wire s_axil_wvalid,
    output wire s_axil_wready,
    output wire [1:0] s_axil_bresp,
    output wire s_axil_bvalid,
    input  wire s_axil_bready,
    input  wire [11:0] s_axil_araddr,
    input  wire [2:0] s_axil_arprot,
    input  wire s_axil_arvalid,
    output wire s_axil_arready,
    output wire [63:0] s_axil_rdata,
    output wire [1:0] s_axil_rresp,
    output wire s_axil_rvalid,
    input  wire s_axil_rready,
    input  wire req_valid,
    output wire req_ready,
    input  wire [15:0] req_sid,
    input  wire [63:0] req_addr,
    input  wire req_write,
    input  wire [12:0] req_size,
    input  wire [REQ_TAG_W-1:0] req_tag,
    output wire rsp_valid,
    input  wire rsp_ready,
    output wire [REQ_TAG_W-1:0] rsp_tag,
    output wire rsp_fault,
    output wire [7:0] rsp_reason,
    output wire [63:0] rsp_addr,
    input  wire msi_valid,
    output wire msi_ready,
    input  wire [15:0] msi_sid,
    input  wire [31:0] msi_addr,
    input  wire [31:0] msi_data,
    output wire intr_valid,
    input  wire intr_ready,
    output wire intr_fault,
    output wire [7:0] intr_reason,
    output wire [7:0] intr_vector,
    output wire [31:0] intr_dest,
    output wire intr_dm,
    output wire intr_rh,
    output wire intr_tm,
    output wire [2:0] intr_dlm,
    output wire [AXI_ID_W-1:0] m_axi_arid,
    output wire [63:0] m_axi_araddr,
    output wire [7:0] m_axi_arlen,
    output wire [2:0] m_axi_arsize,
    output wire [1:0] m_axi_arburst,
    output wire m_axi_arlock,
    output wire [3:0] m_axi_arcache,
    output wire [2:0] m_axi_arprot,
    output wire m_axi_arvalid,
    input  wire m_axi_arready,
    input  wire [AXI_ID_W-1:0] m_axi_rid,
    input  wire [63:0] m_axi_rdata,
    input  wire [1:0] m_axi_rresp,
    input  wire m_axi_rlast,
    input  wire m_axi_rvalid,
    output wire m_axi_rready,
    output wire [AXI_ID_W-1:0] m_axi_awid,
    output wire [63:0] m_axi_awaddr,
    output wire [7:0] m_axi_awlen,
    output wire [2:0] m_axi_awsize,
    output wire [1:0] m_axi_awburst,
    output wire m_axi_awlock,
    output wire [3:0] m_axi_awcache,
    output wire [2:0] m_axi_awprot,
    output wire m_axi_awvalid,
    input  wire m_axi_awready,
    output wire [63:0] m_axi_wdata,
    output wire [7:0] m_axi_wstrb,
    output wire m_axi_wlast,
    output wire m_axi_wvalid,
    input  wire m_axi_wready,
    input  wire [AXI_ID_W-1:0] m_axi_bid,
    input  wire [1:0] m_axi_bresp,
    input  wire m_axi_bvalid,
    output wire m_axi_bready,
    output wire irq_valid,
    input  wire irq_ready,
    output wire [63:0] irq_addr,
    output wire [31:0] irq_data,
    // ---- the batched DMA port ----
    input  wire         batch_mode,
    input  wire         batch_load,        // high at an edge: run the block in batch_req.hex
    input  wire [31:0]  batch_count,       // requests in that block
    output wire         batch_done,        // every request of the block answered
    output wire [31:0]  batch_answered,
    input  wire         batch_mem_reload,  // high at an edge: read the memory image files
    output wire         batch_mem_wr_seen, // the unit raised an AXI write channel in batch mode
    output wire         batch_mem_idle,    // the image memory holds no unanswered read burst
    // the unit's counter bus (an observation wire inside it), for the interrupt monitor
    output wire [64*`VTD_PERF_NUM-1:0] perf_values
);
    assign perf_values = u_unit.perf_values;

    wire u_req_valid;
    wire u_req_ready;
    wire [15:0] u_req_sid;
    wire [63:0] u_req_addr;
    wire u_req_write;
    wire [12:0] u_req_size;
    wire [REQ_TAG_W-1:0] u_req_tag;
    wire u_rsp_valid;
    wire u_rsp_ready;
    wire u_m_axi_arvalid;
    wire u_m_axi_arready;
    wire [AXI_ID_W-1:0] u_m_axi_rid;
    wire [63:0] u_m_axi_rdata;
    wire [1:0] u_m_axi_rresp;
    wire u_m_axi_rlast;
    wire u_m_axi_rvalid;
    wire u_m_axi_rready;
    wire u_m_axi_awvalid;
    wire u_m_axi_awready;
    wire u_m_axi_wvalid;
    wire u_m_axi_wready;
    wire [AXI_ID_W-1:0] u_m_axi_bid;
    wire [1:0] u_m_axi_bresp;
    wire u_m_axi_bvalid;
    wire u_m_axi_bready;

    vtd_remap_unit #(
        .HAW(HAW), .MGAW(MGAW), .SAGAW(SAGAW), .SLLPS(SLLPS), .ND(ND), .NFR(NFR), .PSI(PSI),
        .MAMV(MAMV), .PT(PT), .C(C), .IOTLB_SETS(IOTLB_SETS), .IOTLB_WAYS(IOTLB_WAYS),
        .IOTLB_REPL(IOTLB_REPL), .IOTLB_IMPL(IOTLB_IMPL), .IOTLB_L1_ENTRIES(IOTLB_L1_ENTRIES),
        .IOTLB_L1_REPL(IOTLB_L1_REPL), .CC_ENTRIES(CC_ENTRIES), .MAX_WALKS(MAX_WALKS),
        .REQ_TAG_W(REQ_TAG_W), .AXI_ID_W(AXI_ID_W), .QI(QI), .IR(IR), .EIM(EIM), .MHMV(MHMV),
        .IEC_ENTRIES(IEC_ENTRIES), .WC_ENTRIES(WC_ENTRIES), .WC_WAYS(WC_WAYS),
        .WC_REPL(WC_REPL), .MISSQ_DEPTH(MISSQ_DEPTH), .MISS_MERGE(MISS_MERGE)
    ) u_unit (
        .clk(clk), .rst_n(rst_n), .s_axil_awaddr(s_axil_awaddr), .s_axil_awprot(s_axil_awprot),
        .s_axil_awvalid(s_axil_awvalid), .s_axil_awready(s_axil_awready),
        .s_axil_wdata(s_axil_wdata), .s_axil_wstrb(s_axil_wstrb), .s_axil_wvalid(s_axil_wvalid),
        .s_axil_wready(s_axil_wready), .s_axil_bresp(s_axil_bresp),
        .s_axil_bvalid(s_axil_bvalid), .s_axil_bready(s_axil_bready),
        .s_axil_araddr(s_axil_araddr), .s_axil_arprot(s_axil_arprot),
        .s_axil_arvalid(s_axil_arvalid), .s_axil_arready(s_axil_arready),
        .s_axil_rdata(s_axil_rdata), .s_axil_rresp(s_axil_rresp), .s_axil_rvalid(s_axil_rvalid),
        .s_axil_rready(s_axil_rready), .req_valid(u_req_valid), .req_ready(u_req_ready),
        .req_sid(u_req_sid), .req_addr(u_req_addr), .req_write(u_req_write),
        .req_size(u_req_size), .req_tag(u_req_tag), .rsp_valid(u_rsp_valid),
        .rsp_ready(u_rsp_ready), .rsp_tag(rsp_tag), .rsp_fault(rsp_fault),
        .rsp_reason(rsp_reason), .rsp_addr(rsp_addr), .msi_valid(msi_valid),
        .msi_ready(msi_ready), .msi_sid(msi_sid), .msi_addr(msi_addr), .msi_data(msi_data),
        .intr_valid(intr_valid), .intr_ready(intr_ready), .intr_fault(intr_fault),
        .intr_reason(intr_reason), .intr_vector(intr_vector), .intr_dest(intr_dest),
        .intr_dm(intr_dm), .intr_rh(intr_rh), .intr_tm(intr_tm), .intr_dlm(intr_dlm),
        .m_axi_arid(m_axi_arid), .m_axi_araddr(m_axi_araddr), .m_axi_arlen(m_axi_arlen),
        .m_axi_arsize(m_axi_arsize), .m_axi_arburst(m_axi_arburst), .m_axi_arlock(m_axi_arlock),
        .m_axi_arcache(m_axi_arcache), .m_axi_arprot(m_axi_arprot),
        .m_axi_arvalid(u_m_axi_arvalid), .m_axi_arready(u_m_axi_arready),
        .m_axi_rid(u_m_axi_rid), .m_axi_rdata(u_m_axi_rdata), .m_axi_rresp(u_m_axi_rresp),
        .m_axi_rlast(u_m_axi_rlast), .m_axi_rvalid(u_m_axi_rvalid),
        .m_axi_rready(u_m_axi_rready), .m_axi_awid(m_axi_awid), .m_axi_awaddr(m_axi_awaddr),
        .m_axi_awlen(m_axi_awlen), .m_axi_awsize(m_axi_awsize), .m_axi_awburst(m_axi_awburst),
        .m_axi_awlock(m_axi_awlock), .m_axi_awcache(m_axi_awcache), .m_axi_awprot(m_axi_awprot),
        .m_axi_awvalid(u_m_axi_awvalid), .m_axi_awready(u_m_axi_awready),
        .m_axi_wdata(m_axi_wdata), .m_axi_wstrb(m_axi_wstrb), .m_axi_wlast(m_axi_wlast),
        .m_axi_wvalid(u_m_axi_wvalid), .m_axi_wready(u_m_axi_wready), .m_axi_bid(u_m_axi_bid),
        .m_axi_bresp(u_m_axi_bresp), .m_axi_bvalid(u_m_axi_bvalid),
        .m_axi_bready(u_m_axi_bready), .irq_valid(irq_valid), .irq_ready(irq_ready),
        .irq_addr(irq_addr), .irq_data(irq_data)
    );

    // ---- request and response channels ----
    wire                 f_req_valid;
    wire [15:0]          f_req_sid;
    wire [63:0]          f_req_addr;
    wire                 f_req_write;
    wire [12:0]          f_req_size;
    wire [REQ_TAG_W-1:0] f_req_tag;
    assign u_req_valid = batch_mode ? f_req_valid : req_valid;
    assign u_req_sid   = batch_mode ? f_req_sid   : req_sid;
    assign u_req_addr  = batch_mode ? f_req_addr  : req_addr;
    assign u_req_write = batch_mode ? f_req_write : req_write;
    assign u_req_size  = batch_mode ? f_req_size  : req_size;
    assign u_req_tag   = batch_mode ? f_req_tag   : req_tag;
    assign req_ready   = !batch_mode && u_req_ready;
    assign u_rsp_ready = batch_mode || rsp_ready;
    assign rsp_valid   = !batch_mode && u_rsp_valid;

    vtd_batch_feeder #(
        .TW(REQ_TAG_W), .DEPTH_LOG2(BATCH_DEPTH_LOG2)
    ) u_feeder (
        .clk(clk), .rst_n(rst_n), .load(batch_load), .count(batch_count), .done(batch_done),
        .answered(batch_answered),
        .req_valid(f_req_valid), .req_ready(u_req_ready && batch_mode), .req_sid(f_req_sid),
        .req_addr(f_req_addr), .req_write(f_req_write), .req_size(f_req_size),
        .req_tag(f_req_tag),
        .rsp_valid(u_rsp_valid && batch_mode), .rsp_tag(rsp_tag), .rsp_fault(rsp_fault),
        .rsp_reason(rsp_reason), .rsp_addr(rsp_addr)
    );

    // ---- memory: AXI read channels to the image in batch mode, writes never served there ----
    wire                b_arready, b_rlast, b_rvalid;
    wire [AXI_ID_W-1:0] b_rid;
    wire [63:0]         b_rdata;
    wire [1:0]          b_rresp;
    /* verilator lint_off UNUSEDSIGNAL */
    wire                b_awready, b_wready, b_bvalid;  // never high: writes are not served
    wire [63:0]         b_reads;
    wire                b_sw_miss;  // no software stores in batch mode
    /* verilator lint_on UNUSEDSIGNAL */
    assign m_axi_arvalid   = !batch_mode && u_m_axi_arvalid;
    assign u_m_axi_arready = batch_mode ? b_arready : m_axi_arready;
    assign u_m_axi_rid     = batch_mode ? b_rid     : m_axi_rid;
    assign u_m_axi_rdata   = batch_mode ? b_rdata   : m_axi_rdata;
    assign u_m_axi_rresp   = batch_mode ? b_rresp   : m_axi_rresp;
    assign u_m_axi_rlast   = batch_mode ? b_rlast   : m_axi_rlast;
    assign u_m_axi_rvalid  = batch_mode ? b_rvalid  : m_axi_rvalid;
    assign m_axi_rready    = !batch_mode && u_m_axi_rready;
    assign m_axi_awvalid   = !batch_mode && u_m_axi_awvalid;
    assign m_axi_wvalid    = !batch_mode && u_m_axi_wvalid;
    assign m_axi_bready    = !batch_mode && u_m_axi_bready;
    assign u_m_axi_awready = !batch_mode && m_axi_awready;
    assign u_m_axi_wready  = !batch_mode && m_axi_wready;
    assign u_m_axi_bvalid  = !batch_mode && m_axi_bvalid;
    assign u_m_axi_bid     = m_axi_bid;
    assign u_m_axi_bresp   = m_axi_bresp;

    vtd_replay_axi_mem #(
        .AXI_ID_W(AXI_ID_W), .SLOTS_LOG2(BATCH_MEM_SLOTS_LOG2), .LATENCY(BATCH_MEM_LATENCY),
        .BATCH(1)
    ) u_mem (
        .clk(clk), .rst_n(rst_n), .reload(batch_mem_reload),
        .arid(m_axi_arid), .araddr(m_axi_araddr), .arlen(m_axi_arlen),
        .arvalid(u_m_axi_arvalid && batch_mode), .arready(b_arready), .rid(b_rid),
        .rdata(b_rdata), .rresp(b_rresp), .rlast(b_rlast), .rvalid(b_rvalid),
        .rready(u_m_axi_rready && batch_mode),
        .awvalid(u_m_axi_awvalid && batch_mode), .awready(b_awready),
        .wvalid(u_m_axi_wvalid && batch_mode), .wready(b_wready), .bvalid(b_bvalid),
        .wr_seen(batch_mem_wr_seen), .reads(b_reads),
        .sw_valid(1'b0), .sw_addr(64'd0), .sw_data(64'd0), .sw_miss(b_sw_miss),
        .idle(batch_mem_idle)
    );
endmodule
