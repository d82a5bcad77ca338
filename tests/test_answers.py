"""The contract between answers and evidence: every declared wrong answer fails its claim.

Each claim with a decided answer declares the wrong answers its checks reject: every other
option of a choice (Yes / No / Maybe, smaller / larger, i / ii / iii), or, for a structured
answer (a dict, a list, a formula, code), its ``alternatives``.  Each one is put in place of the
short answer, exactly as anyone can check the key::

    run_claim(dataclasses.replace(claim, short=wrong), ctx)

and the verdict must be ``failed``.  Claims whose answer is open text or a figure are exempt and
say why (``open_answer``).  Checks that do not read the answer are run once per session
(``proofs.registry.run_check``), so each wrong answer costs only the checks that judge it.
"""

import dataclasses

import pytest

from proofs import claims, run_claim
from proofs.registry import resolve

DECIDED = [c for c in claims() if not c.open_answer]


def _cases():
    out = []
    for c in DECIDED:
        n = len(c.wrong_answers()) if c.measured is None else 5  # measured: known after training
        out += [(c.id, k) for k in range(n)]
    return out


@pytest.mark.parametrize("claim_id, k", _cases(), ids=[f"{cid}-wrong{k}" for cid, k in _cases()])
def test_wrong_answer_fails(claim_id, k, key_results, ctx):
    claim = resolve(claims([claim_id])[0], ctx)
    wrongs = claim.wrong_answers()
    if k >= len(wrongs):
        pytest.skip(f"{claim_id} declares {len(wrongs)} wrong answers")
    wrong = wrongs[k]
    assert wrong != claim.short
    result = run_claim(dataclasses.replace(claim, short=wrong), ctx)
    assert result.verdict == "failed", f"{claim_id}: the wrong answer {wrong!r} was verified"
    # the failure comes from a check that reads the answer (or the decision), not from an accident
    failing = [(c, e) for c, e in zip(claim.checks, result.evidence) if not e.passed]
    decision = result.evidence[len(claim.checks):]
    assert all(c.judges_answer for c, _ in failing), [c.name for c, _ in failing if not c.judges_answer]
    assert failing or any(not e.passed for e in decision)


def test_every_decided_claim_declares_wrong_answers():
    assert all(c.options or c.alternatives for c in DECIDED)
    for c in DECIDED:
        if c.options:
            assert c.short in c.options and len(c.wrong_answers()) == len(c.options) - 1, c.id
            rejected = {r for ch in c.checks for r in ch.rejects}
            assert rejected == set(c.wrong_answers()), (c.id, rejected)


def test_open_answers_say_why():
    open_ids = {c.id for c in claims() if c.open_answer}
    assert open_ids == {"q4b", "q4d", "q4e.iii.B", "q4f.2", "q7c", "q8c"}
    assert all(len(c.open_answer) > 20 for c in claims() if c.open_answer)


def _declared(claim_id):
    return claims([claim_id])[0].wrong_answers()


def test_the_named_wrong_answers_are_declared():
    assert any("+ 2 u^T v" in w["general"] for w in _declared("q3"))
    assert "Yes" in _declared("q4f.1")
    assert {"Yes", "No"} <= set(_declared("q7a.iv"))
    assert "logits = z @ z_pos.T; loss = cross_entropy(logits, arange(b))" in _declared("q8a")
    q7b = _declared("q7b")
    assert "loss = (decoder(encoder(x)) - x).mean()" in q7b            # without the square
    assert "loss = (decoder(encoder(x)) - x).abs().mean()" in q7b      # absolute value
    assert any("zeros_like" in w for w in _declared("q8a"))            # wrong labels
