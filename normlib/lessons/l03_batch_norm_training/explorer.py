"""Explorer for notebook 03: how noisy the batch statistics are, batch size by batch size.

One hidden unit's values on the training digits are the population; mini-batches of size m are
drawn from it without replacement (:func:`~normlib.lessons.l03_batch_norm_training.experiments.batch_noise`, computed once, cached).
Left: μ_B and σ_B of 200 of those batches. Middle: the spread of μ_B and σ_B across 1,000 batches
against m, with the prediction σ/√m. Right: one fixed example normalized inside 200 different
batches — its BN output depends on its companions, and with m = 1 it is always β.
"""

import numpy as np

from .experiments import batch_noise
from ...explorer import Explorer
from ...palette import COLORS

BLUE, ORANGE, GREEN, GREY = COLORS.blue, COLORS.orange, COLORS.green, "0.45"
SHOWN = 200          # batches drawn as dots (the spreads use all of them)
YLIM_BATCHES = (-0.4, 2.5)     # left panel: fits m = 16 (μ_B, σ_B in −0.12…2.3); beyond: ▲/▼ at the edge
YLIM_EXAMPLE = (-1.6, 2.8)     # right panel: every output for m ≥ 2 fits
# m at which the middle panel marks the measured spreads (about evenly spaced on the log axis)
MARKED_M = (1, 2, 3, 4, 6, 8, 11, 16, 23, 32, 45, 64, 91, 128, 181, 256)
TEXT = 8.5
LEGEND = dict(loc="lower left", bbox_to_anchor=(-0.02, 1.0), fontsize=8, frameon=False, handlelength=1.6,
              handletextpad=0.4, columnspacing=0.9, borderaxespad=0.2, title_fontsize=TEXT,
              alignment="left")


class BatchNoiseExplorer(Explorer):
    name = "l03_batch_norm_training"
    title = "Batch statistics are noisy: μ_B and σ_B from batch to batch, for batch sizes 1 to 256"
    caption = ("move m: the spread of μ_B follows σ/√m at every m; σ_B's does not at small m; "
               "one example's output depends on its batch (at m = 1 it is always β)")
    figsize = (9.6, 4.9)

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
        # (a) μ_B and σ_B of each shown batch; values beyond the axis drawn as ▲/▼ on its edge
        self.dots_mu = ax_b.scatter(idx, np.zeros(SHOWN), s=7, color=BLUE, label="μ_B of a batch")
        self.dots_sd = ax_b.scatter(idx, np.zeros(SHOWN), s=7, color=ORANGE, marker="s",
                                    label="σ_B of a batch")
        pop_mu = ax_b.axhline(r.mu, color=BLUE, lw=1.3, label=f"population μ = {r.mu:.2f}")
        pop_sd = ax_b.axhline(r.sigma, color=ORANGE, lw=1.3, label=f"population σ = {r.sigma:.2f}")
        self.band = [ax_b.axhline(r.mu, color="k", lw=1, ls="--") for _ in range(2)]
        self.band[0].set_label("μ ± predicted SD")
        self.clipped = [ax_b.scatter([], [], s=22, marker=mk, clip_on=False, zorder=3) for mk in ("^", "v")]
        for c in self.clipped:
            c.set_facecolor(GREY)
        ax_b.set(xlim=(-3, SHOWN + 2), ylim=YLIM_BATCHES, xlabel="batch number (200 of the batches)",
                 ylabel="h1 (pre-activation value)")
        ax_b.legend([self.dots_mu, pop_mu, self.band[0], self.dots_sd, pop_sd],
                    [h.get_label() for h in (self.dots_mu, pop_mu, self.band[0], self.dots_sd, pop_sd)],
                    ncol=2, title="(a) μ_B and σ_B of 200 batches of size m\n(▲▼: a value beyond the axis)",
                    **LEGEND)
        # (b) spread across batches against m, log-log: the predictions as lines, the measurements as marks
        mk = np.array(MARKED_M)
        mk = mk[mk <= r.max_m]
        ax_s.loglog(self.ms, r.predicted_spread_mean(self.ms), color="0.75", lw=4.5, solid_capstyle="butt",
                    label="σ/√m")
        ax_s.loglog(self.ms, r.predicted_spread_mean(self.ms, finite_population=True), color="k",
                    ls=":", lw=1.4, label="σ/√m·√((N−m)/(N−1))")
        ax_s.loglog(mk, r.spread_mean[mk - 1], "o", color=BLUE, ms=4.5, label="μ_B, measured")
        ax_s.loglog(mk[1:], r.spread_std[mk[1:] - 1], "s-", color=ORANGE, ms=4, lw=1,
                    label="σ_B, measured")
        self.cursor = ax_s.axvline(1, ymin=0.36, color=GREY, lw=1)   # stops above the legend
        self.spread_marks = ax_s.scatter([1, 1], [1, 1], s=60, facecolor="none", edgecolor="k",
                                         linewidth=1.2, zorder=3)
        ax_s.set(xlim=(1, r.max_m * 1.05), ylim=(0.035, 1.5), xlabel="batch size m (log scale)",
                 ylabel=f"SD across {r.n_batches:,} batches (log scale)")
        ax_s.legend(loc="lower left", fontsize=8, frameon=False, handlelength=1.8, borderaxespad=0.3)
        ax_s.set_title("(b) spread of μ_B: σ/√m at every m;\nspread of σ_B: ≈ 0.5 up to m ≈ 8,\n"
                       "∝ 1/√m only from m ≈ 64", fontsize=TEXT, loc="left")
        # (c) one example's BN output in each batch
        z = (r.values[r.example] - r.mu) / r.sigma
        self.dots_y = ax_e.scatter(idx, np.zeros(SHOWN), s=7, color=GREEN, label="its output y in a batch")
        ax_e.axhline(z, color="k", lw=1.2, ls="--", label=f"(x − μ)/σ = {z:.2f}")
        ax_e.axhline(0, color=GREY, lw=0.8, label="0 = β")
        ax_e.set(xlim=(-3, SHOWN + 2), ylim=YLIM_EXAMPLE, xlabel="batch number (200 of the batches)",
                 ylabel="BN output y = γ·x̂ + β  (γ = 1, β = 0)")
        ax_e.legend(ncol=1, title=f"(c) one example (h1 = {r.values[r.example]:.2f}) in 200 batches", **LEGEND)
        for ax in (ax_b, ax_s, ax_e):
            ax.tick_params(labelsize=8)
            ax.xaxis.label.set_size(TEXT)
            ax.yaxis.label.set_size(TEXT)
        self.heading = fig.suptitle(" \n ", fontsize=9.5)
        self.note = self.heading            # the second line says what the right panel shows
        self.dynamic = ([self.dots_mu, self.dots_sd, self.dots_y, self.spread_marks, self.cursor,
                         self.heading] + self.band + self.clipped)

    def draw(self, m):
        r = self.r
        mean, var = r.stats(m)
        sd = np.sqrt(var)
        idx = np.arange(SHOWN)
        self.dots_mu.set_offsets(np.column_stack([idx, mean[:SHOWN]]))
        self.dots_sd.set_offsets(np.column_stack([idx, sd[:SHOWN]]))
        lo, hi = YLIM_BATCHES
        for marker, beyond, edge in zip(self.clipped, (np.greater, np.less), (hi, lo)):
            pts, cols = [], []
            for values, color in ((mean[:SHOWN], BLUE), (sd[:SHOWN], ORANGE)):
                k = np.flatnonzero(beyond(values, edge))
                pts += [(i, edge) for i in k]
                cols += [color] * len(k)
            marker.set_offsets(np.array(pts, float).reshape(-1, 2))
            marker.set_facecolor(cols if cols else GREY)
        pred = float(r.predicted_spread_mean(m, finite_population=True))
        for line, sign in zip(self.band, (-1, 1)):
            line.set_ydata([r.mu + sign * pred])
        self.cursor.set_xdata([m])
        self.spread_marks.set_offsets([[m, r.spread_mean[m - 1]], [m, max(r.spread_std[m - 1], 1e-9)]])
        y = r.example_outputs(m)
        self.dots_y.set_offsets(np.column_stack([idx, y[:SHOWN]]))
        if m == 1:
            note = "(c) m = 1: x − μ_B = 0, so x̂ = 0 and y = β in every batch, whatever x is"
        elif m == 2:
            note = "(c) m = 2: x̂ = ±1 (almost exactly) in every batch: y says only which of the two is larger"
        else:
            note = f"(c) the example's output: mean {y.mean():.2f}, SD {y.std():.2f} across batches"
        self.heading.set_text(
            f"m = {m}: μ_B varies with SD {r.spread_mean[m - 1]:.3f} from batch to batch "
            f"(σ/√m = {float(r.predicted_spread_mean(m)):.3f}, finite population {pred:.3f}); "
            f"σ_B with SD {r.spread_std[m - 1]:.3f}\n{note}")
