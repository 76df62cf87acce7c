"""Numbers and source ids as scenario files write them, and hex formatting for results files.

A number is a JSON integer or a string in hex (``"0x1f"``) or decimal (``"31"``), at most 64 bits
and never negative. JSON booleans and floats are not numbers. A source id may also be written in
PCI notation ``"bb:dd.f"`` (hex bus 0-ff, device 0-1f, function 0-7).
"""

from __future__ import annotations

import re

MAX_U64 = (1 << 64) - 1

_HEX = re.compile(r"0[xX][0-9a-fA-F]+")
_DEC = re.compile(r"[0-9]+")
_PCI = re.compile(r"([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})\.([0-7])")


class NumberError(ValueError):
    """A value is not a valid number; the message says why (without naming the field)."""


def parse_number(raw: object, bits: int = 64) -> int:
    """Parse a scenario number of at most ``bits`` bits."""
    if isinstance(raw, bool):
        raise NumberError(f"bad number {show_value(raw)}: a boolean is not a number")
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, str):
        if len(raw) > 100:  # also keeps int() clear of its digit limit
            raise NumberError(f"bad number {show_value(raw)}: longer than 100 characters")
        if _HEX.fullmatch(raw):
            value = int(raw, 16)
        elif _DEC.fullmatch(raw):
            value = int(raw, 10)
        else:
            raise NumberError(f"bad number {show_value(raw)}: expected an integer, "
                              "a hex string '0x...' or a decimal string")
    else:
        raise NumberError(f"bad number {show_value(raw)}: expected an integer, "
                          "a hex string '0x...' or a decimal string")
    if value < 0:
        raise NumberError(f"bad number {show_value(raw)}: negative")
    if value >> bits:
        raise NumberError(f"bad number {show_value(raw)}: wider than {bits} bits")
    return value


def parse_sid(raw: object) -> int:
    """Parse a 16-bit source id: a number or PCI notation ``"bb:dd.f"``."""
    if isinstance(raw, str) and ":" in raw:
        m = _PCI.fullmatch(raw)
        if not m:
            raise NumberError(f"bad source id {show_value(raw)}: expected 'bb:dd.f' "
                              "(hex bus 00-ff, hex device 00-1f, function 0-7)")
        bus, dev, fn = (int(g, 16) for g in m.groups())
        if dev > 0x1F:
            raise NumberError(f"bad source id {show_value(raw)}: device {dev:#x} is above 0x1f")
        return bus << 8 | dev << 3 | fn
    try:
        return parse_number(raw, bits=16)
    except NumberError as e:
        raise NumberError(str(e).replace("bad number", "bad source id", 1)) from None


def to_hex(value: int) -> str:
    """Results-file form of a number: lower-case hex, ``"0x0"`` for zero."""
    return f"{value:#x}"


def show_value(raw: object) -> str:
    """A value as the file wrote it (JSON spelling for booleans and null), shortened."""
    if isinstance(raw, bool):
        text = "true" if raw else "false"
    elif raw is None:
        text = "null"
    else:
        text = repr(raw)
    return text if len(text) <= 40 else text[:37] + "..."
