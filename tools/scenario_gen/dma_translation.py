"""DMA translation scenarios: table levels, address widths, large pages and pass-through
(§2.1-§2.4, §3.2)."""

from __future__ import annotations

from .constants import CT, RT
from .domains import DEV_A, basic_domain
from .encoding import cap_value, ctx_addr, ctx_entry, ecap_value, root_entry, sid_of, sle
from .scenario import Scn


def dma_translate_4level() -> Scn:
    devb, devc = sid_of("00:02.0"), sid_of("01:00.0")
    s = Scn("dma_translate_4level.json", "dma-translate-4level",
            "Legacy-mode translation with 4-level tables (§2.3, §3.2): byte offsets pass "
            "through, read/write permissions per leaf (05h/06h on a missing permission, "
            "§3.2 step 13), a hole gives 05h/06h (R=W=0 is not present, P3), the highest "
            "48-bit IOVA uses index 511 at every level, two devices share a domain, and a "
            "device on another bus uses its own context table and a 3-level domain.")
    t = basic_domain(s)
    t.map(0x1FF000, 0x9F_F000)
    t.map(0x7FFF_FFFF_F000, 0x1234_5678_9000)
    t3 = s.tables(3)
    t3.map(0x4000_0000, 0xA0_0000)
    s.mem(RT, root_entry(CT[0]))
    s.mem(RT + 16, root_entry(CT[1]))
    s.mem(ctx_addr(DEV_A), ctx_entry(t.top, did=1, aw=2))
    s.mem(ctx_addr(devb), ctx_entry(t.top, did=1, aw=2))
    s.mem(ctx_addr(devc), ctx_entry(t3.top, did=2, aw=1))
    s.init_dma()
    s.dma(DEV_A, 0x10, False, hpa=0x80_0010, c="RW page, read")
    s.dma(DEV_A, 0xFFC, True, hpa=0x80_0FFC, c="RW page, write, last dword")
    s.dma(DEV_A, 0x0, False, size=4096, hpa=0x80_0000, c="a whole-page read")
    s.dma(DEV_A, 0x1008, False, size=8, hpa=0x80_1008, c="read-only page, read")
    s.dma_fault(DEV_A, 0x1008, True, 0x05, c="read-only page, write: 05h")
    s.dma(DEV_A, 0x2020, True, hpa=0x80_2020, c="write-only page, write")
    s.dma_fault(DEV_A, 0x2020, False, 0x06, c="write-only page, read: 06h")
    s.dma_fault(DEV_A, 0x3000, False, 0x06, c="hole (PTE R=W=0): read gives 06h")
    s.dma_fault(DEV_A, 0x3ABC, True, 0x05, c="hole: write gives 05h; FI is the page address")
    s.dma(DEV_A, 0x1FF123, True, hpa=0x9F_F123, c="PTE index 511")
    s.dma(DEV_A, 0x7FFF_FFFF_FABC, False, hpa=0x1234_5678_9ABC,
          c="highest 48-bit IOVA: index 511 at all four levels")
    s.dma(devb, 0x1004, False, hpa=0x80_1004, c="00:02.0 shares domain 1")
    s.dma_fault(devb, 0x1004, True, 0x05, c="same permissions for the second device")
    s.dma(devc, 0x4000_0ABC, True, hpa=0xA0_0ABC, c="bus 1, 3-level table (AW=1)")
    s.dma_fault(devc, 0x0, False, 0x06, c="nothing mapped at PDPT index 0: 06h")
    return s


def dma_walk_levels() -> Scn:
    cfg = dict(SAGAW=0b1110, MGAW=57)
    d3, d4, d5 = sid_of("00:01.0"), sid_of("00:02.0"), sid_of("00:03.0")
    s = Scn("dma_walk_levels.json", "dma-walk-levels",
            "3-, 4- and 5-level walks (AW=1/2/3, §2.3) with SAGAW=1110b and MGAW=57; the "
            "input limit 2^X with X = min(MGAW, AGAW) gives 04h just above it (§3.2 step 11); "
            "2 MB and 1 GB leaves (PS=1, §2.4) with the offset taken from the low 21/30 bits; "
            "effective permissions are the AND of R and W over all levels (§3.2 step 13); PS "
            "is reserved in a PML5E (0Ch).", cfg)
    t3, t4, t5 = s.tables(3), s.tables(4), s.tables(5)
    t3.map(0x4000_1000, 0xA0_1000)
    t3.map(0x7F_FFFF_F000, 0xA0_2000)
    t4.map(0x8000_0000_0000, 0xB0_0000)
    t4.map(0x0, 0xB0_1000)
    t4.map(0x4000_0000, 0x4060_0000, level=2)  # 2 MB page
    t4.map(0x4020_0000, 0x4080_0000, r=1, w=0, level=2)  # read-only 2 MB page
    t4.map(0x8000_0000, 0x1_4000_0000, level=3)  # 1 GB page
    # PDPT entry 3 read-only pointer, PT entry RW under it; PDPT entry 4 write-only pointer.
    ro_pd, wo_pd = s.alloc(), s.alloc()
    t4.link(0xC000_0000, 3, ro_pd, r=1, w=0)
    t4.link(0x1_0000_0000, 3, wo_pd, r=0, w=1)
    t4.map(0xC000_0000, 0xC0_0000)
    t4.map(0x1_0000_0000, 0xC0_1000)
    t5.map(0x100_0000_0000_0000, 0xD0_0000)
    t5.map(0x1F0_0000_0000_1000, 0xD0_1000)
    t5.set(0x80_0000_0000_0000, 5, sle(s.alloc(), ps=1))  # PS is reserved in a PML5E
    s.mem(RT, root_entry(CT[0]))
    for sid, t, aw, did in ((d3, t3, 1, 3), (d4, t4, 2, 4), (d5, t5, 3, 5)):
        s.mem(ctx_addr(sid), ctx_entry(t.top, did=did, aw=aw))
    s.init_dma()
    s.dma(d3, 0x4000_1234, False, hpa=0xA0_1234, c="3-level: PDPT[1] -> PD[0] -> PT[1]")
    s.dma(d3, 0x7F_FFFF_FFF0, True, hpa=0xA0_2FF0, c="top of the 39-bit space")
    s.dma_fault(d3, 0x80_0000_0000, False, 0x04, c="2^39: above AGAW 39 -> 04h")
    s.dma(d4, 0x8000_0000_0010, False, hpa=0xB0_0010, c="4-level: PML4 index 256")
    s.dma(d4, 0x8, True, hpa=0xB0_1008)
    s.dma_fault(d4, 0x1_0000_0000_0000, True, 0x04, c="2^48: above AGAW 48 -> 04h")
    s.dma(d4, 0x4012_3456, False, hpa=0x4072_3456, c="2 MB leaf: offset bits 20:0")
    s.dma(d4, 0x401F_FFFC, True, hpa=0x407F_FFFC, c="last dword of the 2 MB page")
    s.dma(d4, 0x402A_BCD0, False, hpa=0x408A_BCD0, c="read-only 2 MB page, read")
    s.dma_fault(d4, 0x402A_BCD0, True, 0x05, c="read-only 2 MB page, write: 05h")
    s.dma(d4, 0x8ABC_DEF0, True, hpa=0x1_4ABC_DEF0, c="1 GB leaf: offset bits 29:0")
    s.dma(d4, 0xC000_0100, False, hpa=0xC0_0100, c="R-only PDPE over an RW PTE: read ok")
    s.dma_fault(d4, 0xC000_0100, True, 0x05, c="... write: W_eff = 0 -> 05h")
    s.dma(d4, 0x1_0000_0200, True, hpa=0xC0_1200, c="W-only PDPE over an RW PTE: write ok")
    s.dma_fault(d4, 0x1_0000_0200, False, 0x06, c="... read: R_eff = 0 -> 06h")
    s.dma(d5, 0x100_0000_0000_0040, False, hpa=0xD0_0040, c="5-level: PML5 index 256")
    s.dma(d5, 0x1F0_0000_0000_1FFC, True, hpa=0xD0_1FFC, c="5-level, PML5 index 496")
    s.dma_fault(d5, 0x200_0000_0000_0000, False, 0x04, c="2^57: above AGAW 57 -> 04h")
    s.dma_fault(d5, 0x80_0000_0000_0000, False, 0x0C, c="PS=1 in a PML5E is reserved: 0Ch")
    return s


def dma_address_widths() -> Scn:
    cfg = dict(HAW=40, MGAW=48, SAGAW=0b1110)
    d4, d5, pt = sid_of("00:02.0"), sid_of("00:03.0"), sid_of("00:04.0")
    bad_ctx, bad_root = sid_of("00:05.0"), sid_of("01:00.0")
    s = Scn("dma_address_widths.json", "dma-address-widths",
            "Address widths with HAW=40, MGAW=48, SAGAW=1110b (§2.1-§2.4, §3.2): the input "
            "limit of a translated request is 2^X with X = min(MGAW, AGAW), so a 5-level "
            "domain faults with 04h from 2^48 even where its tables map the address; a "
            "pass-through request is limited by HAW (04h from 2^40); address bits at or "
            "above HAW are reserved in SL entries (0Ch, leaf and pointer), root entries (0Ah) "
            "and context entries (0Bh); RTADDR bits at or above HAW are ignored (§1.5).", cfg)
    t5, t4 = s.tables(5), s.tables(4)
    t5.map(0xFFFF_FFFF_F000, 0xD0_0000)
    t5.map(0x1_0000_0000_0000, 0xD0_1000)
    t4.map(0x8000_0000_0000, 0xFF_FFFF_F000)  # top frame below 2^40
    t4.map(0x1000, 0x1_0000_0000_0000 >> 8)  # frame bit 40 set: reserved with HAW=40
    t4.set(0x40_0000, 2, sle(s.alloc() | 1 << 45))  # PDE pointer with bit 45 set
    s.mem(RT, root_entry(CT[0]))
    s.mem(RT + 16, root_entry(CT[1] | 1 << 40))
    s.mem(ctx_addr(bad_root), ctx_entry(t4.top, did=4, aw=2))
    s.mem(ctx_addr(d5), ctx_entry(t5.top, did=5, aw=3))
    s.mem(ctx_addr(d4), ctx_entry(t4.top, did=4, aw=2))
    s.mem(ctx_addr(pt), ctx_entry(0, did=6, tt=0b10, aw=3))
    s.mem(ctx_addr(bad_ctx), ctx_entry(t4.top | 1 << 40, did=4, aw=2))
    s.srtp(RT | 1 << 40, c="RTADDR with bit 40 set: at or above HAW, ignored")
    s.flush_all_reg()
    s.te(True)
    s.read("CAP", cap_value(s.cfg), "MGAW field = 47, SAGAW=1110b")
    s.dma(d5, 0xFFFF_FFFF_F008, False, hpa=0xD0_0008, c="5-level, just below 2^48")
    s.dma_fault(d5, 0x1_0000_0000_0000, False, 0x04, c="2^48 is mapped but >= 2^MGAW: 04h")
    s.dma(d4, 0x8000_0000_0FFC, True, hpa=0xFF_FFFF_FFFC, c="output just below 2^HAW")
    s.dma_fault(d4, 0x1000, False, 0x0C, c="leaf frame bit 40 (>= HAW): 0Ch")
    s.dma_fault(d4, 0x40_0000, True, 0x0C, c="PDE pointer bit 45 (>= HAW): 0Ch")
    s.dma(pt, 0xFF_FFFF_F000, True, hpa=0xFF_FFFF_F000, c="pass-through (AW=3, the largest)")
    s.dma_fault(pt, 0x100_0000_0000, False, 0x04, c="pass-through at 2^HAW: 04h")
    s.dma_fault(bad_ctx, 0x0, False, 0x0B, c="SLPTPTR bit 40 (>= HAW): 0Bh")
    s.dma_fault(bad_root, 0x0, False, 0x0A, c="root CTP bit 40 (>= HAW): 0Ah")
    return s


def dma_large_pages_sllps() -> Scn:
    s = Scn("dma_large_pages_sllps.json", "dma-large-pages-sllps",
            "CAP.SLLPS=01b (2 MB pages only): a PDE with PS=1 is a 2 MB leaf, but PS=1 in a "
            "PDPE is reserved (§2.4) and gives 0Ch.", dict(SLLPS=0b01))
    t = s.tables(4)
    t.map(0x20_0000, 0x60_0000, level=2)
    t.map(0x4000_0000, 0x8000_0000, level=3)
    s.mem(RT, root_entry(CT[0]))
    s.mem(ctx_addr(DEV_A), ctx_entry(t.top, did=1))
    s.init_dma()
    s.read("CAP", cap_value(s.cfg), "SLLPS=01b")
    s.dma(DEV_A, 0x21_2344, True, hpa=0x61_2344, c="2 MB leaf")
    s.dma_fault(DEV_A, 0x4000_1000, False, 0x0C, c="1 GB leaf without 1 GB support: 0Ch")
    return s


def dma_passthrough() -> Scn:
    pt, pt2 = sid_of("00:02.0"), sid_of("00:02.1")
    s = Scn("dma_passthrough.json", "dma-passthrough",
            "Pass-through contexts (TT=10, AW = the largest supported AGAW, §2.2, §3.2 step "
            "9): output = input with no permission checks and SLPTPTR ignored; an input at "
            "or above 2^HAW gives 04h.")
    s.mem(RT, root_entry(CT[0]))
    s.mem(ctx_addr(pt), ctx_entry(0, did=2, tt=0b10, aw=2))
    s.mem(ctx_addr(pt2), ctx_entry(0xFFFF_0000_0000_0000, did=2, tt=0b10, aw=2))
    s.init_dma()
    s.dma(pt, 0x1234_5678, False, hpa=0x1234_5678, c="output = input")
    s.dma(pt, 0xFFFF_FFFF_F000, True, size=4096, hpa=0xFFFF_FFFF_F000, c="top page below 2^48")
    s.dma_fault(pt, 0x1_0000_0000_0000, True, 0x04, c="2^HAW: 04h")
    s.dma_fault(pt, 0x8000_0000_0000_0000, False, 0x04, c="bit 63: 04h")
    s.dma(pt2, 0x42_0000, True, hpa=0x42_0000, c="SLPTPTR is ignored when TT=10")
    return s


def dma_passthrough_unsupported() -> Scn:
    pt = sid_of("00:02.0")
    s = Scn("dma_passthrough_unsupported.json", "dma-passthrough-unsupported",
            "With ECAP.PT=0 a pass-through context entry (TT=10) is a programming error: "
            "03h (§2.2, §3.2 step 7).", dict(PT=0))
    s.mem(RT, root_entry(CT[0]))
    s.mem(ctx_addr(pt), ctx_entry(0, did=2, tt=0b10, aw=2))
    s.init_dma()
    s.read("ECAP", ecap_value(s.cfg), "PT=0")
    s.dma_fault(pt, 0x1000, False, 0x03, c="TT=10 without ECAP.PT: 03h")
    return s
