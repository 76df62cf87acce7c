`include "vtd_regs.vh"
// vtd_perf_counters: implementation-specific 64-bit event counters.
//
// Counter i increments by one in every cycle where inc[i] is 1 (each event
// source produces at most one event per cycle). The counters are read-only
// through the register file at VTD_PERF_BASE + 8*i, through the read port
// (rd_value is counter rd_idx, 0 for an index past the last); values shows them all
// at once (an observation bus: the register file reads through the port). Index i of
// each counter is VTD_PERF_IDX_<name> in vtd_regs.vh (generated from
// python_model/regmap.py PERF_COUNTERS), VTD_PERF_NUM of them. They reset to
// 0 and wrap at 2^64.
module vtd_perf_counters #(
    parameter integer NUM = `VTD_PERF_NUM
) (
    input  wire              clk,
    input  wire              rst_n,
    input  wire [NUM-1:0]    inc,
    input  wire [8:0]        rd_idx,
    output wire [63:0]       rd_value,
    output wire [64*NUM-1:0] values     // counter i at [64*i +: 64]
);
    reg [63:0] cnt [0:NUM-1];

    genvar g;
    generate
        for (g = 0; g < NUM; g = g + 1) begin : g_cnt
            always @(posedge clk) begin
                if (!rst_n) cnt[g] <= 64'd0;
                else if (inc[g]) cnt[g] <= cnt[g] + 64'd1;
            end
            assign values[64*g +: 64] = cnt[g];
        end
    endgenerate

    localparam integer IW = (NUM > 1) ? $clog2(NUM) : 1;   // bits of a counter index
    assign rd_value = ({23'd0, rd_idx} < NUM) ? cnt[rd_idx[IW-1:0]] : 64'd0;
endmodule
