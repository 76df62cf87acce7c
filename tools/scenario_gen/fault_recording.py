"""Fault recording scenarios: FRCD/FSTS fields, overflow, the fault event and the fault
index (§4, §1.8, §1.9, §1.13)."""

from __future__ import annotations

from .constants import (
    CT,
    CTL_IM,
    CTL_IP,
    FEADDR,
    FEDATA,
    FRCD_F,
    FSTS_IQE,
    FSTS_PFO,
    FSTS_PPF,
    FSTS_STATUS,
    G_GLOBAL,
    IQ,
    IRT,
    RT,
    STATUS,
)
from .domains import basic_domain
from .encoding import ctx_addr, ctx_entry, d_iotlb, frcd_hi, irte, msi_remap, root_entry, sid_of
from .scenario import Scn


def fault_domain(s: Scn) -> None:
    """00:01.0 and 00:02.0 in domain 1 (basic_domain); the caller enables translation."""
    t = basic_domain(s)
    s.mem(RT, root_entry(CT[0]))
    for sid in (sid_of("00:01.0"), sid_of("00:02.0")):
        s.mem(ctx_addr(sid), ctx_entry(t.top, did=1))


def fault_recording() -> Scn:
    a, b = sid_of("00:01.0"), sid_of("00:02.0")
    s = Scn("fault_recording.json", "fault-recording",
            "Primary fault recording (§4, §1.8, §1.13): FRCD fields (F, T1 for reads, FR, SID, "
            "FI = page address), FSTS.FRI names the record that held the first pending fault "
            "when PPF went 0->1 and keeps it while PPF stays 1, PPF is the OR of the F bits "
            "and is not W1C, F is RW1C through the top dword or the high qword, the other "
            "fields are read-only, the internal index moves on after every record and wraps "
            "from NFR to 0, FECTL.IP stays pending while IM=1 and clears without a message "
            "once every status bit is clear.")
    fault_domain(s)
    s.init_dma()
    s.dma(a, 0x3000, True, fault=0x05, c="fault 1: write to a hole")
    s.read("FSTS", FSTS_PPF, "PPF=1, FRI=0")
    s.read("FECTL", CTL_IM | CTL_IP, "IM=1 (reset): the event is pending in IP")
    s.dma(b, 0x3008, False, fault=0x06, c="fault 2: read, another device")
    s.dma(a, 0x2000, False, fault=0x06, c="fault 3: read of a write-only page")
    s.read("FSTS", FSTS_PPF, "FRI still 0 while PPF stays 1")
    s.read("FRCD0_HI", frcd_hi(a, 0x05, True), "F, FR=05h, SID 00:01.0, write")
    s.read("FRCD0_LO", 0x3000, "FI: page address")
    s.read("FRCD1_HI", frcd_hi(b, 0x06, False), "F, T1=1 (read), FR=06h, SID 00:02.0")
    s.read("FRCD1_LO", 0x3000)
    s.read("FRCD2_HI", frcd_hi(a, 0x06, False))
    s.read("FRCD2_LO", 0x2000)
    s.read("FRCD3_HI", 0, "no fourth record")
    s.write("FSTS", FSTS_PPF, "PPF is not W1C")
    s.read("FSTS", FSTS_PPF)
    s.write("FSTS", 0xFFFF_FFFF, "W1C bits with nothing set; PPF, FRI read-only")
    s.read("FSTS", FSTS_PPF)
    s.read_off(0x60C, 4, 0x8000_0005, "FRCD0 top dword (drivers read it first)")
    s.write_off(0x60C, 4, 0x8000_0000, "clear FRCD0 through its top dword")
    s.poll("FRCD0_HI", FRCD_F, 0, "FRCD0.F=0")
    s.read("FSTS", FSTS_PPF, "FRCD1 and FRCD2 still pending")
    s.write("FRCD1_HI", FRCD_F, "clear FRCD1 through the high qword")
    s.write("FRCD2_HI", 0, "writing F=0 changes nothing")
    s.write("FRCD2_LO", 0, "FI is read-only")
    s.read("FRCD2_HI", frcd_hi(a, 0x06, False))
    s.read("FRCD2_LO", 0x2000)
    s.read("FECTL", CTL_IM | CTL_IP, "IP still pending: PPF=1")
    s.write("FRCD2_HI", FRCD_F, "clear the last record")
    s.poll("FSTS", FSTS_STATUS, 0, "PPF=0")
    s.read("FECTL", CTL_IM, "every status bit clear: IP cleared without a message")
    faults = [(a, 0x3000, True), (b, 0x1000, True), (a, 0x2000, False),
              (b, 0x3000, False), (a, 0x1_0000_0000_0000, True), (b, 0x3000, True)]
    reasons = [0x05, 0x05, 0x06, 0x06, 0x04, 0x05]
    for i, ((sid, addr, write), reason) in enumerate(zip(faults, reasons, strict=True)):
        s.dma(sid, addr, write, fault=reason, c=f"fault {4 + i}: into FRCD{(3 + i) % 8}")
    s.read("FSTS", FSTS_PPF | 3 << 8, "FRI=3: the index moved on to 3 (no reset)")
    s.read("FRCD7_HI", frcd_hi(a, 0x04, True), "FRCD7: fault 8 (04h)")
    s.read("FRCD7_LO", 0x1_0000_0000_0000)
    s.read("FRCD0_HI", frcd_hi(b, 0x05, True), "fault 9 wrapped around to FRCD0 (F was 0)")
    s.read("FRCD0_LO", 0x3000)
    s.read("FSTS", FSTS_PPF | 3 << 8, "FRI unchanged")
    for n in (3, 4, 5, 6, 7, 0):
        s.write(f"FRCD{n}_HI", FRCD_F, f"service loop from FRI: clear FRCD{n}"
                if n == 3 else None)
    s.poll("FSTS", FSTS_STATUS, 0, "all records serviced")
    s.dma(a, 0x3000, True, fault=0x05, c="fault 10: the index is at 1")
    s.read("FSTS", FSTS_PPF | 1 << 8, "FRI=1")
    s.read("FRCD1_HI", frcd_hi(a, 0x05, True))
    s.write("FRCD1_HI", FRCD_F)
    s.poll("FSTS", FSTS_STATUS, 0)
    return s


def fault_overflow() -> Scn:
    a = sid_of("00:01.0")
    s = Scn("fault_overflow.json", "fault-overflow",
            "Fault record overflow (§4 steps 1-4, P4, P9) with 4 records (NFR=3): a fault "
            "that finds FRCD[index].F=1 sets PFO and is dropped, with no event; while PFO=1 "
            "nothing is recorded even into free records; clearing PFO resumes recording at "
            "the current index, and the next PPF 0->1 raises an event again; PFO cleared "
            "while records are pending lets the next fault into the free record at the "
            "index without an event; with IM=1 a pending event stays pending until PFO is "
            "cleared too. No fault compression (P4): the same SID and address are recorded "
            "every time. Event address = FEUADDR:FEADDR.", dict(NFR=3))
    fault_domain(s)
    s.write("FEDATA", FEDATA)
    s.write("FEADDR", FEADDR)
    s.write("FEUADDR", 0x100, "upper address (x2APIC destination bits 31:8)")
    s.write("FECTL", 0, "IM=0")
    s.init_dma()
    ev = ((0x100 << 32 | FEADDR, FEDATA),)
    s.dma(a, 0x3000, True, fault=0x05, c="FRCD0; PPF 0->1", events=ev)
    s.dma(a, 0x3000, True, fault=0x05, c="FRCD1, same SID and page: no compression (P4)")
    s.write("FRCD0_HI", FRCD_F)
    s.write("FRCD1_HI", FRCD_F)
    s.poll("FSTS", FSTS_STATUS, 0, "index is now 2")
    s.dma(a, 0x3000, True, fault=0x05, c="FRCD2; PPF 0->1", events=ev)
    s.dma(a, 0x3000, False, fault=0x06, c="FRCD3")
    s.dma(a, 0x2000, False, fault=0x06, c="FRCD0 (wrapped)")
    s.dma(a, 0x1000, True, fault=0x05, c="FRCD1: all four records full")
    s.read("FSTS", FSTS_PPF | 2 << 8, "FRI=2")
    s.dma(a, 0x3000, True, fault=0x05, c="FRCD2.F=1: overflow, dropped, no event")
    s.read("FSTS", FSTS_PPF | FSTS_PFO | 2 << 8, "PFO=1")
    s.read("FECTL", 0, "no pending event either")
    s.read("FRCD2_HI", frcd_hi(a, 0x05, True), "FRCD2 still holds the older fault")
    s.read("FRCD2_LO", 0x3000)
    s.read("FRCD1_HI", frcd_hi(a, 0x05, True))
    s.read("FRCD1_LO", 0x1000)
    s.write("FRCD2_HI", FRCD_F, "free FRCD2 (service starts at FRI)")
    s.dma(a, 0x2000, False, fault=0x06, c="PFO=1: not recorded although FRCD2 is free")
    s.poll("FRCD2_HI", FRCD_F, 0, "FRCD2 stays free")
    s.read("FSTS", FSTS_PPF | FSTS_PFO | 2 << 8)
    s.write("FRCD3_HI", FRCD_F)
    s.write("FRCD0_HI", FRCD_F)
    s.write("FRCD1_HI", FRCD_F)
    s.poll("FSTS", FSTS_STATUS, FSTS_PFO, "PPF=0, PFO still 1")
    s.dma(a, 0x3000, True, fault=0x05, c="still dropped while PFO=1")
    s.poll("FSTS", FSTS_STATUS, FSTS_PFO)
    s.write("FSTS", 0, "writing 0 to PFO keeps it")
    s.poll("FSTS", FSTS_STATUS, FSTS_PFO)
    s.write("FSTS", FSTS_PFO, "clear PFO (RW1CS)")
    s.poll("FSTS", FSTS_STATUS, 0)
    s.dma(a, 0x1000, True, fault=0x05, c="recorded at the current index, 2; PPF 0->1 with "
          "nothing else set raises the event (P9)", events=ev)
    s.read("FSTS", FSTS_PPF | 2 << 8, "FRI=2")
    s.read("FRCD2_HI", frcd_hi(a, 0x05, True))
    s.read("FRCD2_LO", 0x1000)
    s.write("FRCD2_HI", FRCD_F)
    s.poll("FSTS", FSTS_STATUS, 0)
    # PFO cleared while records are still pending
    s.dma(a, 0x3000, True, fault=0x05, c="FRCD3; PPF 0->1", events=ev)
    s.dma(a, 0x3000, True, fault=0x05, c="FRCD0")
    s.dma(a, 0x3000, True, fault=0x05, c="FRCD1")
    s.dma(a, 0x3000, True, fault=0x05, c="FRCD2")
    s.dma(a, 0x2000, False, fault=0x06, c="FRCD3.F=1: overflow")
    s.read("FSTS", FSTS_PPF | FSTS_PFO | 3 << 8)
    s.write("FRCD3_HI", FRCD_F, "free FRCD3 only")
    s.write("FSTS", FSTS_PFO, "clear PFO while FRCD0-2 are pending")
    s.read("FSTS", FSTS_PPF | 3 << 8, "PPF=1, PFO=0, FRI unchanged")
    s.dma(a, 0x1000, True, fault=0x05, c="recorded in FRCD3 (the index did not move on the "
          "overflow); PPF was already 1: no event, FRI stays 3")
    s.read("FSTS", FSTS_PPF | 3 << 8)
    s.read("FRCD3_HI", frcd_hi(a, 0x05, True))
    s.read("FRCD3_LO", 0x1000)
    for n in (0, 1, 2, 3):
        s.write(f"FRCD{n}_HI", FRCD_F)
    s.poll("FSTS", FSTS_STATUS, 0)
    # masked: PFO keeps a pending event pending
    s.write("FECTL", CTL_IM, "IM=1")
    for n in (0, 1, 2, 3):
        s.dma(a, 0x3000, True, fault=0x05, c=f"FRCD{n}")
    s.dma(a, 0x3000, True, fault=0x05, c="overflow")
    s.read("FECTL", CTL_IM | CTL_IP, "the PPF event is pending")
    for n in (0, 1, 2, 3):
        s.write(f"FRCD{n}_HI", FRCD_F)
    s.poll("FSTS", FSTS_STATUS, FSTS_PFO, "PPF=0 but PFO=1")
    s.read("FECTL", CTL_IM | CTL_IP, "not every status bit is clear: IP stays")
    s.write("FSTS", FSTS_PFO, "clear PFO: now every status bit is clear")
    s.read("FECTL", CTL_IM, "IP cleared without a message")
    s.write("FECTL", 0, "unmask: nothing to send")
    return s


def fault_event_masking() -> Scn:
    a = sid_of("00:01.0")
    s = Scn("fault_event_masking.json", "fault-event-masking",
            "The fault event (§4 event logic, §1.9, P9): with IM=1 the event waits in "
            "FECTL.IP and unmasking sends it; with IM=0 it is sent at once; a second fault "
            "while PPF=1 raises no event; clearing every status bit clears a pending IP "
            "without a message; unmasking with IP=0 sends nothing. FSTS.IQE (§6.4) uses the "
            "same logic: no event while PPF is set, an event when nothing else is pending, "
            "and it is cleared like the fault bits.")
    fault_domain(s)
    ev = ((FEADDR, FEDATA),)
    s.write("FEDATA", FEDATA, "event message: data 0x51")
    s.write("FEADDR", FEADDR, "address 0xFEE01000")
    s.write("FEUADDR", 0)
    s.read("FECTL", CTL_IM, "IM=1 after reset")
    s.init_dma()
    s.dma(a, 0x3000, True, fault=0x05, c="FRCD0; PPF 0->1 with IM=1")
    s.read("FECTL", CTL_IM | CTL_IP, "IP=1: pending, no message")
    s.dma(a, 0x3000, False, fault=0x06, c="FRCD1; PPF already 1")
    s.read("FECTL", CTL_IM | CTL_IP)
    s.write("FECTL", 0, "unmask with IP=1: the message goes out, IP clears", events=ev)
    s.read("FECTL", 0)
    s.write("FRCD0_HI", FRCD_F)
    s.write("FRCD1_HI", FRCD_F)
    s.poll("FSTS", FSTS_STATUS, 0)
    s.dma(a, 0x3000, True, fault=0x05, c="FRCD2; IM=0: sent at once", events=ev)
    s.read("FECTL", 0)
    s.dma(a, 0x1000, True, fault=0x05, c="FRCD3; PPF already 1: no event")
    s.write("FRCD2_HI", FRCD_F)
    s.write("FRCD3_HI", FRCD_F)
    s.poll("FSTS", FSTS_STATUS, 0)
    s.write("FECTL", CTL_IM, "mask again")
    s.dma(a, 0x3000, True, fault=0x05, c="FRCD4; pending")
    s.read("FECTL", CTL_IM | CTL_IP)
    s.write("FRCD4_HI", FRCD_F, "software clears every status bit: IP clears, no message")
    s.read("FECTL", CTL_IM)
    s.write("FECTL", 0, "unmask with IP=0: nothing to send")
    s.read("FECTL", 0)
    # IQE shares the event logic
    s.qie(True)
    s.dma(a, 0x3000, True, fault=0x05, c="FRCD5; IM=0", events=ev)
    bad = [0x2 | 1 << 4, 1 << 7]  # iotlb_inv_dsc, global, qw1 bit 7 reserved
    s.mwrite(IQ, bad + s.next_wait(), "a descriptor with a reserved bit, then a wait")
    s.write("IQT", 0x20, "IQE while PPF=1: no event (P9)")
    s.read("FSTS", FSTS_IQE | FSTS_PPF | 5 << 8, "IQE=1, PPF=1, FRI=5")
    s.read("IQH", 0x0, "IQH stays on the bad descriptor")
    s.mwrite(IQ, d_iotlb(G_GLOBAL), "software fixes the descriptor")
    s.write("FSTS", FSTS_IQE, "clear IQE: fetching resumes")
    s.poll_mem(STATUS, 0xFFFF_FFFF, s.status_seq, "the wait completed")
    s.read("IQH", 0x20)
    s.write("FRCD5_HI", FRCD_F)
    s.poll("FSTS", FSTS_STATUS, 0)
    s.mwrite(IQ + 0x20, bad + s.next_wait(), "the same bad descriptor again")
    s.write("IQT", 0x40, "IQE with nothing else pending: event (IM=0)", events=ev)
    s.poll("FSTS", FSTS_STATUS, FSTS_IQE)
    s.read("IQH", 0x20)
    s.mwrite(IQ + 0x20, d_iotlb(G_GLOBAL))
    s.write("FSTS", FSTS_IQE)
    s.poll_mem(STATUS, 0xFFFF_FFFF, s.status_seq)
    s.write("FECTL", CTL_IM, "mask")
    s.mwrite(IQ + 0x40, bad + s.next_wait(), "and once more, masked")
    s.write("IQT", 0x60)
    s.read("FECTL", CTL_IM | CTL_IP, "pending")
    s.mwrite(IQ + 0x40, d_iotlb(G_GLOBAL))
    s.write("FSTS", FSTS_IQE, "clearing IQE clears every status bit: IP clears, no message")
    s.read("FECTL", CTL_IM)
    s.poll_mem(STATUS, 0xFFFF_FFFF, s.status_seq)
    s.iq_tail = 6
    return s


def fault_index_reset() -> Scn:
    a = sid_of("00:01.0")
    s = Scn("fault_index_reset.json", "fault-index-reset",
            "The internal fault index resets to 0 only when TES=0 and IRES=0 (P5, §4): "
            "disabling translation while interrupt remapping stays on keeps it.")
    fault_domain(s)
    s.mem(IRT, irte(0x30, 1))  # IRTE 0 present; IRTE 1 not present
    s.init_dma()
    s.dma_fault(a, 0x3000, True, 0x05, c="FRCD0")
    s.dma_fault(a, 0x3000, True, 0x05, c="FRCD1")
    s.te(False)
    s.te(True)
    s.dma_fault(a, 0x3000, True, 0x05, c="TES went 0 with IRES=0: index reset, FRCD0 again")
    s.qie(True)
    s.init_ir()
    s.dma_fault(a, 0x3000, True, 0x05, c="FRCD1")
    s.te(False)
    s.msi_fault(a, msi_remap(1), 0, 0x22, 1, c="TES=0 but IRES=1: no reset, FRCD2 (22h)")
    s.ire(False)
    s.te(True)
    s.dma_fault(a, 0x3000, True, 0x05, c="TES=0 and IRES=0 happened: FRCD0")
    return s
