"""Agents: one module per DUT interface (pin-level port, pyuvm sequencer/driver/monitor and
the ``uvm_agent`` that bundles them), after cocotbext-axi's one-class-per-bus-role habit.

* ``signals``      pin-level helpers shared by every port: handshake loops, ready drivers, tags
* ``transactions`` the items that cross the ports (DMA request/response, MSI, fault event)
* ``dma``          DMA request/response port and :class:`DmaAgent`
* ``msi``          interrupt request/output ports, the fault-event monitor, :class:`MsiAgent`
* ``reg``          register agent over AXI4-Lite (:class:`RegAgent`)
* ``axi_memory``   the AXI4 slave that serves table walks from the model's memory
* ``bare``         the same ports driven by plain cocotb coroutines (scenario engine, bench)
"""
