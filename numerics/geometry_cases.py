"""Small configurations built from integers, for property tests against brute force.

A test framework draws integers; :func:`build_case` maps them to a configuration, so exact
ties (symmetric rational points, repeated points) and near-ties (perturbations below and
above the float tie tolerance) are frequent rather than accidental.

Modes:

* ``"exact2"``, ``"exact3"``: ``Fraction`` points from a pool of rational points of ``S^1``
  (Pythagorean triples) or ``S^2`` (inverse stereographic projection), closed under sign
  changes, so equal logits happen often.
* ``"float2"``: float points at angles ``30 k`` degrees plus a perturbation
  ``eps in {0, +-1e-13, +-1e-7}`` radians: below and above :data:`numerics.geometry.TIE_TOL`.
* ``"float_random"``: float points uniform on ``S^{d-1}`` (d = 2..5) seeded by the integers.
* ``"exact2_clustered"``, ``"float2_clustered"``: as ``exact2`` / ``float2``, but group ``i``
  takes its points among the few pool points (angle slots) that follow a base spread evenly
  over the circle, so well-separated (perfect) configurations are common too.
"""

from __future__ import annotations

import math
from fractions import Fraction
from functools import lru_cache
from typing import Sequence

import numpy as np

from .rational_circle import circle_point, sphere_point

MODES = ("exact2", "exact3", "float2", "float_random", "exact2_clustered", "float2_clustered")
EPS = (0.0, 1e-13, -1e-13, 1e-7, -1e-7)


@lru_cache(maxsize=None)
def exact_pool(d: int) -> tuple:
    """Rational unit vectors of dimension 2 or 3, closed under coordinate sign changes."""
    if d == 2:
        ts = [Fraction(0), Fraction(1, 3), Fraction(1, 2), Fraction(1), Fraction(2), Fraction(1, 5)]
        base = {circle_point(t) for t in ts}
    elif d == 3:
        us = [Fraction(0), Fraction(1, 2), Fraction(1), Fraction(2)]
        base = {sphere_point((a, b)) for a in us for b in us}
    else:
        raise ValueError(f"exact_pool has dimensions 2 and 3, got {d}")
    pts = set()
    for p in base:
        for signs in np.ndindex(*(2,) * d):
            q = tuple(v if s == 0 else -v for v, s in zip(p, signs))
            pts.add(q)
            if d == 2:
                pts.add((q[1], q[0]))
    return tuple(sorted(pts))


def build_case(mode: str, picks: Sequence[Sequence[int]]):
    """A configuration with ``len(picks)`` groups; group ``i`` has one point per integer in
    ``picks[i]`` (see the module docstring for what the integers select)."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; expected one of {', '.join(MODES)}")
    N = len(picks)
    if mode == "exact2_clustered":
        pool = sorted(exact_pool(2), key=lambda p: math.atan2(p[1], p[0]))
        L = len(pool)
        return [[pool[(i * L // N + k % (1 + (k // 7) % 3)) % L] for k in g]
                for i, g in enumerate(picks)]
    if mode == "float2_clustered":
        out = []
        for i, g in enumerate(picks):
            rows = []
            for k in g:
                slot = i * 12 // N + k % (1 + (k // 7) % 3)
                th = math.radians(30 * (slot % 12)) + EPS[(k // 21) % len(EPS)]
                rows.append([math.cos(th), math.sin(th)])
            out.append(np.array(rows))
        return out
    if mode.startswith("exact"):
        pool = exact_pool(int(mode[5]))
        return [[pool[k % len(pool)] for k in g] for g in picks]
    if mode == "float2":
        out = []
        for g in picks:
            rows = []
            for k in g:
                th = math.radians(30 * (k % 12)) + EPS[(k // 12) % len(EPS)]
                rows.append([math.cos(th), math.sin(th)])
            out.append(np.array(rows))
        return out
    d = 2 + (sum(sum(g) for g in picks) % 4)
    out = []
    for g in picks:
        rows = []
        for k in g:
            v = np.random.default_rng(k % 7).standard_normal(d)   # few distinct points: repeats
            rows.append(v / np.linalg.norm(v))
        out.append(np.array(rows))
    return out
