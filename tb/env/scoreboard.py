"""The scoreboard: every agent's analysis port in, the golden model's verdict out (through
:class:`tb.env.checker.ModelChecker`; register accesses go to the model mirror)."""

from __future__ import annotations

from typing import Any

from pyuvm import ConfigDB, uvm_component, uvm_subscriber

from tb.env.testbench import Tb


class Scoreboard(uvm_component):
    """Subscribes to every agent's analysis port; checks through :mod:`tb.env.checker`."""

    def build_phase(self) -> None:
        self.tb: Tb = ConfigDB().get(self, "", "tb")
        imp = uvm_subscriber.uvm_AnalysisImp
        self.dma_issue = imp("dma_issue", self, self.tb.checker.dma_issued)
        self.dma_rsp = imp("dma_rsp", self, self._dma_rsp)
        self.msi_issue = imp("msi_issue", self, self.tb.checker.msi_issued)
        self.msi_rsp = imp("msi_rsp", self, self._msi_rsp)
        self.irq = imp("irq", self, self.tb.checker.event)
        self.reg = imp("reg", self, self._reg)

    def _dma_rsp(self, t: tuple[Any, Any]) -> None:
        self.tb.count_response(t[1])
        self.tb.checker.dma_response(*t)

    def _msi_rsp(self, t: tuple[Any, Any]) -> None:
        self.tb.sample_msi(*t)
        self.tb.checker.msi_response(*t)

    def _reg(self, item: Any) -> None:
        if item.write:
            self.tb.mirror.on_write(item.offset, item.size, item.value)
        else:
            self.tb.mirror.on_read(item.offset, item.size, item.result)
