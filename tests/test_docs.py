"""The documentation under doc/: the generated register reference is current, links between the
documents resolve, and the documents stand alone (no reference to material outside the
repository)."""

import re
from pathlib import Path

from python_model import gen_regdoc

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "doc"
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
FORBIDDEN = ("../shared", "shared/", "digest")


def _markdown_files() -> list[Path]:
    return sorted(DOC.glob("*.md"))


def _text_files() -> list[tuple[Path, str]]:
    found = []
    for path in sorted(DOC.rglob("*")):
        if not path.is_file():
            continue
        try:
            found.append((path, path.read_text(encoding="utf-8")))
        except UnicodeDecodeError:
            continue  # not a text file
    return found


def _md_links(path: Path) -> list[str]:
    """Relative link targets to Markdown files, without their #anchor."""
    targets = []
    for target in LINK.findall(path.read_text(encoding="utf-8")):
        if "://" in target or target.startswith(("#", "mailto:")):
            continue
        target = target.split("#", 1)[0]
        if target.endswith(".md"):
            targets.append(target)
    return targets


def test_doc_directory_exists():
    assert (DOC / "README.md").is_file()
    assert len(_markdown_files()) >= 2


def test_register_reference_is_current():
    path = DOC / "registers.md"
    assert path.is_file(), f"{path} missing: run python -m python_model.gen_regdoc"
    assert path.read_text(encoding="utf-8") == gen_regdoc.render(), (
        f"{path} is stale: run python -m python_model.gen_regdoc")


def test_generator_check_reports_a_stale_file(tmp_path, capsys):
    stale = tmp_path / "registers.md"
    stale.write_text(gen_regdoc.render() + "edited by hand\n", encoding="utf-8")
    assert gen_regdoc.main(["--check", str(stale)]) == 1
    assert str(stale) in capsys.readouterr().err
    assert gen_regdoc.main(["--check", str(tmp_path / "missing.md")]) == 1
    fresh = tmp_path / "fresh.md"
    assert gen_regdoc.main([str(fresh)]) == 0
    assert gen_regdoc.main(["--check", str(fresh)]) == 0


def test_register_reference_covers_every_register():
    text = gen_regdoc.render()
    for reg in (*gen_regdoc.regmap.base_registers(), *gen_regdoc.regmap.perf_registers()):
        assert f"| {reg.name} |" in text, reg.name
    for field in gen_regdoc.regmap.FRCD_HI_FIELDS:
        assert f"| {field.name} |" in text, field.name


def test_linked_documents_exist():
    broken = []
    for path in _markdown_files():
        for target in _md_links(path):
            if not (path.parent / target).resolve().is_file():
                broken.append(f"{path.relative_to(ROOT)} -> {target}")
    assert not broken, "broken links: " + ", ".join(broken)


def test_index_lists_every_document():
    linked = set(_md_links(DOC / "README.md"))
    missing = [p.name for p in _markdown_files() if p.name != "README.md" and p.name not in linked]
    assert not missing, f"doc/README.md does not link {', '.join(missing)}"


def test_docs_stand_alone():
    offending = []
    for path, text in _text_files():
        lowered = text.lower()
        for word in FORBIDDEN:
            if word in lowered:
                offending.append(f"{path.relative_to(ROOT)} mentions {word!r}")
    assert not offending, "; ".join(offending)


def test_repository_points_nowhere_outside_itself():
    """A clone stands alone: no tracked file cites material outside the repository."""
    import subprocess

    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout.split()
    outside = ("../shared", "shared/vtd", "vtd-spec-digest", "shared/scenario-format")
    offenders = []
    for name in tracked:
        path = ROOT / name
        if name == "tests/test_docs.py" or not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # not a text file
        offenders += [f"{name}: {word}" for word in outside if word in text]
    assert not offenders, f"references outside the repository: {offenders}"
