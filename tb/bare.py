"""Bare cocotb drivers and monitors (no pyuvm): the scenario engine and the benchmark's
reference loop use these on the same harness as the pyuvm agents."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

import cocotb
from cocotb.triggers import Event, RisingEdge

from tb.dma_agent import DmaPort
from tb.msi_agent import MsiPort
from tb.transactions import DmaRequest, DmaResponse, EventMsg, IntrResponse, MsiRequest


class BareDma:
    def __init__(self, port: DmaPort,
                 on_response: Callable[[Any, DmaResponse], None] | None = None) -> None:
        self.port = port
        self.dut = port.dut
        self.on_response = on_response
        self.errors: list[str] = []
        self._done = Event()
        self._task = cocotb.start_soon(self._monitor())

    def stop(self) -> None:
        self._task.cancel()

    async def send_many(self, items: Iterable[Any],
                        on_issue: Callable[[Any], None] | None = None) -> None:
        """Issue requests back to back (valid stays high), as many in flight as tags allow."""
        port, dut = self.port, self.dut
        edge = RisingEdge(port.clk)
        valid = False
        for item in items:
            if port.tags.full and valid:
                dut.req_valid.value = 0
                valid = False
            item.tag = await port.tags.acquire(item)
            dut.req_sid.value = item.sid
            dut.req_addr.value = item.addr
            dut.req_write.value = int(bool(item.write))
            dut.req_size.value = item.size
            dut.req_tag.value = item.tag
            dut.req_valid.value = 1
            valid = True
            while True:
                await edge
                if dut.req_ready.value:
                    break
            item.issue_cycle = port.cycles.now
            port.issued += 1
            if on_issue is not None:
                on_issue(item)
        if valid:
            dut.req_valid.value = 0

    async def request(self, sid: int, addr: int, write: bool, size: int,
                      on_issue: Callable[[Any], None] | None = None) -> DmaResponse:
        """One request, waiting for its response."""
        item = DmaRequest(sid, addr, write, size)
        await self.send_many([item], on_issue)
        while item.rsp is None:
            self._done.clear()
            await self._done.wait()
        return item.rsp

    async def _monitor(self) -> None:
        port, dut = self.port, self.dut
        edge = RisingEdge(port.clk)
        rise = RisingEdge(dut.rsp_valid)
        while True:
            await edge
            if not dut.rsp_valid.value:
                await rise
                continue
            if not dut.rsp_ready.value:
                continue
            rsp = DmaResponse(tag=int(dut.rsp_tag.value), fault=bool(dut.rsp_fault.value),
                              reason=int(dut.rsp_reason.value), addr=int(dut.rsp_addr.value),
                              cycle=port.cycles.now)
            item = port.tags.release(rsp.tag)
            port.responded += 1
            if item is None:
                self.errors.append(f"response with tag {rsp.tag:#x} not in flight")
                continue
            item.rsp = rsp
            if self.on_response is not None:
                self.on_response(item, rsp)
            self._done.set()


class BareMsi:
    def __init__(self, port: MsiPort) -> None:
        self.port = port
        self.dut = port.dut
        self.pending: deque[Any] = deque()
        self.errors: list[str] = []
        self._done = Event()
        self._task = cocotb.start_soon(self._monitor())

    def stop(self) -> None:
        self._task.cancel()

    async def request(self, sid: int, addr: int, data: int,
                      on_issue: Callable[[Any], None] | None = None) -> IntrResponse:
        dut = self.dut
        item = MsiRequest(sid, addr, data)
        dut.msi_sid.value = sid
        dut.msi_addr.value = addr
        dut.msi_data.value = data
        dut.msi_valid.value = 1
        edge = RisingEdge(self.port.clk)
        while True:
            await edge
            if dut.msi_ready.value:
                break
        dut.msi_valid.value = 0
        item.issue_cycle = self.port.cycles.now
        self.pending.append(item)
        if on_issue is not None:
            on_issue(item)
        while item.rsp is None:
            self._done.clear()
            await self._done.wait()
        return item.rsp

    async def _monitor(self) -> None:
        dut = self.dut
        edge = RisingEdge(self.port.clk)
        rise = RisingEdge(dut.intr_valid)
        while True:
            await edge
            if not dut.intr_valid.value:
                await rise
                continue
            if not dut.intr_ready.value:
                continue
            rsp = IntrResponse(
                fault=bool(dut.intr_fault.value), reason=int(dut.intr_reason.value),
                vector=int(dut.intr_vector.value), dest=int(dut.intr_dest.value),
                dm=int(dut.intr_dm.value), rh=int(dut.intr_rh.value),
                tm=int(dut.intr_tm.value), dlm=int(dut.intr_dlm.value),
                cycle=self.port.cycles.now)
            if not self.pending:
                self.errors.append(f"interrupt output with no MSI in flight: {rsp.describe()}")
                continue
            self.pending.popleft().rsp = rsp
            self._done.set()


class BareIrq:
    """Collects fault-event messages (``irq_ready`` held at 1)."""

    def __init__(self, dut: Any, cycles: Any,
                 on_event: Callable[[EventMsg], None] | None = None) -> None:
        self.dut = dut
        self.cycles = cycles
        self.on_event = on_event
        self.events: list[EventMsg] = []
        dut.irq_ready.value = 1
        self._task = cocotb.start_soon(self._monitor())

    def stop(self) -> None:
        self._task.cancel()

    async def _monitor(self) -> None:
        dut = self.dut
        edge = RisingEdge(dut.clk)
        rise = RisingEdge(dut.irq_valid)
        while True:
            await edge
            if not dut.irq_valid.value:
                await rise
                continue
            if not dut.irq_ready.value:
                continue
            msg = EventMsg(int(dut.irq_addr.value), int(dut.irq_data.value), self.cycles.now)
            self.events.append(msg)
            if self.on_event is not None:
                self.on_event(msg)
