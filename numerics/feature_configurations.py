"""The exact example configurations of Question 4 and the data drawn from them.

* four illustrative configurations of N = 3 groups of 4 exact rational points on S^1 (Q4a),
  with the decision of :func:`numerics.geometry.decide` on each (the figure's panels);
* counterexamples for Q4c's options i and iii, an S^2 example where option ii fails although
  accuracy is perfect, and a configuration with a shared support point (Q4f.1);
* configuration C's diameters and margins with the pairs that attain them (Q4b's figure);
* distances of random unit vectors against the dimension, and the best margin of 8 points (Q4d).

Coordinates are ``Fraction``s, so every logit and every distance is exact.
"""

from __future__ import annotations

import math
from fractions import Fraction as F

import numpy as np

from . import geometry as geo
from .rational_circle import angle_point


def _arc(degrees, den=12):
    """Exact rational points of S^1 near the given angles (Pythagorean triples)."""
    return [angle_point(math.radians(a), den) for a in degrees]


def q4a_configurations() -> list[tuple[str, list]]:
    """Four illustrative configurations: (title, groups) with exact Fraction coordinates."""
    return [
        ("A: three tight, evenly spaced groups",
         [_arc([78, 88, 98, 108]), _arc([198, 208, 218, 228]), _arc([318, 328, 338, 348])]),
        ("B: group 1 spreads past group 2",
         [_arc([60, 100, 140, 180]), _arc([200, 210, 220, 230]), _arc([300, 315, 330, 345])]),
        ("C: unequal spreads, still separated",
         [_arc([60, 80, 100, 120]), _arc([218, 224, 230, 236]), _arc([300, 306, 312, 318])]),
        ("D: mirror-image points, an exact tie",
         [[(F(1), F(0)), (F(12, 13), F(5, 13)), (F(4, 5), F(3, 5)), (F(3, 5), F(4, 5))],
          [(F(3, 5), F(-4, 5)), (F(5, 13), F(-12, 13)), (F(0), F(-1)), (F(-20, 101), F(-99, 101))],
          _arc([150, 163, 176, 189])]),
    ]



# Q4c: exact configurations (Fractions).
#: Option i holds but accuracy fails: groups 1 and 2 interleave, group 3 is far from both.
OPTION_I_COUNTEREXAMPLE = [
    [(F(1), F(0)), (F(0), F(1))],
    [(F(3, 5), F(4, 5)), (F(4, 5), F(3, 5))],
    [(F(-3, 5), F(-4, 5)), (F(-4, 5), F(-3, 5))],
]
#: Option iii holds (group 1 is a single point: diameter 0) but accuracy fails.
OPTION_III_COUNTEREXAMPLE = [
    [(F(1), F(0))],
    [(F(0), F(1)), (F(0), F(-1))],
]
#: Option ii fails (diameter_1 = 16/17 > margin = 2/sqrt(5)) yet accuracy is perfect (S^2).
NOT_NECESSARY_EXAMPLE = [
    [(F(8, 17), F(0), F(15, 17)), (F(0), F(0), F(1)), (F(-8, 17), F(0), F(15, 17))],
    [(F(0), F(4, 5), F(3, 5))],
]
#: Q4f.1: the point (3/5, 4/5) lies in both groups (overlapping supports).
SHARED_POINT_EXAMPLE = [
    [(F(1), F(0)), (F(3, 5), F(4, 5))],
    [(F(3, 5), F(4, 5)), (F(0), F(1))],
    [(F(-1), F(0))],
]


def fmt(v) -> str:
    return str(v) if isinstance(v, F) else f"{float(v):.6g}"


def panel(title, groups, *, tol=geo.TIE_TOL) -> dict:
    dec = geo.decide(groups, tol=tol)
    panel = {"title": title, "groups": [[[float(c) for c in p] for p in g] for g in groups],
             "perfect": dec.perfect, "worst_gap": float(dec.gap[dec.worst]),
             "worst_gap_exact": fmt(dec.gap[dec.worst]), "failure": None}
    if dec.failure:
        i, x, ys = dec.failure
        panel["failure"] = {"i": i, "x": x, "ys": list(ys),
                            "logits": [float(z) for z in geo.logits(groups, i, x, ys)]}
    return panel


def q4a_results() -> dict:
    return {"panels": [panel(t, g) for t, g in q4a_configurations()]}



def q4b_configuration():
    """Configuration C of :func:`q4a_configurations` (the one Q4b's figure draws)."""
    return q4a_configurations()[2][1]


def q4b_results() -> dict:
    groups = q4b_configuration()
    D = geo.diameter(groups)
    M = geo.margin(groups)
    wit = geo.margin_witnesses(groups)
    return {"groups": [[[float(c) for c in p] for p in g] for g in groups],
            "diameter": D.tolist(), "diameter_pairs": [list(p) for p in geo.diameter_witnesses(groups)],
            "margin_pairs": [{"i": i, "j": j, "s": s, "t": t, "value": float(M[i, j])}
                             for (i, j), (s, t) in wit.items()]}



def distance_study(dims, *, n_vectors: int, restarts: int, seed: int) -> dict:
    """Q4d: pairwise distances of ``n_vectors`` random unit vectors for each dimension, and the
    best margin of N = 8 points for d = 2..10 (optimized) beside 50 random placements."""
    from .high_dim import (
        best_margin_vs_d,
        pairwise_distances,
        random_distance_stats,
        uniform_sphere,
    )

    rnd = random_distance_stats(list(dims), n=n_vectors, seed=seed)
    N = 8
    opt_dims = list(range(2, 11))
    opt = best_margin_vs_d(N, opt_dims, restarts=restarts, seed=seed)
    rng = np.random.default_rng(seed + 1)
    opt["random_margin"] = [float(np.mean([pairwise_distances(uniform_sphere(N, d, rng)).min()
                                           for _ in range(50)])) for d in opt_dims]
    return {"random": rnd, "optimal": opt}


def clustered_groups(rng: np.random.Generator, n: int, d: int, spread: float, *, m_max: int,
                     m_min: int | None = None) -> list[np.ndarray]:
    """``n`` groups of unit vectors in ``S^{d-1}``: a uniform centre each, and ``m`` points
    ``centre + spread * noise``, normalized, with ``m`` drawn from ``m_min..m_max`` (always
    ``m_max`` when ``m_min`` is None).  Each group is ``(m, d)``."""
    from .high_dim import uniform_sphere

    groups = []
    for c in uniform_sphere(n, d, rng):
        k = m_max if m_min is None else int(rng.integers(m_min, m_max + 1))
        g = c + spread * rng.standard_normal((k, d))
        groups.append(g / np.linalg.norm(g, axis=1, keepdims=True))
    return groups
