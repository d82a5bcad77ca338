"""Every check of every registered claim, as one test each: a wrong answer fails CI.

The claims are evaluated once per session by the key builder itself (``key_results``), so the
tests see exactly the evidence that ``companion key`` writes into ``key.json``; with every claim
selected, the whole key (Markdown, LaTeX, PDF, key.json, figures) is built and checked too.
"""

import json
import os
import shutil

import pytest

from proofs import claims
from proofs.order import QUESTION_ORDER

CASES = [(c.id, i) for c in claims() for i in range(len(c.checks))]


@pytest.mark.parametrize("claim_id, index", CASES,
                         ids=[f"{cid}-{claims([cid])[0].checks[i].kind}-{i}" for cid, i in CASES])
def test_claim_check(claim_id, index, key_results):
    result = key_results[claim_id]
    evidence = result.evidence[index]
    if evidence.skipped and os.environ.get("CI") != "true":  # CI installs every tool: there it fails
        pytest.skip(f"{claim_id} / {evidence.kind}: {evidence.detail}")
    assert evidence.passed, f"{claim_id} / {evidence.kind} / {evidence.name}: {evidence.detail}"


@pytest.mark.parametrize("claim_id", [c.id for c in claims()])
def test_claim_figures_drawn(claim_id, key_results, ctx):
    result = key_results[claim_id]
    extra = [e for e in result.evidence[len(result.claim.checks):] if e.name.startswith("figure")]
    assert not extra, [e.detail for e in extra]  # a figure that failed to draw
    for spec in result.claim.figures:
        for ext in ("png", "pdf"):
            assert (ctx.figures_dir / f"{spec.name}.{ext}").stat().st_size > 0, spec.name


@pytest.mark.parametrize("claim_id", [c.id for c in claims() if c.options])
def test_claim_decision(claim_id, key_results):
    """A choice: the evidence rejects every other option, and the survivor is the stated one."""
    result = key_results[claim_id]
    decision = [e for e in result.evidence if e.name.startswith("decision")]
    assert len(decision) == 1 and decision[0].passed, decision


def test_every_claim_has_two_independent_kinds_of_evidence():
    weak = [c.id for c in claims() if len(c.kinds) < 2]
    assert not weak, f"claims backed by fewer than two kinds of evidence: {weak}"


def test_whole_key_builds(key_results, ctx):
    """With every claim selected: write the key from the evaluated claims and check its files."""
    if set(key_results) != {c.id for c in claims()}:
        pytest.skip("only a subset of claims was selected")
    from companion.build import build_key

    ordered = [key_results[c.id] for c in claims()]
    summary = build_key(ctx, pdf=shutil.which("pdflatex") is not None, results=ordered)
    key = json.loads((ctx.out_dir / "key.json").read_text())
    assert list(key["claims"]) == [q for q in QUESTION_ORDER if q in key["claims"]]
    assert {k for k, v in key["claims"].items() if v["verdict"] != "verified"} == set()
    for v in key["claims"].values():
        for fig in v["figures"]:
            assert (ctx.out_dir / fig).exists(), fig
    for name in ("answer_key.md", "answer_key.tex", "answer_key_short.md", "key.json"):
        assert (ctx.out_dir / name).stat().st_size > 0
    if shutil.which("pdflatex"):
        assert summary["pdf"] is not None and (ctx.out_dir / "answer_key_short.pdf").exists()
