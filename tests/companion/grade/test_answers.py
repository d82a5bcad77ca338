"""``companion grade answers``: the key's own answers get full marks, and a synthetic class of
30 students with known mistakes gets exactly the scores its answers deserve."""

import csv
import json

import pytest

from companion.cli import main
from companion.grade import answers

from .students import gradable_entries, make_class, write_class


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory, key_data, key_path):
    """The class, its files, and ``companion grade answers --json`` run on them once."""
    folder = tmp_path_factory.mktemp("class")
    students = make_class(key_data)
    files = write_class(students, folder / "in", gradable_entries(key_data))
    return students, files, folder / "out"


@pytest.fixture(scope="module")
def graded(synthetic, key_path):
    import contextlib
    import io

    _students, files, out = synthetic
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = main(["grade", "answers", *map(str, files), "--key", str(key_path), "--out", str(out), "--json"])
    return code, json.loads(stdout.getvalue()), stderr.getvalue()


def _write(tmp_path, name, data):
    p = tmp_path / name
    p.write_text(json.dumps(data))
    return p


def test_the_keys_own_answers_get_full_marks(tmp_path, key_data, gradable_key):
    own = {i: key_data["claims"][i]["short"] for i in gradable_key.items}
    r = answers.grade_all([_write(tmp_path, "key.json", own)], gradable_key)[0]
    assert r.total == gradable_key.max_points == sum(key_data["claims"][i]["points"] for i in own)
    assert r.messages == [] and r.needs_review == []


def test_thirty_students_get_their_expected_totals(graded, synthetic):
    code, data, _ = graded
    students, _, _ = synthetic
    assert code == 0 and len(students) == 30 and len(data["students"]) == 30
    for st in students:
        got = data["students"][st.name]
        assert got["total"] == pytest.approx(st.total), st.name
        assert got["max"] == pytest.approx(10.5)


def test_thirty_students_get_their_expected_score_per_question(graded, synthetic):
    _, data, _ = graded
    students, _, _ = synthetic
    for st in students:
        scores = data["students"][st.name]["scores"]
        assert set(scores) == set(st.expected)
        for i, want in st.expected.items():
            assert scores[i] == (None if want is None else pytest.approx(want)), (st.name, i)


def test_the_synthetic_class_spans_full_zero_and_partial_marks(synthetic):
    students, _, _ = synthetic
    totals = [st.total for st in students]
    assert totals[0] == 10.5 and totals[1] == 0 and totals[2] == 0
    assert len(set(totals)) > 15
    assert any(0 < v < 1 for st in students for i, v in st.expected.items() if i.startswith("q8b") and v)


def test_every_unread_answer_and_unknown_id_gets_a_message(graded, synthetic):
    _, data, stderr = graded
    students, _, _ = synthetic
    for st in students:
        msgs = data["messages"].get(st.name, [])
        unread = [m for m in msgs if "not answered" in m or "cannot read" in m]
        assert len(unread) >= (1 if st.unread else 0), st.name
        assert ("q9" in st.answers) == any("unknown id 'q9'" in m for m in msgs)
        assert ("q1" in st.answers) == any(m.startswith("q1: not graded by this command") for m in msgs)
    assert "companion: note: student02: q4c: not answered" in stderr


def test_nothing_unread_is_scored_silently(graded, synthetic):
    _, data, _ = graded
    students, _, _ = synthetic
    empty = data["students"]["student02"]
    assert all(v is None for v in empty["scores"].values()) and empty["total"] == 0
    assert len(data["messages"]["student02"]) == len(students[2].expected)


def test_writes_a_report_per_student_the_class_csv_and_the_figure(graded, synthetic):
    students, _, out = synthetic
    reports = sorted((out / "students").glob("*.md"))
    assert [p.stem for p in reports] == sorted(st.name for st in students)
    rows = list(csv.DictReader((out / "class.csv").open()))
    assert len(rows) == 30 and rows[0]["student"] == "student00" and rows[0]["total"] == "10.5"
    png = (out / "distribution.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000


def test_partial_credit_per_field(tmp_path, gradable_key):
    data = {"q8b.B": {"shape": "sensitive", "location": "sensitive", "Colour": "sensitive"}}
    r = answers.grade_all([_write(tmp_path, "ann.json", data)], gradable_key)[0]
    assert r.scores["q8b.B"] == pytest.approx(2 / 3)
    wrong = [lr for lr in r.leaves if lr.status == "wrong"]
    assert [(lr.item, lr.path) for lr in wrong] == [("q8b.B", "location")]
    assert "Location varies inside S_i" in wrong[0].reason


def test_fields_as_text_and_as_separate_keys(tmp_path, gradable_key):
    a = {"q8b.C": "shape: invariant, location: invariant, colour: sensitive"}
    b = {"q8b.C/shape": "invariant", "q8b.C/location": "invariant", "Q8B.C/color": "Sensitive."}
    ra, rb = answers.grade_all([_write(tmp_path, "a.json", a), _write(tmp_path, "b.json", b)], gradable_key)
    assert ra.scores["q8b.C"] == rb.scores["q8b.C"] == 1.0


def test_an_unreadable_choice_is_reported_not_scored(tmp_path, gradable_key):
    r = answers.grade_all([_write(tmp_path, "bob.json", {"q7a.iv": "perhaps", "q4c": "ii"})], gradable_key)[0]
    assert r.scores["q7a.iv"] is None and r.item_status("q7a.iv") == "unreadable"
    assert any("cannot read 'perhaps': not one of Yes / No / Maybe" in m for m in r.messages)
    assert "q7a.iv" in r.needs_review and r.scores["q4c"] == 1.0


def test_a_roster_student_without_submission_is_reported(tmp_path, gradable_key):
    roster = tmp_path / "roster.txt"
    roster.write_text("ann\n# a comment\ncarl\n")
    results = answers.grade_all([_write(tmp_path, "ann.json", {"q4c": "ii"}), _write(tmp_path, "dan.json", {})],
                                gradable_key, answers.read_roster(roster))
    by = {r.name: r for r in results}
    assert by["carl"].total is None and not by["carl"].submitted and "no submission" in by["carl"].messages[0]
    assert "not on the roster" in by["dan"].messages


def test_a_student_named_twice_is_an_error(tmp_path, gradable_key):
    (tmp_path / "a").mkdir()
    p1 = _write(tmp_path, "ann.json", {})
    p2 = _write(tmp_path / "a", "ann.json", {})
    with pytest.raises(ValueError, match="appears twice"):
        answers.grade_all([p1, p2], gradable_key)


@pytest.mark.parametrize("name, text, message", [
    ("x.json", "{", "not valid JSON"), ("x.json", "[1]", "expected a mapping"), ("x.txt", "", "unknown format"),
    ("x.csv", "name,q4c\nann,ii\n", "no 'student' column"), ("x.csv", "student,q4c\n,ii\n", "no student name")])
def test_malformed_input_is_a_one_line_error(tmp_path, gradable_key, name, text, message):
    p = tmp_path / name
    p.write_text(text)
    with pytest.raises(ValueError, match=message):
        answers.grade_all([p], gradable_key)


def test_a_missing_file_is_a_one_line_usage_error(tmp_path, key_path, capsys):
    code = main(["grade", "answers", str(tmp_path / "nobody.json"), "--key", str(key_path), "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "nobody.json: no such file" in err


def test_yaml_booleans_read_as_yes_and_no(tmp_path, gradable_key):
    pytest.importorskip("yaml")
    p = tmp_path / "eve.yaml"
    p.write_text("q7a.i: Yes\nq4f.1: no\nq8b.A:\n  shape: sensitive\n  location: sensitive\n  colour: invariant\n")
    r = answers.grade_all([p], gradable_key)[0]
    assert r.scores["q7a.i"] == 0.5 and r.scores["q4f.1"] == 0.5 and r.scores["q8b.A"] == 1.0


def test_list_names_the_gradable_ids(key_path, capsys):
    assert main(["grade", "answers", "--list", "--key", str(key_path)]) == 0
    out = capsys.readouterr().out
    assert "gradable (17 items, 10.5 points): q4c," in out and "q8b.C" in out
    assert "not graded here:" in out and "q4a" in out
