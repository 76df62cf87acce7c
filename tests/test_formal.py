"""`make formal` in the suite: every proof holds by k-induction (formal/<block>.sby, tasks
``prove*``; the whole unit, which has no induction task, by its bounded ``bmc``), and every
planted bug of tb.flows.formal.PLANTED makes its block's bounded model
check fail with a counterexample trace. (`make formal` also runs each ``bmc`` task to its
depth.)"""

from __future__ import annotations

import pytest

from tb.flows import formal

pytestmark = pytest.mark.formal


@pytest.mark.parametrize("proof,task", [(p, t) for p in formal.proofs()
                                        for t in formal.suite_tasks(p)])
def test_proof_holds(proof: str, task: str, tmp_path) -> None:
    out = formal.run_sby(formal.FORMAL_DIR / f"{proof}.sby", task, tmp_path)
    assert out.status == "PASS", f"{proof} {task}: {out.status} {out.detail}"


@pytest.mark.parametrize("bug", formal.PLANTED, ids=[b.name for b in formal.PLANTED])
def test_planted_bug_gives_a_counterexample(bug: formal.PlantedBug) -> None:
    out = formal.run_sby(formal.plant(bug), bug.task, formal.BUILD / "bugs" / bug.name)
    assert out.status == "FAIL", f"{bug.name} ({bug.what}) was not caught: {out.status}"
    assert out.trace.endswith(".vcd"), f"{bug.name}: no counterexample trace"


def test_every_block_with_properties_has_a_proof_and_a_planted_bug() -> None:
    with_props = sorted(p.stem for p in formal.ROOT.joinpath("rtl").glob("*.v")
                        if "`ifdef FORMAL" in p.read_text())
    assert with_props == formal.proofs()
    assert {b.proof for b in formal.PLANTED} == set(formal.proofs())


def test_every_proof_has_a_bmc_task_and_each_bug_names_one() -> None:
    for proof in formal.proofs():
        assert "bmc" in formal.tasks(proof), f"formal/{proof}.sby has no bmc task"
        assert formal.suite_tasks(proof), f"formal/{proof}.sby has no prove or bmc task"
    for bug in formal.PLANTED:
        assert bug.task.startswith("bmc") and bug.task in formal.tasks(bug.proof), bug.name
