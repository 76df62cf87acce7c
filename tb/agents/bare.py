"""Bare cocotb drivers and monitors (no pyuvm): the scenario engine and the benchmark's
reference loop use these on the same harness as the pyuvm agents."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import cocotb
from cocotb.triggers import Event

from tb.agents.dma import DmaPort
from tb.agents.msi import MsiPort, sample_event
from tb.agents.signals import handshakes
from tb.agents.transactions import DmaRequest, DmaResponse, EventMsg, IntrResponse, MsiRequest


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
        port = self.port
        valid = False
        for item in items:
            if port.tags.full and valid:
                port.idle()
                valid = False
            item.tag = await port.tags.acquire(item)
            await port.issue(item)
            valid = True
            if on_issue is not None:
                on_issue(item)
        if valid:
            port.idle()

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
        async for _ in handshakes(port.clk, dut.rsp_valid, dut.rsp_ready):
            rsp = port.sample_response()
            problem = port.response_error(rsp)
            if problem is not None:
                self.errors.append(problem)
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
        self.errors: list[str] = []
        self._done = Event()
        self._task = cocotb.start_soon(self._monitor())

    def stop(self) -> None:
        self._task.cancel()

    async def request(self, sid: int, addr: int, data: int,
                      on_issue: Callable[[Any], None] | None = None) -> IntrResponse:
        item = MsiRequest(sid, addr, data)
        await self.port.issue(item)
        if on_issue is not None:
            on_issue(item)
        while item.rsp is None:
            self._done.clear()
            await self._done.wait()
        return item.rsp

    async def _monitor(self) -> None:
        port = self.port
        async for _ in handshakes(port.clk, port.dut.intr_valid, port.dut.intr_ready):
            rsp = port.sample_interrupt()
            if not port.in_flight:
                self.errors.append(f"interrupt output with no MSI in flight: {rsp.describe()}")
                continue
            port.in_flight.popleft().rsp = rsp
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
        async for _ in handshakes(dut.clk, dut.irq_valid, dut.irq_ready):
            msg = sample_event(dut, self.cycles.now)
            self.events.append(msg)
            if self.on_event is not None:
                self.on_event(msg)
