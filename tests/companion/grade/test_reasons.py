"""Each wrong answer gets the key's one-line reason."""

import re

from companion.grade.reasons import reason
from proofs import REGISTRY
from proofs.registry import Evidence, decision


def _rejector_from_decision(claim, wrong):
    """The check that the key's own ``decision`` evidence names for ``wrong`` (parsed from its text)."""
    evidence = [Evidence(c.kind, True, "ok", c.name) for c in claim.checks]
    text = decision(claim, evidence).detail
    names = dict(re.findall(r"'([^']+)' by '([^']+)'", text))
    return names[wrong]


def test_a_wrong_choice_names_the_check_that_rejects_it(gradable_key):
    for item_id, item in gradable_key.items.items():
        if not item.is_choice:
            continue
        claim = REGISTRY[item_id]
        for wrong in item.leaves[0].options:
            if wrong == item.leaves[0].expected:
                continue
            line = reason(item, claim, item.leaves[0], wrong)
            assert _rejector_from_decision(claim, wrong) in line and repr(wrong) in line
            assert "\n" not in line


def test_a_check_that_did_not_pass_in_the_key_is_not_quoted(gradable_key):
    import dataclasses

    item = gradable_key.items["q4c"]
    entry = dict(item.entry, evidence=[dict(e, passed=False) for e in item.entry["evidence"]])
    line = reason(dataclasses.replace(item, entry=entry), REGISTRY["q4c"], item.leaves[0], "i")
    assert "rejects" not in line and "'ii'" in line


def test_a_wrong_field_gets_the_proofs_argument_and_the_measurement(gradable_key):
    item = gradable_key.items["q8b.B"]
    color = next(lf for lf in item.leaves if lf.path == "color")
    line = reason(item, REGISTRY["q8b.B"], color, "invariant")
    assert line.startswith("Colour is the same in every view, so the encoder is sensitive to colour")
    assert "colour: agree 0.950 (chance 0.111), kappa 0.85 -> sensitive" in line
    assert "rule: sensitive iff kappa >= 0.5" in line and "\n" not in line


def test_every_field_of_q8b_has_a_proof_argument(gradable_key):
    for i in ("q8b.A", "q8b.B", "q8b.C"):
        item = gradable_key.items[i]
        for lf in item.leaves:
            line = reason(item, REGISTRY[i], lf, "x")
            assert f"so the encoder is {lf.expected} to" in line, line
