"""What a trained encoder learned, measured per factor (Q7c-d, Q8c-d).

- :func:`nn_grid`: the homework's ``nn_visualize``: for 8 query images, the 10 nearest
  neighbours in the same set by squared L2 distance in embedding space, the query first.
- :func:`knn_accuracy`: per-factor 1-nearest-neighbour accuracy of val queries against the
  train gallery, with its chance level (:func:`chance_level`) and the normalized accuracy
  ``(acc - chance) / (1 - chance)``: 0 when the embedding is blind to the factor, 1 when the
  nearest neighbour always shares it.
- :func:`linear_probe_accuracy`: multinomial logistic regression on train embeddings,
  accuracy on val.
- :func:`alignment`, :func:`uniformity`: Wang & Isola (2020), on unit rows.  In ``probes.json``,
  ``alignment`` is a dict over the augmentations A, B, C (pairs of two independent draws of the
  augmentation of 256 val images), so that it measures each encoder's invariance to each
  augmentation; ``uniformity`` is over the val embeddings.  Both use ``f(x) / ||f(x)||`` for the
  autoencoder and the untrained encoder.
- :func:`run_experiment`: render the data, train (or resume) the four encoders, probe them and
  the untrained encoder (``random_init``), and write ``results/probes.json`` and the
  neighbour grids.

Factors: ``shape`` (3 classes), ``color`` (9), ``location`` (the 3x3 grid cell of the shape's
centre over :data:`numerics.shapes.render.LOCATION_RANGE`).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

from .models import normalize_images
from .train import PROFILES, Profile, choose_device, init_encoder, to_unit_float, train

__all__ = ["FACTORS", "ENCODERS", "embed", "location_bins", "factor_labels", "pairwise_sq_dists",
           "nearest_neighbours", "nn_grid", "chance_level", "knn_accuracy", "linear_probe_accuracy",
           "alignment", "uniformity", "check_unit_rows", "factor_entry", "run_experiment",
           "experiment_dir", "load_probes", "load_nn_grids"]

FACTORS = ("shape", "color", "location")
ENCODERS = ("random_init", "autoencoder", "contrastive_A", "contrastive_B", "contrastive_C")
N_QUERIES, N_NEIGHBOURS = 8, 10


# ---------------------------------------------------------------------------
# embeddings and labels
# ---------------------------------------------------------------------------

@torch.no_grad()
def embed(encoder: torch.nn.Module, images: torch.Tensor, *, batch_size: int = 500,
          device: str | torch.device | None = None, augment_fn: Callable | None = None,
          augmentation: str | None = None, generator: torch.Generator | None = None) -> np.ndarray:
    """``f(x)`` for images ``(n, 3, 64, 64)`` (uint8 or float in [0, 1]) -> float32 ``(n, d)``.

    Preprocessing as in training: to [0, 1], optional ``augment_fn(x, augmentation, generator=)``,
    clamp, ``(x - 0.5) / 0.5``.
    """
    if images.ndim != 4 or tuple(images.shape[1:]) != (3, 64, 64):
        raise ValueError(f"images must have shape (n, 3, 64, 64), got {tuple(images.shape)}")
    dev = next(encoder.parameters()).device if device is None else torch.device(device)
    was_training = encoder.training
    encoder.eval()
    out = []
    for s in range(0, images.shape[0], batch_size):
        x = to_unit_float(images[s:s + batch_size]).to(dev)
        if augment_fn is not None:
            x = augment_fn(x, augmentation, generator=generator)
        out.append(encoder(normalize_images(x)).float().cpu())
    encoder.train(was_training)
    return torch.cat(out).numpy() if out else np.zeros((0, getattr(encoder, "d", 0)), np.float32)


def location_bins(x, y, *, bins: int = 3, lo: float | None = None, hi: float | None = None) -> np.ndarray:
    """The ``bins x bins`` grid cell (row-major, ``row * bins + col``) of centres ``(x, y)``."""
    if lo is None or hi is None:
        from .render import LOCATION_RANGE

        lo, hi = LOCATION_RANGE if lo is None and hi is None else (lo, hi)
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same shape, got {x.shape} and {y.shape}")
    if not hi > lo:
        raise ValueError(f"need hi > lo, got [{lo}, {hi}]")
    col = np.clip(np.floor((x - lo) / (hi - lo) * bins), 0, bins - 1).astype(np.int64)
    row = np.clip(np.floor((y - lo) / (hi - lo) * bins), 0, bins - 1).astype(np.int64)
    return row * bins + col


def factor_labels(factors: dict) -> dict[str, np.ndarray]:
    """``{"shape", "color", "location"}`` integer labels ``(n,)`` from a renderer factor dict."""
    return {"shape": np.asarray(factors["shape"], dtype=np.int64),
            "color": np.asarray(factors["color"], dtype=np.int64),
            "location": location_bins(np.asarray(factors["x"]), np.asarray(factors["y"]))}


# ---------------------------------------------------------------------------
# nearest neighbours
# ---------------------------------------------------------------------------

def pairwise_sq_dists(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Squared Euclidean distances ``(n, m)`` between rows of ``a (n, d)`` and ``b (m, d)``
    (float64, via ``|a|^2 + |b|^2 - 2 a.b``, clipped at 0)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
        raise ValueError(f"need (n, d) and (m, d) arrays, got {a.shape} and {b.shape}")
    d = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * a @ b.T
    return np.maximum(d, 0.0)


def nearest_neighbours(query: np.ndarray, gallery: np.ndarray, k: int, *,
                       exclude: np.ndarray | None = None) -> np.ndarray:
    """Indices ``(q, k)`` of the ``k`` gallery rows nearest each query row (squared L2,
    ties broken by the lower index).  ``exclude[i]``: a gallery index query i may not return."""
    dist = pairwise_sq_dists(query, gallery)
    if not 1 <= k <= dist.shape[1] - (exclude is not None):
        raise ValueError(f"k must be in [1, {dist.shape[1] - (exclude is not None)}], got {k}")
    if exclude is not None:
        dist[np.arange(dist.shape[0]), np.asarray(exclude)] = np.inf
    return np.argsort(dist, axis=1, kind="stable")[:, :k]


def nn_grid(emb: np.ndarray, queries, k: int = N_NEIGHBOURS) -> np.ndarray:
    """The rows of ``nn_visualize``: ``(len(queries), 1 + k)`` indices into ``emb``'s set, the
    query first, then its ``k`` nearest other images of the same set."""
    queries = np.asarray(queries, dtype=np.int64)
    nn = nearest_neighbours(emb[queries], emb, k, exclude=queries)
    return np.concatenate([queries[:, None], nn], axis=1)


def chance_level(labels_query: np.ndarray, labels_gallery: np.ndarray) -> float:
    """1-NN accuracy of an embedding blind to the factor: the probability that a random gallery
    item has the query's label, ``sum_c p_query(c) p_gallery(c)``."""
    lq, lg = np.asarray(labels_query), np.asarray(labels_gallery)
    classes = np.union1d(lq, lg)
    pq = np.array([(lq == c).mean() for c in classes])
    pg = np.array([(lg == c).mean() for c in classes])
    return float(pq @ pg)


def knn_accuracy(emb_query: np.ndarray, labels_query: np.ndarray, emb_gallery: np.ndarray,
                 labels_gallery: np.ndarray, *, chunk: int = 512) -> float:
    """Fraction of queries whose nearest gallery row (squared L2) has the query's label."""
    lq, lg = np.asarray(labels_query), np.asarray(labels_gallery)
    if len(lq) != len(emb_query) or len(lg) != len(emb_gallery):
        raise ValueError("labels and embeddings must have the same number of rows")
    hits = 0
    for s in range(0, len(lq), chunk):
        nn = nearest_neighbours(emb_query[s:s + chunk], emb_gallery, 1)[:, 0]
        hits += int((lg[nn] == lq[s:s + chunk]).sum())
    return hits / len(lq)


def linear_probe_accuracy(x_train: np.ndarray, y_train: np.ndarray, x_val: np.ndarray,
                          y_val: np.ndarray, *, weight_decay: float = 1e-3, max_iter: int = 200) -> float:
    """Multinomial logistic regression (L-BFGS, L2 penalty ``weight_decay``) on standardized
    train features ``(n, d)``; returns the accuracy on val.  Deterministic."""
    xt = torch.as_tensor(np.asarray(x_train), dtype=torch.float64)
    xv = torch.as_tensor(np.asarray(x_val), dtype=torch.float64)
    yt = torch.as_tensor(np.asarray(y_train), dtype=torch.int64)
    yv = torch.as_tensor(np.asarray(y_val), dtype=torch.int64)
    mu, sd = xt.mean(0), xt.std(0).clamp_min(1e-8)
    xt, xv = (xt - mu) / sd, (xv - mu) / sd
    n_classes = int(max(yt.max(), yv.max())) + 1
    w = torch.zeros(xt.shape[1], n_classes, dtype=torch.float64, requires_grad=True)
    b = torch.zeros(n_classes, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([w, b], max_iter=max_iter, line_search_fn="strong_wolfe",
                            tolerance_grad=1e-9, tolerance_change=1e-12)

    def closure():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(xt @ w + b, yt) + weight_decay * (w * w).sum()
        loss.backward()
        return loss

    opt.step(closure)
    with torch.no_grad():
        return float(((xv @ w + b).argmax(1) == yv).double().mean())


# ---------------------------------------------------------------------------
# alignment and uniformity (Wang & Isola 2020)
# ---------------------------------------------------------------------------

def check_unit_rows(z, name: str = "z", *, atol: float = 1e-4) -> np.ndarray:
    """``z`` as float64 ``(n, d)``; raises ValueError naming the first row whose norm is not 1."""
    z = np.asarray(z, dtype=np.float64)
    if z.ndim != 2:
        raise ValueError(f"{name} must be (n, d), got shape {z.shape}")
    norms = np.linalg.norm(z, axis=1)
    bad = np.nonzero(~(np.abs(norms - 1.0) <= atol))[0]
    if bad.size:
        raise ValueError(f"{name} row {int(bad[0])} has norm {norms[bad[0]]:.6g}, not 1")
    return z


def alignment(z1, z2, alpha: float = 2.0) -> float:
    """``E ||f(x) - f(x+)||^alpha`` over positive pairs (unit rows ``(n, d)`` each); 0 = invariant."""
    z1, z2 = check_unit_rows(z1, "z1"), check_unit_rows(z2, "z2")
    if z1.shape != z2.shape:
        raise ValueError(f"shape mismatch: {z1.shape} vs {z2.shape}")
    return float((np.linalg.norm(z1 - z2, axis=1) ** alpha).mean())


def uniformity(z, t: float = 2.0) -> float:
    """``log E_{i<j} exp(-t ||z_i - z_j||^2)`` over distinct pairs of unit rows ``(n, d)``;
    0 when every row is the same point, lower when the rows spread over the sphere."""
    z = check_unit_rows(z, "z")
    if z.shape[0] < 2:
        raise ValueError("uniformity needs at least 2 rows")
    d = pairwise_sq_dists(z, z)
    iu = np.triu_indices(z.shape[0], 1)
    v = -t * d[iu]
    m = v.max()
    return float(m + np.log(np.exp(v - m).mean()))


def _unit(z: np.ndarray) -> np.ndarray:
    z = np.asarray(z, dtype=np.float64)
    return z / np.maximum(np.linalg.norm(z, axis=1, keepdims=True), 1e-12)


# ---------------------------------------------------------------------------
# the experiment
# ---------------------------------------------------------------------------

def factor_entry(emb_train: np.ndarray, labels_train: np.ndarray, emb_val: np.ndarray,
                 labels_val: np.ndarray) -> dict[str, float]:
    """``{"knn_acc", "chance", "normalized", "linear_acc"}`` for one encoder and factor."""
    acc = knn_accuracy(emb_val, labels_val, emb_train, labels_train)
    chance = chance_level(labels_val, labels_train)
    return {"knn_acc": acc, "chance": chance, "normalized": (acc - chance) / (1.0 - chance),
            "linear_acc": linear_probe_accuracy(emb_train, labels_train, emb_val, labels_val)}


def experiment_dir(results_dir: str | Path, profile: str, seed: int) -> Path:
    """Where the checkpoints and neighbour grids of one (profile, seed) live."""
    return Path(results_dir) / "shapes" / f"{profile}-seed{seed}"


def load_probes(results_dir: str | Path, profile: str, seed: int) -> dict | None:
    """``results/probes.json`` if it holds every encoder for this profile and seed, else None."""
    path = Path(results_dir) / "probes.json"
    try:
        probes = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None
    ok = (isinstance(probes, dict) and all(
        isinstance(probes.get(e), dict) and probes[e].get("profile") == profile and probes[e].get("seed") == seed
        for e in ENCODERS))
    grids = experiment_dir(results_dir, profile, seed) / "nn_grids.npz"
    return probes if ok and grids.exists() else None


def load_nn_grids(results_dir: str | Path, profile: str, seed: int) -> dict[str, Any]:
    """The neighbour grids written by :func:`run_experiment`: for each encoder and split,
    ``images`` uint8 ``(8, 11, 64, 64, 3)``, ``labels`` ``(8, 11, 3)`` (shape, colour,
    location) and ``dists`` ``(8, 11)``."""
    path = experiment_dir(results_dir, profile, seed) / "nn_grids.npz"
    with np.load(path) as f:
        data = {k: f[k] for k in f.files}
    out: dict[str, Any] = {"profile": profile, "seed": seed, "grids": {}}
    for key, value in data.items():
        enc, split, field = key.split("__")
        out["grids"].setdefault(enc, {}).setdefault(split, {})[field] = value
    return out


def _atomic_json(path: Path, obj) -> None:
    from tempfile import mkstemp
    import os

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    with os.fdopen(fd, "w") as fh:
        json.dump(obj, fh, indent=1)
    os.replace(tmp, path)


def run_experiment(results_dir: str | Path, profile: str | Profile = "fast", seed: int = 0, *,
                   progress: bool = True, device: str | None = None, force: bool = False,
                   augment_fn: Callable | None = None, n_pairs: int = 256, threads: int | None = 1,
                   log: Callable[[str], None] | None = None) -> dict:
    """Train (or resume) the autoencoder and contrastive encoders A, B, C; probe them and the
    untrained encoder; write ``results/probes.json`` and the neighbour grids; return the probes.

    Reuses ``probes.json`` when it already holds this profile and seed (unless ``force``).
    Training resumes from the checkpoints under :func:`experiment_dir`.  ``threads``: CPU
    threads for torch during the run (restored afterwards); one thread is barely slower than
    two on an idle 2-core machine and several times faster on a busy one.
    """
    prof = PROFILES[profile] if isinstance(profile, str) else profile
    if not force:
        cached = load_probes(Path(results_dir), prof.name, seed)
        if cached is not None:
            return cached
    old_threads = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
    try:
        return _run_experiment(results_dir, prof, seed, progress=progress, device=device,
                               augment_fn=augment_fn, n_pairs=n_pairs, log=log)
    finally:
        torch.set_num_threads(old_threads)


def _run_experiment(results_dir, prof: Profile, seed: int, *, progress, device, augment_fn, n_pairs, log) -> dict:
    results_dir = Path(results_dir)
    from .render import make_dataset, split_indices

    if augment_fn is None:
        from .augment import augment as augment_fn
    say = log or (lambda s: None)
    t_start = time.perf_counter()
    exp = experiment_dir(results_dir, prof.name, seed)
    images, factors = make_dataset(prof.n_images, seed)
    tr, va = split_indices(prof.n_images)
    if len(tr) != prof.n_train or len(va) != prof.n_val:
        raise ValueError(f"profile {prof.name}: split {len(tr)}/{len(va)} differs from {prof.n_train}/{prof.n_val}")
    train_images = images[tr]
    labels = factor_labels(factors)
    lt = {k: v[tr.numpy()] for k, v in labels.items()}
    lv = {k: v[va.numpy()] for k, v in labels.items()}
    pt = np.arange(len(tr)) if prof.probe_train is None else np.arange(min(prof.probe_train, len(tr)))
    pv = np.arange(len(va)) if prof.probe_val is None else np.arange(min(prof.probe_val, len(va)))
    say(f"data: {prof.n_images} images rendered in {time.perf_counter() - t_start:.1f}s")

    runs = {}
    for objective, aug in (("autoencoder", None), ("contrastive", "A"), ("contrastive", "B"), ("contrastive", "C")):
        cfg = prof.config(objective, aug, seed=seed)
        r = train(cfg, train_images, checkpoint_dir=exp / cfg.name, device=device, progress=progress,
                  augment_fn=augment_fn if objective == "contrastive" else None)
        say(f"{cfg.name}: {len(r.history)} steps, loss {r.history[0]:.4f} -> {r.final_loss:.4f}, "
            f"{r.train_seconds:.1f}s")
        runs[cfg.name] = r

    encoders = {"random_init": init_encoder(prof.d, seed, normalize=True)}
    encoders.update({name: r.encoder for name, r in runs.items()})
    rng = np.random.default_rng(seed + 12345)
    queries = {"train": np.sort(rng.choice(len(pt), N_QUERIES, replace=False)),
               "val": np.sort(rng.choice(len(pv), N_QUERIES, replace=False))}
    split_images = {"train": images[tr][pt], "val": images[va][pv]}
    split_labels = {"train": {k: v[pt] for k, v in lt.items()}, "val": {k: v[pv] for k, v in lv.items()}}
    probes, grids = {}, {}
    pair_idx = np.sort(rng.choice(len(pv), min(n_pairs, len(pv)), replace=False))
    pair_images = split_images["val"][pair_idx]
    for name, enc in encoders.items():
        t0 = time.perf_counter()
        enc = enc.to(choose_device(device))
        emb = {s: embed(enc, split_images[s]) for s in ("train", "val")}
        entry = {f: factor_entry(emb["train"], split_labels["train"][f], emb["val"], split_labels["val"][f])
                 for f in FACTORS}
        align = {}
        for aug in ("A", "B", "C"):
            g = torch.Generator(device=next(enc.parameters()).device).manual_seed(seed + 777)
            z1 = embed(enc, pair_images, augment_fn=augment_fn, augmentation=aug, generator=g)
            z2 = embed(enc, pair_images, augment_fn=augment_fn, augmentation=aug, generator=g)
            align[aug] = alignment(_unit(z1), _unit(z2))
        entry["alignment"] = align
        entry["uniformity"] = uniformity(_unit(emb["val"]))
        entry["train_seconds"] = runs[name].train_seconds if name in runs else 0.0
        entry["profile"] = prof.name
        entry["seed"] = seed
        entry["steps"] = len(runs[name].history) if name in runs else 0
        entry["final_loss"] = runs[name].final_loss if name in runs else None
        entry["first_loss"] = runs[name].history[0] if name in runs else None
        entry["epoch_losses"] = runs[name].epoch_losses if name in runs else []
        entry["normalized_embedding"] = name != "autoencoder"
        probes[name] = entry
        for s in ("train", "val"):
            rows = nn_grid(emb[s], queries[s])
            dist = pairwise_sq_dists(emb[s][rows[:, :1].ravel()], emb[s])
            grids[f"{name}__{s}__images"] = split_images[s][torch.as_tensor(rows)].permute(0, 1, 3, 4, 2).numpy()
            grids[f"{name}__{s}__labels"] = np.stack([split_labels[s][f][rows] for f in FACTORS], axis=-1)
            dd = np.take_along_axis(dist, rows, axis=1)
            dd[:, 0] = 0.0  # the query's distance to itself (the expansion leaves ~1e-16)
            grids[f"{name}__{s}__dists"] = dd
        say(f"probe {name}: " + ", ".join(f"{f} {entry[f]['normalized']:.2f}" for f in FACTORS)
            + f" ({time.perf_counter() - t0:.1f}s)")
    exp.mkdir(parents=True, exist_ok=True)
    tmp = exp / "nn_grids.tmp.npz"
    np.savez_compressed(tmp, **grids)
    tmp.replace(exp / "nn_grids.npz")
    _atomic_json(results_dir / "probes.json", probes)
    _atomic_json(exp / "summary.json", {"profile": prof.name, "seed": seed,
                                        "wall_seconds": time.perf_counter() - t_start,
                                        "n_train": prof.n_train, "n_val": prof.n_val,
                                        "probe_train": len(pt), "probe_val": len(pv)})
    return probes


def _palette_class(rgb: np.ndarray, palette: np.ndarray) -> np.ndarray:
    """Nearest palette colour ``(n,)`` of mean colours ``rgb (n, 3)`` (values in [0, 1])."""
    d = ((rgb[:, None, :] - palette[None, :, :]) ** 2).sum(-1)
    return d.argmin(1)


@torch.no_grad()
def autoencoder_measurements(results_dir: str | Path, profile: str | Profile = "fast", seed: int = 0, *,
                             n_codes: int = 2000, n_triples: int = 20000, device: str | None = None,
                             progress: bool = False) -> dict:
    """What the trained autoencoder ``(f, g)`` does, for Q7a: on ``n_codes`` train and val images,

    - ``min_code_dist``: the smallest distance between codes of distinct training images, and
      ``self_retrieval``: how often a training image's nearest training code is its own (index
      decided by ``f``);
    - ``recon_colour_acc_{train,val}``: how often the mean colour of the reconstruction's bright
      pixels (max channel > 0.5) is nearest the true palette colour (colour decided by ``g o f``);
    - ``eq13_fraction``: the fraction of random red-red-blue training triples with Eq. (13);
    - ``background_black_{train,val}``: the fraction of true background pixels reconstructed
      with every channel below 0.1, and ``background_mean_abs`` their mean absolute value.
    Trains (or resumes) the autoencoder when its checkpoint is not finished.
    """
    from .render import PALETTE, make_dataset, shape_masks, split_indices

    prof = PROFILES[profile] if isinstance(profile, str) else profile
    images, factors = make_dataset(prof.n_images, seed)
    tr, va = split_indices(prof.n_images)
    cfg = prof.config("autoencoder", seed=seed)
    ae = train(cfg, images[tr], checkpoint_dir=experiment_dir(results_dir, prof.name, seed) / cfg.name,
               device=device, progress=progress).model
    ae.eval()
    dev = next(ae.parameters()).device
    masks = shape_masks(factors).numpy()
    colours = np.asarray(factors["color"])
    palette = PALETTE.numpy().astype(np.float64)
    out: dict[str, Any] = {"profile": prof.name, "seed": seed}
    rng = np.random.default_rng(seed + 99)
    for split, idx in (("train", tr.numpy()[:n_codes]), ("val", va.numpy()[:n_codes])):
        codes, recs = [], []
        for s in range(0, len(idx), 250):
            x = normalize_images(to_unit_float(images[idx[s:s + 250]]).to(dev))
            z = ae.encoder(x)
            codes.append(z.double().cpu())
            recs.append(((ae.decoder(z) * 0.5 + 0.5).clamp(0, 1)).float().cpu())
        codes = torch.cat(codes).numpy()
        rec = torch.cat(recs).numpy()  # (n, 3, 64, 64) in [0, 1]
        bright = rec.max(1) > 0.5  # (n, 64, 64)
        mean_rgb = np.stack([(rec[i][:, bright[i]].mean(1) if bright[i].any() else np.full(3, -9.0))
                             for i in range(len(idx))])
        pred = _palette_class(mean_rgb, palette)
        out[f"recon_colour_acc_{split}"] = float((pred == colours[idx]).mean())
        bg = ~masks[idx]
        bg_vals = rec.transpose(1, 0, 2, 3)[:, bg]  # (3, n_bg)
        out[f"background_black_{split}"] = float((bg_vals.max(0) < 0.1).mean())
        out[f"background_mean_abs_{split}"] = float(np.abs(bg_vals).mean())
        out[f"recon_mse_{split}"] = float(((rec - to_unit_float(images[idx]).numpy()) ** 2).mean())
        if split == "train":
            d = pairwise_sq_dists(codes, codes)
            np.fill_diagonal(d, np.inf)
            out["min_code_dist"] = float(np.sqrt(d.min()))
            np.fill_diagonal(d, 0.0)
            out["self_retrieval"] = float((np.argmin(d, axis=1) == np.arange(len(idx))).mean())
            c = colours[idx]
            reds, blues = np.nonzero(c == 0)[0], np.nonzero(c == 6)[0]
            x = rng.choice(reds, n_triples)
            y = rng.choice(reds, n_triples)
            z = rng.choice(blues, n_triples)
            keep = x != y
            x, y, z = x[keep], y[keep], z[keep]
            dxy = np.linalg.norm(codes[x] - codes[y], axis=1)
            dxz = np.linalg.norm(codes[x] - codes[z], axis=1)
            out["eq13_fraction"] = float((dxy < dxz).mean())
            out["eq13_triples"] = int(keep.sum())
            out["n_codes"] = len(idx)
    return out


def load_trained_encoder(results_dir: str | Path, name: str, profile: str | Profile = "fast",
                         seed: int = 0, *, device: str | None = None):
    """The trained encoder ``name`` (``autoencoder`` or ``contrastive_A/B/C``) from its
    checkpoint, training (or resuming) it when the checkpoint is not finished."""
    from .render import make_dataset, split_indices

    prof = PROFILES[profile] if isinstance(profile, str) else profile
    if name == "random_init":
        return init_encoder(prof.d, seed, normalize=True)
    cfg = prof.config("autoencoder", seed=seed) if name == "autoencoder" else \
        prof.config("contrastive", name.rsplit("_", 1)[-1], seed=seed)
    images, _ = make_dataset(prof.n_images, seed)
    tr, _ = split_indices(prof.n_images)
    return train(cfg, images[tr], checkpoint_dir=experiment_dir(results_dir, prof.name, seed) / cfg.name,
                 device=device, progress=False).encoder
