"""numerics.dual_encoder: the Q6 mapping, objectives, gradients and accuracy rules."""

import itertools
import math

import pytest
import torch

from numerics import dual_encoder as DE

pytestmark = pytest.mark.filterwarnings("ignore:Converting a tensor with requires_grad")


def _setup(seed=0, per_class=4, counts=None, C=3):
    g = torch.Generator().manual_seed(seed)
    model = DE.Classifier(4, 8, 5, C, generator=g)
    x, y = DE.balanced_dataset(C, per_class, 4, generator=g, counts=counts)
    return model, x, y


def test_mapping_shapes_and_logits():
    model, x, y = _setup()
    f = DE.f1(model, x)
    assert f.shape == (len(x), 6) and torch.all(f[:, -1] == 1)
    w = DE.f2(model, torch.arange(3))
    assert w.shape == (3, 6)
    assert torch.allclose(f @ w.T, model(x), atol=1e-13, rtol=0)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_balanced_objectives_and_gradients_equal(seed):
    model, x, y = _setup(seed)
    ce = DE.ce_objective(model, x, y)
    du = DE.dual_objective(model, x, y, 3)
    assert abs(float((ce - du).detach())) <= 1e-10
    ga = torch.autograd.grad(ce, list(model.parameters()))
    gb = torch.autograd.grad(du, list(model.parameters()))
    assert max(float((a - b).abs().max()) for a, b in zip(ga, gb)) <= 1e-10


def test_pairing_equals_enumeration_of_all_draws():
    model, x, y = _setup(3, per_class=3)
    assert abs(float(DE.dual_objective(model, x, y, 3) - DE.dual_objective_enumerated(model, x, y, 3))) <= 1e-12


def test_unbalanced_differs_and_enumeration_agrees():
    model, x, y = _setup(4, counts=[1, 2, 5])
    du = DE.dual_objective(model, x, y, 3)
    assert abs(float(du - DE.dual_objective_enumerated(model, x, y, 3))) <= 1e-12
    assert abs(float(du - DE.ce_objective(model, x, y))) > 1e-3


def test_per_sample_terms_nested_loop():
    model, x, y = _setup(5)
    terms = DE.per_sample_terms(model, x, y)
    f, W = DE.f1(model, x), model.W
    for k in range(len(y)):
        logits = [float(f[k] @ W[j]) for j in range(3)]
        m = max(logits)
        lse = m + math.log(sum(math.exp(v - m) for v in logits))
        assert abs(float(terms[k]) - (lse - logits[int(y[k])])) <= 1e-12


def test_correctness_rules_agree_exhaustively_with_ties():
    ties = 0
    for wflat in itertools.product((-1.0, 0.0, 1.0), repeat=4):  # C = 2, d_feature = 1
        W = torch.tensor(wflat, dtype=torch.float64).reshape(2, 2)
        feats = torch.tensor([[h, 1.0] for h in (-1.0, 0.0, 1.0)], dtype=torch.float64)
        logits = feats @ W.T
        ties += int((logits[:, 0] == logits[:, 1]).sum())
        for label in (0, 1):
            y = torch.full((3,), label, dtype=torch.long)
            assert torch.equal(DE.ce_correct(logits, y), DE.dual_correct(feats, W, y))
    assert ties > 0


def test_ce_correct_tie_is_wrong():
    logits = torch.tensor([[1.0, 1.0, 0.0], [2.0, 1.0, 0.0]], dtype=torch.float64)
    assert DE.ce_correct(logits, torch.tensor([0, 0])).tolist() == [False, True]


def test_dual_accuracy_enumerated_equals_class_mean():
    model, x, y = _setup(6, per_class=2)
    f, W = DE.f1(model, x).detach(), model.W.detach()
    acc = DE.dual_accuracy_enumerated(f, W, y, 3)
    per = DE.dual_correct(f, W, y).double()
    assert abs(acc - float(torch.stack([per[y == c].mean() for c in range(3)]).mean())) <= 1e-12


def test_missing_class_raises():
    model, x, y = _setup(0)
    with pytest.raises(ValueError, match=r"class\(es\) \[3\]"):
        DE.dual_objective(model, x, y, 4)
