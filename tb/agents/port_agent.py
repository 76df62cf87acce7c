"""The shape every active agent here shares: a sequencer, a driver that publishes what it
issued (``issue_ap``) and a monitor that publishes the answers (``rsp_ap``), configured by one
object found in ConfigDB under ``"cfg"`` for the agent's path."""

from __future__ import annotations

from typing import Any

from pyuvm import uvm_agent


class PortAgent(uvm_agent):
    sequencer_cls: type
    driver_cls: type
    monitor_cls: type

    def build_phase(self) -> None:
        super().build_phase()
        self.seqr = self.sequencer_cls("seqr", self)
        self.driver = self.driver_cls("driver", self)
        self.monitor = self.monitor_cls("monitor", self)
        self.configure(self.cdb_get("cfg"))

    def configure(self, cfg: Any) -> None:
        """Hand the configuration to the driver and the monitor."""
        raise NotImplementedError

    def connect_phase(self) -> None:
        self.driver.seq_item_port.connect(self.seqr.seq_item_export)
        self.issue_ap = self.driver.issue_ap
        self.rsp_ap = self.monitor.ap
