"""Second-level page tables (§2.3, §2.4) laid out in a scenario's initial memory."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .encoding import sle

if TYPE_CHECKING:
    from .scenario import Scn


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
