"""The batched DMA port: requests go to the unit in blocks, with no Python per cycle.

On the toplevel ``vtd_batch_top`` (tb/transactors/, doc/testbench.md) a
block of requests is written to a file, the HDL feeder presents them back to back (tag = index
mod 2^REQ_TAG_W, as soon as that tag is free), the walks read an HDL image of the
testbench's memory, and every response is logged with the cycles of its request's handshake
and its own. Python wakes once per block: it writes the block, raises ``batch_load`` for one
edge, sleeps until ``batch_done`` rises, and reads the log. Then the block's handshakes are
published in cycle order, responses before requests at the same edge (as the per-cycle
monitor and driver order them), to the same callbacks the per-cycle agents feed: the
scoreboard sees the same transactions, each with the cycle it happened at.

What it costs in generality, each refused with an error naming the problem:

* The tables must not change while batch mode is on: :meth:`BatchDmaPort.enter` loads the
  image of the testbench's memory, and a change of :attr:`Memory.version` before
  :meth:`BatchDmaPort.leave` is reported (interrupt entry fetches may read the image at any
  time, so a change between blocks is not safe either). The unit must not write memory
  (``batch_mem_wr_seen``). Software may program registers between blocks.
* No error ranges in memory (the image has none), no reset of the unit during a block, no
  request gaps or response back-pressure knobs (the feeder issues as fast as the unit takes).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import cocotb
from cocotb.triggers import First, Lock, NextTimeStep, ReadOnly, RisingEdge, Timer

from python_model.memory import Memory
from tb.agents.dma import DmaPort
from tb.agents.memory_image import (
    REQ_RECORD_HEX,
    request_record,
    slots_log2_for,
    write_memory_image,
)
from tb.agents.transactions import DmaResponse

# vtd_batch_top's defaults: requests per block (BATCH_DEPTH_LOG2) and the image's hash-table
# size (BATCH_MEM_SLOTS_LOG2); the build never overrides them
BLOCK_MAX = 1 << 10
MEM_SLOTS_LOG2 = 11
# cycles a block may take: a base plus this many per request (a walk with slow memory)
TIMEOUT_BASE, TIMEOUT_PER_REQUEST = 5000, 400

REQ_FILE, LOG_FILE = "batch_req.hex", "batch_log.txt"
KEYS_FILE, DATA_FILE = "batch_mem_keys.hex", "batch_mem_data.hex"


class BatchError(RuntimeError):
    """The batched DMA port cannot run what it was given (the message says why)."""


def record(item: Any) -> str:
    """A request as a line of the feeder's ``$readmemh`` file (vtd_replay_record.vh)."""
    return f"{request_record(item.sid, item.addr, item.write, item.size):0{REQ_RECORD_HEX}x}"


class BatchDmaPort:
    """Runs blocks of requests through ``vtd_batch_top``'s feeder (module docstring).

    ``port``: the per-cycle :class:`DmaPort` of the same DUT, whose counters (``issued``,
    ``responded``) and response rule this port shares. ``directory``: where the HDL reads and
    writes its files, the simulator's working directory (the run directory)."""

    def __init__(self, port: DmaPort, memory: Memory, directory: Path | None = None,
                 memory_idle: Callable[[], bool] = lambda: True) -> None:
        dut = port.dut
        if not hasattr(dut, "batch_mode"):
            raise BatchError(f"the batched DMA port needs the toplevel vtd_batch_top "
                             f"(tb.flows.build.BATCH_TOP); this DUT is {dut._name}")
        self.port = port
        self.dut = dut
        self.memory = memory
        self.memory_idle = memory_idle  # the per-cycle AXI memory has no read burst in flight
        self.cycles = port.cycles
        self.directory = directory or Path.cwd()
        self._log: Any = None  # the feeder's log, opened at the first block (the HDL makes it)
        self._mem_version: int | None = None  # the memory's version the image holds
        self._lock = Lock()
        self._pending: list[Any] = []
        self._flusher: Any = None
        self.on_issue: Callable[[Any], None] | None = None
        self.on_response: Callable[[Any, DmaResponse], None] | None = None
        # where problems go (the checker's error list); kept in ``errors`` as well
        self.on_error: Callable[[str], None] | None = None
        self.errors: list[str] = []
        self.blocks = 0
        self.image_loads = 0
        self.active = False

    # ----------------------------------------------------------------- mode
    async def enter(self) -> None:
        """Switch the DUT's request channel and walk memory to the batched port. Nothing may
        be in flight on the per-cycle DMA port; it waits until the Python memory has answered
        every read burst (an interrupt entry or descriptor fetch)."""
        if self.port.tags.in_use or self.port.presenting is not None:
            raise BatchError(f"batch mode entered with {self.port.tags.in_use} request(s) in "
                             "flight on the per-cycle DMA port: drain it first")
        self._load_image()  # before any read can reach it (an interrupt entry fetch)
        await RisingEdge(self.port.clk)
        self.dut.batch_mem_reload.value = 1
        await RisingEdge(self.port.clk)  # the image is read at this edge
        self.dut.batch_mem_reload.value = 0
        await self._quiet(self.memory_idle, "the testbench's AXI memory")
        self.dut.batch_mode.value = 1
        self.port.batch = self
        self.active = True

    async def leave(self) -> None:
        """Run what is pending and switch back to the per-cycle port (once the image memory
        has answered every read burst)."""
        await self.drain()
        await self._quiet(lambda: bool(self.dut.batch_mem_idle.value), "the image memory")
        self._check_memory("batch mode")
        self.dut.batch_mode.value = 0
        self.port.batch = None
        self.active = False

    async def _quiet(self, idle: Callable[[], bool], what: str, limit: int = 20000) -> None:
        """Wait for an edge after which the memory being left holds no read burst it accepted
        and has not answered (``idle()``, read once every agent has seen the edge), and return
        in the next time step, before the following edge: switching memories then loses no
        read. A burst the unit presents and nobody accepted yet simply goes to the other."""
        clk = self.port.clk
        for _ in range(limit):
            await RisingEdge(clk)
            await ReadOnly()
            if idle():
                await NextTimeStep()
                return
        raise BatchError(f"{what} did not become idle within {limit} cycles: cannot switch "
                         "the DMA port's memory")

    # ----------------------------------------------------------------- requests
    async def put(self, item: Any) -> None:
        """Queue ``item`` for the next block; runs the block when it is full, else as soon as
        the caller yields (the end of a sequence, a wait)."""
        if not self.active:
            raise BatchError("a request for the batched DMA port while batch mode is off "
                             "(BatchDmaPort.enter)")
        self._pending.append(item)
        if len(self._pending) >= BLOCK_MAX:
            await self.flush()
        elif self._flusher is None:
            self._flusher = cocotb.start_soon(self._flush_soon())

    async def _flush_soon(self) -> None:
        try:
            await self.flush()
        finally:
            self._flusher = None

    async def flush(self) -> None:
        """Run the pending requests as one block (after any block still running)."""
        async with self._lock:
            while self._pending:
                items, self._pending = self._pending[:BLOCK_MAX], self._pending[BLOCK_MAX:]
                try:
                    await self._run_block(items)
                except BatchError as e:  # refused before it ran: reported, its requests unsent
                    self._fail(f"{e}; {len(items)} request(s) not sent")

    async def drain(self) -> None:
        """Every request put so far has run and its handshakes are published."""
        await self.flush()
        while self._flusher is not None:
            await self.flush()
            await RisingEdge(self.port.clk)

    # ----------------------------------------------------------------- one block
    def _load_image(self) -> None:
        """Write the memory image of the testbench's memory as it is now."""
        mem = self.memory
        if mem.error_ranges:
            raise BatchError(f"memory has {len(mem.error_ranges)} error range(s): the batched "
                             "DMA port's memory image cannot return errors (use the per-cycle "
                             "port for error injection)")
        pages = mem.page_numbers()
        if slots_log2_for(len(pages), 0) > MEM_SLOTS_LOG2:
            raise BatchError(f"memory holds {len(pages)} pages: the batched port's image "
                             f"(vtd_batch_top BATCH_MEM_SLOTS_LOG2={MEM_SLOTS_LOG2}) holds at "
                             f"most {(1 << MEM_SLOTS_LOG2) // 2}")
        write_memory_image(pages, mem.page_words, MEM_SLOTS_LOG2,
                           self.directory / KEYS_FILE, self.directory / DATA_FILE)
        self._mem_version = mem.version
        self.image_loads += 1

    def _check_memory(self, during: str) -> bool:
        """Report a change of the testbench's memory since the image was loaded (its reads
        may have seen the old contents); True if it changed (the image is rewritten)."""
        if self.memory.version == self._mem_version:
            return False
        self._fail(f"the testbench's memory changed during {during} (the unit's image did "
                   "not): change tables with batch mode off (leave(), then enter())")
        try:
            self._load_image()
        except BatchError as e:
            self._fail(str(e))
        return True

    async def _run_block(self, items: Sequence[Any]) -> None:
        dut, clk = self.dut, self.port.clk
        reload = self._check_memory("batch mode, before a block")
        (self.directory / REQ_FILE).write_text("\n".join(map(record, items)) + "\n")
        await RisingEdge(clk)
        load_edge = self.cycles.now + 1  # the edge that samples batch_load
        dut.batch_count.value = len(items)
        dut.batch_load.value = 1
        if reload:
            dut.batch_mem_reload.value = 1
        await RisingEdge(clk)
        dut.batch_load.value = 0
        if reload:
            dut.batch_mem_reload.value = 0
        limit = TIMEOUT_BASE + TIMEOUT_PER_REQUEST * len(items)
        await First(RisingEdge(dut.batch_done), Timer(limit * self.cycles.period_ns, "ns"))
        self.blocks += 1
        if self._log is None:
            self._log = (self.directory / LOG_FILE).open("r")
        lines = self._log.read().splitlines()
        self._check_memory("a batched block")
        if int(dut.batch_mem_wr_seen.value):
            self._fail("the unit raised an AXI write channel during a batched block: the "
                       "batched port does not serve writes (use the per-cycle port)")
        self._publish(items, lines, load_edge, limit, int(dut.batch_answered.value))

    def _publish(self, items: Sequence[Any], lines: list[str], load_edge: int,
                 limit: int, answered: int) -> None:
        """The block's issues and responses, merged in cycle order, to the callbacks."""
        port = self.port
        responses: list[tuple[Any, DmaResponse]] = []
        issued: dict[int, tuple[int, int]] = {}  # request index -> (handshake cycle, tag)
        finished = False
        for line in lines:
            kind, _, rest = line.partition(" ")
            if kind == "R":
                idx, tag, fault, reason, addr, at, when = rest.split()
                rsp = DmaResponse(int(tag, 16), fault == "1", int(reason, 16), int(addr, 16),
                                  load_edge + int(when))
                issued[int(idx)] = (load_edge + int(at), rsp.tag)
                responses.append((items[int(idx)], rsp))
            elif kind == "D":
                finished = True
            else:
                self._fail(f"batched block: {rest}")
        if not finished:
            self._fail(f"batched block of {len(items)} requests: {answered} answered "
                       f"within {limit} cycles")
        # the feeder issues in index order; a request's handshake precedes its response's, so
        # every answered request is published as issued before its response
        order = sorted(issued)
        on_issue, on_response = self.on_issue, self.on_response
        k = 0
        for item, rsp in responses:
            while k < len(order) and issued[order[k]][0] < rsp.cycle:
                j = order[k]
                self._issue(items[j], *issued[j], on_issue)
                k += 1
            problem = port.response_error(rsp)
            if problem is not None:
                self._fail(problem)
            port.responded += 1
            item.rsp = rsp
            if on_response is not None:
                on_response(item, rsp)

    def _issue(self, item: Any, cycle: int, tag: int,
               on_issue: Callable[[Any], None] | None) -> None:
        item.issue_cycle = cycle
        item.tag = tag
        self.port.issued += 1
        if on_issue is not None:
            on_issue(item)

    def _fail(self, text: str) -> None:
        self.errors.append(text)
        if self.on_error is not None:
            self.on_error(f"batched DMA port: {text}")
        else:
            cocotb.log.error("batched DMA port: %s", text)
