"""cocotb + pyuvm testbench of the VT-d remapping unit RTL (``rtl/vtd_remap_unit.v``).

One subpackage per role (dependencies point down this list, and every one of them may use the
golden model ``python_model``; the model never imports the testbench):

* ``flows``    command-line flows (``make sim``, ``scenario``, ``bench``, ``sweep``,
               ``mutants``, ``replay``), the testplan and the build machinery: one build per
               simulator and parameter set
* ``replay``   (Verilog) the replay player, built by ``flows.replay``
* ``env``      the environment: the DUT plumbing (``testbench.Tb``), the pyuvm env,
               scoreboard and base test, the permitted-outcome checker, the model mirror,
               coverage
* ``agents``   one module per DUT interface: pin-level ports and their pyuvm agents
* ``stimulus`` sequences, random topologies and traffic, cache-policy streams
* ``software`` the driver side: table builder and in-memory formats, the register layer,
               driver programming
* ``ref``      micro-architectural references (the cache reference and the hit/miss predictor)

The cocotb test modules live beside the pytest tests that run them, in ``tests/test_rtl_*.py``.
Following one DMA request: ``stimulus.sequences`` -> ``agents.dma`` (driver, monitor) ->
``env.scoreboard.Scoreboard`` -> ``env.checker.ModelChecker`` -> ``python_model.unit``.
"""
