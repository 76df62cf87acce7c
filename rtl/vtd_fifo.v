// vtd_fifo: small synchronous FIFO (flop based).
//
// in_ready and out_valid depend only on the FIFO's own state (the fill
// count), never on the same-cycle in_valid / out_ready, so a FIFO breaks
// combinational valid/ready paths between the channels it joins. A push into
// a full FIFO is refused even when a pop happens in the same cycle; with
// DEPTH >= 2 a producer and a consumer that are both always ready still get
// one transfer per cycle.
module vtd_fifo #(
    parameter integer WIDTH = 8,   // payload width in bits
    parameter integer DEPTH = 2    // number of entries, >= 1
) (
    input  wire             clk,
    input  wire             rst_n,      // synchronous, active low
    input  wire             in_valid,
    output wire             in_ready,
    input  wire [WIDTH-1:0] in_data,
    output wire             out_valid,
    input  wire             out_ready,
    output wire [WIDTH-1:0] out_data
);
    localparam integer PW = (DEPTH > 1) ? $clog2(DEPTH) : 1;
    localparam integer CW = $clog2(DEPTH + 1);

    reg [WIDTH-1:0] mem [0:DEPTH-1];
    reg [PW-1:0]    wptr;
    reg [PW-1:0]    rptr;
    reg [CW-1:0]    count;

    wire push = in_valid && in_ready;
    wire pop  = out_valid && out_ready;

    assign in_ready  = (count != DEPTH[CW-1:0]);
    assign out_valid = (count != {CW{1'b0}});
    assign out_data  = mem[rptr];

    function [PW-1:0] inc(input [PW-1:0] p);
        begin
            if (p == DEPTH[PW-1:0] - 1'b1) inc = {PW{1'b0}};
            else inc = p + 1'b1;
        end
    endfunction

    integer i;
    always @(posedge clk) begin
        if (!rst_n) begin
            wptr  <= {PW{1'b0}};
            rptr  <= {PW{1'b0}};
            count <= {CW{1'b0}};
            for (i = 0; i < DEPTH; i = i + 1) mem[i] <= {WIDTH{1'b0}};
        end else begin
            if (push) begin
                mem[wptr] <= in_data;
                wptr      <= inc(wptr);
            end
            if (pop) rptr <= inc(rptr);
            if (push && !pop) count <= count + 1'b1;
            else if (pop && !push) count <= count - 1'b1;
        end
    end
endmodule
