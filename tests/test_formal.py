"""`make formal` in the suite: every proof holds (formal/<block>.sby: its k-induction tasks
``prove*``, and for the whole unit, which has no whole-unit induction, its shallow bounded
``bmc_*`` tasks; the deep ``bmc`` and ``cover`` tasks run in `make formal` only), and every
planted bug of tb.flows.formal.PLANTED marked ``in_suite`` (at least one per proof; `make
formal` plants them all) makes its block's bounded model check fail with a counterexample
trace."""

from __future__ import annotations

import pytest

from tb.flows import formal

pytestmark = pytest.mark.formal


@pytest.mark.parametrize("proof,task", [(p, t) for p in formal.proofs()
                                        for t in formal.suite_tasks(p)])
def test_proof_holds(proof: str, task: str, tmp_path) -> None:
    out = formal.run_sby(formal.FORMAL_DIR / f"{proof}.sby", task, tmp_path)
    assert out.status == "PASS", f"{proof} {task}: {out.status} {out.detail}"


SUITE_BUGS = [b for b in formal.PLANTED if b.in_suite]


@pytest.mark.parametrize("bug", SUITE_BUGS, ids=[b.name for b in SUITE_BUGS])
def test_planted_bug_gives_a_counterexample(bug: formal.PlantedBug) -> None:
    out = formal.run_sby(formal.plant(bug), bug.task, formal.BUILD / "bugs" / bug.name)
    assert out.status == "FAIL", f"{bug.name} ({bug.what}) was not caught: {out.status}"
    assert out.trace.endswith(".vcd"), f"{bug.name}: no counterexample trace"


def test_every_block_with_properties_has_a_proof_and_a_planted_bug() -> None:
    with_props = sorted(p.stem for p in formal.ROOT.joinpath("rtl").glob("*.v")
                        if "`ifdef FORMAL" in p.read_text())
    assert with_props == formal.proofs()
    assert {b.proof for b in formal.PLANTED} == set(formal.proofs())
    assert {b.proof for b in SUITE_BUGS} == set(formal.proofs())


def test_every_proof_has_a_bmc_task_and_each_bug_names_one() -> None:
    for proof in formal.proofs():
        assert "bmc" in formal.tasks(proof), f"formal/{proof}.sby has no bmc task"
        assert formal.suite_tasks(proof), f"formal/{proof}.sby has no prove or bmc task"
    for bug in formal.PLANTED:
        assert bug.task.startswith("bmc") and bug.task in formal.tasks(bug.proof), bug.name
