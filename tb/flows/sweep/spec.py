"""Sweep files (``sweeps/*.yaml``, doc/sweep-format in README "Sweeps"): reading and
validation. Every problem raises :class:`SweepFileError` naming the file and the field, e.g.
``sweeps/x.yaml: configurations[2] (hypersio).params.WC_ENTRIES: unknown RTL parameter``.

A sweep is configurations x workloads. Configurations come from ``configurations`` (named
parameter sets: the published designs) and from ``grid`` (every combination of the listed
values, named after them); ``base`` parameters apply to both.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tb.flows.params import REPL_NAMES, RTL_PARAMETERS, RtlConfigError, RtlParams, rtl_parameters
from tb.stimulus.workloads import WorkloadError, knobs_of

TOP_KEYS = ("name", "description", "translations", "seed", "memory_latency", "area", "base",
            "configurations", "grid", "workloads")
CONFIG_KEYS = ("name", "params", "note", "area")
WORKLOAD_KEYS = ("name", "family", "knobs", "seed")
# per configuration and workload: the Icarus player's MAX_REQS; the Verilator player has no
# such limit, but a sweep holds each stream in Python and checks it in one batch
MAX_TRANSLATIONS = 1 << 20


class SweepFileError(ValueError):
    """An invalid sweep file; the message names the file and the field."""


@dataclass(frozen=True)
class SweepConfig:
    name: str
    params: RtlParams  # complete and validated
    source: str  # "configurations" or "grid"
    note: str = ""
    in_grid: bool = False  # a named configuration that is also a grid point
    area: bool = True  # False: no Yosys estimate for this one (the file says why, in note)

    @property
    def entries(self) -> int:
        return self.params["IOTLB_SETS"] * self.params["IOTLB_WAYS"]

    @property
    def policy(self) -> str:
        return REPL_NAMES[self.params["IOTLB_REPL"]]


@dataclass(frozen=True)
class SweepWorkload:
    name: str
    family: str
    knobs: dict[str, Any]
    seed: int


@dataclass
class SweepSpec:
    path: Path
    name: str
    description: str
    translations: int
    seed: int
    memory_latency: int
    area: str  # "all", "named" (the configurations list only) or "none"
    configurations: list[SweepConfig] = field(default_factory=list)
    workloads: list[SweepWorkload] = field(default_factory=list)


def _err(path: Path, where: str, text: str) -> SweepFileError:
    return SweepFileError(f"{path}: {where}: {text}")


def _unknown(path: Path, where: str, obj: Mapping[str, Any], known: tuple[str, ...]) -> None:
    for key in obj:
        if key not in known:
            raise _err(path, f"{where}{key}" if where else str(key),
                       f"unknown field (known: {', '.join(known)})")


def _int(path: Path, where: str, value: Any, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _err(path, where, f"{value!r} is not an integer")
    if value < low or (high is not None and value > high):
        raise _err(path, where, f"{value} must be in {low}..{high if high is not None else ''}")
    return value


def _name(path: Path, where: str, value: Any) -> str:
    if not isinstance(value, str) or not value or not all(c.isalnum() or c in "-_." for c in
                                                           value):
        raise _err(path, where, f"{value!r} must be a non-empty name of letters, digits, "
                   "'-', '_' and '.'")
    return value


def _params(path: Path, where: str, raw: Any) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise _err(path, where, "must be a mapping of RTL parameter names to values")
    out: dict[str, Any] = {}
    for key, value in raw.items():
        name = str(key).upper()
        if name not in RTL_PARAMETERS:
            raise _err(path, f"{where}.{key}",
                       f"unknown RTL parameter (the RTL has {', '.join(RTL_PARAMETERS)})")
        out[name] = value
    return out


def _complete(path: Path, where: str, raw: Mapping[str, Any]) -> RtlParams:
    try:
        return rtl_parameters(dict(raw))
    except RtlConfigError as e:
        raise _err(path, where, str(e)) from None


def load(path: Path) -> SweepSpec:
    """Read and validate ``path``."""
    try:
        doc = yaml.safe_load(path.read_text())
    except OSError as e:
        raise SweepFileError(f"{path}: cannot read ({e.strerror})") from None
    except yaml.YAMLError as e:
        raise SweepFileError(f"{path}: not valid YAML ({e})") from None
    if not isinstance(doc, dict):
        raise SweepFileError(f"{path}: the file must be a mapping (name, workloads, ...)")
    _unknown(path, "", doc, TOP_KEYS)
    for required in ("name", "workloads"):
        if required not in doc:
            raise _err(path, required, "missing")
    spec = SweepSpec(
        path=path, name=_name(path, "name", doc["name"]),
        description=str(doc.get("description", "")),
        translations=_int(path, "translations", doc.get("translations", 100_000), 1,
                          MAX_TRANSLATIONS),
        seed=_int(path, "seed", doc.get("seed", 1), 0),
        memory_latency=_int(path, "memory_latency", doc.get("memory_latency", 4), 1, 1000),
        area=_area(path, doc.get("area", "all")))
    base = _params(path, "base", doc.get("base"))
    names: set[str] = set()
    seen: dict[str, str] = {}

    def add(config: SweepConfig, where: str) -> None:
        if config.name in names:
            raise _err(path, f"{where}.name", f"duplicate configuration name {config.name!r}")
        key = repr(sorted(config.params.items()))
        if key in seen and config.source == "grid":  # equal to a named one: run once
            i = next(j for j, c in enumerate(spec.configurations) if c.name == seen[key])
            spec.configurations[i] = dataclasses.replace(spec.configurations[i], in_grid=True)
            return
        names.add(config.name)
        seen.setdefault(key, config.name)
        spec.configurations.append(config)

    configs = doc.get("configurations") or []
    if not isinstance(configs, list):
        raise _err(path, "configurations", "must be a list")
    for i, c in enumerate(configs):
        where = f"configurations[{i}]"
        if not isinstance(c, dict):
            raise _err(path, where, "must be a mapping with name and params")
        _unknown(path, f"{where}.", c, CONFIG_KEYS)
        name = _name(path, f"{where}.name", c.get("name"))
        where = f"{where} ({name})"
        raw = {**base, **_params(path, f"{where}.params", c.get("params"))}
        want_area = c.get("area", True)
        if not isinstance(want_area, bool):
            raise _err(path, f"{where}.area", f"{want_area!r} must be true or false")
        add(SweepConfig(name, _complete(path, f"{where}.params", raw), "configurations",
                        str(c.get("note", "")), area=want_area), where)
    grid = doc.get("grid")
    if grid is not None:
        if not isinstance(grid, dict) or not grid:
            raise _err(path, "grid", "must be a mapping of RTL parameters to lists of values")
        gparams = _params(path, "grid", grid)
        for key, values in gparams.items():
            if not isinstance(values, list) or not values:
                raise _err(path, f"grid.{key}", "must be a non-empty list of values")
        keys = list(gparams)
        for combo in itertools.product(*(gparams[k] for k in keys)):
            raw = {**base, **dict(zip(keys, combo, strict=True))}
            label = "-".join(f"{_short(k)}{v}" for k, v in zip(keys, combo, strict=True))
            add(SweepConfig(f"grid-{label}", _complete(path, f"grid ({label})", raw), "grid"),
                f"grid ({label})")
    if not spec.configurations:
        raise _err(path, "configurations", "no configuration: give configurations or grid")
    wls = doc["workloads"]
    if not isinstance(wls, list) or not wls:
        raise _err(path, "workloads", "must be a non-empty list")
    wnames: set[str] = set()
    for i, w in enumerate(wls):
        where = f"workloads[{i}]"
        if not isinstance(w, dict):
            raise _err(path, where, "must be a mapping with name, family and knobs")
        _unknown(path, f"{where}.", w, WORKLOAD_KEYS)
        name = _name(path, f"{where}.name", w.get("name"))
        if name in wnames:
            raise _err(path, f"{where}.name", f"duplicate workload name {name!r}")
        wnames.add(name)
        knobs = w.get("knobs") or {}
        if not isinstance(knobs, dict):
            raise _err(path, f"{where} ({name}).knobs", "must be a mapping")
        try:
            knobs_of(str(w.get("family")), knobs)
        except WorkloadError as e:
            raise _err(path, f"{where} ({name})", str(e)) from None
        seed = _int(path, f"{where} ({name}).seed", w.get("seed", spec.seed), 0)
        spec.workloads.append(SweepWorkload(name, str(w["family"]), dict(knobs), seed))
    return spec


AREA_MODES = {True: "all", False: "none", "all": "all", "named": "named", "none": "none"}


def _area(path: Path, value: Any) -> str:
    if isinstance(value, bool | str) and value in AREA_MODES:
        return AREA_MODES[value]
    raise _err(path, "area", f"{value!r} must be all (or true), named or none (or false)")


_SHORTS = {"IOTLB_SETS": "s", "IOTLB_WAYS": "w", "IOTLB_REPL": "", "CC_ENTRIES": "cc",
           "MAX_WALKS": "mw"}


def _short(name: str) -> str:
    return _SHORTS.get(name, name.lower())
