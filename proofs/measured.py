"""Reading the shapes experiment (Q7c-d, Q8a, Q8c-d): thresholds, verdicts, training criteria.

The measurements come from :mod:`numerics.shapes.experiment` (``probes.json``).  What they are
taken to mean is fixed here, once, and stated in the key:

- a factor's **verdict** reads its normalized 1-NN accuracy ``(acc - chance) / (1 - chance)``
  (val queries against the train gallery): at most :data:`INVARIANT_MAX` is ``invariant`` (near
  chance), at least :data:`SENSITIVE_MIN` is ``sensitive``, in between ``partly``;
- a contrastive encoder **trained** when its last epoch's mean loss is at most
  :data:`TRAINED_MAX_RATIO` of ``log b``, the loss of an encoder whose logits are all equal (one
  that maps every image to one point); the autoencoder trained when its last epoch's mean MSE
  is at most :data:`AE_TRAINED_MAX_RATIO` of its first batch's.  A run that did not train is
  failed evidence, and its numbers are never reported as a result;
- on a learning curve, a factor has **moved** once its value differs from the untrained one
  (step 0) by at least :data:`MOVED`.
"""

from __future__ import annotations

import math

import numpy as np

from numerics.shapes import FACTORS

FACTOR_WORDS = {"shape": "shape", "color": "colour", "location": "location"}
TRAINED_RUNS = ("autoencoder", "contrastive_A", "contrastive_B", "contrastive_C")
ENCODERS = ("random_init",) + TRAINED_RUNS
RUN_WORDS = {"random_init": "the untrained encoder", "autoencoder": "the autoencoder",
             "contrastive_A": "A", "contrastive_B": "B", "contrastive_C": "C"}

INVARIANT_MAX, SENSITIVE_MIN = 0.2, 0.5
TRAINED_MAX_RATIO = 0.7
AE_TRAINED_MAX_RATIO = 0.5
MOVED = 0.1
#: What the key says about the thresholds (quoted in q7d's and q8d's proofs).
THRESHOLDS_TEXT = (f"A factor is read from its normalized 1-NN accuracy $a$ (0 = chance, 1 = the nearest "
                   f"neighbour always shares it): invariant if $a \\le {INVARIANT_MAX}$, sensitive if "
                   f"$a \\ge {SENSITIVE_MIN}$, partly in between.")


def probes(ctx) -> dict:
    """``probes.json`` of ``ctx``'s profile, seed and data (trained or loaded once per process)."""
    from numerics.shapes.experiment import results

    return results(ctx.results_dir, ctx.profile, ctx.seed, force=bool(getattr(ctx, "force", False)),
                   data=getattr(ctx, "data", None))


def flip_verdict(v: str) -> str:
    """The opposite verdict, for the wrong answers of a measured claim (``partly`` counts as sensitive)."""
    return "sensitive" if v == "invariant" else "invariant"


def verdict(normalized: float) -> str:
    """``"invariant"``, ``"partly"`` or ``"sensitive"`` for a normalized 1-NN accuracy."""
    if normalized <= INVARIANT_MAX:
        return "invariant"
    if normalized >= SENSITIVE_MIN:
        return "sensitive"
    return "partly"


# ---------------------------------------------------------------------------
# did a run train?
# ---------------------------------------------------------------------------

def reference_loss(entry: dict) -> float:
    """The loss a run is measured against: ``log b`` for a contrastive encoder, the first
    batch's loss for the autoencoder."""
    cfg = entry["config"]
    if cfg["objective"] == "contrastive":
        return math.log(cfg["batch_size"])
    return float(entry["first_loss"])


def trained(name: str, entry: dict) -> tuple[bool, str]:
    """Whether run ``name`` trained (module docstring), and the numbers that say so."""
    if not entry.get("epoch_losses"):
        return False, f"{RUN_WORDS[name]}: no training record"
    last, ref = entry["final_loss"], reference_loss(entry)
    contrastive = entry["config"]["objective"] == "contrastive"
    limit = TRAINED_MAX_RATIO if contrastive else AE_TRAINED_MAX_RATIO
    ok = math.isfinite(last) and last <= limit * ref
    ref_name = f"log b = {ref:.3f} (b = {entry['config']['batch_size']})" if contrastive else f"first loss {ref:.4f}"
    return ok, (f"{RUN_WORDS[name]}: last-epoch mean loss {last:.4f} = {last / ref:.3f} x {ref_name}, "
                f"{'at most' if ok else 'above'} {limit}" + ("" if ok else " -- it did not train: failed evidence, "
                                                            "its measurements are not a result"))


def all_trained(p: dict) -> tuple[bool, list[str]]:
    """Every trained run's :func:`trained` verdict."""
    res = [trained(n, p[n]) for n in TRAINED_RUNS]
    return all(ok for ok, _ in res), [d for _, d in res]


# ---------------------------------------------------------------------------
# the table and the curves
# ---------------------------------------------------------------------------

def table_complete(p: dict) -> tuple[bool, str]:
    """Every encoder has every factor's entry, finite and consistent
    (``normalized = (acc - chance) / (1 - chance)``), and every trained run a learning curve of
    at least 5 points from step 0 with every factor."""
    bad = []
    for enc in ENCODERS:
        if enc not in p:
            bad.append(f"{enc} missing")
            continue
        for f in FACTORS:
            e = p[enc].get(f, {})
            vals = [e.get(k) for k in ("knn_acc", "chance", "normalized", "linear_acc", "train_normalized")]
            if any(not isinstance(v, (int, float)) or not math.isfinite(v) for v in vals):
                bad.append(f"{enc}/{f} incomplete")
            elif (not 0 < e["chance"] < 1
                  or abs(e["normalized"] - (e["knn_acc"] - e["chance"]) / (1 - e["chance"])) > 1e-9):
                bad.append(f"{enc}/{f} inconsistent")
    for enc in TRAINED_RUNS:
        curve = p.get(enc, {}).get("curve") or []
        if len(curve) < 5 or curve[0]["step"] != 0 or any(set(pt["normalized"]) != set(FACTORS) for pt in curve):
            bad.append(f"{enc} curve has {len(curve)} points")
        elif [pt["step"] for pt in curve] != sorted({pt["step"] for pt in curve}):
            bad.append(f"{enc} curve steps not increasing")
    n_points = {enc: len(p.get(enc, {}).get("curve") or []) for enc in TRAINED_RUNS}
    return not bad, (f"{len(ENCODERS)} encoders x {len(FACTORS)} factors; curve points {n_points}; problems: "
                     + (", ".join(bad) if bad else "none"))


def factor_dynamics(curve: list[dict], factor: str) -> dict:
    """One factor on a learning curve: ``start`` (step 0), ``end`` (last point), ``moved_at``
    (the first step whose value differs from ``start`` by at least :data:`MOVED`, None if none),
    ``images_at`` (images seen by then) and ``total`` (the last step)."""
    v = np.array([pt["normalized"][factor] for pt in curve])
    steps = [pt["step"] for pt in curve]
    moved = np.nonzero(np.abs(v - v[0]) >= MOVED)[0]
    i = int(moved[0]) if moved.size else None
    return {"start": float(v[0]), "end": float(v[-1]), "moved_at": None if i is None else steps[i],
            "images_at": None if i is None else curve[i]["images_seen"], "total": steps[-1],
            "direction": "up" if v[-1] > v[0] else "down"}


# ---------------------------------------------------------------------------
# neighbour grids
# ---------------------------------------------------------------------------

def grid_is_well_formed(g: dict) -> tuple[bool, str]:
    """8 rows of 11: a query, then its 10 nearest other images of the set by non-decreasing
    distance; the 8 queries distinct, none listed among its own neighbours."""
    img, dist, idx = g["images"], g["dists"], g.get("indices")
    ok = img.shape == (8, 11, 64, 64, 3) and dist.shape == (8, 11)
    ok &= bool(np.all(dist[:, 0] == 0)) and bool(np.all(np.diff(dist[:, 1:], axis=1) >= -1e-9))
    ok &= bool(np.all(dist[:, 1:] >= 0))
    if idx is None or idx.shape != (8, 11):
        return False, "the grid has no indices"
    ok &= len(set(idx[:, 0].tolist())) == 8
    ok &= all(idx[r, 0] not in idx[r, 1:] and len(set(idx[r].tolist())) == 11 for r in range(8))
    return bool(ok), (f"shape {img.shape}, 8 distinct queries, none among its own neighbours; neighbour "
                      f"distances {dist[:, 1].min():.3f}..{dist[:, -1].max():.3f}, non-decreasing in every row")


def nn_reference_check(seed: int) -> tuple[bool, str]:
    """``nn_grid`` against a nested-loop nearest-neighbour search on random embeddings."""
    from numerics.shapes.probe import nn_grid

    rng = np.random.default_rng(seed)
    emb = rng.standard_normal((60, 5))
    q = np.array([0, 7, 13, 59])
    got = nn_grid(emb, q, 10)
    ref = []
    for i in q:
        d = [(sum((emb[i, t] - emb[j, t]) ** 2 for t in range(5)), j) for j in range(60) if j != i]
        ref.append([i] + [j for _, j in sorted(d)[:10]])
    return bool(np.array_equal(got, np.array(ref))), f"nn_grid equals the nested-loop reference on {len(q)} queries"
