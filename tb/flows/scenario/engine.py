"""The simulator side of :mod:`tb.flows.scenario.rtl`: a ``vtd-scenario/1`` run on the RTL with
the golden model following alongside.

The cocotb test ``scenario_suite`` runs the scenarios listed in ``TB_ARGS['jobs']`` one after
another on one harness (DUT reset in between). Each goes through
``python_model.scenario.execute.execute`` with :class:`RtlEngine` in a bridge thread; every
engine call resumes the simulation until its step is done and records the model's answer,
which :class:`ReplayEngine` then replays to produce the model's results document.
"""

from __future__ import annotations

import json
import pickle
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from python_model.scenario.execute import execute
from python_model.scenario.results import FaultRecordEntry
from python_model.scenario.steps import MemRef, RegRef, Scenario
from tb.flows.scenario.rtl import scenario_params

SETTLE_CYCLES = 12  # after a step, for its fault event to come out
# register writes that can start the invalidation queue (tail, QIE, clearing FSTS.IQE)
QUEUE_STARTERS = ("IQT", "GCMD", "FSTS")
COMMAND_TIMEOUT = 20000
GSTS_TIMEOUT = 2000
RESPONSE_TIMEOUT = 200000


class _Recorder:
    """The model's answer to every engine call, in call order (replayed by ReplayEngine)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def add(self, name: str, value: Any) -> Any:
        self.calls.append((name, value))
        return value


class ReplayEngine:
    """The model side of a run: answers each call with what the model answered alongside."""

    name = "model"

    def __init__(self, calls: list[tuple[str, Any]]) -> None:
        self._calls = iter(calls)

    def _next(self, name: str) -> Any:
        got, value = next(self._calls)
        if got != name:
            raise RuntimeError(f"replay out of step: {name} called, {got} recorded")
        return value

    def reg_read(self, offset: int, size: int) -> int:
        return self._next("reg_read")

    def reg_write(self, offset: int, size: int, value: int) -> None:
        self._next("reg_write")

    def mem_write(self, addr: int, qwords: Sequence[int]) -> None:
        self._next("mem_write")

    def mem_read(self, addr: int, count: int) -> list[int]:
        return self._next("mem_read")

    def add_memory_error(self, addr: int, size: int, on_read: bool, on_write: bool) -> None:
        self._next("add_memory_error")

    def poll(self, target: RegRef | MemRef, mask: int, value: int, timeout_cycles: int) -> bool:
        return self._next("poll")

    def dma(self, sid: int, addr: int, write: bool, size: int) -> Mapping[str, object]:
        return self._next("dma")

    def msi(self, sid: int, addr: int, data: int) -> Mapping[str, object]:
        return self._next("msi")

    def wait(self, cycles: int) -> None:
        self._next("wait")

    def events(self) -> Sequence[tuple[int, int]]:
        return self._next("events")

    def fault_records(self) -> list[FaultRecordEntry]:
        return self._next("fault_records")

    def fsts(self) -> int:
        return self._next("fsts")


class RtlEngine:
    """``Engine`` of ``python_model.scenario.execute`` on the RTL (called from a bridge
    thread; each call resumes the simulation)."""

    def __init__(self, ctx: Any, sim: str) -> None:
        from cocotb.task import resume

        self.ctx = ctx
        self.name = sim
        self.rec = _Recorder()
        self._resume = resume

    def _run(self, coro_fn: Any, *args: Any) -> Any:
        return self._resume(coro_fn)(*args)

    # every method: do it on the RTL, record the model's answer
    def reg_read(self, offset: int, size: int) -> int:
        return self._run(self.ctx.reg_read, offset, size)

    def reg_write(self, offset: int, size: int, value: int) -> None:
        self._run(self.ctx.reg_write, offset, size, value)

    def mem_write(self, addr: int, qwords: Sequence[int]) -> None:
        self.ctx.memory.poke(addr, b"".join(int(q).to_bytes(8, "little") for q in qwords))
        self.rec.add("mem_write", None)

    def mem_read(self, addr: int, count: int) -> list[int]:
        raw = self.ctx.memory.peek(addr, 8 * count)
        words = [int.from_bytes(raw[i:i + 8], "little") for i in range(0, len(raw), 8)]
        self.rec.add("mem_read", list(words))
        return words

    def add_memory_error(self, addr: int, size: int, on_read: bool, on_write: bool) -> None:
        self.ctx.memory.add_error(addr, size, on_read=on_read, on_write=on_write)
        self.rec.add("add_memory_error", None)

    def poll(self, target: RegRef | MemRef, mask: int, value: int, timeout_cycles: int) -> bool:
        return self._run(self.ctx.poll, target, mask, value, timeout_cycles)

    def dma(self, sid: int, addr: int, write: bool, size: int) -> Mapping[str, object]:
        return self._run(self.ctx.dma, sid, addr, write, size)

    def msi(self, sid: int, addr: int, data: int) -> Mapping[str, object]:
        return self._run(self.ctx.msi, sid, addr, data)

    def wait(self, cycles: int) -> None:
        self._run(self.ctx.wait, cycles)

    def events(self) -> Sequence[tuple[int, int]]:
        self.rec.add("events", [(e.addr, e.data) for e in self.ctx.unit.events])
        return [(e.addr, e.data) for e in self.ctx.irq.events]

    def fault_records(self) -> list[FaultRecordEntry]:
        return self._run(self.ctx.fault_records)

    def fsts(self) -> int:
        return self._run(self.ctx.fsts)


def _ctx_class() -> type:
    """The async side of the engine (defined lazily: it needs cocotb)."""
    from cocotb.triggers import ClockCycles, with_timeout

    from python_model.memory import Memory
    from python_model.unit import RemappingUnit
    from tb.agents.bare import BareDma, BareIrq, BareMsi
    from tb.env.reg_mirror import ModelMirror
    from tb.software.register_layer import FrcdValue

    class Ctx:
        def __init__(self, harness: Any, scenario: Scenario, rec: _Recorder) -> None:
            self.h = harness
            self.rec = rec
            self.memory = Memory()
            self.unit = RemappingUnit(_model_config(scenario), self.memory)
            self.mirror = ModelMirror(self.unit)
            self.bus = harness.axil_bus
            self.rmap = self.unit.regmap
            self.problems: list[str] = []
            self.mismatches = 0

        async def start(self) -> None:
            self.h.bind(self.memory)
            self.h.mem.stats.clear()
            await self.h.reset()
            self.dma_ = BareDma(self.h.dma_port)
            self.msi_ = BareMsi(self.h.msi_port)
            self.irq = BareIrq(self.h.dut, self.h.cycles)

        def stop(self) -> None:
            for x in (self.dma_, self.msi_, self.irq):
                x.stop()
            self.problems += self.dma_.errors + self.msi_.errors
            self.problems += self.h.mem.stats.protocol_errors
            if self.h.mem.stats.writes:
                self.problems.append(f"{len(self.h.mem.stats.writes)} unexpected AXI writes")
            self.problems += self.h.mem.owed()

        async def settle(self) -> None:
            await ClockCycles(self.h.dut.clk, SETTLE_CYCLES)

        async def _read(self, offset: int, size: int) -> int:
            v = await self.bus.read(offset, size)
            self.mirror.on_read(offset, size, v)
            return v

        async def reg_read(self, offset: int, size: int) -> int:
            v = await self._read(offset, size)
            self.rec.add("reg_read", self.unit.reg_read(offset, size))
            return v

        async def reg_write(self, offset: int, size: int, value: int) -> None:
            await self.bus.write(offset, size, value)
            self.mirror.on_write(offset, size, value)
            reg = self.rmap.containing(offset)
            if reg is not None and reg.name in ("CCMD", "IOTLB"):
                bit = reg.field("ICC" if reg.name == "CCMD" else "IVT").mask
                for _ in range(COMMAND_TIMEOUT // 4):
                    if not await self._read(reg.offset, 8) & bit:
                        break
                    await ClockCycles(self.h.dut.clk, 4)
            elif reg is not None and reg.name == "GCMD":
                gsts = self.rmap.by_name("GSTS")
                want = self.unit.read_reg("GSTS")
                for _ in range(GSTS_TIMEOUT // 2):
                    if await self._read(gsts.offset, gsts.size) == want:
                        break
                    await ClockCycles(self.h.dut.clk, 2)
            if reg is not None and reg.name in QUEUE_STARTERS and self.unit.config.QI:
                await self._queue_caught_up()
            await self.settle()
            self.rec.add("reg_write", None)

        async def _queue_caught_up(self) -> None:
            """The untimed model ran the invalidation queue inside the write; wait until the
            RTL's queue got as far (IQH and FSTS.IQE as the model's, every status write the
            model made made), so later steps see the invalidations done. The settle that
            follows covers the last descriptor's completion (at most a few cycles after IQH
            moves past it)."""
            iqh, fsts = self.rmap.by_name("IQH"), self.rmap.by_name("FSTS")
            iqe = fsts.field("IQE").mask
            want_iqh = self.unit.read_reg("IQH")
            want_iqe = self.unit.read_reg("FSTS") & iqe
            for _ in range(COMMAND_TIMEOUT // 4):
                if not self.h.mem.expected and \
                        await self._read(iqh.offset, iqh.size) == want_iqh and \
                        await self._read(fsts.offset, fsts.size) & iqe == want_iqe:
                    return
                await ClockCycles(self.h.dut.clk, 4)

        async def poll(self, target: RegRef | MemRef, mask: int, value: int,
                       timeout: int) -> bool:
            start, ok = self.h.cycles.now, False
            while True:
                if isinstance(target, MemRef):
                    # the model wrote its status writes already: read memory once the RTL has
                    # made them too (tb.agents.axi_memory), so the poll waits for the RTL
                    x = self.memory.peek_u64(target.addr) if not self.h.mem.expected else None
                else:
                    x = await self._read(target.offset, target.size)
                if x is not None and x & mask == value:
                    ok = True
                    break
                if self.h.cycles.now - start >= timeout:
                    break
                await ClockCycles(self.h.dut.clk, 1)
            if ok and isinstance(target, MemRef):
                await self.settle()  # the status write's B response and what follows it
            self.mirror.flush()  # the untimed model has finished everything pending
            mx = self.memory.peek_u64(target.addr) if isinstance(target, MemRef) else \
                self.unit.reg_read(target.offset, target.size)
            self.rec.add("poll", mx & mask == value)
            return ok

        def _choose(self, issue: list[Any] | None, now: list[Any], observed: Any) -> Any:
            for cands in (now, issue or []):
                for c in cands:
                    if c.outcome.visible() == observed:
                        return c
            self.mismatches += 1
            return None

        async def dma(self, sid: int, addr: int, write: bool, size: int) -> dict[str, object]:
            issue: list[Any] = []

            def on_issue(item: Any) -> None:
                issue.extend(self.unit.dma_candidates(sid, addr, write, size))

            rsp = await with_timeout(self.dma_.request(sid, addr, write, size, on_issue),
                                     RESPONSE_TIMEOUT * 10, "ns")
            now = self.unit.dma_candidates(sid, addr, write, size)
            chosen = self._choose(issue, now, rsp.visible())
            self.unit.commit(chosen or now[0])
            await self.settle()
            self.rec.add("dma", (chosen or now[0]).outcome.result())
            if rsp.fault:
                return {"status": "fault", "reason": rsp.reason}
            return {"status": "ok", "hpa": rsp.addr}

        async def msi(self, sid: int, addr: int, data: int) -> dict[str, object]:
            issue: list[Any] = []

            def on_issue(item: Any) -> None:
                issue.extend(self.unit.msi_candidates(sid, addr, data))

            rsp = await with_timeout(self.msi_.request(sid, addr, data, on_issue),
                                     RESPONSE_TIMEOUT * 10, "ns")
            now = self.unit.msi_candidates(sid, addr, data)
            chosen = self._choose(issue, now, rsp.visible())
            self.unit.commit(chosen or now[0])
            await self.settle()
            self.rec.add("msi", (chosen or now[0]).outcome.result())
            if rsp.fault:
                return {"status": "fault", "reason": rsp.reason}
            return {"status": "ok", "vector": rsp.vector, "dest": rsp.dest, "dest_mode": rsp.dm,
                    "delivery_mode": rsp.dlm, "trigger_mode": rsp.tm,
                    "redirection_hint": rsp.rh}

        async def wait(self, cycles: int) -> None:
            await ClockCycles(self.h.dut.clk, max(1, cycles))
            self.rec.add("wait", None)

        async def fault_records(self) -> list[FaultRecordEntry]:
            out = []
            for n in range(self.unit.config.num_fault_records):
                lo = self.rmap.by_name(f"FRCD{n}_LO")
                hi_v = await self.bus.read(lo.offset + 8, 8)
                lo_v = await self.bus.read(lo.offset, 8)
                rec = FrcdValue(n, lo_v, hi_v)
                if rec.f:
                    out.append(FaultRecordEntry(n, rec.sid, rec.fi, rec.write, rec.reason))
            self.mirror.flush()
            self.rec.add("fault_records", [FaultRecordEntry(r.index, r.sid, r.fi, r.write,
                                                            r.reason)
                                           for r in self.unit.fault_records()])
            return out

        async def fsts(self) -> int:
            fsts = self.rmap.by_name("FSTS")
            v = await self.bus.read(fsts.offset, fsts.size)
            self.rec.add("fsts", self.unit.read_reg("FSTS"))
            return v

    return Ctx


def _model_config(scenario: Scenario) -> Any:
    from tb.flows.params import rtl_model_config

    return rtl_model_config(scenario_params(scenario))


def _scenario_test() -> Any:
    import cocotb

    @cocotb.test()
    async def scenario_suite(dut: Any) -> None:
        """Run the scenarios listed in TB_ARGS['jobs'] one after another (reset between)."""
        from cocotb.task import bridge

        from tb.env.harness import Harness
        from tb.env.runtime import Runtime

        rt = Runtime.from_env()
        jobs = rt.args.get("jobs", [])
        harness = Harness(dut, rt)
        ctx_cls = _ctx_class()
        failed = []
        for job in jobs:  # type: ignore[union-attr]
            scenario: Scenario = pickle.loads(Path(job["scenario"]).read_bytes())
            dut._log.info("scenario %s (%d steps)", scenario.name, len(scenario.steps))
            engine = RtlEngine(None, rt.sim)
            ctx = ctx_cls(harness, scenario, engine.rec)
            engine.ctx = ctx
            await ctx.start()
            try:
                rtl_run = await bridge(execute)(scenario, engine)
            except Exception as e:  # noqa: BLE001 - reported, next scenario runs
                dut._log.error("scenario %s crashed: %s", scenario.name, e)
                failed.append(scenario.name)
                ctx.stop()
                continue
            await harness.mem.settle()
            ctx.stop()
            model_run = execute(scenario, ReplayEngine(engine.rec.calls))
            rtl_run.doc.write(job["rtl"])
            model_run.doc.write(job["model"])
            problems = list(ctx.problems)
            if ctx.mismatches:
                problems.append(f"{ctx.mismatches} RTL answer(s) outside the permitted set")
            Path(job["problems"]).write_text(json.dumps(problems))
        assert not failed, f"scenarios crashed: {', '.join(failed)}"

    return scenario_suite


if "cocotb" in sys.modules and getattr(sys.modules["cocotb"], "is_simulation", False):
    scenario_suite = _scenario_test()
