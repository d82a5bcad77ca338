"""Question 4e's studies: encoders that minimize Eq. (1), and Tammes packings.

* the regular simplex as the optimum of single-point supports, against its closed-form loss;
* optimized encoder tables with disjoint supports (each group collapses, groups spread);
* Adam on sampled draws of Eq. (1) (the training a network would do);
* the packing solver on every proven N on S^2 and on the 24-cell, 600-cell and E8 sizes;
* the optimal configuration as the temperature goes to 0, against the Tammes angle.

Each study returns plain numbers (lists, floats) ready to be cached as JSON.  None of them
sees a reference value: :mod:`numerics.reference` is read only by the checks.
"""

from __future__ import annotations

import time

import numpy as np

__all__ = ["FAMOUS", "simplex_study", "disjoint_study", "adam_study", "packings", "famous_study", "tau_study",
           "angle_against_n"]


def simplex_study(cases, taus, *, seed: int) -> dict:
    """The optimum of one point per group for each ``(N, d)`` of ``cases`` and each tau: its
    loss, the closed form of the simplex, its cosines and its smallest margin."""
    from .configurations import optimal_configuration, simplex_loss

    rows = []
    for n, d in cases:
        for tau in taus:
            x, loss = optimal_configuration(n, d, tau=tau, seed=seed, restarts=2)
            g = x @ x.T
            off = g[~np.eye(n, dtype=bool)]
            dist = np.sqrt(np.maximum(2 - 2 * off, 0))
            rows.append({"n": n, "d": d, "tau": tau, "loss": loss, "closed_form": simplex_loss(n, tau=tau),
                         "cos_min": float(off.min()), "cos_max": float(off.max()),
                         "min_margin": float(dist.min())})
    return {"rows": rows}


def disjoint_study(*, seed: int) -> dict:
    """Optimized tables for disjoint supports: N = 4 groups of 3 points in d = 3 (N <= d+1),
    and N = 6 groups of 2 points in d = 3 (N > d+1)."""
    from .configurations import diameters, margins, optimize_table, simplex_loss

    out = []
    for n, m, d in ((4, 3, 3), (6, 2, 3)):
        sup = [list(range(i * m, (i + 1) * m)) for i in range(n)]
        res = optimize_table(sup, d, seed=seed, restarts=3)
        x = res.points
        centers = np.array([x[s].mean(axis=0) for s in sup])
        centers /= np.linalg.norm(centers, axis=1, keepdims=True)
        g = centers @ centers.T
        np.fill_diagonal(g, -2)
        out.append({"n": n, "m": m, "d": d, "loss": res.loss,
                    "simplex_loss": simplex_loss(n) if n <= d + 1 else None,
                    "diameters": diameters(x, sup).tolist(),
                    "min_margin": float(np.nanmin(margins(x, sup))),
                    "group_angle_deg": float(np.degrees(np.arccos(min(1.0, g.max())))),
                    "points": x.tolist(), "supports": sup})
    return {"cases": out}


def adam_study(*, steps: int, draws: int, seed: int) -> dict:
    """Monte-Carlo training of an encoder table with the per-draw loss of Eq. (1)
    (:func:`numerics.losses.contrastive_loss`), Adam, disjoint supports: N = 4 groups of 3."""
    import torch

    from .configurations import diameters, margins, one_torch_thread
    from .losses import contrastive_loss

    with one_torch_thread():
        torch.manual_seed(seed)
        n, m, d = 4, 3, 3
        sup = [list(range(i * m, (i + 1) * m)) for i in range(n)]
        g = torch.Generator().manual_seed(seed)
        z = torch.randn(n * m, d, generator=g, dtype=torch.float64, requires_grad=True)
        opt = torch.optim.Adam([z], lr=0.05)
        base = torch.arange(n) * m
        for _ in range(steps):
            opt.zero_grad()
            f = z / z.norm(dim=1, keepdim=True)
            xs = base + torch.randint(m, (draws, n), generator=g)
            ys = base + torch.randint(m, (draws, n), generator=g)
            loss = sum(contrastive_loss(f[xs[b]], f[ys[b]]) for b in range(draws)) / draws
            loss.backward()
            opt.step()
        x = (z / z.norm(dim=1, keepdim=True)).detach().numpy()
    return {"steps": steps, "draws": draws, "diameters": diameters(x, sup).tolist(),
            "min_margin": float(np.nanmin(margins(x, sup))), "final_batch_loss": float(loss.detach())}


#: The basin-hopping moves and hops the settings below were validated with (seeds 0-9): each
#: hop perturbs the best packing and relaxes a Riesz energy.
VALIDATED_MOVES = ("jiggle", "throw")
VALIDATED_HOP_ENERGY = "riesz"
#: ... from uniform random starts only (symmetric and vacancy starts and orbit chains, measured
#: later, stay out of them; with Riesz hops the search makes none, so this only states it).
VALIDATED_SYMMETRIC_STARTS = ()
VALIDATED_VACANCY_STARTS = ()
VALIDATED_ORBIT_GROUPS = ()


def packings(ns, *, seed: int) -> dict:
    """The solver's packing of each N of ``ns`` on S^2."""
    from .tammes import min_angle_deg, tammes

    rows = []
    for n in ns:
        # 40 starts and 60 hops, with these two moves, reach every proven optimum on seeds 0-9
        # (N = 13 on seeds 0-19); 30 and 60 left N = 13 0.18 degrees short on seed 1 once the
        # polish reached KKT points (STEP_PRICE), as 10 and 30 had before
        x = tammes(n, 3, seed=seed, restarts=40, hops=60, moves=VALIDATED_MOVES, hop_energy=VALIDATED_HOP_ENERGY,
                   symmetric_starts=VALIDATED_SYMMETRIC_STARTS,
                   vacancy_starts=VALIDATED_VACANCY_STARTS, orbit_groups=VALIDATED_ORBIT_GROUPS)
        rows.append({"n": n, "angle_deg": min_angle_deg(x), "points": x.tolist()})
    return {"packings": rows}


#: Famous optima beyond S^2 (name, N, d, the restarts / hops the search gets).  The 24-cell's
#: basin is small: 10 starts and 30 hops stopped at 58.87 degrees on seeds 1 and 3; 120 starts
#: reach 60 degrees on seeds 0-9 (about 14 s).
FAMOUS = (("24-cell", 24, 4, 120, 30), ("600-cell", 120, 4, 2, 0), ("E8 roots", 240, 8, 1, 0))


def famous_study(*, seed: int) -> dict:
    """The solver on the 24-cell, 600-cell and E8 sizes; contact numbers of the result."""
    from .tammes import contact_graph, tammes_search

    rows = []
    for name, n, d, restarts, hops in FAMOUS:
        t0 = time.perf_counter()
        r = tammes_search(n, d, seed=seed, restarts=restarts, hops=hops, moves=VALIDATED_MOVES,
                          hop_energy=VALIDATED_HOP_ENERGY, symmetric_starts=VALIDATED_SYMMETRIC_STARTS,
                          vacancy_starts=VALIDATED_VACANCY_STARTS, orbit_groups=VALIDATED_ORBIT_GROUPS)
        kiss = np.bincount(contact_graph(r.points, 1e-6).ravel(), minlength=n)
        rows.append({"name": name, "n": n, "d": d, "angle_deg": r.angle_deg,
                     "contacts_min": int(kiss.min()), "contacts_max": int(kiss.max()),
                     "seconds": time.perf_counter() - t0})
    return {"rows": rows}


def tau_study(packing_angles: dict, ns, taus, *, seed: int) -> dict:
    """Optimal single-point configurations of Eq. (1) on S^2 for each N of ``ns`` as tau
    falls through ``taus`` (each started from the last), beside the solver's packing angle."""
    from .configurations import optimal_configuration
    from .tammes import min_angle_deg

    studies = []
    for n in ns:
        init, angles, losses = None, [], []
        for tau in taus:
            x, loss = optimal_configuration(n, 3, tau=tau, seed=seed, restarts=4, init=init)
            init = x
            angles.append(min_angle_deg(x))
            losses.append(loss)
        studies.append({"n": n, "d": 3, "tammes_deg": packing_angles[n], "taus": list(taus),
                        "angles_deg": angles, "losses": losses})
    return {"studies": studies}


def angle_against_n(n_max: int, *, seed: int) -> dict:
    """The solver's smallest angle for N = 2..n_max on S^2 (3 starts, 3 hops each)."""
    from .tammes import tammes_search

    def angle(n):
        return tammes_search(n, 3, seed=seed, restarts=3, hops=3, moves=VALIDATED_MOVES,
                             hop_energy=VALIDATED_HOP_ENERGY,
                             symmetric_starts=VALIDATED_SYMMETRIC_STARTS,
                             vacancy_starts=VALIDATED_VACANCY_STARTS,
                             orbit_groups=VALIDATED_ORBIT_GROUPS).angle_deg

    return {"ours": [[n, angle(n)] for n in range(2, n_max + 1)]}
