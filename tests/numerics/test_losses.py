"""numerics.losses: nested-loop references, closed forms, float32 stability, bad input."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from numerics import losses as L

# --------------------------------------------------------------------------- references

def ref_eq1(fx, fy):
    """Eq. (1) for one draw, nested loops over i and j, plain floats."""
    fx, fy = np.asarray(fx, dtype=np.float64), np.asarray(fy, dtype=np.float64)
    n, d = fx.shape
    total = 0.0
    for i in range(n):
        dots = []
        for j in range(n):
            s = 0.0
            for k in range(d):
                s += fx[i, k] * fy[j, k]
            dots.append(s)
        m = max(dots)
        denom = sum(math.exp(s - m) for s in dots)
        total += -(dots[i] - m - math.log(denom))
    return total / n


def ref_eq14(z, zp, tau):
    """Eq. (14) in its written form: positive term plus the sum over the b-1 negatives."""
    z, zp = np.asarray(z, dtype=np.float64), np.asarray(zp, dtype=np.float64)
    b, d = z.shape
    total = 0.0
    for i in range(b):
        pos = sum(z[i, k] * zp[i, k] for k in range(d)) / tau
        negs = [sum(z[i, k] * zp[j, k] for k in range(d)) / tau for j in range(b) if j != i]
        m = max([pos] + negs)
        denom = math.exp(pos - m) + sum(math.exp(s - m) for s in negs)
        total += -(pos - m - math.log(denom))
    return total / b


def rand(shape, seed, scale=1.0, unit=False):
    g = torch.Generator().manual_seed(seed)
    x = scale * torch.randn(*shape, generator=g, dtype=torch.float64)
    if unit:
        x = x / x.norm(dim=1, keepdim=True)
    return x


def simplex(n):
    """Regular simplex: n unit vectors in R^n with pairwise dot -1/(n-1)."""
    e = np.eye(n) - 1.0 / n
    return e / np.linalg.norm(e, axis=1, keepdims=True)


# --------------------------------------------------------------------------- references

@pytest.mark.parametrize("n,d,seed", [(2, 1, 0), (3, 2, 1), (5, 4, 2), (8, 3, 3), (16, 7, 4)])
@pytest.mark.parametrize("unit", [True, False])
def test_contrastive_loss_matches_nested_loops(n, d, seed, unit):
    fx, fy = rand((n, d), seed, 2.0, unit), rand((n, d), seed + 100, 2.0, unit)
    ref = ref_eq1(fx, fy)
    assert abs(L.contrastive_loss(fx, fy).item() - ref) <= 1e-10
    assert abs(L.contrastive_loss_naive(fx, fy).item() - ref) <= 1e-10


@pytest.mark.parametrize("n,d,seed", [(2, 3, 0), (4, 4, 1), (9, 5, 2)])
def test_dual_encoder_loss_matches_nested_loops(n, d, seed):
    f1, f2 = rand((n, d), seed, 1.5), rand((n, d), seed + 7, 1.5)
    ref = ref_eq1(f1, f2)
    assert abs(L.dual_encoder_loss(f1, f2).item() - ref) <= 1e-10
    assert abs(L.dual_encoder_loss_naive(f1, f2).item() - ref) <= 1e-10


@pytest.mark.parametrize("b,d,tau,seed", [(2, 3, 0.07, 0), (6, 4, 0.5, 1), (12, 8, 0.07, 2), (5, 2, 3.0, 3)])
def test_info_nce_matches_written_form(b, d, tau, seed):
    z, zp = rand((b, d), seed, unit=True), rand((b, d), seed + 1, unit=True)
    ref = ref_eq14(z, zp, tau)
    assert abs(L.info_nce(z, zp, tau=tau).item() - ref) <= 1e-10
    assert abs(L.info_nce_naive(z, zp, tau=tau).item() - ref) <= 1e-10


def test_info_nce_default_tau_is_homework_value():
    z, zp = rand((4, 3), 5, unit=True), rand((4, 3), 6, unit=True)
    assert abs(L.info_nce(z, zp).item() - ref_eq14(z, zp, 0.07)) <= 1e-10


def test_info_nce_is_eq1_of_scaled_features():
    z, zp = rand((7, 3), 8, unit=True), rand((7, 3), 9, unit=True)
    tau = 0.2
    assert abs(L.info_nce(z, zp, tau) - L.contrastive_loss(z / tau, zp)).item() <= 1e-12


def test_diagonal_cross_entropy_matches_torch_cross_entropy():
    logits = rand((6, 6), 10, 3.0)
    ref = torch.nn.functional.cross_entropy(logits, torch.arange(6))
    assert abs(L.diagonal_cross_entropy(logits) - ref).item() <= 1e-12
    assert abs(L.diagonal_cross_entropy_naive(logits) - ref).item() <= 1e-12


# --------------------------------------------------------------------------- closed forms

@pytest.mark.parametrize("n", [2, 3, 7, 20])
def test_identical_embeddings_give_log_n(n):
    u = rand((1, 4), n, unit=True)
    fx = u.repeat(n, 1)
    assert abs(L.contrastive_loss(fx, fx).item() - math.log(n)) <= 1e-12
    # any common vector, not only unit ones: all logits are equal
    assert abs(L.contrastive_loss(3 * fx, 3 * fx).item() - math.log(n)) <= 1e-12


@pytest.mark.parametrize("n", [2, 3, 4, 6, 10])
def test_regular_simplex_closed_form(n):
    s = torch.from_numpy(simplex(n))
    expected = math.log(1 + (n - 1) * math.exp(-n / (n - 1)))
    assert abs(L.contrastive_loss(s, s).item() - expected) <= 1e-12
    # scaled by r the closed form is log(1 + (N-1) exp(-r^2 N/(N-1)))
    r = 2.5
    expected_r = math.log1p((n - 1) * math.exp(-r * r * n / (n - 1)))
    assert abs(L.contrastive_loss(r * s, r * s).item() - expected_r) <= 1e-12


def test_antipodal_pair_attains_the_weak_bound():
    e = torch.tensor([[1.0, 0.0], [-1.0, 0.0]], dtype=torch.float64)
    assert abs(L.contrastive_loss(e, e).item() - math.log(1 + math.exp(-2))) <= 1e-12


# --------------------------------------------------------------------------- float32 stability

@pytest.mark.parametrize("fn", ["contrastive_loss", "dual_encoder_loss"])
@pytest.mark.parametrize("scale", [1e1, 1e2, 1e3, 1e4])
def test_float32_stable_loss_and_gradient_finite_up_to_logits_1e4(fn, scale):
    n = 6
    s = torch.from_numpy(simplex(n)).float()
    noise = 0.1 * torch.randn(n, n, generator=torch.Generator().manual_seed(0))
    fx = ((s + noise) / (s + noise).norm(dim=1, keepdim=True) * math.sqrt(scale)).requires_grad_(True)
    fy = (s * math.sqrt(scale)).requires_grad_(True)
    assert float((fx @ fy.T).detach().abs().max()) <= scale * 1.0001
    loss = getattr(L, fn)(fx, fy)
    loss.backward()
    assert torch.isfinite(loss)
    assert torch.isfinite(fx.grad).all() and torch.isfinite(fy.grad).all()
    naive = getattr(L, fn + "_naive")(fx.detach(), fy.detach())
    if scale >= 1e2:  # exp(100) > float32 max: the literal formula breaks down
        assert not torch.isfinite(naive)


@pytest.mark.parametrize("tau", [1e-1, 1e-2, 1e-3, 1e-4])
def test_float32_info_nce_stable_up_to_logits_1e4(tau):
    z = rand((8, 5), 1, unit=True).float().requires_grad_(True)
    zp = rand((8, 5), 2, unit=True).float().requires_grad_(True)
    loss = L.info_nce(z, zp, tau)
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(z.grad).all() and torch.isfinite(zp.grad).all()


def test_float32_logits_exactly_1e4():
    logits = torch.full((4, 4), -1e4, dtype=torch.float32)
    logits[0, 1] = 1e4  # the wrong class wins by 2e4
    logits.requires_grad_(True)
    loss = L.diagonal_cross_entropy(logits)
    loss.backward()
    assert torch.isfinite(loss) and abs(loss.item() - (2e4 + 3 * math.log(4)) / 4) / 5e3 < 1e-5
    assert torch.isfinite(logits.grad).all()
    assert math.isnan(L.diagonal_cross_entropy_naive(logits.detach()).item()) or \
        math.isinf(L.diagonal_cross_entropy_naive(logits.detach()).item())


# --------------------------------------------------------------------------- gradients / properties

def test_gradcheck_float64():
    fx = rand((4, 3), 11).requires_grad_(True)
    fy = rand((4, 3), 12).requires_grad_(True)
    assert torch.autograd.gradcheck(L.contrastive_loss, (fx, fy))
    assert torch.autograd.gradcheck(lambda a, b: L.info_nce(a, b, 0.3), (fx, fy))


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 12), st.integers(1, 6), st.integers(0, 2**31 - 1), st.floats(0.01, 5.0))
def test_stable_equals_naive_when_naive_is_finite(n, d, seed, scale):
    fx, fy = rand((n, d), seed, scale), rand((n, d), seed + 1, scale)
    a, b = L.contrastive_loss(fx, fy).item(), L.contrastive_loss_naive(fx, fy).item()
    assert abs(a - b) <= 1e-9 * max(1.0, abs(a))
    assert a >= 0


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 10), st.integers(1, 5), st.integers(0, 2**31 - 1))
def test_sphere_loss_respects_logit_bound(n, d, seed):
    fx, fy = rand((n, d), seed, unit=True), rand((n, d), seed + 1, unit=True)
    assert L.contrastive_loss(fx, fy).item() >= math.log(1 + (n - 1) * math.exp(-2)) - 1e-12


# --------------------------------------------------------------------------- bad input

@pytest.mark.parametrize("fn", [L.contrastive_loss, L.dual_encoder_loss, L.info_nce,
                                L.contrastive_loss_naive, L.dual_encoder_loss_naive, L.info_nce_naive])
def test_bad_input(fn):
    a = rand((4, 3), 0)
    with pytest.raises(ValueError, match="shape mismatch"):
        fn(a, rand((4, 2), 1))
    with pytest.raises(ValueError, match="shape mismatch"):
        fn(a, rand((5, 3), 1))
    with pytest.raises(ValueError, match="N >= 2"):
        fn(a[:1], a[:1])
    with pytest.raises(ValueError, match="2-dimensional"):
        fn(a[0], a[0])
    bad = a.clone()
    bad[2, 1] = float("nan")
    with pytest.raises(ValueError, match=r"non-finite value at index \(2, 1\)"):
        fn(bad, a)
    bad[2, 1] = float("inf")
    with pytest.raises(ValueError, match="non-finite"):
        fn(a, bad)


@pytest.mark.parametrize("tau", [0.0, -0.07, float("nan"), float("inf"), "x"])
def test_bad_tau(tau):
    a = rand((4, 3), 0)
    with pytest.raises(ValueError, match="tau"):
        L.info_nce(a, a, tau=tau)
    with pytest.raises(ValueError, match="tau"):
        L.info_nce_naive(a, a, tau=tau)


def test_tensor_tau_keeps_its_gradient():
    z, zp = rand((5, 3), 1, unit=True), rand((5, 3), 2, unit=True)
    tau = torch.tensor(0.3, dtype=torch.float64, requires_grad=True)
    loss = L.info_nce(z, zp, tau)
    loss.backward()
    assert abs(loss.item() - ref_eq14(z, zp, 0.3)) <= 1e-10
    assert tau.grad is not None and torch.isfinite(tau.grad)
    with pytest.raises(ValueError, match="tau"):
        L.info_nce(z, zp, torch.tensor(-1.0))
    with pytest.raises(ValueError, match="scalar"):
        L.info_nce(z, zp, torch.ones(2))


def test_bad_logits():
    with pytest.raises(ValueError, match="square"):
        L.diagonal_cross_entropy(torch.zeros(3, 4, dtype=torch.float64))
    with pytest.raises(ValueError, match="N >= 2"):
        L.diagonal_cross_entropy(torch.zeros(1, 1, dtype=torch.float64))
    with pytest.raises(ValueError, match="floating"):
        L.contrastive_loss(torch.zeros(3, 2, dtype=torch.int64), torch.zeros(3, 2, dtype=torch.int64))


def test_numpy_input_is_accepted():
    a = np.asarray(simplex(3))
    assert abs(L.contrastive_loss(a, a).item() - math.log(1 + 2 * math.exp(-1.5))) <= 1e-12


@pytest.mark.parametrize("call, message", [
    (lambda z: L.info_nce(z, z, 1e-310), "tau = 1e-310 is too small"),
    (lambda z: L.contrastive_loss(z * 1e200, z * 1e200), "features. scale"),
    (lambda z: L.dual_encoder_loss(z * 1e200, z * 1e200), "features. scale"),
])
def test_overflowing_logits_are_an_error_not_nan(call, message):
    z = torch.nn.functional.normalize(torch.randn(4, 3, dtype=torch.float64), dim=1)
    with pytest.raises(ValueError, match=message):
        call(z)
