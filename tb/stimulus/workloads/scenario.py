"""A replay trace as a scenario file (doc/scenario-format.md): the memory image, the register
program, then one ``dma`` step per request with the operations between requests as
``mem_write``, ``reg_write`` and ``poll`` steps. Meant for small streams (a scenario runs
through cocotb, a few hundred requests per second); the model's outcome of each request goes
into its ``expect`` so the scenario checks the RTL on its own."""

from __future__ import annotations

from typing import Any

from tb.flows.params import preset
from tb.flows.replay.check import expected_outcomes
from tb.flows.replay.trace import MemWrite, Op, RegOp, Trace

MAX_SCENARIO_REQUESTS = 20_000


def _op_step(op: Op | RegOp) -> dict[str, Any]:
    if isinstance(op, MemWrite):
        return {"op": "mem_write", "addr": f"{op.addr:#x}", "qwords": [f"{op.value:#x}"]}
    if op.op == "write":
        return {"op": "reg_write", "reg": op.reg, "value": f"{op.value:#x}"}
    if op.op == "read":
        return {"op": "reg_read", "reg": op.reg}
    return {"op": "poll", "reg": op.reg, "mask": f"{op.mask:#x}", "value": f"{op.value:#x}"}


def trace_to_scenario(trace: Trace, name: str, expect: bool = True) -> dict[str, Any]:
    """The scenario dictionary (``vtd-scenario/1``) of ``trace``."""
    n = len(trace.requests)
    if n > MAX_SCENARIO_REQUESTS:
        raise ValueError(f"{n} requests: a scenario is for small streams (at most "
                         f"{MAX_SCENARIO_REQUESTS}); replay the trace instead")
    params = preset(trace.params)
    outcomes = expected_outcomes(trace, params) if expect else None
    runs: list[dict[str, Any]] = []
    for addr in sorted(trace.memory):
        if runs and addr == runs[-1]["_end"] and addr % 0x1000:
            runs[-1]["qwords"].append(f"{trace.memory[addr]:#x}")
        else:
            runs.append({"addr": f"{addr:#x}", "qwords": [f"{trace.memory[addr]:#x}"]})
        runs[-1]["_end"] = addr + 8
    for r in runs:
        del r["_end"]
    steps: list[dict[str, Any]] = [_op_step(op) for op in trace.registers]
    for i, r in enumerate(trace.requests):
        steps += [_op_step(op) for op in trace.ops.get(i, ())]
        step: dict[str, Any] = {"op": "dma", "sid": f"{r.sid:#x}", "addr": f"{r.addr:#x}",
                                "write": r.write, "size": r.size}
        if outcomes is not None:
            fault, value = outcomes[i]
            step["expect"] = ({"status": "fault", "reason": f"{value:#x}"} if fault else
                              {"status": "ok", "hpa": f"{value | (r.addr & 0xFFF):#x}"})
        steps.append(step)
    steps += [_op_step(op) for op in trace.ops.get(n, ())]
    h = trace.header
    return {"format": "vtd-scenario/1", "name": name,
            "description": f"replay trace: profile {h.get('profile', '?')}, seed "
                           f"{h.get('seed', '?')}, knobs {h.get('knobs', '-')}, {n} requests",
            "memory": runs, "steps": steps}
