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
`ifdef FORMAL
    // ------------------------------------------------------------------
    // Properties (make formal; formal/vtd_fifo.sby): ready/valid from the
    // fill count, nothing changes while stalled, and every word comes out
    // once, in order: a word pushed as number f_n (any) pops as number f_n.
    reg f_past_valid = 1'b0;
    always @(posedge clk) f_past_valid <= 1'b1;
    always @(*) if (!f_past_valid) assume (!rst_n);

    reg [7:0] f_pushes, f_pops;       // transfers since reset (wrapping)
    (* anyconst *) reg [7:0]       f_n;
    reg                            f_seen;
    reg [WIDTH-1:0]                f_word;
    always @(posedge clk) begin
        if (!rst_n) begin
            f_pushes <= 8'd0;
            f_pops   <= 8'd0;
            f_seen   <= 1'b0;
        end else begin
            if (push) f_pushes <= f_pushes + 8'd1;
            if (pop)  f_pops   <= f_pops + 8'd1;
            if (push && f_pushes == f_n) begin
                f_seen <= 1'b1;
                f_word <= in_data;
            end
        end
    end
    wire [7:0] f_held = f_pushes - f_pops;                 // words inside
    wire [7:0] f_age  = f_n - f_pops;                      // f_n's place from the head
    wire       f_in   = f_seen && f_age < f_held;          // f_n is inside
    reg  [PW:0] f_slot;
    always @(*) begin
        f_slot = {1'b0, rptr} + f_age[PW:0];
        if (f_slot >= DEPTH) f_slot = f_slot - DEPTH[PW:0];
    end

    always @(*) if (f_past_valid) begin
        assert (count <= DEPTH);
        assert ({{(8-CW){1'b0}}, count} == f_held);
        assert (in_ready == (count != DEPTH[CW-1:0]));
        assert (out_valid == (count != {CW{1'b0}}));
        assert (wptr < DEPTH && rptr < DEPTH);
        assert ((({1'b0, rptr} + count) % DEPTH) == wptr);
        // the tracked word sits at its place until it leaves ...
        if (f_in) assert (mem[f_slot[PW-1:0]] == f_word);
        // ... (before its push it is not inside) ...
        if (!f_seen) assert (f_age >= f_held);
        // ... so it pops as number f_n with the pushed data
        if (f_seen && f_age == 8'd0 && f_held != 8'd0) assert (out_data == f_word);
    end
    always @(posedge clk) if (f_past_valid && $past(rst_n) && rst_n) begin
        // stalled output: still valid, same word
        if ($past(out_valid) && !$past(out_ready))
            assert (out_valid && out_data == $past(out_data));
    end
`endif
endmodule
