"""Explorer for notebook 11: local vs synchronized batch-norm statistics across simulated workers.

K workers hold b images each. Dots: each worker's local mean and variance of one channel (what
plain BN normalizes with under data parallelism); vermilion line: the synchronized statistics, from the
all-reduced Σx, Σx² and counts (equal to those of all K·b images); dashed: the statistics of the
whole training set, which both are estimates of. Means are shown as (μ_k − μ_train)/σ_train and
variances as σ²_k/σ²_train, so that every channel shares the fixed axes.
"""

import numpy as np

from .experiments import all_reduce, stats_from_sums, worker_stats
from ...conv import Conv2d
from ...data import load_digits
from ...explorer import Explorer
from ...i18n import t
from ...palette import COLORS

PER_WORKER = (2, 4, 8, 16, 32)
WORKERS = (1, 2, 4, 8)


class SyncBNExplorer(Explorer):
    name = "l11_choosing_a_normalization"
    figsize = (9.6, 4.4)

    def __init__(self, channels=4, seed=0):
        d = load_digits(images=True, seed=seed)
        conv = Conv2d(1, channels, 3, padding=1, rng=seed)
        n = max(PER_WORKER) * max(WORKERS)
        self.maps = conv(d.X_train[:n]).astype(np.float64)              # (256, C, 8, 8)
        everything = conv(d.X_train).astype(np.float64)
        self.population = everything.mean(axis=(0, 2, 3)), everything.var(axis=(0, 2, 3))
        self.C = channels
        # every value a slider can ask for, computed once
        self.stats = {(K, b): self._stats(K, b) for K in WORKERS for b in PER_WORKER}
        # Fixed axis limits that fit the default state (K = 8, b = 2: the widest scatter of the means)
        # for every channel, with room; the few values of other states beyond them are drawn as
        # triangles on the edge, with their value.
        lm, lv = self.stats[(8, 2)][:2]
        every_m = np.concatenate([s[0].ravel() for s in self.stats.values()])
        every_v = np.concatenate([s[1].ravel() for s in self.stats.values()])
        low = min(-1.15 * np.abs(lm).max(), 1.05 * every_m.min())            # nothing below the axes
        self.mlim = (low, max(-low, 1.15 * lm.max()))
        self.vlim = (max(0.0, min(1 - 1.25 * (1 - lv.min()), 0.95 * every_v.min())), 1 + 1.25 * (lv.max() - 1))
        super().__init__()

    def _stats(self, K, b):
        x = self.maps[:K * b]
        sums, sumsqs, counts = worker_stats(x, K)
        local_mean = sums / counts[:, None]
        local_var = sumsqs / counts[:, None] - local_mean ** 2
        mean, var = stats_from_sums(*all_reduce(sums, sumsqs, counts))
        # relative to the training set's statistics, so that every channel shares one scale:
        # mean error in units of the channel's σ, variance as a ratio
        pm, pv = self.population
        sd = np.sqrt(pv)
        return (local_mean - pm) / sd, local_var / pv, (mean - pm) / sd, var / pv

    def make_controls(self):
        import ipywidgets as W
        return {
            "per_worker": W.SelectionSlider(options=PER_WORKER, value=2, description=t("l11.sync.control.per_worker")),
            "workers": W.SelectionSlider(options=WORKERS, value=8, description=t("l11.sync.control.workers")),
            "channel": W.IntSlider(min=0, max=self.C - 1, value=0, description=t("l11.sync.control.channel")),
        }

    def make_figure(self, fig):
        axes = fig.subplots(1, 2)
        self.dots, self.sync, self.pop, self.over, self.over_text = [], [], [], [], []
        for ax, label, lim in ((axes[0], r"$(\mu_k - \mu_\mathrm{train})\,/\,\sigma_\mathrm{train}$", self.mlim),
                               (axes[1], r"$\sigma^2_k / \sigma^2_\mathrm{train}$", self.vlim)):
            self.dots.append(ax.plot([], [], "o", color=COLORS.blue, ms=8, alpha=0.85,
                                     label=t("l11.sync.legend.local"))[0])
            self.sync.append(ax.plot([], [], color=COLORS.vermilion, lw=3,
                                     label=t("l11.sync.legend.sync"))[0])
            self.pop.append(ax.plot([], [], color="0.3", lw=1.2, ls="--", label=t("l11.sync.legend.population"))[0])
            self.over.append(ax.plot([], [], ls="none", color=COLORS.blue, ms=9, marker="^", clip_on=False)[0])
            self.over_text.append(ax.text(0, 0, "", fontsize=8, ha="right", va="top", color=COLORS.blue))
            self.over[-1].set_in_layout(False)
            self.over_text[-1].set_in_layout(False)
            ax.set(xlim=(-0.5, max(WORKERS) - 0.5), ylim=lim)
            ax.set_xlabel(t("l11.sync.worker"), fontsize=9)
            ax.set_ylabel(label, fontsize=10)
            ax.set_xticks(range(max(WORKERS)))
            ax.tick_params(labelsize=8)
        axes[0].set_title(t("l11.sync.mean_title"), fontsize=9)
        axes[1].set_title(t("l11.sync.var_title"), fontsize=9)
        fig.legend(handles=self.dots[:1] + self.sync[:1] + self.pop[:1], loc="outside lower center", ncol=3,
                   fontsize=9, frameon=False)
        self.heading = fig.suptitle(" \n ", fontsize=10)
        self.dynamic = self.dots + self.sync + self.pop + self.over + self.over_text + [self.heading]

    def draw(self, per_worker, workers, channel):
        local_mean, local_var, mean, var = self.stats[(workers, per_worker)]
        k = np.arange(workers)
        span = [-0.5, max(WORKERS) - 0.5]
        for i, (local, glob, pop, lim) in enumerate(((local_mean, mean, 0.0, self.mlim),
                                                     (local_var, var, 1.0, self.vlim))):
            v = local[:, channel]
            inside = v <= lim[1]                  # (the lower limits hold every state's values)
            self.dots[i].set_data(k[inside], v[inside])
            above = v > lim[1]                    # off the scale: a triangle on the top edge
            self.over[i].set_data(k[above], np.full(above.sum(), lim[1]))
            if above.any():
                j = int(np.argmax(np.where(above, v, -np.inf)))
                self.over_text[i].set_position((j - 0.2, lim[1] - 0.02 * (lim[1] - lim[0])))
                self.over_text[i].set_text(f"{v[j]:.2f} ↑" if above.sum() == 1 else
                                           t("l11.sync.up_to", value=f"{v[above].max():.2f}"))
            else:
                self.over_text[i].set_text("")
            self.sync[i].set_data(span, [glob[channel]] * 2)
            self.pop[i].set_data(span, [pop, pop])
        m = per_worker * 64
        spread = local_mean[:, channel].std() if workers > 1 else 0.0
        self.heading.set_text(
            t("l11.sync.heading", K=workers, b=per_worker, n=workers * per_worker, m=m, total=workers * m)
            + "\n" + t("l11.sync.heading_channel", channel=channel, spread=f"{spread:.2f}",
                        error=f"{abs(mean[channel]):.2f}"))
