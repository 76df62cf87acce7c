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
import shutil
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
# no --timing scheduler in the per-cycle loop. VTD_REPLAY_MEM_DPI: the memory's words live in C++
# (tb/replay/vtd_replay_mem.cpp), not in a Verilog array zeroed at start-up.
VERILATOR_FLAGS = ("--cc", "--exe", "--build", "-DVTD_REPLAY_CLOCK_PORT", "-DVTD_REPLAY_MEM_DPI",
                   "-O3", "--x-assign", "fast", "--x-initial", "fast", "--noassert", "-Wno-fatal",
                   "-Wno-lint", "-Wno-style", "-j", "2", "-CFLAGS", "-march=native")
# the object cache (tb/flows/objcache.py) compiles Verilator's runtime once for all players;
# the model at -O2: as fast as -O3 on the bench streams or faster (interleaved runs), and
# quicker to build
def _makeflags(fast_extra: str = "") -> str:
    """Make variables of a player build; ``fast_extra``: more flags for the model's own C++."""
    fast = f"'-O2 {fast_extra}'" if fast_extra else "-O2"
    return f"OPT_FAST={fast} OPT_SLOW=-O1 OPT_GLOBAL=-O2 OBJCACHE={simbuild.OBJCACHE}"


MAKEFLAGS = _makeflags()
# Profile-guided optimisation (build_player(pgo=True); `make replay PGO=1`, `make bench`): the
# model's code is built instrumented, runs these training streams (generated for the build's
# parameters, with a seed the bench does not time), and is rebuilt with GCC using that
# profile: about a third less player CPU per cycle on miss-heavy streams and a quarter on
# hit-dominated ones, for a second build and about a second of training. Only the model's
# and the player's own C++ (OPT_FAST) is instrumented; Verilator's runtime is not.
PGO_TRAINING = (("mixed", 10_000), ("hit", 20_000), ("miss", 10_000))
PGO_SEED = 9
PGO_GENERATE = "-fprofile-generate={data}"  # the model's C++, first build ({data}: profiles)
PGO_USE = "-fprofile-use={data} -fprofile-partial-training"  # second build
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
    pgo: bool = False  # profile-guided, as the build's stamp records

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


def _digest(params: RtlParams, slots_log2: int, latency: int, rtl_dir: Path, sim: str,
            pgo: bool) -> str:
    h = hashlib.sha1(json.dumps([sorted(params.items()), slots_log2, latency, VERILATOR_FLAGS,
                                 MAKEFLAGS, sim]
                                + ([PGO_TRAINING, PGO_SEED, PGO_GENERATE, PGO_USE] if pgo else []))
                     .encode())
    for path in [*_sources(rtl_dir), *_cpp_sources(), *sorted(rtl_dir.glob("*.vh")),
                 *sorted(PLAYER_DIR.glob("*.vh")), *sorted(PLAYER_DIR.glob("*.h"))]:
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def build_dir(params: RtlParams, slots_log2: int, latency: int = DEFAULT_LATENCY,
              sim: str = "verilator", pgo: bool = False) -> Path:
    rtl_dir = simbuild.RTL_DIR
    suffix = "" if rtl_dir == (ROOT / "rtl").resolve() else \
        "-" + hashlib.sha1(str(rtl_dir).encode()).hexdigest()[:8]
    prefix = "" if sim == "verilator" else f"{sim}-"
    return BUILD_ROOT / (f"{prefix}{params_key(params)}-m{slots_log2}-l{latency}{suffix}"
                         + ("-pgo" if pgo else ""))


def build_player(params: RtlParams, slots_log2: int, latency: int = DEFAULT_LATENCY,
                 sim: str = "verilator", pgo: bool = False) -> PlayerBuild:
    """Build (or reuse) the player for ``params``; safe to call concurrently. Verilator is
    the replay simulator; Icarus (``sim="icarus"``) works too, far slower. ``pgo``: a
    profile-guided Verilator build (see PGO_TRAINING), in a directory of its own."""
    if sim not in SIMULATORS:
        raise ValueError(f"simulator {sim!r}: one of {', '.join(SIMULATORS)}")
    if pgo and sim != "verilator":
        raise ValueError(f"a profile-guided player is a Verilator build, not {sim}")
    rtl_dir = simbuild.RTL_DIR
    directory = build_dir(params, slots_log2, latency, sim, pgo)
    binary = directory / ("replay.vvp" if sim == "icarus" else "obj/vtd_replay")
    digest = _digest(params, slots_log2, latency, rtl_dir, sim, pgo)
    stamp = directory / STAMP
    with simbuild._locked(directory.with_name(directory.name + ".lock")):
        if stamp.exists() and binary.exists():
            old = json.loads(stamp.read_text())
            if old.get("digest") == digest:
                return PlayerBuild(binary, float(old.get("seconds", 0)), True, sim,
                                   bool(old.get("pgo", False)))
        directory.mkdir(parents=True, exist_ok=True)
        player = {**params, "MEM_SLOTS_LOG2": slots_log2, "MEM_LATENCY": latency}
        log = directory / "build.log"
        log.write_text("")
        t0 = time.monotonic()
        if sim == "icarus":
            _run_build(["iverilog", "-g2005", "-o", str(binary), f"-I{rtl_dir}", f"-I{PLAYER_DIR}",
                        "-s", PLAYER_TOP,
                        *(f"-P{PLAYER_TOP}.{k}={v}" for k, v in player.items()),
                        *map(str, _sources(rtl_dir))], log, binary, sim)
        elif not pgo:
            _run_build(_verilator_cmd(directory, player, rtl_dir, MAKEFLAGS), log, binary, sim)
        else:
            _build_pgo(directory, player, params, slots_log2, rtl_dir, log, binary)
        seconds = time.monotonic() - t0
        stamp.write_text(json.dumps({"digest": digest, "seconds": round(seconds, 1),
                                     "params": params, "slots_log2": slots_log2,
                                     "latency": latency, "pgo": pgo}, indent=1))
        return PlayerBuild(binary, seconds, False, sim, pgo)


def _verilator_cmd(directory: Path, player: dict[str, int], rtl_dir: Path, makeflags: str,
                   extra: tuple[str, ...] = ()) -> list[str]:
    return ["verilator", *VERILATOR_FLAGS, *extra, "-MAKEFLAGS", makeflags, f"-I{rtl_dir}",
            f"-I{PLAYER_DIR}", "--top-module", PLAYER_TOP, "--Mdir", str(directory / "obj"),
            "-o", "vtd_replay", *(f"-G{k}={v}" for k, v in player.items()),
            *map(str, _sources(rtl_dir)), *map(str, _cpp_sources())]


def _run_build(cmd: list[str], log: Path, binary: Path, sim: str, what: str = "build") -> None:
    """Run one build step, appending its command and output to ``log``."""
    env = simbuild.setup_tool_env(dict(os.environ))
    env.pop("MAKEFLAGS", None)
    with open(log, "a") as f:
        f.write(" ".join(cmd) + "\n")
        f.flush()
        rc = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, env=env).returncode
    if rc or not binary.exists():
        raise ReplayBuildError(f"{sim} {what} of the replay player failed (exit {rc}); "
                               f"log {log}:\n{simbuild.log_tail(log, 30)}")


def _build_pgo(directory: Path, player: dict[str, int], params: RtlParams, slots_log2: int,
               rtl_dir: Path, log: Path, binary: Path) -> None:
    """Instrumented build, training runs, then the build that uses their profile."""
    from tb.flows.replay import images as img  # the player's inputs (imports the model)
    from tb.flows.replay.gen import generate

    data = directory / "pgo-profile"
    shutil.rmtree(data, ignore_errors=True)
    obj = directory / "obj"
    for old in obj.glob("*.o"):
        old.unlink()  # make does not see a flag change: every object is compiled again
    _run_build(_verilator_cmd(directory, player, rtl_dir,
                              _makeflags(PGO_GENERATE.format(data=data)),
                              ("-LDFLAGS", "-fprofile-generate")),
               log, binary, "verilator", "instrumented build (PGO)")
    training = directory / "pgo-training"
    for profile, n in PGO_TRAINING:
        images = img.write_images(generate(n, PGO_SEED, profile, params), training / profile,
                                  slots_log2)
        if images.slots_log2 != slots_log2:
            raise ReplayBuildError(f"PGO training stream {profile!r} needs 2^{images.slots_log2} "
                                   f"memory slots, the player has 2^{slots_log2}")
        result = run_player(PlayerBuild(binary, 0.0, False), images.plusargs(),
                            training / f"{profile}.rsp")
        if result.errors:
            raise ReplayBuildError(f"PGO training stream {profile!r} did not run through: "
                                   + "; ".join(result.errors[:3]))
    for old in obj.glob("*.o"):
        old.unlink()
    binary.unlink()
    _run_build(_verilator_cmd(directory, player, rtl_dir,
                              _makeflags(PGO_USE.format(data=data))),
               log, binary, "verilator", "profile-guided build (PGO)")
    missing = [line for line in log.read_text().splitlines() if "profile count data" in line]
    if missing:
        raise ReplayBuildError("the profile-guided build found no profile for some of the "
                               f"model's code (log {log}): {missing[0]}")


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
