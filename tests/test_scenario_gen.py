"""The scenario generator ``tools/scenario_gen`` itself.

* It stays independent of what the suite checks: no module of the package imports
  ``python_model`` or ``tb`` (nor anything outside the standard library), and importing it
  loads neither.
* Every scenario builder of the family modules is listed in the registry, once, and writes
  its own file.
* The command line writes the files, and ``--check`` names the stale ones and exits 1.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import subprocess
import sys
from pathlib import Path

import pytest

from tools import scenario_gen
from tools.scenario_gen import SCENARIOS, build_all
from tools.scenario_gen.__main__ import main

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "tools" / "scenario_gen"
MODULES = sorted(PACKAGE.glob("*.py"))
FORBIDDEN = {"python_model", "tb"}


def _absolute_imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every absolute import in ``path``; relative ones stay in the package."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            found.append((node.lineno, node.module or ""))
    return found


def test_package_is_split_into_modules():
    assert len(MODULES) > 5, f"tools/scenario_gen holds only {[m.name for m in MODULES]}"


@pytest.mark.parametrize("path", MODULES, ids=[m.name for m in MODULES])
def test_module_imports_only_the_standard_library(path: Path):
    imports = _absolute_imports(path)
    bad = [f"{path.name}:{line} imports {name}" for line, name in imports
           if name.split(".")[0] in FORBIDDEN]
    assert not bad, "the generator must derive expected values from the rules: " + "; ".join(bad)
    other = [f"{path.name}:{line} imports {name}" for line, name in imports
             if name.split(".")[0] not in sys.stdlib_module_names]
    assert not other, "; ".join(other)
    calls = [node.lineno for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
             if isinstance(node, ast.Name) and node.id == "__import__"]
    assert not calls, f"{path.name}: dynamic import at line(s) {calls}"


def test_importing_the_generator_loads_neither_model_nor_tb():
    code = ("import sys, tools.scenario_gen, tools.scenario_gen.__main__; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'python_model', 'tb'}))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout.strip()
    assert out == "[]", f"importing tools.scenario_gen loaded {out}"


def _builders_in_modules() -> set[object]:
    """Functions ``() -> Scn`` defined in the package's modules."""
    found = set()
    for path in MODULES:
        if path.stem.startswith("__"):
            continue
        module = importlib.import_module(f"tools.scenario_gen.{path.stem}")
        for fn in vars(module).values():
            if inspect.isfunction(fn) and fn.__module__ == module.__name__ \
                    and fn.__annotations__.get("return") == "Scn" \
                    and not inspect.signature(fn).parameters:
                found.add(fn)
    return found


def test_registry_lists_every_builder_once():
    assert len(set(SCENARIOS)) == len(SCENARIOS), "a builder is listed twice"
    missing = _builders_in_modules() - set(SCENARIOS)
    assert not missing, f"builders missing from registry.SCENARIOS: {missing}"


def test_each_builder_writes_its_own_file():
    files = build_all()
    assert len(files) == len(SCENARIOS)
    for fn in SCENARIOS:
        s = fn()
        assert s.file == f"{fn.__name__}.json", f"{fn.__name__} writes {s.file}"
        assert s.name == fn.__name__.replace("_", "-"), f"{fn.__name__} is named {s.name}"


def test_cli_writes_then_checks(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    assert main(["--out-dir", str(tmp_path)]) == 0
    written = sorted(p.name for p in tmp_path.glob("*.json"))
    assert written == sorted(build_all())
    capsys.readouterr()
    assert main(["--out-dir", str(tmp_path), "--check"]) == 0
    assert capsys.readouterr().out == ""
    (tmp_path / written[0]).write_text("{}\n", encoding="utf-8")
    (tmp_path / written[1]).unlink()
    assert main(["--out-dir", str(tmp_path), "--check"]) == 1
    assert capsys.readouterr().out.splitlines() == [f"out of date: {written[0]}",
                                                    f"out of date: {written[1]}"]
    assert (tmp_path / written[0]).read_text(encoding="utf-8") == "{}\n", "--check wrote"


def test_cli_runs_as_a_module(tmp_path: Path):
    run = subprocess.run([sys.executable, "-m", "tools.scenario_gen", "--check",
                          "--out-dir", str(tmp_path)], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 1
    assert run.stdout.splitlines() == [f"out of date: {name}" for name in sorted(build_all())]


def test_package_docstring_says_how_to_run():
    assert "python -m tools.scenario_gen" in (scenario_gen.__doc__ or "")
