"""cocotb + pyuvm testbench of the VT-d remapping unit RTL (``rtl/vtd_remap_unit.v``).

Modules (each small, one role):

* ``config``      RTL parameters <-> golden-model ``UnitConfig`` (:func:`rtl_model_config`),
                  the named parameter sets the tests build (``PRESETS``).
* ``build``       build once per (simulator, parameter set) under a file lock; run cocotb
                  tests against a build, settings by ``TB_*`` variables (``runtime``).
* ``regs``        register layer derived from ``python_model.regmap`` (names, fields, FRCD
                  decode, polling) over any register bus.
* ``reg_agent``   pyuvm register agent: ``RegSeqItem``, sequencer, AXI4-Lite driver.
* ``dma_agent``   DMA agent: ``DmaItem``, pipelined driver with tags and gaps, monitor.
* ``msi_agent``   MSI agent, interrupt-output monitor, fault-event (irq) monitor.
* ``axi_memory``  AXI4 slave serving the model's ``Memory`` (latency, back-pressure,
                  reordering, bus errors).
* ``harness``     clock, reset and the bus models of one cocotb test.
* ``software``    an OS driver through the table builder: root table, TE, invalidation,
                  fault servicing.
* ``reg_mirror``  software's register writes into the model, timed like the RTL.
* ``checker``     permitted-outcome checking (the scoreboard's core); ``transactions``.
* ``predictor``   exact IOTLB / context-cache contents for one-at-a-time tests.
* ``coverage``    functional coverage bins.
* ``env``         the pyuvm environment, scoreboard and base test; ``run_uvm``.
* ``traffic``     random topologies and DMA traffic.
* ``bare``        plain cocotb drivers/monitors (scenario engine, benchmark).
* ``scenario_rtl`` / ``scenario_engine``  ``vtd-scenario/1`` on the RTL, model alongside.
* ``regress`` / ``bench`` / ``mutants``  ``make sim``, ``make bench``, planted-bug check.
"""

from tb.config import rtl_model_config
