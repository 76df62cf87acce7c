"""Build the Verilog player (``tb/replay/``) with Verilator, once per parameter set, and
run it on a trace's images.

Builds live in ``build/replay/<params key>-m<slots>[-<rtl copy>]/`` with ``replay_build.json``
recording the digest of the sources, parameters and flags; a build is redone only when one
of them changed. ``TB_RTL_DIR`` (as for :mod:`tb.flows.build`) points the build at another
copy of the RTL, e.g. one with a planted bug.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from tb.flows import build as simbuild
from tb.flows.params import RtlParams, params_key

ROOT = simbuild.ROOT
PLAYER_DIR = ROOT / "tb" / "replay"
PLAYER_TOP = "vtd_replay_top"
BUILD_ROOT = ROOT / "build" / "replay"
# Part of the digest: changing a flag rebuilds.
# The player is built and run on the same machine: -march=native is safe and ~10% faster.
# The clock comes from tb/replay/vtd_replay_main.cpp (VTD_REPLAY_CLOCK_PORT), not from a delay:
# no --timing scheduler in the per-cycle loop.
VERILATOR_FLAGS = ("--cc", "--exe", "--build", "-DVTD_REPLAY_CLOCK_PORT", "-O3", "--x-assign",
                   "fast", "--x-initial", "fast", "--noassert", "-Wno-fatal", "-Wno-lint",
                   "-Wno-style", "-j", "2", "-CFLAGS", "-march=native")
# the object cache (tb/flows/objcache.py) compiles Verilator's runtime once for all players;
# the model at -O2: as fast as -O3 on the bench streams or faster (interleaved runs), and
# quicker to build
MAKEFLAGS = f"OPT_FAST=-O2 OPT_SLOW=-O1 OPT_GLOBAL=-O2 OBJCACHE={simbuild.OBJCACHE}"
STAMP = "replay_build.json"
DEFAULT_LATENCY = 1  # memory: cycles from the AR handshake to the first R beat (minimal)


class ReplayBuildError(RuntimeError):
    """Verilator could not build the player; the message names the log."""


SIMULATORS = ("verilator", "icarus")


@dataclass(frozen=True)
class PlayerBuild:
    binary: Path
    seconds: float
    reused: bool
    sim: str = "verilator"

    def command(self) -> list[str]:
        return ["vvp", "-n", str(self.binary)] if self.sim == "icarus" else [str(self.binary)]


@dataclass
class Response:
    index: int
    tag: int
    fault: bool
    reason: int
    addr: int
    issued: int
    answered: int


@dataclass
class RunResult:
    responses: list[Response] = field(default_factory=list)
    perf: dict[int, int] = field(default_factory=dict)  # register offset -> value
    fault_regs: dict[int, int] = field(default_factory=dict)  # FSTS qword, FRCD: offset -> qword
    reads: list[tuple[int, int]] = field(default_factory=list)  # V lines: (qword offset, value)
    cycles: int = 0
    mem_reads: int = 0
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0  # wall time of the player process
    cpu_seconds: float | None = None  # its CPU time, as Verilator reports it
    finished: bool = False


def _sources(rtl_dir: Path) -> list[Path]:
    return sorted(PLAYER_DIR.glob("*.v")) + sorted(rtl_dir.glob("*.v"))


def _cpp_sources() -> list[Path]:
    """C++ the Verilator player links (its DPI-C response writer)."""
    return sorted(PLAYER_DIR.glob("*.cpp"))


def _digest(params: RtlParams, slots_log2: int, latency: int, rtl_dir: Path, sim: str) -> str:
    h = hashlib.sha1(json.dumps([sorted(params.items()), slots_log2, latency, VERILATOR_FLAGS,
                                 MAKEFLAGS, sim]).encode())
    for path in [*_sources(rtl_dir), *_cpp_sources(), *sorted(rtl_dir.glob("*.vh"))]:
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def build_dir(params: RtlParams, slots_log2: int, latency: int = DEFAULT_LATENCY,
              sim: str = "verilator") -> Path:
    rtl_dir = simbuild.RTL_DIR
    suffix = "" if rtl_dir == (ROOT / "rtl").resolve() else \
        "-" + hashlib.sha1(str(rtl_dir).encode()).hexdigest()[:8]
    prefix = "" if sim == "verilator" else f"{sim}-"
    return BUILD_ROOT / f"{prefix}{params_key(params)}-m{slots_log2}-l{latency}{suffix}"


def build_player(params: RtlParams, slots_log2: int, latency: int = DEFAULT_LATENCY,
                 sim: str = "verilator") -> PlayerBuild:
    """Build (or reuse) the player for ``params``; safe to call concurrently. Verilator is
    the replay simulator; Icarus (``sim="icarus"``) works too, far slower."""
    if sim not in SIMULATORS:
        raise ValueError(f"simulator {sim!r}: one of {', '.join(SIMULATORS)}")
    rtl_dir = simbuild.RTL_DIR
    directory = build_dir(params, slots_log2, latency, sim)
    binary = directory / ("replay.vvp" if sim == "icarus" else "obj/vtd_replay")
    digest = _digest(params, slots_log2, latency, rtl_dir, sim)
    stamp = directory / STAMP
    with simbuild._locked(directory.with_name(directory.name + ".lock")):
        if stamp.exists() and binary.exists():
            old = json.loads(stamp.read_text())
            if old.get("digest") == digest:
                return PlayerBuild(binary, float(old.get("seconds", 0)), True, sim)
        directory.mkdir(parents=True, exist_ok=True)
        env = simbuild.setup_tool_env(dict(os.environ))
        env.pop("MAKEFLAGS", None)
        player = {**params, "MEM_SLOTS_LOG2": slots_log2, "MEM_LATENCY": latency}
        if sim == "icarus":
            cmd = ["iverilog", "-g2005", "-o", str(binary), f"-I{rtl_dir}", "-s", PLAYER_TOP,
                   *(f"-P{PLAYER_TOP}.{k}={v}" for k, v in player.items()),
                   *map(str, _sources(rtl_dir))]
        else:
            cmd = ["verilator", *VERILATOR_FLAGS, "-MAKEFLAGS", MAKEFLAGS, f"-I{rtl_dir}",
                   f"-I{PLAYER_DIR}", "--top-module", PLAYER_TOP, "--Mdir",
                   str(directory / "obj"), "-o", "vtd_replay",
                   *(f"-G{k}={v}" for k, v in player.items()), *map(str, _sources(rtl_dir)),
                   *map(str, _cpp_sources())]
        log = directory / "build.log"
        t0 = time.monotonic()
        with open(log, "w") as f:
            f.write(" ".join(cmd) + "\n")
            f.flush()
            rc = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, env=env).returncode
        seconds = time.monotonic() - t0
        if rc or not binary.exists():
            raise ReplayBuildError(f"{sim} build of the replay player failed (exit {rc}); "
                                   f"log {log}:\n{simbuild.log_tail(log, 30)}")
        stamp.write_text(json.dumps({"digest": digest, "seconds": round(seconds, 1),
                                     "params": params, "slots_log2": slots_log2,
                                     "latency": latency}, indent=1))
        return PlayerBuild(binary, seconds, False, sim)


def run_player(player: PlayerBuild, plusargs: list[str], out: Path) -> RunResult:
    """Run the player; the response file goes to ``out`` and is parsed back."""
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.exists():
        out.unlink()
    t0 = time.monotonic()
    proc = subprocess.run([*player.command(), *plusargs, f"+out={out}"], capture_output=True,
                          text=True, cwd=out.parent)
    seconds = time.monotonic() - t0
    result = read_responses(out) if out.exists() else RunResult()
    result.seconds = seconds
    cpu = re.search(r"Verilator: cpu ([0-9.]+) s", proc.stdout + proc.stderr)
    result.cpu_seconds = float(cpu.group(1)) if cpu else None
    if proc.returncode:
        result.errors.append(f"player exited with status {proc.returncode}: "
                             f"{(proc.stdout + proc.stderr)[-800:]}")
    elif not result.finished:
        result.errors.append("player stopped without finishing the response file: "
                             f"{(proc.stdout + proc.stderr)[-800:]}")
    return result


def read_responses(path: Path) -> RunResult:
    """Parse a response file (doc/replay-format.md, "Response file")."""
    result = RunResult()
    for no, line in enumerate(path.read_text().splitlines(), start=1):
        w = line.split()
        if not w or w[0].startswith("#"):
            continue
        try:
            if w[0] == "R":
                result.responses.append(Response(
                    int(w[1]), int(w[2], 16), w[3] == "1", int(w[4], 16), int(w[5], 16),
                    int(w[6]), int(w[7])))
            elif w[0] == "P":
                result.perf[int(w[1], 16)] = int(w[2])
            elif w[0] == "V":
                result.reads.append((int(w[1], 16), int(w[2], 16)))
            elif w[0] == "F":
                result.fault_regs[int(w[1], 16)] = int(w[2], 16)
            elif w[0] == "T":
                result.cycles, result.mem_reads = int(w[1]), int(w[2])
            elif w[0] in ("E", "W"):
                result.errors.append(line[2:])
            elif w[0] == "D":
                result.finished = True
        except (IndexError, ValueError):
            result.errors.append(f"{path}:{no}: malformed response line {line!r}")
    return result
