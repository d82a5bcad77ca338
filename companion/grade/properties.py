"""Property cases and mistake signatures for the two code answers (Q7b, Q8a).

This module imports only ``math`` and ``torch``: ``companion grade export-otter`` embeds its
source, with the references', in the otter test files, so that otter runs the same cases.

Terms:

- **student**: the submitted function, ``reconstruction_loss(reconstruction, x)`` (Q7b) or
  ``contrastive_loss(z, z_pos, tau)`` (Q8a).
- **reference**: the project's verified function with the same signature
  (``numerics.shapes.train.reconstruction_loss``, ``numerics.losses.info_nce``, both checked
  against literal nested loops in the key); it is passed in, never defined here.
- **case**: a property of the student's function, judged against the reference on fixed,
  seeded inputs; it carries a **weight**, its share of the question's points (the weights of a
  question sum to 1).  :func:`run_case` returns ``"passed"`` or ``"failed: WHY"``.
- **signature**: the behaviour by which a known mistake is recognized, stated through the
  reference (e.g. "equals the reference with ``tau = 1``": the temperature is missing);
  :func:`diagnose` names every signature the student shows.

Inputs follow the homework: images ``(b, 3, 64, 64)`` for Q7b; unit feature rows ``(b, d)``,
``d = 128``, for Q8a (the encoder outputs l2-normalized features); batch sizes 2 to 512; the
temperatures of the homework's range, ``tau in [0.05, 0.3]`` with its ``0.07``.  One case goes
beyond the range on purpose: ``tau = 0.01`` and ``0.005`` in float32 (logits up to 200, past
``exp``'s float32 range), which a learned temperature reaches and a stable loss survives.
"""

from __future__ import annotations

import math

import torch

QUESTIONS = ("q7b", "q8a")
#: The function each question's submission must define.
FUNCTIONS = {"q7b": "reconstruction_loss", "q8a": "contrastive_loss"}
BATCHES = (2, 3, 8, 64, 512)
TAUS = (0.05, 0.07, 0.1, 0.2, 0.3)
SMALL_TAUS = (0.01, 0.005)
FEATURE_DIM = 128
IMAGE = (3, 64, 64)


class Failed(Exception):
    """A case failed; the message says why."""


# ---------------------------------------------------------------------------
# inputs
# ---------------------------------------------------------------------------

def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def images(b: int, dtype=torch.float64, seed: int = 0, shape=IMAGE):
    """A reconstruction and a batch, ``(b, *shape)``, entries in ``[-1, 1]`` (the homework's
    normalization); the reconstruction requires grad."""
    g = _gen(seed)
    x = torch.rand((b,) + tuple(shape), generator=g, dtype=torch.float64) * 2 - 1
    rec = torch.rand((b,) + tuple(shape), generator=g, dtype=torch.float64) * 2 - 1
    return rec.to(dtype).requires_grad_(True), x.to(dtype)


def features(b: int, d: int = FEATURE_DIM, dtype=torch.float64, seed: int = 0, spread: float = 0.6,
             view_noise: float = 0.35):
    """Two views' unit feature rows ``(b, d)``, both requiring grad, shaped like a real batch:
    rows fall in ``max(1, b // 4)`` clusters (similar images), ``spread`` apart within one, and
    each positive is its row moved by ``view_noise`` (relative scales).  With the defaults a row
    meets its positive at cosine about 0.94 and its cluster's negatives at about 0.7, so the loss
    is of order 1 across the homework's temperatures; ``spread = view_noise = 0.1`` makes
    negatives nearly as close as positives (cosine 0.99), for temperatures as small as 0.005."""
    g = _gen(seed)
    k = max(1, b // 4)
    centres = torch.randn(k, d, generator=g, dtype=torch.float64) / math.sqrt(d)
    z = centres[torch.arange(b) % k] + spread * torch.randn(b, d, generator=g, dtype=torch.float64) / math.sqrt(d)
    z = z / z.norm(dim=1, keepdim=True)
    zp = z + view_noise * torch.randn(b, d, generator=g, dtype=torch.float64) / math.sqrt(d)
    zp = zp / zp.norm(dim=1, keepdim=True)
    return z.to(dtype).requires_grad_(True), zp.to(dtype).requires_grad_(True)


def _leaf(t):
    return t.detach().clone().requires_grad_(t.requires_grad)


# ---------------------------------------------------------------------------
# calling the student
# ---------------------------------------------------------------------------

def call(fn, *args):
    """``fn(*args)`` checked to be a one-element floating tensor; raises :class:`Failed`."""
    try:
        out = fn(*args)
    except Exception as exc:  # noqa: BLE001 - the student's code: any error is a failed case
        raise Failed(f"raised {type(exc).__name__}: {str(exc)[:200]}") from None
    if not isinstance(out, torch.Tensor):
        raise Failed(f"returned {type(out).__name__}, not a tensor")
    if out.numel() != 1 or not out.is_floating_point():
        raise Failed(f"returned a tensor of shape {tuple(out.shape)} and dtype {out.dtype}, not one floating number")
    return out.reshape(())


def _grads(loss, inputs):
    if not loss.requires_grad:
        raise Failed("the loss has no gradient (detached from its inputs)")
    try:
        return torch.autograd.grad(loss, inputs, allow_unused=True)
    except Exception as exc:  # noqa: BLE001 - the student's graph: any error is a failed case
        raise Failed(f"backward raised {type(exc).__name__}: {str(exc)[:200]}") from None


def _close(a: float, b: float, rel: float) -> bool:
    return math.isfinite(a) and abs(a - b) <= rel * max(1.0, abs(b))


def _flat(gs, like):
    return torch.cat([(g if g is not None else torch.zeros_like(t)).reshape(-1).double() for g, t in zip(gs, like)])


def _args(question: str, b: int, dtype, seed: int, tau=None, d: int = FEATURE_DIM, **kw):
    if question == "q7b":
        return images(b, dtype, seed)
    z, zp = features(b, d, dtype, seed, **kw)
    return z, zp, tau


def _settings(question: str):
    """``(b, seed, tau, d)`` of the value and gradient cases: every batch size, every tau."""
    if question == "q7b":
        return [(b, 100 + b, None, None) for b in BATCHES]
    out = [(b, 200 + 10 * b + k, tau, FEATURE_DIM) for k, tau in enumerate(TAUS) for b in BATCHES]
    return out + [(5, 7, 0.07, 3), (2, 8, 0.3, 1)]


def _eval(question, fn, b, dtype, seed, tau, d, **kw):
    args = _args(question, b, dtype, seed, tau, d or FEATURE_DIM, **kw)
    tensors = [a for a in args if isinstance(a, torch.Tensor) and a.requires_grad]
    return args, tensors


def _gradient_settings(question: str):
    """The gradient cases' settings: Q8a's first eight (b = 2..512), Q7b's up to b = 64 (its
    b = 512 gradient is checked in float32)."""
    return [s for s in _settings(question) if question == "q8a" or s[0] <= 64][:8]


def _where(question, b, tau, d) -> str:
    return f"b = {b}" + (f", d = {d}, tau = {tau}" if question == "q8a" else f", images {IMAGE}")


# ---------------------------------------------------------------------------
# cases
# ---------------------------------------------------------------------------

def case_interface(question, student, reference):
    """One floating number with a gradient, in the inputs' dtype; the inputs left unchanged."""
    for dtype in (torch.float64, torch.float32):
        args = _args(question, 4, dtype, 1, 0.07, 16)
        before = [a.detach().clone() if isinstance(a, torch.Tensor) else a for a in args]
        out = call(student, *args)
        if out.dtype != dtype:
            raise Failed(f"{dtype} inputs gave a {out.dtype} loss")
        if not out.requires_grad:
            raise Failed("the loss has no gradient (detached from its inputs)")
        for a, b in zip(args, before):
            if isinstance(a, torch.Tensor) and not torch.equal(a.detach(), b):
                raise Failed("the function modified its inputs in place")


def case_value_float64(question, student, reference):
    """The value equals the reference's (relative 1e-9) for every batch size 2..512 and every tau."""
    for b, seed, tau, d in _settings(question):
        args, _ = _eval(question, student, b, torch.float64, seed, tau, d)
        got = float(call(student, *args).detach())
        want = float(reference(*args).detach())
        if not _close(got, want, 1e-9):
            raise Failed(f"{_where(question, b, tau, d)}: loss {got:.10g}, Eq. {'(12)' if question == 'q7b' else '(14)'} "
                         f"gives {want:.10g}")


def along_sphere(question, grads, inputs):
    """Q8a's gradients with each row's radial component removed (``g - (g . u) u`` at the unit
    row ``u``): the encoder's own l2-normalization removes it, so a loss that normalizes again
    trains exactly as one that does not.  Q7b's gradients as they are."""
    if question != "q8a":
        return grads
    out = []
    for g, u in zip(grads, inputs):
        if g is None:
            out.append(None)
            continue
        u = u.detach().to(g.dtype)
        u = u / u.norm(dim=1, keepdim=True)
        out.append(g - (g * u).sum(dim=1, keepdim=True) * u)
    return out


def _grad_pair(question, student, reference, b, dtype, seed, tau, d):
    args, tensors = _eval(question, student, b, dtype, seed, tau, d)
    got = _flat(along_sphere(question, _grads(call(student, *args), tensors), tensors), tensors)
    ref_args = [_leaf(a) if isinstance(a, torch.Tensor) else a for a in args]
    ref_tensors = [a for a in ref_args if isinstance(a, torch.Tensor) and a.requires_grad]
    want = _flat(along_sphere(question, torch.autograd.grad(reference(*ref_args), ref_tensors), ref_tensors),
                 ref_tensors)
    return got, want


def case_gradient_float64(question, student, reference):
    """The gradient with respect to every input equals the reference's (1e-8 of its largest
    entry); for Q8a, the gradient along the sphere (:func:`along_sphere`)."""
    for b, seed, tau, d in _gradient_settings(question):
        got, want = _grad_pair(question, student, reference, b, torch.float64, seed, tau, d)
        err = float((got - want).abs().max())
        scale = float(want.abs().max())
        if not err <= 1e-8 * max(scale, 1e-300):
            raise Failed(f"{_where(question, b, tau, d)}: largest gradient error {err:.3g} against a largest "
                         f"gradient entry {scale:.3g}")


def case_gradient_direction(question, student, reference):
    """The gradient points where the reference's does (cosine >= 1 - 1e-9): a loss that is the
    reference times a positive constant trains the same way under Adam."""
    for b, seed, tau, d in _gradient_settings(question):
        got, want = _grad_pair(question, student, reference, b, torch.float64, seed, tau, d)
        cos = float(got @ want / (got.norm() * want.norm()))
        if not cos >= 1 - 1e-9:
            raise Failed(f"{_where(question, b, tau, d)}: cosine between the gradients {cos:.6f}")


def case_float32(question, student, reference):
    """Float32 inputs: value within 1e-4 and gradient within 1e-3 (relative; for Q8a plus 1e-6 / tau)
    of the float64 reference."""
    for b, seed, tau, d in [s for s in _settings(question) if s[0] in (2, 64, 512)][:6]:
        args, tensors = _eval(question, student, b, torch.float32, seed, tau, d)
        out = call(student, *args)
        got_v = float(out.detach())
        got_g = _flat(along_sphere(question, _grads(out, tensors), tensors), tensors)
        ref_args = [_leaf(a.double()) if isinstance(a, torch.Tensor) else a for a in args]
        ref_tensors = [a for a in ref_args if isinstance(a, torch.Tensor) and a.requires_grad]
        ref = reference(*ref_args)
        want_g = _flat(along_sphere(question, torch.autograd.grad(ref, ref_tensors), ref_tensors), ref_tensors)
        if not _close(got_v, float(ref.detach()), 1e-4):
            raise Failed(f"float32, {_where(question, b, tau, d)}: loss {got_v:.7g}, float64 reference "
                         f"{float(ref.detach()):.7g}")
        err, scale = float((got_g - want_g).abs().max()), float(want_g.abs().max())
        # float32 rounds each probability by about 1e-7, and Q8a's gradient carries it times 1/tau
        floor = 1e-6 / tau if question == "q8a" else 0.0
        if not err <= 1e-3 * scale + floor:
            raise Failed(f"float32, {_where(question, b, tau, d)}: largest gradient error {err:.3g} against "
                         f"{scale:.3g}")


def case_small_tau_float32(question, student, reference):
    """Float32 at tau = 0.01 and 0.005 (logits up to 200): a finite loss and gradient equal to the
    float64 reference's (1e-3)."""
    for k, tau in enumerate(SMALL_TAUS):
        for b in (8, 64):
            args, tensors = _eval(question, student, b, torch.float32, 300 + k * 10 + b, tau, FEATURE_DIM,
                                  spread=0.1, view_noise=0.1)
            out = call(student, *args)
            got = float(out.detach())
            ref = float(reference(*[a.detach().double() if isinstance(a, torch.Tensor) else a for a in args]))
            if not math.isfinite(got):
                raise Failed(f"float32, b = {b}, tau = {tau}: the loss is {got} (it overflows; the reference gives "
                             f"{ref:.6g})")
            g = _flat(_grads(out, tensors), tensors)
            if not bool(torch.isfinite(g).all()):
                raise Failed(f"float32, b = {b}, tau = {tau}: the gradient is not finite")
            if not _close(got, ref, 1e-3):
                raise Failed(f"float32, b = {b}, tau = {tau}: loss {got:.7g}, float64 reference {ref:.7g}")


#: ``question -> ((name, weight, case), ...)``; the weights of a question sum to 1.
CASES = {
    "q7b": (("interface", 0.1, case_interface), ("value_float64", 0.3, case_value_float64),
            ("gradient_float64", 0.2, case_gradient_float64),
            ("gradient_direction", 0.1, case_gradient_direction), ("float32", 0.3, case_float32)),
    "q8a": (("interface", 0.1, case_interface), ("value_float64", 0.3, case_value_float64),
            ("gradient_float64", 0.2, case_gradient_float64),
            ("gradient_direction", 0.1, case_gradient_direction), ("float32", 0.2, case_float32),
            ("small_tau_float32", 0.1, case_small_tau_float32)),
}


def case_names(question: str) -> list[str]:
    return [name for name, _, _ in CASES[question]]


def describe(question: str, name: str) -> str:
    """A case's one-line description (its docstring's first sentence)."""
    fn = {n: f for n, _, f in CASES[question]}[name]
    return " ".join((fn.__doc__ or name).split())


def run_case(question: str, name: str, student, reference) -> str:
    """``"passed"`` or ``"failed: WHY"`` for case ``name`` of ``question``."""
    fn = {n: f for n, _, f in CASES[question]}[name]
    try:
        with torch.enable_grad():
            fn(question, student, reference)
    except Failed as exc:
        return f"failed: {exc}"
    except Exception as exc:  # noqa: BLE001 - arithmetic on what the student returned
        return f"failed: {type(exc).__name__}: {str(exc)[:200]}"
    return "passed"


# ---------------------------------------------------------------------------
# signatures of known mistakes
# ---------------------------------------------------------------------------

def _value(fn, *args) -> float:
    return float(call(fn, *args).detach())


def _ref(fn, *args) -> float:
    return float(fn(*args).detach())


def _same(a: float, b: float) -> bool:
    return _close(a, b, 1e-7)


def _q7b_probes():
    return [images(4, torch.float64, 11, (3, 8, 8)), images(6, torch.float64, 12, (3, 5, 7))]


def _q7b_ratio(student, reference, factor) -> bool:
    return all(_same(_value(student, r, x), factor(r, x) * _ref(reference, r, x)) for r, x in _q7b_probes())


def _q7b_rmse(s, ref):
    return all(_same(_value(s, r, x) ** 2, _ref(ref, r, x)) for r, x in _q7b_probes())


def _q7b_linear(s, ref):
    """Doubling the error doubles the loss (Eq. (12) quadruples): the square is missing."""
    out = []
    for r, x in _q7b_probes():
        twice = (x + 2 * (r.detach() - x)).requires_grad_(True)
        v1, v2 = _value(s, r, x), _value(s, twice, x)
        out.append(v1 != 0 and _same(v2, 2 * v1))
    return all(out)


#: ``(name, test(student, reference) -> bool)``: the first match of a question names its mistake.
Q7B_SIGNATURES = (
    ("square root of the MSE (RMSE): the loss squared is Eq. (12)", _q7b_rmse),
    ("sum instead of mean: summed over all entries (b x 3 x 64 x 64 times Eq. (12))",
     lambda s, r: _q7b_ratio(s, r, lambda rec, x: x.numel())),
    ("sum instead of mean: each image's pixels summed, then averaged over the batch",
     lambda s, r: _q7b_ratio(s, r, lambda rec, x: x[0].numel())),
    ("sum instead of mean: each image's MSE summed over the batch (b times Eq. (12))",
     lambda s, r: _q7b_ratio(s, r, lambda rec, x: x.shape[0])),
    ("half the MSE (a factor 1/2)", lambda s, r: _q7b_ratio(s, r, lambda rec, x: 0.5)),
    ("missing square: the loss grows linearly with the error (absolute or signed differences)", _q7b_linear),
)


def _q8a_probe(seed=21, b=6, d=5):
    z, zp = features(b, d, torch.float64, seed)
    return z.detach(), zp.detach()


def _q8a_all(s, ref, build) -> bool:
    """The student equals ``build(ref)`` on two probes and two temperatures, where that differs
    from the reference."""
    hits, differs = [], False
    for seed, tau in ((21, 0.1), (22, 0.2)):
        z, zp = _q8a_probe(seed)
        want = build(ref, z, zp, tau)
        differs |= not _same(want, float(ref(z, zp, tau)))
        hits.append(_same(_value(s, z, zp, tau), want))
    return differs and all(hits)


def _q8a_ignores_tau(s, ref):
    z, zp = _q8a_probe()
    values = [_value(s, z, zp, tau) for tau in (0.05, 0.1, 0.3)]
    return all(_same(v, values[0]) for v in values) and not _same(values[0], float(ref(z, zp, 0.1)))


def _q8a_hardcoded(s, ref):
    z, zp = _q8a_probe()
    return _q8a_ignores_tau(s, ref) and _same(_value(s, z, zp, 0.3), float(ref(z, zp, 0.07)))


def _q8a_labels(s, ref):
    """Reordering the batch's pairs together changes the loss: the target of row i is not column i."""
    z, zp = _q8a_probe(23, 7)
    p = torch.tensor([3, 0, 6, 1, 5, 2, 4])
    return not _same(_value(s, z[p], zp[p], 0.1), _value(s, z, zp, 0.1))


def _cols(t):
    return t / t.norm(dim=0, keepdim=True)


def _q8a_not_normalized(s, ref):
    return (_q8a_all(s, ref, lambda r, z, zp, tau: float(r(_cols(z), _cols(zp), tau)))
            or _q8a_all(s, ref, lambda r, z, zp, tau: float(r(z / z.norm(), zp / zp.norm(), tau))))


def _q8a_overflow(s, ref):
    """Right in float64, not finite in float32 at a small tau where the reference is finite."""
    z, zp = features(8, FEATURE_DIM, torch.float64, 31, spread=0.1, view_noise=0.1)
    z, zp = z.detach(), zp.detach()
    try:
        v64 = _value(s, z, zp, 0.005)
        v32 = float(call(s, z.float(), zp.float(), 0.005).detach())
    except Failed:
        return False
    return _same(v64, float(ref(z, zp, 0.005))) and not math.isfinite(v32)


Q8A_SIGNATURES = (
    ("temperature hard-coded: the tau argument is ignored and 0.07 used", _q8a_hardcoded),
    ("missing temperature: the loss does not change with tau (logits not divided by tau)",
     lambda s, r: _q8a_ignores_tau(s, r) and _same(_value(s, *_q8a_probe(), 0.2), float(r(*_q8a_probe(), 1.0)))),
    ("temperature multiplied instead of divided (logits * tau)",
     lambda s, r: _q8a_all(s, r, lambda ref, z, zp, tau: float(ref(z, zp, 1 / tau)))),
    ("logits transposed: the softmax runs over the first view (z_pos @ z.T), which changes the loss",
     lambda s, r: _q8a_all(s, r, lambda ref, z, zp, tau: float(ref(zp, z, tau)))),
    ("negatives from the same view: logits z @ z.T instead of z @ z_pos.T",
     lambda s, r: _q8a_all(s, r, lambda ref, z, zp, tau: float(ref(z, z, tau)))),
    ("labels not arange(b): the target of row i is not column i (reordering the pairs changes the loss)",
     _q8a_labels),
    (("features not normalized per row: the logits use features normalized along the batch (dim 0) or by "
      "the whole matrix"), _q8a_not_normalized),
    ("sum instead of mean over the batch (b times Eq. (14))",
     lambda s, r: _q8a_all(s, r, lambda ref, z, zp, tau: z.shape[0] * float(ref(z, zp, tau)))),
    ("divided by b once too often (Eq. (14) / b)",
     lambda s, r: _q8a_all(s, r, lambda ref, z, zp, tau: float(ref(z, zp, tau)) / z.shape[0])),
    ("overflows in float32: exp of logits up to 1/tau is inf; use cross_entropy or logsumexp", _q8a_overflow),
)

SIGNATURES = {"q7b": Q7B_SIGNATURES, "q8a": Q8A_SIGNATURES}


def diagnose(question: str, student, reference) -> list[str]:
    """The names of the known mistakes whose signature the student shows (usually one; the
    first matching value signature, plus the float32 overflow, which can come with it)."""
    found = []
    for name, test in SIGNATURES[question]:
        try:
            with torch.enable_grad():
                hit = bool(test(student, reference))
        except Failed:
            hit = False
        except Exception:  # noqa: BLE001 - a signature that cannot be evaluated here does not match
            hit = False
        if hit and (not found or name.startswith("overflows")):
            found.append(name)
    return found


def grade(question: str, student, reference) -> dict:
    """Every case of ``question`` and the diagnosis: ``{"cases": [{"name", "weight", "result"}],
    "fraction": sum of the passed cases' weights, "mistakes": [...]}``."""
    cases = [{"name": n, "weight": w, "result": run_case(question, n, student, reference)} for n, w, _ in CASES[question]]
    fraction = sum(c["weight"] for c in cases if c["result"] == "passed")
    return {"cases": cases, "fraction": round(fraction, 10), "mistakes": diagnose(question, student, reference)}


def diagnosis_line(question: str, student, reference) -> str:
    """What the otter test prints: ``no known mistake`` or the mistakes, ``; ``-separated."""
    found = diagnose(question, student, reference)
    return "; ".join(found) if found else "no known mistake"
