"""Workload families: seeded generators of replay traces (doc/workloads.md).

Each family is a module with a knob dataclass and ``generate(n, seed, knobs) -> Trace``;
:func:`generate` looks one up by name and validates its knobs. The same (family, n, seed,
knobs) always gives the same trace, and the trace header records the seed and knobs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tb.flows.replay.trace import Trace
from tb.stimulus.workloads import captured, gather, isolation, nic, storage, tenants, window
from tb.stimulus.workloads.common import Family, WorkloadError, parse_knobs

FAMILIES: dict[str, Family] = {f.name: f for f in (
    nic.FAMILY, window.FAMILY, tenants.FAMILY, storage.FAMILY, gather.FAMILY)}
# Families whose streams fault on purpose (probes, not performance workloads): ``gen``,
# ``list`` and sweep files know them; FAMILIES holds those whose every request translates.
PROBE_FAMILIES: dict[str, Family] = {isolation.FAMILY.name: isolation.FAMILY}
# Families that replay a stream recorded elsewhere (doc/workloads.md "Captured streams"): every
# request translates, but the seed is only recorded, the stream is the capture's.
CAPTURED_FAMILIES: dict[str, Family] = {captured.FAMILY.name: captured.FAMILY}
ALL_FAMILIES: dict[str, Family] = {**FAMILIES, **PROBE_FAMILIES, **CAPTURED_FAMILIES}

__all__ = ["ALL_FAMILIES", "CAPTURED_FAMILIES", "FAMILIES", "PROBE_FAMILIES", "Family",
           "WorkloadError", "family", "generate", "knobs_of"]


def family(name: str) -> Family:
    if name not in ALL_FAMILIES:
        raise WorkloadError(f"unknown workload family {name!r} (families: "
                            f"{', '.join(ALL_FAMILIES)})")
    return ALL_FAMILIES[name]


def knobs_of(name: str, raw: Mapping[str, Any] | None = None) -> Any:
    """The validated knob object of family ``name`` (errors name the knob)."""
    return parse_knobs(family(name).knobs, dict(raw or {}), name)


def generate(name: str, n: int, seed: int, raw: Mapping[str, Any] | None = None) -> Trace:
    """``n`` requests of family ``name`` with knobs ``raw`` and ``seed``."""
    if n < 1:
        raise WorkloadError(f"workload family {name!r}: n={n} must be at least 1")
    return family(name).generate(n, seed, knobs_of(name, raw))
