"""The base test and the entry point of every cocotb test module::

    @cocotb.test()
    async def random_traffic(dut):
        await run_uvm(dut, RandomTrafficTest)

:func:`run_uvm` builds a :class:`tb.env.testbench.Tb` on the DUT, publishes it in ConfigDB as
``"tb"``, runs the pyuvm test class, then the final checks.
"""

from __future__ import annotations

from typing import Any

from pyuvm import ConfigDB, uvm_root, uvm_test

from tb.agents.dma import DmaItem
from tb.env.env import RemapEnv
from tb.env.harness import Harness
from tb.env.testbench import Tb
from tb.software.driver import Software
from tb.software.register_layer import RegisterLayer


class BaseTest(uvm_test):
    """Builds the env; ``run_phase`` calls :meth:`body` under an objection, then drains and
    runs a final checkpoint. Subclasses write ``body``."""

    def build_phase(self) -> None:
        self.tb: Tb = ConfigDB().get(self, "", "tb")
        self.env = RemapEnv("env", self)

    async def run_phase(self) -> None:
        self.raise_objection()
        try:
            await self.body()
            await self.tb.dma_port.drain()
            await self.tb.checkpoint(self.env.regs)
        finally:
            self.drop_objection()

    async def body(self) -> None:
        raise NotImplementedError

    # conveniences
    async def one(self, sid: int, addr: int, write: bool = False, size: int = 4,
                  reason: int | None = None, hpa: int | None = None, what: str = "") -> DmaItem:
        """One request, waited for; besides the scoreboard's check, a directed test states
        what it aims at: ``reason`` (a fault) or ``hpa`` (a translation)."""
        item = DmaItem(sid=sid, addr=addr, write=write, size=size)
        await self.env.dma_wait([item])
        rsp = item.rsp
        assert rsp is not None
        label = f"{what + ': ' if what else ''}{item}"
        if reason is not None and (not rsp.fault or rsp.reason != reason):
            self.tb.checker.error(f"directed {label}: expected fault {reason:#04x}, RTL "
                                  f"answered {rsp.describe()}")
        if hpa is not None and (rsp.fault or rsp.addr != hpa):
            self.tb.checker.error(f"directed {label}: expected hpa {hpa:#x}, RTL answered "
                                  f"{rsp.describe()}")
        return item

    @property
    def sw(self) -> Software:
        return self.env.sw

    @property
    def regs(self) -> RegisterLayer:
        return self.env.regs


async def run_uvm(dut: Any, test_cls: type[BaseTest], tb: Tb | None = None,
                  harness: Harness | None = None) -> Tb:
    """Build a :class:`Tb` on ``dut`` (or use ``tb``), publish it in ConfigDB as ``"tb"``,
    run the pyuvm test class, then the final checks."""
    tb = tb or Tb(dut)
    await tb.start(harness)
    ConfigDB().clear()
    ConfigDB().set(None, "*", "tb", tb)
    try:
        # keep ConfigDB across run_test's reset of the singletons (the factory is reset, so
        # tests set their overrides in build_phase)
        await uvm_root().run_test(test_cls, keep_set={ConfigDB})
    finally:
        ConfigDB().clear()
        top = getattr(uvm_root(), "uvm_test_top", None)
        if top is not None and hasattr(top, "env"):
            top.env.dma_agent.stop()  # its steps leave the clock's edge loop
    env = uvm_root().uvm_test_top.env  # type: ignore[attr-defined]
    await tb.mem.settle()  # status writes the model made and the RTL still owes
    tb.finish(env.errors())
    return tb
