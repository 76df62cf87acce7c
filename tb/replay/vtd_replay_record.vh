// vtd_replay_record.vh: the DMA request record the replay player (vtd_replay_top) and the
// batched DMA port (tb/transactors/vtd_batch_feeder) read, {sid[15:0], addr[63:0], 3'b0,
// write, 3'b0, size[12:0]}; tb/agents/memory_image.py request_record() writes it.
// Testbench code (not part of the unit).
`ifndef VTD_REPLAY_RECORD_VH
`define VTD_REPLAY_RECORD_VH
`define VTD_REQ_BITS 100
`define VTD_REQ_SID(r)   r[99:84]
`define VTD_REQ_ADDR(r)  r[83:20]
`define VTD_REQ_WRITE(r) r[16]
`define VTD_REQ_SIZE(r)  r[12:0]
`endif
