"""Explorer for notebook 03: how noisy the batch statistics are, batch size by batch size.

One hidden unit's values on the training digits are the population; mini-batches of size m are
drawn from it without replacement (:func:`~normlib.lessons.l03_batch_norm_training.experiments.batch_noise`, computed once, cached).
Left: μ_B and σ_B of 200 of those batches. Middle: the spread of μ_B and σ_B across 1,000 batches
against m, with the prediction σ/√m. Right: one fixed example normalized inside 200 different
batches — its BN output depends on its companions, and with m = 1 it is always β.
"""

import numpy as np

from .experiments import batch_noise
from ...explorer import OKABE_ITO, Explorer

BLUE, ORANGE, GREEN, GREY = OKABE_ITO[0], OKABE_ITO[1], OKABE_ITO[2], "0.45"
SHOWN = 200          # batches drawn as dots (the spreads use all of them)
LEGEND = dict(loc="upper center", bbox_to_anchor=(0.5, -0.2), fontsize=7, ncol=2, frameon=False,
              handlelength=1.5, columnspacing=1)


class BatchNoiseExplorer(Explorer):
    name = "l03_batch_norm_training"
    title = "Batch statistics are noisy: μ_B and σ_B from batch to batch, for batch sizes 1 to 256"
    figsize = (9.6, 4.3)

    @classmethod
    def small(cls):
        """Built from 200 batches per size (the dots shown) instead of the notebook's 1,000."""
        return cls(batch_noise(n_batches=SHOWN))

    def __init__(self, results=None):
        self.r = results if results is not None else batch_noise()
        self.ms = np.arange(1, self.r.max_m + 1)
        super().__init__()

    def make_controls(self):
        import ipywidgets as W
        return {"m": W.IntSlider(min=1, max=self.r.max_m, value=16, description="batch size m",
                                 style={"description_width": "initial"})}

    def make_figure(self, fig):
        r = self.r
        ax_b, ax_s, ax_e = fig.subplots(1, 3, width_ratios=[1.15, 1, 1.15])
        idx = np.arange(SHOWN)
        # (a) μ_B and σ_B of each shown batch
        self.dots_mu = ax_b.scatter(idx, np.zeros(SHOWN), s=6, color=BLUE, label="μ_B")
        self.dots_sd = ax_b.scatter(idx, np.zeros(SHOWN), s=6, color=ORANGE, marker="s", label="σ_B")
        ax_b.axhline(r.mu, color=BLUE, lw=1.2, label=f"population μ = {r.mu:.2f}")
        ax_b.axhline(r.sigma, color=ORANGE, lw=1.2, label=f"population σ = {r.sigma:.2f}")
        self.band = [ax_b.axhline(r.mu, color=BLUE, lw=1, ls="--") for _ in range(2)]
        ax_b.set(xlim=(-3, SHOWN + 2), ylim=(-1.5, 4.0), xlabel="batch number",
                 ylabel="h1 (pre-activation value)")
        ax_b.set_title("μ_B and σ_B of 200 batches\n(dashed: μ ± predicted spread)", fontsize=9)
        ax_b.legend(**LEGEND)
        # (b) spread across batches against m, log-log
        ax_s.loglog(self.ms, r.spread_mean, color=BLUE, lw=1.5, label="spread of μ_B (measured)")
        ax_s.loglog(self.ms, r.predicted_spread_mean(self.ms), color="k", ls="--", lw=1,
                    label="σ/√m")
        ax_s.loglog(self.ms, r.predicted_spread_mean(self.ms, finite_population=True), color="k",
                    ls=":", lw=1.2, label="σ/√m·√((N−m)/(N−1))")
        ax_s.loglog(self.ms[1:], r.spread_std[1:], color=ORANGE, lw=1.5, label="spread of σ_B (measured)")
        self.cursor = ax_s.axvline(1, color=GREY, lw=1)
        self.spread_marks = ax_s.scatter([1, 1], [1, 1], s=25, color=[BLUE, ORANGE], zorder=3)
        ax_s.set(xlim=(1, r.max_m), ylim=(0.03, 2.0), xlabel="batch size m (log scale)",
                 ylabel=f"std across {r.n_batches} batches")
        ax_s.set_title("spread ∝ 1/√m", fontsize=9)
        ax_s.legend(**LEGEND)
        # (c) one example's BN output in each batch
        z = (r.values[r.example] - r.mu) / r.sigma
        self.dots_y = ax_e.scatter(idx, np.zeros(SHOWN), s=6, color=GREEN, label="its output y in batch k")
        ax_e.axhline(z, color="k", lw=1, ls="--", label=f"(x − μ)/σ = {z:.2f} (population)")
        ax_e.axhline(0, color=GREY, lw=0.8)
        ax_e.set(xlim=(-3, SHOWN + 2), ylim=(-3.0, 4.0), xlabel="batch number",
                 ylabel="BN output y = γ·x̂ + β  (γ = 1, β = 0)")
        ax_e.set_title(f"one example (h1 = {r.values[r.example]:.2f}) in 200 batches", fontsize=9)
        ax_e.legend(**LEGEND)
        self.note = ax_e.text(0.03, 0.04, " ", transform=ax_e.transAxes, fontsize=7.5, va="bottom",
                              bbox=dict(facecolor="white", edgecolor="0.7", alpha=0.9))
        self.heading = fig.suptitle(" ", fontsize=10)
        self.dynamic = ([self.dots_mu, self.dots_sd, self.dots_y, self.spread_marks, self.cursor,
                         self.note, self.heading] + self.band)

    def draw(self, m):
        r = self.r
        mean, var = r.stats(m)
        sd = np.sqrt(var)
        idx = np.arange(SHOWN)
        self.dots_mu.set_offsets(np.column_stack([idx, mean[:SHOWN]]))
        self.dots_sd.set_offsets(np.column_stack([idx, sd[:SHOWN]]))
        pred = float(r.predicted_spread_mean(m, finite_population=True))
        for line, sign in zip(self.band, (-1, 1)):
            line.set_ydata([r.mu + sign * pred])
        self.cursor.set_xdata([m])
        self.spread_marks.set_offsets([[m, r.spread_mean[m - 1]], [m, r.spread_std[m - 1]]])
        y = r.example_outputs(m)
        self.dots_y.set_offsets(np.column_stack([idx, y[:SHOWN]]))
        if m == 1:
            note = "m = 1: x − μ_B = 0, so x̂ = 0 and\ny = β in every batch, whatever x is"
        elif m == 2:
            note = "m = 2: x̂ = ±1 (almost exactly)\nin every batch"
        else:
            note = f"y varies by ±{y.std():.2f} across batches\n(mean {y.mean():.2f})"
        self.note.set_text(note)
        self.heading.set_text(
            f"m = {m}: μ_B varies by ±{r.spread_mean[m - 1]:.3f} from batch to batch "
            f"(prediction σ/√m = {float(r.predicted_spread_mean(m)):.3f}, "
            f"finite-population {pred:.3f}), σ_B by ±{r.spread_std[m - 1]:.3f}")
