"""tb/flows/objcache.py: the compiler cache every Verilator build puts in front of its compiles
(Verilator's runtime compiled once for all builds). Driven with g++ on tiny sources."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "tb" / "flows" / "objcache.py"
CXX = shutil.which("g++") or shutil.which("c++")


def _compile(build: Path, source: Path, cache: Path, *flags: str,
             extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VTD_OBJCACHE_DIR": str(cache), **(extra_env or {})}
    cmd = [sys.executable, str(SCRIPT), CXX or "g++", "-O0", "-MMD", *flags, "-c", "-o",
           "lib.o", str(source)]
    return subprocess.run(cmd, cwd=build, env=env, capture_output=True, text=True, check=False)


@pytest.fixture
def tree(tmp_path: Path) -> tuple[Path, Path, Path]:
    if CXX is None:
        pytest.fail("g++ is not installed (a fresh machine needs g++ for Verilator)")
    shared = tmp_path / "runtime"
    shared.mkdir()
    (tmp_path / "build").mkdir()  # a build directory: where make runs the compiles
    (shared / "lib.h").write_text("#define VALUE 41\n")
    (shared / "lib.cpp").write_text('#include "lib.h"\nint value() { return VALUE + ONE; }\n')
    return shared / "lib.cpp", tmp_path / "cache", tmp_path


def _stored(cache: Path) -> list[str]:
    return sorted(p.name for p in cache.glob("*.o")) if cache.exists() else []


def test_a_shared_source_compiles_once_then_comes_from_the_cache(tree):
    source, cache, root = tree
    first, second = root / "build1", root / "build2"
    first.mkdir()
    second.mkdir()
    assert _compile(first, source, cache, "-DONE=1").returncode == 0
    assert len(_stored(cache)) == 1
    assert (cache / _stored(cache)[0]).read_bytes() == (first / "lib.o").read_bytes()
    # mark the stored object: the second build's object must be a copy of it, not a compile
    (cache / _stored(cache)[0]).write_bytes(b"the stored object")
    assert _compile(second, source, cache, "-DONE=1").returncode == 0
    assert (second / "lib.o").read_bytes() == b"the stored object"
    assert "lib.h" in (second / "lib.d").read_text()  # with its dependency file
    assert len(_stored(cache)) == 1


def test_a_changed_flag_or_header_is_a_new_object(tree):
    source, cache, root = tree
    build = root / "build"
    assert _compile(build, source, cache, "-DONE=1").returncode == 0
    assert _compile(build, source, cache, "-DONE=2").returncode == 0
    assert len(_stored(cache)) == 2
    (source.parent / "lib.h").write_text("#define VALUE 42\n")  # a header the source includes
    assert _compile(build, source, cache, "-DONE=2").returncode == 0
    assert len(_stored(cache)) == 3


def test_a_file_of_the_build_directory_is_never_cached(tree):
    source, cache, root = tree
    build = root / "build"
    local = build / "model.cpp"
    local.write_text("int model() { return 1; }\n")
    assert _compile(build, local, cache).returncode == 0
    assert (build / "lib.o").exists() and _stored(cache) == []


def test_a_profile_dependent_compile_is_never_cached(tree):
    """The replay player's profile-guided build: the object depends on the training profile
    (a .gcda file the key does not see), so it is compiled every time and never stored."""
    source, cache, root = tree
    build = root / "build"
    data = root / "profile"
    for flag in (f"-fprofile-generate={data}", f"-fprofile-use={data}"):
        proc = _compile(build, source, cache, "-DONE=1", flag, "-Wno-missing-profile")
        assert proc.returncode == 0, proc.stderr
        assert (build / "lib.o").exists() and _stored(cache) == [], flag
    assert _compile(build, source, cache, "-DONE=1").returncode == 0
    assert len(_stored(cache)) == 1  # the same source without the flag is cached as before


def test_a_compile_error_is_reported_and_nothing_stored(tree):
    source, cache, root = tree
    build = root / "build"
    proc = _compile(build, source, cache)  # ONE undefined
    assert proc.returncode != 0 and "ONE" in proc.stderr
    assert _stored(cache) == []


def test_the_precompiled_header_is_skipped_only_when_asked(tmp_path):
    header = tmp_path / "pch.h"
    header.write_text("int f();\n")
    cmd = [sys.executable, str(SCRIPT), CXX or "g++", "-x", "c++-header", str(header), "-o",
           str(tmp_path / "pch.h.fast.gch")]
    skipped = subprocess.run(cmd, env={**os.environ, "VTD_OBJCACHE_NO_PCH": "1"},
                             capture_output=True, check=False)
    assert skipped.returncode == 0 and not (tmp_path / "pch.h.fast.gch").exists()
    env = {k: v for k, v in os.environ.items() if k != "VTD_OBJCACHE_NO_PCH"}
    built = subprocess.run(cmd, env=env, capture_output=True, check=False)
    assert built.returncode == 0 and (tmp_path / "pch.h.fast.gch").exists()


def test_an_unwritable_cache_only_costs_time(tree):
    source, _, root = tree
    build = root / "build"
    blocked = root / "not-a-directory"
    blocked.write_text("a file where the cache directory should be\n")
    proc = _compile(build, source, blocked / "cache", "-DONE=1")
    assert proc.returncode == 0 and (build / "lib.o").stat().st_size > 0
    assert "not stored" in proc.stderr
