"""What a Tammes configuration can certify about itself: contacts, a balancing stress, rigidity.

Terms (``x`` is an ``(n, d)`` array of unit rows, ``s = max_{i<j} x_i^T x_j`` the largest cosine,
so the minimum angle is ``arccos s``).

- **Contact graph**: the pairs ``(i, j)`` at the minimum angle (within a tolerance).  A point
  with no contact is a **rattler**: it can move freely without changing the minimum angle.
- **Balancing stress** (the KKT conditions): Tammes' problem is ``min_x max_{i<j} x_i^T x_j``
  on the product of spheres.  A configuration is a first-order critical (KKT / Clarke
  stationary) point iff there is a stress ``w_e >= 0`` on the contacts, ``sum_e w_e = 1``, whose
  forces balance in every tangent plane:
  ``F_i = P_i sum_{j : ij contact} w_ij x_j = 0`` with ``P_i = I - x_i x_i^T``  (every ``i``).
  We solve for ``w`` by a linear program that minimizes ``sum_i ||F_i||_1`` (where its stress
  leaves more than rounding, also by nonnegative least squares, keeping the better), and report
  the largest ``||F_i||_2`` at that stress: the **certificate residual** (0 at a KKT point, up to
  rounding).  A second LP then maximizes the smallest stress over the balancing stresses.
- **Rigidity**: the contact graph's rigidity matrix has one row per contact,
  ``d/dt (x_i^T x_j) = x_j^T v_i + x_i^T v_j``, over tangent velocities ``v_i``.  Its kernel always
  holds the rotations (``d (d - 1) / 2`` dimensions) and the rattlers' free moves (``d - 1`` each);
  the framework is **infinitesimally rigid** when the kernel holds nothing else.  A balancing
  stress is a dependency of the matrix's rows (``R^T w`` is the force ``F`` in tangent
  coordinates), so at a KKT point its rank is at most ``m - 1``; the kernel is counted with that
  bound, which rounding can hide.

What the certificate proves (Roth and Whiteley, *Tensegrity frameworks*, 1981; Connelly): a
residual at rounding level proves a KKT point.  If in addition the stress is strictly positive on
every contact and the contact graph is infinitesimally rigid, the contacts form an infinitesimally
rigid tensegrity (struts that may not shorten), so every motion that is not a rotation, and that
moves more than rattlers, brings some contact closer: the configuration is a **strict local
maximum** of the minimum angle (up to rotations and rattlers).  It never proves global optimality:
other local maxima may be better.

Shapes: ``x`` ``(n, d)``; contacts ``(m, 2)`` int with ``i < j``; stress ``(m,)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog, nnls

from .tammes import check_unit_rows, contact_graph

#: Contacts are the pairs within this many degrees of the minimum angle.  The solver's
#: active-set Newton step leaves contacts equal to about 1e-12 degrees; a perturbation that
#: matters moves them by far more.
CONTACT_TOL_DEG = 1e-7

#: A residual or a smallest stress below this counts as zero (rounding of float64 LPs).
ZERO = 1e-9

#: The largest force imbalance that counts as balanced.  A packing polished to rounding level
#: leaves about 5e-9 (N = 3, whose three points are on a great circle only to about 1e-8); a
#: configuration perturbed by 1e-4 leaves more than 1e-3, and an unfinished polish 1e-5.
KKT_TOL = 1e-7

#: Seconds HiGHS may spend on one LP: a few of these small LPs are degenerate enough to stall
#: its simplex (seen at N = 49); then the stress is found by nonnegative least squares instead.
LP_TIME_LIMIT = 10.0


@dataclass(frozen=True)
class Certificate:
    """The contact graph, the balancing stress and the rigidity test of one configuration."""

    n: int
    d: int
    min_angle_deg: float
    contacts: np.ndarray        # (m, 2)
    stress: np.ndarray          # (m,), sum 1
    residual: float             # max_i ||F_i||_2 at the stress of balancing_stress (LP or NNLS)
    min_stress: float           # the largest smallest stress among the balancing stresses (0 if none)
    rattlers: tuple             # points without contacts
    kernel_dim: int             # dimension of the rigidity matrix's kernel (tangent velocities)
    trivial_dim: int            # rotations plus rattlers' free moves

    @property
    def kkt(self) -> bool:
        return self.residual <= KKT_TOL

    @property
    def rigid(self) -> bool:
        return self.kernel_dim == self.trivial_dim

    @property
    def strict_local_max(self) -> bool:
        return self.kkt and self.rigid and self.min_stress > ZERO

    def proves(self) -> str:
        """One sentence: what this certificate proves and what it does not."""
        if not self.kkt:
            return (f"not a KKT point: no nonnegative stress on the {len(self.contacts)} contacts balances "
                    f"(residual {self.residual:.1e}); the configuration can still be improved locally")
        if self.strict_local_max:
            return ("a KKT point whose contact graph is infinitesimally rigid and carries a strictly positive "
                    "balancing stress: a strict local maximum of the minimum angle (up to rotations"
                    + (f" and {len(self.rattlers)} rattlers" if self.rattlers else "")
                    + "); not a proof of global optimality")
        why = ("the contact graph is not infinitesimally rigid" if not self.rigid else
               "no balancing stress is positive on every contact")
        return f"a KKT point (first-order optimal); {why}, so local optimality is not certified; nor is global"

    def to_json(self) -> dict:
        return {"min_angle_deg": self.min_angle_deg, "contacts": self.contacts.tolist(),
                "stress": [float(w) for w in self.stress], "residual": self.residual,
                "min_stress": self.min_stress, "rattlers": list(self.rattlers), "kkt": self.kkt,
                "rigid": self.rigid, "strict_local_max": self.strict_local_max, "proves": self.proves()}


# ---------------------------------------------------------------------------
# the forces of a stress
# ---------------------------------------------------------------------------

def force_matrix(x: np.ndarray, contacts: np.ndarray) -> np.ndarray:
    """``A`` ``(n d, m)``: column ``e = (i, j)`` holds ``P_i x_j`` in block ``i`` and ``P_j x_i`` in
    block ``j``, so that ``A w`` stacks the forces ``F_i`` of the stress ``w``."""
    n, d = x.shape
    a = np.zeros((n * d, len(contacts)))
    for e, (i, j) in enumerate(contacts):
        a[i * d:(i + 1) * d, e] = x[j] - (x[i] @ x[j]) * x[i]
        a[j * d:(j + 1) * d, e] = x[i] - (x[i] @ x[j]) * x[j]
    return a


def forces(x: np.ndarray, contacts: np.ndarray, stress: np.ndarray) -> np.ndarray:
    """``(n, d)``: ``F_i = P_i sum_j w_ij x_j``."""
    return (force_matrix(x, contacts) @ stress).reshape(x.shape)


# ---------------------------------------------------------------------------
# the two linear programs
# ---------------------------------------------------------------------------

def balancing_stress(x: np.ndarray, contacts: np.ndarray, a: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    """The stress ``w >= 0``, ``sum w = 1``, minimizing ``sum_i ||F_i||_1`` (LP with slacks
    ``r >= |A w|``); returns ``w`` and the residual ``max_i ||F_i||_2``, computed from ``w``.
    ``a``: the :func:`force_matrix`, when the caller has it.

    HiGHS meets the constraints only to its feasibility tolerance (1e-7), which shows where
    ``A`` is nearly singular: at the packing of 119 points the solver finds (233 contacts,
    smallest singular value of ``A`` 1.3e-7) the LP's stress leaves 9.1e-8 and the NNLS stress of
    :func:`least_squares_stress` 2.8e-9.  So when the LP's residual is above ``ZERO`` the NNLS
    stress is tried too, and the one that balances better is kept: each is a stress ``w >= 0``,
    ``sum w = 1`` whose residual is measured, so either bounds the smallest residual from above."""
    a = force_matrix(x, contacts) if a is None else a
    k, m = a.shape
    # variables [w (m), r (k)]: minimize sum r s.t. A w - r <= 0, -A w - r <= 0, sum w = 1
    c = np.concatenate([np.zeros(m), np.ones(k)])
    a_ub = np.block([[a, -np.eye(k)], [-a, -np.eye(k)]])
    a_eq = np.concatenate([np.ones(m), np.zeros(k)])[None]
    res = linprog(c, A_ub=a_ub, b_ub=np.zeros(2 * k), A_eq=a_eq, b_eq=[1.0], bounds=(0, None), method="highs",
                  options={"time_limit": LP_TIME_LIMIT})

    def residual(w):
        return float(np.linalg.norm((a @ w).reshape(-1, x.shape[1]), axis=1).max())

    w = np.clip(res.x[:m], 0, None) if res.status == 0 else least_squares_stress(a)
    w /= w.sum()
    r = residual(w)
    if res.status == 0 and r > ZERO:
        w2 = least_squares_stress(a)
        w2 /= w2.sum()
        r2 = residual(w2)
        if r2 < r:
            w, r = w2, r2
    return w, r


def least_squares_stress(a: np.ndarray, weight: float = 1e3) -> np.ndarray:
    """The stress ``w >= 0`` minimizing ``||A w||_2^2 + weight^2 (sum w - 1)^2`` (NNLS): the
    fallback of :func:`balancing_stress` when its LP stalls."""
    m = a.shape[1]
    w, _ = nnls(np.vstack([a, np.full((1, m), weight)]), np.concatenate([np.zeros(a.shape[0]), [weight]]))
    return w if w.sum() > 0 else np.full(m, 1.0 / m)


def most_positive_stress(x: np.ndarray, contacts: np.ndarray, residual: float,
                         a: np.ndarray | None = None) -> float:
    """The largest ``t`` such that some stress with ``w_e >= t`` on every contact, ``sum w = 1``,
    balances every force to within ``max(residual, ZERO)`` per coordinate (0 when ``t < 0``)."""
    a = force_matrix(x, contacts) if a is None else a
    k, m = a.shape
    slack = max(residual, ZERO)
    # variables [w (m), t]: maximize t s.t. t - w_e <= 0, |A w| <= slack, sum w = 1
    c = np.concatenate([np.zeros(m), [-1.0]])
    a_ub = np.block([[-np.eye(m), np.ones((m, 1))], [a, np.zeros((k, 1))], [-a, np.zeros((k, 1))]])
    b_ub = np.concatenate([np.zeros(m), np.full(2 * k, slack)])
    a_eq = np.concatenate([np.ones(m), [0.0]])[None]
    res = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=[1.0],
                  bounds=[(0, None)] * m + [(None, None)], method="highs", options={"time_limit": LP_TIME_LIMIT})
    return max(0.0, float(res.x[-1])) if res.status == 0 else 0.0


# ---------------------------------------------------------------------------
# rigidity of the contact graph
# ---------------------------------------------------------------------------

def tangent_basis(x: np.ndarray) -> np.ndarray:
    """``(n, d, d - 1)``: an orthonormal basis of each tangent plane."""
    n, d = x.shape
    out = np.empty((n, d, d - 1))
    for i in range(n):
        q, _ = np.linalg.qr(np.column_stack([x[i], np.eye(d)]))
        out[i] = q[:, 1:d]
    return out


def rigidity_matrix(x: np.ndarray, contacts: np.ndarray) -> np.ndarray:
    """``(m, n (d - 1))``: row ``(i, j)`` is ``x_j^T v_i + x_i^T v_j`` in tangent coordinates."""
    n, d = x.shape
    b = tangent_basis(x)
    r = np.zeros((len(contacts), n * (d - 1)))
    for e, (i, j) in enumerate(contacts):
        r[e, i * (d - 1):(i + 1) * (d - 1)] = x[j] @ b[i]
        r[e, j * (d - 1):(j + 1) * (d - 1)] = x[i] @ b[j]
    return r


def _rank(a: np.ndarray) -> int:
    if a.size == 0:
        return 0
    sv = np.linalg.svd(a, compute_uv=False)
    return int(np.sum(sv > 1e-8 * max(1.0, sv[0])))


def kernel_dimension(r: np.ndarray) -> int:
    """Dimension of the infinitesimal motions that keep every contact to first order."""
    return r.shape[1] - _rank(r)


def trivial_dimension(x: np.ndarray, rattlers) -> int:
    """Dimension of the trivial motions: rotations ``v_i = Omega x_i`` (``Omega`` skew) together
    with free moves of the rattlers, in tangent coordinates.  A rotation that fixes every point
    (a configuration in a lower-dimensional subspace) adds nothing, hence a rank, not a count."""
    n, d = x.shape
    b = tangent_basis(x)
    cols = []
    for p in range(d):
        for q in range(p + 1, d):
            omega = np.zeros((d, d))
            omega[p, q], omega[q, p] = 1.0, -1.0
            cols.append(np.einsum("nd,ndk->nk", x @ omega.T, b).ravel())
    for i in rattlers:
        for k in range(d - 1):
            v = np.zeros((n, d - 1))
            v[i, k] = 1.0
            cols.append(v.ravel())
    return _rank(np.column_stack(cols))


# ---------------------------------------------------------------------------
# the certificate
# ---------------------------------------------------------------------------

def certify(points, *, tol_deg: float = CONTACT_TOL_DEG) -> Certificate:
    """Contacts, balancing stress and rigidity of ``points`` (``(n, d)`` unit rows, ``n >= 2``)."""
    x = check_unit_rows(points)
    n, d = x.shape
    if n < 2:
        raise ValueError("a certificate needs at least 2 points")
    if not (isinstance(tol_deg, (int, float)) and math.isfinite(tol_deg) and tol_deg >= 0):
        raise ValueError(f"tol_deg must be a non-negative number of degrees, got {tol_deg!r}")
    contacts = contact_graph(x, tol_deg)
    g = np.clip(x @ x.T, -1, 1)
    np.fill_diagonal(g, -1)
    angle = math.degrees(math.acos(g.max()))
    a = force_matrix(x, contacts)  # both LPs use it
    stress, residual = balancing_stress(x, contacts, a)
    # the balancing stress is itself a stress with every entry at least its smallest: a floor
    # for the LP, whose tolerance (1e-7) can refuse a slack as small as a residual of 1e-9
    min_stress = max(most_positive_stress(x, contacts, residual, a), float(stress.min()))
    touched = set(contacts.ravel().tolist())
    rattlers = tuple(i for i in range(n) if i not in touched)
    r = rigidity_matrix(x, contacts)
    kernel = kernel_dimension(r)
    if residual <= KKT_TOL:
        # a balancing stress w is a dependency of the rows of the rigidity matrix (R^T w is the
        # force A w in tangent coordinates), so at a KKT point its rank is at most m - 1, even
        # where the configuration is KKT only to the residual and rounding leaves the smallest
        # singular value above _rank's tolerance (the packing of 119 points the solver finds:
        # 233 contacts, 1.3e-7)
        kernel = max(kernel, r.shape[1] - (len(contacts) - 1))
    return Certificate(n, d, angle, contacts, stress, residual, min_stress, rattlers,
                       kernel, trivial_dimension(x, rattlers))


# ---------------------------------------------------------------------------
# reference: the balance condition as a plain loop
# ---------------------------------------------------------------------------

def forces_loop(x, contacts, stress) -> np.ndarray:
    """``F_i`` by a double loop over points and contacts (the reference for :func:`forces`)."""
    x = np.asarray(x, dtype=float)
    out = np.zeros_like(x)
    for i in range(len(x)):
        for (a, b), w in zip(contacts, stress):
            if i in (a, b):
                other = x[b] if i == a else x[a]
                out[i] += w * (other - (x[i] @ other) * x[i])
    return out
