"""pyuvm register agent: ``RegSeqItem`` through a sequencer to an AXI4-Lite driver.

Register sequences run on :class:`RegSequencer` alongside DMA traffic. The driver performs
each access with the cocotbext-axi ``AxiLiteMaster`` and publishes the completed item on
``ap`` (the scoreboard mirrors writes into the model from there). :class:`SequencerRegBus`
makes the sequencer a :class:`tb.software.register_layer.RegBus`, so the register layer and the
software layer above it drive the DUT through pyuvm.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pyuvm import (
    uvm_agent,
    uvm_analysis_port,
    uvm_driver,
    uvm_sequence,
    uvm_sequence_item,
    uvm_sequencer,
)

from tb.agents.reg_bus import RegBus


class RegSeqItem(uvm_sequence_item):
    def __init__(self, name: str = "reg", offset: int = 0, size: int = 4, write: bool = False,
                 value: int = 0) -> None:
        super().__init__(name)
        self.offset = offset
        self.size = size
        self.write = write
        self.value = value
        self.result: int | None = None  # read data

    def __str__(self) -> str:
        if self.write:
            return f"REG W {self.offset:#05x}/{self.size} <- {self.value:#x}"
        return f"REG R {self.offset:#05x}/{self.size} -> {self.result}"


class RegSequencer(uvm_sequencer):
    pass


class RegDriver(uvm_driver):
    def __init__(self, name: str, parent: Any) -> None:
        super().__init__(name, parent)
        self.bus: RegBus | None = None  # AxiLiteRegBus, set by the env
        self.on_start: Callable[[RegSeqItem], None] | None = None  # before each access

    def build_phase(self) -> None:
        self.ap = uvm_analysis_port("ap", self)

    async def run_phase(self) -> None:
        assert self.bus is not None, "RegDriver.bus not set"
        while True:
            item = await self.seq_item_port.get_next_item()
            if self.on_start is not None:
                self.on_start(item)
            if item.write:
                await self.bus.write(item.offset, item.size, item.value)
            else:
                item.result = await self.bus.read(item.offset, item.size)
            self.ap.write(item)
            self.seq_item_port.item_done()


class RegAccessSeq(uvm_sequence):
    """One register access (the building block of :class:`SequencerRegBus`)."""

    def __init__(self, item: RegSeqItem) -> None:
        super().__init__("reg_access")
        self.item = item

    async def body(self) -> None:
        await self.start_item(self.item)
        await self.finish_item(self.item)


class SequencerRegBus:
    """A :class:`tb.software.register_layer.RegBus` whose accesses are sequence items on
    ``sequencer``."""

    def __init__(self, sequencer: RegSequencer) -> None:
        self.sequencer = sequencer

    async def read(self, offset: int, size: int) -> int:
        item = RegSeqItem("reg_read", offset, size, False)
        await RegAccessSeq(item).start(self.sequencer)
        assert item.result is not None
        return item.result

    async def write(self, offset: int, size: int, value: int) -> None:
        await RegAccessSeq(RegSeqItem("reg_write", offset, size, True, value)).start(
            self.sequencer)


@dataclass
class RegAgentConfig:
    """What a :class:`RegAgent` needs, set in ConfigDB under ``"cfg"`` for its path."""

    bus: RegBus  # the AXI4-Lite bus (tb.software.register_layer.AxiLiteRegBus)
    on_start: Callable[[RegSeqItem], None] | None = None  # called before each access


class RegAgent(uvm_agent):
    """The register interface: sequencer and AXI4-Lite driver; ``ap`` publishes every
    completed access (the scoreboard mirrors writes into the model from there)."""

    def build_phase(self) -> None:
        super().build_phase()
        cfg: RegAgentConfig = self.cdb_get("cfg")
        self.seqr = RegSequencer("seqr", self)
        self.driver = RegDriver("driver", self)
        self.driver.bus = cfg.bus
        self.driver.on_start = cfg.on_start

    def connect_phase(self) -> None:
        self.driver.seq_item_port.connect(self.seqr.seq_item_export)
        self.ap = self.driver.ap

