"""What the key lets ``grade answers`` score: choices and mappings of choices, nothing else."""

import json

import pytest

from companion.grade import key
from proofs import claims


def test_gradable_ids_are_the_choices_and_the_mappings_of_choices(gradable_key):
    # independent of key.py: a choice declares options; q8b's answers map factors to two words
    choices = {c.id for c in claims() if c.options}
    mappings = {c.id for c in claims() if isinstance(c.short, dict) and c.measured is None
                and all(v in ("invariant", "sensitive") for v in c.short.values())}
    assert set(gradable_key.items) == choices | mappings
    assert mappings == {"q8b.A", "q8b.B", "q8b.C"}


def test_every_other_claim_says_why_it_is_not_gradable(gradable_key):
    every = {c.id for c in claims()}
    assert set(gradable_key.not_gradable) == every - set(gradable_key.items)
    assert all(why for why in gradable_key.not_gradable.values())


def test_q4a_is_not_graded_against_the_illustrative_configurations(gradable_key):
    assert "companion accuracy" in gradable_key.not_gradable["q4a"]


def test_measured_claims_are_not_graded(gradable_key):
    for i in ("q7d", "q8d"):
        assert "own training run" in gradable_key.not_gradable[i]


def test_code_claims_point_to_grade_code(gradable_key):
    from companion.grade.properties import QUESTIONS

    assert key.CODE_IDS == QUESTIONS
    for i in QUESTIONS:
        assert "companion grade code" in gradable_key.not_gradable[i]


def test_formula_fields_make_a_claim_not_gradable(gradable_key):
    assert "bound" in gradable_key.not_gradable["q5.1"]
    assert "classes" in gradable_key.not_gradable["q2"]


def test_points_and_expected_answers_come_from_the_key(gradable_key, key_data):
    for i, item in gradable_key.items.items():
        entry = key_data["claims"][i]
        assert item.points == entry["points"]
        expected = entry["short"] if item.is_choice else key.flatten(entry["short"])
        got = item.leaves[0].expected if item.is_choice else {lf.path: lf.expected for lf in item.leaves}
        assert got == expected
    assert gradable_key.max_points == sum(key_data["claims"][i]["points"] for i in gradable_key.items)


def test_field_options_are_the_values_of_the_answer_and_its_wrong_answers(gradable_key):
    for lf in gradable_key.items["q8b.B"].leaves:
        assert lf.options == ("invariant", "sensitive")


def test_a_claim_the_key_did_not_verify_is_not_graded(key_data):
    data = json.loads(json.dumps(key_data))
    data["claims"]["q4c"]["verdict"] = "failed"
    del data["claims"]["q6.2"]
    gk = key.gradable(data)
    assert "q4c" not in gk.items and "not verified" in gk.not_gradable["q4c"]
    assert "q6.2" not in gk.items and "not in key.json" in gk.not_gradable["q6.2"]


def test_a_key_answer_outside_the_options_is_not_graded(key_data):
    data = json.loads(json.dumps(key_data))
    data["claims"]["q4c"]["short"] = "iv"
    assert "not one of the claim's options" in key.gradable(data).not_gradable["q4c"]


@pytest.mark.parametrize("content, message", [(None, "no such file"), ("{", "not valid JSON"),
                                              ("[]", "not a key.json")])
def test_a_missing_or_malformed_key_is_a_one_line_error(tmp_path, content, message):
    p = tmp_path / "key.json"
    if content is not None:
        p.write_text(content)
    with pytest.raises((ValueError, FileNotFoundError), match=message):
        key.load(p)


def test_flatten_names_nested_fields_and_positions():
    assert key.flatten({"a": {"b": 1, "c": [2, 3]}, "d": 4}) == {"a/b": 1, "a/c/1": 2, "a/c/2": 3, "d": 4}
    assert key.flatten("Yes") == {"": "Yes"}
