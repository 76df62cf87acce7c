`timescale 1ns/1ps
`include "vtd_replay_record.vh"
// vtd_batch_feeder: the request side of the cocotb testbench's batched DMA port
// (doc/testbench.md). Testbench code, not part of the unit.
//
// The Python agent (tb/agents/dma_batch.py) writes a block of requests to batch_req.hex in the
// run directory ($readmemh: one record per line, the replay player's, vtd_replay_record.vh),
// sets count and raises load for one edge.
// From the next edge on, request i of the block is presented with tag i mod 2^TW as soon as
// that tag is free, one per cycle while req_ready, like the replay player. Every response is
// written to batch_log.txt as it arrives (rsp_ready is 1 in batch mode):
//   R <index> <tag> <fault> <reason> <addr> <issued> <answered>
// index and the cycles in decimal, counted in edges after the load edge; the rest in hex.
// When every request of the block is answered a line "D <count> <cycles>" follows, the file is
// flushed and done rises: the agent's one wake-up per block. A response whose tag is not in
// flight is written as an "E" line (the agent reports it as a mismatch).
// testbench code: no code coverage (make coverage measures rtl/; a toggle point per bit of
// the memory arrays would swamp the build)
/* verilator coverage_off */
module vtd_batch_feeder #(
    parameter integer TW         = 8,     // request tag width (the unit's REQ_TAG_W)
    parameter integer DEPTH_LOG2 = 10     // requests per block: at most 2^DEPTH_LOG2
) (
    input  wire                 clk,
    input  wire                 rst_n,
    input  wire                 load,
    input  wire [31:0]          count,
    output reg                  done,
    output reg  [31:0]          answered,
    output wire                 req_valid,
    input  wire                 req_ready,
    output wire [15:0]          req_sid,
    output wire [63:0]          req_addr,
    output wire                 req_write,
    output wire [12:0]          req_size,
    output wire [TW-1:0]        req_tag,
    input  wire                 rsp_valid,
    input  wire [TW-1:0]        rsp_tag,
    input  wire                 rsp_fault,
    input  wire [7:0]           rsp_reason,
    input  wire [63:0]          rsp_addr
);
    localparam integer DEPTH = 1 << DEPTH_LOG2;
    localparam integer NTAGS = 1 << TW;
    localparam integer REQ_BITS = `VTD_REQ_BITS;

    reg [REQ_BITS-1:0] blk [0:DEPTH-1];
    reg [31:0]         n;        // requests in the running block
    reg [31:0]         cur;      // the next one to present
    reg [63:0]         rel;      // edges since the load edge
    reg [NTAGS-1:0]    busy;
    reg [31:0]         tag_idx [0:NTAGS-1];
    reg [63:0]         tag_rel [0:NTAGS-1];
    integer            fd;

    initial begin
        fd = $fopen("batch_log.txt", "w");
        if (fd == 0) begin
            $display("vtd_batch_feeder: cannot write batch_log.txt");
            $finish;
        end
    end

    wire [REQ_BITS-1:0] rec = blk[cur[DEPTH_LOG2-1:0]];
    wire [TW-1:0]       cur_tag = cur[TW-1:0];
    assign req_sid   = `VTD_REQ_SID(rec);
    assign req_addr  = `VTD_REQ_ADDR(rec);
    assign req_write = `VTD_REQ_WRITE(rec);
    assign req_size  = `VTD_REQ_SIZE(rec);
    assign req_tag   = cur_tag;
    assign req_valid = !done && (cur < n) && !busy[cur_tag];

    always @(posedge clk) begin
        if (!rst_n) begin
            done     <= 1'b1;
            n        <= 32'd0;
            cur      <= 32'd0;
            answered <= 32'd0;
            rel      <= 64'd0;
            busy     <= {NTAGS{1'b0}};
        end else if (load) begin
            $readmemh("batch_req.hex", blk, 0, count - 1);
            done     <= (count == 32'd0);
            n        <= count;
            cur      <= 32'd0;
            answered <= 32'd0;
            rel      <= 64'd1;
        end else if (!done) begin
            rel <= rel + 64'd1;
            if (req_valid && req_ready) begin
                busy[cur_tag]    <= 1'b1;
                tag_idx[cur_tag] <= cur;
                tag_rel[cur_tag] <= rel;
                cur              <= cur + 32'd1;
            end
            if (rsp_valid) begin
                if (!busy[rsp_tag]) begin
                    $fwrite(fd, "E response with tag %h, which is not in flight, %0d edges after the load\n",
                            rsp_tag, rel);
                end else begin
                    $fwrite(fd, "R %0d %h %0d %h %h %0d %0d\n", tag_idx[rsp_tag], rsp_tag,
                            rsp_fault, rsp_reason, rsp_addr, tag_rel[rsp_tag], rel);
                    busy[rsp_tag] <= 1'b0;
                    answered      <= answered + 32'd1;
                    if (answered + 32'd1 == n) begin
                        $fwrite(fd, "D %0d %0d\n", n, rel);
                        $fflush(fd);
                        done <= 1'b1;
                    end
                end
            end
        end
    end
endmodule
