"""Every check of every registered claim, as one test each: a wrong answer fails CI."""

import pytest

from proofs import claims

CASES = [(c.id, i) for c in claims() for i in range(len(c.checks))]


@pytest.mark.parametrize("claim_id, index", CASES,
                         ids=[f"{cid}-{claims([cid])[0].checks[i].kind}-{i}" for cid, i in CASES])
def test_claim_check(claim_id, index, ctx):
    claim = claims([claim_id])[0]
    evidence = claim.checks[index].run(ctx)
    assert evidence.passed, f"{claim_id} / {evidence.kind} / {evidence.name}: {evidence.detail}"


def test_every_claim_has_two_independent_kinds_of_evidence():
    weak = [c.id for c in claims() if len(c.kinds) < 2]
    assert not weak, f"claims backed by fewer than two kinds of evidence: {weak}"
