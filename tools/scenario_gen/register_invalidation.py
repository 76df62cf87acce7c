"""Register-based invalidation scenarios: CCMD, IOTLB_REG and IVA (§1.6, §1.7, §6.1, §6.2),
and a unit without page-selective invalidation."""

from __future__ import annotations

from .constants import CCMD_CHECK_MASK, CCMD_ICC, CT, G_DEVICE, G_DOMAIN, G_GLOBAL, IOTLB_IVT, RT
from .domains import DOMAIN_FRAMES, invalidation_domains
from .encoding import (
    ccmd,
    ccmd_done,
    ctx_addr,
    ctx_entry,
    d_iotlb,
    iotlb_cmd,
    iotlb_done,
    iva,
    root_entry,
    sid_of,
    sle,
)
from .queue_errors import qi_error_case
from .scenario import Scn


def inv_register_context() -> Scn:
    A, B, C = sid_of("00:01.0"), sid_of("00:02.0"), sid_of("00:03.0")
    E, F, G = sid_of("01:00.0"), sid_of("01:00.4"), sid_of("01:00.1")
    s = Scn("inv_register_context.json", "inv-register-context",
            "Register-based context-cache invalidation (CCMD, §1.6, §6.1), each followed by "
            "the IOTLB invalidation §6.1 asks for: device-selective (SID + DID) after moving "
            "a device to another domain, with a function mask (FM=01 covers SID and SID^4), "
            "domain-selective after disabling a device of a shared domain, global after "
            "changing a device to pass-through. CAIG reports the granularity done; SID/FM "
            "are write-only and not compared.")
    members = {A: 1, B: 2, C: 2, E: 4, F: 4, G: 4}
    doms = invalidation_domains(s, 1, members)
    s.init_dma()
    for sid, did in members.items():
        s.dma(sid, 0x10, False, hpa=DOMAIN_FRAMES[did] + 0x10,
              c="the unit may now cache these translations")
    s.mwrite(ctx_addr(A), ctx_entry(doms[3].top, did=3), "move 00:01.0 to domain 3")
    s.cc_reg(G_DEVICE, did=1, sid=A, check=True,
             c="device-selective: SID 00:01.0, its old DID 1")
    s.iotlb_reg(G_DOMAIN, did=1, check=True, c="domain-selective IOTLB for DID 1 (§6.1)")
    s.dma(A, 0x10, True, hpa=0x90_0010, c="00:01.0 now translates through domain 3")
    s.mwrite(ctx_addr(B), [0, 0], "disable 00:02.0 (P=0)")
    s.write("CCMD", ccmd(G_DOMAIN, did=0x102),
            "domain-selective with DID 0x102: bits above the 8-bit ND width are ignored "
            "(§1.6), so this is DID 2")
    s.poll("CCMD", CCMD_ICC, 0)
    s.poll("CCMD", 0xF800_0000_0000_0000, ccmd_done(G_DOMAIN) & 0xF800_0000_0000_0000,
           "CAIG=10")
    s.iotlb_reg(G_DOMAIN, did=2, check=True)
    s.dma_fault(B, 0x10, False, 0x02, c="00:02.0: context not present")
    s.dma(C, 0x10, False, hpa=0xA0_0010, c="00:03.0, same domain, unaffected")
    s.mwrite(ctx_addr(E), ctx_entry(doms[5].top, did=5), "move 01:00.0 ...")
    s.mwrite(ctx_addr(F), ctx_entry(doms[5].top, did=5), "... and 01:00.4 to DID 5")
    value = ccmd(G_DEVICE, did=4, sid=E, fm=1)
    s.write_off(0x28, 4, value & 0xFFFF_FFFF, "CCMD as two dwords (§1.1), low first: SID "
                "01:00.0, DID 4; nothing starts yet")
    s.write_off(0x2C, 4, value >> 32, "high dword: ICC=1, CIRG=11 (device), FM=01 (SID bit 2 "
                "masked: 01:00.0 and 01:00.4); the command starts on this write")
    s.poll("CCMD", CCMD_ICC, 0)
    s.poll("CCMD", CCMD_CHECK_MASK, ccmd_done(G_DEVICE, 4), "CAIG=11")
    s.iotlb_reg(G_DOMAIN, did=4)
    s.dma(E, 0x20, True, hpa=0xC0_0020)
    s.dma(F, 0x20, True, hpa=0xC0_0020)
    s.dma(G, 0x20, True, hpa=0xB0_0020, c="01:00.1 did not change")
    s.mwrite(ctx_addr(C), ctx_entry(0, did=6, tt=0b10, aw=2),
             "00:03.0 becomes pass-through (DID 6)")
    s.cc_reg(G_GLOBAL, check=True, c="global")
    s.iotlb_reg(G_GLOBAL, check=True)
    s.dma(C, 0x10, False, hpa=0x10, c="pass-through: output = input")
    s.dma(A, 0x10, False, hpa=0x90_0010, c="the others are unchanged")
    return s


def inv_register_iotlb() -> Scn:
    A, B = sid_of("00:01.0"), sid_of("00:02.0")
    s = Scn("inv_register_iotlb.json", "inv-register-iotlb",
            "Register-based IOTLB invalidation (IOTLB_REG, §1.7, §6.2), global and "
            "domain-selective: a leaf changing its frame and a permission drop (both need "
            "invalidation under CM=0, §6.6) take effect after the invalidation; IAIG reports "
            "the granularity done; DR/DW are accepted (ignored, DRD=DWD=0).")
    t1, t2 = s.tables(4), s.tables(4)
    p0 = t1.map(0x0, 0x80_0000)
    t1.map(0x1000, 0x80_1000)
    p2 = t1.map(0x2000, 0x80_2000)
    t2.map(0x0, 0xA0_0000)
    q1 = t2.map(0x1000, 0xA0_1000)
    s.mem(RT, root_entry(CT[0]))
    s.mem(ctx_addr(A), ctx_entry(t1.top, did=1))
    s.mem(ctx_addr(B), ctx_entry(t2.top, did=2))
    s.init_dma()
    for sid, addr, hpa in ((A, 0x0, 0x80_0000), (A, 0x2000, 0x80_2000), (B, 0x0, 0xA0_0000),
                           (B, 0x1000, 0xA0_1000)):
        s.dma(sid, addr, True, hpa=hpa, c="fill the IOTLB")
    s.mwrite(p0, [sle(0x88_0000)], "domain 1: IOVA 0 moves to frame 0x880000")
    s.iotlb_reg(G_DOMAIN, did=1, check=True, c="domain-selective, DID 1")
    s.dma(A, 0x0, True, hpa=0x88_0000)
    s.dma(B, 0x0, True, hpa=0xA0_0000, c="domain 2 unchanged")
    s.mwrite(q1, [sle(0xA0_1000, r=1, w=0)], "domain 2: IOVA 0x1000 becomes read-only")
    s.iotlb_reg(G_GLOBAL, check=True, c="global")
    s.dma_fault(B, 0x1000, True, 0x05, c="the permission drop is visible")
    s.dma(B, 0x1000, False, hpa=0xA0_1000)
    s.mwrite(p2, [sle(0x98_2000)], "domain 1: IOVA 0x2000 moves to frame 0x982000")
    s.write("IOTLB", iotlb_cmd(G_DOMAIN, 1) | 3 << 48,
            "domain-selective, DID 1, with DR=DW=1 (ignored: DRD=DWD=0)")
    s.poll("IOTLB", IOTLB_IVT, 0)
    s.poll("IOTLB", 0xFFFF_FFFF_0000_0000 & ~(3 << 48), iotlb_done(G_DOMAIN, G_DOMAIN, 1),
           "IAIG=10")
    s.dma(A, 0x2000, False, hpa=0x98_2000)
    return s


def inv_register_psi() -> Scn:
    A = sid_of("00:01.0")
    s = Scn("inv_register_psi.json", "inv-register-psi",
            "Page-selective IOTLB invalidation through IVA + IOTLB_REG (§1.7, §6.2): AM=0 "
            "for one page, AM=2 for four (ADDR bits 13:12 are masked off, so an unaligned "
            "IVA.ADDR still covers the aligned block), IH=1 after a leaf-only change, AM=9 "
            "for a 2 MB page and for a replaced page table, IVA.ADDR bits at or above MGAW "
            "ignored; neighbours outside the range keep translating. AM above MAMV is not "
            "done and IAIG reads 00 (P12). IVA and IOTLB_REG are also written as dwords, the "
            "command starting with the high dword of IOTLB_REG (§1.1).")
    t = s.tables(4)
    for i in range(0x20):
        t.map(0x1000 * i, 0x80_0000 + 0x1000 * i)
    t.map(0x20_0000, 0x4000_0000, level=2)
    pt_x, pt_y = s.alloc(), s.alloc()
    pde = t.link(0x60_0000, 2, pt_x)
    s.mem(pt_x, [sle(0xE0_0000)])
    s.mem(pt_y, [sle(0xF0_0000)])
    s.mem(RT, root_entry(CT[0]))
    s.mem(ctx_addr(A), ctx_entry(t.top, did=1))
    s.init_dma()
    for addr in (0x4000, 0x5000, 0x6000, 0x7000, 0x8000, 0xB000, 0xC000, 0xD000, 0x10000,
                 0x13000, 0x14000, 0x20_1000, 0x60_0000):
        s.dma(A, addr, False, hpa=t_hpa(addr), c="fill the IOTLB" if addr == 0x4000 else None)
    s.mwrite(t.entry_addr(0x5000, 1), [0], "unmap IOVA 0x5000")
    s.iotlb_reg(G_DEVICE, did=1, addr=0x5000, am=0, check=True, c="PSI: 0x5000, AM=0")
    s.dma_fault(A, 0x5000, False, 0x06, c="unmapped page: 06h")
    s.dma(A, 0x4000, False, hpa=0x80_4000, c="neighbours still translate")
    s.dma(A, 0x6000, False, hpa=0x80_6000)
    s.mwrite(t.entry_addr(0x8000, 1), [0, 0, 0, 0], "unmap 0x8000-0xBFFF")
    s.iotlb_reg(G_DEVICE, did=1, addr=0x8000, am=2, c="PSI: 0x8000, AM=2 (4 pages)")
    for addr in (0x8000, 0x9000, 0xA000, 0xB000):
        s.dma_fault(A, addr, True, 0x05)
    s.dma(A, 0x7000, True, hpa=0x80_7000, c="just below the range")
    s.dma(A, 0xC000, True, hpa=0x80_C000, c="just above the range")
    s.mwrite(t.entry_addr(0x10000, 1), [0, 0, 0, 0], "unmap 0x10000-0x13FFF")
    s.iotlb_reg(G_DEVICE, did=1, addr=0x12000, am=2,
                c="PSI with ADDR 0x12000, AM=2: bits 13:12 masked, covers 0x10000-0x13FFF")
    s.dma_fault(A, 0x10000, False, 0x06)
    s.dma_fault(A, 0x13000, False, 0x06)
    s.mwrite(t.entry_addr(0x14000, 1), [0], "unmap 0x14000")
    s.write("IVA", iva(1 << 48 | 0x14000), "IVA.ADDR with bit 48 set: bits >= MGAW are ignored")
    s.write("IOTLB", iotlb_cmd(G_DEVICE, 1), "PSI, DID 1: invalidates 0x14000")
    s.poll("IOTLB", IOTLB_IVT, 0)
    s.dma_fault(A, 0x14000, False, 0x06)
    s.mwrite(t.entry_addr(0xD000, 1), [sle(0x9D_000)], "leaf-only change: 0xD000 -> 0x9D000")
    s.write_off(0x500, 4, iva(0xD000, 0, 1), "IVA low dword: ADDR 0xD000, IH=1, AM=0")
    s.write_off(0x504, 4, 0, "IVA high dword")
    s.write_off(0x508, 4, 0, "IOTLB_REG low dword (RsvdP)")
    s.write_off(0x50C, 4, iotlb_cmd(G_DEVICE, 1) >> 32,
                "IOTLB_REG high dword: IVT=1, IIRG=11, DID 1; PSI with IH=1 starts here")
    s.poll("IOTLB", IOTLB_IVT, 0)
    s.dma(A, 0xD010, False, hpa=0x9D_010)
    s.mwrite(t.entry_addr(0x20_0000, 2), [sle(0x4060_0000, ps=1)],
             "the 2 MB page at 0x200000 moves to 0x40600000")
    s.iotlb_reg(G_DEVICE, did=1, addr=0x20_0000, am=9, c="PSI, AM=9: the whole 2 MB page")
    s.dma(A, 0x20_1000, False, hpa=0x4060_1000)
    s.mwrite(pde, [sle(pt_y)], "replace the page table under 0x600000")
    s.iotlb_reg(G_DEVICE, did=1, addr=0x60_0000, am=9, ih=0,
                c="PSI, AM=9, IH=0: the PDE cached for the range goes too")
    s.dma(A, 0x60_0000, False, hpa=0xF0_0000)
    s.iotlb_reg(G_DEVICE, did=1, addr=0x0, am=19, check=True, iaig=0,
                c="AM=19 > MAMV=18: not done, IAIG=00 (P12)")
    s.dma(A, 0x4000, False, hpa=0x80_4000, c="nothing changed in memory: still translates")
    return s


def t_hpa(addr: int) -> int:
    """inv_register_psi's initial mapping."""
    if addr < 0x20_0000:
        return 0x80_0000 + addr
    if addr < 0x40_0000:
        return 0x4000_0000 + addr - 0x20_0000
    return 0xE0_0000 + addr - 0x60_0000


def inv_without_psi() -> Scn:
    A = sid_of("00:01.0")
    s = Scn("inv_without_psi.json", "inv-without-psi",
            "A unit without page-selective invalidation (CAP.PSI=0, §1.2, §1.7, §6.4): a "
            "register PSI is not done and IAIG reads 00; domain-selective invalidation still "
            "works; a page-selective iotlb_inv_dsc is an invalidation queue error.",
            dict(PSI=0))
    t = s.tables(4)
    pte = t.map(0x0, 0x80_0000)
    s.mem(RT, root_entry(CT[0]))
    s.mem(ctx_addr(A), ctx_entry(t.top, did=1))
    s.init_dma()
    s.poll("CAP", 1 << 39, 0, "CAP.PSI=0")
    s.dma(A, 0x0, False, hpa=0x80_0000)
    s.iotlb_reg(G_DEVICE, did=1, addr=0x0, am=0, check=True, iaig=0,
                c="page-selective without CAP.PSI: not done, IAIG=00")
    s.mwrite(pte, [sle(0x88_0000)], "IOVA 0 moves to frame 0x880000")
    s.iotlb_reg(G_DOMAIN, did=1, check=True, c="domain-selective instead")
    s.dma(A, 0x0, False, hpa=0x88_0000)
    s.qie(True)
    qi_error_case(s, d_iotlb(G_DEVICE, did=1, addr=0x0), None, d_iotlb(G_DOMAIN, did=1),
                  "iotlb_inv_dsc with G=11 (page-selective) without CAP.PSI")
    return s
