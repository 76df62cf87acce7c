"""One coroutine per clock for the agents' per-cycle work.

Each agent that works cycle by cycle (the AXI memory's read slave, the DMA driver and the DMA
monitor) used to be a coroutine of its own, each resumed at every rising edge it waited for:
three or more task resumes per busy cycle, plus hand-offs between them. Here one loop awaits
the edge and calls every attached agent's *step* in turn, plain function calls at one resume
per edge, the edge cocotb's raw clock rate pays for anyway.

A step is called at every edge the loop runs, with that edge's cycle number, and returns when
it next needs an edge: ``1`` for the next one, ``k`` for the k-th from now (nothing for it to do
before: a latency, a gap), ``0`` for none (it waits for a signal: its *wake* trigger, such as
``RisingEdge(arvalid)``). When no step needs the next edge the loop sleeps until the earliest
one wanted, any wake trigger, or :meth:`EdgeLoop.need` (work handed over between edges: a
sequence's next item); while it runs for one agent every other step still polls its signals,
so a step must do what its wake trigger would have woken it for. Steps run in attach order:
an agent that frees something another one waits for (the DMA monitor freeing a tag the driver
needs) is attached first, so the other sees it at the same edge, as a coroutine woken by it
in the same time step would have."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import cocotb
from cocotb.triggers import Event, First, RisingEdge, Timer

from tb.agents.signals import CycleCounter

# Edges a step keeps polling for a signal it waits for before it sleeps on the signal's rise
# instead: on fast memory the next beat or answer comes within a few cycles, and a sleep and
# wake-up of the loop (a First of triggers) costs more than that many polls; on slow memory
# the loop sleeps out the rest.
POLL_EDGES = 8

Step = Callable[[int], int]
Wake = Callable[[], Any]  # the trigger to sleep on while the step needs no edge (or None)

_NEVER = 1 << 62


class EdgeLoop:
    """The per-cycle steps of the agents on ``clk`` (see the module docstring)."""

    def __init__(self, clk: Any, cycles: CycleCounter) -> None:
        self.clk = clk
        self.cycles = cycles
        self._names: list[str] = []
        self._steps: list[Step] = []
        self._wakes: list[Wake] = []
        self._due: list[int] = []  # the cycle of the next edge each step needs (_NEVER: none)
        self._cycle = cycles.now  # of the last edge the loop ran
        self._kick = Event()
        self._asleep = False
        self.edges = 0  # edges the loop ran (the benchmark reports both per request)
        self.sleeps = 0  # times it slept (on a First of wake triggers, a timer, need())
        self._task = cocotb.start_soon(self._run())

    def attach(self, name: str, step: Step, wake: Wake) -> None:
        """Call ``step`` at every edge from the next on; an agent already attached under
        ``name`` (an earlier environment's) is replaced in its place."""
        if name in self._names:
            i = self._names.index(name)
            self._steps[i], self._wakes[i], self._due[i] = step, wake, 0
        else:
            self._names.append(name)
            self._steps.append(step)
            self._wakes.append(wake)
            self._due.append(0)
        self._wake_up()

    def detach(self, name: str) -> None:
        if name in self._names:
            i = self._names.index(name)
            for seq in (self._names, self._steps, self._wakes, self._due):
                del seq[i]

    def need(self, name: str) -> None:
        """``name`` has work from the next edge on (handed to it between edges)."""
        self._due[self._names.index(name)] = 0
        self._wake_up()

    def _wake_up(self) -> None:
        if self._asleep:
            self._kick.set()

    async def _run(self) -> None:
        edge = RisingEdge(self.clk)
        period = self.cycles.period_ns
        while True:
            due = min(self._due, default=_NEVER)
            if due > self._cycle + 1:  # no step needs the next edge: sleep
                triggers = [t for t in (w() for w in self._wakes) if t is not None]
                if due < _NEVER:  # wake half a cycle before the edge a step needs
                    triggers.append(Timer((due - self._cycle - 1) * period + period // 2, "ns"))
                self._kick.clear()
                triggers.append(self._kick.wait())
                self._asleep = True
                self.sleeps += 1
                await First(*triggers)
                self._asleep = False
            await edge
            cycle = self.cycles.now
            self._cycle = cycle
            self.edges += 1
            steps, dues = self._steps, self._due
            for i in range(len(steps)):
                k = steps[i](cycle)
                dues[i] = cycle + k if k else _NEVER
