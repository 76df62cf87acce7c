"""A trace as the Verilog player's images (doc/replay-format.md, "Player images"): the
register program and the memory hash table for ``$readmemh``, the request records for
``$fread``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tb.agents.memory_image import (
    MIN_SLOTS_LOG2,
    PAGE_WORDS,
    REQ_RECORD_BITS,
    request_record,
    slots_log2_for,
    write_memory_image,
)
from tb.flows.replay.trace import MemWrite, Op, Trace, TraceError, register

OP_END, OP_WRITE, OP_POLL, OP_STORE, OP_RUN_TO, OP_READ = 0, 1, 2, 3, 4, 5
MAX_PROG = 1 << 18  # the player's MAX_PROG (records: operations and segment marks)


@dataclass(frozen=True)
class Images:
    prog: Path
    req: Path
    mem_keys: Path
    mem_data: Path
    requests: int
    slots_log2: int

    def plusargs(self) -> list[str]:
        return [f"+prog={self.prog}", f"+req={self.req}", f"+nreq={self.requests}",
                f"+mem_keys={self.mem_keys}", f"+mem_data={self.mem_data}"]


def _record(op: Op) -> str:
    if isinstance(op, MemWrite):
        return f"{OP_STORE << 148 | op.value << 64 | op.addr:038x}"
    reg = register(op.reg)
    byte = reg.offset & 7
    strb = (0xFF if reg.size == 8 else 0x0F) << byte
    shift = 8 * byte
    code = {"write": OP_WRITE, "poll": OP_POLL, "read": OP_READ}[op.op]
    mask = (op.mask << shift) if code == OP_POLL else 0
    rec = (code << 148 | strb << 140 | (reg.offset & ~7) << 128
           | (op.value << shift) << 64 | mask)
    return f"{rec:038x}"


def prog_records(trace: Trace) -> list[str]:
    """152-bit records {op, strb, offset, value, mask} (hex, 38 digits each): the register
    program, then for each index with operations before it a run-to mark and the
    operations, then the end record (run the rest)."""
    out = [_record(op) for op in trace.registers]
    for index in trace.barriers():
        if index > 0:
            out.append(f"{OP_RUN_TO << 148 | index << 64:038x}")
        out += [_record(op) for op in trace.ops[index]]
    if len(out) >= MAX_PROG:
        raise TraceError(f"{len(out)} program records (register operations, table stores and "
                         f"segment marks): the player holds {MAX_PROG - 1}")
    return [*out, f"{OP_END:038x}"]


# as $fread reads a record: whole bytes, most significant first (vtd_replay_top.v REQ_BYTES)
REQ_RECORD_BYTES = (REQ_RECORD_BITS + 7) // 8


def request_records(trace: Trace) -> bytes:
    """The request records (:func:`request_record`) as the player's ``$fread`` takes them:
    13 bytes each, big-endian (binary: parsing 100,000 hex lines with ``$readmemh`` took a
    fifth of a hit-dominated replay)."""
    return b"".join(request_record(r.sid, r.addr, r.write, r.size)
                    .to_bytes(REQ_RECORD_BYTES, "big") for r in trace.requests)


def store_pages(trace: Trace) -> set[int]:
    """Pages the operations between requests store to (they need a slot in the image)."""
    return {op.addr >> 12 for ops in trace.ops.values() for op in ops
            if isinstance(op, MemWrite)}


def write_images(trace: Trace, directory: Path, min_slots_log2: int = MIN_SLOTS_LOG2) -> Images:
    """The images of ``trace`` in ``directory``; the memory table gets at least
    2^``min_slots_log2`` slots (one player build can then serve several traces)."""
    directory.mkdir(parents=True, exist_ok=True)
    prog = prog_records(trace)
    pages = sorted({a >> 12 for a in trace.memory} | store_pages(trace))
    slots_log2 = slots_log2_for(len(pages), min_slots_log2)
    images = Images(directory / "prog.hex", directory / "req.bin", directory / "mem_keys.hex",
                    directory / "mem_data.hex", len(trace.requests), slots_log2)
    images.prog.write_text("\n".join(prog) + "\n")
    images.req.write_bytes(request_records(trace))
    memory = trace.memory

    def words(pn: int) -> Sequence[int]:
        base = pn << 12
        return [memory.get(base + 8 * i, 0) for i in range(PAGE_WORDS)]

    write_memory_image(pages, words, slots_log2, images.mem_keys, images.mem_data)
    return images
