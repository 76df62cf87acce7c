"""Queued invalidation scenarios: queue mechanics, the wait descriptor and invalidation
through descriptors (§1.11, §2.7, §6.1-§6.4)."""

from __future__ import annotations

from .constants import (
    CTL_IM,
    CTL_IP,
    FSTS_STATUS,
    G_DEVICE,
    G_DOMAIN,
    G_GLOBAL,
    GCMD_QIE,
    GSTS_QIES,
    IEADDR,
    IEDATA,
    IQ,
    IRT,
    STATUS,
)
from .domains import DOMAIN_FRAMES, invalidation_domains
from .encoding import (
    ctx_addr,
    ctx_entry,
    d_cc,
    d_iec,
    d_iotlb,
    d_wait,
    intr,
    irte,
    msi_remap,
    sid_of,
    sle,
)
from .scenario import Scn


def qi_basic() -> Scn:
    s = Scn("qi_basic.json", "qi-basic",
            "Queued invalidation basics (§1.11, §6.4): enabling QI (IQT=0, IQA, QIE), a batch "
            "of descriptors consumed up to IQT (IQH = IQT), the wait descriptor's status "
            "write, the queue wrapping from its last slot (255 with QS=0) to slot 0, and "
            "disabling QI after a wait (IQH resets to 0) then enabling it again, and a "
            "two-page queue (QS=1, 512 entries) taking a tail beyond slot 255. Slots 4..253 "
            "are pre-filled with plain wait descriptors (SW=IF=0: no effect).")
    s.mem(IQ + 16 * 4, d_wait() * 250)
    s.qie(True)
    s.gsts_is("QIES=1")
    s.read("IQA", IQ)
    s.read("IQH", 0)
    s.submit([d_cc(G_GLOBAL), d_iotlb(G_GLOBAL), d_iec(0)],
             c="cc global, iotlb global, iec global (+ wait)")
    s.read("IQH", 0x40, "IQH = IQT: all four consumed")
    s.read("IQT", 0x40)
    s.write("IQT", 0xFE0, "hand the 250 pre-filled waits to the unit (slots 4..253)")
    s.poll("IQH", 0x7FFF0, 0xFE0, "IQH reaches the tail")
    s.iq_tail = 254
    s.submit([d_cc(G_GLOBAL)], c="slots 254 and 255: the tail wraps to 0")
    s.read("IQH", 0, "IQH wrapped to 0")
    s.submit([d_iotlb(G_GLOBAL)], c="slots 0 and 1")
    s.read("IQH", 0x20)
    s.qie(False)
    s.gsts_is("QIES=0")
    s.read("IQH", 0, "reset to 0 when QI is disabled (§1.11)")
    s.qie(True)
    s.submit([d_cc(G_GLOBAL)], c="the queue starts again at slot 0")
    s.read("IQH", 0x20)
    s.mread(IQ, d_cc(G_GLOBAL) + d_wait(sw=1, data=s.status_seq, addr=STATUS),
            "the descriptors software wrote")
    s.gcmd(GCMD_QIE, GSTS_QIES, False, "GCMD.QIE=0 (the last descriptor was a wait)")
    s.write("IQT", 0)
    s.write("IQA", IQ | 1, "QS=1: two pages, 512 descriptors; slots 0..255 all hold valid "
            "descriptors from before")
    s.gcmd(GCMD_QIE, GSTS_QIES, True, "GCMD.QIE=1")
    s.mwrite(IQ + 0x1000, s.next_wait(), "slot 256")
    s.write("IQT", 0x1010, "tail index 257: legal with 512 entries")
    s.poll_mem(STATUS, 0xFFFF_FFFF, s.status_seq, "all 257 descriptors ran")
    s.read("IQH", 0x1010)
    s.poll("FSTS", FSTS_STATUS, 0, "no queue error")
    return s


def qi_wait_status() -> Scn:
    ev = ((IEADDR, IEDATA),)
    s = Scn("qi_wait_status.json", "qi-wait-status",
            "The invalidation wait descriptor (§2.7 type 5h, §6.4, P10): SW=1 writes the "
            "32-bit status data to the DWORD-aligned status address (the other half of the "
            "qword is untouched); IF=1 sets ICS.IWC and raises the completion event (IECTL: "
            "pending while IM=1, sent on unmask, sent at once with IM=0, nothing more while "
            "IWC is already 1, clearing IWC clears a pending IP); SW and IF together do both "
            "(P10); FN=1 is accepted.")
    s.mem(STATUS + 0x100, [0xFFFF_FFFF_FFFF_FFFF, 0xFFFF_FFFF_FFFF_FFFF])
    s.write("IEDATA", IEDATA, "completion event: data 0x61")
    s.write("IEADDR", IEADDR, "address 0xFEE02000")
    s.write("IEUADDR", 0)
    s.qie(True)
    s.read("IECTL", CTL_IM, "IM=1 after reset")
    s.submit([d_wait(sw=1, data=0x1234_5678, addr=STATUS + 0x100)], wait=False,
             c="SW=1: status to a qword-aligned address")
    s.mread(STATUS + 0x100, [0xFFFF_FFFF_1234_5678, 0xFFFF_FFFF_FFFF_FFFF],
            "only the low dword was written")
    s.submit([d_wait(sw=1, data=0xCAFE, addr=STATUS + 0x10C)], wait=False,
             c="SW=1: status to a dword-aligned address (upper half of a qword)")
    s.mread(STATUS + 0x100, [0xFFFF_FFFF_1234_5678, 0x0000_CAFE_FFFF_FFFF])
    s.read("ICS", 0, "no IF yet")
    s.read("IQH", 0x20)
    s.submit([d_wait(iflag=1)], wait=False, c="IF=1 with IM=1")
    s.read("ICS", 1, "IWC=1")
    s.read("IECTL", CTL_IM | CTL_IP, "the event is pending")
    s.write("IECTL", 0, "unmask: the message goes out", events=ev)
    s.read("IECTL", 0)
    s.submit([d_wait(iflag=1)], wait=False, c="IF=1 while IWC is still 1: nothing more")
    s.read("IECTL", 0)
    s.write("ICS", 1, "clear IWC (RW1CS)")
    s.read("ICS", 0)
    s.submit([d_wait(iflag=1)], wait=False, c="IF=1 with IM=0: sent at once", events=ev)
    s.read("ICS", 1)
    s.read("IECTL", 0)
    s.write("ICS", 1)
    s.write("IECTL", CTL_IM, "mask")
    s.submit([d_wait(iflag=1)], wait=False, c="IF=1: pending")
    s.read("IECTL", CTL_IM | CTL_IP)
    s.write("ICS", 1, "clearing IWC clears the pending IP: no message")
    s.read("IECTL", CTL_IM)
    s.read("ICS", 0)
    s.write("IECTL", 0, "unmask with IP=0: nothing to send")
    s.submit([d_wait(sw=1, iflag=1, data=0xBEEF, addr=STATUS + 0x108)], wait=False,
             c="SW=1 and IF=1 together (P10): status write, then IWC and the event",
             events=ev)
    s.mread(STATUS + 0x108, [0x0000_CAFE_0000_BEEF])
    s.read("ICS", 1)
    s.write("ICS", 1)
    s.submit([d_cc(G_GLOBAL), d_wait(sw=1, fn=1, data=0x77, addr=STATUS + 0x110)], wait=False,
             c="FN=1 (fence) wait after a cc invalidation")
    s.poll_mem(STATUS + 0x110, 0xFFFF_FFFF, 0x77)
    s.read("IQH", 16 * s.iq_tail, "IQH = IQT")
    s.read("FSTS", 0, "no queue error anywhere")
    return s


def qi_invalidate() -> Scn:
    A, B, C = sid_of("00:01.0"), sid_of("00:02.0"), sid_of("00:03.0")
    E, F = sid_of("01:00.0"), sid_of("01:00.4")
    s = Scn("qi_invalidate.json", "qi-invalidate",
            "Invalidation through the queue (§2.7, §6.1-§6.3): cc_inv_dsc (1h) device with "
            "FM, domain and global, each followed by an iotlb_inv_dsc; iotlb_inv_dsc (2h) "
            "global, domain and page-selective with AM and IH, DR/DW set; iec_inv_dsc (4h) "
            "index-selective with IM=0 and IM=2 and global after IRTE changes. Every change "
            "is visible after its invalidation completes (wait status polled).")
    members = {A: 1, B: 2, C: 2, E: 4, F: 4}
    tabs = invalidation_domains(s, 8, members)
    for i in range(16):
        s.mem(IRT + 16 * i, irte(0x40 + i, 0x10 + i))
    s.init_dma()
    s.qie(True)
    s.init_ir()
    for sid, did in members.items():
        s.dma(sid, 0x0, False, hpa=DOMAIN_FRAMES[did], c="fill the caches")
    s.dma(A, 0x5000, False, hpa=0x80_5000)
    s.dma(A, 0x6000, False, hpa=0x80_6000)
    # context cache
    s.mwrite(ctx_addr(E), ctx_entry(tabs[5].top, did=5), "move 01:00.0 and ...")
    s.mwrite(ctx_addr(F), ctx_entry(tabs[5].top, did=5), "... 01:00.4 to DID 5")
    s.submit([d_cc(G_DEVICE, did=4, sid=E, fm=1), d_iotlb(G_DOMAIN, did=4)],
             c="cc device SID 01:00.0 FM=01 DID 4, iotlb domain DID 4")
    s.dma(E, 0x0, True, hpa=0xC0_0000)
    s.dma(F, 0x0, True, hpa=0xC0_0000)
    s.mwrite(ctx_addr(B), ctx_entry(tabs[3].top, did=3), "move 00:02.0 to DID 3")
    s.submit([d_cc(G_DOMAIN, did=2), d_iotlb(G_DOMAIN, did=2)],
             c="cc domain DID 2, iotlb domain DID 2")
    s.dma(B, 0x0, True, hpa=0x90_0000)
    s.dma(C, 0x0, True, hpa=0xA0_0000, c="00:03.0 stays in DID 2")
    s.mwrite(ctx_addr(C), [0, 0], "disable 00:03.0")
    s.submit([d_cc(G_GLOBAL), d_iotlb(G_GLOBAL)], c="cc global, iotlb global")
    s.dma_fault(C, 0x0, False, 0x02)
    # IOTLB
    s.mwrite(tabs[1].entry_addr(0x5000, 1), [0], "unmap 0x5000 in domain 1")
    s.submit([d_iotlb(G_DEVICE, did=1, addr=0x5000, am=0)], c="iotlb PSI 0x5000 AM=0")
    s.dma_fault(A, 0x5000, False, 0x06)
    s.dma(A, 0x6000, False, hpa=0x80_6000, c="the neighbour still translates")
    s.mwrite(tabs[1].entry_addr(0x0, 1), [0, 0, 0, 0], "unmap 0x0-0x3FFF")
    s.submit([d_iotlb(G_DEVICE, did=1, addr=0x0, am=2, dr=1, dw=1)],
             c="iotlb PSI 0x0 AM=2, DR=DW=1")
    for addr in (0x0, 0x3000):
        s.dma_fault(A, addr, True, 0x05)
    s.mwrite(tabs[1].entry_addr(0x6000, 1), [sle(0x96_6000)], "leaf change: 0x6000")
    s.submit([d_iotlb(G_DEVICE, did=1, addr=0x6000, am=0, ih=1)], c="iotlb PSI, IH=1")
    s.dma(A, 0x6000, False, hpa=0x96_6000)
    s.mwrite(tabs[3].entry_addr(0x0, 1), [sle(0x99_0000, r=1, w=0)],
             "domain 3: 0x0 becomes read-only")
    s.submit([d_iotlb(G_DOMAIN, did=3)], c="iotlb domain DID 3")
    s.dma_fault(B, 0x0, True, 0x05)
    s.dma(B, 0x0, False, hpa=0x99_0000)
    s.mwrite(tabs[5].entry_addr(0x1000, 1), [sle(0xCC_1000)], "domain 5: 0x1000 moves")
    s.submit([d_iotlb(G_GLOBAL)], c="iotlb global")
    s.dma(E, 0x1000, False, hpa=0xCC_1000)
    # interrupt entry cache
    for i in (3, 8, 9, 10, 11, 12):
        s.msi(A, msi_remap(i), 0, ok=intr(0x40 + i, 0x10 + i),
              c="the IEC may now hold these" if i == 3 else None)
    s.mwrite(IRT + 16 * 3, irte(0x93, 0x33), "IRTE 3: new vector and destination")
    s.submit([d_iec(1, iidx=3, im=0)], c="iec index-selective, IIDX=3, IM=0")
    s.msi(A, msi_remap(3), 0, ok=intr(0x93, 0x33))
    for i in (8, 9, 10, 11):
        s.mwrite(IRT + 16 * i, irte(0xA0 + i, 0x20 + i), f"IRTE {i} changes" if i == 8 else None)
    s.submit([d_iec(1, iidx=10, im=2)], c="iec index-selective, IIDX=10, IM=2: 8..11")
    for i in (8, 9, 10, 11):
        s.msi(A, msi_remap(i), 0, ok=intr(0xA0 + i, 0x20 + i))
    s.mwrite(IRT + 16 * 12, irte(0, 0, p=0), "IRTE 12 becomes not present")
    s.submit([d_iec(0)], c="iec global")
    s.msi_fault(A, msi_remap(12), 0, 0x22, 12)
    return s
