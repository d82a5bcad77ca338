"""Reading a submission: function form, the notebook's snippet form, and what cannot be graded."""

import pytest

from companion.grade import properties as P
from companion.grade.runner import SubmissionError, load, questions_of, references
from proofs import REGISTRY, load_all

from .mistakes import CORRECT

load_all()


def _file(tmp_path, text, name="sub.py"):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_function_form_finds_each_function(tmp_path):
    p = _file(tmp_path, CORRECT["q7b"] + "\n" + CORRECT["q8a"])
    assert questions_of(p) == ["q7b", "q8a"] and questions_of(p, "q8a") == ["q8a"]
    form, fns = load(p)
    assert form == "function" and set(fns) == {"q7b", "q8a"}


@pytest.mark.parametrize("q", P.QUESTIONS)
def test_the_keys_own_stated_code_is_a_snippet_with_full_marks(tmp_path, q):
    p = _file(tmp_path, REGISTRY[q].short + "\n")
    assert questions_of(p) == [q]
    form, fns = load(p)
    assert form == "snippet"
    assert P.grade(q, fns[q], references()[q])["fraction"] == 1.0


@pytest.mark.parametrize("q", P.QUESTIONS)
def test_the_keys_declared_wrong_code_loses_points_as_a_snippet(tmp_path, q):
    for wrong in REGISTRY[q].wrong_answers():
        p = _file(tmp_path, wrong + "\n")
        _, fns = load(p, q)
        r = P.grade(q, fns[q], references()[q])
        assert r["fraction"] < 1.0, wrong


def test_a_notebook_style_snippet_with_encoder_calls(tmp_path):
    q8a = ("z = encoder(x)\nz_pos = encoder(x_pos)\nlogits = torch.mm(z, z_pos.t()) / tau\n"
           "labels = torch.arange(len(z))\nloss = F.cross_entropy(logits, labels)\n")
    q7b = "x_hat = decoder(encoder(x))\nloss = F.mse_loss(x_hat, x)\n"
    for q, text in (("q8a", q8a), ("q7b", q7b)):
        p = _file(tmp_path, text, f"{q}.py")
        _, fns = load(p)
        assert P.grade(q, fns[q], references()[q])["fraction"] == 1.0


def test_a_snippet_whose_names_do_not_tell_needs_question(tmp_path):
    p = _file(tmp_path, "loss = 0\n")
    with pytest.raises(SubmissionError, match="give --question"):
        questions_of(p)
    assert questions_of(p, "q7b") == ["q7b"]


@pytest.mark.parametrize("text, message", [("def f(:\n", "not valid Python"), ("x = 1\n", "defines neither"),
                                           ("contrastive_loss = 3\n", "is not a function"),
                                           ("raise SystemExit(4)\ndef contrastive_loss(z, zp, t): pass\n",
                                            "running the file raised SystemExit")])
def test_what_cannot_be_graded_says_why(tmp_path, text, message):
    with pytest.raises(SubmissionError, match=message):
        load(_file(tmp_path, text))
