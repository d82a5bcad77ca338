"""Tammes' problem on S^2 for N = 2..130: our solver against a generic Riemannian optimizer.

For every N both solvers get the same wall-clock budget (``BUDGET(N)`` seconds):

* ``ours``: :func:`numerics.tammes.tammes_search` (multi-start Riesz relaxation, basin hopping,
  sequential-LP and active-set Newton polish of the max-min problem);
* ``generic``: pymanopt's conjugate gradient on the oblique manifold (N unit vectors), on the
  smoothed max-min objective ``(1/beta) log sum_{i<j} exp(beta x_i^T x_j)`` with ``beta``
  raised 10 -> 1000 in stages, restarted from random points until the budget is spent; the
  best smallest angle is kept.  (Optional dependency: ``pip install pymanopt``.)

**The famous optima** (``--part famous``): the default search on the 24-cell, 600-cell and E8
sizes, with its time and certificate.

**Two processes** (``--part processes``): the default search with its symmetric phases in a
second process (``processes=2``, :mod:`numerics.tammes_worker`) against the same search in one
(``processes=1``), one after the other on the same N, timed side by side: both seconds, their
ratio, and whether the two results are the same bit for bit (points, starts, hops).  The
default search uses both cores, so the other parts run as one bench process at a time;
``frontier_one-process`` holds the rows measured in one process each, two bench processes on the
two cores (the same packings), and ``hard_two-processes`` the hard part's runs of seeds 1-5 rerun
in two processes, largest N first (``hard`` keeps the one-process rows).

**The relaxation** (``--part relax``): the compiled overlap relaxation
(:func:`numerics.overlap.overlap_lbfgs`) against scipy's L-BFGS-B on the same hops, timed side
by side: median milliseconds, ratio, median end energy and feasible count.

**The ablation** (``--part ablation [--seeds 1,2] [--variants ...]``): the default search
(overlap chains from random starts, then from symmetric and vacancy starts, then the orbit
chains, then the fresh chain, then the fine chain) against the same without the fresh chain,
without it and the orbit chains, without them and the
vacancy start, without these and the fine chain, and without the symmetric phase too, and,
without all of them, one
overlap chain with the same hops, the chains at the former target step (1e-4 instead of
``TARGET_STEP``), the chains with the former end of the overlap relaxation (2000 iterations, no
stall rule), half as many hops again, and the Riesz hops, each with its default attempts, on
every sixth N from 46 to 130 and other seeds than the frontier's: reached count, median gap and
seconds for each, and the paired comparisons.

**The frontier** (``--part frontier``): for every N, :func:`numerics.tammes.tammes_search` with
its default settings (seed 0, no budget) against the best known packings (Sloane, Hardin and
Smith, ``numerics/data/tammes_s2_best_known.tsv``): the gap, the seconds to first reach the best
known angle (within 1e-5 degrees), the whole run's seconds, and the residual of the KKT
certificate (``numerics.tammes_certificate``).  The summary counts the N reached and gives the
median and largest run time.  ``--seed S`` runs seed S into ``frontier_seedS``, ``--variant V``
an entry of ``VARIANTS`` into ``frontier_V``; ``frontier_no-symmetric`` holds the search without
the symmetric phase, and ``frontier_no-fine`` (seed 0) and ``frontier_no-fine_seedS`` (seeds 1, 2)
the search without the fine chain (each measured when it was the default, see their notes);
``frontier_fine-patience`` and ``hard_fine-patience`` the former default whose fine chain stopped
after 40 hops without a better packing (the same search bit for bit up to that stop), and
``frontier_no-vacancy`` and ``hard_no-vacancy`` the search without the vacancy start (the default
before the orbit chains, bit for bit), ``frontier_no-orbit`` and ``hard_no-orbit`` the search
without the orbit chains (the default before them: the same packings where the orbit chains find
none better), and ``frontier_no-fresh`` and ``hard_no-fresh`` the search without the fresh chain
(the former default, measured on another machine).

**The hard N** (``--part hard [--seeds 1,2,3,4,5] [--ns N,...]``): the default search at more seeds on
the N given, or by default those that some frontier seed missed or that the part already holds:
one row per (N, seed).  The summary gives for each such N the seeds that reach the best known
packing, over these seeds and the frontier parts' (a seed run here replaces that seed's
frontier row), and the N that no seed reached.

Prints a table and writes ``bench/results/tammes.json`` (each part keeps the other's results).
The reference tables are only read here, to grade: the solver never sees them.

Usage: ``.venv/bin/python bench/tammes.py [--part generic|frontier|famous|ablation|relax|hard|processes|all] [--nmin 2]
[--nmax 130] [--seed 0] [--seeds S,...] [--ns N,...] [--variant V] [--scale 1.0]``
"""

from __future__ import annotations

import os

# one BLAS thread: the small dense solves of the polish are much slower with thread contention
for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from numerics.tammes import min_angle_deg, random_sphere, tammes_search  # noqa: E402


def budget_seconds(n: int, scale: float) -> float:
    return scale * (2.0 + n / 25.0)


def load_proven() -> dict[int, float]:
    from numerics.reference import proven_tammes_s2

    return proven_tammes_s2()


def generic_riemannian(n: int, d: int, budget: float, seed: int) -> tuple[float, int, float]:
    """Best smallest angle (degrees) from restarted pymanopt CG within ``budget`` seconds,
    the number of runs, and the seconds at which that best was reached."""
    import pymanopt
    from pymanopt.manifolds import Oblique
    from pymanopt.optimizers import ConjugateGradient

    manifold = Oblique(d, n)  # d x n matrices with unit columns
    iu = np.triu_indices(n, 1)
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    best, runs, t_best = -1.0, 0, 0.0
    while time.perf_counter() - t0 < budget:
        x = random_sphere(n, d, rng).T
        for beta in (10.0, 100.0, 1000.0):
            left = budget - (time.perf_counter() - t0)
            if left <= 0:
                break

            def lse(xm, beta=beta):
                c = (xm.T @ xm)[iu]
                mx = c.max()
                w = np.exp(beta * (c - mx))
                return mx + math.log(w.sum()) / beta, w / w.sum()

            @pymanopt.function.numpy(manifold)
            def cost(xm, lse=lse):
                return lse(xm)[0]

            @pymanopt.function.numpy(manifold)
            def egrad(xm, lse=lse):
                _, p = lse(xm)
                wm = np.zeros((n, n))
                wm[iu] = p
                wm = wm + wm.T
                return xm @ wm

            problem = pymanopt.Problem(manifold, cost, euclidean_gradient=egrad)
            opt = ConjugateGradient(max_time=left, max_iterations=2000, min_gradient_norm=1e-12,
                                    min_step_size=1e-14, verbosity=0)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                x = opt.run(problem, initial_point=x).point
        x = x / np.linalg.norm(x, axis=0, keepdims=True)
        runs += 1
        a = min_angle_deg(x.T)
        if a > best:
            best, t_best = a, time.perf_counter() - t0
    return best, runs, t_best


#: Reaching the best known angle means coming within this many degrees of it.
REACH_TOL_DEG = 1e-5


def frontier(nmin: int, nmax: int, out: Path | None = None, variant: str | None = None,
             seed: int = 0) -> dict:
    """Default settings (or the ``VARIANTS`` entry ``variant``) against the best known packings,
    one row per N, seed 0 (or ``seed``); with ``out``, each row is merged into its ``frontier``
    (a variant's into ``frontier_VARIANT``, another seed's into ``frontier_seedS`` or
    ``frontier_VARIANT_seedS``) as soon as it is measured (so a long run can be resumed with
    ``--nmin``)."""
    from numerics.reference import best_known_tammes_s2
    from numerics.tammes_certificate import certify

    best = best_known_tammes_s2()
    rows = []
    print(f"{'N':>4} {'ours deg':>14} {'best known':>12} {'gap deg':>10} {'t reach s':>9} {'run s':>7} "
          f"{'contacts':>8} {'residual':>9}  certificate")
    for n in range(nmin, nmax + 1):
        res = tammes_search(n, 3, seed=seed) if variant is None else _run_variant(n, seed, variant)
        cert = certify(res.points)
        ref = best.get(n)
        gap = None if ref is None else ref - res.angle_deg
        reach = None if ref is None else next((t for t, a in res.history if a >= ref - REACH_TOL_DEG), None)
        row = {"N": n, "ours_deg": res.angle_deg, "best_known_deg": ref, "gap_deg": gap,
               "reached": gap is not None and gap <= REACH_TOL_DEG, "seconds_to_best_known": reach,
               "seconds": round(res.seconds, 3), "starts": res.starts, "hops": res.hops,
               "contacts": len(cert.contacts), "rattlers": len(cert.rattlers),
               "certificate_residual": cert.residual, "kkt": cert.kkt, "strict_local_max": cert.strict_local_max}
        rows.append(row)
        if out is not None:
            _merge_frontier(out, rows, variant, seed)
        print(f"{n:>4} {res.angle_deg:>14.9f} {ref if ref is not None else float('nan'):>12.7f} "
              f"{gap if gap is not None else float('nan'):>10.2e} "
              f"{reach if reach is not None else float('nan'):>9.2f} {res.seconds:>7.2f} {len(cert.contacts):>8} "
              f"{cert.residual:>9.1e}  {'strict local max' if cert.strict_local_max else 'KKT' if cert.kkt else 'NOT KKT'}",
              flush=True)
    if out is not None:
        return _merge_frontier(out, rows, variant, seed)
    return {"summary": _frontier_summary(rows, variant, seed), "rows": rows}


def _merge_part(out: Path, part: str | None, rows: list, key, summarize, keep=lambda section: True) -> dict:
    """Merge ``rows`` into ``part`` of ``out`` (None: the top level) by ``key(row)``, recompute
    its summary with ``summarize(all rows)``, write the file; returns the part.  The rows
    already there are dropped when ``keep(part)`` is false; a part's other keys (its ``note``)
    are kept."""
    data = json.loads(out.read_text()) if out.exists() else {}
    section = data if part is None else data.get(part, {})
    merged = {key(r): r for r in (section.get("rows", []) if keep(section) else [])}
    merged.update({key(r): r for r in rows})
    allrows = [merged[k] for k in sorted(merged)]
    extra = {} if part is None else {k: v for k, v in section.items() if k not in ("summary", "rows")}
    new = {**extra, "summary": summarize(allrows), "rows": allrows}
    if part is None:
        data.update(new)
    else:
        data[part] = new
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, indent=1))
    return new


def _write_part(out: Path, part: str, value):
    """Replace ``part`` of ``out`` by ``value`` (the other parts are kept); returns ``value``."""
    data = json.loads(out.read_text()) if out.exists() else {}
    data[part] = value
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, indent=1))
    return value


def _merge_frontier(out: Path, rows: list, variant: str | None = None, seed: int = 0) -> dict:
    """Merge ``rows`` into the ``frontier`` of ``out`` (``frontier_VARIANT`` for a variant,
    ``..._seedS`` for a seed other than 0) by N, recompute its summary, write it."""
    part = "frontier" + ("" if variant is None else f"_{variant}") + ("" if seed == 0 else f"_seed{seed}")
    return _merge_part(out, part, rows, lambda r: r["N"], lambda rs: _frontier_summary(rs, variant, seed))


def _frontier_summary(rows: list, variant: str | None = None, seed: int = 0) -> dict:
    from numerics.reference import best_known_source

    secs = [r["seconds"] for r in rows]
    return {
        "solver": (f"numerics.tammes.tammes_search(n, 3, seed={seed}) with default settings" if variant is None
                   else f"numerics.tammes.tammes_search(n, 3, seed={seed}, **VARIANTS[{variant!r}])"),
        "reference": best_known_source(), "reach_tol_deg": REACH_TOL_DEG,
        "reached": sum(r["reached"] for r in rows), "total": len(rows),
        "not_reached": {r["N"]: r["gap_deg"] for r in rows if not r["reached"]},
        "median_seconds": float(np.median(secs)), "max_seconds": float(np.max(secs)),
        "max_certificate_residual": float(max(r["certificate_residual"] for r in rows)),
        "kkt": sum(r["kkt"] for r in rows), "strict_local_max": sum(r["strict_local_max"] for r in rows),
    }


#: The seeds of the hard part, beyond the frontier's seed 0.
HARD_SEEDS = (1, 2, 3, 4, 5)


def _frontier_seeds(data: dict) -> dict:
    """``{seed: part}`` for the default search's frontier parts in ``data`` (``frontier``,
    ``frontier_seedS``)."""
    parts = {0: "frontier"} if "frontier" in data else {}
    for name in data:
        if name.startswith("frontier_seed") and name[len("frontier_seed"):].isdigit():
            parts[int(name[len("frontier_seed"):])] = name
    return parts


def hard_ns(data: dict) -> list:
    """The N that the default search missed at some seed of the frontier parts in ``data``, and
    those the part ``hard`` already holds."""
    return sorted({r["N"] for part in _frontier_seeds(data).values()
                   for r in data[part]["rows"] if not r["reached"]}
                  | {r["N"] for r in data.get("hard", {}).get("rows", [])})


def hard(out: Path, seeds=HARD_SEEDS, nmin: int = 2, nmax: int = 130, ns=None) -> dict:
    """The default search at more seeds on the hard N (``ns``, or those some frontier seed
    missed, read from ``out``; within ``nmin..nmax``): one row per (N, seed), merged into the
    part ``hard`` as soon as it is measured.  The summary counts, for each hard N, the seeds that
    reach the best known packing, over these seeds and the frontier's."""
    from numerics.reference import best_known_tammes_s2

    best = best_known_tammes_s2()
    data = json.loads(out.read_text()) if out.exists() else {}
    ns = [n for n in (hard_ns(data) if ns is None else ns) if nmin <= n <= nmax]
    if not ns:
        raise SystemExit(f"no frontier part in {out} misses an N in {nmin}..{nmax}: run --part frontier first")
    rows = []
    print(f"hard N: {ns}; seeds {list(seeds)}")
    print(f"{'N':>4} {'seed':>4} {'ours deg':>14} {'gap deg':>10} {'run s':>7}")
    for n in ns:
        for seed in seeds:
            res = tammes_search(n, 3, seed=seed)
            gap = best[n] - res.angle_deg
            rows.append({"N": n, "seed": seed, "ours_deg": res.angle_deg, "best_known_deg": best[n],
                         "gap_deg": gap, "reached": gap <= REACH_TOL_DEG, "seconds": round(res.seconds, 3),
                         "starts": res.starts, "hops": res.hops})
            _merge_hard(out, rows)
            print(f"{n:>4} {seed:>4} {res.angle_deg:>14.9f} {gap:>10.2e} {res.seconds:>7.2f}", flush=True)
    return _merge_hard(out, rows)


def _merge_hard(out: Path, rows: list) -> dict:
    data = json.loads(out.read_text()) if out.exists() else {}
    frontier_rows = {(r["N"], seed): r for seed, part in _frontier_seeds(data).items() for r in data[part]["rows"]}
    return _merge_part(out, "hard", rows, lambda r: (r["N"], r["seed"]),
                       lambda rs: _hard_summary(rs, frontier_rows))


def _hard_summary(rows: list, frontier_rows: dict) -> dict:
    """Per hard N: the seeds that reached the best known packing, of all seeds run (these rows
    and the frontier's; a seed run here replaces the frontier's row), and the smallest gap; and
    the totals."""
    per_n = {}
    for n in sorted({r["N"] for r in rows}):
        own = {r["seed"]: r for r in rows if r["N"] == n}
        runs = sorted(list(own.items()) + [(s, r) for (m, s), r in frontier_rows.items()
                                           if m == n and s not in own], key=lambda sr: sr[0])
        per_n[n] = {"seeds": [s for s, _ in runs], "reached_seeds": [s for s, r in runs if r["reached"]],
                    "smallest_gap_deg": min(r["gap_deg"] for _, r in runs)}
    from_frontier = sorted({s for v in per_n.values() for s in v["seeds"]} - {r["seed"] for r in rows})
    return {"solver": "numerics.tammes.tammes_search(n, 3, seed=s) with default settings",
            "seeds_from_frontier_parts": from_frontier,
            "reach_tol_deg": REACH_TOL_DEG, "per_n": per_n,
            "runs": sum(len(v["seeds"]) for v in per_n.values()),
            "reached": sum(len(v["reached_seeds"]) for v in per_n.values()),
            "never_reached": [n for n, v in per_n.items() if not v["reached_seeds"]],
            "max_seconds": float(max(r["seconds"] for r in rows))}


#: The famous optima beyond S^2 that the default search must reach: (name, N, d, angle).
FAMOUS = (("24-cell", 24, 4, 60.0), ("600-cell", 120, 4, 36.0), ("E8 roots", 240, 8, 60.0))


def famous(out: Path) -> dict:
    """The default search on the 24-cell, 600-cell and E8 sizes: angle, seconds, certificate."""
    from numerics.tammes_certificate import certify

    rows = []
    for name, n, d, angle in FAMOUS:
        res = tammes_search(n, d, seed=0)
        cert = certify(res.points)
        rows.append({"name": name, "N": n, "d": d, "angle_deg": res.angle_deg, "optimum_deg": angle,
                     "reached": abs(res.angle_deg - angle) <= REACH_TOL_DEG, "seconds": round(res.seconds, 2),
                     "starts": res.starts, "hops": res.hops, "contacts": len(cert.contacts),
                     "certificate_residual": cert.residual, "strict_local_max": cert.strict_local_max})
        print(f"{name:>9} N={n:<4} d={d}  {res.angle_deg:.9f}  {res.seconds:6.1f} s  residual {cert.residual:.1e}",
              flush=True)
    _write_part(out, "famous", rows)
    return {"rows": rows}


#: The relaxation comparison's sizes and hops per size.
RELAX_NS = (60, 100, 130)
RELAX_HOPS = 30


def relax(out: Path) -> dict:
    """The compiled overlap relaxation against scipy's L-BFGS-B on the same hops, side by side
    in one run: for each N the hops of one search's start (each move in turn, seed 1), the
    median seconds of each, their ratio, the median end energies and the feasible count.  The
    compiled one runs twice: with scipy's stop (2000 iterations, no stall rule), and with its
    default stop (``MAXITER``, the stall rule)."""
    from numerics.overlap import MAXITER, overlap_lbfgs, overlap_relax_scipy
    from numerics.tammes import FEASIBLE_ENERGY, MOVES, _perturb, one_blas_thread

    def same_stop(y, cos_t):
        return overlap_lbfgs(y, cos_t, maxiter=2000, stall_rtol=0.0)

    rows = []
    overlap_lbfgs(random_sphere(10, 3, np.random.default_rng(0)), 0.5)  # compile outside the clock
    print(f"{'N':>4} {'scipy ms':>9} {'compiled ms':>12} {'ratio':>6} {'default ms':>11} {'E scipy':>9} "
          f"{'E ours':>9} {'E default':>9} {'feasible s/c/d':>15}")

    @one_blas_thread
    def timed(fn, ys, cos_t):
        secs, energies = [], []
        for y in ys:
            t = time.perf_counter()
            e = fn(y, cos_t)[1]
            secs.append(time.perf_counter() - t)
            energies.append(e)
        return np.array(secs), np.array(energies)

    for n in RELAX_NS:
        res = tammes_search(n, 3, seed=0, restarts=1, hops=0)
        a = math.radians(res.angle_deg)
        cos_t = math.cos(a * 1.0001)
        rng = np.random.default_rng(1)
        ys = [_perturb(res.points, MOVES[i % len(MOVES)], a, rng) for i in range(RELAX_HOPS)]
        t_ref, e_ref = timed(overlap_relax_scipy, ys, cos_t)
        t_ours, e_ours = timed(same_stop, ys, cos_t)
        t_def, e_def = timed(overlap_lbfgs, ys, cos_t)
        row = {"N": n, "hops": RELAX_HOPS, "scipy_ms": 1e3 * float(np.median(t_ref)),
               "compiled_ms": 1e3 * float(np.median(t_ours)),
               "ratio": float(np.median(t_ref) / np.median(t_ours)),
               "default_ms": 1e3 * float(np.median(t_def)),
               "median_energy_scipy": float(np.median(e_ref)), "median_energy_compiled": float(np.median(e_ours)),
               "median_energy_default": float(np.median(e_def)),
               "feasible_scipy": int(np.sum(e_ref < FEASIBLE_ENERGY)),
               "feasible_compiled": int(np.sum(e_ours < FEASIBLE_ENERGY)),
               "feasible_default": int(np.sum(e_def < FEASIBLE_ENERGY)),
               "lower_energy_compiled": int(np.sum(e_ours < e_ref))}
        rows.append(row)
        print(f"{n:>4} {row['scipy_ms']:>9.1f} {row['compiled_ms']:>12.1f} {row['ratio']:>5.1f}x "
              f"{row['default_ms']:>11.1f} {row['median_energy_scipy']:>9.2e} {row['median_energy_compiled']:>9.2e} "
              f"{row['median_energy_default']:>9.2e} "
              f"{row['feasible_scipy']:>5}/{row['feasible_compiled']}/{row['feasible_default']}", flush=True)
    return _write_part(out, "relax", {"rows": rows, "note": "median seconds per relaxation on the same "
                                      "perturbed configurations, one BLAS thread; ratio = scipy / compiled "
                                      "with scipy's stop (2000 iterations, no stall rule); default = the "
                                      f"compiled relaxation's own stop ({MAXITER} iterations, stall rule)"})


#: The sizes of the two-process timing: one below and three above the frontier's median time.
PROCESSES_NS = (40, 76, 100, 124)


def processes_part(out: Path, ns=PROCESSES_NS) -> dict:
    """``tammes_search(n, 3, seed=0)`` with ``processes=1``, then ``processes=2``, for each N."""
    rows = []
    print(f"{'N':>4} {'1 process s':>11} {'2 processes s':>13} {'ratio':>6}  same result")
    for n in ns:
        one = tammes_search(n, 3, seed=0, processes=1)
        two = tammes_search(n, 3, seed=0, processes=2)
        same = bool(np.array_equal(one.points, two.points) and (one.starts, one.hops) == (two.starts, two.hops))
        row = {"N": n, "angle_deg": two.angle_deg, "one_process_s": round(one.seconds, 3),
               "two_processes_s": round(two.seconds, 3), "ratio": round(one.seconds / two.seconds, 3),
               "same_result": same}
        rows.append(row)
        print(f"{n:>4} {row['one_process_s']:>11.1f} {row['two_processes_s']:>13.1f} {row['ratio']:>5.2f}x  {same}",
              flush=True)
    summary = {"median_ratio": float(np.median([r["ratio"] for r in rows])),
               "all_same_result": all(r["same_result"] for r in rows),
               "note": "seed 0, default settings; one bench process, the runs one after the other; "
                       "ratio = one-process seconds / two-process seconds"}
    return _write_part(out, "processes", {"rows": rows, "summary": summary})


#: The hop ablation's sizes: every sixth N past the small problems (whose hops are Riesz ones).
ABLATION_NS = tuple(range(46, 131, 6))


#: The ablation's variants: the default search ("overlap": overlap chains from the random
#: starts, then the symmetric and vacancy starts and their chain, then the orbit chains, then
#: the fresh chain, then the fine chain), the same without the fresh chain ("no-fresh", the
#: former default), without it and the orbit chains ("no-orbit", the default before), without
#: them and the vacancy starts ("no-vacancy", the default before), without these and the fine
#: chain ("no-fine", the default before that), without the symmetric phase and the fine chain
#: ("no-symmetric", the default before them), and, each without both so that they vary the
#: random phase alone: one overlap chain with the same hops, the chains at the former target
#: step (1e-4), the chains with the former end of the overlap relaxation (2000 iterations, no
#: stall rule), the Riesz hops (each with its default attempts), and the chains with half as
#: many hops again (``HOP_WORK`` times 1.5).  A variant's ``"constants"`` sets module constants
#: (``"module.NAME"`` under ``numerics``) for its runs; the other keys are arguments of
#: ``tammes_search``.
_NO_SYM = {"hop_energy": "overlap", "symmetric_starts": (), "vacancy_starts": (), "fine_hops": 0,
           "orbit_groups": (), "fresh_chains": 0}
VARIANTS = {"overlap": {"hop_energy": "overlap"},
            "no-fresh": {"hop_energy": "overlap", "fresh_chains": 0},
            "no-orbit": {"hop_energy": "overlap", "orbit_groups": (), "fresh_chains": 0},
            "no-vacancy": {"hop_energy": "overlap", "orbit_groups": (), "vacancy_starts": (), "fresh_chains": 0},
            "no-fine": {"hop_energy": "overlap", "orbit_groups": (), "vacancy_starts": (), "fine_hops": 0,
                        "fresh_chains": 0},
            "no-symmetric": dict(_NO_SYM),
            "overlap-1chain": {**_NO_SYM, "chains": 1},
            "overlap-step1e-4": {**_NO_SYM, "target_step": 1e-4},
            "overlap-2000iter": {**_NO_SYM, "constants": {"overlap.MAXITER": 2000, "overlap.STALL_RTOL": 0.0}},
            "overlap-hops1.5": {**_NO_SYM, "constants": {"tammes.HOP_WORK": 375_000.0}},
            "riesz": {"hop_energy": "riesz"}}
#: The paired comparisons of the summary: (variant, against).
VARIANT_PAIRS = (("overlap", "no-fresh"), ("no-fresh", "no-orbit"), ("no-orbit", "no-vacancy"), ("no-vacancy", "no-fine"),
                 ("no-fine", "no-symmetric"), ("no-symmetric", "riesz"), ("no-symmetric", "overlap-1chain"),
                 ("no-symmetric", "overlap-step1e-4"),
                 ("no-symmetric", "overlap-2000iter"), ("overlap-hops1.5", "no-symmetric"))


def _run_variant(n: int, seed: int, variant: str):
    """``tammes_search(n, 3, seed=seed)`` with the variant's arguments and constants."""
    import importlib

    kwargs = dict(VARIANTS[variant])
    saved = []
    try:
        for name, value in kwargs.pop("constants", {}).items():
            module, attr = name.rsplit(".", 1)
            module = importlib.import_module(f"numerics.{module}")
            saved.append((module, attr, getattr(module, attr)))
            setattr(module, attr, value)
        return tammes_search(n, 3, seed=seed, **kwargs)
    finally:
        for module, attr, value in reversed(saved):
            setattr(module, attr, value)


def ablation(seeds, variants, out: Path) -> dict:
    """The ``VARIANTS`` on ``ABLATION_NS`` for each seed: the gap to the best known and the
    seconds; rows are merged into ``ablation`` of ``out`` as measured."""
    from numerics.reference import best_known_tammes_s2

    unknown = set(variants) - set(VARIANTS)
    if unknown:
        raise SystemExit(f"unknown variants {sorted(unknown)}; choose from {sorted(VARIANTS)}")
    best = best_known_tammes_s2()
    rows = []
    print(f"{'N':>4} {'seed':>4} {'variant':>17} {'gap deg':>10} {'run s':>7}")
    for seed in seeds:
        for n in ABLATION_NS:
            for variant in variants:
                res = _run_variant(n, seed, variant)
                gap = best[n] - res.angle_deg
                rows.append({"N": n, "seed": seed, "variant": variant, "gap_deg": gap,
                             "reached": gap <= REACH_TOL_DEG, "seconds": round(res.seconds, 3),
                             "starts": res.starts, "hops": res.hops})
                print(f"{n:>4} {seed:>4} {variant:>17} {gap:>10.2e} {res.seconds:>7.2f}", flush=True)
                _merge_ablation(out, rows)
    return _merge_ablation(out, rows)


def _merge_ablation(out: Path, rows: list) -> dict:
    """Merge ``rows`` into the ``ablation`` of ``out`` by (N, seed, variant), write it."""
    return _merge_part(out, "ablation", rows, lambda r: (r["N"], r["seed"], r["variant"]), _ablation_summary)


def _ablation_summary(rows: list) -> dict:
    summary = {"solver": "numerics.tammes.tammes_search(n, 3, seed=s, **VARIANTS[v]), default attempts",
               "variants": VARIANTS, "ns": list(ABLATION_NS), "reach_tol_deg": REACH_TOL_DEG}
    for variant in sorted({r["variant"] for r in rows}):
        sel = [r for r in rows if r["variant"] == variant]
        summary[variant] = {"runs": len(sel), "reached": sum(r["reached"] for r in sel),
                            "median_gap_deg": float(np.median([max(r["gap_deg"], 0.0) for r in sel])),
                            "median_seconds": float(np.median([r["seconds"] for r in sel])),
                            "max_seconds": float(max(r["seconds"] for r in sel))}
    runs = {}
    for r in rows:
        runs.setdefault((r["N"], r["seed"]), {})[r["variant"]] = r["gap_deg"]
    for a, b in VARIANT_PAIRS:
        both = [p for p in runs.values() if a in p and b in p]
        summary[f"{a}_vs_{b}"] = {"paired_runs": len(both),
                                   f"{a}_smaller_gap": sum(p[a] < p[b] - 1e-6 for p in both),
                                   f"{b}_smaller_gap": sum(p[b] < p[a] - 1e-6 for p in both)}
    return summary


def generic(nmin: int, nmax: int, scale: float, out: Path) -> dict:
    """Ours against pymanopt with the same budget for N = nmin..nmax; the rows are merged into
    the top-level ``rows`` of ``out`` by N (so ranges of N can run in parallel processes) and
    the ``summary`` is recomputed from all of them."""
    try:
        import pymanopt  # noqa: F401
        have_generic = True
    except ImportError:
        have_generic = False
        print("pymanopt is not installed: the generic column is skipped (pip install pymanopt)")
    proven = load_proven()
    rows = []
    print(f"{'N':>4} {'budget s':>8} {'ours deg':>14} {'t_best s':>8} {'generic deg':>14} "
          f"{'gap deg':>10} {'t ratio':>8} {'proven':>12}")
    for n in range(nmin, nmax + 1):
        b = budget_seconds(n, scale)
        res = tammes_search(n, 3, seed=n, budget=b)
        ours = res.angle_deg
        t_best = res.history[-1][0] if res.history else res.seconds
        row = {"N": n, "budget_s": round(b, 3), "ours_deg": ours, "ours_seconds": round(res.seconds, 3),
               "ours_seconds_to_best": t_best, "ours_starts": res.starts, "ours_hops": res.hops}
        if have_generic:
            t1 = time.perf_counter()
            gen, runs, gen_t = generic_riemannian(n, 3, b, seed=n)
            # our first time at an angle at least as good as the generic optimizer's best
            match = next((t for t, a in res.history if a >= gen - 1e-9), None)
            row.update(generic_deg=gen, generic_seconds=round(time.perf_counter() - t1, 3),
                       generic_seconds_to_best=round(gen_t, 3), generic_runs=runs, gap_deg=ours - gen,
                       ours_seconds_to_match_generic=match,
                       # time ratio: the generic optimizer's time to its best over ours to equal it
                       time_ratio=round(gen_t / max(match, 1e-3), 2) if match is not None else None)
        if n in proven:
            row["proven_deg"] = proven[n]
            row["reaches_proven"] = bool(abs(ours - proven[n]) <= 1e-6)
        rows.append(row)
        print(f"{n:>4} {b:>8.2f} {ours:>14.9f} {t_best:>8.2f} "
              + (f"{row['generic_deg']:>14.9f} {row['gap_deg']:>10.2e} "
                 f"{row['time_ratio'] if row['time_ratio'] is not None else float('nan'):>8.1f} "
                 if have_generic else f"{'-':>14} {'-':>10} {'-':>8} ")
              + (f"{'yes' if row['reaches_proven'] else 'NO':>12}" if n in proven else f"{'':>12}"),
              flush=True)
        _merge_generic(out, rows, scale)  # after every N, so an interrupted run keeps its rows
    return _merge_generic(out, rows, scale)


def _generic_summary(rows: list, scale: float) -> dict:
    summary = {
        "problem": "Tammes on S^2: maximize the smallest pairwise angle of N unit vectors",
        "ours": "numerics.tammes.tammes_search(n, 3, seed=n, budget=budget_s)",
        "generic": "pymanopt ConjugateGradient on Oblique(3, N), log-sum-exp smoothed max cosine, "
                   "beta 10 -> 100 -> 1000, random restarts within the same budget",
        "budget_rule": "budget_s = scale * (2 + N / 25)", "scale": scale,
        # the seconds both solvers ran, summed over N (ranges of N may run in parallel)
        "solver_seconds": round(sum(r["ours_seconds"] + r.get("generic_seconds", 0.0) for r in rows), 1),
        "proven_reached": sum(r.get("reaches_proven", False) for r in rows),
        "proven_total": sum("proven_deg" in r for r in rows),
    }
    if rows and all("generic_deg" in r for r in rows):
        gaps = [r["gap_deg"] for r in rows]
        summary.update(
            ours_better=sum(g > 1e-6 for g in gaps), ties=sum(abs(g) <= 1e-6 for g in gaps),
            generic_better=sum(g < -1e-6 for g in gaps),
            median_gap_deg=float(np.median(gaps)), max_gap_deg=float(np.max(gaps)),
            min_gap_deg=float(np.min(gaps)),
            generic_proven_reached=sum(abs(r["generic_deg"] - r["proven_deg"]) <= 1e-6
                                       for r in rows if "proven_deg" in r),
            median_time_ratio=float(np.median([r["time_ratio"] for r in rows
                                               if r["time_ratio"] is not None] or [float("nan")])),
            time_ratio_definition="generic seconds to its best / our seconds to first reach that angle")
    return summary


def _merge_generic(out: Path, rows: list, scale: float) -> dict:
    """Merge ``rows`` into the top-level ``rows`` of ``out`` by N, recompute ``summary``, write it;
    rows measured at another budget scale are dropped (they do not mix)."""
    return _merge_part(out, None, rows, lambda r: r["N"], lambda all_rows: _generic_summary(all_rows, scale),
                       keep=lambda top: top.get("summary", {}).get("scale", scale) == scale)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--part", choices=("generic", "frontier", "famous", "ablation", "relax", "hard", "processes",
                                       "all"),
                    default="all")
    ap.add_argument("--seeds", default=None,
                    help="ablation (default 1,2) and hard (default 1,2,3,4,5): comma-separated seeds")
    ap.add_argument("--variants", default=",".join(VARIANTS), help="ablation: variants to run")
    ap.add_argument("--variant", default=None, help="frontier: run this entry of VARIANTS instead of the default")
    ap.add_argument("--seed", type=int, default=0, help="frontier: the seed (0: the part 'frontier')")
    ap.add_argument("--ns", default=None, help="hard: comma-separated N (default: those a frontier seed missed)")
    ap.add_argument("--nmin", type=int, default=2)
    ap.add_argument("--nmax", type=int, default=130)
    ap.add_argument("--scale", type=float, default=1.0, help="multiply every time budget")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "tammes.json"))
    args = ap.parse_args(argv)
    out = Path(args.out)
    if args.part in ("famous", "all"):
        famous(out)
        if args.part == "famous":
            return 0
    if args.part in ("relax", "all"):
        relax(out)
        if args.part == "relax":
            return 0
    if args.part == "processes":
        print(json.dumps(processes_part(out)["summary"], indent=1))
        return 0
    if args.part == "hard":
        seeds = HARD_SEEDS if args.seeds is None else tuple(int(v) for v in args.seeds.split(","))
        ns = None if args.ns is None else [int(v) for v in args.ns.split(",")]
        summary = hard(out, seeds, args.nmin, args.nmax, ns)["summary"]
        print(json.dumps(summary, indent=1))
        return 0
    if args.part == "ablation":
        seeds = "1,2" if args.seeds is None else args.seeds
        summary = ablation([int(v) for v in seeds.split(",")], args.variants.split(","), out)["summary"]
        print(json.dumps(summary, indent=1))
        return 0
    if args.part in ("frontier", "all"):
        print(json.dumps(frontier(args.nmin, args.nmax, out, args.variant, args.seed)["summary"], indent=1))
        if args.part == "frontier":
            return 0
    summary = generic(args.nmin, args.nmax, args.scale, out)["summary"]
    print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
