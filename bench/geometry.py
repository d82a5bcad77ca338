"""Benchmark: the exact perfect-accuracy decision against brute-force enumeration.

    .venv/bin/python bench/geometry.py [--quick]

Configurations are tight clusters around random centres (every choice is correct, so brute
force must enumerate all ``sum_i m_i prod_j m_j`` choices: its worst case).  Brute force runs
only where it finishes in seconds; beyond that its time is extrapolated from its measured rate
per choice.  The decision (one Gram matrix, ``O(M^2 d)``) is timed up to N = 50 groups x 50
points in d = 16 and beyond, on ONE thread (BLAS threads are pinned to 1 before numpy loads,
unless the environment sets them): the target holds on a single core, and timings on a shared
machine stay stable.  Writes ``bench/results/geometry.json``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import sys
import time
from pathlib import Path

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from numerics import geometry as geo  # noqa: E402
from numerics.rational_circle import approximate  # noqa: E402


def clustered(N: int, m: int, d: int, seed: int = 0, spread: float = 0.01) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    C = rng.standard_normal((N, d))
    C /= np.linalg.norm(C, axis=1, keepdims=True)
    out = []
    for c in C:
        p = c + spread * rng.standard_normal((m, d))
        out.append(p / np.linalg.norm(p, axis=1, keepdims=True))
    return out


def timed(fn, repeat: int) -> tuple[float, object]:
    times, res = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        res = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), res


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats")
    args = ap.parse_args()
    rep = 3 if args.quick else 7
    rows = []
    rate = []
    # Sizes where brute force finishes.
    for N, m, d in [(3, 2, 2), (3, 4, 2), (4, 4, 3), (4, 6, 3), (5, 5, 4), (6, 4, 4)]:
        g = clustered(N, m, d, seed=N * 100 + m)
        cfg = geo.validate(g)
        choices = geo.count_choices(cfg.sizes)
        t_dec, dec = timed(lambda: geo.decide(cfg), rep)
        t_bf, bf = timed(lambda: geo.find_failure_bruteforce(cfg), 1)
        assert dec.perfect and bf is None, (N, m, d)
        rate.append(t_bf / choices)
        rows.append({"N": N, "m": m, "d": d, "points": N * m, "choices": choices,
                     "log10_choices": math.log10(choices), "decide_s": t_dec, "bruteforce_s": t_bf,
                     "speedup": t_bf / t_dec, "agree": True, "mode": "float"})
    per_choice = statistics.median(rate)
    # Exact (Fraction) decisions at small sizes, brute force beside them.
    for N, m in [(3, 4), (4, 5)]:
        g = [[approximate(p, 200) for p in grp] for grp in clustered(N, m, 3, seed=7 + m)]
        cfg = geo.validate(g)
        choices = geo.count_choices(cfg.sizes)
        t_dec, dec = timed(lambda: geo.decide(cfg), 3)
        t_bf, bf = timed(lambda: geo.find_failure_bruteforce(cfg), 1)
        assert dec.perfect == (bf is None)
        rows.append({"N": N, "m": m, "d": 3, "points": N * m, "choices": choices,
                     "log10_choices": math.log10(choices), "decide_s": t_dec, "bruteforce_s": t_bf,
                     "speedup": t_bf / t_dec, "agree": True, "mode": "exact"})
    # Sizes where brute force cannot finish: extrapolated from its measured rate.
    for N, m, d in [(20, 20, 16), (50, 50, 16), (100, 100, 32)]:
        g = clustered(N, m, d, seed=1)
        t_dec, dec = timed(lambda: geo.decide(g), rep)
        log10c = math.log10(N * m) + N * math.log10(m)
        rows.append({"N": N, "m": m, "d": d, "points": N * m, "choices": None,
                     "log10_choices": log10c, "decide_s": t_dec, "bruteforce_s": None,
                     "bruteforce_estimate_log10_s": log10c + math.log10(per_choice),
                     "perfect": dec.perfect, "mode": "float"})
    # A failing 50 x 50 configuration (wide clusters): the decision also returns the choice.
    g = clustered(50, 50, 16, seed=2, spread=0.6)
    t_fail, dec = timed(lambda: geo.decide(g), rep)
    assert not dec.perfect and not geo.is_correct(g, *dec.failure)

    print(f"{'N':>4} {'m':>4} {'d':>3} {'mode':>5} {'log10 choices':>13} {'decide (ms)':>12} "
          f"{'brute force (s)':>16} {'speed-up':>10}")
    for r in rows:
        bf = f"{r['bruteforce_s']:.3g}" if r["bruteforce_s"] is not None else \
            f"~1e{r['bruteforce_estimate_log10_s']:.0f} (est.)"
        sp = f"{r['speedup']:.3g}x" if r.get("speedup") else "-"
        print(f"{r['N']:>4} {r['m']:>4} {r['d']:>3} {r['mode']:>5} {r['log10_choices']:>13.1f} "
              f"{1e3 * r['decide_s']:>12.2f} {bf:>16} {sp:>10}")
    print(f"failing 50 x 50, d = 16: decided with a failing choice in {1e3 * t_fail:.1f} ms")
    big = next(r for r in rows if (r["N"], r["m"], r["d"]) == (50, 50, 16))
    print(f"target: N = 50 x 50 in d = 16 well under 1 s: {big['decide_s']:.3f} s "
          f"({'met' if big['decide_s'] < 1.0 else 'NOT met'})")
    out = {"machine": {"python": platform.python_version(), "numpy": np.__version__,
                       "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
                       "processor": platform.processor() or platform.machine()},
           "bruteforce_seconds_per_choice": per_choice, "rows": rows,
           "failing_50x50_d16_decide_s": t_fail,
           "target_50x50_d16_under_1s": big["decide_s"] < 1.0}
    path = ROOT / "bench" / "results" / "geometry.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=1))
    print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
