"""The verification environment: what sits between the agents and a test.

* ``env``            :class:`Tb` (the DUT plumbing, model, checker), the pyuvm
                     :class:`RemapEnv`, :class:`Scoreboard`, :class:`BaseTest`, ``run_uvm``
* ``checker``        permitted-outcome checking against the golden model (the scoreboard's core)
* ``reg_mirror``     software's register accesses replayed into the model, timed like the RTL
* ``register_layer`` the register layer generated from ``python_model.regmap``
* ``coverage``       functional coverage bins
* ``harness``        clock, reset and the bus models of one cocotb test
* ``runtime``        a test's settings (``TB_*`` environment: seed, knobs, parameters)
"""
