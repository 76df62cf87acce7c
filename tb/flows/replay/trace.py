"""The ``vtd-replay/1`` and ``vtd-replay/2`` trace files: reading (with errors naming the line
and field) and writing. The format is described in doc/replay-format.md; version 2 adds
software operations between requests (``Trace.ops``: memory writes, register writes and polls
that run once every earlier request is answered), and a version-1 file is a valid trace with
no such operations."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from python_model import regmap

MAGIC = "vtd-replay/1"
MAGIC_V2 = "vtd-replay/2"  # adds operations between requests (mem/write/poll lines)
SECTIONS = ("memory", "registers", "requests")


class TraceError(ValueError):
    """A malformed trace; the message names the file, line and field."""


@dataclass(frozen=True)
class RegOp:
    """``write NAME value``, ``poll NAME mask value`` or ``read NAME`` (NAME a register of
    the map; ``read`` is a driver's read whose value the check compares with the model's)."""

    op: str  # "write" | "poll" | "read"
    reg: str
    value: int
    mask: int = 0


@dataclass(frozen=True)
class MemWrite:
    """``mem addr value``: software stores a 64-bit word (a table entry) between requests."""

    addr: int
    value: int


Op = RegOp | MemWrite


@dataclass(frozen=True)
class Request:
    sid: int
    addr: int
    write: bool
    size: int


@dataclass
class Trace:
    header: dict[str, str] = field(default_factory=dict)
    memory: dict[int, int] = field(default_factory=dict)  # 8-aligned byte address -> qword
    registers: list[RegOp] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    # Request index -> operations run before it, once every earlier request is answered
    # (an index equal to len(requests) runs after the last one).
    ops: dict[int, list[Op]] = field(default_factory=dict)

    @property
    def params(self) -> str:
        return self.header.get("params", "default")

    def add_ops(self, ops: list[Op]) -> None:
        """Append ``ops`` before the next request (the one with index len(requests))."""
        if ops:
            self.ops.setdefault(len(self.requests), []).extend(ops)

    def barriers(self) -> list[int]:
        """The request indexes with operations before them, ascending."""
        return sorted(i for i, ops in self.ops.items() if ops)


# --------------------------------------------------------------------------- writing


def write_trace(trace: Trace, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    out: list[str] = [MAGIC_V2 if trace.barriers() else MAGIC]
    out += [f"{k} {v}" for k, v in trace.header.items()]
    out.append("[memory]")
    prev = None
    for addr in sorted(trace.memory):
        if prev is None or addr != prev + 8 or addr % 0x1000 == 0:
            out.append(f"@{addr:x}")
        out.append(f"{trace.memory[addr]:016x}")
        prev = addr
    out.append("[registers]")
    out += [_op_line(op) for op in trace.registers]
    out.append("[requests]")
    for i, r in enumerate(trace.requests):
        out += [_op_line(op) for op in trace.ops.get(i, ())]
        out.append(f"{r.sid:04x} {r.addr:x} {'w' if r.write else 'r'} {r.size}")
    out += [_op_line(op) for op in trace.ops.get(len(trace.requests), ())]
    path.write_text("\n".join(out) + "\n")


def _op_line(op: Op) -> str:
    if isinstance(op, MemWrite):
        return f"mem {op.addr:x} {op.value:x}"
    if op.op == "write":
        return f"write {op.reg} {op.value:x}"
    if op.op == "read":
        return f"read {op.reg}"
    return f"poll {op.reg} {op.mask:x} {op.value:x}"


# --------------------------------------------------------------------------- reading


def _hex(text: str, where: str, what: str, bits: int) -> int:
    try:
        value = int(text, 16)
    except ValueError:
        raise TraceError(f"{where}: {what} {text!r} is not a hex number") from None
    if not 0 <= value < 1 << bits:
        raise TraceError(f"{where}: {what} {text!r} does not fit in {bits} bits")
    return value


_REGS: dict[str, regmap.Register] = {r.name: r for r in regmap.base_registers()}
# The fault records (FRCDn_LO/HI, n up to the most a unit can have): a driver's fault
# service reads and clears them between requests.
_REGS.update((r.name, r) for r in regmap.RegisterMap(regmap.MAX_FAULT_RECORDS).registers
             if r.name.startswith("FRCD"))


def register(name: str) -> regmap.Register:
    """A register of the map by name (the fixed registers and the fault records; no
    counters)."""
    return _REGS[name]


def _register(name: str, where: str) -> regmap.Register:
    if name not in _REGS:
        raise TraceError(f"{where}: unknown register {name!r}")
    return _REGS[name]


def read_trace(path: Path) -> Trace:
    """Parse ``path``; :class:`TraceError` names the line and field of the first problem."""
    try:
        lines = path.read_text().splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise TraceError(f"{path}: cannot read ({e})") from None
    if not lines or lines[0].strip() not in (MAGIC, MAGIC_V2):
        raise TraceError(f"{path}:1: first line must be {MAGIC!r} or {MAGIC_V2!r}")
    version2 = lines[0].strip() == MAGIC_V2
    trace = Trace()
    section = ""
    addr: int | None = None
    for no, raw in enumerate(lines[1:], start=2):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        where = f"{path}:{no}"
        if line.startswith("["):
            name = line.strip("[]")
            if name not in SECTIONS or line != f"[{name}]":
                raise TraceError(f"{where}: unknown section {line!r} (one of "
                                 + ", ".join(f"[{s}]" for s in SECTIONS) + ")")
            if SECTIONS.index(name) <= (SECTIONS.index(section) if section else -1):
                raise TraceError(f"{where}: section [{name}] out of order (memory, registers, "
                                 "requests)")
            section = name
            continue
        words = line.split()
        if not section:
            if len(words) != 2:
                raise TraceError(f"{where}: header line must be 'key value', got {line!r}")
            trace.header[words[0]] = words[1]
        elif section == "memory":
            _memory_line(trace, words, where, addr)
            addr = _next_addr(words, addr, where)
        elif section == "registers":
            trace.registers.append(_register_line(words, where))
        elif words[0] in ("mem", "write", "poll", "read"):
            if not version2:
                raise TraceError(f"{where}: a {words[0]!r} line among the requests needs a "
                                 f"{MAGIC_V2!r} file (first line)")
            op = _mem_line(words, where) if words[0] == "mem" else _register_line(words, where)
            trace.add_ops([op])
        else:
            trace.requests.append(_request_line(words, where))
    if section != "requests":
        raise TraceError(f"{path}: no [requests] section")
    return trace


def _memory_line(trace: Trace, words: list[str], where: str, addr: int | None) -> None:
    if words[0].startswith("@"):
        return
    if addr is None:
        raise TraceError(f"{where}: memory data before any @address line")
    for i, w in enumerate(words):
        trace.memory[addr + 8 * i] = _hex(w, where, f"memory word {i + 1}", 64)


def _next_addr(words: list[str], addr: int | None, where: str) -> int | None:
    if words[0].startswith("@"):
        if len(words) != 1:
            raise TraceError(f"{where}: an @address line holds the address only")
        a = _hex(words[0][1:], where, "address", 64)
        if a % 8:
            raise TraceError(f"{where}: address {a:#x} is not 8-byte aligned")
        return a
    assert addr is not None
    return addr + 8 * len(words)


def _mem_line(words: list[str], where: str) -> MemWrite:
    if len(words) != 3:
        raise TraceError(f"{where}: expected 'mem addr value', got {' '.join(words)!r}")
    addr = _hex(words[1], where, "mem address", 64)
    if addr % 8:
        raise TraceError(f"{where}: mem address {addr:#x} is not 8-byte aligned")
    return MemWrite(addr, _hex(words[2], where, "mem value", 64))


def _register_line(words: list[str], where: str) -> RegOp:
    if words[0] == "write" and len(words) == 3:
        reg = _register(words[1], where)
        return RegOp("write", reg.name, _hex(words[2], where, "value", 8 * reg.size))
    if words[0] == "poll" and len(words) == 4:
        reg = _register(words[1], where)
        mask = _hex(words[2], where, "mask", 8 * reg.size)
        value = _hex(words[3], where, "value", 8 * reg.size)
        if value & ~mask:
            raise TraceError(f"{where}: poll value {value:#x} has bits outside mask {mask:#x}")
        return RegOp("poll", reg.name, value, mask)
    if words[0] == "read" and len(words) == 2:
        return RegOp("read", _register(words[1], where).name, 0)
    raise TraceError(f"{where}: expected 'write REG value', 'poll REG mask value' or "
                     f"'read REG', got {' '.join(words)!r}")


def _request_line(words: list[str], where: str) -> Request:
    if len(words) != 4:
        raise TraceError(f"{where}: a request is 'sid addr r|w size', got {' '.join(words)!r}")
    sid = _hex(words[0], where, "sid", 16)
    addr = _hex(words[1], where, "addr", 64)
    if words[2] not in ("r", "w"):
        raise TraceError(f"{where}: write field {words[2]!r} must be r or w")
    try:
        size = int(words[3], 10)
    except ValueError:
        raise TraceError(f"{where}: size {words[3]!r} is not a decimal number") from None
    if not 1 <= size <= 4096 or (addr & 0xFFF) + size > 4096:
        raise TraceError(f"{where}: size {size} at addr {addr:#x} must be 1..4096 and stay "
                         "within one 4 KB page")
    write = words[2] == "w"
    if write and size == 4 and 0xFEE0_0000 <= addr <= 0xFEEF_FFFF:
        raise TraceError(f"{where}: a 4-byte write to {addr:#x} is an interrupt request, not "
                         "DMA")
    return Request(sid, addr, write, size)
