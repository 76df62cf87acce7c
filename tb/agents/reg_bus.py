"""Register buses: implementations of the interface the register layer drives
(:class:`tb.software.register_layer.RegBus`, byte offset + size) over the DUT's AXI4-Lite
slave, over the golden model, or observed (every completed access reported, for the model
mirror)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tb.software.register_layer import RegBus, RegisterAccessError


class AxiLiteRegBus:
    """Register bus over a cocotbext-axi ``AxiLiteMaster`` (64-bit data, byte strobes)."""

    def __init__(self, master: Any) -> None:
        self.master = master

    async def read(self, offset: int, size: int) -> int:
        resp = await self.master.read(offset, size)
        if int(resp.resp) != 0:
            raise RegisterAccessError(f"AXI-Lite read of {offset:#x}/{size}: resp {resp.resp}")
        return int.from_bytes(resp.data, "little")

    async def write(self, offset: int, size: int, value: int) -> None:
        resp = await self.master.write(offset, value.to_bytes(size, "little"))
        if int(resp.resp) != 0:
            raise RegisterAccessError(f"AXI-Lite write of {offset:#x}/{size}: resp {resp.resp}")


class ModelRegBus:
    """The golden model as a register bus (unit tests of the layers above the bus)."""

    def __init__(self, unit: Any) -> None:
        self.unit = unit

    async def read(self, offset: int, size: int) -> int:
        return int(self.unit.reg_read(offset, size))

    async def write(self, offset: int, size: int, value: int) -> None:
        self.unit.reg_write(offset, size, value)


class ObservedRegBus:
    """Wraps a bus and tells observers about every completed access (the model mirror)."""

    def __init__(self, bus: RegBus, on_read: Callable[[int, int, int], None],
                 on_write: Callable[[int, int, int], None],
                 on_write_start: Callable[[int, int, int], None] | None = None) -> None:
        self.bus = bus
        self.on_read = on_read
        self.on_write = on_write
        self.on_write_start = on_write_start

    async def read(self, offset: int, size: int) -> int:
        value = await self.bus.read(offset, size)
        self.on_read(offset, size, value)
        return value

    async def write(self, offset: int, size: int, value: int) -> None:
        if self.on_write_start is not None:
            self.on_write_start(offset, size, value)
        await self.bus.write(offset, size, value)
        self.on_write(offset, size, value)
