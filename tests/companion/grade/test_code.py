"""``companion grade code``: each file in its own child process; the reference gets full marks,
each known mistake is named with its partial score, and misbehaving submissions get a clear
outcome instead of crashing the grader."""

import contextlib
import io
import json

import pytest

from companion.cli import main

from .mistakes import CORRECT, MISBEHAVING, all_mistakes, expected_points


def _grade(files, *extra):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["grade", "code", *map(str, files), "--json", *extra])
    assert code == 0, err.getvalue()
    return json.loads(out.getvalue())["submissions"]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Every known mistake and the plain implementations, graded by one command."""
    d = tmp_path_factory.mktemp("code")
    files = {}
    for q, src in CORRECT.items():
        files[("correct", q)] = d / f"correct_{q}.py"
        files[("correct", q)].write_text(src)
    for q, m, src, _ in all_mistakes():
        files[(q, m)] = d / f"{q}_{m}.py"
        files[(q, m)].write_text(src)
    results = _grade(files.values())
    return {k: results[str(p)] for k, p in files.items()}


@pytest.fixture(scope="module")
def misbehaving(tmp_path_factory):
    d = tmp_path_factory.mktemp("bad")
    files = {}
    for name, (src, _) in MISBEHAVING.items():
        files[name] = d / f"{name}.py"
        files[name].write_text(src)
    results = _grade(files.values(), "--timeout", "8", "--output-cap", "100000")
    return {k: results[str(p)] for k, p in files.items()}


@pytest.mark.parametrize("q", ["q7b", "q8a"])
def test_the_reference_gets_full_marks(graded, q):
    row = graded[("correct", q)][q]
    assert row["outcome"] == "graded" and row["points"] == row["possible"] == 1.0 and row["mistakes"] == []


@pytest.mark.parametrize("q, mistake, words", [(q, m, w) for q, m, _, w in all_mistakes()],
                         ids=[f"{q}-{m}" for q, m, _, _ in all_mistakes()])
def test_each_known_mistake_is_named(graded, q, mistake, words):
    row = graded[(q, mistake)][q]
    assert row["outcome"] == "graded"
    assert len(row["mistakes"]) == 1 and words in row["mistakes"][0]
    assert row["points"] == pytest.approx(expected_points(q, mistake))


@pytest.mark.parametrize("name", sorted(MISBEHAVING))
def test_a_misbehaving_submission_gets_a_clear_outcome(misbehaving, name):
    want = MISBEHAVING[name][1]
    rows = misbehaving[name]
    for row in rows.values():
        assert row["outcome"] == want, row
        assert row["points"] == (0.0 if want != "graded" else row["points"])
        assert want == "graded" or row["message"]


def test_the_outcomes_say_what_happened(misbehaving):
    assert "time limit of 8 s" in misbehaving["hangs"]["q8a"]["message"]
    assert "output cap of 100,000 bytes" in misbehaving["prints"]["q8a"]["message"]
    assert len(misbehaving["prints"]["q8a"]["output"]) <= 2000
    assert "exit status 3" in misbehaving["exits"]["q8a"]["message"]
    assert "ModuleNotFoundError" in misbehaving["import_error"]["q8a"]["message"]
    assert all(c["result"] == "failed: raised RuntimeError: not implemented"
               for c in misbehaving["raises"]["q8a"]["cases"])


def test_the_text_table_names_the_mistake(tmp_path, capsys):
    p = tmp_path / "s.py"
    p.write_text({m: s for q, m, s, _ in all_mistakes() if q == "q8a"}["no_tau"])
    assert main(["grade", "code", str(p)]) == 0
    out = capsys.readouterr().out
    assert "s.py" in out and "0.1 / 1" in out and "mistake: missing temperature" in out


def test_a_missing_file_is_a_usage_error(tmp_path, capsys):
    assert main(["grade", "code", str(tmp_path / "none.py")]) == 2
    assert "none.py: no such file" in capsys.readouterr().err
