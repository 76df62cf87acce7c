"""What the HDL players read, written once for both the replay player and the cocotb
testbench's batched DMA port (tb.agents.dma_batch): the table memory's image
(tb/replay/vtd_replay_axi_mem.v: 4 KB pages in a hash table of 2^n slots, two ``$readmemh``
files; doc/replay-format.md, "Player images") and the request record
(tb/replay/vtd_replay_record.vh)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

PAGE_WORDS = 512
MIN_SLOTS_LOG2 = 11  # 2048 pages of table memory: one build covers every generated stream
REQ_RECORD_BITS = 100  # vtd_replay_record.vh VTD_REQ_BITS


def request_record(sid: int, addr: int, write: bool, size: int) -> int:
    """A request as vtd_replay_record.vh lays it out: {sid[15:0], addr[63:0], 3'b0, write,
    3'b0, size[12:0]}."""
    return sid << 84 | addr << 20 | int(bool(write)) << 16 | size


def slots_log2_for(pages: int, minimum: int = MIN_SLOTS_LOG2) -> int:
    """Hash-table size (log2 slots) keeping the table at most half full."""
    n = max(minimum, MIN_SLOTS_LOG2)
    while (1 << n) < 2 * pages:
        n += 1
    return n


def page_hash(pn: int, slots_log2: int) -> int:
    """The player's hash of a page number (vtd_replay_axi_mem.v ``hash``)."""
    mask64 = (1 << 64) - 1
    h = (pn ^ (pn >> slots_log2) ^ (pn >> (2 * slots_log2))) & mask64
    return h & ((1 << slots_log2) - 1)


def place_pages(pages: list[int], slots_log2: int) -> dict[int, int]:
    """Page number -> slot, by linear probing from its hash (as the player searches)."""
    slots = 1 << slots_log2
    taken: dict[int, int] = {}
    where: dict[int, int] = {}
    for pn in sorted(pages):
        s = page_hash(pn, slots_log2)
        while s in taken:
            s = (s + 1) % slots
        taken[s] = pn
        where[pn] = s
    return where


def write_memory_image(pages: Sequence[int], words: Callable[[int], Sequence[int]],
                       slots_log2: int, keys_path: Path, data_path: Path) -> None:
    """The memory hash table of ``pages`` (page numbers; ``words(pn)``: its 512 words) with
    2^``slots_log2`` slots, as vtd_replay_axi_mem reads it: every slot's key, then the words
    of each page at its slot that are not zero, each run of them after an ``@`` address (the
    memory clears an occupied slot's page before it reads the data). The caller keeps the
    table at most half full (:func:`slots_log2_for`)."""
    where = place_pages(list(pages), slots_log2)
    keys = ["0" * 16] * (1 << slots_log2)
    for pn, s in where.items():
        keys[s] = f"{(1 << 63) | pn:016x}"
    data: list[str] = []
    for pn in pages:
        base = where[pn] * PAGE_WORDS
        follows = False  # the previous word was written: this one needs no address
        for i, w in enumerate(words(pn)):
            if w:
                if not follows:
                    data.append(f"@{base + i:x}")
                data.append(f"{w:016x}")
            follows = w != 0
    keys_path.write_text("\n".join(keys) + "\n")
    data_path.write_text("\n".join(data) + "\n")
