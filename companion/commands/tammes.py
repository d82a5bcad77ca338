"""``companion tammes N [--d D] [--seed S] [--out FILE] [--json]``: a Tammes packing, certified.

Searches for ``N`` unit vectors in ``R^D`` (default ``D = 3``) whose smallest pairwise angle is
as large as possible (``numerics.tammes``, default settings, deterministic for a seed) and
certifies the result (``numerics.tammes_certificate``).  Prints:

- the minimum angle;
- the gap to the best known packing (Sloane, Hardin and Smith's tables, ``D = 3``, ``N <= 130``)
  and to the proven optimum, where one is known; the solver never sees these values;
- the number of contacts (pairs at the minimum angle) and of rattlers;
- the certificate's residual (the force imbalance of the best nonnegative stress on the contacts:
  zero at a KKT point) and what the certificate proves (a KKT point; a strict local maximum when
  the contact graph is also infinitesimally rigid under a positive stress; never global
  optimality).

Writes ``FILE`` (default ``tammes_N_D.json``): the coordinates, the contacts, the stress and the
certificate, and beside it ``FILE`` with ``.png`` and ``.pdf``: the sphere with its contact graph
and the histogram of nearest-neighbour angles.  Exit status: 0, or 2 for bad arguments.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

NAME = "tammes"
HELP = "a Tammes packing of N points on S^{d-1}, with its contact graph and optimality certificate"

MAX_POINTS = 5000
MAX_DIM = 64


def _count(lo: int, hi: int, what: str):
    import argparse

    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what} must be an integer, got {text!r}") from None
        if not lo <= v <= hi:
            raise argparse.ArgumentTypeError(f"{what} must be between {lo} and {hi}, got {v}")
        return v
    return parse


def add_arguments(p) -> None:
    p.add_argument("n", metavar="N", type=_count(2, MAX_POINTS, "N"), help=f"number of points, 2..{MAX_POINTS}")
    p.add_argument("--d", type=_count(2, MAX_DIM, "--d"), default=3, help="dimension of the ambient space (default 3)")
    p.add_argument("--seed", type=_count(0, 2**32 - 1, "--seed"), default=0, help="seed of the search (default 0)")
    p.add_argument("--out", type=Path, default=None, help="coordinates JSON to write (default tammes_N_D.json)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")


def gaps(n: int, d: int, angle_deg: float) -> dict:
    """The best known and proven angles for ``(n, d)`` where the reference tables have them, and
    the gaps ``reference - angle_deg`` (positive: short of the reference)."""
    from numerics.reference import best_known_tammes_s2, proven_tammes_s2

    out = {"best_known_deg": None, "gap_deg": None, "proven_deg": None, "proven_gap_deg": None}
    if d == 3:
        best, proven = best_known_tammes_s2().get(n), proven_tammes_s2().get(n)
        if best is not None:
            out.update(best_known_deg=best, gap_deg=best - angle_deg)
        if proven is not None:
            out.update(proven_deg=proven, proven_gap_deg=proven - angle_deg)
    return out


def run(args) -> int:
    from tqdm import tqdm

    from figures.packings import packing_certificate
    from figures.style import save
    from numerics.atomic import atomic_write_text
    from numerics.tammes import tammes_search
    from numerics.tammes_certificate import certify

    out = args.out or Path(f"tammes_{args.n}_{args.d}.json")
    if out.exists() and out.is_dir():
        from companion.cli import UsageError
        raise UsageError(f"--out {out} is a folder; give a file name such as {out / 'tammes.json'}")
    out.parent.mkdir(parents=True, exist_ok=True)

    bar = tqdm(desc=f"tammes N={args.n} d={args.d}", unit="step", leave=False, disable=args.json)

    def progress(stage, done, total, best_deg):
        bar.set_postfix_str(f"{stage} {done}/{total if total else '-'} best {best_deg:.6f}°")
        bar.update(1)

    t0 = time.perf_counter()
    result = tammes_search(args.n, args.d, seed=args.seed, progress=progress)
    bar.close()
    seconds = time.perf_counter() - t0
    cert = certify(result.points)
    ref = gaps(args.n, args.d, result.angle_deg)
    summary = {"n": args.n, "d": args.d, "seed": args.seed, "angle_deg": result.angle_deg, "seconds": seconds,
               "starts": result.starts, "hops": result.hops, "stopped": result.stopped, **ref,
               "contacts": len(cert.contacts), "rattlers": len(cert.rattlers),
               "certificate_residual": cert.residual, "min_stress": cert.min_stress,
               "kkt": cert.kkt, "rigid": cert.rigid, "strict_local_max": cert.strict_local_max,
               "proves": cert.proves(), "out": str(out)}
    data = {**summary, "points": result.points.tolist(), "certificate": cert.to_json()}
    atomic_write_text(out, json.dumps(data, indent=1))
    fig = packing_certificate({"points": result.points.tolist(), "contacts": cert.contacts.tolist(),
                               "stress": cert.stress.tolist(), "angle_deg": result.angle_deg,
                               "gap_deg": ref["gap_deg"]})
    figs = save(fig, out.parent, out.stem)
    summary["figures"] = [str(f) for f in figs]
    if args.json:
        print(json.dumps(summary, indent=1))
        return 0
    early = f", stopped early: {result.stopped}" if result.stopped.startswith("no progress") else ""
    print(f"N = {args.n} points on S^{args.d - 1}, seed {args.seed}: {result.starts} starts, {result.hops} hops"
          f"{early}, {seconds:.1f} s")
    print(f"minimum angle      {result.angle_deg:.9f}°")
    if ref["best_known_deg"] is not None:
        g = ref["gap_deg"]
        verdict = "reached (within 1e-5°)" if g <= 1e-5 else "short"
        print(f"best known         {ref['best_known_deg']:.7f}°  gap {g:+.2e}°  {verdict}")
    else:
        print("best known         (no reference for this N and d)")
    if ref["proven_deg"] is not None:
        print(f"proven optimum     {ref['proven_deg']:.7f}°  gap {ref['proven_gap_deg']:+.2e}°")
    print(f"contacts           {len(cert.contacts)}" + (f" ({len(cert.rattlers)} rattlers)" if cert.rattlers else ""))
    print(f"certificate        residual {cert.residual:.1e}, smallest stress {cert.min_stress:.2e}, "
          f"contact graph {'rigid' if cert.rigid else 'not rigid'}")
    print(f"  proves: {cert.proves()}")
    print(f"wrote {out}, {', '.join(str(f) for f in figs)}")
    if not math.isfinite(result.angle_deg):
        return 1
    return 0
