"""``make bench``: in one simulator run on one DUT build (the toplevel ``vtd_batch_top``: the
unit with the batched DMA port beside it, doc/testbench.md), cocotb's raw cycle rate on this
DUT (a coroutine that only awaits the clock), checked translations per second through the pyuvm
environment and through a bare cocotb loop, each with the per-cycle agents and on the batched
DMA port, and their ratios; written to ``build/bench/bench.json`` (keys ``raw_cycles_per_s``,
``env_per_s`` and ``bare_per_s`` (the batched port's), ``env_cycle_per_s`` and
``bare_cycle_per_s`` (the per-cycle agents'), ``replay_per_s``, the stream and the simulator,
``dut_cxx_opt``: the C++ optimisation of the Verilated model, which the raw rate depends on,
and ``goals``: issue 8's goals, each met or not in this run).

In the same invocation two replay streams (``tb.flows.replay``, ``--replay-n`` requests each)
run through the Verilog player on Verilator with no Python per request (its profile-guided
build, ``make replay PGO=1``: trained on other streams, see tb.flows.replay.run): the hit-dominated
profile on the default parameter set and the miss-heavy one on ``walks8`` (eight page
walkers). ``replay_hit_per_s`` and ``replay_miss_per_s`` are their translations per second of
wall time (the player process, reading its images included; ``replay_per_s`` is the hit
figure), ``replay_*_check_per_s`` the batch check's rates; ``replay_*_stream`` records the
stream, the parameter set and the player's CPU time. The hit stream runs twice, before the
cocotb phases and after them, and its rate is the mean of the two (``runs_per_s``): the raw
clock, timed in between, is compared with a rate measured on both sides of it.

    python -m tb.flows.bench [--sim verilator|icarus] [--n 4000] [--seed N] [--cpu-time]
                             [--profile] [--replay-n N]

The four phases drive the same DUT (reset in between), the same memory and tables, and the
same request stream, and each checks every response against the golden model (dma_candidates
at issue and at response, commit in response order). The bare loops are plain cocotb
coroutines (``tb.agents.bare``) on the signals, or ``put`` on the batched port; the
environment is the pyuvm agents, sequencer, analysis ports and scoreboard. Goals (issue 8), as
ratios in one run: env_per_s >= 0.1 x raw_cycles_per_s and env_per_s >= 0.5 x bare_per_s.
Each phase sends the stream in ``chunks`` parts (knob, default 4), drained in between, and the
raw clock rate is timed in slices in those pauses (before each part of a bare loop, after each
part of an environment), taken over all of them: a machine whose speed drifts during the run
(a shared or throttled one) then tilts the ratios far less than a measurement at one end
would. ``env_edge_loop`` and ``env_cycle_edge_loop`` count the edges the agents' edge loop
(tb.agents.edge_loop) ran and the times it slept during the environments' parts (batched: none
expected). ``--cpu-time`` times the phases by CPU time (a shared machine); ``--profile`` writes
a cProfile of each phase (CPU time) to build/bench/*.pstat.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

BENCH_MODULE = "tb.flows.bench"


def _phase_items(builder: Any, rt: Any, n: int) -> list[tuple[int, int, bool, int]]:
    from tb.stimulus.traffic import TrafficGen, TrafficKnobs, build_topology

    topo = build_topology(builder, rt.rng("topology"), domains=6, devices_per_domain=2,
                          regions_per_domain=8)
    gen = TrafficGen(topo, builder.config, rt.rng("traffic"), TrafficKnobs(hit_locality=0.5))
    return [(i.sid, i.addr, i.write, i.size) for i in gen.items(n)]


def _bench_test() -> Any:
    import cocotb
    from cocotb.triggers import RisingEdge

    from tb.agents.bare import BareDma, BareIrq
    from tb.agents.dma import DmaItem
    from tb.agents.transactions import DmaRequest
    from tb.env.base_test import BaseTest, run_uvm
    from tb.env.harness import Harness
    from tb.env.runtime import Runtime
    from tb.env.testbench import Tb

    shared: dict[str, Any] = {}
    # --cpu-time: the simulator process's CPU time instead of wall time (a shared machine)
    clock = time.process_time if os.environ.get("TB_BENCH_CPU") == "1" else time.perf_counter
    profile_dir = os.environ.get("TB_BENCH_PROFILE")  # --profile: cProfile of each phase

    class Phase:
        """The time and cycles one phase spent in its timed parts (and their cProfile with
        --profile): ``async with phase.timed():`` around each part."""

        def __init__(self, name: str, cycles: Any) -> None:
            self.name = name
            self.cycles = cycles
            self.seconds = 0.0
            self.cycles_spent = 0
            self.prof: Any = None
            if profile_dir:
                import cProfile

                self.prof = cProfile.Profile(time.process_time)

        def start(self) -> None:
            if self.prof is not None:
                self.prof.enable()
            self._c0 = self.cycles.now
            self._t0 = clock()

        def stop(self) -> None:
            self.seconds += clock() - self._t0
            self.cycles_spent += self.cycles.now - self._c0
            if self.prof is not None:
                self.prof.disable()

        def dump(self) -> None:
            if self.prof is not None:
                self.prof.dump_stats(str(Path(profile_dir) / f"{self.name}.pstat"))

    def chunks(items: list[Any], k: int) -> list[list[Any]]:
        size = -(-len(items) // k)
        return [items[i:i + size] for i in range(0, len(items), size)]

    class BenchTest(BaseTest):
        async def body(self) -> None:
            await self.sw.enable_translation()
            phase: Phase = shared["phase"]
            raw_slice = shared["raw_slice"]
            loop = self.tb.harness.edges
            batch = self.tb.dma_batch if shared["batched"] else None
            e0, s0 = loop.edges, loop.sleeps
            if batch is not None:
                await batch.enter()
            for part in chunks(shared["reqs"], shared["chunks"]):
                phase.start()
                await self.env.dma(DmaItem(sid=s, addr=a, write=w, size=z)
                                   for s, a, w, z in part)
                await self.tb.dma_port.drain()
                phase.stop()
                await raw_slice()  # the agents idle: their edge loop sleeps
            if batch is not None:
                await batch.leave()
            shared["loop"] = {"edges": loop.edges - e0, "sleeps": loop.sleeps - s0}

    async def bare_phase(harness: Any, rt: Any, tb: Any, batched: bool,
                         raw_slice: Any) -> dict[str, Any]:
        """The bare loop over the stream: per-cycle coroutines (tb.agents.bare) or the
        batched port (tb.agents.dma_batch); every response checked by the model."""
        await tb.start(harness)
        sw = tb.software(tb.regs_over(tb.mirrored_bus()))
        await sw.enable_translation()
        chk = tb.checker
        irq = BareIrq(tb.dut, tb.cycles, on_event=chk.event)
        phase = Phase("bare-batched" if batched else "bare", tb.cycles)
        parts = chunks(shared["reqs"], shared["chunks"])
        if batched:
            batch = tb.dma_batch
            batch.on_issue, batch.on_response = chk.dma_issued, chk.dma_response
            await batch.enter()
            for part in parts:
                await raw_slice()
                phase.start()
                for s, a, w, z in part:
                    await batch.put(DmaRequest(s, a, w, z))
                await tb.dma_port.drain()
                phase.stop()
            await batch.leave()
        else:
            bare_loop = BareDma(tb.dma_port, on_response=chk.dma_response)
            for part in parts:
                await raw_slice()
                phase.start()
                await bare_loop.send_many((DmaRequest(s, a, w, z) for s, a, w, z in part),
                                          chk.dma_issued)
                await tb.dma_port.drain()
                phase.stop()
            bare_loop.stop()
        irq.stop()
        chk.final_check()
        phase.dump()
        return {"checked": chk.stats.dma_checked, "seconds": round(phase.seconds, 3),
                "rate": round(chk.stats.dma_checked / phase.seconds, 1),
                "cycles": phase.cycles_spent, "errors": list(chk.errors)[:5]}

    async def env_phase(dut: Any, harness: Any, rt: Any, builder: Any,
                        batched: bool) -> dict[str, Any]:
        """The pyuvm environment over the stream (the DUT reset, same memory and tables)."""
        builder.gsts = 0
        tb = Tb(dut, rt, builder=builder)
        shared["batched"] = batched
        phase = shared["phase"] = Phase("env-batched" if batched else "env", harness.cycles)
        await run_uvm(dut, BenchTest, tb=tb, harness=harness)
        phase.dump()
        checked = tb.checker.stats.dma_checked
        return {"checked": checked, "seconds": round(phase.seconds, 3),
                "rate": round(checked / phase.seconds, 1), "cycles": phase.cycles_spent,
                "edge_loop": shared["loop"]}

    @cocotb.test()
    async def bench(dut: Any) -> None:
        rt = Runtime.from_env()
        n = rt.iknob("n", 4000)
        harness = Harness(dut, rt)
        # --- raw: cocotb awaiting the clock and nothing else, timed in slices spread over the
        # run (before each chunk of the bare loops, after each chunk of the environments), so
        # a machine whose speed drifts during the run tilts the ratios far less
        nchunks = shared["chunks"] = max(1, rt.iknob("chunks", 4))
        raw = Phase("raw", harness.cycles)
        raw_per_slice = max(1, rt.iknob("raw_cycles", 20000) // (4 * nchunks))
        edge = RisingEdge(dut.clk)

        async def raw_slice() -> None:
            raw.start()
            for _ in range(raw_per_slice):
                await edge
            raw.stop()

        shared["raw_slice"] = raw_slice
        tb = Tb(dut, rt)
        builder = tb.builder
        shared["reqs"] = _phase_items(builder, rt, n)
        # the per-cycle agents first, then the batched port, each bare and through pyuvm
        bare_cycle = await bare_phase(harness, rt, tb, False, raw_slice)
        builder.gsts = 0
        env_cycle = await env_phase(dut, harness, rt, builder, False)
        builder.gsts = 0
        bare = await bare_phase(harness, rt, Tb(dut, rt, builder=builder), True, raw_slice)
        env = await env_phase(dut, harness, rt, builder, True)
        raw.dump()
        result = {
            "sim": rt.sim, "requests": n, "chunks": nchunks,
            "raw_cycles": raw.cycles_spent, "raw_seconds": round(raw.seconds, 3),
            "bare": bare, "env": env, "bare_cycle": bare_cycle, "env_cycle": env_cycle,
        }
        result["ratio"] = round(env["rate"] / bare["rate"], 3)
        rt.write_stats({"bench": result})
        dut._log.info("bench: %s", json.dumps(result))
        for name in ("bare", "bare_cycle"):
            errors = result[name]["errors"]
            assert not errors, f"{name} loop mismatches: {errors[:3]}"

    return bench


if "cocotb" in sys.modules and getattr(sys.modules["cocotb"], "is_simulation", False):
    bench = _bench_test()


def main(argv: list[str] | None = None) -> int:
    from tb.env.runtime import seed_from_env
    from tb.flows import build
    from tb.flows.params import preset

    p = argparse.ArgumentParser(prog="python -m tb.flows.bench", description=__doc__.split("\n")[0])
    p.add_argument("--sim", default="verilator", choices=build.SIMULATORS)
    p.add_argument("--n", type=int, default=4000, help="requests per phase")
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--cpu-time", action="store_true",
                   help="time the phases by the simulator's CPU time, not wall time (for a "
                        "machine shared with other jobs); bench.json records which")
    p.add_argument("--profile", action="store_true",
                   help="cProfile each phase into build/bench/{raw,bare,env}.pstat (slower: "
                        "read the split, not the rates)")
    p.add_argument("--replay-n", type=int, default=500_000,
                   help="requests of each replay stream, hit and miss (0: skip them)")
    args = p.parse_args(argv)
    seed = args.seed if args.seed is not None else seed_from_env(1)
    params = preset("default")
    # the hit stream runs once before the cocotb phases and once after them: the raw clock is
    # timed between the two, so a drift of the machine's speed tilts their ratio less
    hit_before = _replay_run("hit", "default", args.replay_n, seed) if args.replay_n > 0 \
        else None
    t0 = time.monotonic()
    info = build.build(args.sim, params, top=build.BATCH_TOP)
    built = time.monotonic() - t0
    run = build.run(args.sim, params, BENCH_MODULE, "bench", seed=seed,
                    env={"TB_KNOBS": json.dumps({"n": args.n}),
                         "TB_BENCH_CPU": "1" if args.cpu_time else "0",
                         **({"TB_BENCH_PROFILE": str(build.ROOT / "build" / "bench")}
                            if args.profile else {})}, label="bench", top=build.BATCH_TOP)
    b = run.stats.get("bench")
    if not run.ok or not isinstance(b, dict):
        print(run.summary())
        print(build.log_tail(run.log))
        return 1
    cxx_opt = build.VERILATOR_OPT if args.sim == "verilator" else None
    print(f"bench on {args.sim} (build {info.directory.name}"
          + (f", model C++ at {cxx_opt}" if cxx_opt else "") + ": "
          f"{'reused, built in' if info.reused else 'built in'} {info.seconds or built:.1f} s), "
          f"SEED={seed}, {b['requests']} requests per phase:")
    raw = b["raw_cycles"] / b["raw_seconds"]
    for key, label in (("bare_cycle", "bare loop, per-cycle agents "),
                       ("env_cycle", "pyuvm env, per-cycle agents "),
                       ("bare", "bare loop, batched DMA port "),
                       ("env", "pyuvm env, batched DMA port ")):
        ph = b[key]
        loop = ph.get("edge_loop")
        print(f"  {label}: {ph['checked']:6d} checked in {ph['seconds']:6.2f} s = "
              f"{ph['rate']:8.1f} translations/s = {ph['rate'] / raw:.3f} x raw ("
              f"{ph['cycles'] / ph['seconds']:.0f} cycles/s"
              + (f"; agents' edge loop {loop['edges'] / ph['checked']:.2f} edges, "
                 f"{loop['sleeps'] / ph['checked']:.2f} sleeps per request" if loop else "")
              + ")")
    slices = 4 * b["chunks"]
    print(f"  raw cocotb clock             : {b['raw_cycles']:6d} cycles in "
          f"{b['raw_seconds']:6.2f} s = {raw:8.1f} cycles/s ({slices} slices spread over the "
          "phases)")
    env, bare = b["env"]["rate"], b["bare"]["rate"]
    print(f"  ratios (one run) : env/bare {b['ratio']:.2f}, env/raw cycles {env / raw:.3f} "
          f"(per-cycle agents: env/bare {b['env_cycle']['rate'] / b['bare_cycle']['rate']:.2f}"
          f", env/raw {b['env_cycle']['rate'] / raw:.3f})")
    summary = {
        "sim": args.sim, "seed": seed, "timing": "cpu" if args.cpu_time else "wall",
        # the raw rate depends on it: at -O0 the model's evaluation was most of a cycle
        "dut_cxx_opt": cxx_opt, "toplevel": build.BATCH_TOP,
        "stream": {"requests": b["requests"], "domains": 6, "devices": 12, "locality": 0.5,
                   "faults": "included"},
        "raw_cycles_per_s": round(raw, 1),
        # the pyuvm environment and the bare loop on the batched DMA port (doc/testbench.md)
        "env_per_s": env, "bare_per_s": bare,
        "replay_per_s": None,  # filled in below when the replay ran and every response matched
        "env_over_bare": b["ratio"], "env_over_raw": round(env / raw, 4),
        # the same with the per-cycle agents (every test but the batched ones uses those)
        "env_cycle_per_s": b["env_cycle"]["rate"], "bare_cycle_per_s": b["bare_cycle"]["rate"],
        "env_cycle_over_raw": round(b["env_cycle"]["rate"] / raw, 4),
        # the edges the agents' edge loop ran and the times it slept, during the env phases
        "env_edge_loop": b["env"]["edge_loop"], "env_cycle_edge_loop": b["env_cycle"]["edge_loop"],
        "raw_slices": slices,  # the raw clock, timed in this many slices
    }
    if args.replay_n > 0:
        summary.update(_replay(args.replay_n, seed, hit_before))
    summary["goals"] = _goals(summary)
    print("  goals (issue 8)  : " + ", ".join(
        f"{name} {'met' if ok else 'NOT met'}" for name, ok in summary["goals"].items()))
    out = build.ROOT / "build" / "bench" / "bench.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, indent=1) + "\n")
    print(f"  written to {out.relative_to(build.ROOT)}")
    return 0


def _goals(s: dict[str, Any]) -> dict[str, bool]:
    """Issue 8's goals, each as measured in this run (replay goals only when replay ran)."""
    raw = s["raw_cycles_per_s"]
    goals = {"env >= 0.1 x raw": s["env_per_s"] >= 0.1 * raw,
             "env >= 0.5 x bare": s["env_per_s"] >= 0.5 * s["bare_per_s"]}
    if s.get("replay_hit_stream") is not None:
        goals["replay hit >= 25 x raw"] = (s["replay_hit_per_s"] or 0) >= 25 * raw
        goals["replay miss >= 100k/s"] = (s["replay_miss_per_s"] or 0) >= 100_000
        goals["batch check >= 50k/s"] = min(s["replay_hit_check_per_s"],
                                            s["replay_miss_check_per_s"]) >= 50_000
    return goals


REPLAY_RUNS = (  # (profile, parameter set): the hit stream on the default set, the miss
    ("hit", "default"),  # stream on eight walkers (walks8)
    ("miss", "walks8"),
)


def _replay_run(profile: str, params: str, n: int, seed: int) -> Any:
    """One replay stream through the profile-guided player: its ``ReplayOutcome``."""
    from tb.flows.replay.cli import replay
    from tb.flows.replay.gen import generate
    from tb.flows.replay.trace import write_trace

    path = Path(__file__).resolve().parents[2] / "build" / "bench" / f"replay-{profile}.trace"
    write_trace(generate(n, seed, profile), path)
    return replay(path, params, reference=False, pgo=True)


def _replay(n: int, seed: int, hit_before: Any = None) -> dict[str, object]:
    """The hit-dominated and the miss-heavy replay streams: their rates, or why there are
    none. ``replay_per_s`` is the hit stream's (as before ``replay_hit_per_s`` existed).
    ``hit_before``: the hit stream's run before the cocotb phases; the hit rate is then the
    mean of that run's and this one's (``runs_per_s`` in its stream record)."""
    out: dict[str, object] = {}
    for profile, params in REPLAY_RUNS:
        o = _replay_run(profile, params, n, seed)
        runs = [o] if profile != "hit" or hit_before is None else [hit_before, o]
        ok = all(r.report.ok for r in runs)
        verdict = "every response and the fault state matched" if ok else "MISMATCHES: " + \
            "; ".join(next(r for r in runs if not r.report.ok).report.mismatches[:3])
        rate = sum(r.rtl_per_s for r in runs) / len(runs)
        cpu = o.result.cpu_seconds
        both = (f" (mean of a run before the cocotb phases, {runs[0].rtl_per_s:,.0f}/s, and "
                f"one after, {runs[1].rtl_per_s:,.0f}/s)") if len(runs) == 2 else ""
        print(f"  replay {profile:4s} (Verilog player, profile-guided, {params}, {n} requests): "
              f"{o.result.cycles} cycles in {o.result.seconds:.2f} s = {o.rtl_per_s:,.0f} "
              f"translations/s" + (f" (CPU {cpu:.2f} s = {n / cpu:,.0f}/s)" if cpu else "")
              + f"; batch check {o.check_per_s:,.0f}/s; {verdict}")
        if both:
            print(f"  replay hit rate  : {rate:,.0f} translations/s{both}")
        out[f"replay_{profile}_per_s"] = round(rate, 1) if ok else None
        out[f"replay_{profile}_check_per_s"] = round(o.check_per_s, 1)
        out[f"replay_{profile}_stream"] = {
            "requests": n, "profile": profile, "params": params, "cycles": o.result.cycles,
            "player_cpu_seconds": cpu, "player_build": "pgo" if o.pgo else "plain",
            "matched": ok, "runs_per_s": [round(r.rtl_per_s, 1) for r in runs]}
    out["replay_per_s"] = out["replay_hit_per_s"]
    out["replay_check_per_s"] = out["replay_hit_check_per_s"]
    out["replay_stream"] = out["replay_hit_stream"]
    return out


if __name__ == "__main__":
    sys.exit(main())
