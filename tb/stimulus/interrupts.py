"""Interrupt traffic the way devices and an OS make it: an interrupt remapping table with a
block of entries per device, and MSIs aimed at it.

Each device gets a block of 2^k consecutive IRTEs (k = 0..3: single MSI or a multi-vector MSI
block). The entries mix what a driver writes (fixed and lowest-priority delivery, edge and
level, xAPIC or, with EIME, 32-bit x2APIC destinations, SID verification by exact SID, under a
function mask or by bus range) with what the fault paths need: not-present entries (some with
FPD), entries with reserved bits set, entries whose memory answers with a bus error, and
entries verifying a different source-id.

Requests (:meth:`InterruptTraffic.items`): remappable with SHV (block handle + subhandle),
remappable without SHV (each entry's own handle), compatibility format, and a few malformed
ones (SHV with data bits 31:16 set, a handle beyond the table). :meth:`InterruptTraffic.edit`
changes one entry the way an OS retargets an interrupt and says which index to invalidate.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from tb.agents.msi import MsiItem
from tb.software.table_formats import (
    DLM_FIXED,
    DLM_LOWEST,
    DLM_NMI,
    SVT_BUS,
    SVT_SID,
    compat_msi,
    msi_address,
    msi_data,
)
from tb.software.tables import TableBuilder

# What a request aims at, with weights (relative).
REQUEST_MIX: dict[str, int] = {"shv": 10, "handle": 6, "compat": 2, "bad-data": 1,
                               "beyond-table": 1}


@dataclass
class DeviceVectors:
    sid: int
    base: int  # first IRTE index of the device's block
    count: int  # 2^k entries


@dataclass
class InterruptTraffic:
    """IRT contents and MSI requests for ``sids`` (the devices that interrupt)."""

    builder: TableBuilder
    rng: random.Random
    sids: list[int]
    eime: bool = False
    entries: int = 128
    blocks: list[DeviceVectors] = field(default_factory=list)
    broken: list[int] = field(default_factory=list)  # indices whose reads fail

    def setup(self) -> int:
        """Create the table, fill every device's block; returns the IRTA value."""
        irta = self.builder.create_irt(self.entries, eime=self.eime)
        self.entries = self.builder.irt_entries
        base = 0
        for sid in self.sids:
            count = 1 << self.rng.choice([0, 0, 1, 2, 3])
            base = -(-base // count) * count  # aligned block, as MSI multi-vector needs
            if base + count > self.entries:
                break
            self.blocks.append(DeviceVectors(sid, base, count))
            for index in range(base, base + count):
                self.write_entry(index, sid)
            base += count
        free = [i for i in range(base, self.entries)]
        if free:  # one entry whose read gets a bus error (fault 23h)
            index = self.rng.choice(free)
            self.builder.set_irte(index, vector=0x30, dest=1)
            self.builder.memory.add_error(self.builder.irte_address(index), 16, on_write=False)
            self.broken.append(index)
        return irta

    def write_entry(self, index: int, sid: int) -> None:
        """A random entry for device ``sid`` at ``index`` (mostly a good one)."""
        rng, b = self.rng, self.builder
        roll = rng.random()
        if roll < 0.06:
            b.clear_irte(index, fpd=rng.random() < 0.5)  # not present (22h)
            return
        if roll < 0.10:  # reserved bits 14:12 set (24h)
            lo, hi = self._good_fields(index, sid)
            b.write_irte(index, lo | 1 << 12 | 1, hi)
            return
        dest = rng.getrandbits(32) if self.eime else rng.getrandbits(8)
        svt_roll = rng.random()
        kwargs: dict[str, int] = {}
        if svt_roll < 0.5:
            kwargs = {"sid": sid, "svt": SVT_SID, "sq": rng.choice([0, 0, 1, 2, 3])}
        elif svt_roll < 0.6:
            bus = sid >> 8
            kwargs = {"sid": bus << 8 | bus, "svt": SVT_BUS}
        elif svt_roll < 0.68:  # verifies another device: 26h
            kwargs = {"sid": sid ^ 0x0100, "svt": SVT_SID}
        b.set_irte(index, vector=rng.randrange(0x20, 0x100), dest=dest,
                   dm=rng.getrandbits(1), rh=rng.getrandbits(1), tm=rng.getrandbits(1),
                   dlm=rng.choice([DLM_FIXED, DLM_FIXED, DLM_LOWEST, DLM_NMI]),
                   fpd=rng.random() < 0.1, **kwargs)

    def _good_fields(self, index: int, sid: int) -> tuple[int, int]:
        lo, hi = self.builder.set_irte(index, vector=0x40, dest=1, sid=sid)
        return lo, hi

    def items(self, n: int) -> list[MsiItem]:
        rng = self.rng
        kinds, weights = list(REQUEST_MIX), list(REQUEST_MIX.values())
        out = []
        for _ in range(n):
            blk = rng.choice(self.blocks)
            kind = rng.choices(kinds, weights)[0]
            sid = blk.sid
            if kind == "shv":
                addr = msi_address(blk.base, shv=True)
                data = msi_data(rng.randrange(blk.count))
            elif kind == "handle":
                addr = msi_address(blk.base + rng.randrange(blk.count), shv=False)
                data = rng.getrandbits(16)  # ignored without SHV
            elif kind == "compat":
                addr, data = compat_msi(rng.getrandbits(8), rng.randrange(0x20, 0x100),
                                        dm=rng.getrandbits(1))
            elif kind == "bad-data":
                addr = msi_address(blk.base, shv=True)
                data = rng.randrange(1, 0x10000) << 16
            else:
                addr = msi_address(self.entries + rng.randrange(16), shv=False)
                data = 0
            if self.broken and rng.random() < 0.02:
                addr, data = msi_address(self.broken[0], shv=False), 0
            out.append(MsiItem(sid=sid, addr=addr, data=data))
        return out

    def edit(self) -> int:
        """Retarget (or disable, or restore) one device's entry; returns its index."""
        blk = self.rng.choice(self.blocks)
        index = blk.base + self.rng.randrange(blk.count)
        self.write_entry(index, blk.sid)
        return index
