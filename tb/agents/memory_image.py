"""What the HDL players read, written once for both the replay player and the cocotb
testbench's batched DMA port (tb.agents.dma_batch): the table memory's image
(tb/replay/vtd_replay_axi_mem.v: 4 KB pages in a hash table of 2^n slots, two ``$readmemh``
files; doc/replay-format.md, "Player images") and the request record
(tb/replay/vtd_replay_record.vh)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path

PAGE_WORDS = 512
MIN_SLOTS_LOG2 = 11  # 2048 pages of table memory: one build covers every generated stream

# The request record's layout is described once, in the Verilog header both HDL players
# include; the packer below takes its width and field positions from there.
RECORD_HEADER = Path(__file__).resolve().parents[1] / "replay" / "vtd_replay_record.vh"


def _record_layout(text: str) -> tuple[int, dict[str, tuple[int, int]]]:
    """``VTD_REQ_BITS`` and each ``VTD_REQ_<FIELD>(r) r[msb:lsb]`` macro: (msb, lsb) by
    field name."""
    bits = re.search(r"`define\s+VTD_REQ_BITS\s+(\d+)", text)
    fields = {m[1]: (int(m[2]), int(m[3] if m[3] is not None else m[2])) for m in
              re.finditer(r"`define\s+VTD_REQ_(\w+)\(r\)\s+r\[(\d+)(?::(\d+))?\]", text)}
    missing = {"SID", "ADDR", "WRITE", "SIZE"} - fields.keys()
    if bits is None or missing:
        raise RuntimeError(f"{RECORD_HEADER}: no VTD_REQ_BITS or field macro(s) "
                           f"{sorted(missing)}")
    return int(bits[1]), fields


REQ_RECORD_BITS, REQ_RECORD_FIELDS = _record_layout(RECORD_HEADER.read_text())
REQ_RECORD_HEX = (REQ_RECORD_BITS + 3) // 4  # hex digits of a record ($readmemh)


def request_record(sid: int, addr: int, write: bool, size: int) -> int:
    """A request as vtd_replay_record.vh lays it out ({sid[15:0], addr[63:0], 3'b0, write,
    3'b0, size[12:0]} today)."""
    f = REQ_RECORD_FIELDS
    return (sid << f["SID"][1] | addr << f["ADDR"][1] | int(bool(write)) << f["WRITE"][1]
            | size << f["SIZE"][1])


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
