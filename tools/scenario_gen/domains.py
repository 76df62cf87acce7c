"""Address spaces several scenario families share."""

from __future__ import annotations

from .constants import CT, RT
from .encoding import ctx_addr, ctx_entry, root_entry, sid_of
from .scenario import Scn
from .tables import Tables

DEV_A = sid_of("00:01.0")


def basic_domain(s: Scn, levels: int = 4) -> Tables:
    """IOVA 0x0 RW -> 0x800000, 0x1000 R -> 0x801000, 0x2000 W -> 0x802000, 0x3000 hole."""
    t = s.tables(levels)
    t.map(0x0000, 0x80_0000)
    t.map(0x1000, 0x80_1000, r=1, w=0)
    t.map(0x2000, 0x80_2000, r=0, w=1)
    return t


# Frame behind IOVA 0 in each of the five domains the invalidation scenarios move devices between.
DOMAIN_FRAMES = {1: 0x80_0000, 2: 0xA0_0000, 3: 0x90_0000, 4: 0xB0_0000, 5: 0xC0_0000}


def invalidation_domains(s: Scn, pages: int, members: dict[int, int]) -> dict[int, Tables]:
    """Domains 1-5 (4-level), IOVA page i -> DOMAIN_FRAMES[did] + 0x1000 * i for i < ``pages``;
    root entries for buses 0 and 1 and a context entry for each member (sid -> did)."""
    doms = {}
    for did, frame in DOMAIN_FRAMES.items():
        t = s.tables(4)
        for i in range(pages):
            t.map(0x1000 * i, frame + 0x1000 * i)
        doms[did] = t
    s.mem(RT, root_entry(CT[0]))
    s.mem(RT + 16, root_entry(CT[1]))
    for sid, did in members.items():
        s.mem(ctx_addr(sid), ctx_entry(doms[did].top, did=did))
    return doms
