"""Figures of optimal configurations on the sphere: Tammes packings, angle against N, the
tau -> 0 study and the overlap study.  Every function is pure: results in, Figure out."""

from __future__ import annotations

import numpy as np

from .style import PALETTE, new_figure


def packings_on_sphere(results: dict):
    """``results``: ``{"packings": [{"n": N, "angle_deg": a, "points": (N, 3) list}, ...]}``."""
    packs = results["packings"]
    fig, axes = new_figure(ncols=len(packs), width=6.0, height=2.3,
                           subplot_kw={"projection": "3d"})
    u, v = np.mgrid[0:2 * np.pi:40j, 0:np.pi:20j]
    for ax, p in zip(axes[0], packs):
        x = np.asarray(p["points"])
        ax.plot_wireframe(np.cos(u) * np.sin(v), np.sin(u) * np.sin(v), np.cos(v),
                          color="0.85", linewidth=0.3)
        # contacts: pairs at the minimum angle
        c = x @ x.T
        np.fill_diagonal(c, -2)
        cmax = c.max()
        for i, j in zip(*np.nonzero(np.triu(c >= cmax - 1e-7, 1))):
            ax.plot(*x[[i, j]].T, color=PALETTE[1], linewidth=1.0)
        ax.scatter(*x.T, color=PALETTE[0], s=14, depthshade=True)
        ax.set_title(f"N = {p['n']}: {p['angle_deg']:.4f}°", fontsize=9)
        ax.set_box_aspect((1, 1, 1))
        ax.set_axis_off()
    return fig


def angle_vs_n(results: dict):
    """``results``: ``{"ours": [[N, deg], ...], "proven": [[N, deg], ...],
    "bench": [{"N", "ours_deg", "generic_deg"}, ...] (optional)}``.

    Top: the smallest angle against N; bottom (when a benchmark is given): how far the generic
    Riemannian optimizer stays below our solver with the same time budget."""
    bench = results.get("bench") or []
    has_gap = bool(bench) and all("generic_deg" in r for r in bench)
    fig, axes = new_figure(ncols=1, nrows=2 if has_gap else 1, width=6.0,
                           height=5.2 if has_gap else 3.6, sharex=True)
    ax = axes[0, 0]
    if bench:
        ns = [r["N"] for r in bench]
        ax.plot(ns, [r["ours_deg"] for r in bench], "-", color=PALETTE[0], linewidth=1.2,
                label="LP / active-set solver (benchmark budget)")
        if has_gap:
            ax.plot(ns, [r["generic_deg"] for r in bench], "-", color=PALETTE[3], linewidth=0.8,
                    label="generic Riemannian CG, same budget")
    ours = np.asarray(results["ours"], dtype=float)
    ax.plot(ours[:, 0], ours[:, 1], "o", color=PALETTE[0], markersize=3.5, label="solver (this key)")
    proven = np.asarray(results["proven"], dtype=float)
    ax.plot(proven[:, 0], proven[:, 1], "x", color=PALETTE[7], markersize=7,
            label="proven optimum (literature)")
    nn = np.linspace(3, max(ours[:, 0].max(), max((r["N"] for r in bench), default=0)), 200)
    # area bound: N caps of angular radius theta/2 fit on the sphere, theta <= 2 arccos(1 - 2/N)
    ax.plot(nn, np.degrees(2 * np.arccos(1 - 2 / nn)), ":", color="0.4", linewidth=1,
            label=r"area bound $2\arccos(1-2/N)$")
    ax.set_ylabel("smallest pairwise angle (deg)")
    ax.set_yscale("log")
    ax.legend(loc="upper right", fontsize=8)
    if has_gap:
        bx = axes[1, 0]
        gap = np.array([r["ours_deg"] - r["generic_deg"] for r in bench])
        ns = np.array([r["N"] for r in bench])
        pos = gap > 1e-12
        bx.semilogy(ns[pos], gap[pos], "o", color=PALETTE[3], markersize=3,
                    label="ours minus generic (deg)")
        if (~pos).any():
            bx.plot(ns[~pos], np.full((~pos).sum(), 1e-12), "v", color=PALETTE[7], markersize=3,
                    label="generic not worse (shown at 1e-12)")
        bx.set_ylabel("angle gap (deg)")
        bx.set_xlabel("number of points N on $\\mathbb{S}^2$")
        bx.legend(fontsize=8)
    else:
        ax.set_xlabel("number of points N on $\\mathbb{S}^2$")
    return fig


def tau_to_zero(results: dict):
    """``results``: ``{"studies": [{"n", "d", "tammes_deg", "taus": [...], "angles_deg": [...]}]}``."""
    fig, axes = new_figure(ncols=2, width=6.0, height=2.8)
    a0, a1 = axes[0]
    for k, s in enumerate(results["studies"]):
        col = PALETTE[k % len(PALETTE)]
        taus = np.asarray(s["taus"])
        ang = np.asarray(s["angles_deg"])
        a0.plot(taus, ang, "o-", color=col, markersize=3.5, label=f"N = {s['n']}, d = {s['d']}")
        a0.axhline(s["tammes_deg"], color=col, linestyle="--", linewidth=0.8)
        gap = s["tammes_deg"] - ang
        ok = gap > 0
        a1.loglog(taus[ok], gap[ok], "o-", color=col, markersize=3.5)
    ref = np.array([min(min(s["taus"]) for s in results["studies"]), 1.0])
    a1.loglog(ref, 10 * ref, ":", color="0.4", linewidth=1, label=r"slope 1 ($\propto\tau$)")
    a0.set_xscale("log")
    a0.set_xlabel(r"temperature $\tau$")
    a0.set_ylabel("smallest angle of the optimum (deg)")
    a0.set_title("dashed: Tammes angle (solver)", fontsize=9)
    a0.legend(fontsize=8)
    a1.set_xlabel(r"temperature $\tau$")
    a1.set_ylabel("Tammes angle minus angle (deg)")
    a1.legend(fontsize=8)
    fig.tight_layout()
    return fig


def overlap_study(results: dict):
    """``results``: output of ``numerics.configurations.overlap_study``."""
    rows = results["rows"]
    fig, axes = new_figure(ncols=2, width=6.0, height=2.8)
    a0, a1 = axes[0]
    ov = np.array([r["overlap"] for r in rows])

    def col(key):
        return np.array([float("nan") if isinstance(r[key], str) else r[key] for r in rows], dtype=float)

    a0.plot(ov, col("private_distance"), "o-", color=PALETTE[0],
            label=r"private points of $S_i$ vs of $S_j$")
    a0.plot(ov, col("mean_distance"), "s-", color=PALETTE[1], label="mean features of the groups")
    a0.plot(ov, col("margin_other"), "^--", color=PALETTE[2], label="smallest margin, other groups")
    a0.plot(ov, col("margin_01"), "v:", color=PALETTE[3], label=r"margin$_{i\to j}$")
    a0.set_xlabel(r"overlap $|S_i\cap S_j| / |S_i|$")
    a0.set_ylabel("Euclidean distance on $\\mathbb{S}^{d-1}$")
    a0.legend(fontsize=7)
    a1.plot(ov, col("shared_to_0"), "o-", color=PALETTE[0], label=r"shared to private of $S_i$")
    a1.plot(ov, col("shared_to_1"), "x--", color=PALETTE[1], label=r"shared to private of $S_j$")
    a1.plot(ov, col("private_distance") / 2, ":", color="0.4", label="half the private distance")
    a1.set_xlabel(r"overlap $|S_i\cap S_j| / |S_i|$")
    a1.set_ylabel("distance")
    a1.set_title("where the shared points go", fontsize=9)
    a1.legend(fontsize=7)
    fig.tight_layout()
    return fig


def packing_certificate(results: dict):
    """One packing with its certificate: the points and contact graph on the sphere (first two
    coordinates' projection for d > 3), and the histogram of the angles between each point and
    its nearest neighbours.  ``results``: ``{"n", "d", "angle_deg", "points": (n, d) list,
    "contacts": (m, 2) list, "stress": (m,) list, "gap_deg": float | None}``."""
    x = np.asarray(results["points"], dtype=float)
    contacts = np.asarray(results["contacts"], dtype=int).reshape(-1, 2)
    d = x.shape[1]
    import matplotlib.pyplot as plt

    from .style import RC
    with plt.rc_context(RC):
        fig = plt.figure(figsize=(9.0, 4.2))
        ax = fig.add_subplot(1, 2, 1, projection="3d" if d == 3 else None)
        stress = np.asarray(results.get("stress") or np.ones(len(contacts)), dtype=float)
        width = 0.6 + 2.4 * stress / stress.max() if len(stress) and stress.max() > 0 else np.ones(len(contacts))
        if d == 3:
            u, v = np.mgrid[0:2 * np.pi:40j, 0:np.pi:20j]
            ax.plot_wireframe(np.cos(u) * np.sin(v), np.sin(u) * np.sin(v), np.cos(v), color="0.88", linewidth=0.3)
            for (i, j), w in zip(contacts, width):
                # the great-circle arc between the two points, so that edges lie on the sphere
                t = np.linspace(0, 1, 12)[:, None]
                arc = (1 - t) * x[i] + t * x[j]
                arc /= np.linalg.norm(arc, axis=1, keepdims=True)
                ax.plot(*arc.T, color=PALETTE[1], linewidth=w)
            ax.scatter(*x.T, color=PALETTE[0], s=10, depthshade=True)
            ax.set_box_aspect((1, 1, 1), zoom=1.4)
            ax.set_axis_off()
        else:
            for (i, j), w in zip(contacts, width):
                ax.plot(*x[[i, j], :2].T, color=PALETTE[1], linewidth=w)
            ax.scatter(x[:, 0], x[:, 1], color=PALETTE[0], s=10)
            ax.set_aspect("equal")
            ax.set_xlabel("x1")
            ax.set_ylabel("x2")
        gap = results.get("gap_deg")
        ax.set_title(f"N = {len(x)}, d = {d}: {results['angle_deg']:.6f}°, {len(contacts)} contacts"
                     + ("" if gap is None else f"\ngap to best known {gap:.1e}°"), fontsize=9)
        ax2 = fig.add_subplot(1, 2, 2)
        c = np.clip(x @ x.T, -1, 1)
        np.fill_diagonal(c, -1)
        k = min(len(x) - 1, 12)
        nearest = np.degrees(np.arccos(-np.sort(-c, axis=1)[:, :k])).ravel()
        ax2.hist(nearest, bins=60, color=PALETTE[0])
        ax2.axvline(results["angle_deg"], color=PALETTE[3], linestyle="--", label="minimum angle")
        ax2.set_xlabel(f"angle to each of the {k} nearest neighbours (degrees)")
        ax2.set_ylabel("count")
        ax2.legend()
        fig.tight_layout()
    return fig
