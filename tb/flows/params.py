"""RTL parameters <-> the golden model's ``UnitConfig``, and the parameter sets the tests build.

The RTL top (``rtl/vtd_remap_unit.v``) shares its parameter names with
``python_model.config.UnitConfig``, including the feature switches QI, IR, EIM and MHMV (defaults
1, 1, 1, 15 in both). ``IOTLB_REPL`` is an integer in the RTL (0 LRU, 1 PLRU, 2 FIFO, 3 RANDOM)
and a name in the model; both spellings are accepted here. ``AXI_ID_W`` and ``IEC_ENTRIES`` are
RTL-only (the model has no interrupt-entry-cache size: any cached IRTE may be stale), and so are
the micro-architecture choices the model does not see: the walk cache (``WC_ENTRIES`` per level,
0 = none; ``WC_WAYS``; ``WC_REPL`` coded like IOTLB_REPL), whose outcomes the model permits as
paging-structure-cache outcomes; the request stage's miss queue (``MISSQ_DEPTH``, 0 = none)
and miss merging (``MISS_MERGE``: 1 = a miss to a page a walker is walking waits for that
walk and looks up again);
the IOTLB implementation (``IOTLB_IMPL``: 0 set-associative, 1 a fully associative L1 of
``IOTLB_L1_ENTRIES`` with ``IOTLB_L1_REPL`` in front of it).

``TB_PARAMS_OVERRIDE`` (e.g. ``IOTLB_IMPL=1,IOTLB_L1_ENTRIES=2``) is applied on top of every
named parameter set (:func:`preset`) and cache shape, so the whole suite checks a drop-in
IOTLB (or any other choice) without editing a test.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import fields

from python_model.config import REPLACEMENT_POLICIES, ConfigError, UnitConfig

# Parameters of rtl/vtd_remap_unit.v, in its order.
RTL_PARAMETERS: tuple[str, ...] = (
    "HAW", "MGAW", "SAGAW", "SLLPS", "ND", "NFR", "PSI", "MAMV", "PT", "C", "IOTLB_SETS",
    "IOTLB_WAYS", "IOTLB_REPL", "CC_ENTRIES", "MAX_WALKS", "REQ_TAG_W", "AXI_ID_W", "QI", "IR",
    "EIM", "MHMV", "IEC_ENTRIES", "WC_ENTRIES", "WC_WAYS", "WC_REPL", "MISSQ_DEPTH", "MISS_MERGE",
    "IOTLB_IMPL", "IOTLB_L1_ENTRIES", "IOTLB_L1_REPL",
)
# Model parameters the RTL does not have, with the only value it implements (none left).
RTL_FIXED: dict[str, int] = {}
# RTL parameters the model does not have, with the value the tests use by default.
RTL_ONLY_DEFAULTS: dict[str, int] = {"AXI_ID_W": 4, "IEC_ENTRIES": 8, "WC_ENTRIES": 0,
                                     "WC_WAYS": 4, "WC_REPL": 0, "MISSQ_DEPTH": 0,
                                     "MISS_MERGE": 1, "IOTLB_IMPL": 0, "IOTLB_L1_ENTRIES": 4,
                                     "IOTLB_L1_REPL": 0}
# RTL-only parameters written as a replacement-policy name or code.
POLICY_PARAMETERS = ("IOTLB_REPL", "WC_REPL", "IOTLB_L1_REPL")
# IOTLB implementations of rtl/vtd_iotlb_select.v (a new one adds its code here and its
# cache reference to tb/ref/caches.py IOTLB_IMPLS).
IOTLB_IMPLS: dict[int, str] = {0: "set-associative (vtd_iotlb)",
                               1: "L1 fully associative + set-associative L2 (vtd_iotlb_l1l2)"}
REPL_NAMES: dict[int, str] = {code: name for name, code in REPLACEMENT_POLICIES.items()}

RtlParams = dict[str, int]


class RtlConfigError(ConfigError):
    """A parameter set the RTL cannot be built with; the message names the parameters."""


def repl_code(value: object) -> int:
    """IOTLB_REPL as the RTL's integer code, from a code or a policy name."""
    if isinstance(value, str):
        name = value.strip().upper()
        if name in REPLACEMENT_POLICIES:
            return REPLACEMENT_POLICIES[name]
        try:
            value = int(name, 0)
        except ValueError:
            raise RtlConfigError(f"IOTLB_REPL={value!r}: must be one of "
                                 f"{', '.join(REPLACEMENT_POLICIES)} or 0..3") from None
    if isinstance(value, bool) or not isinstance(value, int) or value not in REPL_NAMES:
        raise RtlConfigError(f"IOTLB_REPL={value!r}: must be one of "
                             f"{', '.join(REPLACEMENT_POLICIES)} or 0..3")
    return value


def _model_fields() -> set[str]:
    return {f.name for f in fields(UnitConfig)}


def rtl_model_config(params: Mapping[str, object]) -> UnitConfig:
    """The golden-model configuration equivalent to an RTL parameter set.

    ``params`` uses the RTL's names (missing ones take the model's defaults). An unknown name
    or an illegal value raises :class:`RtlConfigError` naming it.
    """
    known = set(RTL_PARAMETERS) | set(RTL_FIXED)
    unknown = sorted(set(params) - known)
    if unknown:
        raise RtlConfigError(f"unknown RTL parameter(s) {', '.join(unknown)} "
                             f"(the RTL has {', '.join(RTL_PARAMETERS)})")
    lacking = sorted(f"{k}={params[k]!r}" for k in RTL_FIXED
                     if k in params and _as_int(params[k], k) != RTL_FIXED[k])
    if lacking:
        raise RtlConfigError(
            f"the RTL lacks parameter(s) {', '.join(lacking)}: it implements no queued "
            "invalidation, interrupt remapping or x2APIC mode (ECAP.QI/IR/EIM read 0), so "
            f"only {', '.join(f'{k}={v}' for k, v in RTL_FIXED.items())} can be compared")
    values: dict[str, object] = dict(RTL_FIXED)
    for name, raw in params.items():
        if name in POLICY_PARAMETERS and name in RTL_ONLY_DEFAULTS:
            _policy(raw, name)  # validated, not a model parameter
        elif name in RTL_ONLY_DEFAULTS:
            _as_int(raw, name)  # validated, not a model parameter
        elif name == "IOTLB_REPL":
            values[name] = REPL_NAMES[repl_code(raw)]
        elif name in _model_fields():
            values[name] = _as_int(raw, name)
    try:
        return UnitConfig(**values)  # type: ignore[arg-type]
    except ConfigError as e:
        raise RtlConfigError(str(e)) from e


def rtl_parameters(params: Mapping[str, object] | None = None) -> RtlParams:
    """The complete, validated RTL parameter set (every RTL parameter, as integers)."""
    params = dict(params or {})
    cfg = rtl_model_config(params)
    out: RtlParams = {}
    for name in RTL_PARAMETERS:
        if name == "IOTLB_REPL":
            out[name] = repl_code(cfg.IOTLB_REPL)
        elif name in POLICY_PARAMETERS:
            out[name] = _policy(params.get(name, RTL_ONLY_DEFAULTS[name]), name)
        elif name in RTL_ONLY_DEFAULTS:
            out[name] = _as_int(params.get(name, RTL_ONLY_DEFAULTS[name]), name)
        else:
            out[name] = int(getattr(cfg, name))
    readers = out["MAX_WALKS"] + out["QI"] + out["IR"]
    if not 1 <= out["AXI_ID_W"] <= 16 or 1 << out["AXI_ID_W"] < readers:
        raise RtlConfigError(f"AXI_ID_W={out['AXI_ID_W']}: must be 1..16 and give an ID per "
                             f"reader (MAX_WALKS={out['MAX_WALKS']} walkers, plus one each for "
                             f"QI={out['QI']} and IR={out['IR']})")
    if out["IEC_ENTRIES"] < 1:
        raise RtlConfigError(f"IEC_ENTRIES={out['IEC_ENTRIES']}: must be at least 1")
    _check_walk_cache(out)
    if out["IOTLB_IMPL"] not in IOTLB_IMPLS:
        raise RtlConfigError(f"IOTLB_IMPL={out['IOTLB_IMPL']}: one of "
                             + ", ".join(f"{k} {v}" for k, v in IOTLB_IMPLS.items()))
    l1, l1_repl = out["IOTLB_L1_ENTRIES"], out["IOTLB_L1_REPL"]
    if l1 < 1 or (l1_repl == 1 and l1 & (l1 - 1)):
        raise RtlConfigError(f"IOTLB_L1_ENTRIES={l1}: must be at least 1 (a power of two with "
                             "IOTLB_L1_REPL=PLRU)")
    if not 0 <= out["MISSQ_DEPTH"] <= 64:
        raise RtlConfigError(f"MISSQ_DEPTH={out['MISSQ_DEPTH']}: must be 0 (no miss queue) "
                             "to 64")
    if out["MISS_MERGE"] not in (0, 1):
        raise RtlConfigError(f"MISS_MERGE={out['MISS_MERGE']}: must be 0 (every miss walks) "
                             "or 1 (a miss to a page being walked waits for that walk)")
    return out


def _policy(raw: object, name: str) -> int:
    try:
        return repl_code(raw)
    except RtlConfigError as e:
        raise RtlConfigError(str(e).replace("IOTLB_REPL", name)) from None


def _check_walk_cache(p: RtlParams) -> None:
    entries, ways = p["WC_ENTRIES"], p["WC_WAYS"]
    if entries < 0:
        raise RtlConfigError(f"WC_ENTRIES={entries}: must be 0 (no walk cache) or more")
    if entries == 0:
        return
    if ways < 1 or entries % ways or (entries // ways) & (entries // ways - 1):
        raise RtlConfigError(f"WC_ENTRIES={entries}, WC_WAYS={ways}: the walk cache needs "
                             "WC_ENTRIES = WC_WAYS x a power of two")
    if p["WC_REPL"] == 1 and ways & (ways - 1):
        raise RtlConfigError(f"WC_WAYS={ways}: tree pseudo-LRU (WC_REPL=PLRU) needs a power "
                             "of two")


def config_to_params(cfg: UnitConfig, **rtl_only: int) -> RtlParams:
    """RTL parameters for a model configuration (RTL-only ones from ``rtl_only``)."""
    params: dict[str, object] = {k: getattr(cfg, k) for k in RTL_PARAMETERS
                                 if k not in RTL_ONLY_DEFAULTS}
    params.update({k: getattr(cfg, k) for k in RTL_FIXED})
    params.update(rtl_only)
    return rtl_parameters(params)


def params_key(params: Mapping[str, int]) -> str:
    """A short stable hash of a complete parameter set (names the build directory)."""
    text = json.dumps({k: params[k] for k in sorted(params)}, separators=(",", ":"))
    return hashlib.sha1(text.encode()).hexdigest()[:10]


def describe(params: Mapping[str, int]) -> str:
    """The parameters that differ from the default set, e.g. ``IOTLB_SETS=1 IOTLB_WAYS=2``."""
    base = rtl_parameters()
    diff = [f"{k}={REPL_NAMES[v] if k in POLICY_PARAMETERS else v}" for k, v in params.items()
            if base.get(k) != v]
    return " ".join(diff) or "default"


def _as_int(raw: object, name: str) -> int:
    if isinstance(raw, bool):
        raise RtlConfigError(f"{name}={raw!r}: expected a number")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str):
        try:
            return int(raw, 0)
        except ValueError:
            pass
    raise RtlConfigError(f"{name}={raw!r}: expected a number")


# --------------------------------------------------------------------------- parameter sets
# Few on purpose: every distinct set is one Verilator build per simulator run.
PRESETS: dict[str, dict[str, object]] = {
    # The golden model's defaults (QI, IR, EIM on): directed tests, traffic tests, most
    # scenarios.
    "default": {},
    # Queued invalidation, interrupt remapping and x2APIC mode off (ECAP.QI=IR=EIM=0):
    # compatibility pass-through interrupts, no queue engine.
    "noqi": {"QI": 0, "IR": 0, "EIM": 0},
    # 3-, 4- and 5-level tables (SAGAW 39/48/57, MGAW 57); the same set as the
    # dma_walk_levels scenario, so the two share one build.
    "wide": {"SAGAW": 0b1110, "MGAW": 57},
    # One IOTLB entry, one context-cache entry, one walker, 2 fault records, 4-bit tags.
    "tiny1": {"IOTLB_SETS": 1, "IOTLB_WAYS": 1, "IOTLB_REPL": "LRU", "CC_ENTRIES": 1,
              "MAX_WALKS": 1, "NFR": 1, "REQ_TAG_W": 4, "AXI_ID_W": 2, "IEC_ENTRIES": 1},
    # One set of two ways, true LRU, one context-cache entry, two walkers, and no miss
    # merging (every miss that finds a free walker walks).
    "tiny2": {"IOTLB_SETS": 1, "IOTLB_WAYS": 2, "IOTLB_REPL": "LRU", "CC_ENTRIES": 1,
              "MAX_WALKS": 2, "MISS_MERGE": 0},
    # FIFO in 2 sets of 3 ways, 4 context-cache entries, 2 walkers (the same set as the
    # cache-policy tests' fifo2x3 shape: one build for both).
    "fifo": {"IOTLB_SETS": 2, "IOTLB_WAYS": 3, "IOTLB_REPL": "FIFO", "CC_ENTRIES": 4,
             "MAX_WALKS": 2},
    # LFSR-random replacement in 2 sets of 4 ways, two context-cache entries (= the
    # cache-policy tests' random2x4 shape).
    "random": {"IOTLB_SETS": 2, "IOTLB_WAYS": 4, "IOTLB_REPL": "RANDOM", "CC_ENTRIES": 2},
    # Eight page walkers (the default caches): miss-heavy replay streams keep more walks in
    # flight (make replay PARAMS=walks8).
    "walks8": {"MAX_WALKS": 8},
    # Walk caches (2 entries, 2 ways, LRU per level) with 3/4/5-level tables behind a 1x2 IOTLB,
    # so that most requests walk (= the cache-policy tests' wc-lru shape).
    "walkcache": {"IOTLB_SETS": 1, "IOTLB_WAYS": 2, "IOTLB_REPL": "LRU", "CC_ENTRIES": 4,
                  "MAX_WALKS": 2, "SAGAW": 0b1110, "MGAW": 57, "WC_ENTRIES": 2, "WC_WAYS": 2,
                  "WC_REPL": "LRU"},
    # A 4-entry miss queue behind 2 walkers: hits pass misses that wait for a walker.
    "missq": {"MAX_WALKS": 2, "MISSQ_DEPTH": 4, "IOTLB_SETS": 4, "IOTLB_WAYS": 2,
              "CC_ENTRIES": 4},
    # The two-level IOTLB: a 2-entry LRU L1 in front of a 2x2 FIFO L2 (= the cache-policy
    # tests' l1l2 shape).
    "l1l2": {"IOTLB_IMPL": 1, "IOTLB_L1_ENTRIES": 2, "IOTLB_L1_REPL": "LRU", "IOTLB_SETS": 2,
             "IOTLB_WAYS": 2, "IOTLB_REPL": "FIFO", "CC_ENTRIES": 4, "MAX_WALKS": 2},
}


def preset(name: str) -> RtlParams:
    if name not in PRESETS:
        raise RtlConfigError(f"unknown parameter set {name!r} (known: {', '.join(PRESETS)})")
    return rtl_parameters(with_override(PRESETS[name]))


def parse_override(text: str) -> dict[str, str]:
    """``NAME=value[,NAME=value...]`` (commas or spaces) as a parameter dict."""
    out: dict[str, str] = {}
    for item in text.replace(",", " ").split():
        name, eq, value = item.partition("=")
        if not eq or not name or not value:
            raise RtlConfigError(f"TB_PARAMS_OVERRIDE: {item!r} is not NAME=value")
        if name not in RTL_PARAMETERS:
            raise RtlConfigError(f"TB_PARAMS_OVERRIDE: unknown RTL parameter {name!r} "
                                 f"(the RTL has {', '.join(RTL_PARAMETERS)})")
        out[name] = value
    return out


def with_override(params: Mapping[str, object]) -> dict[str, object]:
    """``params`` with ``TB_PARAMS_OVERRIDE`` (environment) applied on top."""
    return {**params, **parse_override(os.environ.get("TB_PARAMS_OVERRIDE", ""))}
