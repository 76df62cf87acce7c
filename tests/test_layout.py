"""Dependencies point one way: the testbench may use the golden model, never the reverse; the
driver-side table builder uses only the model's infrastructure (register description,
configuration, memory), not its translation logic, so a model bug cannot hide in the tables."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _imports(package: str) -> dict[str, set[str]]:
    """Module path -> the absolute modules it imports."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module)
        found[str(path.relative_to(ROOT))] = names
    return found


def test_the_model_never_imports_the_testbench_or_tools():
    bad = {f: sorted(n for n in names if n.split(".")[0] in ("tb", "tools", "tests", "cocotb",
                                                             "pyuvm"))
           for f, names in _imports("python_model").items()}
    assert not {f: n for f, n in bad.items() if n}


def test_the_software_side_uses_only_model_infrastructure():
    allowed = {"python_model", "python_model.regmap", "python_model.config",
               "python_model.memory"}
    bad = {f: sorted(n for n in names if n.startswith("python_model") and n not in allowed)
           for f, names in _imports("tb/software").items()}
    assert not {f: n for f, n in bad.items() if n}


def test_lower_testbench_layers_do_not_import_upper_ones():
    """agents and ref know nothing of the environment or the flows; env nothing of flows
    (but the parameter and runtime modules it is configured with)."""
    rules = {"tb/agents": ("tb.env", "tb.flows", "tb.stimulus"),
             "tb/ref": ("tb.env", "tb.flows", "tb.agents", "tb.stimulus"),
             "tb/software": ("tb.env", "tb.flows", "tb.agents", "tb.stimulus", "tb.ref")}
    bad = {}
    for package, forbidden in rules.items():
        for f, names in _imports(package).items():
            hits = sorted(n for n in names if n.startswith(forbidden))
            if hits:
                bad[f] = hits
    assert not bad
