"""Known mistakes in the two code answers, each a reference implementation written here, apart
from the grader (which must name each by its behaviour alone).

``Q7B`` and ``Q8A`` map a mistake's id to ``(source, words)``: the source of a submission in
function form, and a phrase that the grader's name for the mistake must contain.  ``PASSES``
says which property cases each mistake still passes (what its partial score is made of): a
loss that is the reference times a constant keeps the gradient's direction; a float32 overflow
passes everything but the small temperatures.  ``CORRECT``
holds the plain implementations that must get full marks.  Sources are written out (not
imported) so that each runs as a student's file would, in the grader's child process.
"""

HEADER = "import torch\nimport torch.nn.functional as F\n\n"

CORRECT = {
    "q7b": HEADER + (
        "def reconstruction_loss(reconstruction, x):\n"
        "    return ((reconstruction - x) ** 2).mean()\n"),
    "q8a": HEADER + (
        "def contrastive_loss(z, z_pos, tau):\n"
        "    logits = z @ z_pos.T / tau\n"
        "    return F.cross_entropy(logits, torch.arange(z.shape[0]))\n"),
}

#: Correct in other words: must get full marks too.
CORRECT_VARIANTS = {
    "q7b_mse_loss": ("q7b", HEADER + "def reconstruction_loss(reconstruction, x):\n"
                                     "    return F.mse_loss(reconstruction, x)\n"),
    "q7b_per_image": ("q7b", HEADER + "def reconstruction_loss(reconstruction, x):\n"
                                      "    return ((reconstruction - x) ** 2).mean(dim=(1, 2, 3)).mean()\n"),
    "q8a_log_softmax": ("q8a", HEADER + "def contrastive_loss(z, z_pos, tau):\n"
                                        "    logits = z @ z_pos.T / tau\n"
                                        "    return -torch.diagonal(F.log_softmax(logits, dim=1)).mean()\n"),
    "q8a_normalizes": ("q8a", HEADER + "def contrastive_loss(z, z_pos, tau):\n"
                                       "    z, z_pos = F.normalize(z, dim=1), F.normalize(z_pos, dim=1)\n"
                                       "    logits = torch.mm(z, z_pos.t()) / tau\n"
                                       "    return F.cross_entropy(logits, torch.arange(len(z)))\n"),
    "q8a_transposed_twice": ("q8a", HEADER + "def contrastive_loss(z, z_pos, tau):\n"
                                             "    logits = (z_pos @ z.T).T / tau\n"
                                             "    return F.cross_entropy(logits, torch.arange(z.shape[0]))\n"),
}


def _q7b(body: str) -> str:
    return HEADER + "def reconstruction_loss(reconstruction, x):\n" + body


def _q8a(body: str) -> str:
    return HEADER + "def contrastive_loss(z, z_pos, tau):\n" + body


Q7B = {
    "sum": (_q7b("    return ((reconstruction - x) ** 2).sum()\n"), "summed over all entries"),
    "sum_pixels": (_q7b("    return ((reconstruction - x) ** 2).sum(dim=(1, 2, 3)).mean()\n"),
                   "each image's pixels summed"),
    "sum_batch": (_q7b("    return ((reconstruction - x) ** 2).mean(dim=(1, 2, 3)).sum()\n"),
                  "summed over the batch"),
    "abs": (_q7b("    return (reconstruction - x).abs().mean()\n"), "missing square"),
    "signed": (_q7b("    return (reconstruction - x).mean()\n"), "missing square"),
    "rmse": (_q7b("    return ((reconstruction - x) ** 2).mean().sqrt()\n"), "RMSE"),
    "half": (_q7b("    return 0.5 * ((reconstruction - x) ** 2).mean()\n"), "half the MSE"),
}

_CE = "    return F.cross_entropy(logits, torch.arange(z.shape[0]))\n"

Q8A = {
    "no_tau": (_q8a("    logits = z @ z_pos.T\n" + _CE), "missing temperature"),
    "times_tau": (_q8a("    logits = z @ z_pos.T * tau\n" + _CE), "multiplied instead of divided"),
    "hardcoded_tau": (_q8a("    logits = z @ z_pos.T / 0.07\n" + _CE), "hard-coded"),
    "zeros_labels": (_q8a("    logits = z @ z_pos.T / tau\n"
                          "    return F.cross_entropy(logits, torch.zeros(z.shape[0], dtype=torch.long))\n"),
                     "labels not arange(b)"),
    "reversed_labels": (_q8a("    logits = z @ z_pos.T / tau\n"
                             "    return F.cross_entropy(logits, torch.arange(z.shape[0]).flip(0))\n"),
                        "labels not arange(b)"),
    "transposed": (_q8a("    logits = z_pos @ z.T / tau\n" + _CE), "logits transposed"),
    "same_view": (_q8a("    logits = z @ z.T / tau\n" + _CE), "same view"),
    "cols_normalized": (_q8a("    z, z_pos = F.normalize(z, dim=0), F.normalize(z_pos, dim=0)\n"
                             "    logits = z @ z_pos.T / tau\n" + _CE), "features not normalized"),
    "matrix_normalized": (_q8a("    z, z_pos = z / z.norm(), z_pos / z_pos.norm()\n"
                               "    logits = z @ z_pos.T / tau\n" + _CE), "features not normalized"),
    "sum_batch": (_q8a("    logits = z @ z_pos.T / tau\n"
                       "    return F.cross_entropy(logits, torch.arange(z.shape[0]), reduction='sum')\n"),
                  "sum instead of mean"),
    "divided_by_b": (_q8a("    logits = z @ z_pos.T / tau\n"
                          "    return F.cross_entropy(logits, torch.arange(z.shape[0])) / z.shape[0]\n"),
                     "divided by b"),
    "naive_exp": (_q8a("    e = torch.exp(z @ z_pos.T / tau)\n"
                       "    return -torch.log(torch.diagonal(e) / e.sum(dim=1)).mean()\n"),
                  "overflows in float32"),
}

#: Submissions that must get a clear outcome, not crash the grader: ``(source, outcome)``.
MISBEHAVING = {
    "raises": (_q8a("    raise RuntimeError('not implemented')\n"), "graded"),
    "hangs": (_q8a("    while True:\n        pass\n"), "timeout"),
    "prints": (_q8a("    print('x' * 1_000_000)\n" * 3 + "    logits = z @ z_pos.T / tau\n" + _CE), "output"),
    "exits": (_q8a("    import os\n    os._exit(3)\n"), "crashed"),
    "import_error": (HEADER + "import not_a_module_anywhere\n\ndef contrastive_loss(z, z_pos, tau):\n"
                     "    return z.sum()\n", "error"),
    "nothing": ("x = 1\n", "error"),
    "syntax": ("def contrastive_loss(z, z_pos, tau)\n    return 0\n", "error"),
}


_SCALE = {"interface", "gradient_direction"}
_NONE = {"interface"}
#: The cases each mistake passes (``properties.CASES`` names).
PASSES = {
    ("q7b", "sum"): _SCALE, ("q7b", "sum_pixels"): _SCALE, ("q7b", "sum_batch"): _SCALE,
    ("q7b", "rmse"): _SCALE, ("q7b", "half"): _SCALE, ("q7b", "abs"): _NONE, ("q7b", "signed"): _NONE,
    **{("q8a", k): _NONE for k in ("no_tau", "times_tau", "hardcoded_tau", "zeros_labels", "reversed_labels",
                                   "transposed", "same_view", "cols_normalized", "matrix_normalized")},
    ("q8a", "sum_batch"): _SCALE, ("q8a", "divided_by_b"): _SCALE,
    ("q8a", "naive_exp"): {"interface", "value_float64", "gradient_float64", "gradient_direction", "float32"},
}


def all_mistakes():
    """``(question, id, source, words)`` of every known mistake."""
    return [("q7b", k, src, w) for k, (src, w) in Q7B.items()] + [("q8a", k, src, w) for k, (src, w) in Q8A.items()]


def expected_points(question: str, mistake: str, points: float = 1.0) -> float:
    from companion.grade.properties import CASES

    return points * sum(w for name, w, _ in CASES[question] if name in PASSES[(question, mistake)])
