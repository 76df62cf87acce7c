"""The verification environment: what sits between the agents and a test.

* ``testbench``      :class:`Tb`: harness, golden model on the shared memory, table builder,
                     checker, mirror, coverage, checkpoints (also used by the bare flows)
* ``env``            the pyuvm :class:`RemapEnv`: one agent per interface and the scoreboard
* ``scoreboard``     every analysis port in, the checker's verdict out
* ``base_test``      :class:`BaseTest` and ``run_uvm``, the entry of every cocotb test module
* ``checker``        permitted-outcome checking against the golden model (the scoreboard's core)
* ``reg_mirror``     software's register accesses replayed into the model, timed like the RTL
* ``coverage``       functional coverage bins
* ``harness``        clock, reset and the bus models of one cocotb test
* ``runtime``        a test's settings (``TB_*`` environment: seed, knobs, parameters)
"""
