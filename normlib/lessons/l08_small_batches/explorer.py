"""Explorer for notebook 08: batch size, one example's company, and BN vs LN.

The summed inputs z = W x of a 16-unit linear layer on the digits. Every batch holds example 0
(optionally re-scaled by a factor) and m − 1 random others.
Left: μ_B of unit 0 over 400 such batches — its scatter, σ·√(m − 1)/m, shrinks like 1/√m (the x axis
is fixed, so the histogram narrows; its count axis follows m, so it stays readable).
Right: the normalized values of example 0, unit by unit (units are categories: markers, no lines):
batch norm in training mode in 40 of the batches (they differ: the output depends on the rest of the
batch), batch norm at test time (population statistics; values beyond the axis drawn as ▲/▼ at its
edge), and layer norm (statistics of example 0 alone: the same in every batch, and unchanged when
the example is re-scaled).
"""

import numpy as np

from .small_batch import hidden_inputs, random_batches
from ...explorer import Explorer
from ...i18n import t
from ...palette import COLORS, NORM_COLORS

BATCH_SIZES = [2, 4, 8, 16, 32, 64, 128]
SCALES = [0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 10.0]
EPS = 1e-5
BN_TEST_COLOR = "#8C4A00"        # batch norm's orange, darkened: the same normalization, another mode
MU_LIMIT, Z_LIMIT = 3.0, 4.0     # the fixed half-widths of the μ_B axis and of the ẑ axis


class BatchDependenceExplorer(Explorer):
    name = "l08_small_batches"
    figsize = (9.6, 4.3)
    n_batches, n_shown = 400, 40
    fontsize = 9

    def __init__(self, seed=0):
        self.z = hidden_inputs(seed=seed)[0]                    # (N, 16), float64
        N, self.units = self.z.shape
        rng = np.random.default_rng(seed)
        # m − 1 companions of example 0 per batch, drawn once per batch size (from examples 1 … N−1)
        self.companions = {m: 1 + random_batches(N - 1, m - 1, self.n_batches, rng) for m in BATCH_SIZES}
        self.pop_mean, self.pop_std = self.z.mean(axis=0), self.z.std(axis=0)
        self.bins = np.linspace(-MU_LIMIT, MU_LIMIT, 41)
        # The count axis follows m (the same for every c, so heights compare across c): its top is
        # the tallest bin over the scales, plus room.
        self.count_top = {m: 1.15 * max(self.histogram(self.compute(m, c)[0]).max() for c in SCALES)
                          for m in BATCH_SIZES}
        super().__init__()

    def make_controls(self):
        import ipywidgets as W
        return {
            "batch_size": W.SelectionSlider(options=BATCH_SIZES, value=8, description=t("l08.explorer.batch_size")),
            "scale": W.SelectionSlider(options=SCALES, value=1.0, description=t("l08.explorer.scale")),
        }

    def histogram(self, mu):
        """Counts of μ_B of unit 0 in the bins; batches beyond the axis counted in the edge bins."""
        return np.histogram(np.clip(mu[:, 0], self.bins[0], self.bins[-1]), self.bins)[0]

    def make_figure(self, fig):
        from matplotlib.ticker import MaxNLocator
        fs = self.fontsize
        self.ax_mu, self.ax_out = fig.subplots(1, 2, width_ratios=(1, 1.45))
        ax = self.ax_mu
        self.stairs = ax.stairs(np.zeros(len(self.bins) - 1), self.bins, fill=True, color=COLORS.grey)
        ax.axvline(self.pop_mean[0], color="k", lw=1, ls=":")
        ax.set_xlim(self.bins[0], self.bins[-1])
        ax.set_xlabel(t("l08.explorer.mu_xlabel"), fontsize=fs)
        ax.set_ylabel(t("l08.explorer.mu_ylabel", width=self.bins[1] - self.bins[0], n=self.n_batches), fontsize=fs)
        ax.yaxis.set_major_locator(MaxNLocator(6, integer=True))
        # the tick labels change with m (up to 3 digits): the label stays put, clear of them
        ax.yaxis.set_label_coords(-0.13, 0.5)
        self.mu_title = ax.set_title(" \n ", fontsize=fs, loc="left")
        ax = self.ax_out
        u = np.arange(self.units)
        self.bn_train, = ax.plot([], [], "o", ms=3.2, alpha=0.6, mew=0, color=NORM_COLORS["bn"],
                                 label=t("l08.explorer.bn_train", n=self.n_shown))
        self.bn_eval, = ax.plot(u, np.zeros(self.units), "_", ms=15, mew=2.5, color=BN_TEST_COLOR,
                                label=t("l08.explorer.bn_eval"))
        self.beyond, = ax.plot([], [], "^", ms=7, color=BN_TEST_COLOR, ls="none",
                               label=t("l08.explorer.beyond"))
        self.beyond_low, = ax.plot([], [], "v", ms=7, color=BN_TEST_COLOR, ls="none")
        self.ln, = ax.plot(u, np.zeros(self.units), "D", ms=5.5, color=NORM_COLORS["ln"], ls="none",
                           mec="white", mew=0.6, label=t("l08.explorer.ln"))
        ax.axhline(0, color="0.85", lw=0.8, zorder=0)
        ax.set(xlim=(-0.6, self.units - 0.4), ylim=(-Z_LIMIT, Z_LIMIT))
        ax.set_xticks(u)
        ax.set_xlabel(t("l08.explorer.out_xlabel"), fontsize=fs)
        ax.set_ylabel(t("l08.explorer.out_ylabel"), fontsize=fs)
        self.out_title = ax.set_title(" ", fontsize=fs, loc="left")
        for a in (self.ax_mu, self.ax_out):
            a.tick_params(labelsize=fs)
        # The key below the panels: off the data in every state.
        fig.legend(handles=[self.bn_train, self.ln, self.bn_eval, self.beyond], loc="outside lower center",
                   ncol=2, fontsize=fs, frameon=False, markerscale=1.0, columnspacing=2.0)
        # The count axis follows m: its tick labels are redrawn with the histogram.
        self.dynamic = [self.ax_mu.yaxis, self.stairs, self.mu_title, self.bn_train, self.bn_eval, self.beyond,
                        self.beyond_low, self.ln, self.out_title]

    def compute(self, batch_size, scale):
        """μ_B of every batch and unit (batches, units); example 0's ẑ under BN in training mode
        (batches, units), BN with population statistics (units,) and LN (units,)."""
        x0 = scale * self.z[0]
        zb = np.concatenate([np.broadcast_to(x0, (self.n_batches, 1, self.units)),
                             self.z[self.companions[batch_size]]], axis=1)     # (batches, m, units)
        mu, var = zb.mean(axis=1), zb.var(axis=1)
        bn_train = (x0 - mu) / np.sqrt(var + EPS)
        bn_eval = (x0 - self.pop_mean) / np.sqrt(self.pop_std ** 2 + EPS)
        ln = (x0 - x0.mean()) / np.sqrt(x0.var() + EPS)
        return mu, bn_train, bn_eval, ln

    def draw(self, batch_size, scale):
        mu, bn_train, bn_eval, ln = self.compute(batch_size, scale)
        self.stairs.set_data(self.histogram(mu))
        self.ax_mu.set_ylim(0, self.count_top[batch_size])
        # example 0 is in every batch, so only the m − 1 others scatter: std ≈ σ·√(m − 1)/m ≈ σ/√m
        theory = self.pop_std[0] * np.sqrt(batch_size - 1) / batch_size
        outside = int(np.sum(np.abs(mu[:, 0]) > MU_LIMIT))
        self.mu_title.set_text(t("l08.explorer.mu_title", m=batch_size, n=self.n_batches, std=mu[:, 0].std(),
                                 theory=theory)
                               + (t("l08.explorer.mu_outside", outside=outside, limit=MU_LIMIT) if outside else ""))
        shown = bn_train[:self.n_shown]
        jitter = np.linspace(-0.3, 0.3, self.n_shown)[:, None]
        u = np.arange(self.units)
        self.bn_train.set_data((u + jitter).ravel(), shown.ravel())
        inside = np.abs(bn_eval) <= Z_LIMIT
        self.bn_eval.set_data(u[inside], bn_eval[inside])
        edge = 0.93 * Z_LIMIT
        self.beyond.set_data(u[bn_eval > Z_LIMIT], np.full(np.sum(bn_eval > Z_LIMIT), edge))
        self.beyond_low.set_data(u[bn_eval < -Z_LIMIT], np.full(np.sum(bn_eval < -Z_LIMIT), -edge))
        self.ln.set_ydata(ln)
        spread = bn_train.std(axis=0).mean()
        self.out_title.set_text(t("l08.explorer.out_title", m=batch_size, c=scale, spread=spread))
