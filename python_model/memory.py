"""Sparse 64-bit physical memory with injectable access errors per address range."""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass

PAGE = 4096
ADDR_LIMIT = 1 << 64


class MemoryAccessError(Exception):
    """An access hit an injected error range (the bus answered with an error)."""

    def __init__(self, addr: int, size: int, write: bool) -> None:
        kind = "write" if write else "read"
        super().__init__(f"memory {kind} error at {addr:#x} (+{size})")
        self.addr = addr
        self.size = size
        self.write = write


@dataclass(frozen=True)
class ErrorRange:
    start: int
    end: int  # exclusive
    on_read: bool = True
    on_write: bool = True

    def hits(self, addr: int, size: int, write: bool) -> bool:
        if write and not self.on_write or not write and not self.on_read:
            return False
        return addr < self.end and self.start < addr + size


class Memory:
    """Byte-addressed sparse memory; unwritten bytes read as zero."""

    def __init__(self) -> None:
        self._pages: dict[int, bytearray] = {}
        self._errors: list[ErrorRange] = []
        self.write_log: list[tuple[int, bytes]] = []  # every write, in order (checked by tests)
        # called after every successful bus write (write(), not software's poke()): a
        # testbench that must see the unit's own writes (status writes) observes them here
        self.bus_write_observers: list[Callable[[int, bytes], None]] = []
        # bumped by every change of contents or of the error ranges: a reader may keep what it
        # derived from memory while the version stays the same
        self.version = 0

    # --- error injection ---
    def add_error(self, start: int, size: int, on_read: bool = True, on_write: bool = True) -> None:
        if size <= 0 or start < 0 or start + size > ADDR_LIMIT:
            raise ValueError(f"error range {start:#x}+{size:#x} is not inside the 64-bit space")
        self._errors.append(ErrorRange(start, start + size, on_read, on_write))
        self.version += 1

    def clear_errors(self) -> None:
        self._errors.clear()
        self.version += 1

    @property
    def error_ranges(self) -> tuple[ErrorRange, ...]:
        return tuple(self._errors)

    def faults(self, addr: int, size: int, write: bool) -> bool:
        return any(e.hits(addr, size, write) for e in self._errors)

    # --- byte access ---
    def read(self, addr: int, size: int) -> bytes:
        """Read as a bus master: raises MemoryAccessError inside an error range."""
        if self._errors and self.faults(addr, size, write=False):
            raise MemoryAccessError(addr, size, write=False)
        return self.peek(addr, size)

    def write(self, addr: int, data: bytes) -> None:
        if self.faults(addr, len(data), write=True):
            raise MemoryAccessError(addr, len(data), write=True)
        self.poke(addr, data)
        for observe in self.bus_write_observers:
            observe(addr, bytes(data))

    def peek(self, addr: int, size: int) -> bytes:
        """Read ignoring injected errors (software's or a checker's view)."""
        self._check_range(addr, size)
        out = bytearray()
        while size:
            page, off = divmod(addr, PAGE)
            n = min(size, PAGE - off)
            buf = self._pages.get(page)
            out += buf[off:off + n] if buf is not None else bytes(n)
            addr += n
            size -= n
        return bytes(out)

    def poke(self, addr: int, data: bytes) -> None:
        """Write ignoring injected errors (software's view)."""
        self._check_range(addr, len(data))
        self.version += 1
        self.write_log.append((addr, bytes(data)))
        pos = 0
        while pos < len(data):
            page, off = divmod(addr + pos, PAGE)
            n = min(len(data) - pos, PAGE - off)
            buf = self._pages.setdefault(page, bytearray(PAGE))
            buf[off:off + n] = data[pos:pos + n]
            pos += n

    # --- word helpers ---
    def read_u64(self, addr: int) -> int:
        off = addr & (PAGE - 1)
        if not self._errors and off <= PAGE - 8 and 0 <= addr <= ADDR_LIMIT - 8:
            buf = self._pages.get(addr >> 12)  # fast path: inside one page, no error ranges
            return 0 if buf is None else int.from_bytes(buf[off:off + 8], "little")
        return int.from_bytes(self.read(addr, 8), "little")

    def read_u128(self, addr: int) -> tuple[int, int]:
        """One 128-bit bus read (both qwords or an error), low qword first."""
        off = addr & (PAGE - 1)
        if not self._errors and off <= PAGE - 16 and 0 <= addr <= ADDR_LIMIT - 16:
            buf = self._pages.get(addr >> 12)  # fast path: inside one page, no error ranges
            if buf is None:
                return 0, 0
            return (int.from_bytes(buf[off:off + 8], "little"),
                    int.from_bytes(buf[off + 8:off + 16], "little"))
        raw = self.read(addr, 16)
        return int.from_bytes(raw[:8], "little"), int.from_bytes(raw[8:], "little")

    def page_numbers(self) -> list[int]:
        """The numbers of the 4 KB pages ever written (the rest read as zero), ascending."""
        return sorted(self._pages)

    def page_words(self, page: int) -> tuple[int, ...]:
        """The 512 little-endian 64-bit words of page number ``page`` (zeros if unwritten)."""
        buf = self._pages.get(page)
        return struct.unpack("<512Q", buf) if buf is not None else (0,) * (PAGE // 8)

    def peek_u64(self, addr: int) -> int:
        return int.from_bytes(self.peek(addr, 8), "little")

    def poke_u64(self, addr: int, value: int) -> None:
        self.poke(addr, (value & (ADDR_LIMIT - 1)).to_bytes(8, "little"))

    def pages(self) -> dict[int, bytes]:
        """Snapshot of every touched 4 KB page (page number -> contents)."""
        return {p: bytes(b) for p, b in self._pages.items()}

    @staticmethod
    def _check_range(addr: int, size: int) -> None:
        if addr < 0 or size < 0 or addr + size > ADDR_LIMIT:
            raise ValueError(f"access {addr:#x}+{size} is outside the 64-bit address space")
