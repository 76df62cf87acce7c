`timescale 1ns/1ps
// vtd_replay_axi_mem: the replay player's memory, an AXI4 read slave serving the tables'
// image with a fixed latency.
//
// Testbench code (tb/replay/, not part of the unit). The image is a set of 4 KB pages kept
// in a hash table of 2^SLOTS_LOG2 slots (doc/replay-format.md, "Player images"):
//   page_key[s] = {1'b1, page number[62:0]} for an occupied slot, 0 for an empty one;
//   data[s*512 + (addr[11:3])] = the 64-bit word at that address.
// A page lives in slot hash(page) or, when that is taken, in the next free slot after it
// (linear probing; the image writer keeps the table at most half full). Addresses in no
// page read as zero, with an OKAY response, like the golden model's memory.
// Files: +mem_keys=<file> and +mem_data=<file> ($readmemh; the data file holds the words that
// are not zero), read at start. With BATCH=1 (the cocotb testbench's batched DMA port,
// tb/transactors/vtd_batch_top.v) no plusargs: the image is read from batch_mem_keys.hex and
// batch_mem_data.hex in the run directory at every edge where reload is high, which the
// testbench raises after writing them.
// sw_valid stores sw_data at sw_addr (8-byte aligned) in the cycle it is high: the player's
// software writes to the tables between requests. The image writer gives every page such a
// store touches a slot; a store to a page without one sets sw_miss (sticky) instead.
//
// Read bursts are queued in arrival order (QDEPTH of them); each is answered LATENCY cycles
// after its AR handshake at the earliest, one beat per cycle, in order. The write channels
// never handshake (awready = wready = 0); wr_seen is 1 once the unit has raised awvalid or
// wvalid, which in legacy DMA mode it must not.
// testbench code: no code coverage (make coverage measures rtl/; a toggle point per bit of
// the memory arrays would swamp the build)
/* verilator coverage_off */
module vtd_replay_axi_mem #(
    parameter integer AXI_ID_W   = 4,
    parameter integer SLOTS_LOG2 = 11,
    parameter integer LATENCY    = 4,
    parameter integer QDEPTH     = 16,
    parameter integer BATCH      = 0
) (
    input  wire                clk,
    input  wire                rst_n,
    input  wire                reload,   // BATCH=1: read the image files again (else unused)
    input  wire [AXI_ID_W-1:0] arid,
    input  wire [63:0]         araddr,
    input  wire [7:0]          arlen,
    input  wire                arvalid,
    output wire                arready,
    output reg  [AXI_ID_W-1:0] rid,
    output reg  [63:0]         rdata,
    output wire [1:0]          rresp,
    output reg                 rlast,
    output reg                 rvalid,
    input  wire                rready,
    input  wire                awvalid,
    output wire                awready,
    input  wire                wvalid,
    output wire                wready,
    output wire                bvalid,
    output reg                 wr_seen,
    output reg  [63:0]         reads,
    output wire                idle,     // no burst accepted and unanswered
    // software store between requests (trace "mem" operations); the page must be in the image
    input  wire                sw_valid,
    input  wire [63:0]         sw_addr,
    input  wire [63:0]         sw_data,
    output reg                 sw_miss
);
    localparam integer SLOTS = 1 << SLOTS_LOG2;
    localparam integer QW = (QDEPTH > 1) ? $clog2(QDEPTH) : 1;

    reg [63:0] page_key [0:SLOTS-1];
`ifdef VTD_REPLAY_MEM_DPI
    // The Verilator player (tb/flows/replay/run.py defines VTD_REPLAY_MEM_DPI): the words are
    // kept in C++ (vtd_replay_mem.cpp), in memory the system hands out zeroed page by page as
    // it is first touched. As a Verilog array they were zeroed at start-up, every page of it:
    // a twelfth of a hit-dominated replay, and most of a sweep job's start-up (2^13 slots,
    // 32 MB). Loads return the words read, -1 when the file cannot be read, -2 - n for a bad
    // line n.
    import "DPI-C" function int vtd_replay_mem_load(input string path, input int words);
    import "DPI-C" function longint vtd_replay_mem_word(input int index);
    import "DPI-C" function void vtd_replay_mem_store(input int index, input longint value);
`else
    reg [63:0] data     [0:SLOTS*512-1];
`endif

    reg [8*512-1:0] keys_file, data_file;
    initial if (BATCH == 0) begin
        if (!$value$plusargs("mem_keys=%s", keys_file)) begin
            $display("vtd_replay_axi_mem: +mem_keys=<file> missing");
            $finish;
        end
        if (!$value$plusargs("mem_data=%s", data_file)) begin
            $display("vtd_replay_axi_mem: +mem_data=<file> missing");
            $finish;
        end
        load_image(keys_file, data_file);
    end

    // The image files: the keys, then the words that are not zero (the data file leaves the
    // zero words out), so each occupied slot's page is cleared before the data is read.
    task load_image(input [8*512-1:0] keys_name, input [8*512-1:0] data_name);
        integer s, w;
        begin
            $readmemh(keys_name, page_key);
`ifdef VTD_REPLAY_MEM_DPI
            w = vtd_replay_mem_load(data_name, SLOTS * 512);  // clears every word first
            if (w < 0) begin
                if (w == -1) $display("vtd_replay_axi_mem: cannot read %0s", data_name);
                else $display("vtd_replay_axi_mem: %0s line %0d is not an image line",
                              data_name, -2 - w);
                $finish;
            end
`else
            for (s = 0; s < SLOTS; s = s + 1)
                if (page_key[s][63])
                    for (w = 0; w < 512; w = w + 1) data[s * 512 + w] = 64'd0;
            $readmemh(data_name, data);
`endif
        end
    endtask

    function [SLOTS_LOG2-1:0] hash(input [63:0] pn);
        reg [63:0] h;
        begin
            h = pn ^ (pn >> SLOTS_LOG2) ^ (pn >> (2 * SLOTS_LOG2));
            hash = h[SLOTS_LOG2-1:0];
        end
    endfunction

    // {found, slot} of the page holding byte address a (linear probing from its hash)
    function [SLOTS_LOG2:0] find(input [63:0] a);
        reg [63:0]           want;
        reg [SLOTS_LOG2-1:0] s;
        reg                  stop;
        integer              n;
        begin
            want   = {1'b1, 11'd0, a[63:12]};
            s      = hash({12'd0, a[63:12]});
            stop   = 1'b0;
            n      = 0;
            find   = {1'b0, {SLOTS_LOG2{1'b0}}};
            while (!stop) begin
                if (page_key[s] == want) begin
                    find = {1'b1, s};
                    stop = 1'b1;
                end else if (!page_key[s][63] || n >= SLOTS - 1) begin
                    stop = 1'b1;
                end else begin
                    s = s + 1'b1;
                    n = n + 1;
                end
            end
        end
    endfunction

    function [63:0] lookup(input [63:0] a);
        reg [SLOTS_LOG2:0] f;
        begin
            f      = find(a);
`ifdef VTD_REPLAY_MEM_DPI
            lookup = f[SLOTS_LOG2] ? vtd_replay_mem_word(32'({f[SLOTS_LOG2-1:0], a[11:3]}))
                                   : 64'd0;
`else
            lookup = f[SLOTS_LOG2] ? data[{f[SLOTS_LOG2-1:0], a[11:3]}] : 64'd0;
`endif
        end
    endfunction

    // queue of accepted bursts
    reg [AXI_ID_W-1:0] q_id   [0:QDEPTH-1];
    reg [63:0]         q_addr [0:QDEPTH-1];
    reg [7:0]          q_len  [0:QDEPTH-1];
    reg [63:0]         q_due  [0:QDEPTH-1];
    reg [QW-1:0]       q_head, q_tail;
    reg [QW:0]         q_count;
    reg [7:0]          beat;
    reg [63:0]         cycle;

    assign arready = (q_count < QDEPTH);
    assign rresp   = 2'b00;
    assign awready = 1'b0;
    assign wready  = 1'b0;
    assign bvalid  = 1'b0;
    assign idle    = (q_count == 0) && !rvalid;

    reg  [SLOTS_LOG2:0] sw_slot;  // looked up only when software writes (the probe loop is slow)
    wire push = arvalid && arready;
    wire head_ready = (q_count != 0) && (cycle >= q_due[q_head]);
    wire load = head_ready && (!rvalid || rready);
    wire pop  = load && (beat == q_len[q_head]);

    always @(posedge clk) begin
        if (BATCH != 0 && reload) begin
            load_image("batch_mem_keys.hex", "batch_mem_data.hex");
        end
        if (!rst_n) begin
            q_head  <= {QW{1'b0}};
            q_tail  <= {QW{1'b0}};
            q_count <= {(QW+1){1'b0}};
            beat    <= 8'd0;
            cycle   <= 64'd0;
            rvalid  <= 1'b0;
            rlast   <= 1'b0;
            rid     <= {AXI_ID_W{1'b0}};
            rdata   <= 64'd0;
            wr_seen <= 1'b0;
            reads   <= 64'd0;
            sw_miss <= 1'b0;
        end else begin
            cycle <= cycle + 64'd1;
            if (awvalid || wvalid) wr_seen <= 1'b1;
            if (sw_valid) begin
                sw_slot = find(sw_addr);
`ifndef VTD_REPLAY_MEM_DPI
                if (sw_slot[SLOTS_LOG2]) data[{sw_slot[SLOTS_LOG2-1:0], sw_addr[11:3]}] <= sw_data;
`endif
                if (!sw_slot[SLOTS_LOG2]) sw_miss <= 1'b1;
            end
            if (push) begin
                q_id[q_tail]   <= arid;
                q_addr[q_tail] <= araddr;
                q_len[q_tail]  <= arlen;
                q_due[q_tail]  <= cycle + LATENCY;
                q_tail         <= (q_tail == QDEPTH - 1) ? {QW{1'b0}} : q_tail + 1'b1;
                reads          <= reads + 64'd1;
            end
            if (rvalid && rready) rvalid <= 1'b0;
            if (load) begin
                rvalid <= 1'b1;
                rid    <= q_id[q_head];
                rdata  <= lookup(q_addr[q_head] + {53'd0, beat, 3'b000});
                rlast  <= (beat == q_len[q_head]);
                if (pop) begin
                    beat   <= 8'd0;
                    q_head <= (q_head == QDEPTH - 1) ? {QW{1'b0}} : q_head + 1'b1;
                end else begin
                    beat <= beat + 8'd1;
                end
            end
            q_count <= q_count + {{QW{1'b0}}, push} - {{QW{1'b0}}, pop};
`ifdef VTD_REPLAY_MEM_DPI
            // after this edge's read above, as the array's nonblocking store is
            if (sw_valid && sw_slot[SLOTS_LOG2])
                vtd_replay_mem_store(32'({sw_slot[SLOTS_LOG2-1:0], sw_addr[11:3]}), sw_data);
`endif
        end
    end
endmodule
