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
from ...i18n import t
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
        return {"m": W.IntSlider(min=1, max=self.r.max_m, value=16, description=t("l03.explorer.control_m"),
                                 style={"description_width": "initial"})}

    def make_figure(self, fig):
        r = self.r
        ax_b, ax_s, ax_e = fig.subplots(1, 3, width_ratios=[1.15, 1, 1.15])
        idx = np.arange(SHOWN)
        # (a) μ_B and σ_B of each shown batch; values beyond the axis drawn as ▲/▼ on its edge
        self.dots_mu = ax_b.scatter(idx, np.zeros(SHOWN), s=7, color=BLUE, label=t("l03.explorer.mu_dots"))
        self.dots_sd = ax_b.scatter(idx, np.zeros(SHOWN), s=7, color=ORANGE, marker="s",
                                    label=t("l03.explorer.sd_dots"))
        pop_mu = ax_b.axhline(r.mu, color=BLUE, lw=1.3, label=t("l03.explorer.pop_mu", mu=r.mu))
        pop_sd = ax_b.axhline(r.sigma, color=ORANGE, lw=1.3, label=t("l03.explorer.pop_sd", sd=r.sigma))
        self.band = [ax_b.axhline(r.mu, color="k", lw=1, ls="--") for _ in range(2)]
        self.band[0].set_label(t("l03.explorer.band"))
        self.clipped = [ax_b.scatter([], [], s=22, marker=mk, clip_on=False, zorder=3) for mk in ("^", "v")]
        for c in self.clipped:
            c.set_facecolor(GREY)
        ax_b.set(xlim=(-3, SHOWN + 2), ylim=YLIM_BATCHES, xlabel=t("l03.explorer.batch_axis"),
                 ylabel=t("l03.explorer.h1_axis"))
        ax_b.legend([self.dots_mu, pop_mu, self.band[0], self.dots_sd, pop_sd],
                    [h.get_label() for h in (self.dots_mu, pop_mu, self.band[0], self.dots_sd, pop_sd)],
                    ncol=2, title=t("l03.explorer.legend_a"),
                    **LEGEND)
        # (b) spread across batches against m, log-log: the predictions as lines, the measurements as marks
        mk = np.array(MARKED_M)
        mk = mk[mk <= r.max_m]
        ax_s.loglog(self.ms, r.predicted_spread_mean(self.ms), color="0.75", lw=4.5, solid_capstyle="butt",
                    label="σ_pop/√m")
        ax_s.loglog(self.ms, r.predicted_spread_mean(self.ms, finite_population=True), color="k",
                    ls=":", lw=1.4, label="σ_pop/√m·√((n−m)/(n−1))")
        ax_s.loglog(mk, r.spread_mean[mk - 1], "o", color=BLUE, ms=4.5, label=t("l03.explorer.mu_measured"))
        ax_s.loglog(mk[1:], r.spread_std[mk[1:] - 1], "s-", color=ORANGE, ms=4, lw=1,
                    label=t("l03.explorer.sd_measured"))
        self.cursor = ax_s.axvline(1, ymin=0.36, color=GREY, lw=1)   # stops above the legend
        self.spread_marks = ax_s.scatter([1, 1], [1, 1], s=60, facecolor="none", edgecolor="k",
                                         linewidth=1.2, zorder=3)
        ax_s.set(xlim=(1, r.max_m * 1.05), ylim=(0.035, 1.5), xlabel=t("l03.explorer.m_axis"),
                 ylabel=t("l03.explorer.sd_axis", n=r.n_batches))
        ax_s.legend(loc="lower left", fontsize=8, frameon=False, handlelength=1.8, borderaxespad=0.3)
        ax_s.set_title(t("l03.explorer.title_b"), fontsize=TEXT, loc="left")
        # (c) one example's BN output in each batch
        z = (r.values[r.example] - r.mu) / r.sigma
        self.dots_y = ax_e.scatter(idx, np.zeros(SHOWN), s=7, color=GREEN, label=t("l03.explorer.its_output"))
        ax_e.axhline(z, color="k", lw=1.2, ls="--", label=f"(x − μ)/σ_pop = {z:.2f}")
        ax_e.axhline(0, color=GREY, lw=0.8, label="0 = β")
        ax_e.set(xlim=(-3, SHOWN + 2), ylim=YLIM_EXAMPLE, xlabel=t("l03.explorer.batch_axis"),
                 ylabel=t("l03.explorer.y_axis"))
        ax_e.legend(ncol=1, title=t("l03.explorer.legend_c", h1=r.values[r.example]), **LEGEND)
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
            note = t("l03.explorer.note_m1")
        elif m == 2:
            note = t("l03.explorer.note_m2")
        else:
            note = t("l03.explorer.note", mean=y.mean(), sd=y.std())
        self.heading.set_text(t("l03.explorer.heading", m=m, sd_mu=r.spread_mean[m - 1],
                                pred=float(r.predicted_spread_mean(m)), pred_fp=pred,
                                sd_sd=r.spread_std[m - 1], note=note))
