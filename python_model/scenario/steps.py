"""The typed, validated form of a scenario: independent of any engine (model or RTL)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from python_model.config import UnitConfig

FORMAT = "vtd-scenario/1"

# An expected field value: numbers as ints, ``status`` as a string, ``qwords`` as a list of ints.
ExpectValue = int | str | tuple[int, ...]


@dataclass(frozen=True)
class RegRef:
    """A register access: by mnemonic (``name``) or by explicit offset (``name`` is None).

    ``offset`` is where the register map places a named register; the executor re-derives the
    offsets of IVA, IOTLB and FRCD<n> from the unit's CAP.FRO and ECAP.IRO at run time.
    """

    name: str | None
    offset: int
    size: int  # 4 or 8

    def describe(self) -> str:
        return self.name if self.name else f"offset {self.offset:#x}/{self.size}"


@dataclass(frozen=True)
class MemRef:
    """The qword at an 8-byte-aligned address (a ``poll`` on memory)."""

    addr: int

    def describe(self) -> str:
        return f"memory {self.addr:#x}"


@dataclass(frozen=True)
class RegWrite:
    reg: RegRef
    value: int
    op: Literal["reg_write"] = "reg_write"


@dataclass(frozen=True)
class RegRead:
    reg: RegRef
    op: Literal["reg_read"] = "reg_read"


@dataclass(frozen=True)
class MemWrite:
    addr: int
    qwords: tuple[int, ...]
    op: Literal["mem_write"] = "mem_write"


@dataclass(frozen=True)
class MemRead:
    addr: int
    count: int
    op: Literal["mem_read"] = "mem_read"


@dataclass(frozen=True)
class Poll:
    target: RegRef | MemRef
    mask: int
    value: int
    timeout_cycles: int = 10000
    op: Literal["poll"] = "poll"


@dataclass(frozen=True)
class Dma:
    sid: int
    addr: int
    write: bool
    size: int = 4
    op: Literal["dma"] = "dma"


@dataclass(frozen=True)
class Msi:
    sid: int
    addr: int
    data: int
    op: Literal["msi"] = "msi"


@dataclass(frozen=True)
class Wait:
    cycles: int
    op: Literal["wait"] = "wait"


Action = RegWrite | RegRead | MemWrite | MemRead | Poll | Dma | Msi | Wait


@dataclass(frozen=True)
class Step:
    index: int
    action: Action
    expect: dict[str, ExpectValue] | None = None  # None when the step carries no "expect"
    comment: str | None = None

    @property
    def op(self) -> str:
        return self.action.op


@dataclass(frozen=True)
class MemoryRun:
    """Initial memory: little-endian qwords from an 8-byte-aligned address."""

    addr: int
    qwords: tuple[int, ...]


@dataclass(frozen=True)
class BusError:
    """Extension ``memory_errors``: the unit's own accesses touching this range get a bus error."""

    addr: int
    size: int
    on_read: bool
    on_write: bool


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    config_params: dict[str, object]  # as written (numbers parsed), for the RTL's parameters
    config: UnitConfig  # the same, validated
    memory: tuple[MemoryRun, ...]
    memory_errors: tuple[BusError, ...]
    steps: tuple[Step, ...]
    source: str = "<scenario>"  # file path, for messages
    # The decoded JSON document, e.g. for an RTL runner that hands the file to a simulator
    # process: json.dumps(scenario.document) re-creates an equivalent file.
    document: Mapping[str, object] | None = field(default=None, compare=False, repr=False)

    @property
    def expect_count(self) -> int:
        return sum(1 for s in self.steps if s.expect is not None)

    def reg_refs(self) -> list[RegRef]:
        """Every register a step names or addresses."""
        refs: list[RegRef] = []
        for s in self.steps:
            a = s.action
            if isinstance(a, (RegWrite, RegRead)):
                refs.append(a.reg)
            elif isinstance(a, Poll) and isinstance(a.target, RegRef):
                refs.append(a.target)
        return refs
