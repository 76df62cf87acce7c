"""Replay mode: long DMA request streams through the RTL with no Python per request.

``gen`` writes a ``vtd-replay/1`` trace (doc/replay-format.md) from a random topology and
traffic; ``images`` turns a trace into the Verilog player's ``$readmemh`` images; ``run``
builds ``tb/replay/vtd_replay_top.v`` with Verilator (one build per parameter set) and runs
it; ``check`` compares the response file with the golden model in one batch; ``cli`` is
``python -m tb.flows.replay`` (``make replay``).
"""
