"""Generate the directed scenario suite ``tests/scenarios/*.json`` (``vtd-scenario/1``).

Every expected value below is derived from ``vtd-spec-digest.md`` (section numbers and decisions
P1-P17 are cited next to the steps), with encoders written here from the digest's bit tables:
this script deliberately imports nothing from ``python_model`` so that the suite checks the
golden model (and the RTL) instead of restating them.

Conventions kept by every scenario (so that each ``expect`` is deterministic, see §6.6):
  * the unit is CM=0 (P1): a not-present -> present change needs no invalidation; every other
    change to a structure the unit may have cached is followed by the invalidation §6 asks for;
  * a step whose comment contains ``[event 0xADDR 0xDATA]`` is where the unit must send that
    event message (fault or invalidation-completion event); every other step sends none
    (``tests/test_scenario_suite.py`` checks this against the results file);
  * faults are serviced like a driver does (§4): read FSTS, FRCD[n] (top qword first), clear F.

Regenerate with ``python tools/gen_scenarios.py`` (writes tests/scenarios/); ``--check`` only
compares the files on disk with what would be written.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

OUT_DIR = Path(__file__).resolve().parent.parent / "tests" / "scenarios"

# --------------------------------------------------------------------------- default unit
# python_model/config.py defaults (the scenario ``config`` may override them).
DEFAULT_CONFIG = dict(HAW=48, MGAW=48, SAGAW=0b0110, SLLPS=0b11, ND=2, NFR=7, PSI=1, MAMV=18,
                      QI=1, IR=1, EIM=1, PT=1, C=1, MHMV=15)

# --------------------------------------------------------------------------- memory plan
RT = 0x10_0000  # root table
CT = {bus: 0x10_1000 + 0x1000 * bus for bus in range(8)}  # context table of bus b
IRT = 0x30_0000  # interrupt remapping table
IQ = 0x40_0000  # invalidation queue (QS=0: 256 x 16 B)
STATUS = 0x50_0000  # wait-descriptor status words
FEADDR, FEDATA = 0xFEE0_1000, 0x51  # fault event message (§1.9)
IEADDR, IEDATA = 0xFEE0_2000, 0x61  # invalidation completion event message (§1.11)

# --------------------------------------------------------------------------- register bits
GSTS_TES, GSTS_RTPS, GSTS_QIES, GSTS_IRES, GSTS_IRTPS, GSTS_CFIS = (
    1 << 31, 1 << 30, 1 << 26, 1 << 25, 1 << 24, 1 << 23)
GCMD_TE, GCMD_SRTP, GCMD_QIE, GCMD_IRE, GCMD_SIRTP, GCMD_CFI = (
    1 << 31, 1 << 30, 1 << 26, 1 << 25, 1 << 24, 1 << 23)
GCMD_PRESERVE = 0x96FF_FFFF  # §1.4: GSTS with the one-shot bits masked off
FSTS_PFO, FSTS_PPF, FSTS_IQE = 1 << 0, 1 << 1, 1 << 4
FSTS_STATUS = 0xFF  # FRI (15:8) is undefined while PPF=0 (§1.8): compare bits 7:0 only
CTL_IM, CTL_IP = 1 << 31, 1 << 30
FRCD_F = 1 << 63
CCMD_ICC = 1 << 63
IOTLB_IVT = 1 << 63
G_GLOBAL, G_DOMAIN, G_DEVICE = 1, 2, 3


def ccmd(cirg: int, did: int = 0, sid: int = 0, fm: int = 0) -> int:
    """§1.6: ICC 63, CIRG 62:61, FM 33:32, SID 31:16, DID 15:0."""
    return CCMD_ICC | cirg << 61 | fm << 32 | sid << 16 | did


def ccmd_done(cirg: int, did: int = 0) -> int:
    """CCMD after completion: ICC=0, CIRG and DID kept (RW), CAIG (60:59) = CIRG."""
    return cirg << 61 | cirg << 59 | did


CCMD_CHECK_MASK = 0xF800_0000_0000_FFFF  # ICC, CIRG, CAIG, DID (SID/FM are write-only)


def iotlb_cmd(iirg: int, did: int = 0) -> int:
    """§1.7: IVT 63, IIRG 61:60, DID 47:32."""
    return IOTLB_IVT | iirg << 60 | did << 32


def iotlb_done(iirg: int, iaig: int, did: int = 0) -> int:
    """IOTLB_REG after completion: IVT=0, IIRG and DID kept, IAIG (58:57)."""
    return iirg << 60 | iaig << 57 | did << 32


def iva(addr: int, am: int = 0, ih: int = 0) -> int:
    """§1.7: ADDR 63:12, IH 6, AM 5:0."""
    return addr | ih << 6 | am


# --------------------------------------------------------------------------- structures (§2)
def root_entry(ctp: int, p: int = 1, lo_extra: int = 0, hi: int = 0) -> list[int]:
    """§2.1: P 0, CTP 63:12; 11:1 and 127:64 reserved."""
    return [ctp | p | lo_extra, hi]


def ctx_entry(slptptr: int, did: int, aw: int = 2, tt: int = 0, fpd: int = 0, p: int = 1,
              lo_extra: int = 0, hi_extra: int = 0) -> list[int]:
    """§2.2: P 0, FPD 1, TT 3:2, SLPTPTR 63:12 | AW 66:64, DID 87:72."""
    return [slptptr | tt << 2 | fpd << 1 | p | lo_extra, aw | did << 8 | hi_extra]


def sle(addr: int, r: int = 1, w: int = 1, ps: int = 0, extra: int = 0) -> int:
    """§2.4: R 0, W 1, PS 7, address HAW-1:12."""
    return addr | r | w << 1 | ps << 7 | extra


def irte(vector: int = 0, dest: int = 0, *, eime: bool = False, p: int = 1, fpd: int = 0,
         dm: int = 0, rh: int = 0, tm: int = 0, dlm: int = 0, sid: int = 0, sq: int = 0,
         svt: int = 0, lo_extra: int = 0, hi_extra: int = 0) -> list[int]:
    """§2.5 remapped IRTE: P 0, FPD 1, DM 2, RH 3, TM 4, DLM 7:5, V 23:16, DST 63:32
    (xAPIC: APIC ID in 47:40) | SID 79:64, SQ 81:80, SVT 83:82."""
    dst = dest if eime else dest << 8
    lo = p | fpd << 1 | dm << 2 | rh << 3 | tm << 4 | dlm << 5 | vector << 16 | dst << 32
    return [lo | lo_extra, sid | sq << 16 | svt << 18 | hi_extra]


def msi_remap(handle: int, shv: int = 0) -> int:
    """§5 remappable address: FEEh 31:20, handle[14:0] 19:5, 1 in bit 4, SHV 3, handle[15] 2."""
    return 0xFEE0_0000 | (handle & 0x7FFF) << 5 | 1 << 4 | shv << 3 | (handle >> 15) << 2


def msi_compat(dest: int, rh: int = 0, dm: int = 0) -> int:
    """§5 compatibility address: dest 19:12, RH 3, DM 2 (bit 4 = 0)."""
    return 0xFEE0_0000 | dest << 12 | rh << 3 | dm << 2


def intr(vector: int, dest: int, dm: int = 0, dlm: int = 0, tm: int = 0, rh: int = 0) -> dict:
    """Expected msi result of a delivered interrupt (P15)."""
    return {"status": "ok", "vector": hx(vector), "dest": hx(dest), "dest_mode": dm,
            "delivery_mode": dlm, "trigger_mode": tm, "redirection_hint": rh}


# --------------------------------------------------------------------------- descriptors (§2.7)
def d_cc(g: int, did: int = 0, sid: int = 0, fm: int = 0) -> list[int]:
    return [0x1 | g << 4 | did << 16 | sid << 32 | fm << 48, 0]


def d_iotlb(g: int, did: int = 0, addr: int = 0, am: int = 0, ih: int = 0, dr: int = 0,
            dw: int = 0) -> list[int]:
    return [0x2 | g << 4 | dw << 6 | dr << 7 | did << 16, addr | ih << 6 | am]


def d_iec(g: int, iidx: int = 0, im: int = 0) -> list[int]:
    return [0x4 | g << 4 | im << 27 | iidx << 32, 0]


def d_wait(sw: int = 0, iflag: int = 0, fn: int = 0, data: int = 0, addr: int = 0) -> list[int]:
    return [0x5 | iflag << 4 | sw << 5 | fn << 6 | data << 32, addr]


def hx(v: int) -> str:
    return f"{v:#x}"


def pci(sid: int) -> str:
    return f"{sid >> 8:02x}:{sid >> 3 & 0x1F:02x}.{sid & 7}"


def sid_of(text: str) -> int:
    bus, rest = text.split(":")
    dev, fn = rest.split(".")
    return int(bus, 16) << 8 | int(dev, 16) << 3 | int(fn)


# --------------------------------------------------------------------------- page tables
class Tables:
    """A second-level table tree for one domain, written into a Scn's initial memory."""

    def __init__(self, scn: Scn, top: int, levels: int) -> None:
        self.scn = scn
        self.top = top
        self.levels = levels
        self.next_table: dict[tuple[int, int], int] = {}  # (table, index) -> next table

    @staticmethod
    def index(iova: int, level: int) -> int:
        return iova >> (12 + 9 * (level - 1)) & 0x1FF

    def table_at(self, iova: int, level: int) -> int:
        """Address of the level-``level`` table on the path of ``iova`` (allocating tables
        and R=W=1 pointers above it as needed)."""
        table = self.top
        for lvl in range(self.levels, level, -1):
            key = (table, self.index(iova, lvl))
            if key not in self.next_table:
                nxt = self.scn.alloc()
                self.next_table[key] = nxt
                self.scn.mem(table + 8 * key[1], [sle(nxt)])
            table = self.next_table[key]
        return table

    def entry_addr(self, iova: int, level: int) -> int:
        return self.table_at(iova, level) + 8 * self.index(iova, level)

    def map(self, iova: int, hpa: int, r: int = 1, w: int = 1, level: int = 1,
            extra: int = 0) -> int:
        """A leaf at ``level`` (1: 4 KB PTE, 2: 2 MB PDE, 3: 1 GB PDPE)."""
        addr = self.entry_addr(iova, level)
        self.scn.mem(addr, [sle(hpa, r, w, ps=int(level > 1), extra=extra)])
        return addr

    def set(self, iova: int, level: int, value: int) -> int:
        """A raw entry (pointer or leaf) at ``level``."""
        addr = self.entry_addr(iova, level)
        self.scn.mem(addr, [value])
        return addr

    def link(self, iova: int, level: int, table: int, r: int = 1, w: int = 1,
             extra: int = 0) -> int:
        """Make the level-``level`` entry of ``iova`` point at ``table`` (a pointer entry)."""
        addr = self.entry_addr(iova, level)
        self.scn.mem(addr, [sle(table, r, w, extra=extra)])
        self.next_table[(addr & ~0xFFF, self.index(iova, level))] = table
        return addr


# --------------------------------------------------------------------------- scenario builder
class Scn:
    def __init__(self, file: str, name: str, description: str, config: dict | None = None):
        self.file = file
        self.name = name
        self.description = description
        self.config = dict(config or {})
        self.cfg = {**DEFAULT_CONFIG, **self.config}
        self.nrec = self.cfg["NFR"] + 1
        self.memory: dict[int, int] = {}
        self._mem_calls: list[tuple[int, int]] = []  # (addr, qwords): one line each
        self.errors: list[dict] = []
        self.steps: list[dict] = []
        self._next_page = 0x20_0000
        # driver-side view of the unit
        self.gsts = 0
        self.frcd_next = 0  # §4 internal index
        self.iq_tail = 0  # in descriptors
        self.iq_entries = 256
        self.status_seq = 0

    # ---- memory
    def alloc(self) -> int:
        page = self._next_page
        self._next_page += 0x1000
        return page

    def mem(self, addr: int, qwords: list[int]) -> None:
        """Initial memory; one ``memory`` run (one line) per call, i.e. per structure."""
        for i, q in enumerate(qwords):
            self.memory[addr + 8 * i] = q
        self._mem_calls.append((addr, len(qwords)))

    def bus_error(self, addr: int, size: int, access: str = "read") -> None:
        self.errors.append({"addr": hx(addr), "size": hx(size), "access": access})

    def tables(self, levels: int = 4, top: int | None = None) -> Tables:
        return Tables(self, top if top is not None else self.alloc(), levels)

    # ---- raw steps
    def add(self, step: dict, expect: dict | None = None, c: str | None = None,
            events: tuple = ()) -> None:
        if expect is not None:
            step["expect"] = expect
        notes = [c] if c else []
        notes += [f"[event {hx(a)} {hx(d)}]" for a, d in events]
        if notes:
            step["comment"] = " ".join(notes)
        self.steps.append(step)

    def write(self, reg: str, value: int, c: str | None = None, events: tuple = ()) -> None:
        self.add({"op": "reg_write", "reg": reg, "value": hx(value)}, c=c, events=events)

    def write_off(self, offset: int, size: int, value: int, c: str | None = None) -> None:
        self.add({"op": "reg_write", "offset": hx(offset), "size": size, "value": hx(value)},
                 c=c)

    def read(self, reg: str, value: int | None = None, c: str | None = None) -> None:
        self.add({"op": "reg_read", "reg": reg},
                 None if value is None else {"value": hx(value)}, c)

    def read_off(self, offset: int, size: int, value: int, c: str | None = None) -> None:
        self.add({"op": "reg_read", "offset": hx(offset), "size": size}, {"value": hx(value)}, c)

    def poll(self, reg: str, mask: int, value: int, c: str | None = None) -> None:
        """Wait for (reg & mask) == value; the expect makes a time-out a failure."""
        self.add({"op": "poll", "reg": reg, "mask": hx(mask), "value": hx(value)},
                 {"status": "ok"}, c)

    def poll_mem(self, addr: int, mask: int, value: int, c: str | None = None) -> None:
        self.add({"op": "poll", "addr": hx(addr), "mask": hx(mask), "value": hx(value)},
                 {"status": "ok"}, c)

    def mwrite(self, addr: int, qwords: list[int], c: str | None = None) -> None:
        self.add({"op": "mem_write", "addr": hx(addr), "qwords": [hx(q) for q in qwords]}, c=c)

    def mread(self, addr: int, qwords: list[int], c: str | None = None) -> None:
        self.add({"op": "mem_read", "addr": hx(addr), "count": len(qwords)},
                 {"qwords": [hx(q) for q in qwords]}, c)

    def dma(self, sid: int, addr: int, write: bool, *, hpa: int | None = None,
            fault: int | None = None, size: int | None = None, c: str | None = None,
            events: tuple = ()) -> None:
        step = {"op": "dma", "sid": pci(sid), "addr": hx(addr), "write": write}
        if size is not None:
            step["size"] = size
        if (hpa is None) == (fault is None):
            raise ValueError("dma: give exactly one of hpa and fault")
        expect = ({"status": "ok", "hpa": hx(hpa)} if hpa is not None
                  else {"status": "fault", "reason": hx(fault)})
        self.add(step, expect, c, events)

    def msi(self, sid: int, addr: int, data: int, *, ok: dict | None = None,
            fault: int | None = None, c: str | None = None, events: tuple = ()) -> None:
        if (ok is None) == (fault is None):
            raise ValueError("msi: give exactly one of ok and fault")
        expect = ok if ok is not None else {"status": "fault", "reason": hx(fault)}
        self.add({"op": "msi", "sid": pci(sid), "addr": hx(addr), "data": hx(data)}, expect, c,
                 events)

    # ---- GCMD/GSTS (§1.4): one field per write, (GSTS & 0x96FFFFFF) with the target changed
    def _gcmd(self, cmd: int, status: int, on: bool, c: str) -> None:
        was_active = bool(self.gsts & (GSTS_TES | GSTS_IRES))
        value = self.gsts & GCMD_PRESERVE
        value = value | cmd if on else value & ~cmd
        self.gsts = self.gsts | status if on else self.gsts & ~status
        self.write("GCMD", value, c)
        self.poll("GSTS", status, status if on else 0)
        if was_active and not self.gsts & (GSTS_TES | GSTS_IRES):
            self.frcd_next = 0  # P5: the fault index resets when TES=0 and IRES=0

    def srtp(self, rtaddr: int = RT,
             c: str = "root table pointer (§1.5), latched by SRTP") -> None:
        self.write("RTADDR", rtaddr, c)
        self._gcmd(GCMD_SRTP, GSTS_RTPS, True, "GCMD.SRTP; RTPS sets on completion")

    def te(self, on: bool = True) -> None:
        self._gcmd(GCMD_TE, GSTS_TES, on, f"GCMD.TE={int(on)}")

    def qie(self, on: bool = True) -> None:
        if on:
            self.write("IQT", 0, "software sets IQT=0 before enabling QI (§1.4)")
            self.write("IQA", IQ, "IQA: queue at 0x400000, QS=0 (256 descriptors), DW=0")
            self.iq_tail = 0
        self._gcmd(GCMD_QIE, GSTS_QIES, on, f"GCMD.QIE={int(on)}")
        if not on:
            self.iq_tail = 0

    def ire(self, on: bool = True) -> None:
        self._gcmd(GCMD_IRE, GSTS_IRES, on, f"GCMD.IRE={int(on)}")

    def cfi(self, on: bool = True) -> None:
        self._gcmd(GCMD_CFI, GSTS_CFIS, on, f"GCMD.CFI={int(on)}")

    def sirtp(self, irta: int) -> None:
        self.write("IRTA", irta, "IRTA (§1.12): table base, EIME 11, S 3:0; latched by SIRTP")
        self._gcmd(GCMD_SIRTP, GSTS_IRTPS, True, "GCMD.SIRTP; IRTPS sets on completion")

    def gsts_is(self, c: str | None = None) -> None:
        self.read("GSTS", self.gsts, c)

    # ---- register-based invalidation (§1.6, §1.7, §6.1, §6.2)
    def cc_reg(self, g: int, did: int = 0, sid: int = 0, fm: int = 0, check: bool = False,
               c: str | None = None) -> None:
        names = {1: "global", 2: f"domain DID {did}", 3: f"device {pci(sid)} FM={fm} DID {did}"}
        self.write("CCMD", ccmd(g, did, sid, fm), c or f"context-cache invalidation: {names[g]}")
        self.poll("CCMD", CCMD_ICC, 0, "hardware clears ICC when done")
        if check:
            self.poll("CCMD", CCMD_CHECK_MASK, ccmd_done(g, did),
                      f"CAIG={g:02b}: the granularity actually done")

    def iotlb_reg(self, g: int, did: int = 0, addr: int = 0, am: int = 0, ih: int = 0,
                  check: bool = False, iaig: int | None = None, c: str | None = None) -> None:
        if g == G_DEVICE:
            self.write("IVA", iva(addr, am, ih), f"IVA: ADDR {addr:#x} AM={am} IH={ih}")
        names = {1: "global", 2: f"domain DID {did}", 3: f"page-selective DID {did}"}
        self.write("IOTLB", iotlb_cmd(g, did), c or f"IOTLB invalidation: {names[g]}")
        self.poll("IOTLB", IOTLB_IVT, 0, "hardware clears IVT when done")
        if check:
            got = g if iaig is None else iaig
            self.read("IOTLB", iotlb_done(g, got, did), f"IAIG={got:02b}")

    def flush_all_reg(self) -> None:
        self.cc_reg(G_GLOBAL)
        self.iotlb_reg(G_GLOBAL)

    def init_dma(self) -> None:
        """Driver bring-up (§6.5): RTADDR, SRTP, global CC + IOTLB invalidation, TE."""
        self.srtp()
        self.cc_reg(G_GLOBAL, c="after SRTP (ESRTPS=0): global context-cache invalidation")
        self.iotlb_reg(G_GLOBAL, c="then global IOTLB invalidation (§6.5)")
        self.te(True)

    # ---- queued invalidation (§6.4)
    def submit(self, descs: list[list[int]], wait: bool = True, c: str | None = None,
               status_addr: int = STATUS, events: tuple = ()) -> None:
        """Write descriptors at the tail, [plus a SW wait], move IQT, poll the status."""
        if wait:
            self.status_seq += 1
            descs = descs + [d_wait(sw=1, data=self.status_seq, addr=status_addr)]
        start = IQ + 16 * self.iq_tail
        flat: list[int] = []
        first = start
        for d in descs:
            flat += d
            self.iq_tail = (self.iq_tail + 1) % self.iq_entries
            if self.iq_tail == 0:  # the run ends at the end of the queue page
                self.mwrite(first, flat, c)
                c = None
                flat, first = [], IQ
        if flat:
            self.mwrite(first, flat, c)
        self.write("IQT", 16 * self.iq_tail, "advance the tail", events=events)
        if wait:
            self.poll_mem(status_addr, 0xFFFF_FFFF, self.status_seq,
                          "wait descriptor's status write (SW=1) says everything before it "
                          "is done")

    def init_ir(self, s: int = 7, eime: bool = False, cfi: bool = False) -> None:
        """IRTA + SIRTP, global IEC invalidation (ESIRTPS=0, §6.5), IRE [, CFI]."""
        self.sirtp(IRT | eime << 11 | s)
        self.submit([d_iec(0)], c="global IEC invalidation after SIRTP (§6.5)")
        self.ire(True)
        if cfi:
            self.cfi(True)

    # ---- fault service (§4, §1.8, §1.13)
    def fault(self, sid: int, reason: int, fi: int | None, write: bool = True,
              check_type: bool = True, c: str | None = None) -> None:
        """The request just blocked was recorded: check FSTS, FRCD[idx], clear it."""
        n = self.frcd_next
        self.read("FSTS", FSTS_PPF | n << 8,
                  c or f"PPF=1 and FRI={n}: the fault went into FRCD{n}")
        hi = FRCD_F | reason << 32 | sid | (0 if write else 1 << 62)
        if check_type:
            self.read(f"FRCD{n}_HI", hi, f"F=1, FR={reason:#04x}, SID={pci(sid)}, "
                      f"{'T1=T2=0 (write)' if write else 'T1=1,T2=0 (read)'}")
        else:  # the type bits are not defined for this request (29h on a read)
            self.poll(f"FRCD{n}_HI", FRCD_F | 0xFF << 32 | 0xFFFF, hi & (FRCD_F | 0xFF << 32
                      | 0xFFFF), f"F=1, FR={reason:#04x}, SID={pci(sid)}")
        if fi is not None:
            self.read(f"FRCD{n}_LO", fi, f"FI={fi:#x}")
        self.write(f"FRCD{n}_HI", FRCD_F, "clear the record: F is RW1CS")
        self.poll("FSTS", FSTS_STATUS, 0, "PPF back to 0")
        self.frcd_next = (n + 1) % self.nrec

    def no_fault_recorded(self, c: str = "suppressed: nothing recorded (§3.4)") -> None:
        self.poll("FSTS", FSTS_STATUS, 0, c)

    def dma_fault(self, sid: int, addr: int, write: bool, reason: int, c: str | None = None,
                  size: int | None = None, recorded: bool = True) -> None:
        self.dma(sid, addr, write, fault=reason, size=size, c=c)
        if recorded:
            self.fault(sid, reason, addr & ~0xFFF, write)
        else:
            self.no_fault_recorded()

    def msi_fault(self, sid: int, addr: int, data: int, reason: int, index: int | None,
                  c: str | None = None, recorded: bool = True) -> None:
        """IR faults: FI[63:48] = index, T1=T2=0 (P16); FI undefined for 20h/25h."""
        self.msi(sid, addr, data, fault=reason, c=c)
        if recorded:
            self.fault(sid, reason, None if index is None else index << 48, True)
        else:
            self.no_fault_recorded()

    # ---- output
    def document(self) -> dict:
        doc: dict = {"format": "vtd-scenario/1", "name": self.name,
                     "description": self.description}
        if self.config:
            doc["config"] = self.config
        runs: list[dict] = []
        done: set[int] = set()
        for start, n in sorted(self._mem_calls):
            run: list[int] = []
            for a in range(start, start + 8 * n, 8):
                if a in done or (run and a % 0x1000 == 0):
                    if run:
                        runs.append({"addr": hx(a - 8 * len(run)), "qwords": run})
                    run = []
                if a not in done:
                    run.append(hx(self.memory[a]))
                    done.add(a)
            if run:
                runs.append({"addr": hx(start + 8 * n - 8 * len(run)), "qwords": run})
        if runs:
            doc["memory"] = runs
        if self.errors:
            doc["memory_errors"] = self.errors
        doc["steps"] = self.steps
        return doc


def render(doc: dict) -> str:
    """JSON with one memory run / step per line: diff-friendly and readable."""
    out = ["{"]
    keys = list(doc)
    for i, k in enumerate(keys):
        comma = "," if i < len(keys) - 1 else ""
        v = doc[k]
        if isinstance(v, list) and v and isinstance(v[0], dict):
            out.append(f"  {json.dumps(k)}: [")
            for j, item in enumerate(v):
                sep = "," if j < len(v) - 1 else ""
                out.append(f"    {json.dumps(item, ensure_ascii=False)}{sep}")
            out.append(f"  ]{comma}")
        else:
            out.append(f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}{comma}")
    out.append("}")
    return "\n".join(out) + "\n"


SCENARIOS: list = []


def scenario(fn):  # noqa: ANN001, ANN201 - registration decorator
    SCENARIOS.append(fn)
    return fn


# =========================================================================== registers
def cap_value(cfg: dict) -> int:
    """§1.2 CAP_REG: ND 2:0, SAGAW 12:8, MGAW 21:16 (=MGAW-1), FRO 33:24 (0x60: FRCD at 0x600),
    SLLPS 37:34, PSI 39, NFR 47:40, MAMV 53:48. P1: RWBF, PLMR, PHMR, CM, ZLR, PI ... = 0."""
    return (cfg["ND"] | cfg["SAGAW"] << 8 | (cfg["MGAW"] - 1) << 16 | 0x60 << 24
            | cfg["SLLPS"] << 34 | cfg["PSI"] << 39 | cfg["NFR"] << 40 | cfg["MAMV"] << 48)


def ecap_value(cfg: dict) -> int:
    """§1.3 ECAP_REG: C 0, QI 1, IR 3, EIM 4, PT 6, IRO 17:8 (0x50: IVA at 0x500), MHMV 23:20.
    P1: DT, SC, SMTS, ADMS, ... = 0."""
    return (cfg["C"] | cfg["QI"] << 1 | cfg["IR"] << 3 | cfg["EIM"] << 4 | cfg["PT"] << 6
            | 0x50 << 8 | cfg["MHMV"] << 20)


@scenario
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


@scenario
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


@scenario
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


# =========================================================================== GCMD / GSTS
DEV_A = sid_of("00:01.0")


def basic_domain(s: Scn, levels: int = 4) -> Tables:
    """IOVA 0x0 RW -> 0x800000, 0x1000 R -> 0x801000, 0x2000 W -> 0x802000, 0x3000 hole."""
    t = s.tables(levels)
    t.map(0x0000, 0x80_0000)
    t.map(0x1000, 0x80_1000, r=1, w=0)
    t.map(0x2000, 0x80_2000, r=0, w=1)
    return t


@scenario
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
    s.mem(CT[0] + 16 * (DEV_A & 0xFF), ctx_entry(t.top, did=1))
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


# =========================================================================== DMA translation
@scenario
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
    s.mem(CT[0] + 16 * (DEV_A & 0xFF), ctx_entry(t.top, did=1, aw=2))
    s.mem(CT[0] + 16 * (devb & 0xFF), ctx_entry(t.top, did=1, aw=2))
    s.mem(CT[1] + 16 * (devc & 0xFF), ctx_entry(t3.top, did=2, aw=1))
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


@scenario
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
        s.mem(CT[0] + 16 * (sid & 0xFF), ctx_entry(t.top, did=did, aw=aw))
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


@scenario
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
    s.mem(CT[1], ctx_entry(t4.top, did=4, aw=2))
    s.mem(CT[0] + 16 * (d5 & 0xFF), ctx_entry(t5.top, did=5, aw=3))
    s.mem(CT[0] + 16 * (d4 & 0xFF), ctx_entry(t4.top, did=4, aw=2))
    s.mem(CT[0] + 16 * (pt & 0xFF), ctx_entry(0, did=6, tt=0b10, aw=3))
    s.mem(CT[0] + 16 * (bad_ctx & 0xFF), ctx_entry(t4.top | 1 << 40, did=4, aw=2))
    s.srtp(RT | 1 << 40, c="RTADDR with bit 40 set: at or above HAW, ignored")
    s.cc_reg(G_GLOBAL)
    s.iotlb_reg(G_GLOBAL)
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


# =========================================================================== DMA faults
@scenario
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
        s.mem(CT[b], ctx_entry(t.top, did=1))  # devfn 0 of every bus: domain 1
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
    s.cc_reg(G_GLOBAL)
    s.iotlb_reg(G_GLOBAL)
    s.dma(dev[0], 0x40, True, hpa=0x80_0040, c="translating again")
    return s


@scenario
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
    s.bus_error(CT[1] + 16 * (sid_of("01:00.0") & 0xFF), 16)  # only 01:00.0's context entry
    s.mem(CT[1] + 16 * 1, ctx_entry(t.top, did=1))  # 01:00.1 is fine
    good = sid_of("00:1f.7")
    s.mem(CT[0] + 16 * (good & 0xFF), ctx_entry(t.top, did=1))
    for sid, entry, _, _ in cases:
        if entry != [0, 0]:
            s.mem(CT[0] + 16 * (sid_of(sid) & 0xFF), entry)
    s.init_dma()
    s.dma(good, 0x10, False, hpa=0x80_0010, c="00:1f.7 (devfn 255) is fine")
    for i, (sid, _, reason, c) in enumerate(cases):
        s.dma_fault(sid_of(sid), 0x1000 * (i % 3), i % 2 == 0, reason, c=c)
    s.dma_fault(sid_of("01:00.0"), 0x0, False, 0x09, c="bus error reading the context entry: "
                "09h")
    s.dma(sid_of("01:00.1"), 0x0, True, hpa=0x80_0000,
          c="the neighbouring context entry reads fine")
    return s


@scenario
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
    s.mem(CT[0] + 16 * (dev & 0xFF), ctx_entry(t.top, did=1))
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


@scenario
def dma_large_pages_sllps() -> Scn:
    s = Scn("dma_large_pages_sllps.json", "dma-large-pages-sllps",
            "CAP.SLLPS=01b (2 MB pages only): a PDE with PS=1 is a 2 MB leaf, but PS=1 in a "
            "PDPE is reserved (§2.4) and gives 0Ch.", dict(SLLPS=0b01))
    t = s.tables(4)
    t.map(0x20_0000, 0x60_0000, level=2)
    t.map(0x4000_0000, 0x8000_0000, level=3)
    s.mem(RT, root_entry(CT[0]))
    s.mem(CT[0] + 16 * (DEV_A & 0xFF), ctx_entry(t.top, did=1))
    s.init_dma()
    s.read("CAP", cap_value(s.cfg), "SLLPS=01b")
    s.dma(DEV_A, 0x21_2344, True, hpa=0x61_2344, c="2 MB leaf")
    s.dma_fault(DEV_A, 0x4000_1000, False, 0x0C, c="1 GB leaf without 1 GB support: 0Ch")
    return s


@scenario
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
    s.mem(CT[0] + 16 * (DEV_A & 0xFF), ctx_entry(t.top, did=1))
    s.mem(CT[0] + 16 * (pt & 0xFF), ctx_entry(0, did=2, tt=0b10, aw=2))
    s.mem(CT[0] + 16 * (fpd_dev & 0xFF), ctx_entry(t.top, did=1, fpd=1))
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


@scenario
def dma_passthrough() -> Scn:
    pt, pt2 = sid_of("00:02.0"), sid_of("00:02.1")
    s = Scn("dma_passthrough.json", "dma-passthrough",
            "Pass-through contexts (TT=10, AW = the largest supported AGAW, §2.2, §3.2 step "
            "9): output = input with no permission checks and SLPTPTR ignored; an input at "
            "or above 2^HAW gives 04h.")
    s.mem(RT, root_entry(CT[0]))
    s.mem(CT[0] + 16 * (pt & 0xFF), ctx_entry(0, did=2, tt=0b10, aw=2))
    s.mem(CT[0] + 16 * (pt2 & 0xFF), ctx_entry(0xFFFF_0000_0000_0000, did=2, tt=0b10, aw=2))
    s.init_dma()
    s.dma(pt, 0x1234_5678, False, hpa=0x1234_5678, c="output = input")
    s.dma(pt, 0xFFFF_FFFF_F000, True, size=4096, hpa=0xFFFF_FFFF_F000, c="top page below 2^48")
    s.dma_fault(pt, 0x1_0000_0000_0000, True, 0x04, c="2^HAW: 04h")
    s.dma_fault(pt, 0x8000_0000_0000_0000, False, 0x04, c="bit 63: 04h")
    s.dma(pt2, 0x42_0000, True, hpa=0x42_0000, c="SLPTPTR is ignored when TT=10")
    return s


@scenario
def dma_passthrough_unsupported() -> Scn:
    pt = sid_of("00:02.0")
    s = Scn("dma_passthrough_unsupported.json", "dma-passthrough-unsupported",
            "With ECAP.PT=0 a pass-through context entry (TT=10) is a programming error: "
            "03h (§2.2, §3.2 step 7).", dict(PT=0))
    s.mem(RT, root_entry(CT[0]))
    s.mem(CT[0] + 16 * (pt & 0xFF), ctx_entry(0, did=2, tt=0b10, aw=2))
    s.init_dma()
    s.read("ECAP", ecap_value(s.cfg), "PT=0")
    s.dma_fault(pt, 0x1000, False, 0x03, c="TT=10 without ECAP.PT: 03h")
    return s


@scenario
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
    s.bus_error(CT[1], 16)  # 01:00.0's context entry: 09h
    s.mem(CT[0] + 16 * (normal & 0xFF), ctx_entry(t.top, did=1))
    s.mem(CT[0] + 16 * (fpd & 0xFF), ctx_entry(t.top, did=1, fpd=1))
    cases = {  # sid -> context entry with FPD=1
        "00:03.0": ctx_entry(0, did=1, p=0, fpd=1),  # 02h
        "00:03.1": ctx_entry(t.top, did=1, fpd=1, lo_extra=0x10),  # 0Bh (P6)
        "00:03.2": ctx_entry(t.top, did=1, fpd=1, aw=3),  # 03h
    }
    for sid, e in cases.items():
        s.mem(CT[0] + 16 * (sid_of(sid) & 0xFF), e)
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


# =========================================================================== fault recording
def frcd_hi(sid: int, reason: int, write: bool) -> int:
    """§1.13: F 127, T1 126 (1 = read), FR 103:96, SID 79:64 (as the high qword)."""
    return FRCD_F | (0 if write else 1 << 62) | reason << 32 | sid


def fault_domain(s: Scn) -> None:
    """00:01.0 and 00:02.0 in domain 1 (basic_domain); translation enabled."""
    t = basic_domain(s)
    s.mem(RT, root_entry(CT[0]))
    s.mem(CT[0] + 16 * 0x08, ctx_entry(t.top, did=1))
    s.mem(CT[0] + 16 * 0x10, ctx_entry(t.top, did=1))


@scenario
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


@scenario
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


@scenario
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
    s.status_seq += 1
    bad = [0x2 | 1 << 4, 1 << 7]  # iotlb_inv_dsc, global, qw1 bit 7 reserved
    wait = d_wait(sw=1, data=s.status_seq, addr=STATUS)
    s.mwrite(IQ, bad + wait, "a descriptor with a reserved bit, then a wait")
    s.write("IQT", 0x20, "IQE while PPF=1: no event (P9)")
    s.read("FSTS", FSTS_IQE | FSTS_PPF | 5 << 8, "IQE=1, PPF=1, FRI=5")
    s.read("IQH", 0x0, "IQH stays on the bad descriptor")
    s.mwrite(IQ, d_iotlb(G_GLOBAL), "software fixes the descriptor")
    s.write("FSTS", FSTS_IQE, "clear IQE: fetching resumes")
    s.poll_mem(STATUS, 0xFFFF_FFFF, s.status_seq, "the wait completed")
    s.read("IQH", 0x20)
    s.write("FRCD5_HI", FRCD_F)
    s.poll("FSTS", FSTS_STATUS, 0)
    s.status_seq += 1
    wait = d_wait(sw=1, data=s.status_seq, addr=STATUS)
    s.mwrite(IQ + 0x20, bad + wait, "the same bad descriptor again")
    s.write("IQT", 0x40, "IQE with nothing else pending: event (IM=0)", events=ev)
    s.poll("FSTS", FSTS_STATUS, FSTS_IQE)
    s.read("IQH", 0x20)
    s.mwrite(IQ + 0x20, d_iotlb(G_GLOBAL))
    s.write("FSTS", FSTS_IQE)
    s.poll_mem(STATUS, 0xFFFF_FFFF, s.status_seq)
    s.write("FECTL", CTL_IM, "mask")
    s.status_seq += 1
    wait = d_wait(sw=1, data=s.status_seq, addr=STATUS)
    s.mwrite(IQ + 0x40, bad + wait, "and once more, masked")
    s.write("IQT", 0x60)
    s.read("FECTL", CTL_IM | CTL_IP, "pending")
    s.mwrite(IQ + 0x40, d_iotlb(G_GLOBAL))
    s.write("FSTS", FSTS_IQE, "clearing IQE clears every status bit: IP clears, no message")
    s.read("FECTL", CTL_IM)
    s.poll_mem(STATUS, 0xFFFF_FFFF, s.status_seq)
    s.iq_tail = 6
    return s


@scenario
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


# =========================================================================== register invalidation
@scenario
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
    doms = {}
    for did, hpa in ((1, 0x80_0000), (2, 0xA0_0000), (3, 0x90_0000), (4, 0xB0_0000),
                     (5, 0xC0_0000)):
        t = s.tables(4)
        t.map(0x0, hpa)
        doms[did] = t
    s.mem(RT, root_entry(CT[0]))
    s.mem(RT + 16, root_entry(CT[1]))
    for sid, did in ((A, 1), (B, 2), (C, 2), (E, 4), (F, 4), (G, 4)):
        s.mem(CT[sid >> 8] + 16 * (sid & 0xFF), ctx_entry(doms[did].top, did=did))
    s.init_dma()
    for sid, hpa in ((A, 0x80_0000), (B, 0xA0_0000), (C, 0xA0_0000), (E, 0xB0_0000),
                     (F, 0xB0_0000), (G, 0xB0_0000)):
        s.dma(sid, 0x10, False, hpa=hpa + 0x10, c="the unit may now cache these translations")
    s.mwrite(CT[0] + 16 * (A & 0xFF), ctx_entry(doms[3].top, did=3), "move 00:01.0 to domain 3")
    s.cc_reg(G_DEVICE, did=1, sid=A, check=True,
             c="device-selective: SID 00:01.0, its old DID 1")
    s.iotlb_reg(G_DOMAIN, did=1, check=True, c="domain-selective IOTLB for DID 1 (§6.1)")
    s.dma(A, 0x10, True, hpa=0x90_0010, c="00:01.0 now translates through domain 3")
    s.mwrite(CT[0] + 16 * (B & 0xFF), [0, 0], "disable 00:02.0 (P=0)")
    s.write("CCMD", ccmd(G_DOMAIN, did=0x102),
            "domain-selective with DID 0x102: bits above the 8-bit ND width are ignored "
            "(§1.6), so this is DID 2")
    s.poll("CCMD", CCMD_ICC, 0)
    s.poll("CCMD", 0xF800_0000_0000_0000, ccmd_done(G_DOMAIN) & 0xF800_0000_0000_0000,
           "CAIG=10")
    s.iotlb_reg(G_DOMAIN, did=2, check=True)
    s.dma_fault(B, 0x10, False, 0x02, c="00:02.0: context not present")
    s.dma(C, 0x10, False, hpa=0xA0_0010, c="00:03.0, same domain, unaffected")
    s.mwrite(CT[1] + 16 * (E & 0xFF), ctx_entry(doms[5].top, did=5), "move 01:00.0 ...")
    s.mwrite(CT[1] + 16 * (F & 0xFF), ctx_entry(doms[5].top, did=5), "... and 01:00.4 to DID 5")
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
    s.mwrite(CT[0] + 16 * (C & 0xFF), ctx_entry(0, did=6, tt=0b10, aw=2),
             "00:03.0 becomes pass-through (DID 6)")
    s.cc_reg(G_GLOBAL, check=True, c="global")
    s.iotlb_reg(G_GLOBAL, check=True)
    s.dma(C, 0x10, False, hpa=0x10, c="pass-through: output = input")
    s.dma(A, 0x10, False, hpa=0x90_0010, c="the others are unchanged")
    return s


@scenario
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
    s.mem(CT[0] + 16 * (A & 0xFF), ctx_entry(t1.top, did=1))
    s.mem(CT[0] + 16 * (B & 0xFF), ctx_entry(t2.top, did=2))
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


@scenario
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
    s.mem(CT[0] + 16 * (A & 0xFF), ctx_entry(t.top, did=1))
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


# =========================================================================== queued invalidation
@scenario
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
    s._gcmd(GCMD_QIE, GSTS_QIES, False, "GCMD.QIE=0 (the last descriptor was a wait)")
    s.write("IQT", 0)
    s.write("IQA", IQ | 1, "QS=1: two pages, 512 descriptors; slots 0..255 all hold valid "
            "descriptors from before")
    s._gcmd(GCMD_QIE, GSTS_QIES, True, "GCMD.QIE=1")
    s.status_seq += 1
    s.mwrite(IQ + 0x1000, d_wait(sw=1, data=s.status_seq, addr=STATUS), "slot 256")
    s.write("IQT", 0x1010, "tail index 257: legal with 512 entries")
    s.poll_mem(STATUS, 0xFFFF_FFFF, s.status_seq, "all 257 descriptors ran")
    s.read("IQH", 0x1010)
    s.poll("FSTS", FSTS_STATUS, 0, "no queue error")
    return s


@scenario
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


@scenario
def qi_invalidate() -> Scn:
    A, B, C = sid_of("00:01.0"), sid_of("00:02.0"), sid_of("00:03.0")
    E, F = sid_of("01:00.0"), sid_of("01:00.4")
    s = Scn("qi_invalidate.json", "qi-invalidate",
            "Invalidation through the queue (§2.7, §6.1-§6.3): cc_inv_dsc (1h) device with "
            "FM, domain and global, each followed by an iotlb_inv_dsc; iotlb_inv_dsc (2h) "
            "global, domain and page-selective with AM and IH, DR/DW set; iec_inv_dsc (4h) "
            "index-selective with IM=0 and IM=2 and global after IRTE changes. Every change "
            "is visible after its invalidation completes (wait status polled).")
    tabs = {}
    for did, hpa in ((1, 0x80_0000), (2, 0xA0_0000), (3, 0x90_0000), (4, 0xB0_0000),
                     (5, 0xC0_0000)):
        t = s.tables(4)
        for i in range(8):
            t.map(0x1000 * i, hpa + 0x1000 * i)
        tabs[did] = t
    s.mem(RT, root_entry(CT[0]))
    s.mem(RT + 16, root_entry(CT[1]))
    for sid, did in ((A, 1), (B, 2), (C, 2), (E, 4), (F, 4)):
        s.mem(CT[sid >> 8] + 16 * (sid & 0xFF), ctx_entry(tabs[did].top, did=did))
    for i in range(16):
        s.mem(IRT + 16 * i, irte(0x40 + i, 0x10 + i))
    s.init_dma()
    s.qie(True)
    s.init_ir()
    for sid, hpa in ((A, 0x80_0000), (B, 0xA0_0000), (C, 0xA0_0000), (E, 0xB0_0000),
                     (F, 0xB0_0000)):
        s.dma(sid, 0x0, False, hpa=hpa, c="fill the caches")
    s.dma(A, 0x5000, False, hpa=0x80_5000)
    s.dma(A, 0x6000, False, hpa=0x80_6000)
    # context cache
    s.mwrite(CT[1] + 16 * (E & 0xFF), ctx_entry(tabs[5].top, did=5), "move 01:00.0 and ...")
    s.mwrite(CT[1] + 16 * (F & 0xFF), ctx_entry(tabs[5].top, did=5), "... 01:00.4 to DID 5")
    s.submit([d_cc(G_DEVICE, did=4, sid=E, fm=1), d_iotlb(G_DOMAIN, did=4)],
             c="cc device SID 01:00.0 FM=01 DID 4, iotlb domain DID 4")
    s.dma(E, 0x0, True, hpa=0xC0_0000)
    s.dma(F, 0x0, True, hpa=0xC0_0000)
    s.mwrite(CT[0] + 16 * (B & 0xFF), ctx_entry(tabs[3].top, did=3), "move 00:02.0 to DID 3")
    s.submit([d_cc(G_DOMAIN, did=2), d_iotlb(G_DOMAIN, did=2)],
             c="cc domain DID 2, iotlb domain DID 2")
    s.dma(B, 0x0, True, hpa=0x90_0000)
    s.dma(C, 0x0, True, hpa=0xA0_0000, c="00:03.0 stays in DID 2")
    s.mwrite(CT[0] + 16 * (C & 0xFF), [0, 0], "disable 00:03.0")
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


def qi_error_case(s: Scn, bad: list[int], iqei: int | None, fix: list[int], c: str) -> None:
    """[wait SW (X), bad, wait SW (Y)] at the tail: X completes, IQE stops the queue on the
    bad slot (IQH stays there, Y is not written), software rewrites the slot and clears IQE,
    then Y completes (§6.4)."""
    start = s.iq_tail
    sx = STATUS + 0x10 * start
    sy = sx + 8
    s.status_seq += 1
    x = s.status_seq
    s.status_seq += 1
    y = s.status_seq
    descs = d_wait(sw=1, data=x, addr=sx) + bad + d_wait(sw=1, data=y, addr=sy)
    s.mwrite(IQ + 16 * start, descs, c)
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


@scenario
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
    s.status_seq += 1
    x = s.status_seq
    s.mwrite(IQ, d_wait(sw=1, data=x, addr=STATUS) + [0, 0], "a wait, then type 0h")
    s.write("IQT", 0x20)
    s.poll("FSTS", FSTS_STATUS, FSTS_IQE, "IQE")
    s.read("FECTL", CTL_IM | CTL_IP, "the fault event is pending (P9: nothing else was set)")
    s.read("IQERCD", 3, "IQEI=3: bad descriptor type")
    s.read("IQH", 0x10)
    s.poll_mem(STATUS, 0xFFFF_FFFF, x, "the wait before it completed")
    s.status_seq += 1
    s.mwrite(IQ + 0x20, d_wait(sw=1, data=s.status_seq, addr=STATUS + 8), "one more wait")
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


@scenario
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
    s.status_seq += 1
    s.mwrite(IQ, d_cc(G_GLOBAL) + d_wait(sw=1, data=s.status_seq, addr=STATUS),
             "two descriptors in slots 0 and 1")
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
    s.status_seq += 1
    s.mwrite(IQ + 0x20, d_iotlb(G_GLOBAL) + d_wait(sw=1, data=s.status_seq, addr=STATUS + 8)
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


@scenario
def qi_error_dw() -> Scn:
    s = Scn("qi_error_dw.json", "qi-error-dw",
            "IQA.DW=1 (256-bit descriptors) is legal only with SMTS or ADMS (§1.11), both 0 "
            "here (P1): once descriptors are queued the unit reports IQE with IQEI=5 and "
            "fetches nothing.")
    s.write("IQT", 0)
    s.write("IQA", IQ | 1 << 11, "IQA with DW=1")
    s._gcmd(GCMD_QIE, GSTS_QIES, True, "GCMD.QIE=1")
    s.mwrite(IQ, d_wait(sw=1, data=1, addr=STATUS) + [0, 0], "one 256-bit wait descriptor")
    s.write("IQT", 0x20, "tail = 1 descriptor of 32 bytes")
    s.poll("FSTS", FSTS_STATUS, FSTS_IQE, "IQE")
    s.read("IQERCD", 5, "IQEI=5: DW not allowed in this mode")
    s.read("IQH", 0)
    s.mread(STATUS, [0], "nothing ran")
    return s


# =========================================================================== interrupt remapping
@scenario
def ir_compat_cfi() -> Scn:
    dev = sid_of("00:05.0")
    s = Scn("ir_compat_cfi.json", "ir-compat-cfi",
            "Compatibility-format interrupts (§5, P8, P15, P17): with IRES=0 every "
            "interrupt passes through as compatibility format, even one in remappable format "
            "(P17); with IRES=1, EIME=0 they are blocked with 25h (not qualified, FI "
            "undefined) unless GCMD.CFI is set; with EIME=1 they are blocked even with CFIS=1. "
            "Remappable interrupts keep working throughout. Pass-through output per P15: "
            "dest = addr[19:12], RH = addr[3], DM = addr[2], vector = data[7:0], delivery "
            "mode = data[10:8], trigger mode = data[15].")
    s.mem(IRT, irte(0x30, 0x05))
    s.mem(IRT + 16, irte(0x31, 0x0001_2345, eime=True))  # used with EIME=1
    compat, cdata = msi_compat(0x05, rh=1, dm=1), 0x8141
    passed = intr(0x41, 0x05, dm=1, dlm=1, tm=1, rh=1)
    s.qie(True)
    s.msi(dev, compat, cdata, ok=passed, c="IRES=0: passes through (P17)")
    s.msi(dev, 0xFEE0_0018, 0x30, ok=intr(0x30, 0x00, rh=1),
          c="IRES=0: remappable format is also taken as compatibility format (P17)")
    s.msi(dev, msi_compat(0xFF), 0x0000_04FE, ok=intr(0xFE, 0xFF, dlm=4),
          c="dest 0xFF, NMI delivery mode")
    s.init_ir()
    s.gsts_is("QIES, IRTPS, IRES")
    s.msi_fault(dev, compat, cdata, 0x25, None, c="IRES=1, CFIS=0: blocked, 25h")
    s.msi(dev, msi_remap(0), 0, ok=intr(0x30, 0x05), c="remappable: IRTE 0")
    s.cfi(True)
    s.gsts_is("CFIS=1")
    s.msi(dev, compat, cdata, ok=passed, c="CFIS=1, EIME=0: passes through unchanged")
    s.msi(dev, msi_remap(0), 0, ok=intr(0x30, 0x05), c="remappable still remapped")
    s.ire(False)
    s.msi(dev, compat, cdata, ok=passed, c="IRES=0: passes through")
    s.sirtp(IRT | 1 << 11 | 7)
    s.submit([d_iec(0)], c="global IEC invalidation after SIRTP")
    s.ire(True)
    s.gsts_is("EIME=1 with CFIS=1")
    s.msi_fault(dev, compat, cdata, 0x25, None, c="EIME=1: blocked even with CFIS=1, 25h")
    s.msi(dev, msi_remap(1), 0, ok=intr(0x31, 0x0001_2345), c="x2APIC remapping works")
    s.ire(False)
    s.msi(dev, compat, cdata, ok=passed, c="IRES=0: passes through again")
    return s


@scenario
def ir_remap_xapic() -> Scn:
    a, b = sid_of("00:05.0"), sid_of("02:00.0")
    s = Scn("ir_remap_xapic.json", "ir-remap-xapic",
            "Remapped interrupts in xAPIC mode (EIME=0, §2.5, §5, P15) with a 64K-entry "
            "table (S=15): the IRTE gives vector, DST[47:40] as destination, DM, RH, TM and "
            "the delivery mode (fixed, lowest priority, SMI, NMI, INIT, ExtINT); AVAIL bits "
            "are ignored; with SHV=0 the data is ignored; with SHV=1 index = handle + "
            "subhandle (multi-vector MSI); handle[15] comes from address bit 2; source-id "
            "checks that pass (SVT=01 with SQ=00/01/10/11, SVT=10 bus ranges, P7).")
    ent = {
        0x0: irte(0x30, 0x05),
        0x1: irte(0x31, 0xF0, dm=1, rh=1, tm=1, dlm=1),
        0x2: irte(0x32, 0x01, dlm=2),
        0x3: irte(0x02, 0x02, dlm=4),
        0x4: irte(0x00, 0x03, dlm=5, tm=1),
        0x5: irte(0x00, 0x04, dlm=7),
        0x6: irte(0x45, 0x07, lo_extra=0xF00),  # AVAIL 11:8
        0x10: irte(0x50, 0x11, sid=0x0100, sq=1, svt=1),
        0x11: irte(0x51, 0x12, sid=0x0100, sq=2, svt=1),
        0x12: irte(0x52, 0x13, sid=0x0100, sq=3, svt=1),
        0x13: irte(0x53, 0x14, sid=0x0103, svt=2),  # buses 1..3
        0x14: irte(0x54, 0x15, sid=0x0505, svt=2),  # bus 5 only
        0x8005: irte(0x85, 0x22),
    }
    for i in range(4):
        ent[0x20 + i] = irte(0x40 + i, 0x10, sid=b, svt=1)
    for idx, e in ent.items():
        s.mem(IRT + 16 * idx, e)
    s.qie(True)
    s.init_ir(s=0xF)
    s.read("IRTA", IRT | 0xF, "S=15: 64K entries")
    s.msi(a, msi_remap(0), 0, ok=intr(0x30, 0x05), c="IRTE 0: fixed, physical, edge")
    s.msi(a, msi_remap(0), 0xFFFF_FFFF, ok=intr(0x30, 0x05), c="SHV=0: data is ignored")
    s.msi(a, msi_remap(1), 0, ok=intr(0x31, 0xF0, dm=1, dlm=1, tm=1, rh=1),
          c="logical, RH, level, lowest priority")
    s.msi(a, msi_remap(2), 0, ok=intr(0x32, 0x01, dlm=2), c="SMI")
    s.msi(a, msi_remap(3), 0, ok=intr(0x02, 0x02, dlm=4), c="NMI")
    s.msi(a, msi_remap(4), 0, ok=intr(0x00, 0x03, dlm=5, tm=1), c="INIT")
    s.msi(a, msi_remap(5), 0, ok=intr(0x00, 0x04, dlm=7), c="ExtINT")
    s.msi(a, msi_remap(6), 0, ok=intr(0x45, 0x07), c="AVAIL bits 11:8 are ignored")
    for i in range(4):
        s.msi(b, msi_remap(0x20, shv=1), i, ok=intr(0x40 + i, 0x10),
              c="SHV=1: index = handle 0x20 + subhandle" if i == 0 else None)
    s.msi(a, msi_remap(0x8005), 0, ok=intr(0x85, 0x22), c="handle 0x8005: bit 15 in addr[2]")
    s.msi(a, msi_remap(0x8000, shv=1), 5, ok=intr(0x85, 0x22),
          c="handle 0x8000 + subhandle 5 = 0x8005")
    s.msi(a, msi_remap(0x7FFF, shv=1), 6, ok=intr(0x85, 0x22),
          c="handle 0x7FFF + subhandle 6 = 0x8005")
    for sid, idx, vec, dst, c in (
            ("01:00.0", 0x10, 0x50, 0x11, "SVT=01 SQ=01: exact SID"),
            ("01:00.4", 0x10, 0x50, 0x11, "SQ=01 ignores SID bit 2"),
            ("01:00.6", 0x11, 0x51, 0x12, "SQ=10 ignores SID bits 2:1"),
            ("01:00.7", 0x12, 0x52, 0x13, "SQ=11 ignores SID bits 2:0"),
            ("01:00.0", 0x13, 0x53, 0x14, "SVT=10: bus 1 in [1, 3] (P7)"),
            ("03:1f.7", 0x13, 0x53, 0x14, "bus 3 in [1, 3]"),
            ("05:00.0", 0x14, 0x54, 0x15, "bus 5 in [5, 5]")):
        s.msi(sid_of(sid), msi_remap(idx), 0, ok=intr(vec, dst), c=c)
    s.write("IRTA", 0x70_0000 | 0xF, "a new IRTA (an empty table) without SIRTP")
    s.msi(a, msi_remap(0), 0, ok=intr(0x30, 0x05), c="IRTA takes effect only at SIRTP (§1.12)")
    return s


@scenario
def ir_remap_x2apic() -> Scn:
    a = sid_of("00:05.0")
    s = Scn("ir_remap_x2apic.json", "ir-remap-x2apic",
            "Remapped interrupts in x2APIC mode (EIME=1, §1.12, §2.5, P15): the destination "
            "is all 32 bits of DST (the xAPIC reserved bits 39:32 and 63:48 are used), SHV "
            "subhandles work as in xAPIC mode, compatibility-format interrupts are blocked "
            "with 25h although CFIS=1 (P8), and IRTE bits 14:12 stay reserved (24h).")
    ent = {0: irte(0x30, 0x0001_2345, eime=True),
           1: irte(0x31, 0xFFFF_FFFF, eime=True, dm=1),
           2: irte(0x32, 0xAB00_CD12, eime=True, tm=1, rh=1, dlm=1)}
    for i in range(2):
        ent[8 + i] = irte(0x60 + i, 0x100 + i, eime=True, sid=a, svt=1)
    ent[3] = irte(0x33, 0x1, eime=True, lo_extra=1 << 12)  # 14:12 reserved in both modes
    for idx, e in ent.items():
        s.mem(IRT + 16 * idx, e)
    s.qie(True)
    s.init_ir(eime=True, cfi=True)
    s.read("IRTA", IRT | 1 << 11 | 7, "EIME=1, S=7")
    s.msi(a, msi_remap(0), 0, ok=intr(0x30, 0x0001_2345), c="32-bit destination")
    s.msi(a, msi_remap(1), 0, ok=intr(0x31, 0xFFFF_FFFF, dm=1), c="all ones, logical")
    s.msi(a, msi_remap(2), 0, ok=intr(0x32, 0xAB00_CD12, dlm=1, tm=1, rh=1),
          c="bits that are reserved in xAPIC mode are part of the destination")
    s.msi(a, msi_remap(8, shv=1), 1, ok=intr(0x61, 0x101), c="SHV: 8 + 1")
    s.msi_fault(a, msi_compat(0x01), 0x30, 0x25, None, c="compatibility format: 25h")
    s.msi_fault(a, msi_remap(3), 0, 0x24, 3, c="bit 12 is reserved in x2APIC mode too: 24h")
    return s


@scenario
def ir_faults() -> Scn:
    a, b = sid_of("00:05.0"), sid_of("01:00.0")
    s = Scn("ir_faults.json", "ir-faults",
            "Interrupt-remapping faults (§3.3, §5 processing order, P11, P16): 20h (SHV=1 "
            "with data[31:16] set), 21h (index >= 2^(S+1), also through handle + subhandle), "
            "22h (P=0), 23h (bus error reading the IRTE), 24h (reserved bits 14:12, 31:24, "
            "127:84, xAPIC DST bits 39:32 and 63:48, SVT=11, IM=1 without PI), 26h (SID/SQ "
            "mismatch, bus outside the SVT=10 range). Records carry the requester SID, "
            "T1=T2=0 and FI[63:48] = index (not compared for 20h). FPD=1 suppresses the "
            "qualified 22h/24h/26h. P11: P first, then the source check, then reserved "
            "fields. Finally 21h for an index inside the table whose IRTE address is at "
            "2^HAW.")
    ent = {
        1: irte(0x31, 0x01),  # good
        10: irte(p=0),
        11: irte(p=0, fpd=1),
        13: irte(0x33, 1, lo_extra=1 << 12),
        14: irte(0x33, 1, lo_extra=1 << 32),  # DST bit 0 (39:32) in xAPIC mode
        15: irte(0x33, 1, lo_extra=1 << 48),  # DST bit 16 (63:48)
        16: irte(0x33, 1, sid=a, svt=3),
        17: irte(0x33, 1, lo_extra=1 << 15),  # IM=1, PI=0
        18: irte(0x33, 1, hi_extra=1 << 20),  # bit 84
        19: irte(0x33, 1, lo_extra=1 << 24),  # bit 24
        20: irte(0x33, 1, fpd=1, lo_extra=1 << 12),
        22: irte(0x36, 1, sid=0x0100, svt=1),
        23: irte(0x37, 1, sid=0x0100, sq=1, svt=1),
        24: irte(0x38, 1, sid=0x0203, svt=2),
        25: irte(0x39, 1, sid=0x0100, svt=1, fpd=1),
        26: irte(0x3A, 1, sid=0x0100, svt=1, lo_extra=1 << 12),
        27: irte(0x3B, 1, p=0, svt=3, lo_extra=1 << 12),
    }
    for idx, e in ent.items():
        s.mem(IRT + 16 * idx, e)
    s.bus_error(IRT + 16 * 12, 16)
    s.qie(True)
    s.init_ir()
    s.msi(a, msi_remap(1), 0, ok=intr(0x31, 0x01), c="a good IRTE")
    s.msi_fault(a, msi_remap(1, shv=1), 0x1_0000, 0x20, None,
                c="SHV=1 with data bit 16 set: 20h")
    s.msi_fault(a, msi_remap(0x100), 0, 0x21, 0x100, c="index 256 >= 2^(7+1): 21h")
    s.msi_fault(a, msi_remap(0x100, shv=1), 0x1_0000, 0x20, None,
                c="bad data and an index beyond the table: 20h comes first (§5 step 4)")
    s.msi_fault(a, msi_remap(0xF0, shv=1), 0x10, 0x21, 0x100,
                c="handle 0xF0 + subhandle 0x10 = 256: 21h")
    s.msi_fault(a, msi_remap(0x8001), 0, 0x21, 0x8001, c="handle bit 15 set: 21h")
    s.msi_fault(a, msi_remap(10), 0, 0x22, 10, c="P=0: 22h")
    s.msi_fault(a, msi_remap(11), 0, 0x22, 11, recorded=False, c="P=0, FPD=1: suppressed")
    s.msi_fault(a, msi_remap(12), 0, 0x23, 12, c="bus error reading the IRTE: 23h")
    for idx, what in ((13, "bit 12 (14:12 Rsvd)"), (14, "DST bit 32 (xAPIC: 39:32 Rsvd)"),
                      (15, "DST bit 48 (xAPIC: 63:48 Rsvd)"), (16, "SVT=11 (reserved)"),
                      (17, "IM=1 without CAP.PI"), (18, "bit 84 (127:84 Rsvd)"),
                      (19, "bit 24 (31:24 Rsvd)")):
        s.msi_fault(a, msi_remap(idx), 0, 0x24, idx, c=f"{what}: 24h")
    s.msi_fault(a, msi_remap(20), 0, 0x24, 20, recorded=False, c="24h with FPD=1: suppressed")
    s.msi(b, msi_remap(22), 0, ok=intr(0x36, 1), c="SVT=01: SID matches")
    s.msi_fault(sid_of("01:00.1"), msi_remap(22), 0, 0x26, 22, c="SID differs: 26h")
    s.msi_fault(sid_of("01:00.2"), msi_remap(23), 0, 0x26, 23,
                c="SQ=01 ignores bit 2 only; bit 1 differs: 26h")
    s.msi(sid_of("02:00.0"), msi_remap(24), 0, ok=intr(0x38, 1), c="SVT=10: bus 2 in [2, 3]")
    s.msi_fault(b, msi_remap(24), 0, 0x26, 24, c="bus 1 below the range: 26h")
    s.msi_fault(sid_of("04:00.0"), msi_remap(24), 0, 0x26, 24, c="bus 4 above it: 26h")
    s.msi_fault(a, msi_remap(25), 0, 0x26, 25, recorded=False, c="26h with FPD=1: suppressed")
    s.msi_fault(a, msi_remap(26), 0, 0x26, 26,
                c="wrong SID and a reserved bit: the source check comes first (P11), 26h")
    s.msi_fault(a, msi_remap(27), 0, 0x22, 27, c="P=0 with reserved bits: 22h first (P11)")
    s.msi(a, msi_remap(1), 0, ok=intr(0x31, 0x01), c="still fine")
    top = 0xFFFF_FFFF_F000  # last 4 KB page below 2^HAW
    s.mwrite(top + 16 * 255, irte(0x3F, 0x09), "IRTE 255 of a table in the last page below "
             "2^48")
    s.ire(False)
    s.sirtp(top | 8)
    s.submit([d_iec(0)], c="global IEC invalidation after SIRTP")
    s.ire(True)
    s.msi(a, msi_remap(255), 0, ok=intr(0x3F, 0x09), c="IRTE 255 ends exactly at 2^48")
    s.msi_fault(a, msi_remap(256), 0, 0x21, 256,
                c="index 256 < 2^(8+1), but the IRTE address is at 2^HAW: 21h")
    return s


@scenario
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
    s.mem(CT[0] + 16 * (A & 0xFF), ctx_entry(t.top, did=1))
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


# =========================================================================== main
def build_all() -> dict[str, str]:
    out: dict[str, str] = {}
    for fn in SCENARIOS:
        s = fn()
        if s.file in out:
            raise SystemExit(f"two scenarios write {s.file}")
        out[s.file] = render(s.document())
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out-dir", type=Path, default=OUT_DIR)
    ap.add_argument("--check", action="store_true",
                    help="only report files that differ from what would be written")
    args = ap.parse_args(argv)
    files = build_all()
    stale = []
    for name, text in sorted(files.items()):
        path = args.out_dir / name
        if args.check:
            if not path.exists() or path.read_text() != text:
                stale.append(name)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    if args.check:
        for name in stale:
            print(f"out of date: {name}")
        return 1 if stale else 0
    print(f"wrote {len(files)} scenarios to {args.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
