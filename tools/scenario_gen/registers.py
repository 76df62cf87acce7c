"""Register scenarios: reset values, CAP/ECAP following the configuration, access types, and
the GCMD/GSTS handshake (§1.4)."""

from __future__ import annotations

from .constants import CT, CTL_IM, CTL_IP, G_GLOBAL, GCMD_PRESERVE, IRT, RT
from .domains import DEV_A, basic_domain
from .encoding import cap_value, ctx_addr, ctx_entry, d_iec, ecap_value, root_entry
from .scenario import Scn


def registers_reset() -> Scn:
    s = Scn("registers_reset.json", "registers-reset",
            "Reset value of every software-visible register with the default configuration: "
            "VER 1.0 (P1), CAP/ECAP fields (§1.2, §1.3, P1/P2), GSTS 0, FECTL/IECTL with IM=1 "
            "(§1.9, §1.11), everything else 0, including the PMR and AFLOG registers (P1, P2) "
            "and all eight fault recording registers (NFR=7).")
    s.read("VER", 0x10, "major 1, minor 0 (P1)")
    s.read("CAP", cap_value(s.cfg), "ND=2, SAGAW=0110b, MGAW=47, FRO=0x60, SLLPS=11b, PSI, "
           "NFR=7, MAMV=18")
    s.read("ECAP", ecap_value(s.cfg), "C, QI, IR, EIM, PT, IRO=0x50, MHMV=15")
    for reg, value, note in (
            ("GSTS", 0, "nothing enabled"), ("RTADDR", 0, None), ("CCMD", 0, None),
            ("FSTS", 0, None), ("FECTL", CTL_IM, "IM resets to 1 (§1.9)"), ("FEDATA", 0, None),
            ("FEADDR", 0, None), ("FEUADDR", 0, None), ("AFLOG", 0, "reserved (P2)"),
            ("PMEN", 0, "PLMR=PHMR=0 (P1)"), ("PLMBASE", 0, None), ("PLMLIMIT", 0, None),
            ("PHMBASE", 0, None), ("PHMLIMIT", 0, None), ("IQH", 0, None), ("IQT", 0, None),
            ("IQA", 0, None), ("ICS", 0, None), ("IECTL", CTL_IM, "IM resets to 1 (§1.11)"),
            ("IEDATA", 0, None), ("IEADDR", 0, None), ("IEUADDR", 0, None), ("IQERCD", 0, None),
            ("IRTA", 0, None), ("IOTLB", 0, None)):
        s.read(reg, value, note)
    for n in range(s.nrec):
        s.read(f"FRCD{n}_LO", 0)
        s.read(f"FRCD{n}_HI", 0, f"FRCD{n}: F=0" if n == 0 else None)
    s.read_off(0x600, 8, 0, "FRCD0 sits at FRO*16 = 0x600")
    return s


def registers_caps() -> Scn:
    cfg = dict(HAW=46, MGAW=57, SAGAW=0b1110, SLLPS=0b01, ND=4, NFR=3, MAMV=9, EIM=0, PT=0, C=0,
               MHMV=7)
    s = Scn("registers_caps.json", "registers-caps",
            "CAP and ECAP follow the configuration (§1.2, §1.3): 12-bit domain ids (ND=4), "
            "3/4/5-level tables (SAGAW=1110b), MGAW=57, 2 MB pages only, 4 fault recording "
            "registers (NFR=3), MAMV=9; no x2APIC, no pass-through, no page-walk coherency, "
            "MHMV=7. The fourth FRCD exists and resets to 0.", cfg)
    s.read("CAP", cap_value(s.cfg), "ND=4, SAGAW=1110b, MGAW=56, FRO=0x60, SLLPS=01b, PSI, "
           "NFR=3, MAMV=9")
    s.read("ECAP", ecap_value(s.cfg), "QI, IR, IRO=0x50, MHMV=7; C=EIM=PT=0")
    s.read("FRCD3_HI", 0, "NFR=3: FRCD0..FRCD3")
    s.read("FRCD3_LO", 0)
    s.read("VER", 0x10)
    return s


def registers_access() -> Scn:
    s = Scn("registers_access.json", "registers-access",
            "Access types: RO registers ignore writes (VER, CAP, ECAP, GSTS, IQH, IQERCD, FRCD "
            "while F=0), RW registers keep exactly their defined fields (RTADDR §1.5, "
            "FEDATA/FEADDR/FEUADDR §1.9, IEDATA/IEADDR/IEUADDR, IRTA §1.12, IQA/IQT §1.11, "
            "CCMD.DID/CIRG §1.6, IOTLB.DID/IIRG §1.7, FECTL/IECTL.IM), RW1C bits with nothing "
            "set stay 0 (FSTS, ICS), registers of absent features read 0 (P1, P2), and 64-bit "
            "registers can be accessed as two dwords, low dword first (§1.1).")
    cap, ecap = cap_value(s.cfg), ecap_value(s.cfg)
    s.write("VER", 0xFFFF_FFFF, "RO")
    s.read("VER", 0x10)
    s.write("CAP", 0, "RO")
    s.read("CAP", cap)
    s.write("ECAP", 0, "RO")
    s.read("ECAP", ecap)
    s.write("GSTS", 0xFFFF_FFFF, "RO: status changes only through GCMD")
    s.read("GSTS", 0)
    s.write("RTADDR", 0x0000_7FFF_FFFF_FFFF, "all bits below HAW=48")
    s.read("RTADDR", 0x0000_7FFF_FFFF_FC80, "RTA 63:12, TTM 11:10, SSIRWE 7; 9:8 and 6:0 Rsvd")
    s.write_off(0x20, 4, 0x1234_5000, "RTADDR low dword")
    s.write_off(0x24, 4, 0x0000_0001, "RTADDR high dword")
    s.read("RTADDR", 0x1_1234_5000, "the two dword writes make one 64-bit value")
    s.read_off(0x24, 4, 0x1, "high dword read alone")
    s.read_off(0x20, 4, 0x1234_5000, "low dword read alone")
    s.write("RTADDR", 0)
    s.read("GSTS", 0, "writing RTADDR has no effect until SRTP")
    for reg, ones in (("FEDATA", 0xFFFF), ("FEADDR", 0xFFFF_FFFC), ("FEUADDR", 0xFFFF_FFFF),
                      ("IEDATA", 0xFFFF), ("IEADDR", 0xFFFF_FFFC), ("IEUADDR", 0xFFFF_FFFF)):
        s.write(reg, 0xFFFF_FFFF)
        s.read(reg, ones, {"FEDATA": "IMD 15:0; 31:16 RsvdZ", "FEADDR": "MA 31:2; 1:0 RsvdZ",
                           "FEUADDR": "MUA 31:0"}.get(reg))
        s.write(reg, 0)
        s.read(reg, 0)
    for reg in ("FECTL", "IECTL"):
        s.write(reg, 0, "IM=0")
        s.read(reg, 0, "IM=0, IP=0")
        s.write(reg, CTL_IM | CTL_IP, "IM=1; IP is read-only")
        s.read(reg, CTL_IM)
    s.write("IRTA", 0x0000_7FFF_FFFF_FFFF)
    s.read("IRTA", 0x0000_7FFF_FFFF_F80F, "IRTA 63:12, EIME 11, S 3:0; 10:4 Rsvd")
    s.write("IRTA", 0)
    s.write("IQA", 0x0000_7FFF_FFFF_FFFF, "QI disabled: only stored")
    s.read("IQA", 0x0000_7FFF_FFFF_F807, "IQA 63:12, DW 11, QS 2:0")
    s.write("IQA", 0)
    s.write("IQT", 0xFFFF_FFFF_FFFF_FFFF, "QI disabled: only stored")
    s.read("IQT", 0x7FFF0, "QT 18:4")
    s.write("IQT", 0)
    s.read("IQT", 0)
    s.write("IQH", 0x7FFF0, "RO")
    s.read("IQH", 0)
    s.write("IQERCD", 0xFFFF_FFFF_FFFF_FFFF, "RO")
    s.read("IQERCD", 0)
    s.write("CCMD", 0x2000_0000_0000_0012, "CIRG=01, DID=0x12, ICC=0: no command")
    s.read("CCMD", 0x2000_0000_0000_0012, "CIRG and DID are RW; CAIG still 00")
    s.write("CCMD", 0)
    s.write("IOTLB", 0x2000_0005_0000_0000, "IIRG=10, DID=5, IVT=0: no command")
    s.read("IOTLB", 0x2000_0005_0000_0000, "IIRG and DID are RW; IAIG still 00")
    s.write("IOTLB", 0)
    s.write("FSTS", 0xFFFF_FFFF, "RW1C with nothing pending")
    s.read("FSTS", 0)
    s.write("ICS", 1, "RW1C with nothing pending")
    s.read("ICS", 0)
    s.write("AFLOG", 0xFFFF_F000, "reserved (P2)")
    s.read("AFLOG", 0)
    for reg, value in (("PMEN", 0x8000_0000), ("PLMBASE", 0xFFFF_FFFF),
                       ("PLMLIMIT", 0xFFFF_FFFF), ("PHMBASE", 0xFFFF_F000),
                       ("PHMLIMIT", 0xFFFF_F000)):
        s.write(reg, value, "PLMR=PHMR=0 (P1): read-only" if reg == "PMEN" else None)
        s.read(reg, 0)
    s.write("FRCD0_LO", 0xFFFF_F000, "RO")
    s.read("FRCD0_LO", 0)
    s.write("FRCD0_HI", 0xFFFF_FFFF_FFFF_FFFF, "F is RW1C, the rest RO: nothing changes")
    s.read("FRCD0_HI", 0)
    s.read("GSTS", 0, "none of these writes enabled anything")
    s.read("FSTS", 0)
    return s


def gcmd_gsts_handshake() -> Scn:
    s = Scn("gcmd_gsts_handshake.json", "gcmd-gsts-handshake",
            "GCMD/GSTS (§1.4): each GCMD write is (GSTS & 0x96FFFFFF) with one field changed; "
            "SRTP/SIRTP are one-shot (RTPS/IRTPS stay set after completion), TE/QIE/IRE/CFI "
            "are levels; SFL/EAFL (P2) and WBF (RWBF=0) change nothing; RTADDR takes effect "
            "only at SRTP. With TES=0 DMA is not remapped (§3.1); with TES=1 it is "
            "translated. "
            "Disabling QI after a wait descriptor resets IQH to 0 (§1.11).")
    t = basic_domain(s)
    s.mem(RT, root_entry(CT[0]))
    s.mem(ctx_addr(DEV_A), ctx_entry(t.top, did=1))
    s.gsts_is("reset: 0")
    s.dma(DEV_A, 0x12_3456, False, hpa=0x12_3456, c="TES=0: no remapping, output = input")
    s.srtp()
    s.gsts_is("RTPS=1")
    s.cc_reg(G_GLOBAL, c="global context-cache invalidation after SRTP (§6.5)")
    s.iotlb_reg(G_GLOBAL, c="global IOTLB invalidation after SRTP (§6.5)")
    s.te(True)
    s.gsts_is("TES=1, RTPS stays 1")
    s.dma(DEV_A, 0x10, False, hpa=0x80_0010, c="TES=1: translated through the tables")
    for bit, what in ((1 << 29, "SFL (P2: ignored)"), (1 << 28, "EAFL (P2: ignored)"),
                      (1 << 27, "WBF (CAP.RWBF=0)")):
        s.write("GCMD", (s.gsts & GCMD_PRESERVE) | bit, f"GCMD.{what}")
        s.gsts_is("unchanged")
    s.write("RTADDR", 0x70_0000, "a new RTADDR (an empty table) without SRTP")
    s.dma(DEV_A, 0x10, False, hpa=0x80_0010, c="RTADDR takes effect only at SRTP (§1.5)")
    s.write("RTADDR", RT)
    s.qie(True)
    s.gsts_is("QIES=1 added")
    s.sirtp(IRT | 7)
    s.gsts_is("IRTPS=1 added")
    s.submit([d_iec(0)], c="global IEC invalidation after SIRTP (§6.5)")
    s.ire(True)
    s.gsts_is("IRES=1 added")
    s.cfi(True)
    s.gsts_is("CFIS=1 added")
    s.cfi(False)
    s.gsts_is("CFIS back to 0")
    s.ire(False)
    s.gsts_is("IRES back to 0")
    s.submit([], c="quiesce the queue: the last descriptor is a wait (§1.4)")
    s.read("IQH", 16 * s.iq_tail, "IQH = IQT: the queue is empty")
    s.qie(False)
    s.gsts_is("QIES back to 0")
    s.read("IQH", 0, "hardware resets IQH to 0 when QI is disabled (§1.11)")
    s.te(False)
    s.gsts_is("only the one-shot statuses RTPS and IRTPS remain")
    s.dma(DEV_A, 0x10, False, hpa=0x10, c="TES=0 again: no remapping")
    return s
