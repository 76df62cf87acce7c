"""Command-line flows and the build machinery behind them.

* ``params``   RTL parameters <-> golden-model configuration, named parameter sets
* ``build``    one build per (simulator, parameter set), running cocotb tests against it
* ``testplan`` the testplan (doc/testplan.toml): the RTL runs of ``make test`` and ``make sim``
* ``regress``  ``make sim``;  ``bench``: ``make bench``;  ``sweep``/``area``: ``make sweep``
* ``mutants``  ``make mutants``: planted RTL bugs the tests must catch
* ``scenario`` ``make scenario``: ``vtd-scenario/1`` files on the model or the RTL
* ``replay``   ``make replay``: long streams through a Verilog player, checked in one batch
"""
