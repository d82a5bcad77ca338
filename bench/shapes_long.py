"""The long run: one contrastive encoder with the homework's full settings, with learning curves.

    .venv/bin/python bench/shapes_long.py [--encoder contrastive_B] [--out out/shapes_long] [--threads N]

Trains ``--encoder`` exactly as ``--profile full`` does (40,000 training images, 15 epochs of
156 steps of 256 pairs, Adam 2e-4, tau = 0.07, the centred initialization), probing it
``curve_points`` times on the full profile's curve subset, then measures it as the key does
(1-NN per factor of 4,000 val queries against the 40,000 training images, a linear probe,
alignment).  Training resumes from ``OUT/.../checkpoint.pt`` when interrupted.

Prints the curve as a table and writes ``bench/results/shapes_long.json``: the configuration,
the curve, the final measurement, and the answers to "after how many images does location fall,
and does shape rise?" (a factor has moved once it is 0.1 away from its untrained level).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from numerics.shapes import FACTORS  # noqa: E402
from numerics.shapes.experiment import Job, run_job  # noqa: E402
from numerics.shapes.train import PROFILES, choose_device  # noqa: E402

MOVED = 0.1


def first_move(curve: list[dict], factor: str, direction: int) -> dict | None:
    """The first curve point where ``factor`` is at least ``MOVED`` above (``direction`` 1) or
    below (-1) its step-0 value, or None."""
    start = curve[0]["normalized"][factor]
    for p in curve:
        if direction * (p["normalized"][factor] - start) >= MOVED:
            return {"step": p["step"], "images_seen": p["images_seen"], "value": p["normalized"][factor]}
    return None


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--encoder", default="contrastive_B", choices=("contrastive_A", "contrastive_B", "contrastive_C"))
    ap.add_argument("--out", default="out/shapes_long")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=None, help="torch threads (default: all cores)")
    ap.add_argument("--device", default=None)
    args = ap.parse_args(argv)
    prof = PROFILES["full"]
    job = Job(args.encoder, args.out, prof, args.seed, args.device, args.threads, 256, None)
    t0 = time.perf_counter()
    last = [time.perf_counter()]

    def report(name, step):
        if time.perf_counter() - last[0] > 60:
            last[0] = time.perf_counter()
            print(f"  [{(last[0] - t0) / 60:5.1f} min] step {step}", flush=True)

    entry = run_job(job, report)
    wall = time.perf_counter() - t0
    curve = entry["curve"]
    b = entry["config"]["batch_size"]
    print(f"{args.encoder}, full profile: {entry['steps']} steps, {entry['train_seconds'] / 60:.1f} min of training "
          f"({wall / 60:.1f} min in all), last-epoch loss {entry['final_loss']:.3f} = "
          f"{entry['final_loss'] / math.log(b):.3f} log b")
    print(f"{'step':>6s} {'images':>10s} {'loss/log b':>10s} " + " ".join(f"{f:>9s}" for f in FACTORS))
    for p in curve:
        loss = "" if p["loss"] is None else f"{p['loss'] / math.log(b):.3f}"
        print(f"{p['step']:6d} {p['images_seen']:10,d} {loss:>10s} "
              + " ".join(f"{p['normalized'][f]:9.3f}" for f in FACTORS))
    answers = {"location_falls": first_move(curve, "location", -1), "shape_rises": first_move(curve, "shape", 1),
               "location": {"start": curve[0]["normalized"]["location"], "end": curve[-1]["normalized"]["location"],
                            "min": min(p["normalized"]["location"] for p in curve)},
               "shape": {"start": curve[0]["normalized"]["shape"], "end": curve[-1]["normalized"]["shape"],
                         "max": max(p["normalized"]["shape"] for p in curve)}}
    print("final measurement (4,000 val queries against 40,000 training images), normalized 1-NN: "
          + ", ".join(f"{f} {entry[f]['normalized']:.3f}" for f in FACTORS))
    print(f"location falls by >= {MOVED}: {answers['location_falls']}; "
          f"shape rises by >= {MOVED}: {answers['shape_rises']}")
    out = {"encoder": args.encoder, "seed": args.seed, "device": choose_device(args.device).type,
           "threads": args.threads or torch.get_num_threads(), "cpu_count": os.cpu_count(),
           "platform": platform.platform(), "torch": torch.__version__, "wall_seconds": wall,
           "moved_threshold": MOVED, "answers": answers, "entry": entry}
    path = Path(__file__).resolve().parent / "results" / "shapes_long.json"
    path.write_text(json.dumps(out, indent=1))
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
