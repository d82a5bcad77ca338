"""The report per student, the class CSV, the figure's counts and the --json summary."""

import csv
import io
import json

import pytest

from companion.grade import answers, reports


@pytest.fixture(scope="module")
def results(tmp_path_factory, gradable_key):
    d = tmp_path_factory.mktemp("rep")
    subs = {"ann": {"q4c": "ii", "q7a.iv": "Yes", "q8b.B": {"shape": "sensitive", "location": "sensitive",
                                                          "color": "sensitive"}},
            "bob": {"q4c": "maybe", "q8b.A": {"shape": "sensitive"}},
            "cy|x": {}}
    paths = []
    for name, data in subs.items():
        p = d / f"{name}.json"
        p.write_text(json.dumps(data))
        paths.append(p)
    return answers.grade_all(paths, gradable_key)


def test_the_report_has_a_row_per_leaf_and_the_reasons(results, gradable_key):
    md = reports.student_markdown(results[0], gradable_key)
    rows = [ln for ln in md.splitlines() if ln.startswith("| q") and not ln.startswith("| question")]
    assert len(rows) == sum(len(i.leaves) for i in gradable_key.items.values())
    assert "| q7a.iv | 0 / 0.5 | Yes | Maybe | wrong |" in md
    assert "- **q7a.iv**: answered Yes, key Maybe. the key's counterexample evidence rejects 'Yes'" in md
    assert "- **q8b.B location**: answered sensitive, key invariant. Location varies inside S_i" in md


def test_the_report_lists_what_needs_review(results, gradable_key):
    md = reports.student_markdown(results[1], gradable_key)
    assert "## Needs review" in md and "- q4c: cannot read 'maybe': not one of i / ii / iii" in md
    assert "- q8b.A location: not answered" in md


def test_the_class_csv_has_a_row_per_student_and_a_column_per_item(results, gradable_key):
    rows = list(csv.reader(io.StringIO(reports.class_csv(results, gradable_key))))
    assert rows[0] == ["student", "total", "max", "needs_review"] + list(gradable_key.items)
    by = {r[0]: dict(zip(rows[0], r)) for r in rows[1:]}
    assert by["ann"]["q4c"] == "1" and by["ann"]["q7a.iv"] == "0" and by["ann"]["q8b.B"] == f"{2 / 3:g}"
    assert by["bob"]["q4c"] == "" and "q4c" in by["bob"]["needs_review"].split()
    assert by["bob"]["q8b.A"] == f"{1 / 3:g}"


def test_outcome_counts_add_up_to_the_class(results, gradable_key):
    counts = reports.outcome_counts(results, gradable_key)
    assert all(sum(c.values()) == len(results) for c in counts.values())
    assert counts["q4c"] == {"full": 1, "partial": 0, "zero": 0, "unread": 2}
    assert counts["q8b.A"] == {"full": 0, "partial": 1, "zero": 0, "unread": 2}


def test_json_summary_has_the_documented_shape(results, gradable_key):
    s = reports.json_summary(results, gradable_key)
    assert set(s["students"]["ann"]) == {"total", "max", "scores"}
    assert s["students"]["ann"]["total"] == pytest.approx(1 + 2 / 3)
    assert s["students"]["bob"]["scores"]["q4c"] is None
    assert json.loads(json.dumps(s)) == s


def test_a_name_becomes_a_safe_file_name():
    assert reports.safe_name("cy|x/../y") == "cy_x_.._y"
    assert reports.safe_name("..") == "student"
