"""Symmetric starts for Tammes' problem on S^2: unions of orbits of a rotation group.

Many of the best known packings of N points on S^2 are (nearly) unions of orbits of the
rotation group of a regular polyhedron (the best known N = 120 is two generic orbits of the
icosahedral group); random starts rarely fall into their basins, because the basin is narrow
and the landscape around it is full of near-packings.  A start built from orbits lands near them.

Terms:

- **Rotation groups** (``GROUPS``): the icosahedral group I (order 60), the octahedral group O
  (24) and the tetrahedral group T (12), each the closure under products of two rotations
  (:func:`rotation_group`); e.g. I from a 72° turn about a vertex axis ``(0, 1, phi)`` and a
  180° turn about ``z``.  Also the smallest ones, in Schoenflies' names: the cyclic group C2
  (a half turn about ``z``) and the dihedral groups D2 (half turns about ``x``, ``y``, ``z``) and
  D3 (third turns about ``z``, half turns about ``x`` and its two images): the orbit chains of
  :func:`numerics.tammes.orbit_chain` search their symmetric subspaces.
- **Orbit** of a point v: ``{g v : g in G}``.  A generic point has |G| images; a point on a
  rotation axis fewer (for I: the 30 edge midpoints, 20 face centres, 12 vertices).  These
  special orbits are unique, so a configuration holds each at most once.
- **Layout** (:func:`orbit_layouts`): ``N = |G| a + sum_k t_k m_k`` exactly, ``a >= 1``; the
  configurations with a layout's orbits form the **symmetric subspace**
  (:class:`SymmetricSubspace`), parametrized by the ``a`` representatives of the generic orbits.
- **Decomposition** of N (:func:`orbit_decomposition`): ``N = |G| a + sum_k t_k m_k + r`` over
  the special orbit sizes ``m_k``, ``t_k`` in ``{0, 1}``, with the remainder ``r`` as small as
  possible; the start holds ``a`` generic orbits of uniform random points, the chosen special
  orbits, and r uniform random points (:func:`symmetric_start`).

Shapes: every configuration is a float64 ``(n, 3)`` array with unit rows.  Nothing here knows
a packing: the start is a union of orbits of random points, and the solver relaxes and
polishes it like any other start (:func:`numerics.tammes.tammes_search`).
"""

from __future__ import annotations

import functools
import itertools
import math

import numpy as np

from .high_dim import uniform_sphere

__all__ = [
    "GROUPS",
    "rotation_group",
    "orbit",
    "orbit_decomposition",
    "symmetric_start",
    "orbit_layouts",
    "SymmetricSubspace",
]

PHI = (1.0 + math.sqrt(5.0)) / 2.0


# ---------------------------------------------------------------------------
# the group
# ---------------------------------------------------------------------------

def rotation(axis, angle: float) -> np.ndarray:
    """The rotation by ``angle`` (radians) about ``axis`` (Rodrigues' formula); ``(3,) -> (3, 3)``."""
    k = np.asarray(axis, dtype=np.float64)
    k = k / np.linalg.norm(k)
    kx = np.array([[0.0, -k[2], k[1]], [k[2], 0.0, -k[0]], [-k[1], k[0], 0.0]])
    return np.eye(3) + math.sin(angle) * kx + (1.0 - math.cos(angle)) * (kx @ kx)


#: The rotation groups of the regular polyhedra: generators, and a representative of each
#: orbit on a rotation axis, by its size.
GROUPS = {
    "icosahedral": {"generators": (((0.0, 1.0, PHI), 2.0 * math.pi / 5.0), ((0.0, 0.0, 1.0), math.pi)),
                    "special": ((30, (0.0, 0.0, 1.0)),      # edge midpoints (2-fold axes)
                                (20, (1.0, 1.0, 1.0)),      # face centres (3-fold axes)
                                (12, (0.0, 1.0, PHI)))},    # vertices (5-fold axes)
    "octahedral": {"generators": (((0.0, 0.0, 1.0), math.pi / 2.0), ((1.0, 1.0, 1.0), 2.0 * math.pi / 3.0)),
                   "special": ((12, (1.0, 1.0, 0.0)),       # edge midpoints (2-fold axes)
                               (8, (1.0, 1.0, 1.0)),        # face centres (3-fold axes)
                               (6, (0.0, 0.0, 1.0)))},      # vertices (4-fold axes)
    "tetrahedral": {"generators": (((0.0, 0.0, 1.0), math.pi), ((1.0, 1.0, 1.0), 2.0 * math.pi / 3.0)),
                    "special": ((6, (0.0, 0.0, 1.0)),       # edge midpoints (2-fold axes)
                                (4, (1.0, 1.0, 1.0)),       # vertices (3-fold axes)
                                (4, (-1.0, -1.0, -1.0)))},  # face centres (3-fold axes)
    # the smallest groups: a second generator equal to the first adds nothing to C2
    "C2": {"generators": (((0.0, 0.0, 1.0), math.pi), ((0.0, 0.0, 1.0), math.pi)),
           "special": ((1, (0.0, 0.0, 1.0)), (1, (0.0, 0.0, -1.0)))},        # the two poles
    "D2": {"generators": (((0.0, 0.0, 1.0), math.pi), ((1.0, 0.0, 0.0), math.pi)),
           "special": ((2, (0.0, 0.0, 1.0)), (2, (1.0, 0.0, 0.0)), (2, (0.0, 1.0, 0.0)))},  # the axes
    "D3": {"generators": (((0.0, 0.0, 1.0), 2.0 * math.pi / 3.0), ((1.0, 0.0, 0.0), math.pi)),
           "special": ((3, (1.0, 0.0, 0.0)), (3, (-1.0, 0.0, 0.0)),  # the ends of the 2-fold axes
                       (2, (0.0, 0.0, 1.0)))},                          # the poles of the 3-fold axis
}


@functools.lru_cache(maxsize=None)
def rotation_group(name: str = "icosahedral") -> np.ndarray:
    """The rotations of the named group of ``GROUPS``, the closure of its generators under
    products; ``-> (order, 3, 3)``, the identity first (orders 60, 24, 12; C2 2, D2 4, D3 6)."""
    if name not in GROUPS:
        raise ValueError(f"unknown group {name!r}; choose from {sorted(GROUPS)}")
    generators = [rotation(axis, angle) for axis, angle in GROUPS[name]["generators"]]
    group = [np.eye(3)]
    frontier = [np.eye(3)]
    while frontier:  # multiply every new element by the generators until none is new
        new = []
        for g, h in itertools.product(frontier, generators):
            m = h @ g
            if not any(np.abs(m - q).max() < 1e-9 for q in group):
                group.append(m)
                new.append(m)
        frontier = new
    out = np.array(group)
    out.setflags(write=False)
    return out


# ---------------------------------------------------------------------------
# orbits
# ---------------------------------------------------------------------------

def orbit(v, group: str = "icosahedral") -> np.ndarray:
    """The distinct images ``g v / ||v||`` over the group; ``(3,) -> (k, 3)``, k divides its order."""
    v = np.asarray(v, dtype=np.float64)
    images = rotation_group(group) @ (v / np.linalg.norm(v))
    keep = []
    for p in images:
        if not any(np.abs(p - q).max() < 1e-9 for q in keep):
            keep.append(p)
    return np.array(keep)


def _special_choices(n: int, group: str):
    """``(taken, rest)`` for each choice of the group's special orbits (each at most once) that
    leaves ``rest = n - sum_k taken_k size_k >= 0`` points, fewest special orbits first, ties to
    the larger ones."""
    sizes = [k for k, _ in GROUPS[group]["special"]]
    for taken in sorted(itertools.product((0, 1), repeat=len(sizes)), key=lambda t: (sum(t), t[::-1])):
        rest = int(n) - sum(t * k for t, k in zip(taken, sizes))
        if rest >= 0:
            yield taken, rest


def orbit_decomposition(n: int, group: str = "icosahedral") -> tuple[int, tuple[int, ...], int]:
    """``(a, taken, r)``: ``n = order a + sum_k taken_k size_k + r`` over the special orbits of
    the group (each taken at most once: they are unique), ``a, r >= 0`` and ``r`` smallest; ties
    go to fewer special orbits, then to the larger ones."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    order = len(rotation_group(group))
    best = None
    for taken, rest in _special_choices(n, group):
        a, r = divmod(rest, order)
        if best is None or r < best[2]:
            best = (a, taken, r)
    return best


# ---------------------------------------------------------------------------
# the start
# ---------------------------------------------------------------------------

def symmetric_start(n: int, rng: np.random.Generator, group: str = "icosahedral") -> np.ndarray:
    """A union of the group's orbits with ``n`` points in all (:func:`orbit_decomposition`);
    ``-> (n, 3)``.

    The generic orbits come from uniform random points (a point on an axis would give a
    smaller orbit; that has probability zero) and the ``r`` leftover points are uniform random.
    """
    a, taken, r = orbit_decomposition(n, group)
    parts = [orbit(v, group) for t, (_, v) in zip(taken, GROUPS[group]["special"]) if t]
    parts += [orbit(uniform_sphere(1, 3, rng)[0], group) for _ in range(a)]
    parts.append(uniform_sphere(r, 3, rng))
    return np.vstack(parts)


# ---------------------------------------------------------------------------
# the symmetric subspace
# ---------------------------------------------------------------------------

def orbit_layouts(n: int, group: str) -> list[tuple[int, tuple[int, ...]]]:
    """The layouts ``(a, taken)`` with ``n = order a + sum_k taken_k size_k`` exactly and at least
    one generic orbit (``a >= 1``), one for each multiset of taken sizes (special orbits of the
    same size are equivalent: a rotation normalizing the group maps one to the other, e.g. z to
    -z for C2, and the three axes of D2 to each other); fewest special orbits first."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    order = len(rotation_group(group))
    sizes = [k for k, _ in GROUPS[group]["special"]]
    out, seen = [], set()
    for taken, rest in _special_choices(n, group):
        kind = tuple(sorted(k for t, k in zip(taken, sizes) if t))
        if rest >= order and rest % order == 0 and kind not in seen:
            seen.add(kind)
            out.append((rest // order, taken))
    return out


class SymmetricSubspace:
    """The configurations of ``n`` points made of ``a`` generic orbits of ``group`` and the
    special orbits ``taken``: ``x = [G_0 R; G_1 R; ...; G_{|G|-1} R; special]``, with
    representatives ``R`` ``(a, 3)`` and the group's rotations ``G_i`` (g-major rows).

    :meth:`project` maps a configuration to the nearest one of the subspace: for unit ``r_j``,
    ``sum_i ||x_ij - G_i r_j||^2 = const - 2 r_j^T sum_i G_i^T x_ij``, so the representative of
    orbit ``j`` becomes the normalized mean of ``G_i^T x_ij``; it is the identity on the
    subspace, and keeps the special orbits as they are (fixed points)."""

    def __init__(self, group: str, a: int, taken: tuple[int, ...]):
        if len(taken) != len(GROUPS[group]["special"]) or int(a) < 1:
            raise ValueError(f"a layout of {group} needs a >= 1 and one flag per special orbit, "
                             f"got a={a!r}, taken={taken!r}")
        self.group, self.a, self.taken = group, int(a), tuple(taken)
        self.rotations = rotation_group(group)  # (order, 3, 3)
        special = [orbit(v, group) for t, (_, v) in zip(self.taken, GROUPS[group]["special"]) if t]
        self.special = np.vstack(special) if special else np.zeros((0, 3))  # (m, 3)
        self.n = len(self.rotations) * self.a + len(self.special)

    def build(self, reps: np.ndarray) -> np.ndarray:
        """``(a, 3) -> (n, 3)``: the orbits of the representatives, then the special orbits."""
        return np.concatenate([reps @ g.T for g in self.rotations] + [self.special])

    def project(self, x: np.ndarray) -> np.ndarray:
        """``(n, 3) -> (n, 3)``: the nearest configuration of the subspace (see the class)."""
        a = self.a
        r = np.einsum("ija,iab->jb", x[:len(self.rotations) * a].reshape(-1, a, 3), self.rotations)
        return self.build(r / np.linalg.norm(r, axis=1, keepdims=True))

    def random(self, rng: np.random.Generator) -> np.ndarray:
        """``(n, 3)``: uniform random representatives' orbits, with the special orbits."""
        return self.build(uniform_sphere(self.a, 3, rng))
