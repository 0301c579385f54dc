"""Explorer for notebook 07: batch size, one example's company, and BN vs LN.

The summed inputs z = W x of a 16-unit linear layer on the digits. Every batch holds example 0
(optionally re-scaled by a factor) and m − 1 random others.
Left: μ_B of unit 0 over 400 such batches — its scatter, σ·√(m − 1)/m, shrinks like 1/√m.
Right: the normalized values of example 0, unit by unit: batch norm in training mode in 40 of the
batches (they differ: the output depends on the rest of the batch), batch norm at test time
(population statistics), and layer norm (statistics of example 0 alone: the same in every batch,
and unchanged when the example is re-scaled).
"""

import numpy as np

from .small_batch import hidden_inputs, random_batches
from ...explorer import Explorer
from ...palette import COLORS, NORM_COLORS

BATCH_SIZES = [2, 4, 8, 16, 32, 64, 128]
SCALES = [0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 10.0]
EPS = 1e-5


class BatchDependenceExplorer(Explorer):
    name = "l07_layer_norm_rnn"
    title = "Batch size and the rest of the batch: batch norm vs layer norm"
    figsize = (9.6, 3.6)
    n_batches, n_shown = 400, 40

    def __init__(self, seed=0):
        self.z = hidden_inputs(seed=seed)[0]                    # (N, 16), float64
        N, self.units = self.z.shape
        rng = np.random.default_rng(seed)
        # m − 1 companions of example 0 per batch, drawn once per batch size (from examples 1 … N−1)
        self.companions = {m: 1 + random_batches(N - 1, m - 1, self.n_batches, rng) for m in BATCH_SIZES}
        self.pop_mean, self.pop_std = self.z.mean(axis=0), self.z.std(axis=0)
        self.bins = np.linspace(-6, 6, 61)
        super().__init__()

    def make_controls(self):
        import ipywidgets as W
        return {
            "batch_size": W.SelectionSlider(options=BATCH_SIZES, value=8, description="batch size m"),
            "scale": W.SelectionSlider(options=SCALES, value=1.0, description="example 0 × c"),
        }

    def make_figure(self, fig):
        self.ax_mu, self.ax_out = fig.subplots(1, 2, width_ratios=(1, 1.4))
        ax = self.ax_mu
        self.stairs = ax.stairs(np.zeros(len(self.bins) - 1), self.bins, fill=True, color=COLORS.grey)
        ax.axvline(self.pop_mean[0], color="0.3", lw=1, ls=":", label="population mean")
        ax.set(xlim=(self.bins[0], self.bins[-1]), ylim=(0, 0.45 * self.n_batches),
               xlabel="batch mean μ_B of unit 0", ylabel="batches per bin (of 400)")
        ax.legend(loc="upper left", fontsize=7, frameon=False)
        self.mu_title = ax.set_title(" ", fontsize=9)
        ax = self.ax_out
        u = np.arange(self.units)
        self.bn_train, = ax.plot([], [], "o", ms=3, alpha=0.35, color=NORM_COLORS["bn"],
                                 label="BN, training mode (40 batches)")
        self.bn_eval, = ax.plot(u, np.zeros(self.units), "s-", ms=4, color=COLORS.vermilion,
                                label="BN, test time (population stats)")
        self.ln, = ax.plot(u, np.zeros(self.units), "D-", ms=4, color=NORM_COLORS["ln"], lw=1.2,
                           label="LN (example 0's own stats)")
        ax.set(xlim=(-0.5, self.units - 0.5), ylim=(-4.5, 4.5), xlabel="unit i of the layer",
               ylabel="normalized value ẑ of example 0")
        ax.axhline(0, color="0.8", lw=0.8)
        ax.legend(loc="lower left", fontsize=7, ncol=2, frameon=False)
        self.out_title = ax.set_title(" ", fontsize=9)
        self.dynamic = [self.stairs, self.mu_title, self.bn_train, self.bn_eval, self.ln, self.out_title]

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
        counts, _ = np.histogram(np.clip(mu[:, 0], self.bins[0], self.bins[-1]), self.bins)
        self.stairs.set_data(counts)
        # example 0 is in every batch, so only the m − 1 others scatter: std ≈ σ·√(m − 1)/m ≈ σ/√m
        theory = self.pop_std[0] * np.sqrt(batch_size - 1) / batch_size
        self.mu_title.set_text(f"m = {batch_size}: std of μ_B over batches {mu[:, 0].std():.2f}"
                               f"  (σ√(m−1)/m = {theory:.2f})")
        shown = bn_train[:self.n_shown]
        jitter = np.linspace(-0.25, 0.25, self.n_shown)[:, None]
        self.bn_train.set_data((np.arange(self.units) + jitter).ravel(), shown.ravel())
        self.bn_eval.set_ydata(bn_eval)
        self.ln.set_ydata(ln)
        spread = bn_train.std(axis=0).mean()
        self.out_title.set_text(f"example 0 × {scale:g}: BN (training) varies by ±{spread:.2f} across "
                                f"batches; LN does not vary")
