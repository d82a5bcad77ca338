"""``companion grade export-otter``: OK-format tests built from the same references and cases
as ``grade code``, and otter-grader's own local grading of them (no Docker): full marks for the
reference, and for each known mistake the partial score ``grade code`` gives, with the mistake
named."""

import itertools

import pytest

from companion.cli import main
from companion.grade import properties as P
from companion.grade.otter_export import export
from proofs.order import POINTS

from .mistakes import CORRECT, HEADER, all_mistakes, expected_points


def _spec(path):
    ns = {}
    exec(path.read_text(), ns)  # noqa: S102 - an OK test file is Python that defines `test`
    return ns


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    d = tmp_path_factory.mktemp("otter")
    export(d, zip_file=False)
    return d


def test_export_writes_one_test_file_per_question(exported):
    assert sorted(p.name for p in (exported / "tests").iterdir()) == ["q7b.py", "q8a.py"]
    assert (exported / "requirements.txt").read_text() == "torch\n"
    assert "otter run -a autograder.zip" in (exported / "README.md").read_text()


@pytest.mark.parametrize("q", P.QUESTIONS)
def test_each_case_is_worth_its_weight_and_the_cases_add_up_to_the_points(exported, q):
    ns = _spec(exported / "tests" / f"{q}.py")
    assert ns["OK_FORMAT"] is True
    cases = ns["test"]["suites"][0]["cases"]
    names = [c["name"].split(" ", 1)[1] for c in cases]
    assert names == ["load the graders' references"] + P.case_names(q) + ["diagnosis"]
    weights = {n: w for n, w, _ in P.CASES[q]}
    for c, n in zip(cases[1:-1], names[1:-1]):
        assert c["points"] == pytest.approx(weights[n] * POINTS[q])
    assert sum(c["points"] for c in cases) == ns["test"]["points"] == POINTS[q]


def test_the_tests_embed_the_references_of_the_key(exported):
    import inspect

    import numerics.losses
    from numerics.shapes.train import reconstruction_loss

    for q in P.QUESTIONS:
        load = _spec(exported / "tests" / f"{q}.py")["test"]["suites"][0]["cases"][0]["code"]
        assert repr(inspect.getsource(numerics.losses)) in load
        assert repr("import torch\n\n\n" + inspect.getsource(reconstruction_loss)) in load
        assert repr(inspect.getsource(P)) in load


def test_the_command_writes_the_files(tmp_path, capsys):
    assert main(["grade", "export-otter", str(tmp_path / "ag"), "--no-zip"]) == 0
    out = capsys.readouterr().out
    assert "tests/q7b.py" in out and "tests/q8a.py" in out and not (tmp_path / "ag" / "autograder.zip").exists()


# ---------------------------------------------------------------------------
# otter-grader's own grading
# ---------------------------------------------------------------------------

def _combined():
    """Submissions defining both functions: every Q8a mistake beside a Q7b one (the Q7b mistakes
    cycle), so that each known mistake is in some submission; the reference first."""
    q7 = [(m, s) for q, m, s, _ in all_mistakes() if q == "q7b"]
    q8 = [(m, s) for q, m, s, _ in all_mistakes() if q == "q8a"]
    subs = [("reference", None, None, CORRECT["q7b"] + "\n" + CORRECT["q8a"])]
    for (m8, s8), (m7, s7) in zip(q8, itertools.cycle(q7)):
        body7, body8 = s7.replace(HEADER, ""), s8.replace(HEADER, "")
        subs.append((f"{m7}+{m8}", m7, m8, HEADER + body7 + "\n\n" + body8))
    return subs


def _words(q, m):
    return next(w for qq, mm, _, w in all_mistakes() if (qq, mm) == (q, m))


def _check(result, q, mistake):
    """One question's otter result: its score, and the diagnosis case's output."""
    tf = result.results[q] if hasattr(result, "results") else result
    diagnosis = tf.test_case_results[-1]
    want = POINTS[q] if mistake is None else expected_points(q, mistake, POINTS[q])
    assert tf.score == pytest.approx(want), (q, mistake)
    if mistake is None:
        assert diagnosis.passed
    else:
        assert not diagnosis.passed and _words(q, mistake) in diagnosis.message


@pytest.mark.parametrize("name, m7, m8, src", _combined(), ids=[s[0] for s in _combined()])
def test_otters_checker_scores_each_submission_as_grade_code_does(exported, name, m7, m8, src):
    pytest.importorskip("otter")
    from otter.execute import Checker
    from otter.nbmeta_config import NBMetadataConfig

    env = {}
    exec(src, env)  # noqa: S102 - a known mistake's source, as a student's notebook would run it
    for q, m in (("q7b", m7), ("q8a", m8)):
        tf = Checker.check(str(exported / "tests" / f"{q}.py"), NBMetadataConfig(), global_env=dict(env))
        _check(tf, q, m)


@pytest.fixture(scope="module")
def autograder(exported):
    pytest.importorskip("otter")
    pytest.importorskip("ipykernel")  # otter runs a submission in a Jupyter kernel
    from companion.grade.otter_export import build_zip

    return build_zip(exported)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:The inplace keyword")  # otter's own use of pandas
@pytest.mark.parametrize("name, m7, m8, src", _combined(), ids=[s[0] for s in _combined()])
def test_otter_run_grades_each_submission(autograder, tmp_path, name, m7, m8, src):
    """``otter run`` (otter.api.grade_submission): non-containerized, a kernel per submission."""
    import otter.api

    sub = tmp_path / "submission.py"
    sub.write_text(src)
    result = otter.api.grade_submission(str(sub), str(autograder), quiet=True)
    _check(result, "q7b", m7)
    _check(result, "q8a", m8)
    assert result.total == pytest.approx((POINTS["q7b"] if m7 is None else expected_points("q7b", m7))
                                         + (POINTS["q8a"] if m8 is None else expected_points("q8a", m8)))
