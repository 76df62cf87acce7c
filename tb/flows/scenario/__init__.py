"""``vtd-scenario/1`` on the model or the RTL: ``python -m tb.flows.scenario``.

* ``cli``    the command line (run, suite, check, compare)
* ``rtl``    the host side of an RTL run: build, launch the simulator, collect results
* ``engine`` the simulator side (a cocotb test module) executing the steps on the DUT
* ``errors`` why an RTL run could not happen (simulator missing, scenario unsupported)
"""
