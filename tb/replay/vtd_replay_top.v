`timescale 1ns/1ps
`include "vtd_regs.vh"
`include "vtd_replay_record.vh"
// vtd_replay_top: replays a DMA request stream through vtd_remap_unit with no Python in the
// loop (doc/replay-format.md).
//
// Testbench code (tb/replay/, not part of the unit). The Python side (tb/flows/replay)
// turns a trace into its images ($readmemh text, the requests binary) and runs this top
// with plusargs:
//   +prog=<file>   register program: 152-bit records {op[3:0], strb[7:0], offset[11:0],
//                  value[63:0], mask[63:0]}; op 1 = write value with strb at offset,
//                  2 = read offset until (data & mask) == value, 3 = store value at memory
//                  address mask (a table entry), 4 = run the requests up to index value
//                  (exclusive), wait until all are answered, then go on with the program,
//                  5 = read offset once and write it as a V line (a driver reading
//                  FSTS or a fault record: the check compares it with the model's),
//                  0 = run the remaining requests (end of program)
//   +req=<file>    requests: 100-bit records (vtd_replay_record.vh), binary for $fread:
//                  13 bytes each, big-endian
//   +nreq=<n>      number of requests
//   +mem_keys=, +mem_data=  the memory image (vtd_replay_axi_mem)
//   +out=<file>    the response file written here
// Sequence: reset, the register program over the AXI4-Lite slave (polls are reads repeated
// until they match), then the requests (with op 4, in segments separated by more of the
// program: software changing the tables and invalidating between requests): request i is presented with tag i mod 2^REQ_TAG_W as
// soon as that tag is free, one per cycle while req_ready; every response is written as it
// arrives (rsp_ready = 1). When all are answered, the PERF_* counters, the qword holding FSTS
// and every fault record (FRCD) are read and written, and the simulation ends.
module vtd_replay_top #(
    parameter integer HAW        = 48,
    parameter integer MGAW       = 48,
    parameter integer SAGAW      = 6,
    parameter integer SLLPS      = 3,
    parameter integer ND         = 2,
    parameter integer NFR        = 7,
    parameter integer PSI        = 1,
    parameter integer MAMV       = 18,
    parameter integer PT         = 1,
    parameter integer C          = 1,
    parameter integer IOTLB_SETS = 16,
    parameter integer IOTLB_WAYS = 4,
    parameter integer IOTLB_REPL = 1,
    parameter integer CC_ENTRIES = 8,
    parameter integer MAX_WALKS  = 4,
    parameter integer REQ_TAG_W  = 8,
    parameter integer AXI_ID_W   = 4,
    parameter integer QI         = 1,
    parameter integer IR         = 1,
    parameter integer EIM        = 1,
    parameter integer MHMV       = 15,
    parameter integer IEC_ENTRIES = 8,
    parameter integer WC_ENTRIES = 0,
    parameter integer WC_WAYS    = 4,
    parameter integer WC_REPL    = 0,
    parameter integer MISSQ_DEPTH = 0,
    parameter integer MISS_MERGE = 1,
    parameter integer IOTLB_IMPL = 0,
    parameter integer IOTLB_L1_ENTRIES = 4,
    parameter integer IOTLB_L1_REPL = 0,
    // player parameters
    parameter integer MAX_REQS   = 1 << 20,   // request records the player can hold
    parameter integer MAX_PROG   = 1 << 18,   // program records (operations and segments)
    parameter integer MEM_SLOTS_LOG2 = 11,    // 2^n pages of table memory (hash slots)
    parameter integer MEM_LATENCY = 1,        // cycles from AR handshake to the first R beat
    parameter integer TIMEOUT    = 200000     // cycles without progress before giving up
)
`ifdef VTD_REPLAY_CLOCK_PORT
    // built by Verilator, the clock comes from the C++ main (vtd_replay_main.cpp), which toggles it
    // and evaluates the model without the timing scheduler a delay-driven clock needs
    (input wire clk)
`endif
;
    localparam integer TW    = REQ_TAG_W;
    localparam integer NTAGS = 1 << TW;
    localparam integer NPERF = `VTD_PERF_NUM;  // from the register description
    // after the counters: the qword holding FSTS, then both qwords of each fault record
    localparam integer NFAULTQ = 1 + 2 * (NFR + 1);
    localparam [11:0]  FSTS_QW = `VTD_FSTS_OFF & 12'hff8;
    localparam [11:0]  FRCD_FIRST = NPERF + 1;  // perf_i of the first FRCD qword

`ifndef VTD_REPLAY_CLOCK_PORT
    reg clk = 1'b0;
    always #5 clk = ~clk;  // Icarus: a 10-unit clock period
`endif
    // reset for the first 8 cycles (a counter, not a delay: no timing constructs for Verilator)
    reg rst_n = 1'b0;
    reg [3:0] rst_cycles = 4'd0;
    always @(posedge clk) begin
        if (!rst_n) rst_cycles <= rst_cycles + 4'd1;
        if (rst_cycles == 4'd7) rst_n <= 1'b1;
    end

    // ------------------------------------------------------------------ files
    localparam integer REQ_BITS  = `VTD_REQ_BITS;      // a request record
    localparam integer REQ_BYTES = (REQ_BITS + 7) / 8;  // as $fread reads it
    localparam integer PROG_BITS = 152;                 // a program record (p_* below)
`ifndef VERILATOR
    reg [REQ_BITS-1:0] req_mem [0:MAX_REQS-1];
    reg [PROG_BITS-1:0] prog_mem [0:MAX_PROG-1];
`endif
    reg [8*512-1:0] req_file, prog_file, out_file;
    integer nreq;
    integer fd;
    integer req_fd, req_bytes;
    integer prog_n;  // program records read (Verilator)
`ifdef VERILATOR
    // The requests file is read in C++ (vtd_replay_read.cpp) and each record fetched from
    // there as the stream advances: Verilator's $fread takes one getc per byte (a tenth of a
    // hit-dominated replay), and no array of MAX_REQS records is zeroed at start-up (nor
    // limits the stream). Icarus runs the $fread into req_mem below.
    // the record's size and width go to the reader from here: one description of the format
    import "DPI-C" function int vtd_replay_read_reqs(input string path, input int n,
                                                     input int record_bytes, input int record_bits);
    import "DPI-C" function void vtd_replay_req(input int index, output bit [REQ_BITS-1:0] rec);
    // The program file too (vtd_replay_read.cpp), its records fetched as pc moves: an array of
    // MAX_PROG records took a start-up of its own to zero. Returns the records read, -1 when
    // the file cannot be read, -2 - n when line n is not a record.
    import "DPI-C" function int vtd_replay_read_prog(input string path, input int record_bits);
    import "DPI-C" function void vtd_replay_prog(input int index, output bit [PROG_BITS-1:0] rec);
`endif
    initial begin
        nreq = 0;
        if (!$value$plusargs("req=%s", req_file) || !$value$plusargs("prog=%s", prog_file)
            || !$value$plusargs("out=%s", out_file) || !$value$plusargs("nreq=%d", nreq)) begin
            $display("vtd_replay_top: need +req= +prog= +out= +nreq=");
            $finish;
        end
`ifndef VERILATOR
        if (nreq > MAX_REQS) begin
            $display("vtd_replay_top: %0d requests, the player holds MAX_REQS=%0d", nreq,
                     MAX_REQS);
            $finish;
        end
`endif
`ifdef VERILATOR
        prog_n = vtd_replay_read_prog(prog_file, PROG_BITS);
        if (prog_n < 0) begin
            if (prog_n == -1) $display("vtd_replay_top: cannot read %0s", prog_file);
            else $display("vtd_replay_top: %0s line %0d is not a program record", prog_file,
                          -2 - prog_n);
            $finish;
        end
`else
        $readmemh(prog_file, prog_mem);
`endif
        if (nreq > 0) begin
`ifdef VERILATOR
            req_bytes = vtd_replay_read_reqs(req_file, nreq, REQ_BYTES, REQ_BITS);
            if (req_bytes < 0) begin
                $display("vtd_replay_top: cannot read %0s", req_file);
                $finish;
            end
            if (req_bytes > REQ_BYTES * nreq) req_bytes = REQ_BYTES * nreq;  // as $fread counts
`else
            req_fd = $fopen(req_file, "rb");
            if (req_fd == 0) begin
                $display("vtd_replay_top: cannot read %0s", req_file);
                $finish;
            end
            req_bytes = $fread(req_mem, req_fd, 0, nreq);
            $fclose(req_fd);
`endif
            if (req_bytes != REQ_BYTES * nreq) begin
                $display("vtd_replay_top: %0s holds %0d bytes, %0d requests need %0d",
                         req_file, req_bytes, nreq, REQ_BYTES * nreq);
                $finish;
            end
        end
        fd = $fopen(out_file, "w");
        if (fd == 0) begin
            $display("vtd_replay_top: cannot write %0s", out_file);
            $finish;
        end
        $fwrite(fd, "# vtd-replay-responses/1\n");
    end

`ifdef VERILATOR
    // The R line, formatted in C++ (vtd_replay_write.cpp, on a thread of its own) into the
    // same file as $fwrite's other lines: Verilator's general $fwrite formatter took a
    // quarter of a hit-dominated replay. Same text as the $fwrite below, which Icarus runs.
    import "DPI-C" function void vtd_replay_write_rsp(
        input int fd, input int index, input int tag, input int tag_digits, input bit fault,
        input int reason, input longint addr, input longint issued, input longint answered);
    // returns once every R line handed to vtd_replay_write_rsp is in the file
    import "DPI-C" function void vtd_replay_sync_rsp();
`endif
    // Before any other line: the R lines before it are in the file (under Verilator they are
    // written on another thread), so the file keeps the order of events.
    task rsp_sync;
        begin
`ifdef VERILATOR
            vtd_replay_sync_rsp();
`endif
        end
    endtask

    // ------------------------------------------------------------------ DUT
    wire [11:0] s_awaddr, s_araddr;
    wire [2:0]  s_awprot, s_arprot;
    wire        s_awvalid, s_awready, s_wvalid, s_wready, s_bvalid, s_bready;
    wire        s_arvalid, s_arready, s_rvalid, s_rready;
    wire [63:0] s_wdata, s_rdata;
    wire [7:0]  s_wstrb;
    wire [1:0]  s_bresp, s_rresp;

    wire                req_valid, req_ready;
    wire [15:0]         req_sid;
    wire [63:0]         req_addr;
    wire                req_write;
    wire [12:0]         req_size;
    wire [TW-1:0]       req_tag;
    wire                rsp_valid;
    wire [TW-1:0]       rsp_tag;
    wire                rsp_fault;
    wire [7:0]          rsp_reason;
    wire [63:0]         rsp_addr;

    wire [AXI_ID_W-1:0] m_arid, m_rid, m_awid;
    wire [63:0]         m_araddr, m_rdata, m_awaddr, m_wdata;
    wire [7:0]          m_arlen, m_awlen, m_wstrb;
    wire [2:0]          m_arsize, m_arprot, m_awsize, m_awprot;
    wire [1:0]          m_arburst, m_rresp, m_awburst;
    wire [3:0]          m_arcache, m_awcache;
    wire                m_arlock, m_arvalid, m_arready, m_rlast, m_rvalid, m_rready;
    wire                m_awlock, m_awvalid, m_awready, m_wlast, m_wvalid, m_wready;
    wire                m_bvalid, m_bready;
    wire                intr_valid, msi_ready, irq_valid;
    /* verilator lint_off UNUSEDSIGNAL */
    wire                intr_fault, intr_dm, intr_rh, intr_tm;
    wire [7:0]          intr_reason, intr_vector;
    wire [31:0]         intr_dest, irq_data;
    wire [2:0]          intr_dlm;
    wire [63:0]         irq_addr;
    /* verilator lint_on UNUSEDSIGNAL */

    vtd_remap_unit #(
        .HAW(HAW), .MGAW(MGAW), .SAGAW(SAGAW), .SLLPS(SLLPS), .ND(ND), .NFR(NFR), .PSI(PSI),
        .MAMV(MAMV), .PT(PT), .C(C), .IOTLB_SETS(IOTLB_SETS), .IOTLB_WAYS(IOTLB_WAYS),
        .IOTLB_REPL(IOTLB_REPL), .CC_ENTRIES(CC_ENTRIES), .MAX_WALKS(MAX_WALKS),
        .REQ_TAG_W(REQ_TAG_W), .AXI_ID_W(AXI_ID_W), .QI(QI), .IR(IR), .EIM(EIM),
        .MHMV(MHMV), .IEC_ENTRIES(IEC_ENTRIES), .WC_ENTRIES(WC_ENTRIES), .WC_WAYS(WC_WAYS),
        .WC_REPL(WC_REPL), .MISSQ_DEPTH(MISSQ_DEPTH), .MISS_MERGE(MISS_MERGE), .IOTLB_IMPL(IOTLB_IMPL),
        .IOTLB_L1_ENTRIES(IOTLB_L1_ENTRIES), .IOTLB_L1_REPL(IOTLB_L1_REPL)
    ) u_dut (
        .clk(clk), .rst_n(rst_n),
        .s_axil_awaddr(s_awaddr), .s_axil_awprot(s_awprot), .s_axil_awvalid(s_awvalid),
        .s_axil_awready(s_awready), .s_axil_wdata(s_wdata), .s_axil_wstrb(s_wstrb),
        .s_axil_wvalid(s_wvalid), .s_axil_wready(s_wready), .s_axil_bresp(s_bresp),
        .s_axil_bvalid(s_bvalid), .s_axil_bready(s_bready), .s_axil_araddr(s_araddr),
        .s_axil_arprot(s_arprot), .s_axil_arvalid(s_arvalid), .s_axil_arready(s_arready),
        .s_axil_rdata(s_rdata), .s_axil_rresp(s_rresp), .s_axil_rvalid(s_rvalid),
        .s_axil_rready(s_rready),
        .req_valid(req_valid), .req_ready(req_ready), .req_sid(req_sid), .req_addr(req_addr),
        .req_write(req_write), .req_size(req_size), .req_tag(req_tag),
        .rsp_valid(rsp_valid), .rsp_ready(1'b1), .rsp_tag(rsp_tag), .rsp_fault(rsp_fault),
        .rsp_reason(rsp_reason), .rsp_addr(rsp_addr),
        .msi_valid(1'b0), .msi_ready(msi_ready), .msi_sid(16'd0), .msi_addr(32'd0),
        .msi_data(32'd0),
        .intr_valid(intr_valid), .intr_ready(1'b1), .intr_fault(intr_fault),
        .intr_reason(intr_reason), .intr_vector(intr_vector), .intr_dest(intr_dest),
        .intr_dm(intr_dm), .intr_rh(intr_rh), .intr_tm(intr_tm), .intr_dlm(intr_dlm),
        .m_axi_arid(m_arid), .m_axi_araddr(m_araddr), .m_axi_arlen(m_arlen),
        .m_axi_arsize(m_arsize), .m_axi_arburst(m_arburst), .m_axi_arlock(m_arlock),
        .m_axi_arcache(m_arcache), .m_axi_arprot(m_arprot), .m_axi_arvalid(m_arvalid),
        .m_axi_arready(m_arready), .m_axi_rid(m_rid), .m_axi_rdata(m_rdata),
        .m_axi_rresp(m_rresp), .m_axi_rlast(m_rlast), .m_axi_rvalid(m_rvalid),
        .m_axi_rready(m_rready),
        .m_axi_awid(m_awid), .m_axi_awaddr(m_awaddr), .m_axi_awlen(m_awlen),
        .m_axi_awsize(m_awsize), .m_axi_awburst(m_awburst), .m_axi_awlock(m_awlock),
        .m_axi_awcache(m_awcache), .m_axi_awprot(m_awprot), .m_axi_awvalid(m_awvalid),
        .m_axi_awready(m_awready), .m_axi_wdata(m_wdata), .m_axi_wstrb(m_wstrb),
        .m_axi_wlast(m_wlast), .m_axi_wvalid(m_wvalid), .m_axi_wready(m_wready),
        .m_axi_bid({AXI_ID_W{1'b0}}), .m_axi_bresp(2'b00), .m_axi_bvalid(m_bvalid),
        .m_axi_bready(m_bready),
        .irq_valid(irq_valid), .irq_ready(1'b1), .irq_addr(irq_addr), .irq_data(irq_data)
    );

    // ------------------------------------------------------------------ memory
    wire        mem_wr_seen;
    wire [63:0] mem_reads;
    reg         sw_valid;
    reg  [63:0] sw_addr, sw_data;
    wire        sw_miss;
    /* verilator lint_off UNUSEDSIGNAL */
    wire        mem_idle;  // the player ends only after every response: never needed
    /* verilator lint_on UNUSEDSIGNAL */
    vtd_replay_axi_mem #(
        .AXI_ID_W(AXI_ID_W), .SLOTS_LOG2(MEM_SLOTS_LOG2), .LATENCY(MEM_LATENCY)
    ) u_mem (
        .clk(clk), .rst_n(rst_n), .reload(1'b0),
        .arid(m_arid), .araddr(m_araddr), .arlen(m_arlen), .arvalid(m_arvalid),
        .arready(m_arready), .rid(m_rid), .rdata(m_rdata), .rresp(m_rresp), .rlast(m_rlast),
        .rvalid(m_rvalid), .rready(m_rready), .awvalid(m_awvalid), .awready(m_awready),
        .wvalid(m_wvalid), .wready(m_wready), .bvalid(m_bvalid), .wr_seen(mem_wr_seen),
        .reads(mem_reads), .sw_valid(sw_valid), .sw_addr(sw_addr), .sw_data(sw_data),
        .sw_miss(sw_miss), .idle(mem_idle)
    );

    // ------------------------------------------------------------------ register access
    reg         cmd_valid, cmd_write;
    reg  [11:0] cmd_addr;
    reg  [63:0] cmd_wdata;
    reg  [7:0]  cmd_wstrb;
    wire        cmd_ready, cmd_done;
    wire [63:0] cmd_rdata;
    vtd_replay_axil_master u_axil (
        .clk(clk), .rst_n(rst_n),
        .cmd_valid(cmd_valid), .cmd_ready(cmd_ready), .cmd_write(cmd_write),
        .cmd_addr(cmd_addr), .cmd_wdata(cmd_wdata), .cmd_wstrb(cmd_wstrb),
        .done(cmd_done), .rdata(cmd_rdata),
        .m_awaddr(s_awaddr), .m_awprot(s_awprot), .m_awvalid(s_awvalid),
        .m_awready(s_awready), .m_wdata(s_wdata), .m_wstrb(s_wstrb), .m_wvalid(s_wvalid),
        .m_wready(s_wready), .m_bresp(s_bresp), .m_bvalid(s_bvalid), .m_bready(s_bready),
        .m_araddr(s_araddr), .m_arprot(s_arprot), .m_arvalid(s_arvalid),
        .m_arready(s_arready), .m_rdata(s_rdata), .m_rresp(s_rresp), .m_rvalid(s_rvalid),
        .m_rready(s_rready)
    );

    // ------------------------------------------------------------------ sequencer
    localparam [2:0] P_RESET = 3'd0, P_PROG = 3'd1, P_WAIT = 3'd2, P_RUN = 3'd3,
                     P_PERF = 3'd4, P_PERF_WAIT = 3'd5, P_END = 3'd6;
    reg  [2:0]   phase;
    reg  [63:0]  cycle;
    reg  [63:0]  idle;          // cycles without progress
    reg  [63:0]  run_start;
    integer      pc;
    integer      polls;
    integer      perf_i;
    integer      cur;           // next request to present
    integer      answered;
    integer      limit;         // requests of the current segment: indexes below limit
    reg          final_seg;     // the segment runs to the end of the stream
    reg          started;       // traffic has begun (the S line is written)
    reg  [NTAGS-1:0] busy;
    integer      tag_idx [0:NTAGS-1];
    reg  [63:0]  tag_cyc [0:NTAGS-1];

`ifdef VERILATOR
    reg  [PROG_BITS-1:0] prec;  // record pc, fetched as pc moves (goto)
    reg  [PROG_BITS-1:0] prec_next;
`else
    wire [PROG_BITS-1:0] prec = prog_mem[pc];
`endif
    wire [3:0]   p_op   = prec[151:148];
    wire [7:0]   p_strb = prec[147:140];
    wire [11:0]  p_off  = prec[139:128];
    wire [63:0]  p_val  = prec[127:64];
    wire [63:0]  p_mask = prec[63:0];

`ifdef VERILATOR
    reg  [REQ_BITS-1:0] rrec;   // record cur (zero past the file), fetched as cur advances
    reg  [REQ_BITS-1:0] rrec_next;
`else
    wire [REQ_BITS-1:0] rrec = req_mem[cur];
`endif
    wire [TW-1:0] cur_tag = cur[TW-1:0];
    assign req_sid   = `VTD_REQ_SID(rrec);
    assign req_addr  = `VTD_REQ_ADDR(rrec);
    assign req_write = `VTD_REQ_WRITE(rrec);
    assign req_size  = `VTD_REQ_SIZE(rrec);
    assign req_tag   = cur_tag;
    assign req_valid = (phase == P_RUN) && (cur < limit) && !busy[cur_tag];

    // the program counter moves to record n
    task goto;
        input integer n;
        begin
            pc <= n;
`ifdef VERILATOR
            vtd_replay_prog(n, prec_next);
            prec <= prec_next;
`endif
        end
    endtask

    always @(posedge clk) begin
        if (!rst_n) begin
            phase     <= P_RESET;
            cycle     <= 64'd0;
            idle      <= 64'd0;
            run_start <= 64'd0;
            goto(0);
            polls     <= 0;
            perf_i    <= 0;
            cur       <= 0;
`ifdef VERILATOR
            vtd_replay_req(0, rrec_next);
            rrec      <= rrec_next;
`endif
            answered  <= 0;
            limit     <= 0;
            final_seg <= 1'b0;
            started   <= 1'b0;
            sw_valid  <= 1'b0;
            sw_addr   <= 64'd0;
            sw_data   <= 64'd0;
            busy      <= {NTAGS{1'b0}};
            cmd_valid <= 1'b0;
            cmd_write <= 1'b0;
            cmd_addr  <= 12'd0;
            cmd_wdata <= 64'd0;
            cmd_wstrb <= 8'd0;
        end else begin
            cycle <= cycle + 64'd1;
            idle  <= idle + 64'd1;
            sw_valid <= 1'b0;
            case (phase)
                P_RESET: phase <= P_PROG;
                P_PROG: begin
                    if (p_op == 4'd0 || p_op == 4'd4) begin
                        if (!started) begin
                            rsp_sync;
                            $fwrite(fd, "S %0d %0d\n", cycle, polls);
                            run_start <= cycle;
                            started   <= 1'b1;
                        end
                        final_seg <= (p_op == 4'd0);
                        limit     <= (p_op == 4'd0 || p_val > {32'd0, nreq}) ? nreq : p_val[31:0];
                        idle      <= 64'd0;
                        phase     <= P_RUN;
                    end else if (p_op == 4'd3) begin
                        sw_valid <= 1'b1;
                        sw_addr  <= p_mask;
                        sw_data  <= p_val;
                        goto(pc + 1);
                    end else begin
                        cmd_valid <= 1'b1;
                        cmd_write <= (p_op == 4'd1);
                        cmd_addr  <= p_off;
                        cmd_wdata <= p_val;
                        cmd_wstrb <= p_strb;
                        phase     <= P_WAIT;
                    end
                end
                P_WAIT: begin
                    if (cmd_valid && cmd_ready) cmd_valid <= 1'b0;
                    if (cmd_done) begin
                        phase <= P_PROG;
                        if (p_op == 4'd5) begin
                            rsp_sync;
                            $fwrite(fd, "V %h %h\n", p_off, cmd_rdata);
                        end
                        if (p_op == 4'd2 && (cmd_rdata & p_mask) != p_val) begin
                            polls <= polls + 1;
                            if (polls > 10000) begin
                                rsp_sync;
                                $fwrite(fd, "E poll of offset %h timed out: reads %h\n",
                                        p_off, cmd_rdata);
                                phase <= P_END;
                            end
                        end else begin
                            goto(pc + 1);
                        end
                    end
                end
                P_RUN: begin
                    if (req_valid && req_ready) begin
                        busy[cur_tag]    <= 1'b1;
                        tag_idx[cur_tag] <= cur;
                        tag_cyc[cur_tag] <= cycle;
                        cur              <= cur + 1;
`ifdef VERILATOR
                        vtd_replay_req(cur + 1, rrec_next);
                        rrec             <= rrec_next;
`endif
                    end
                    if (rsp_valid) begin
                        if (!busy[rsp_tag]) begin
                            rsp_sync;
                            $fwrite(fd, "E response with tag %h, which is not in flight, at cycle %0d\n",
                                    rsp_tag, cycle);
                        end else begin
`ifdef VERILATOR
                            vtd_replay_write_rsp(fd, tag_idx[rsp_tag], 32'(rsp_tag),
                                                 (TW + 3) / 4, rsp_fault, 32'(rsp_reason),
                                                 rsp_addr, tag_cyc[rsp_tag] - run_start,
                                                 cycle - run_start);
`else
                            $fwrite(fd, "R %0d %h %0d %h %h %0d %0d\n", tag_idx[rsp_tag],
                                    rsp_tag, rsp_fault, rsp_reason, rsp_addr,
                                    tag_cyc[rsp_tag] - run_start, cycle - run_start);
`endif
                            busy[rsp_tag] <= 1'b0;
                            answered      <= answered + 1;
                        end
                        idle <= 64'd0;
                    end
                    if (answered == limit && final_seg) begin
                        rsp_sync;
                        $fwrite(fd, "T %0d %0d\n", cycle - run_start, mem_reads);
                        phase <= P_PERF;
                    end else if (answered == limit) begin
                        rsp_sync;
                        $fwrite(fd, "B %0d %0d\n", limit, cycle - run_start);
                        goto(pc + 1);
                        phase <= P_PROG;
                    end else if (idle > TIMEOUT) begin
                        rsp_sync;
                        $fwrite(fd, "E timeout: %0d of %0d requests answered after %0d cycles\n",
                                answered, nreq, cycle - run_start);
                        phase <= P_END;
                    end
                end
                P_PERF: begin
                    if (perf_i == NPERF + NFAULTQ) begin
                        phase <= P_END;
                    end else begin
                        cmd_valid <= 1'b1;
                        cmd_write <= 1'b0;
                        if (perf_i < NPERF)
                            cmd_addr <= `VTD_PERF_BASE + perf_i[8:0] * 12'd8;
                        else if (perf_i == NPERF)
                            cmd_addr <= FSTS_QW;
                        else
                            cmd_addr <= `VTD_FRCD_BASE + (perf_i[11:0] - FRCD_FIRST) * 12'd8;
                        phase     <= P_PERF_WAIT;
                    end
                end
                P_PERF_WAIT: begin
                    if (cmd_valid && cmd_ready) cmd_valid <= 1'b0;
                    if (cmd_done) begin
                        rsp_sync;
                        if (perf_i < NPERF)
                            $fwrite(fd, "P %h %0d\n", cmd_addr, cmd_rdata);
                        else
                            $fwrite(fd, "F %h %h\n", cmd_addr, cmd_rdata);
                        perf_i <= perf_i + 1;
                        phase  <= P_PERF;
                    end
                end
                default: begin
                    rsp_sync;
                    if (mem_wr_seen) $fwrite(fd, "W the unit raised an AXI write channel\n");
                    if (sw_miss) $fwrite(fd, "E a table store hit a page missing from the image\n");
                    $fwrite(fd, "D\n");
                    $fclose(fd);
                    $finish;
                end
            endcase
        end
    end
endmodule
