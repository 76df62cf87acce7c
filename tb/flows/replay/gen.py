"""Random replay streams: a topology built with the table builder, the register programming
that enables translation on it, and ``n`` requests from :class:`TrafficGen`.

Profiles (``--profile``):

* ``mixed``  the regression's traffic mix (locality 0.5, faults included)
* ``hit``    hit-dominated: 32 (device, 4 KB page) pairs in read-write regions, drawn at
             random (they fit the default IOTLB), no faults
* ``miss``   miss-heavy: many 4 KB regions over many devices, no locality
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass

from python_model.memory import Memory
from python_model.structures import touches_interrupt_range
from tb.flows.params import preset, rtl_model_config
from tb.flows.replay.trace import RegOp, Request, Trace
from tb.software.tables import TableBuilder
from tb.stimulus.traffic import Topology, TrafficGen, TrafficKnobs, build_topology


@dataclass(frozen=True)
class Profile:
    domains: int
    devices_per_domain: int
    regions_per_domain: int
    knobs: TrafficKnobs


PROFILES: dict[str, Profile] = {
    "mixed": Profile(6, 2, 8, TrafficKnobs(hit_locality=0.5)),
    "hit": Profile(4, 2, 6, TrafficKnobs()),
    "miss": Profile(8, 4, 16, TrafficKnobs(hit_locality=0.0, in_region=0.9, unassigned=0.02,
                                           interrupt_range=0.01, above_width=0.02)),
}


def generate(n: int, seed: int, profile: str = "mixed",
             params: str | Mapping[str, int] = "default") -> Trace:
    """A trace of ``n`` requests; the same (n, seed, profile, params) gives the same trace.
    ``params``: a parameter set's name, or the parameters themselves (the trace's header then
    names no set)."""
    prof = PROFILES[profile]
    cfg = rtl_model_config(preset(params) if isinstance(params, str) else params)
    mem = Memory()
    builder = TableBuilder(mem, cfg)
    topo = build_topology(builder, random.Random(f"{seed}:topology"), domains=prof.domains,
                          devices_per_domain=prof.devices_per_domain,
                          regions_per_domain=prof.regions_per_domain)
    steps = builder.program_root_table() + builder.enable_translation()
    rng = random.Random(f"{seed}:traffic")
    named = {"params": params} if isinstance(params, str) else {}
    trace = Trace(header={"seed": str(seed), "profile": profile, **named, "requests": str(n)})
    for image in builder.memory_image():
        base = int(str(image["addr"]), 16)
        for i, q in enumerate(image["qwords"]):  # type: ignore[arg-type]
            trace.memory[base + 8 * i] = int(q, 16)
    for step in steps:
        if step["op"] == "reg_write":
            trace.registers.append(RegOp("write", str(step["reg"]), int(step["value"])))
        elif step["op"] == "poll":
            trace.registers.append(RegOp("poll", str(step["reg"]), int(step["value"]),
                                         int(step["mask"])))
        else:
            raise ValueError(f"unexpected programming step {step}")
    if profile == "hit":
        trace.requests = hit_requests(topo, rng, n)
    else:
        gen = TrafficGen(topo, cfg, rng, prof.knobs)
        trace.requests = [Request(i.sid, i.addr, bool(i.write), i.size) for i in gen.items(n)]
    return trace


def hit_requests(topo: Topology, rng: random.Random, n: int, pages: int = 32) -> list[Request]:
    """Requests over a few (device, page) pairs that translate with read and write allowed
    and stay clear of the interrupt range: after the first touch of each, IOTLB hits."""
    pool = [(d.sid, r.iova + off) for d in topo.devices if d.domain is not None
            for r in d.regions if r.read and r.write
            for off in range(0, min(r.size, 4 * 0x1000), 0x1000)]
    pool = [(sid, page) for sid, page in pool
            if not touches_interrupt_range(page, 0x1000)]
    if not pool:
        raise ValueError("hit profile: the topology has no read-write region")
    chosen = rng.sample(pool, min(pages, len(pool)))
    out = []
    for _ in range(n):
        sid, page = rng.choice(chosen)
        off = rng.randrange(0, 0x1000, 8)
        out.append(Request(sid, page + off, rng.random() < 0.4,
                           rng.randint(1, min(64, 0x1000 - off))))
    return out
