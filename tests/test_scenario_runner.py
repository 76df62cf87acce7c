"""Tests of the scenario runner (python_model.scenario): syntax, validation, execution,
results documents, comparison and the command line."""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from python_model import regmap
from python_model.scenario import (
    FaultRecordEntry,
    NumberError,
    ResultsDoc,
    Run,
    Scenario,
    ScenarioError,
    StepResult,
    compare,
    execute,
    parse_document,
    parse_number,
    parse_sid,
    parse_text,
    to_hex,
)
from python_model.scenario.results import Event
from python_model.scenario.steps import MemRef, RegRef
from tb.flows.scenario.cli import main

REPO = Path(__file__).resolve().parent.parent
SCENARIOS = REPO / "tests" / "scenarios"
HEX = re.compile(r"0x(0|[1-9a-f][0-9a-f]*)")


# --------------------------------------------------------------------------- helpers


def doc(steps: list[object], **top: object) -> dict[str, object]:
    d: dict[str, object] = {"format": "vtd-scenario/1", "name": "t", "steps": steps}
    d.update(top)
    return d


def write(tmp_path: Path, d: object, name: str = "s.json") -> Path:
    p = tmp_path / name
    p.write_text(d if isinstance(d, str) else json.dumps(d), encoding="utf-8")
    return p


def invalid_message(d: object) -> str:
    with pytest.raises(ScenarioError) as info:
        if isinstance(d, str):
            parse_text(d, "scenario.json")
        else:
            parse_document(d, "scenario.json")
    return str(info.value)


class FakeEngine:
    """A tiny engine with fixed behaviour, to test the runner without the model.

    Registers are a dict by offset; CAP/ECAP advertise ``fro``/``iro``. A DMA from sid 1 is
    ok with hpa = addr + 0x10000; any other sid faults with reason 5, records a fault and
    raises an event.
    """

    name = "fake"

    def __init__(self, fro: int = regmap.FRO, iro: int = regmap.IRO, nfr: int = 7) -> None:
        self.regs: dict[int, int] = {0x8: fro << 24 | nfr << 40, 0x10: iro << 8}
        self.mem: dict[int, int] = {}
        self.errors: list[tuple[int, int, bool, bool]] = []
        self.log: list[tuple[object, ...]] = []
        self._events: list[tuple[int, int]] = []
        self.records: list[FaultRecordEntry] = []

    def reg_read(self, offset: int, size: int) -> int:
        self.log.append(("reg_read", offset, size))
        return self.regs.get(offset, 0)

    def reg_write(self, offset: int, size: int, value: int) -> None:
        self.log.append(("reg_write", offset, size, value))
        self.regs[offset] = value

    def mem_write(self, addr: int, qwords: Sequence[int]) -> None:
        for i, q in enumerate(qwords):
            self.mem[addr + 8 * i] = q

    def mem_read(self, addr: int, count: int) -> list[int]:
        return [self.mem.get(addr + 8 * i, 0) for i in range(count)]

    def add_memory_error(self, addr: int, size: int, on_read: bool, on_write: bool) -> None:
        self.errors.append((addr, size, on_read, on_write))

    def poll(self, target: RegRef | MemRef, mask: int, value: int, timeout_cycles: int) -> bool:
        self.log.append(("poll", target, mask, value, timeout_cycles))
        x = self.mem.get(target.addr, 0) if isinstance(target, MemRef) \
            else self.regs.get(target.offset, 0)
        return x & mask == value

    def dma(self, sid: int, addr: int, write: bool, size: int) -> Mapping[str, object]:
        self.log.append(("dma", sid, addr, write, size))
        if sid == 1:
            return {"status": "ok", "hpa": addr + 0x10000}
        self.records.append(FaultRecordEntry(len(self.records), sid, addr & ~0xFFF, write, 5))
        self._events.append((0xFEE00000, 0x40 + len(self._events)))
        return {"status": "fault", "reason": 5}

    def msi(self, sid: int, addr: int, data: int) -> Mapping[str, object]:
        return {"status": "ok", "vector": data & 0xFF, "dest": addr >> 12 & 0xFF,
                "dest_mode": addr >> 2 & 1, "delivery_mode": data >> 8 & 7,
                "trigger_mode": data >> 15 & 1, "redirection_hint": addr >> 3 & 1}

    def wait(self, cycles: int) -> None:
        self.log.append(("wait", cycles))

    def events(self) -> Sequence[tuple[int, int]]:
        return list(self._events)

    def fault_records(self) -> list[FaultRecordEntry]:
        return list(self.records)

    def fsts(self) -> int:
        return 2 if self.records else 0


def run_fake(d: dict[str, object], engine: FakeEngine | None = None) -> Run:
    return execute(parse_document(d, "t.json"), engine or FakeEngine())




# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(("raw", "value"), [
    (0, 0), (31, 31), ("0x1f", 31), ("0X1F", 31), ("31", 31), ("0", 0), ("0x0", 0),
    ((1 << 64) - 1, (1 << 64) - 1), ("0xffffffffffffffff", (1 << 64) - 1),
    ("18446744073709551615", (1 << 64) - 1), ("007", 7),
])
def test_numbers_accepted(raw: object, value: int) -> None:
    assert parse_number(raw) == value


@pytest.mark.parametrize("raw", [
    True, False, None, 1.0, 1.5, -1, "-1", "-0x1", "0x", "", " 1", "1 ", "1_000", "0b101", "1e3",
    "zz", "0x1g", 1 << 64, "0x10000000000000000", "18446744073709551616", [1], {"a": 1},
])
def test_numbers_rejected(raw: object) -> None:
    with pytest.raises(NumberError, match="bad number"):
        parse_number(raw)


def test_number_width_limit() -> None:
    assert parse_number("0xffffffff", bits=32) == 0xFFFFFFFF
    with pytest.raises(NumberError, match="wider than 32 bits"):
        parse_number("0x100000000", bits=32)


@pytest.mark.parametrize(("raw", "sid"), [
    ("01:00.0", 0x0100), ("00:00.0", 0), ("ff:1f.7", 0xFFFF), ("3:1.2", 0x30A), ("0A:0b.1", 0xA59),
    (0x100, 0x100), ("0x100", 0x100), ("256", 0x100), (0xFFFF, 0xFFFF),
])
def test_sid_accepted(raw: object, sid: int) -> None:
    assert parse_sid(raw) == sid


@pytest.mark.parametrize("raw", [
    "01:20.0", "01:00.8", "100:00.0", "01:000.0", "01:00", "0000:01:00.0", "01.00.0", "g1:00.0",
    0x10000, "0x10000", -1, True, "01:00.0 ",
])
def test_sid_rejected(raw: object) -> None:
    with pytest.raises(NumberError, match="bad source id"):
        parse_sid(raw)


def test_hex_formatting() -> None:
    assert to_hex(0) == "0x0"
    assert to_hex(0x2345000) == "0x2345000"
    assert to_hex(0xABCDEF) == "0xabcdef"
    assert to_hex((1 << 64) - 1) == "0xffffffffffffffff"


# --------------------------------------------------------------------------- validation

OK_STEP = {"op": "reg_read", "reg": "VER"}
# (bad step placed at index 1, op shown in the message, field named, message fragment)
BAD_STEPS: list[tuple[object, str | None, str | None, str]] = [
    ({"op": "dma_read", "sid": 1}, None, "op", "unknown op 'dma_read'"),
    ({"op": 3}, None, "op", "unknown op 3"),
    ({"reg": "VER"}, None, "op", "missing"),
    ({"op": "dma", "sid": 1, "write": False}, "dma", "addr", "missing"),
    ({"op": "dma", "sid": 1, "addr": 0}, "dma", "write", "missing"),
    ({"op": "dma", "addr": 0, "write": False}, "dma", "sid", "missing"),
    ({"op": "reg_write", "reg": "RTADDR"}, "reg_write", "value", "missing"),
    ({"op": "mem_write", "addr": 0}, "mem_write", "qwords", "missing"),
    ({"op": "mem_read", "addr": 0}, "mem_read", "count", "missing"),
    ({"op": "msi", "sid": 1, "addr": "0xfee00000"}, "msi", "data", "missing"),
    ({"op": "wait"}, "wait", "cycles", "missing"),
    ({"op": "reg_read", "reg": "VER", "vlaue": 1}, "reg_read", "vlaue", "unknown field"),
    ({"op": "dma", "sid": 1, "adr": 0, "addr": 0, "write": False}, "dma", "adr",
     "unknown field (did you mean 'addr'?)"),
    ({"op": "wait", "cycles": 1, "expected": {}}, "wait", "expected", "unknown field"),
    ({"op": "dma", "sid": 1, "addr": "zz", "write": False}, "dma", "addr", "bad number 'zz'"),
    ({"op": "dma", "sid": 1, "addr": -4, "write": False}, "dma", "addr", "negative"),
    ({"op": "dma", "sid": 1, "addr": "0x10000000000000000", "write": False}, "dma", "addr",
     "wider than 64 bits"),
    ({"op": "reg_write", "reg": "RTADDR", "value": True}, "reg_write", "value", "boolean"),
    ({"op": "reg_write", "reg": "RTADDR", "value": 1.5}, "reg_write", "value", "bad number"),
    ({"op": "reg_write", "reg": "GCMD", "value": "0x100000000"}, "reg_write", "value",
     "wider than 32 bits"),
    ({"op": "dma", "sid": "01:20.0", "addr": 0, "write": False}, "dma", "sid", "bad source id"),
    ({"op": "dma", "sid": 1, "addr": 0, "write": "true"}, "dma", "write", "expected true or false"),
    ({"op": "reg_read", "reg": "RTADDR_REG"}, "reg_read", "reg",
     "unknown register 'RTADDR_REG' (did you mean 'RTADDR'?)"),
    ({"op": "reg_read", "reg": "rtaddr"}, "reg_read", "reg", "did you mean 'RTADDR'"),
    ({"op": "reg_read", "reg": "FRCD8_LO"}, "reg_read", "reg", "FRCD0..FRCD7 (NFR=7"),
    ({"op": "reg_read", "reg": 5}, "reg_read", "reg", "expected a string"),
    ({"op": "reg_read", "reg": "VER", "offset": 0}, "reg_read", "offset", "not both"),
    ({"op": "reg_read", "reg": "VER", "size": 4}, "reg_read", "size", "only with 'offset'"),
    ({"op": "reg_read", "offset": "0x20"}, "reg_read", "size", "needs an explicit 'size'"),
    ({"op": "reg_read", "size": 4}, "reg_read", "size", "only with 'offset'"),
    ({"op": "reg_read"}, "reg_read", "reg", "missing"),
    ({"op": "reg_read", "offset": "0x20", "size": 2}, "reg_read", "size", "not 4 or 8"),
    ({"op": "reg_read", "offset": "0x24", "size": 8}, "reg_read", "offset", "not aligned"),
    ({"op": "reg_write", "offset": "0x22", "size": 4, "value": 0}, "reg_write", "offset",
     "not aligned"),
    ({"op": "reg_read", "offset": "0x1000", "size": 4}, "reg_read", "offset",
     "outside the register window"),
    ({"op": "reg_write", "offset": "0x18", "size": 4, "value": "0x100000000"}, "reg_write",
     "value", "wider than 32 bits"),
    ({"op": "mem_write", "addr": "0x1004", "qwords": [0]}, "mem_write", "addr",
     "not 8-byte aligned"),
    ({"op": "mem_read", "addr": "0x1001", "count": 1}, "mem_read", "addr", "not 8-byte aligned"),
    ({"op": "mem_write", "addr": 0, "qwords": "0x1"}, "mem_write", "qwords",
     "expected a list of numbers"),
    ({"op": "mem_write", "addr": 0, "qwords": []}, "mem_write", "qwords", "empty list"),
    ({"op": "mem_write", "addr": 0, "qwords": [1, "x"]}, "mem_write", "qwords[1]", "bad number"),
    ({"op": "mem_write", "addr": "0xfffffffffffffff8", "qwords": [1, 2]}, "mem_write", "qwords",
     "past the end"),
    ({"op": "mem_read", "addr": 0, "count": 0}, "mem_read", "count", "not in 1.."),
    ({"op": "poll", "reg": "GSTS", "value": 0}, "poll", "mask", "missing"),
    ({"op": "poll", "reg": "GSTS", "mask": 1}, "poll", "value", "missing"),
    ({"op": "poll", "mask": 1, "value": 1}, "poll", "reg", "missing"),
    ({"op": "poll", "reg": "GSTS", "addr": 0, "mask": 1, "value": 1}, "poll", "reg", "not both"),
    ({"op": "poll", "addr": 4, "mask": 1, "value": 1}, "poll", "addr", "not 8-byte aligned"),
    ({"op": "poll", "reg": "GSTS", "mask": 1, "value": 3}, "poll", "value", "outside mask"),
    ({"op": "poll", "reg": "GSTS", "mask": "0x100000000", "value": 0}, "poll", "mask",
     "wider than 32 bits"),
    ({"op": "dma", "sid": 1, "addr": "0xffe", "write": False}, "dma", "addr",
     "crosses a 4 KiB page"),
    ({"op": "dma", "sid": 1, "addr": "0x1000", "write": False, "size": 4097}, "dma", "size",
     "not in 1..4096"),
    ({"op": "dma", "sid": 1, "addr": "0x1000", "write": False, "size": 0}, "dma", "size",
     "not in 1..4096"),
    ({"op": "dma", "sid": 1, "addr": "0xfee00000", "write": True}, "dma", "addr",
     "write it as an 'msi' op"),
    ({"op": "dma", "sid": 1, "addr": "0xfeeffffc", "write": True, "size": 4}, "dma", "addr",
     "msi"),
    ({"op": "msi", "sid": 1, "addr": "0xfed00000", "data": 0}, "msi", "addr",
     "outside the interrupt range"),
    ({"op": "msi", "sid": 1, "addr": "0xfef00000", "data": 0}, "msi", "addr",
     "outside the interrupt range"),
    ({"op": "msi", "sid": 1, "addr": "0xfee00000", "data": "0x100000000"}, "msi", "data",
     "wider than 32 bits"),
    ({"op": "reg_read", "reg": "VER", "expect": [1]}, "reg_read", "expect",
     "must be a JSON object"),
    ({"op": "reg_write", "reg": "RTADDR", "value": 0, "expect": {"value": 0}}, "reg_write",
     "expect.value", "never has 'value'"),
    ({"op": "reg_read", "reg": "VER", "expect": {"status": "ok"}}, "reg_read", "expect.status",
     "never has 'status'"),
    ({"op": "dma", "sid": 1, "addr": 0, "write": False, "expect": {"vector": 1}}, "dma",
     "expect.vector", "never has 'vector'"),
    ({"op": "dma", "sid": 1, "addr": 0, "write": False, "expect": {"hpa": 0, "reason": 5}},
     "dma", "expect", "no result of dma has all of hpa, reason"),
    ({"op": "dma", "sid": 1, "addr": 0, "write": False, "expect": {"status": "fault", "hpa": 0}},
     "dma", "expect", "no result of dma"),
    ({"op": "dma", "sid": 1, "addr": 0, "write": False, "expect": {"status": "timeout"}},
     "dma", "expect.status", "expected one of 'ok', 'fault'"),
    ({"op": "dma", "sid": 1, "addr": 0, "write": False, "expect": {"reason": "zz"}},
     "dma", "expect.reason", "bad number"),
    ({"op": "mem_read", "addr": 0, "count": 2, "expect": {"qwords": [1]}}, "mem_read",
     "expect.qwords", "count is 2"),
    ({"op": "mem_read", "addr": 0, "count": 1, "expect": {"qwords": "1"}}, "mem_read",
     "expect.qwords", "expected a list"),
    ({"op": "wait", "cycles": 1, "comment": 7}, "wait", "comment", "expected a string"),
    ("not an object", None, None, "must be a JSON object"),
]


@pytest.mark.parametrize(("bad", "op", "field", "fragment"), BAD_STEPS)
def test_invalid_step_names_step_and_field(bad: object, op: str | None, field: str | None,
                                           fragment: str) -> None:
    msg = invalid_message(doc([OK_STEP, bad]))
    where = f"scenario.json: step 1 ({op})" if op else "scenario.json: step 1"
    assert msg.startswith(where + ":"), msg
    if field:
        assert f"field {field!r}" in msg, msg
    assert fragment in msg, msg


def test_message_format_matches_the_documented_example() -> None:
    msg = invalid_message(doc([OK_STEP, OK_STEP, OK_STEP,
                               {"op": "dma", "sid": 1, "addr": "zz", "write": False}]))
    assert msg.startswith("scenario.json: step 3 (dma): field 'addr': bad number 'zz'")


BAD_DOCS: list[tuple[object, str]] = [
    (doc([], stepz=[]), "field 'stepz': unknown field (did you mean 'steps'?)"),
    ({**doc([]), "format": "vtd-scenario/2"}, "field 'format': expected 'vtd-scenario/1'"),
    ({"name": "t", "steps": []}, "field 'format': missing"),
    ({"format": "vtd-scenario/1", "name": "t"}, "field 'steps': missing"),
    ({"format": "vtd-scenario/1", "steps": []}, "field 'name': missing"),
    (doc([], name=""), "field 'name': empty"),
    (doc({}), "field 'steps': must be a list"),
    (doc([], config={"IOTLB_SIZE": 4}), "unknown parameter 'IOTLB_SIZE'"),
    (doc([], config={"NFR": 1000}), "config parameter NFR=1000"),
    (doc([], config={"HAW": True}), "config.HAW"),
    (doc([], config=[1]), "field 'config': must be a JSON object"),
    (doc([], memory=[{"addr": "0x1004", "qwords": [1]}]),
     "memory[0]: field 'addr': 0x1004 is not 8-byte aligned"),
    (doc([], memory=[{"addr": 0, "qwords": [1], "size": 8}]), "memory[0]: field 'size'"),
    (doc([], memory={"addr": 0}), "field 'memory': must be a list"),
    (doc([], memory_errors=[{"addr": 0, "size": 0}]), "memory_errors[0]: field 'size'"),
    (doc([], memory_errors=[{"addr": 0, "size": 8, "access": "rw"}]),
     "memory_errors[0]: field 'access'"),
    (doc([], memory_errors=[{"addr": "0xffffffffffffffff", "size": 2}]),
     "memory_errors[0]: field 'size'"),
    ([], "must be a JSON object"),
]


@pytest.mark.parametrize(("bad", "fragment"), BAD_DOCS)
def test_invalid_document(bad: object, fragment: str) -> None:
    msg = invalid_message(bad)
    assert msg.startswith("scenario.json: "), msg
    assert fragment in msg, msg


def test_frcd_names_follow_config_nfr() -> None:
    s = parse_document(doc([{"op": "reg_read", "reg": "FRCD2_HI"}], config={"NFR": 2}))
    ref = s.steps[0].action.reg  # type: ignore[union-attr]
    assert (ref.name, ref.offset, ref.size) == ("FRCD2_HI", regmap.FRCD_BASE + 2 * 16 + 8, 8)
    msg = invalid_message(doc([{"op": "reg_read", "reg": "FRCD3_LO"}], config={"NFR": 2}))
    assert "step 0 (reg_read): field 'reg'" in msg and "NFR=2" in msg


def test_every_mnemonic_of_the_format_resolves() -> None:
    names = ["VER", "CAP", "ECAP", "GCMD", "GSTS", "RTADDR", "CCMD", "FSTS", "FECTL", "FEDATA",
             "FEADDR", "FEUADDR", "AFLOG", "PMEN", "PLMBASE", "PLMLIMIT", "PHMBASE", "PHMLIMIT",
             "IQH", "IQT", "IQA", "ICS", "IECTL", "IEDATA", "IEADDR", "IEUADDR", "IRTA", "IVA",
             "IOTLB", "FRCD0_LO", "FRCD7_HI", "PERF_REQUESTS"]
    s = parse_document(doc([{"op": "reg_read", "reg": n} for n in names]))
    sizes = {st.action.reg.name: st.action.reg.size for st in s.steps}  # type: ignore[union-attr]
    assert sizes["GCMD"] == 4 and sizes["RTADDR"] == 8 and sizes["FEDATA"] == 4
    assert sizes["IVA"] == 8 and sizes["FRCD0_LO"] == 8 and sizes["PHMBASE"] == 8


@pytest.mark.parametrize(("text", "fragment"), [
    ('{"format": "vtd-scenario/1",\n "steps": [}', "scenario.json: line 2 column 12: invalid JSON"),
    ('{"format": "vtd-scenario/1", "name": "a", "steps": [], "name": "b"}',
     "duplicate key 'name'"),
    ("", "line 1 column 1: invalid JSON"),
])
def test_json_syntax_errors(text: str, fragment: str) -> None:
    assert fragment in invalid_message(text)


def test_defaults_and_typed_steps() -> None:
    s = parse_document(doc([
        {"op": "poll", "reg": "GSTS", "mask": "0x80000000", "value": "0x80000000"},
        {"op": "dma", "sid": "01:00.0", "addr": "0x7000", "write": False},
        {"op": "dma", "sid": 1, "addr": "0xfee00000", "write": True, "size": 8},
        {"op": "dma", "sid": 1, "addr": "0xfee00000", "write": False},
        {"op": "poll", "addr": "0x1000", "mask": "0xff", "value": 1, "timeout_cycles": 0},
    ], memory_errors=[{"addr": "0x1000", "size": 16}]))
    poll = s.steps[0].action
    assert poll.timeout_cycles == 10000  # type: ignore[union-attr]
    dma = s.steps[1].action
    assert (dma.sid, dma.size, dma.write) == (0x100, 4, False)  # type: ignore[union-attr]
    assert s.memory_errors[0].on_read and s.memory_errors[0].on_write
    assert s.steps[4].action.target == MemRef(0x1000)  # type: ignore[union-attr]


# --------------------------------------------------------------------------- execution (fake)


def test_execute_records_results_events_and_records() -> None:
    run = run_fake(doc([
        {"op": "reg_write", "reg": "FEDATA", "value": 7},
        {"op": "reg_read", "reg": "FEDATA", "expect": {"value": 7}},
        {"op": "dma", "sid": 1, "addr": "0x7010", "write": False,
         "expect": {"status": "ok", "hpa": "0x17010"}},
        {"op": "wait", "cycles": 3},
        {"op": "dma", "sid": 2, "addr": "0x8000", "write": True,
         "expect": {"status": "fault", "reason": 5}},
        {"op": "dma", "sid": 3, "addr": "0x9000", "write": False},
    ], memory=[{"addr": "0x100", "qwords": ["0x5"]}]))
    assert run.ok and run.expect_failures == []
    d = run.doc
    assert [r.op for r in d.results] == ["reg_write", "reg_read", "dma", "wait", "dma", "dma"]
    assert d.results[2] == StepResult(2, "dma", {"status": "ok", "hpa": 0x17010})
    assert d.results[4].fields == {"status": "fault", "reason": 5}
    assert d.events == [Event(4, 0xFEE00000, 0x40), Event(5, 0xFEE00000, 0x41)]
    assert [r.index for r in d.fault_records] == [0, 1]
    assert d.fsts == 2


def test_memory_and_memory_errors_reach_the_engine() -> None:
    eng = FakeEngine()
    run = run_fake(doc([{"op": "mem_read", "addr": "0x100", "count": 2,
                         "expect": {"qwords": ["0x5", "0x6"]}}],
                       memory=[{"addr": "0x100", "qwords": ["0x5", 6]}],
                       memory_errors=[{"addr": "0x3000", "size": "0x1000", "access": "read"},
                                      {"addr": "0x5000", "size": 8, "access": "write"}]), eng)
    assert run.ok
    assert eng.errors == [(0x3000, 0x1000, True, False), (0x5000, 8, False, True)]


def test_failed_expect_is_reported_and_the_run_continues() -> None:
    run = run_fake(doc([
        {"op": "dma", "sid": 1, "addr": "0x1000", "write": False,
         "expect": {"status": "fault", "reason": "0x5"}},
        {"op": "reg_read", "reg": "GSTS", "expect": {"value": "0x80000000"}},
        {"op": "dma", "sid": 2, "addr": "0x2000", "write": False, "expect": {"reason": 6}},
        {"op": "mem_read", "addr": 0, "count": 2, "expect": {"qwords": [0, 1]}},
    ]))
    assert not run.ok
    assert len(run.doc.results) == 4  # all steps ran
    fails = [(f.step, f.field) for f in run.expect_failures]
    assert fails == [(0, "status"), (0, "reason"), (1, "value"), (2, "reason"), (3, "qwords")]
    text = [str(f) for f in run.expect_failures]
    assert text[0] == "step 0 (dma) on fake: expect 'status': expected 'fault', got 'ok'"
    assert text[1].startswith("step 0 (dma) on fake: expect 'reason': expected 0x5, the result "
                              "has no 'reason'")
    assert "hpa: 0x11000" in text[1]
    assert text[2] == "step 1 (reg_read) on fake: expect 'value': expected 0x80000000, got 0x0"
    assert text[3] == "step 2 (dma) on fake: expect 'reason': expected 0x6, got 0x5"
    assert text[4].endswith("expected [0x0, 0x1], got [0x0, 0x0]")


def test_expect_numbers_compare_as_integers() -> None:
    run = run_fake(doc([{"op": "dma", "sid": 1, "addr": 16, "write": False,
                         "expect": {"hpa": "65552"}},
                        {"op": "dma", "sid": 1, "addr": 16, "write": False,
                         "expect": {"hpa": 65552}},
                        {"op": "dma", "sid": 1, "addr": 16, "write": False,
                         "expect": {"hpa": "0x00010010"}}]))
    assert run.ok


def test_poll_uses_register_or_memory_target() -> None:
    eng = FakeEngine()
    eng.regs[0x1C] = 0x80000000
    run = run_fake(doc([
        {"op": "poll", "reg": "GSTS", "mask": "0x80000000", "value": "0x80000000",
         "expect": {"status": "ok"}},
        {"op": "poll", "offset": "0x1c", "size": 4, "mask": 1, "value": 1, "timeout_cycles": 5,
         "expect": {"status": "timeout"}},
        {"op": "mem_write", "addr": "0x40", "qwords": ["0xab"]},
        {"op": "poll", "addr": "0x40", "mask": "0xff", "value": "0xab",
         "expect": {"status": "ok"}},
    ]), eng)
    assert run.ok, run.expect_failures
    polls = [e for e in eng.log if e[0] == "poll"]
    assert polls[0] == ("poll", RegRef("GSTS", 0x1C, 4), 0x80000000, 0x80000000, 10000)
    assert polls[1] == ("poll", RegRef(None, 0x1C, 4), 1, 1, 5)
    assert polls[2][1] == MemRef(0x40)


def test_placed_registers_follow_cap_fro_and_ecap_iro() -> None:
    d = doc([{"op": "reg_read", "reg": "FRCD1_HI"}, {"op": "reg_write", "reg": "IVA", "value": 0},
             {"op": "reg_read", "reg": "RTADDR"}])
    good = FakeEngine()
    run = run_fake(d, good)
    assert run.problems == []
    assert ("reg_read", regmap.FRCD_BASE + 16 + 8, 8) in good.log
    assert ("reg_write", regmap.IVA_OFFSET, 8, 0) in good.log
    moved = FakeEngine(fro=0x22, iro=0x0F)  # QEMU's placement
    run = run_fake(d, moved)
    assert ("reg_read", 0x220 + 16 + 8, 8) in moved.log
    assert ("reg_write", 0xF0, 8, 0) in moved.log
    assert ("reg_read", 0x20, 8) in moved.log
    assert not run.ok and len(run.problems) == 2
    assert any("CAP.FRO places it at 0x238" in p for p in run.problems)
    assert any("ECAP.IRO places it at 0xf0" in p for p in run.problems)


def test_cap_is_not_read_when_no_placed_register_is_used() -> None:
    eng = FakeEngine()
    run_fake(doc([{"op": "reg_read", "reg": "VER"}]), eng)
    assert eng.log == [("reg_read", 0, 4)]


def test_engine_nfr_smaller_than_config_is_a_problem() -> None:
    run = run_fake(doc([{"op": "reg_read", "reg": "FRCD5_LO"}]), FakeEngine(nfr=3))
    assert run.problems and "CAP.NFR=3" in run.problems[0]


# --------------------------------------------------------------------------- results document


def sample_doc(engine: str = "model") -> ResultsDoc:
    return ResultsDoc(
        "sample", engine,
        [StepResult(0, "reg_write"), StepResult(1, "reg_read", {"value": 0}),
         StepResult(2, "mem_read", {"qwords": (0, 0xAB)}),
         StepResult(3, "dma", {"status": "ok", "hpa": 0x2345000}),
         StepResult(4, "dma", {"status": "fault", "reason": 5}),
         StepResult(5, "poll", {"status": "timeout"})],
        [Event(4, 0xFEE00000, 0x40)],
        [FaultRecordEntry(0, 0x100, 0x7000, True, 5), FaultRecordEntry(3, 0, 0, False, 0x29)],
        0x2)


def test_results_json_is_exactly_the_documented_shape() -> None:
    j = json.loads(sample_doc().dumps())
    assert list(j) == ["format", "scenario", "engine", "results", "events", "fault_records",
                       "fsts"]
    assert j["format"] == "vtd-results/1" and j["scenario"] == "sample" and j["engine"] == "model"
    assert j["results"][0] == {"step": 0, "op": "reg_write"}
    assert j["results"][1] == {"step": 1, "op": "reg_read", "value": "0x0"}
    assert j["results"][2] == {"step": 2, "op": "mem_read", "qwords": ["0x0", "0xab"]}
    assert j["results"][3] == {"step": 3, "op": "dma", "status": "ok", "hpa": "0x2345000"}
    assert j["results"][4] == {"step": 4, "op": "dma", "status": "fault", "reason": "0x5"}
    assert j["results"][5] == {"step": 5, "op": "poll", "status": "timeout"}
    assert j["events"] == [{"after_step": 4, "addr": "0xfee00000", "data": "0x40"}]
    assert j["fault_records"][0] == {"index": 0, "sid": "0x100", "fi": "0x7000", "write": True,
                                     "reason": "0x5"}
    assert list(j["fault_records"][1]) == ["index", "sid", "fi", "write", "reason"]
    assert j["fault_records"][1]["write"] is False and j["fault_records"][1]["index"] == 3
    assert j["fsts"] == "0x2"


def test_results_roundtrip() -> None:
    d = sample_doc()
    back = ResultsDoc.from_json(json.loads(d.dumps()))
    assert back == d and back.agrees_with(d)


def test_msi_result_field_order() -> None:
    run = run_fake(doc([{"op": "msi", "sid": "00:02.0", "addr": "0xfee0300c", "data": "0x8123"}]))
    j = run.doc.results[0].to_json()
    assert list(j) == ["step", "op", "status", "vector", "dest", "dest_mode", "delivery_mode",
                       "trigger_mode", "redirection_hint"]
    assert j["vector"] == "0x23" and j["dest"] == "0x3" and j["delivery_mode"] == "0x1"


# --------------------------------------------------------------------------- comparison


def test_compare_equal_docs() -> None:
    assert compare(sample_doc("model"), sample_doc("verilator")) == []
    assert sample_doc("model").agrees_with(sample_doc("icarus"))


def test_compare_names_first_differing_step_and_both_values() -> None:
    a, b = sample_doc("model"), sample_doc("verilator")
    b.results[3] = StepResult(3, "dma", {"status": "fault", "reason": 6})
    b.results[5] = StepResult(5, "poll", {"status": "ok"})
    diffs = compare(a, b)
    assert len(diffs) == 1 and diffs[0].step == 3 and diffs[0].part == "results"
    assert str(diffs[0]) == ("step 3 (dma): model {status: 'ok', hpa: 0x2345000}, "
                             "verilator {status: 'fault', reason: 0x6}")
    assert not a.agrees_with(b)


def test_compare_events_records_fsts_and_lengths() -> None:
    a, b = sample_doc("model"), sample_doc("icarus")
    b.events = [Event(4, 0xFEE00000, 0x41)]
    b.fault_records = b.fault_records[:1]
    b.fsts = 0x3
    b.results = b.results[:4]
    msgs = {d.part: str(d) for d in compare(a, b)}
    assert msgs["results"] == "results: model has 6 steps, icarus has 4"
    assert msgs["events"] == ("event 0 (step 4): model after step 4: addr 0xfee00000 data 0x40, "
                              "icarus after step 4: addr 0xfee00000 data 0x41")
    assert msgs["fault_records"].startswith("fault record 1: model FRCD3: sid 0x0")
    assert msgs["fault_records"].endswith("icarus none")
    assert msgs["fsts"] == "fsts at the end: model 0x2, icarus 0x3"
    assert not a.agrees_with(b)
    only_scenario_differs = sample_doc()
    only_scenario_differs.scenario = "other"
    assert sample_doc().agrees_with(only_scenario_differs)


def test_compare_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = sample_doc().write(tmp_path / "a.json")
    b_doc = sample_doc("verilator")
    b = b_doc.write(tmp_path / "b.json")
    assert main(["compare", str(a), str(b)]) == 0
    b_doc.results[1] = StepResult(1, "reg_read", {"value": 1})
    b_doc.write(b)
    assert main(["compare", str(a), str(b)]) == 1
    assert "DIFF step 1 (reg_read): model {value: 0x0}, verilator {value: 0x1}" in \
        capsys.readouterr().out
    (tmp_path / "c.json").write_text("{}")
    assert main(["compare", str(a), str(tmp_path / "c.json")]) == 2


# --------------------------------------------------------------------------- CLI


def test_cli_invalid_file_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = write(tmp_path, doc([OK_STEP, {"op": "dma", "sid": 1, "addr": "zz", "write": False}]))
    assert main(["run", str(p), "--sim", "model", "--out", str(tmp_path / "r.json")]) == 2
    err = capsys.readouterr().err
    assert f"{p}: step 1 (dma): field 'addr': bad number 'zz'" in err
    assert not (tmp_path / "r.json").exists()
    assert main(["run", str(tmp_path / "missing.json")]) == 2
    assert "cannot read" in capsys.readouterr().err
    assert main(["check", str(p)]) == 2


def test_cli_unavailable_rtl_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from tb.flows.scenario import cli
    from tb.flows.scenario.errors import RtlUnavailable

    def unavailable(scenario: object, sim: str, waves: bool) -> object:
        raise RtlUnavailable(f"SIM={sim}: iverilog is not installed")

    monkeypatch.setattr(cli, "run_rtl", unavailable)
    p = write(tmp_path, doc([OK_STEP]))
    assert main(["run", str(p), "--sim", "verilator", "--out", str(tmp_path / "r.json")]) == 2
    assert "SIM=verilator: iverilog is not installed" in capsys.readouterr().err
    assert not (tmp_path / "r.json").exists()


def test_cli_rtl_unsupported_is_exit_2_and_skipped_in_suite(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from tb.flows.scenario import cli
    from tb.flows.scenario.errors import ScenarioUnsupported

    def refuse(scenario: object, sim: str, waves: bool) -> object:
        raise ScenarioUnsupported("needs queued invalidation (ECAP.QI=0)")

    monkeypatch.setattr(cli, "run_rtl", refuse)
    p = write(tmp_path, doc([OK_STEP]))
    assert main(["run", str(p), "--sim", "icarus"]) == 2
    assert "needs queued invalidation (ECAP.QI=0); run it with SIM=model" in capsys.readouterr().err
    assert main(["suite", str(tmp_path), "--sim", "icarus"]) == 0
    out = capsys.readouterr().out
    assert "SKIP    " in out and "1 skipped (features the RTL build turns off): PASS" in out


def test_cli_rtl_run_is_compared_with_the_model(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A fake RTL run: first agreeing with the model, then differing at one step."""
    from python_model.scenario import run_model

    calls: list[tuple[str, bool]] = []
    tamper: dict[str, bool] = {"on": False}

    def fake_run(scenario: Scenario, sim: str, waves: bool) -> ResultsDoc | dict[str, object]:
        calls.append((sim, waves))
        d = copy.deepcopy(run_model(scenario).doc)
        d.engine = sim
        if tamper["on"]:
            d.results[1] = StepResult(1, "reg_read", {"value": 0x11})
            return d
        return d

    from tb.flows.scenario import cli

    monkeypatch.setattr(cli, "run_rtl", fake_run)
    p = write(tmp_path, doc([OK_STEP, {"op": "reg_read", "reg": "VER",
                                       "expect": {"value": "0x10"}}]))
    out = tmp_path / "res.json"
    assert main(["run", str(p), "--sim", "icarus", "--out", str(out), "--waves"]) == 0
    assert calls == [("icarus", True)]
    assert json.loads(out.read_text())["engine"] == "icarus"
    assert json.loads((tmp_path / "res.model.json").read_text())["engine"] == "model"
    capsys.readouterr()
    tamper["on"] = True
    assert main(["run", str(p), "--sim", "verilator", "--out", str(out)]) == 1
    text = capsys.readouterr().out
    assert "step 1 (reg_read) on verilator: expect 'value': expected 0x10, got 0x11" in text
    assert "mismatch: step 1 (reg_read): model {value: 0x10}, verilator {value: 0x11}" in text


def test_cli_run_exit_codes_and_default_output(tmp_path: Path) -> None:
    passing = write(tmp_path, doc([{"op": "reg_read", "reg": "VER", "expect": {"value": "0x10"}}],
                                  name="ver_ok"), "pass.json")
    failing = write(tmp_path, doc([{"op": "reg_read", "reg": "VER", "expect": {"value": "0x60"}},
                                   {"op": "reg_read", "reg": "GSTS", "expect": {"value": 1}}],
                                  name="ver_bad"), "fail.json")
    invalid = write(tmp_path, doc([{"op": "reg_read", "reg": "NOPE"}]), "bad.json")
    env = {**os.environ, "PYTHONPATH": str(REPO)}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "tb.flows.scenario", *args],
                              cwd=tmp_path, env=env, capture_output=True, text=True, check=False)

    r = cli("run", str(passing), "--sim", "model")
    assert r.returncode == 0, r.stderr
    assert "results: build/results/ver_ok.model.json" in r.stdout
    assert "ver_ok on model: PASS (1 steps, 1 expects checked, 0 failures)" in r.stdout
    written = json.loads((tmp_path / "build/results/ver_ok.model.json").read_text())
    assert written["results"] == [{"step": 0, "op": "reg_read", "value": "0x10"}]
    r = cli("run", str(failing), "--sim", "model", "--out", "x/out.json")
    assert r.returncode == 1
    assert "FAIL step 0 (reg_read) on model: expect 'value': expected 0x60, got 0x10" in r.stdout
    assert "FAIL step 1 (reg_read) on model: expect 'value'" in r.stdout
    assert (tmp_path / "x/out.json").exists()
    r = cli("run", str(invalid), "--sim", "model")
    assert r.returncode == 2
    assert "step 0 (reg_read): field 'reg': unknown register 'NOPE'" in r.stderr


def test_cli_suite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = tmp_path / "suite"
    d.mkdir()
    write(d, doc([{"op": "reg_read", "reg": "VER", "expect": {"value": "0x10"}}], name="a"),
          "a.json")
    write(d, doc([OK_STEP, {"op": "reg_read", "reg": "VER", "expect": {"value": 0}}], name="b"),
          "b.json")
    args = ["suite", str(d), "--sim", "model", "--out-dir", str(tmp_path / "out")]
    assert main(args) == 1
    out = capsys.readouterr().out
    assert "PASS    a.json (1 steps, 1 expects)" in out
    assert "FAIL    b.json: step 1 (reg_read) on model: expect 'value'" in out
    assert ("2 files, 3 steps, 2 expects checked, 1 failures in 1 files, 0 invalid, 0 skipped "
            "(features the RTL build turns off): FAIL") in out
    assert (tmp_path / "out" / "a.model.json").exists()
    write(d, doc([{"op": "nope"}]), "c.json")
    assert main(args) == 2
    out = capsys.readouterr().out
    assert "INVALID " in out and "c.json: step 0: field 'op': unknown op 'nope'" in out
    assert "1 invalid, 0 skipped (features the RTL build turns off): FAIL" in out


# --------------------------------------------------------------------------- the real model


def test_runner_basics_on_the_model(tmp_path: Path) -> None:
    out = tmp_path / "rb.json"
    assert main(["run", str(SCENARIOS / "runner_basics.json"), "--out", str(out)]) == 0
    j = json.loads(out.read_text())
    assert j["scenario"] == "runner_basics" and j["engine"] == "model"
    assert len(j["results"]) == 27
    assert j["results"][9] == {"step": 9, "op": "dma", "status": "ok", "hpa": "0x2345010"}
    assert j["events"] == [{"after_step": 11, "addr": "0xfee00000", "data": "0x40"}]
    assert [(r["index"], r["reason"]) for r in j["fault_records"]] == \
        [(1, "0x29"), (2, "0x1"), (3, "0x9")]
    assert j["fault_records"][2]["sid"] == "0x3ff" and j["fault_records"][2]["write"] is False
    assert j["fsts"] == "0x2"
    for r in j["results"]:
        for k, v in r.items():
            if k not in ("step", "op", "status"):
                for x in v if isinstance(v, list) else [v]:
                    assert HEX.fullmatch(x), (r, k)


def test_model_dma_to_interrupt_range_is_29h_and_msi_passes_through() -> None:
    from python_model.scenario import run_model

    run = run_model(parse_document(doc([
        {"op": "dma", "sid": 1, "addr": "0xfee00000", "write": True, "size": 8,
         "expect": {"status": "fault", "reason": "0x29"}},
        {"op": "dma", "sid": 1, "addr": "0xfee00000", "write": False,
         "expect": {"status": "fault", "reason": "0x29"}},
        {"op": "msi", "sid": 1, "addr": "0xfee02000", "data": "0x31",
         "expect": {"status": "ok", "vector": "0x31", "dest": 2}},
    ])))
    assert run.ok, [str(f) for f in run.expect_failures]
    assert [r.index for r in run.doc.fault_records] == [0, 1]


def test_model_memory_error_extension_provokes_fetch_faults() -> None:
    from python_model.scenario import run_model

    steps = [{"op": "reg_write", "reg": "RTADDR", "value": "0x10000"},
             {"op": "reg_write", "reg": "GCMD", "value": "0x40000000"},
             {"op": "reg_write", "reg": "GCMD", "value": "0x80000000"},
             {"op": "dma", "sid": "00:01.0", "addr": 0, "write": False}]
    with_error = run_model(parse_document(doc(steps, memory_errors=[
        {"addr": "0x10000", "size": 16, "access": "read"}])))
    assert with_error.doc.results[3].fields == {"status": "fault", "reason": 8}
    without = run_model(parse_document(doc(steps)))
    assert without.doc.results[3].fields == {"status": "fault", "reason": 1}
    write_only = run_model(parse_document(doc(steps, memory_errors=[
        {"addr": "0x10000", "size": 16, "access": "write"}])))
    assert write_only.doc.results[3].fields == {"status": "fault", "reason": 1}


def test_model_fault_records_match_register_view() -> None:
    """The decoded records equal what the FRCD registers say through MMIO."""
    from python_model.scenario import ModelEngine

    scenario = parse_document(json.loads((SCENARIOS / "runner_basics.json").read_text()))
    engine = ModelEngine(scenario.config)
    run = execute(scenario, engine)
    assert len(run.doc.fault_records) == 3
    for rec in run.doc.fault_records:
        base = regmap.fault_record_offset(rec.index)
        lo, hi = engine.reg_read(base, 8), engine.reg_read(base + 8, 8)
        assert hi >> 63 == 1 and hi >> 32 & 0xFF == rec.reason and hi & 0xFFFF == rec.sid
        assert (hi >> 62 & 1 == 0 and hi >> 28 & 1 == 0) == rec.write
        assert lo & ~0xFFF == rec.fi
    assert engine.reg_read(regmap.fault_record_offset(0) + 8, 8) >> 63 == 0  # cleared by step 25


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.json")), ids=lambda p: p.name)
def test_every_scenario_in_the_repo_is_valid(path: Path) -> None:
    parse_text(path.read_text(encoding="utf-8"), str(path))


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("runner_*.json")), ids=lambda p: p.name)
def test_runner_scenarios_pass_on_the_model(path: Path) -> None:
    from python_model.scenario import run_model

    run = run_model(parse_text(path.read_text(encoding="utf-8"), str(path)))
    assert run.ok, [str(f) for f in run.expect_failures] + run.problems
    assert len(run.doc.results) == len(run.scenario.steps)
