`timescale 1ns/1ps
// vtd_replay_axil_master: one AXI4-Lite access at a time, for the replay player.
//
// Testbench code (tb/replay/, not part of the unit). A command is taken when cmd_valid and
// cmd_ready are both 1; done pulses for one cycle when the write response or the read data
// has arrived, with the read data in rdata (64 bits: the unit returns the whole 8-byte word).
module vtd_replay_axil_master (
    input  wire        clk,
    input  wire        rst_n,
    input  wire        cmd_valid,
    output wire        cmd_ready,
    input  wire        cmd_write,
    input  wire [11:0] cmd_addr,
    input  wire [63:0] cmd_wdata,
    input  wire [7:0]  cmd_wstrb,
    output reg         done,
    output reg  [63:0] rdata,
    output reg  [11:0] m_awaddr,
    output wire [2:0]  m_awprot,
    output reg         m_awvalid,
    input  wire        m_awready,
    output reg  [63:0] m_wdata,
    output reg  [7:0]  m_wstrb,
    output reg         m_wvalid,
    input  wire        m_wready,
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire [1:0]  m_bresp,
    /* verilator lint_on UNUSEDSIGNAL */
    input  wire        m_bvalid,
    output wire        m_bready,
    output reg  [11:0] m_araddr,
    output wire [2:0]  m_arprot,
    output reg         m_arvalid,
    input  wire        m_arready,
    input  wire [63:0] m_rdata,
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire [1:0]  m_rresp,
    /* verilator lint_on UNUSEDSIGNAL */
    input  wire        m_rvalid,
    output wire        m_rready
);
    localparam [1:0] S_IDLE = 2'd0, S_WRITE = 2'd1, S_READ = 2'd2;
    reg [1:0] state;

    assign cmd_ready = (state == S_IDLE);
    assign m_awprot  = 3'b000;
    assign m_arprot  = 3'b000;
    assign m_bready  = (state == S_WRITE) && !m_awvalid && !m_wvalid;
    assign m_rready  = (state == S_READ) && !m_arvalid;

    always @(posedge clk) begin
        if (!rst_n) begin
            state     <= S_IDLE;
            done      <= 1'b0;
            rdata     <= 64'd0;
            m_awaddr  <= 12'd0;
            m_awvalid <= 1'b0;
            m_wdata   <= 64'd0;
            m_wstrb   <= 8'd0;
            m_wvalid  <= 1'b0;
            m_araddr  <= 12'd0;
            m_arvalid <= 1'b0;
        end else begin
            done <= 1'b0;
            case (state)
                S_IDLE: if (cmd_valid) begin
                    if (cmd_write) begin
                        m_awaddr  <= cmd_addr;
                        m_awvalid <= 1'b1;
                        m_wdata   <= cmd_wdata;
                        m_wstrb   <= cmd_wstrb;
                        m_wvalid  <= 1'b1;
                        state     <= S_WRITE;
                    end else begin
                        m_araddr  <= cmd_addr;
                        m_arvalid <= 1'b1;
                        state     <= S_READ;
                    end
                end
                S_WRITE: begin
                    if (m_awvalid && m_awready) m_awvalid <= 1'b0;
                    if (m_wvalid && m_wready) m_wvalid <= 1'b0;
                    if (m_bready && m_bvalid) begin
                        done  <= 1'b1;
                        state <= S_IDLE;
                    end
                end
                default: begin
                    if (m_arvalid && m_arready) m_arvalid <= 1'b0;
                    if (m_rready && m_rvalid) begin
                        rdata <= m_rdata;
                        done  <= 1'b1;
                        state <= S_IDLE;
                    end
                end
            endcase
        end
    end
endmodule
