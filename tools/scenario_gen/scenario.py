"""``Scn``: one scenario being built (initial memory, steps, the driver's view of the unit)
and ``render``, its JSON text."""

from __future__ import annotations

import json

from .constants import (
    CCMD_CHECK_MASK,
    CCMD_ICC,
    DEFAULT_CONFIG,
    FRCD_F,
    FSTS_PPF,
    FSTS_STATUS,
    G_DEVICE,
    G_GLOBAL,
    GCMD_CFI,
    GCMD_IRE,
    GCMD_PRESERVE,
    GCMD_QIE,
    GCMD_SIRTP,
    GCMD_SRTP,
    GCMD_TE,
    GSTS_CFIS,
    GSTS_IRES,
    GSTS_IRTPS,
    GSTS_QIES,
    GSTS_RTPS,
    GSTS_TES,
    IOTLB_IVT,
    IQ,
    IRT,
    RT,
    STATUS,
)
from .encoding import ccmd, ccmd_done, d_iec, d_wait, frcd_hi, hx, iotlb_cmd, iotlb_done, iva, pci
from .tables import Tables

# (address, data) of each event message a step makes the unit send
Events = tuple[tuple[int, int], ...]


class Scn:
    """A scenario under construction. Steps are added through methods that also keep a
    driver-side view of the unit (GSTS, the fault index, the queue tail, the wait-status
    sequence) so that later ``expect`` values follow from earlier steps."""

    def __init__(self, file: str, name: str, description: str, config: dict | None = None) -> None:
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
            events: Events = ()) -> None:
        if expect is not None:
            step["expect"] = expect
        notes = [c] if c else []
        notes += [f"[event {hx(a)} {hx(d)}]" for a, d in events]
        if notes:
            step["comment"] = " ".join(notes)
        self.steps.append(step)

    def write(self, reg: str, value: int, c: str | None = None, events: Events = ()) -> None:
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
            events: Events = ()) -> None:
        step = {"op": "dma", "sid": pci(sid), "addr": hx(addr), "write": write}
        if size is not None:
            step["size"] = size
        if (hpa is None) == (fault is None):
            raise ValueError("dma: give exactly one of hpa and fault")
        expect = ({"status": "ok", "hpa": hx(hpa)} if hpa is not None
                  else {"status": "fault", "reason": hx(fault)})
        self.add(step, expect, c, events)

    def msi(self, sid: int, addr: int, data: int, *, ok: dict | None = None,
            fault: int | None = None, c: str | None = None, events: Events = ()) -> None:
        if (ok is None) == (fault is None):
            raise ValueError("msi: give exactly one of ok and fault")
        expect = ok if ok is not None else {"status": "fault", "reason": hx(fault)}
        self.add({"op": "msi", "sid": pci(sid), "addr": hx(addr), "data": hx(data)}, expect, c,
                 events)

    # ---- GCMD/GSTS (§1.4): one field per write, (GSTS & 0x96FFFFFF) with the target changed
    def gcmd(self, cmd: int, status: int, on: bool, c: str) -> None:
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
        self.gcmd(GCMD_SRTP, GSTS_RTPS, True, "GCMD.SRTP; RTPS sets on completion")

    def te(self, on: bool = True) -> None:
        self.gcmd(GCMD_TE, GSTS_TES, on, f"GCMD.TE={int(on)}")

    def qie(self, on: bool = True) -> None:
        if on:
            self.write("IQT", 0, "software sets IQT=0 before enabling QI (§1.4)")
            self.write("IQA", IQ, "IQA: queue at 0x400000, QS=0 (256 descriptors), DW=0")
            self.iq_tail = 0
        self.gcmd(GCMD_QIE, GSTS_QIES, on, f"GCMD.QIE={int(on)}")
        if not on:
            self.iq_tail = 0

    def ire(self, on: bool = True) -> None:
        self.gcmd(GCMD_IRE, GSTS_IRES, on, f"GCMD.IRE={int(on)}")

    def cfi(self, on: bool = True) -> None:
        self.gcmd(GCMD_CFI, GSTS_CFIS, on, f"GCMD.CFI={int(on)}")

    def sirtp(self, irta: int) -> None:
        self.write("IRTA", irta, "IRTA (§1.12): table base, EIME 11, S 3:0; latched by SIRTP")
        self.gcmd(GCMD_SIRTP, GSTS_IRTPS, True, "GCMD.SIRTP; IRTPS sets on completion")

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
        """Global context-cache invalidation, then global IOTLB invalidation."""
        self.cc_reg(G_GLOBAL)
        self.iotlb_reg(G_GLOBAL)

    def init_dma(self) -> None:
        """Driver bring-up (§6.5): RTADDR, SRTP, global CC + IOTLB invalidation, TE."""
        self.srtp()
        self.cc_reg(G_GLOBAL, c="after SRTP (ESRTPS=0): global context-cache invalidation")
        self.iotlb_reg(G_GLOBAL, c="then global IOTLB invalidation (§6.5)")
        self.te(True)

    # ---- queued invalidation (§6.4)
    def next_wait(self, addr: int = STATUS) -> list[int]:
        """A wait descriptor (SW=1) writing the next status number (``status_seq``) to
        ``addr``."""
        self.status_seq += 1
        return d_wait(sw=1, data=self.status_seq, addr=addr)

    def submit(self, descs: list[list[int]], wait: bool = True, c: str | None = None,
               status_addr: int = STATUS, events: Events = ()) -> None:
        """Write descriptors at the tail, [plus a SW wait], move IQT, poll the status."""
        if wait:
            descs = descs + [self.next_wait(status_addr)]
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

    def init_ir(self, s: int = 7, eime: bool = False, cfi: bool = False, *, table: int = IRT,
                c: str = "global IEC invalidation after SIRTP (§6.5)") -> None:
        """IRTA + SIRTP, global IEC invalidation (ESIRTPS=0, §6.5), IRE [, CFI]."""
        self.sirtp(table | eime << 11 | s)
        self.submit([d_iec(0)], c=c)
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
        hi = frcd_hi(sid, reason, write)
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
