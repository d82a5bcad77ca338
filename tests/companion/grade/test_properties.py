"""The property cases and mistake signatures, in process, against independent references."""

import math

import pytest
import torch

from companion.grade import properties as P
from companion.grade.runner import references

from .mistakes import CORRECT, CORRECT_VARIANTS, PASSES, all_mistakes, expected_points


def _fn(src: str):
    ns = {}
    exec(src, ns)  # noqa: S102 - a known mistake's source, run as a student's file would be
    return ns.get("reconstruction_loss") or ns["contrastive_loss"]


REFS = references()


def test_weights_of_each_question_sum_to_one():
    for q in P.QUESTIONS:
        assert math.isclose(sum(w for _, w, _ in P.CASES[q]), 1.0)


def test_q7b_reference_is_the_nested_loop_eq12_on_the_case_inputs():
    from proofs.q7 import _nested_mse

    for b in (2, 3):
        rec, x = P.images(b, torch.float64, b, (3, 4, 5))
        assert math.isclose(float(REFS["q7b"](rec, x).detach()), _nested_mse(rec.detach().numpy(), x.numpy()), rel_tol=1e-12)


def test_q8a_reference_is_the_nested_loop_eq14_with_its_gradient():
    from proofs.q8 import _nested_info_nce_torch

    for b, tau in ((2, 0.05), (5, 0.3), (8, 0.005)):
        z, zp = P.features(b, 6, torch.float64, b, spread=0.1 if tau < 0.05 else 0.6)
        got = REFS["q8a"](z, zp, tau)
        want = _nested_info_nce_torch(z, zp, tau)
        assert math.isclose(float(got.detach()), float(want.detach()), rel_tol=1e-10)
        for g, w in zip(torch.autograd.grad(got, (z, zp)), torch.autograd.grad(want, (z, zp))):
            assert float((g - w).abs().max()) <= 1e-10 * float(w.abs().max())


def test_features_are_unit_rows_shaped_like_a_batch():
    z, zp = P.features(64, 128, torch.float64, 3)
    assert torch.allclose(z.norm(dim=1), torch.ones(64, dtype=torch.float64))
    assert torch.allclose(zp.norm(dim=1), torch.ones(64, dtype=torch.float64))
    pos = (z * zp).sum(1).mean()
    same = (z[0] * z[16]).sum()  # rows 0 and 16 share a cluster (16 clusters)
    assert 0.9 < pos < 0.98 and 0.55 < same < 0.9


def test_along_sphere_removes_each_rows_radial_part():
    z, _ = P.features(5, 4, torch.float64, 1)
    g = torch.randn(5, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    (t,) = P.along_sphere("q8a", [g], [z])
    for i in range(5):
        u = [float(v) for v in z[i].detach()]
        radial = sum(float(g[i, k]) * u[k] for k in range(4))
        for k in range(4):
            assert math.isclose(float(t[i, k]), float(g[i, k]) - radial * u[k], abs_tol=1e-12)


@pytest.mark.parametrize("q", P.QUESTIONS)
def test_the_plain_implementation_gets_full_marks(q):
    r = P.grade(q, _fn(CORRECT[q]), REFS[q])
    assert r["fraction"] == 1.0 and r["mistakes"] == [], r


@pytest.mark.parametrize("name", sorted(CORRECT_VARIANTS))
def test_correct_variants_get_full_marks(name):
    q, src = CORRECT_VARIANTS[name]
    r = P.grade(q, _fn(src), REFS[q])
    assert r["fraction"] == 1.0 and r["mistakes"] == [], r


def test_the_reference_itself_gets_full_marks():
    for q in P.QUESTIONS:
        assert P.grade(q, REFS[q], REFS[q])["fraction"] == 1.0


@pytest.mark.parametrize("q, mistake, src, words", all_mistakes(), ids=[f"{q}-{m}" for q, m, _, _ in all_mistakes()])
def test_each_known_mistake_is_named_with_its_partial_score(q, mistake, src, words):
    r = P.grade(q, _fn(src), REFS[q])
    assert len(r["mistakes"]) == 1 and words in r["mistakes"][0], r["mistakes"]
    passed = {c["name"] for c in r["cases"] if c["result"] == "passed"}
    assert passed == PASSES[(q, mistake)]
    assert r["fraction"] == pytest.approx(expected_points(q, mistake))


def test_a_failed_case_says_why():
    r = P.run_case("q8a", "value_float64", lambda z, zp, tau: (z @ zp.T).sum(), REFS["q8a"])
    assert r.startswith("failed: b = 2, d = 128, tau = 0.05: loss ")


@pytest.mark.parametrize("fn, why", [(lambda r, x: 1.0, "returned float, not a tensor"),
                                     (lambda r, x: (r - x) ** 2, "not one floating number"),
                                     (lambda r, x: ((r - x) ** 2).mean().detach(), "no gradient"),
                                     (lambda r, x: 1 / 0, "raised ZeroDivisionError")])
def test_interface_failures_are_named(fn, why):
    assert why in P.run_case("q7b", "interface", fn, REFS["q7b"])
