"""Invalidation queue error scenarios (§6.4, §1.11 IQEI) and the error-case step pattern
they share with the register-invalidation family."""

from __future__ import annotations

from .constants import (
    CTL_IM,
    CTL_IP,
    FSTS_IQE,
    FSTS_STATUS,
    G_DEVICE,
    G_GLOBAL,
    GCMD_QIE,
    GSTS_QIES,
    IQ,
    STATUS,
)
from .encoding import d_cc, d_iec, d_iotlb, d_wait
from .scenario import Scn


def qi_error_case(s: Scn, bad: list[int], iqei: int | None, fix: list[int], c: str) -> None:
    """[wait SW (X), bad, wait SW (Y)] at the tail: X completes, IQE stops the queue on the
    bad slot (IQH stays there, Y is not written), software rewrites the slot and clears IQE,
    then Y completes (§6.4)."""
    start = s.iq_tail
    sx = STATUS + 0x10 * start
    sy = sx + 8
    before = s.next_wait(sx)
    x = s.status_seq
    after = s.next_wait(sy)
    y = s.status_seq
    s.mwrite(IQ + 16 * start, before + bad + after, c)
    s.iq_tail = (start + 3) % s.iq_entries
    s.write("IQT", 16 * s.iq_tail)
    s.poll("FSTS", FSTS_STATUS, FSTS_IQE, "FSTS.IQE=1")
    if iqei is not None:
        s.read("IQERCD", iqei, f"IQEI={iqei}")
    s.read("IQH", 16 * (start + 1), "IQH stays on the bad descriptor")
    s.mread(sx, [x, 0], "the wait before it completed; the one after did not")
    s.mwrite(IQ + 16 * (start + 1), fix, "software replaces the bad descriptor")
    s.write("FSTS", FSTS_IQE, "clear IQE: fetching resumes at IQH")
    s.poll_mem(sy, 0xFFFF_FFFF, y, "the rest of the batch completes")
    s.read("IQH", 16 * s.iq_tail)
    s.poll("FSTS", FSTS_STATUS, 0)


def qi_errors() -> Scn:
    s = Scn("qi_errors.json", "qi-errors",
            "Invalidation queue errors from bad descriptors (§2.7, §6.4, §1.11 IQEI, P12): "
            "types the legacy mode does not have (0h, 3h without DT, 6h, and a type using "
            "qw0 bits 11:9) give IQEI=3; reserved bits give IQEI=4 (cc qw1, iotlb qw0 bit "
            "32 and qw1 bit 7, iec qw0 bit 5, wait qw0 bit 8 and a status address with bits "
            "1:0 set); G=00 in cc/iotlb and an iotlb PSI with AM > MAMV also stop the queue "
            "(IQEI not compared). In every case the descriptors before the bad one complete, "
            "IQH stays on it, a tail write does nothing while IQE=1, and after software "
            "replaces it and clears IQE the queue runs on. The first error raises the fault "
            "event (pending: IM=1).")
    s.qie(True)
    # first case written out, with the extra checks
    s.mwrite(IQ, s.next_wait() + [0, 0], "a wait, then type 0h")
    s.write("IQT", 0x20)
    s.poll("FSTS", FSTS_STATUS, FSTS_IQE, "IQE")
    s.read("FECTL", CTL_IM | CTL_IP, "the fault event is pending (P9: nothing else was set)")
    s.read("IQERCD", 3, "IQEI=3: bad descriptor type")
    s.read("IQH", 0x10)
    s.poll_mem(STATUS, 0xFFFF_FFFF, s.status_seq, "the wait before it completed")
    s.mwrite(IQ + 0x20, s.next_wait(STATUS + 8), "one more wait")
    s.write("IQT", 0x30, "tail writes do nothing while IQE=1")
    s.read("IQH", 0x10)
    s.mread(STATUS + 8, [0], "not done")
    s.mwrite(IQ + 0x10, d_cc(G_GLOBAL), "replace the bad descriptor")
    s.write("FSTS", FSTS_IQE, "clear IQE")
    s.poll_mem(STATUS + 8, 0xFFFF_FFFF, s.status_seq)
    s.read("IQH", 0x30)
    s.read("FECTL", CTL_IM, "IP cleared with the last status bit, no message")
    s.iq_tail = 3
    cc, iotlb = d_cc(G_GLOBAL), d_iotlb(G_GLOBAL)
    qi_error_case(s, [0x3, 0], 3, iotlb, "type 3h (dev-TLB) needs ECAP.DT")
    qi_error_case(s, [0x6 | 2 << 4, 0], 3, iotlb, "type 6h (p_iotlb, scalable mode)")
    qi_error_case(s, [0x1 | 1 << 9 | 1 << 4, 0], 3, cc,
                  "type 11h: qw0 bits 11:9 are the high type bits")
    qi_error_case(s, [d_cc(G_GLOBAL)[0], 1], 4, cc, "cc_inv_dsc with qw1 bit 0 set")
    qi_error_case(s, [d_iotlb(G_GLOBAL)[0] | 1 << 32, 0], 4, iotlb, "iotlb qw0 bit 32")
    qi_error_case(s, [d_iotlb(G_GLOBAL)[0], 1 << 7], 4, iotlb, "iotlb qw1 bit 7")
    qi_error_case(s, [d_iec(0)[0] | 1 << 5, 0], 4, d_iec(0), "iec_inv_dsc qw0 bit 5")
    qi_error_case(s, [0x5 | 1 << 8, 0], 4, d_wait(), "inv_wait_dsc qw0 bit 8")
    qi_error_case(s, [0x5 | 1 << 5 | 0x99 << 32, STATUS + 0xF01], 4, d_wait(),
                  "inv_wait_dsc status address with bit 0 set")
    qi_error_case(s, d_cc(0), None, cc, "cc_inv_dsc with G=00")
    qi_error_case(s, d_iotlb(0), None, iotlb, "iotlb_inv_dsc with G=00")
    qi_error_case(s, d_iotlb(G_DEVICE, did=1, am=19), None, iotlb,
                  "iotlb PSI with AM=19 > MAMV=18 (P12)")
    return s


def qi_errors_queue() -> Scn:
    s = Scn("qi_errors_queue.json", "qi-errors-queue",
            "Invalidation queue errors from the queue itself (§1.11, §6.4): a tail beyond the "
            "queue (IQT index 256 with 256 entries) gives IQEI=1, IQH does not move; software "
            "writes a good tail while IQE=1 (nothing happens) and clears IQE, then the queue "
            "runs. A bus error fetching a descriptor (memory_errors) gives IQEI=2 with IQH on "
            "that slot, after the earlier descriptors completed; tail writes do nothing "
            "afterwards.")
    s.bus_error(IQ + 0x50, 16)
    s.qie(True)
    s.mwrite(IQ, d_cc(G_GLOBAL) + s.next_wait(), "two descriptors in slots 0 and 1")
    s.write("IQT", 0x1000, "tail index 256: beyond the 256-entry queue")
    s.poll("FSTS", FSTS_STATUS, FSTS_IQE, "IQE")
    s.read("IQERCD", 1, "IQEI=1: bad tail")
    s.read("IQH", 0, "nothing fetched")
    s.mread(STATUS, [0])
    s.write("IQT", 0x20, "the right tail (IQE still set: no fetching yet)")
    s.read("IQH", 0)
    s.write("FSTS", FSTS_IQE, "clear IQE")
    s.poll_mem(STATUS, 0xFFFF_FFFF, s.status_seq, "slots 0 and 1 done")
    s.read("IQH", 0x20)
    s.poll("FSTS", FSTS_STATUS, 0)
    s.mwrite(IQ + 0x20, d_iotlb(G_GLOBAL) + s.next_wait(STATUS + 8)
             + d_cc(G_GLOBAL) + d_wait(sw=1, data=0x5555, addr=STATUS + 16),
             "slots 2-5; slot 5 sits on a bus error")
    s.write("IQT", 0x60)
    s.poll("FSTS", FSTS_STATUS, FSTS_IQE, "IQE")
    s.read("IQERCD", 2, "IQEI=2: fetch error")
    s.read("IQH", 0x50, "IQH on the slot that could not be fetched")
    s.poll_mem(STATUS + 8, 0xFFFF_FFFF, s.status_seq, "slots 2-4 completed")
    s.mread(STATUS + 16, [0], "slot 5's wait never ran")
    s.write("IQT", 0x70)
    s.read("IQH", 0x50, "tail writes do nothing while IQE=1")
    return s


def qi_error_dw() -> Scn:
    s = Scn("qi_error_dw.json", "qi-error-dw",
            "IQA.DW=1 (256-bit descriptors) is legal only with SMTS or ADMS (§1.11), both 0 "
            "here (P1): once descriptors are queued the unit reports IQE with IQEI=5 and "
            "fetches nothing.")
    s.write("IQT", 0)
    s.write("IQA", IQ | 1 << 11, "IQA with DW=1")
    s.gcmd(GCMD_QIE, GSTS_QIES, True, "GCMD.QIE=1")
    s.mwrite(IQ, d_wait(sw=1, data=1, addr=STATUS) + [0, 0], "one 256-bit wait descriptor")
    s.write("IQT", 0x20, "tail = 1 descriptor of 32 bytes")
    s.poll("FSTS", FSTS_STATUS, FSTS_IQE, "IQE")
    s.read("IQERCD", 5, "IQEI=5: DW not allowed in this mode")
    s.read("IQH", 0)
    s.mread(STATUS, [0], "nothing ran")
    return s
