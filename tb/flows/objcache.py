#!/usr/bin/env python3
"""A compiler cache for the objects every Verilator build compiles the same way.

Each Verilator build of the unit (one per simulator parameter set: `make test` makes dozens)
compiles Verilator's runtime (``verilated.cpp``, ``verilated_vpi.cpp``, ``verilated_threads.cpp``,
``verilated_dpi.cpp``) and cocotb's ``verilator.cpp`` again, about 12 s of CPU per build at
``-O0``, while only the model's own files change from one parameter set to the next.
Verilator's makefile puts ``$(OBJCACHE)`` in front of every compile; :mod:`tb.flows.build`
sets it to this script, which:

* passes a compile of a file inside the build directory (the model) straight to the compiler,
  and so a compile with a ``-fprofile-*`` flag (the replay player's profile-guided build: its
  object depends on the training profile, which the key does not see);
* skips the precompiled header when ``VTD_OBJCACHE_NO_PCH`` is set: tb.flows.build then also
  clears the makefile's ``-include`` of it (``VK_PCH_I_FAST``/``VK_PCH_I_SLOW``), because at
  ``-O0`` compiling the header twice (fast and slow) costs more than the model's few files
  save by it;
* for a source outside it, preprocesses it with the same flags and keys the object by the
  SHA-256 of the compiler's version, the flags and the preprocessed text (so any change of
  Verilator, cocotb, a header, a define or an optimisation flag is a new key), and copies the
  object and its dependency file from ``build/objcache/`` when the key is there, else
  compiles and stores them (written to a temporary name and renamed: builds run in parallel).

Standard library only: make runs it with whatever ``python3`` is on PATH.
Usage (what make runs): ``objcache.py CXX ARGS... -c -o OBJ SOURCE``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

CACHE_DIR = Path(os.environ.get("VTD_OBJCACHE_DIR",
                                Path(__file__).resolve().parents[2] / "build" / "objcache"))
# flags that name outputs or ask for dependency files: not part of what the object is
_OUTPUT_FLAGS = {"-o", "-MF", "-MT", "-MQ"}
_DEP_FLAGS = {"-MMD", "-MD", "-MP"}


def _parse(cmd: list[str]) -> tuple[str, str] | None:
    """(object, source) of a plain ``-c -o OBJ SOURCE`` compile, else None."""
    if "-c" not in cmd or "-o" not in cmd:
        return None
    i = cmd.index("-o")
    if i + 1 >= len(cmd):
        return None
    source = cmd[-1]
    if not source.endswith((".cpp", ".cc", ".c")) or source == cmd[i + 1]:
        return None
    return cmd[i + 1], source


def _key(cmd: list[str]) -> str | None:
    h = hashlib.sha256()
    version = subprocess.run([cmd[0], "--version"], capture_output=True, check=False)
    h.update(version.stdout)
    flags: list[str] = []
    skip = False
    for arg in cmd[1:-1]:
        if skip:
            skip = False
            continue
        if arg in _OUTPUT_FLAGS:
            skip = True
            continue
        if arg not in _DEP_FLAGS:
            flags.append(arg)
    h.update("\0".join(flags).encode())
    if any(f.startswith(("-march=native", "-mtune=native")) for f in flags):
        h.update(_cpu_model())  # "native" code differs from one processor to another
    pre = [cmd[0], *(f for f in flags if f != "-c"), "-E", "-P", cmd[-1]]
    proc = subprocess.run(pre, capture_output=True, check=False)
    if proc.returncode != 0:
        return None  # the compile will report it
    h.update(proc.stdout)
    return h.hexdigest()


def _cpu_model() -> bytes:
    try:
        info = Path("/proc/cpuinfo").read_text(errors="replace")
    except OSError:
        return os.uname().machine.encode()
    first: dict[str, str] = {}
    for line in info.splitlines():
        key = line.split(":", 1)[0].strip()
        if key in ("model name", "flags"):
            first.setdefault(key, line)
    return "\n".join(sorted(first.values())).encode()


def _store(path: Path, data: bytes) -> None:
    """Write atomically; a cache that cannot be written only costs the next build time."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except OSError as e:
        print(f"objcache.py: not stored in {path.parent}: {e}", file=sys.stderr)


def main(cmd: list[str]) -> int:
    if not cmd:
        print("objcache.py: usage: objcache.py COMPILER ARGS...", file=sys.stderr)
        return 2
    if os.environ.get("VTD_OBJCACHE_NO_PCH") and "c++-header" in cmd:
        return 0  # nothing includes it (module doc); make only needs the recipe to succeed
    parsed = _parse(cmd)
    if parsed is None or Path(parsed[1]).resolve().is_relative_to(Path.cwd().resolve()) \
            or any(arg.startswith("-fprofile-") for arg in cmd):
        os.execvp(cmd[0], cmd)
    obj, source = parsed
    key = _key(cmd)
    if key is None:
        os.execvp(cmd[0], cmd)
    cached = CACHE_DIR / f"{key}.o"
    dep = Path(obj).with_suffix(".d")
    cached_dep = CACHE_DIR / f"{key}.d"
    if cached.exists() and cached_dep.exists():
        shutil.copyfile(cached, obj)
        shutil.copyfile(cached_dep, dep)  # the same target name: the same source file
        return 0
    rc = subprocess.run(cmd, check=False).returncode
    if rc == 0 and Path(obj).exists():
        _store(cached_dep, dep.read_bytes() if dep.exists() else f"{obj}: {source}\n".encode())
        _store(cached, Path(obj).read_bytes())
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
