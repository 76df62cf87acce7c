"""Generate doc/registers.md (the register reference) from python_model.regmap.

Usage: python -m python_model.gen_regdoc [output]          (default: doc/registers.md)
       python -m python_model.gen_regdoc --check [file]    (exit 1 when the file is stale)

The register description in ``python_model.regmap`` is the single source of truth; this
generator, like ``gen_vheader`` for ``rtl/vtd_regs.vh``, only formats it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from python_model import regmap
from python_model.config import UnitConfig

DOC = Path(__file__).resolve().parent.parent / "doc" / "registers.md"
REGEN = "python -m python_model.gen_regdoc"
RESERVED = "(reserved)"

ACCESS_LEGEND: dict[regmap.Access, str] = {
    regmap.Access.RO: "read-only: a constant or status that hardware maintains",
    regmap.Access.RW: "read-write: reads return the last value written",
    regmap.Access.RW1C: "read; writing 1 clears the bit, writing 0 leaves it "
                        "(the sticky RW1CS fields behave the same here)",
    regmap.Access.WO: "write-only: hardware keeps the value, reads return 0",
    regmap.Access.CMD: "command bit: software writes 1 to start an operation and hardware "
                       "clears it when done (or, for a one-shot bit, acts on it as a pulse)",
}


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def _hex(value: int, digits: int = 1) -> str:
    return f"0x{value:0{digits}x}"


def _span(msb: int, lsb: int) -> str:
    return str(lsb) if msb == lsb else f"{msb}:{lsb}"


def _bits(f: regmap.Field, base: int = 0) -> str:
    return _span(f.msb + base, f.lsb + base)


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return out


def _access_of(reg: regmap.Register) -> str:
    kinds: list[str] = []
    for f in sorted(reg.fields, key=lambda f: -f.msb):
        if f.access.value not in kinds:
            kinds.append(f.access.value)
    return "/".join(kinds) if kinds else "none (reads 0)"


def _default_value(reg: regmap.Register) -> int:
    """Reset value; CAP and ECAP follow the configuration, shown for the default one."""
    if not reg.computed_reset:
        return reg.reset
    cfg = UnitConfig()
    computed = {"CAP": cfg.cap, "ECAP": cfg.ecap}
    if reg.name not in computed:
        raise ValueError(f"{reg.name}: computed reset value without a rule in gen_regdoc")
    return computed[reg.name]()


def _reset_text(reg: regmap.Register) -> str:
    value = _hex(_default_value(reg), reg.size * 2)
    return f"{value} (default config)" if reg.computed_reset else value


def _gaps(fields: tuple[regmap.Field, ...], width: int) -> list[tuple[int, int]]:
    """Bit ranges (msb, lsb) that no field covers, highest first."""
    covered = [False] * width
    for f in fields:
        for b in range(f.lsb, f.msb + 1):
            covered[b] = True
    gaps: list[tuple[int, int]] = []
    b = width - 1
    while b >= 0:
        if covered[b]:
            b -= 1
            continue
        msb = b
        while b >= 0 and not covered[b]:
            b -= 1
        gaps.append((msb, b + 1))
    return gaps


def _field_rows(fields: tuple[regmap.Field, ...], width: int, value: int,
                base: int | None = None) -> list[tuple[str, ...]]:
    """One row per field and per uncovered (reserved) bit range, highest bits first.

    A Meaning column is added only when some field of the register has a description.
    """
    meaning = any(f.doc for f in fields)
    rows: list[tuple[int, tuple[str, ...]]] = []
    for f in fields:
        cells = [_bits(f)]
        if base is not None:
            cells.append(_bits(f, base))
        cells += [f.name, f.access.value, _hex(f.get(value))]
        rows.append((f.msb, tuple(cells + [f.doc] if meaning else cells)))
    for msb, lsb in _gaps(fields, width):
        cells = [_span(msb, lsb)]
        if base is not None:
            cells.append(_span(msb + base, lsb + base))
        cells += [RESERVED, "-", "0x0"]
        rows.append((msb, tuple(cells + [""] if meaning else cells)))
    return [cells for _, cells in sorted(rows, key=lambda r: -r[0])]


def _field_header(fields: tuple[regmap.Field, ...], record_bits: bool = False) \
        -> tuple[str, ...]:
    head = ("Bits", "Record bits") if record_bits else ("Bits",)
    head += ("Field", "Access", "Reset")
    return head + ("Meaning",) if any(f.doc for f in fields) else head


def _register_section(reg: regmap.Register) -> list[str]:
    title = f"### {reg.name} ({_hex(reg.offset, 3)}, {reg.size * 8}-bit)"
    out = [title, "", reg.doc.rstrip(".") + ".", ""]
    if not reg.fields:
        out += ["No fields: the register reads 0 and ignores writes.", ""]
        return out
    if reg.computed_reset:
        out += ["Its value is fixed by the configuration parameters; the reset column shows "
                "the default configuration.", ""]
    rows = _field_rows(reg.fields, reg.size * 8, _default_value(reg))
    out += _table(_field_header(reg.fields), rows)
    return out + [""]


def _overview() -> list[str]:
    rows: list[tuple[str, ...]] = []
    for reg in regmap.base_registers():
        rows.append((reg.name, _hex(reg.offset, 3), str(reg.size * 8), _access_of(reg),
                     _reset_text(reg), reg.doc))
    for reg in regmap.perf_registers():
        rows.append((reg.name, _hex(reg.offset, 3), str(reg.size * 8), _access_of(reg),
                     _hex(reg.reset, 16), f"performance counter: {reg.doc}"))
    lo = regmap.Register("FRCD<n>_LO", regmap.FRCD_BASE, 8, regmap.FRCD_LO_FIELDS)
    hi = regmap.Register("FRCD<n>_HI", regmap.FRCD_BASE + 8, 8, regmap.FRCD_HI_FIELDS)
    stride = regmap.FRCD_STRIDE
    rows.append((f"`{lo.name}`", f"{_hex(lo.offset, 3)} + {stride}n", "64", _access_of(lo),
                 _hex(lo.reset, 16), "fault recording register n, bits 63:0"))
    rows.append((f"`{hi.name}`", f"{_hex(hi.offset, 3)} + {stride}n", "64", _access_of(hi),
                 _hex(hi.reset, 16), "fault recording register n, bits 127:64"))
    rows.sort(key=lambda r: int(r[1].split()[0], 16))
    return _table(("Register", "Offset", "Bits", "Access", "Reset", "Description"), rows)


def _perf_section() -> list[str]:
    perf = regmap.perf_registers()
    shapes = {p.fields for p in perf}
    if len(shapes) != 1:
        raise ValueError("performance counters with different fields: document each one")
    out = ["## Performance counters", "",
           f"Implementation-specific, at {_hex(regmap.PERF_BASE, 3)} + 8i, one 64-bit "
           "read-only counter each, zero after reset. Every counter has the single field below; "
           "what each one counts is in the register table above and in "
           "[architecture.md](architecture.md#performance-counters).", ""]
    rows = _field_rows(perf[0].fields, 64, perf[0].reset)
    out += _table(_field_header(perf[0].fields), rows)
    return out + [""]


def _frcd_section() -> list[str]:
    out = ["## Fault recording registers", "",
           f"FRCD[n] is 128 bits wide at {_hex(regmap.FRCD_BASE, 3)} + {regmap.FRCD_STRIDE}n "
           f"(CAP.FRO = {_hex(regmap.FRO)}), for n = 0..NFR; at most "
           f"{regmap.MAX_FAULT_RECORDS} records fit below the performance counters. Software "
           "sees it as two 64-bit halves, `FRCD<n>_LO` (bits 63:0) and `FRCD<n>_HI` (bits 127:64), "
           "written `FRCD0_LO`, `FRCD0_HI`, `FRCD1_LO`, ... in scenario files. "
           "The second column gives the bit position within the 128-bit record.", ""]
    for name, fields, base in (("FRCD<n>_LO", regmap.FRCD_LO_FIELDS, 0),
                               ("FRCD<n>_HI", regmap.FRCD_HI_FIELDS, 64)):
        out += [f"### `{name}`", ""]
        rows = _field_rows(fields, 64, 0, base)
        out += _table(_field_header(fields, record_bits=True), rows)
        out.append("")
    return out


def render() -> str:
    out = [
        "# Register reference",
        "",
        f"_Generated by `{REGEN}` from `python_model/regmap.py`. Do not edit this file: "
        f"change the register description and run `{REGEN}` (`{REGEN} --check` fails when "
        "this file is stale)._",
        "",
        f"The register window is one {regmap.MMIO_SIZE // 1024} KB page. Registers are 32 or "
        "64 bits wide; a 64-bit register may also be accessed as two 32-bit halves, low half "
        "first. Offsets that hold no register, and bits that no field covers (rows marked "
        f"`{RESERVED}`), read 0 and ignore writes. Section signs (§) refer to "
        "[vtd-rules.md](vtd-rules.md), decision numbers (P1..P17) to its §10.",
        "",
        "Placement chosen by this implementation (see [conformance.md](conformance.md)): "
        f"IVA at 16 × ECAP.IRO = {_hex(regmap.IVA_OFFSET, 3)} (IRO = {_hex(regmap.IRO)}), "
        f"IOTLB at {_hex(regmap.IOTLB_OFFSET, 3)}, FRCD[0] at 16 × CAP.FRO = "
        f"{_hex(regmap.FRCD_BASE, 3)} (FRO = {_hex(regmap.FRO)}), performance counters from "
        f"{_hex(regmap.PERF_BASE, 3)}.",
        "",
        "CAP and ECAP are shown with the golden model's default configuration "
        "(`python_model/config.py`). Which registers and fields the RTL implements today "
        "(queued invalidation and interrupt remapping exist only in the golden model so far) "
        "is described in [architecture.md](architecture.md).",
        "",
        "## Access types",
        "",
    ]
    out += _table(("Access", "Meaning"),
                  [(a.value, ACCESS_LEGEND[a]) for a in regmap.Access])
    out += ["", "## Registers", ""]
    out += _overview()
    out += ["", "## Fields", ""]
    for reg in regmap.base_registers():
        out += _register_section(reg)
    out += _perf_section()
    out += _frcd_section()
    return "\n".join(out).rstrip("\n") + "\n"


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--check":
        target = Path(argv[1]) if len(argv) > 1 else DOC
        if not target.exists() or target.read_text(encoding="utf-8") != render():
            print(f"{target} is stale: run {REGEN}", file=sys.stderr)
            return 1
        return 0
    target = Path(argv[0]) if argv else DOC
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
