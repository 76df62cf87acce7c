"""Random topologies (domains, devices, mappings) and random DMA traffic over them.

:func:`build_topology` uses the model's table builder: ``domains`` translation domains with
random AW among those SAGAW allows (3/4/5 levels), each with random regions of 4K/2M/1G pages
(as SLLPS allows) and random permissions, placed anywhere in the domain's input space; devices
on random buses assigned to them (some with FPD), a few pass-through devices, some
unassigned source ids. :class:`TrafficGen` draws requests: mostly inside mapped regions (with
locality, so the IOTLB hits), the rest in holes, above the address width, from unassigned
devices, into the interrupt range.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from python_model.config import UnitConfig
from python_model.structures import INTR_LO, touches_interrupt_range
from tb.agents.dma import DmaItem
from tb.software.tables import Domain, TableBuilder


@dataclass
class Region:
    domain: Domain
    iova: int
    size: int
    page: int
    read: bool
    write: bool


@dataclass
class Device:
    sid: int
    domain: Domain | None  # None: pass-through
    regions: list[Region] = field(default_factory=list)


@dataclass
class Topology:
    devices: list[Device]
    unassigned: list[int]
    domains: list[Domain]


def build_topology(builder: TableBuilder, rng: random.Random, domains: int = 4,
                   devices_per_domain: int = 2, regions_per_domain: int = 6,
                   passthrough: int = 1, fpd_probability: float = 0.15,
                   buses: int = 6) -> Topology:
    cfg: UnitConfig = builder.config
    aws = [aw for aw in (1, 2, 3) if cfg.SAGAW >> aw & 1]
    bus_pool = rng.sample(range(256), buses)
    used: set[int] = set()

    def sid() -> int:
        while True:
            s = rng.choice(bus_pool) << 8 | rng.randrange(256)
            if s not in used:
                used.add(s)
                return s

    devs: list[Device] = []
    doms: list[Domain] = []
    for d in range(domains):
        dom = builder.create_domain(aw=aws[d % len(aws)])
        doms.append(dom)
        regions = _map_regions(dom, rng, regions_per_domain, cfg)
        for _ in range(devices_per_domain):
            dev = Device(sid(), dom, regions)
            builder.assign_device(dev.sid, dom, fpd=rng.random() < fpd_probability)
            devs.append(dev)
    if cfg.PT:
        for _ in range(passthrough):
            dev = Device(sid(), None)
            builder.assign_passthrough(dev.sid, did=_pt_did(builder, doms))
            devs.append(dev)
    unassigned = [sid() for _ in range(3)]
    return Topology(devs, unassigned, doms)


def _pt_did(builder: TableBuilder, doms: list[Domain]) -> int:
    used = {d.did for d in doms}
    return next(d for d in range((1 << builder.config.domain_id_bits) - 1, 0, -1)
                if d not in used)


def _map_regions(dom: Domain, rng: random.Random, count: int, cfg: UnitConfig) -> list[Region]:
    sizes = dom.page_sizes
    limit = dom.input_limit
    hpa_limit = 1 << cfg.HAW
    regions: list[Region] = []
    tries = 0
    while len(regions) < count and tries < 20 * count:
        tries += 1
        page = rng.choice(sizes)
        npages = rng.randint(1, 3) if page > 1 << 12 else rng.randint(1, 24)
        size = page * npages
        iova = rng.randrange(0, limit - size, page) if rng.random() < 0.6 else \
            rng.randrange(0, min(limit, 1 << 32) - size, page)
        if any(r.iova < iova + size and iova < r.iova + r.size for r in regions):
            continue
        hpa = rng.randrange(1 << 32, hpa_limit - size, page) if rng.random() < 0.7 else \
            rng.randrange(0, (1 << 32) - size, page)
        if rng.random() < 0.03:
            hpa = INTR_LO & ~(page - 1)  # output in the interrupt range: 0Eh
        read, write = rng.choice([(True, True)] * 3 + [(True, False), (False, True)])
        dom.map(iova, hpa, size, read=read, write=write, page_size=page)
        regions.append(Region(dom, iova, size, page, read, write))
    return regions


@dataclass
class TrafficKnobs:
    hit_locality: float = 0.5  # reuse a recent page
    in_region: float = 0.8
    unassigned: float = 0.03
    interrupt_range: float = 0.02
    above_width: float = 0.03
    max_size: int = 64


class TrafficGen:
    def __init__(self, topo: Topology, cfg: UnitConfig, rng: random.Random,
                 knobs: TrafficKnobs | None = None) -> None:
        self.topo = topo
        self.cfg = cfg
        self.rng = rng
        self.k = knobs or TrafficKnobs()
        self.recent: list[tuple[int, int]] = []

    def _size(self, addr: int) -> int:
        room = 0x1000 - (addr & 0xFFF)
        if self.rng.random() < 0.02:
            return room
        return self.rng.randint(1, min(room, self.k.max_size))

    def _addr(self, dev: Device) -> int:
        rng = self.rng
        if dev.domain is None:  # pass-through: anywhere below HAW (and sometimes above)
            if rng.random() < self.k.above_width:
                return rng.randrange(1 << self.cfg.HAW, 1 << 62) & ~7
            return rng.randrange(0, 1 << self.cfg.HAW) & ~7
        if dev.regions and rng.random() < self.k.in_region:
            r = rng.choice(dev.regions)
            return r.iova + (rng.randrange(r.size) & ~7)
        if rng.random() < self.k.above_width:
            return rng.randrange(dev.domain.input_limit, 1 << 63) & ~7
        if dev.regions and rng.random() < 0.5:  # just outside a region
            r = rng.choice(dev.regions)
            a = r.iova + r.size + rng.randrange(0, 4 * r.page)
            if a < dev.domain.input_limit:
                return a & ~7
        return rng.randrange(0, dev.domain.input_limit) & ~7

    def item(self) -> DmaItem:
        rng, k = self.rng, self.k
        if self.recent and rng.random() < k.hit_locality:
            sid, page = rng.choice(self.recent)
            addr = page | (rng.randrange(0x1000) & ~7)
        else:
            roll = rng.random()
            if roll < k.unassigned and self.topo.unassigned:
                sid = rng.choice(self.topo.unassigned)
                addr = rng.randrange(0, 1 << 40) & ~7
            elif roll < k.unassigned + k.interrupt_range:
                sid = rng.choice(self.topo.devices).sid
                addr = INTR_LO + (rng.randrange(0x100000) & ~7)
            else:
                dev = rng.choice(self.topo.devices)
                sid, addr = dev.sid, self._addr(dev)
            self.recent.append((sid, addr & ~0xFFF))
            if len(self.recent) > 48:
                self.recent.pop(0)
        addr &= (1 << 64) - 1
        write, size = rng.random() < 0.4, self._size(addr)
        if write and size == 4 and touches_interrupt_range(addr, 4):
            size = 8  # a DWORD write there is an interrupt request, not DMA (P14)
        return DmaItem(sid=sid, addr=addr, write=write, size=size)

    def items(self, n: int) -> Iterator[DmaItem]:
        for _ in range(n):
            yield self.item()
