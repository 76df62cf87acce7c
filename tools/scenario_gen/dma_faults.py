"""DMA fault scenarios: root, context and walk faults, the interrupt address range and
fault processing disable (§3.2-§3.4)."""

from __future__ import annotations

from .constants import CT, G_GLOBAL, RT
from .domains import DEV_A, basic_domain
from .encoding import ctx_addr, ctx_entry, root_entry, sid_of, sle
from .scenario import Scn


def dma_faults_root() -> Scn:
    s = Scn("dma_faults_root.json", "dma-faults-root",
            "Faults before the context entry (§3.2 steps 1-3, §3.3): root entry not present "
            "(01h), reserved bits in a present root entry (0Ah: bits 11:1, CTP above HAW, the "
            "high qword), a bus error reading the root entry (08h, memory_errors), and a bad "
            "RTADDR (30h: TTM=01 without SMTS, TTM=10, TTM=11 without ADMS, SSIRWE set in "
            "legacy mode). None is qualified; all are recorded with the requester's SID and "
            "the page address. A root entry made present later needs no invalidation (CM=0, "
            "§6.6).")
    t = basic_domain(s)
    dev = {b: sid_of(f"{b:02x}:00.0") for b in range(6)}
    s.mem(RT, root_entry(CT[0]))
    # bus 1: not present (all zero)
    s.mem(RT + 16 * 2, root_entry(CT[2], lo_extra=0x2))  # bit 1 reserved
    s.mem(RT + 16 * 3, root_entry(CT[3], hi=0x1))  # bit 64 reserved
    s.mem(RT + 16 * 5, root_entry(CT[5] | 1 << 48))  # CTP bit 48 >= HAW
    s.bus_error(RT + 16 * 4, 16)  # bus 4's root entry cannot be read
    for b in range(6):
        s.mem(ctx_addr(dev[b]), ctx_entry(t.top, did=1))  # devfn 0 of every bus: domain 1
    s.init_dma()
    s.dma(dev[0], 0x40, False, hpa=0x80_0040, c="bus 0 is fine")
    s.dma_fault(dev[1], 0x1040, False, 0x01, c="root entry not present: 01h")
    s.dma_fault(dev[2], 0x2040, True, 0x0A, c="root bit 1 (11:1 reserved) set: 0Ah")
    s.dma_fault(dev[3], 0x0, False, 0x0A, c="root high qword non-zero: 0Ah")
    s.dma_fault(dev[5], 0x0, True, 0x0A, c="CTP bit 48 (>= HAW) set: 0Ah")
    s.dma_fault(dev[4], 0x5000, False, 0x08, c="bus error reading the root entry: 08h")
    s.mwrite(RT + 16, root_entry(CT[1]), "make bus 1's root entry present")
    s.dma(dev[1], 0x1040, False, hpa=0x80_1040,
          c="not-present -> present needs no invalidation (CM=0)")
    for rtaddr, what in ((RT | 0b01 << 10, "TTM=01 (scalable) without SMTS"),
                         (RT | 0b10 << 10, "TTM=10 (reserved)"),
                         (RT | 0b11 << 10, "TTM=11 (abort DMA) without ADMS"),
                         (RT | 1 << 7, "SSIRWE=1 in legacy mode")):
        s.srtp(rtaddr, c=f"RTADDR with {what}")
        s.cc_reg(G_GLOBAL, c="global context-cache invalidation after SRTP")
        s.iotlb_reg(G_GLOBAL, c="global IOTLB invalidation after SRTP")
        s.dma_fault(dev[0], 0x40, False, 0x30, c=f"{what}: every request 30h")
    s.srtp(RT, c="back to a legacy root table")
    s.flush_all_reg()
    s.dma(dev[0], 0x40, True, hpa=0x80_0040, c="translating again")
    return s


def dma_faults_context() -> Scn:
    s = Scn("dma_faults_context.json", "dma-faults-context",
            "Context-entry faults (§2.2, §3.2 steps 4-7): not present (02h, P checked first), "
            "reserved bits (0Bh: 11:4, bit 71, 127:88, SLPTPTR above HAW; checked before "
            "programming errors), bad programming (03h: AW not in SAGAW, reserved AW, TT=01 "
            "without DT, TT=11, TT=10 with an AW that is not the largest supported, bus error "
            "reading the top-level SL entry), and a bus error reading the context entry "
            "(09h). A good entry in the same table still translates.")
    t = basic_domain(s)
    bad_top = s.alloc()
    s.bus_error(bad_top, 0x1000)
    cases = [  # (sid, (lo, hi), reason, comment)
        ("00:00.0", [0, 0], 0x02, "context entry all zero: 02h"),
        ("00:00.1", ctx_entry(t.top, did=1, p=0, lo_extra=0x10), 0x02,
         "P=0 with a reserved bit set: not present wins, 02h"),
        ("00:01.0", ctx_entry(t.top, did=1, lo_extra=0x10), 0x0B, "bit 4 (11:4 Rsvd): 0Bh"),
        ("00:01.1", ctx_entry(t.top, did=1, hi_extra=1 << 7), 0x0B, "bit 71 set: 0Bh"),
        ("00:01.2", ctx_entry(t.top, did=1, hi_extra=1 << 24), 0x0B, "bit 88 set: 0Bh"),
        ("00:01.3", ctx_entry(t.top | 1 << 48, did=1), 0x0B, "SLPTPTR bit 48 (>= HAW): 0Bh"),
        ("00:01.4", ctx_entry(t.top, did=1, tt=0b11, lo_extra=0x20), 0x0B,
         "TT=11 and bit 5 set: reserved bits are checked first, 0Bh"),
        ("00:02.0", ctx_entry(t.top, did=1, aw=3), 0x03, "AW=3 (5-level) not in SAGAW=0110b: 03h"),
        ("00:02.1", ctx_entry(t.top, did=1, aw=0), 0x03, "AW=0 (reserved in 5.10): 03h"),
        ("00:02.2", ctx_entry(t.top, did=1, aw=5), 0x03, "AW=5 (reserved): 03h"),
        ("00:02.3", ctx_entry(t.top, did=1, tt=0b01), 0x03, "TT=01 needs ECAP.DT (0): 03h"),
        ("00:02.4", ctx_entry(t.top, did=1, tt=0b11), 0x03, "TT=11 (reserved): 03h"),
        ("00:02.5", ctx_entry(0, did=1, tt=0b10, aw=1), 0x03,
         "TT=10 with AW=1: pass-through must name the largest AGAW (48-bit, AW=2), 03h"),
        ("00:03.0", ctx_entry(bad_top, did=1), 0x03,
         "bus error fetching the top-level SL entry through SLPTPTR: 03h"),
    ]
    s.mem(RT, root_entry(CT[0]))
    s.mem(RT + 16, root_entry(CT[1]))
    s.bus_error(ctx_addr(sid_of("01:00.0")), 16)  # only 01:00.0's context entry
    s.mem(ctx_addr(sid_of("01:00.1")), ctx_entry(t.top, did=1))  # 01:00.1 is fine
    good = sid_of("00:1f.7")
    s.mem(ctx_addr(good), ctx_entry(t.top, did=1))
    for sid, entry, _, _ in cases:
        if entry != [0, 0]:
            s.mem(ctx_addr(sid_of(sid)), entry)
    s.init_dma()
    s.dma(good, 0x10, False, hpa=0x80_0010, c="00:1f.7 (devfn 255) is fine")
    for i, (sid, _, reason, c) in enumerate(cases):
        s.dma_fault(sid_of(sid), 0x1000 * (i % 3), i % 2 == 0, reason, c=c)
    s.dma_fault(sid_of("01:00.0"), 0x0, False, 0x09, c="bus error reading the context entry: "
                "09h")
    s.dma(sid_of("01:00.1"), 0x0, True, hpa=0x80_0000,
          c="the neighbouring context entry reads fine")
    return s


def dma_faults_walk() -> Scn:
    s = Scn("dma_faults_walk.json", "dma-faults-walk",
            "Second-level walk faults (§2.4, §3.2 step 12, P3): reserved bits give 0Ch (PS in "
            "a PML4E, bits 20:12 of a 2 MB leaf, bits 29:12 of a 1 GB leaf, bit 11 (SNP, "
            "SC=0) in a pointer or leaf, bit 62, address bits >= HAW); ignored bits do not "
            "fault (63, 61:52, 10:8, 6:2, PS in a PTE); a bus error fetching a lower-level "
            "entry gives 07h. Check order per entry (P3): R=W=0 is not present (05h/06h) even "
            "with reserved bits set; reserved bits (0Ch) before a missing permission; the "
            "first failing level wins (an upper reserved bit before a lower hole, an upper "
            "hole before a lower fetch error).")
    dev = DEV_A
    t = s.tables(4)
    t.map(0x0, 0x80_0000)
    t.map(0x1000, 0x80_1000, extra=1 << 62)
    t.map(0x2000, 0x80_2000 | 1 << 48)
    t.map(0x3000, 0x80_3000, extra=1 << 11)
    t.map(0x4000, 0x80_4000, extra=1 << 7)  # PS in a PTE is ignored
    t.map(0x5000, 0x80_5000, extra=0xBFF0_0000_0000_077C)  # 63, 61:52, 10:8, 6:2 ignored
    t.map(0x20_0000, 0x4000_0000 | 1 << 13, level=2)  # 2 MB leaf, bit 13 reserved
    t.set(0x40_0000, 2, sle(s.alloc(), extra=1 << 11))  # pointer with bit 11
    t.set(0x60_0000, 2, sle(s.alloc(), r=0, w=0, extra=1 << 11))  # R=W=0 + reserved
    t.set(0x80_0000, 2, sle(s.alloc(), r=1, w=0, extra=1 << 11))  # R only + reserved
    t.map(0x4000_0000, 0x1_0000_0000 | 1 << 12, level=3)  # 1 GB leaf, bit 12 reserved
    t.set(0x80_0000_0000, 4, sle(s.alloc(), ps=1))  # PS in a PML4E is reserved
    bad = s.alloc()
    s.bus_error(bad, 0x1000)
    t.link(0x100_0000_0000, 4, bad)  # the PDPT behind PML4E 2 cannot be read
    # PML4E 3: read-only pointer; below it a PDPT entry with a reserved bit
    ro = s.alloc()
    t.link(0x180_0000_0000, 4, ro, r=1, w=0)
    t.set(0x180_0000_0000, 3, sle(s.alloc(), extra=1 << 11))
    # PDPT entry 5 (IOVA 0x1_4000_0000): reserved bit 11, the PD below it is empty
    t.set(0x1_4000_0000, 3, sle(s.alloc(), extra=1 << 11))
    # PD entry 5 (IOVA 0xA0_0000): R=W=0 pointing at a page that cannot be read
    t.set(0xA0_0000, 2, sle(bad, r=0, w=0))
    s.mem(RT, root_entry(CT[0]))
    s.mem(ctx_addr(dev), ctx_entry(t.top, did=1))
    s.init_dma()
    s.dma(dev, 0x10, True, hpa=0x80_0010, c="a clean PTE")
    s.dma_fault(dev, 0x1000, False, 0x0C, c="PTE bit 62 (Rsvd with SSIRWE=0): 0Ch")
    s.dma_fault(dev, 0x2000, True, 0x0C, c="PTE address bit 48 (>= HAW): 0Ch")
    s.dma_fault(dev, 0x3000, False, 0x0C, c="PTE bit 11 (SNP, reserved with SC=0): 0Ch")
    s.dma(dev, 0x4008, True, hpa=0x80_4008, c="PS in a PTE is ignored")
    s.dma(dev, 0x500C, False, hpa=0x80_500C, c="ignored bits 63, 61:52, 10:8, 6:2 set")
    s.dma_fault(dev, 0x20_0000, False, 0x0C, c="2 MB leaf with bit 13 (20:12 Rsvd): 0Ch")
    s.dma_fault(dev, 0x40_0000, True, 0x0C, c="PDE pointer with bit 11: 0Ch")
    s.dma_fault(dev, 0x60_0000, True, 0x05,
                c="PDE R=W=0 with bit 11: not present comes first (P3), write 05h")
    s.dma_fault(dev, 0x60_1000, False, 0x06, c="... and a read gives 06h")
    s.dma_fault(dev, 0x80_0000, True, 0x0C,
                c="R-only PDE with bit 11, write: reserved before permission (P3), 0Ch")
    s.dma_fault(dev, 0x4000_0000, False, 0x0C, c="1 GB leaf with bit 12 (29:12 Rsvd): 0Ch")
    s.dma_fault(dev, 0x80_0000_0000, False, 0x0C, c="PS=1 in a PML4E is reserved: 0Ch")
    s.dma_fault(dev, 0x100_0000_0000, True, 0x07,
                c="bus error fetching the PDPT entry (a lower level): 07h")
    s.dma_fault(dev, 0x180_0000_0000, True, 0x05,
                c="R-only PML4E, write: the PML4 level fails first (P3), 05h, although the "
                  "PDPT entry below has a reserved bit")
    s.dma_fault(dev, 0x180_0000_0000, False, 0x0C, c="... a read passes the PML4E and "
                "reaches the reserved PDPT entry: 0Ch")
    s.dma_fault(dev, 0x1_4000_0000, False, 0x0C,
                c="reserved PDPT entry above an empty PD: the upper level fails first, 0Ch")
    s.dma_fault(dev, 0xA0_0000, False, 0x06,
                c="PDE R=W=0 whose address is unreadable: not present (06h), nothing fetched")
    return s


def dma_fault_interrupt_range() -> Scn:
    pt = sid_of("00:02.0")
    fpd_dev = sid_of("00:03.0")
    s = Scn("dma_fault_interrupt_range.json", "dma-fault-interrupt-range",
            "The interrupt address range FEE0_0000-FEEF_FFFF (§3.1, P13, P14): a translation "
            "whose output bytes overlap it faults with 0Eh (checked on the request's bytes, "
            "so a 2 MB page that covers the range still translates outside it); a DMA whose "
            "input touches it and is not a 4-byte write (an interrupt) is blocked with 29h, "
            "not qualified, so recorded even with FPD=1, and also for a pass-through device.")
    t = s.tables(4)
    t.map(0x0, 0xFEE0_0000)
    t.map(0x1000, 0xFEEF_F000)
    t.map(0x2000, 0xFEDF_F000)
    t.map(0x3000, 0xFEF0_0000)
    t.map(0x20_0000, 0xFEE0_0000, level=2)  # 2 MB page FEE0_0000-FEFF_FFFF
    s.mem(RT, root_entry(CT[0]))
    s.mem(ctx_addr(DEV_A), ctx_entry(t.top, did=1))
    s.mem(ctx_addr(pt), ctx_entry(0, did=2, tt=0b10, aw=2))
    s.mem(ctx_addr(fpd_dev), ctx_entry(t.top, did=1, fpd=1))
    s.init_dma()
    s.dma_fault(DEV_A, 0x0, False, 0x0E, c="output FEE0_0000: 0Eh")
    s.dma_fault(DEV_A, 0x1FFC, True, 0x0E, c="output FEEF_FFFC (last dword of the range): 0Eh")
    s.dma(DEV_A, 0x2FFC, False, hpa=0xFEDF_FFFC, c="output just below the range")
    s.dma(DEV_A, 0x3000, True, hpa=0xFEF0_0000, c="output just above the range")
    s.dma_fault(DEV_A, 0x20_0100, False, 0x0E, c="2 MB page, bytes inside FEEx: 0Eh")
    s.dma(DEV_A, 0x30_0000, True, size=64, hpa=0xFEF0_0000,
          c="same 2 MB page, bytes outside FEEx: translated (P13)")
    s.dma(DEV_A, 0xFEE0_0000, False, fault=0x29,
          c="read of FEE0_0000: not an interrupt, blocked with 29h (P14)")
    s.fault(DEV_A, 0x29, None, check_type=False)
    s.dma(DEV_A, 0xFEE0_0000, True, size=8, fault=0x29, c="8-byte write: 29h")
    s.fault(DEV_A, 0x29, None, check_type=False)
    s.dma(DEV_A, 0xFEEF_FFFE, True, size=2, fault=0x29, c="2-byte write: 29h")
    s.fault(DEV_A, 0x29, None, check_type=False)
    s.dma(fpd_dev, 0xFEE0_1000, False, fault=0x29, c="29h is not qualified: FPD=1 does not "
          "suppress it")
    s.fault(fpd_dev, 0x29, None, check_type=False)
    s.dma(pt, 0xFEE0_0040, False, fault=0x29, c="pass-through device: 29h too")
    s.fault(pt, 0x29, None, check_type=False)
    s.dma(pt, 0xFEDF_FFFC, False, hpa=0xFEDF_FFFC, c="pass-through just below the range")
    return s


def dma_fpd() -> Scn:
    normal, fpd = sid_of("00:01.0"), sid_of("00:02.0")
    s = Scn("dma_fpd.json", "dma-fpd",
            "Fault processing disable (§3.4, P6): a qualified fault (02h, 03h, 04h, 05h, 06h, "
            "07h, 0Bh, 0Ch, 0Eh) under a context entry with FPD=1 is blocked but neither "
            "recorded nor reported, FPD counts even when P=0; non-qualified faults (01h, 09h, "
            "29h) are recorded. The fault index does not move for a suppressed fault.")
    t = basic_domain(s)
    t.map(0x4000, 0xFEE0_0000)  # 0Eh
    t.map(0x5000, 0x80_5000, extra=1 << 11)  # 0Ch
    bad = s.alloc()
    s.bus_error(bad, 0x1000)
    t.link(0x80_0000_0000, 4, bad)  # 07h
    s.mem(RT, root_entry(CT[0]))
    s.mem(RT + 16, root_entry(CT[1]))
    s.bus_error(ctx_addr(sid_of("01:00.0")), 16)  # 01:00.0's context entry: 09h
    s.mem(ctx_addr(normal), ctx_entry(t.top, did=1))
    s.mem(ctx_addr(fpd), ctx_entry(t.top, did=1, fpd=1))
    cases = {  # sid -> context entry with FPD=1
        "00:03.0": ctx_entry(0, did=1, p=0, fpd=1),  # 02h
        "00:03.1": ctx_entry(t.top, did=1, fpd=1, lo_extra=0x10),  # 0Bh (P6)
        "00:03.2": ctx_entry(t.top, did=1, fpd=1, aw=3),  # 03h
    }
    for sid, e in cases.items():
        s.mem(ctx_addr(sid_of(sid)), e)
    s.init_dma()
    s.dma_fault(normal, 0x3000, True, 0x05, c="FPD=0: recorded in FRCD0")
    s.dma_fault(fpd, 0x3000, True, 0x05, recorded=False, c="FPD=1, same fault: blocked only")
    s.dma_fault(fpd, 0x3000, False, 0x06, recorded=False, c="06h suppressed")
    s.dma_fault(fpd, 0x1000, True, 0x05, recorded=False, c="05h (permission) suppressed")
    s.dma_fault(fpd, 0x1_0000_0000_0000, False, 0x04, recorded=False, c="04h suppressed")
    s.dma_fault(fpd, 0x4000, False, 0x0E, recorded=False, c="0Eh suppressed")
    s.dma_fault(fpd, 0x5000, False, 0x0C, recorded=False, c="0Ch suppressed")
    s.dma_fault(fpd, 0x80_0000_0000, False, 0x07, recorded=False, c="07h suppressed")
    s.dma_fault(sid_of("00:03.0"), 0x0, False, 0x02, recorded=False,
                c="P=0, FPD=1: 02h suppressed (FPD counts when P=0)")
    s.dma_fault(sid_of("00:03.1"), 0x0, False, 0x0B, recorded=False,
                c="0Bh is qualified (P6): suppressed")
    s.dma_fault(sid_of("00:03.2"), 0x0, False, 0x03, recorded=False, c="03h suppressed")
    s.dma(fpd, 0x10, True, hpa=0x80_0010, c="FPD does not change a good translation")
    s.dma_fault(normal, 0x1000, True, 0x05, c="the next recorded fault goes to FRCD1: the "
                "suppressed ones did not use records")
    s.dma_fault(sid_of("01:00.0"), 0x0, False, 0x09, c="09h: not qualified, recorded")
    s.dma_fault(sid_of("02:00.0"), 0x0, False, 0x01, c="01h: not qualified, recorded")
    return s
