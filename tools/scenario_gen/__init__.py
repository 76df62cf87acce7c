"""Generator of the directed scenario suite ``tests/scenarios/*.json`` (``vtd-scenario/1``).

Every expected value is derived from ``doc/vtd-rules.md`` (section numbers and decisions
P1-P17 are cited next to the steps), with encoders written here from the bit tables of
doc/vtd-rules.md:
this package deliberately imports nothing from ``python_model`` (or ``tb``) so that the suite
checks the golden model (and the RTL) instead of restating them
(``tests/test_scenario_gen.py`` keeps it so).

Conventions kept by every scenario (so that each ``expect`` is deterministic, see §6.6):
  * the unit is CM=0 (P1): a not-present -> present change needs no invalidation; every other
    change to a structure the unit may have cached is followed by the invalidation §6 asks for;
  * a step whose comment contains ``[event 0xADDR 0xDATA]`` is where the unit must send that
    event message (fault or invalidation-completion event); every other step sends none
    (``tests/test_scenario_suite.py`` checks this against the results file);
  * faults are serviced like a driver does (§4): read FSTS, FRCD[n] (top qword first), clear F.

Run from the repository root: ``python -m tools.scenario_gen`` writes tests/scenarios/;
``--check`` only compares the files on disk with what would be written (exit 1, naming the
stale files); ``--out-dir DIR`` writes (or compares) elsewhere.

Layout:
  * ``constants``: default unit, memory plan, register bits;
  * ``encoding``: register commands, structures, MSI addresses, descriptors, CAP/ECAP/FRCD;
  * ``tables``: second-level page tables in the initial memory;
  * ``scenario``: ``Scn`` (memory image, steps, driver sequences) and ``render`` (JSON text);
  * ``domains``: address spaces several families share;
  * one module per family: ``registers``, ``dma_translation``, ``dma_faults``,
    ``fault_recording``, ``register_invalidation``, ``queued_invalidation``,
    ``queue_errors``, ``interrupt_remapping``;
  * ``registry``: every builder (``SCENARIOS``) and ``build_all``;
  * ``__main__``: the command line.

A new scenario is a function ``() -> Scn`` in its family's module, listed in
``registry.SCENARIOS``.
"""

from .registry import SCENARIOS, build_all

__all__ = ["SCENARIOS", "build_all"]
