"""The Coq proofs of ``formal/`` and the ``formal`` evidence.

Where ``coqc`` is missing the tests that need it are skipped, except in CI (``CI=true``), which
installs Coq: there they fail.  The wrong-statement tests are the point: a proof of the right
statement must not also prove a wrong one, and the check must not pass a statement that the
named theorem does not prove.
"""

import os
import shutil
from pathlib import Path

import pytest

from proofs import claims, formal
from proofs.context import Context
from proofs.registry import Claim, check, run_claim

needs_coq = pytest.mark.skipif(shutil.which("coqc") is None and os.environ.get("CI") != "true",
                               reason="coqc is not installed (apt-get install coq)")

Q3_RIGHT = "norm2 (vsub u v) = norm2 u + norm2 v - 2 * dot u v"
Q3_WRONG = "norm2 (vsub u v) = norm2 u + norm2 v + 2 * dot u v"


@pytest.fixture(scope="module")
def compiled(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("coq")
    formal.compile_formal(folder)
    return folder


# --------------------------------------------------------------------------------------------
# The files compile, and every theorem the claims declare proves what the key shows
# --------------------------------------------------------------------------------------------

@needs_coq
def test_every_file_compiles(compiled):
    for name in formal.FILES:
        assert (compiled / f"{name}.vo").stat().st_size > 0, name


def test_every_formal_file_is_compiled():
    on_disk = {p.stem for p in formal.FORMAL_DIR.glob("*.v")}
    assert on_disk == set(formal.FILES)


FORMAL = [(c.id, t) for c in claims() for t in c.formal]


def test_the_issue_claims_have_formal_theorems():
    assert {"q2", "q3", "q4c", "q4f.1", "q6.2"} <= {cid for cid, _ in FORMAL}


@needs_coq
@pytest.mark.parametrize("claim_id, theorem", FORMAL, ids=[t.name for _, t in FORMAL])
def test_formal_evidence_passes(claim_id, theorem):
    e = theorem.check.run(Context())
    assert e.kind == "formal" and e.passed and not e.skipped, e.detail
    assert "standard axioms" in e.detail


def test_each_definition_shown_exists():
    for _, t in FORMAL:
        for name in t.uses:
            assert formal.definition_source(name).split()[1] == name
    with pytest.raises(KeyError):
        formal.definition_source("no_such_definition")


# --------------------------------------------------------------------------------------------
# Wrong statements fail
# --------------------------------------------------------------------------------------------

@needs_coq
def test_coqc_rejects_the_proof_of_a_wrong_statement(tmp_path):
    """Q3 with the sign of the cross term flipped (``+ 2 u^T v``): the same proof fails."""
    formal.compile_formal(tmp_path)
    source = (formal.FORMAL_DIR / "Q3.v").read_text()
    assert source.count(Q3_RIGHT) == 1
    (tmp_path / "Q3.v").write_text(source.replace(Q3_RIGHT, Q3_WRONG))
    with pytest.raises(formal.CoqError, match="Q3.v"):
        formal._run_coqc(tmp_path, "Q3")


@needs_coq
def test_check_fails_when_the_key_shows_a_wrong_statement():
    wrong = formal.Theorem("Q3", "sq_dist_dot", "forall u v : list R, length u = length v ->\n    " + Q3_WRONG)
    e = wrong.check.run(Context())
    assert not e.passed and "does not accept" in e.detail


@needs_coq
def test_check_fails_on_a_theorem_that_does_not_exist():
    e = formal.Theorem("Q3", "no_such_theorem", "True").check.run(Context())
    assert not e.passed


@needs_coq
def test_admitted_proof_is_reported_as_an_assumption(compiled):
    """A proof ended by ``Admitted`` is an axiom in ``Print Assumptions``, outside the standard set."""
    (compiled / "Cheat.v").write_text(
        "From Coq Require Import Reals.\nOpen Scope R_scope.\n"
        "Theorem cheat : forall x : R, x * x < 0.\nAdmitted.\n")
    formal._run_coqc(compiled, "Cheat")
    axioms, _ = formal.check_statement("Cheat", "cheat", "forall x : R, x * x < 0", compiled)
    assert "cheat" in " ".join(axioms)
    assert set(axioms) - formal.STANDARD_AXIOMS


def test_assumptions_parser():
    printed = ("Axioms:\nClassicalDedekindReals.sig_not_dec : forall P : Prop, {~ ~ P} + {~ P}\n"
               "ClassicalDedekindReals.sig_forall_dec\n  : forall P : nat -> Prop,\n    (forall n, {P n} + {~ P n})\n"
               "Companion.Q3.cheat : False\n")
    assert formal.assumptions(printed) == ["ClassicalDedekindReals.sig_not_dec",
                                           "ClassicalDedekindReals.sig_forall_dec", "Companion.Q3.cheat"]
    assert formal.assumptions("Closed under the global context\n") == []
    with pytest.raises(formal.CoqError):
        formal.assumptions("something else")


# --------------------------------------------------------------------------------------------
# Without Coq: said, never passed, and the claim keeps its other evidence
# --------------------------------------------------------------------------------------------

@check("exact", "always true")
def _true(ctx):
    return True, "1 == 1"


def test_without_coqc_the_check_is_skipped_not_passed(monkeypatch):
    monkeypatch.setattr(formal, "coqc", lambda: None)
    theorem = formal.Theorem("Q3", "sq_dist_dot", "True")
    claim = Claim(id="t", title="t", points=None, statement="s", answer="a", proof="p", checks=(_true,),
                  open_answer="a test claim", formal=(theorem,))
    result = run_claim(claim, Context())
    e = result.evidence[-1]
    assert e.kind == "formal" and not e.passed and e.skipped and not e.settled
    assert "coqc is not installed" in e.detail
    assert result.verdict == "verified" and result.skipped == [e]


def test_a_claim_with_only_skipped_evidence_is_not_verified(monkeypatch):
    monkeypatch.setattr(formal, "coqc", lambda: None)
    theorem = formal.Theorem("Q3", "sq_dist_dot", "True")
    claim = Claim(id="t", title="t", points=None, statement="s", answer="a", proof="p", checks=(theorem.check,),
                  open_answer="a test claim")
    assert run_claim(claim, Context()).verdict == "failed"


def test_formal_checks_are_added_once():
    import dataclasses

    c = claims(["q3"])[0]
    again = dataclasses.replace(c, short=dict(c.short))
    assert len(again.checks) == len(c.checks)
    assert sum(ch.kind == "formal" for ch in c.checks) == len(c.formal) == 2
