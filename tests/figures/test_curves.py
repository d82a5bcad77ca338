"""The learning-curve figure: one panel per trained encoder, one line per factor, the untrained level dashed."""

import math

import matplotlib

matplotlib.use("Agg")


def _curve(n=6, start=0.3, end=0.9):
    return [{"step": 10 * k, "images_seen": 640 * k, "loss": 3.0 - 0.3 * k,
             "normalized": {f: start + (end - start) * k / (n - 1) for f in ("shape", "color", "location")}}
            for k in range(n)]


def test_plot_learning_curves_draws_every_factor_and_the_untrained_level():
    from figures.curves import plot_learning_curves

    encs = ("autoencoder", "contrastive_A", "contrastive_B", "contrastive_C")
    fig = plot_learning_curves({"curves": {e: _curve() for e in encs}, "scales": {e: math.log(32) for e in encs},
                                "profile": "fast"})
    panels = [ax for ax in fig.axes if ax.get_title()]
    assert [ax.get_title() for ax in panels] == ["autoencoder", "contrastive A", "contrastive B", "contrastive C"]
    for ax in panels:
        solid = [ln for ln in ax.get_lines() if ln.get_linestyle() == "-"]
        dashed = [ln for ln in ax.get_lines() if ln.get_linestyle() == "--"]
        assert len(solid) == 3 and len(dashed) == 3
        assert {tuple(ln.get_ydata()) for ln in dashed} == {(0.3, 0.3)}  # the step-0 level of each factor


def test_loss_scale_is_log_b_for_contrastive_runs_and_the_first_loss_for_the_autoencoder():
    from figures.curves import loss_scale

    assert loss_scale({"config": {"objective": "contrastive", "batch_size": 32}, "curve": _curve()}) == math.log(32)
    assert loss_scale({"config": {"objective": "autoencoder", "batch_size": 64}, "curve": _curve()}) == 3.0
