// vtd_intr_remap: interrupt-request path (doc/vtd-rules.md sec. 5).
//
// Interrupt remapping is not implemented yet (ECAP.IR=0, so GSTS.IRES=0 and
// IRREQ=0): by decisions P15/P17 every interrupt request passes through as a
// compatibility-format interrupt, decoded from the standard x86 MSI fields:
//   dest   = addr[19:12]     rh = addr[3]       dm = addr[2]
//   vector = data[7:0]       dlm = data[10:8]   tm = data[15]
// intr_fault is always 0 here. A later change adds the IRTE fetch and the
// 20h..2Bh fault checks behind the same ports (msi_sid is kept for the
// source-id check and the fault record).
//
// The decoded interrupt goes through a small FIFO so msi_ready depends only on
// state (never combinationally on intr_ready).
module vtd_intr_remap #(
    parameter integer FIFO_DEPTH = 2
) (
    input  wire        clk,
    input  wire        rst_n,
    // interrupt request in (a DWORD write to FEEx_xxxx)
    input  wire        msi_valid,
    output wire        msi_ready,
    /* verilator lint_off UNUSEDSIGNAL */
    // Unused until interrupt remapping exists: SID (source-id check, fault
    // record) and the address bits outside the compatibility fields.
    input  wire [15:0] msi_sid,
    input  wire [31:0] msi_addr,
    input  wire [31:0] msi_data,
    /* verilator lint_on UNUSEDSIGNAL */
    // interrupt out
    output wire        intr_valid,
    input  wire        intr_ready,
    output wire        intr_fault,
    output wire [7:0]  intr_reason,
    output wire [7:0]  intr_vector,
    output wire [31:0] intr_dest,
    output wire        intr_dm,
    output wire        intr_rh,
    output wire        intr_tm,
    output wire [2:0]  intr_dlm
);
    // payload: fault, reason, vector, dest, dm, rh, tm, dlm
    localparam integer PW = 1 + 8 + 8 + 32 + 1 + 1 + 1 + 3;

    wire        c_fault  = 1'b0;
    wire [7:0]  c_reason = 8'h00;
    wire [7:0]  c_vector = msi_data[7:0];
    wire [31:0] c_dest   = {24'd0, msi_addr[19:12]};
    wire        c_dm     = msi_addr[2];
    wire        c_rh     = msi_addr[3];
    wire        c_tm     = msi_data[15];
    wire [2:0]  c_dlm    = msi_data[10:8];

    wire [PW-1:0] q_data;

    vtd_fifo #(.WIDTH(PW), .DEPTH(FIFO_DEPTH)) u_fifo (
        .clk      (clk),
        .rst_n    (rst_n),
        .in_valid (msi_valid),
        .in_ready (msi_ready),
        .in_data  ({c_fault, c_reason, c_vector, c_dest, c_dm, c_rh, c_tm, c_dlm}),
        .out_valid(intr_valid),
        .out_ready(intr_ready),
        .out_data (q_data)
    );

    assign {intr_fault, intr_reason, intr_vector, intr_dest,
            intr_dm, intr_rh, intr_tm, intr_dlm} = q_data;
endmodule
