"""Why a scenario could not run on the RTL (the command line reports these, exit status 2)."""

from __future__ import annotations

SIMULATORS = ("verilator", "icarus")


class RtlUnavailable(Exception):
    """The RTL run cannot happen (simulator or RTL missing); the message says why."""


class ScenarioUnsupported(RtlUnavailable):
    """The scenario needs a feature the RTL does not implement (the message says which)."""
