"""Explorer for notebook 09: local vs synchronized batch-norm statistics across simulated workers.

K workers hold b images each. Dots: each worker's local mean and variance of one channel (what
plain BN normalizes with under data parallelism); red line: the synchronized statistics, from the
all-reduced Σx, Σx² and counts (equal to those of all K·b images); dashed: the statistics of the
whole training set, which both are estimates of. Means are shown as (μ − μ_train)/σ_train and
variances as σ²/σ²_train, so that every channel shares the fixed axes.
"""

import numpy as np

from .experiments import all_reduce, stats_from_sums, worker_stats
from ...conv import Conv2d
from ...data import load_digits
from ...explorer import OKABE_ITO, Explorer

PER_WORKER = (2, 4, 8, 16, 32)
WORKERS = (1, 2, 4, 8)


class SyncBNExplorer(Explorer):
    name = "l09_choosing_a_normalization"
    title = "Synchronized BN: local statistics of each worker vs the all-reduced ones"
    figsize = (9.6, 3.8)

    def __init__(self, channels=4, seed=0):
        d = load_digits(images=True, seed=seed)
        conv = Conv2d(1, channels, 3, padding=1, rng=seed)
        n = max(PER_WORKER) * max(WORKERS)
        self.maps = conv(d.X_train[:n]).astype(np.float64)              # (256, C, 8, 8)
        everything = conv(d.X_train).astype(np.float64)
        self.population = everything.mean(axis=(0, 2, 3)), everything.var(axis=(0, 2, 3))
        self.C = channels
        # every value a slider can ask for, computed once: fixed axis limits
        self.stats = {(K, b): self._stats(K, b) for K in WORKERS for b in PER_WORKER}
        lm = np.concatenate([s[0].ravel() for s in self.stats.values()])
        lv = np.concatenate([s[1].ravel() for s in self.stats.values()])
        self.mlim = (1.05 * lm.min(), 1.05 * lm.max())
        self.vlim = (0, 1.05 * lv.max())
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
            "per_worker": W.SelectionSlider(options=PER_WORKER, value=2, description="images/worker b"),
            "workers": W.SelectionSlider(options=WORKERS, value=8, description="workers K"),
            "channel": W.IntSlider(min=0, max=self.C - 1, value=0, description="channel"),
        }

    def make_figure(self, fig):
        axes = fig.subplots(1, 2)
        self.dots, self.sync, self.pop = [], [], []
        for ax, label, lim in ((axes[0], "(μ − μ_train) / σ_train", self.mlim),
                               (axes[1], "σ² / σ²_train", self.vlim)):
            self.dots.append(ax.plot([], [], "o", color=OKABE_ITO[0], ms=7, alpha=0.8,
                                     label="one worker's local statistic")[0])
            self.sync.append(ax.plot([], [], color=OKABE_ITO[5], lw=3,
                                     label="synchronized (all-reduced sums)")[0])
            self.pop.append(ax.plot([], [], color="0.3", lw=1, ls="--", label="whole training set")[0])
            ax.set(xlim=(-0.5, max(WORKERS) - 0.5), ylim=lim, xlabel="worker k",
                   ylabel=label)
            ax.set_xticks(range(max(WORKERS)))
        axes[0].legend(fontsize=7, loc="upper right", frameon=False)
        self.heading = fig.suptitle(" \n ", fontsize=10)
        self.dynamic = self.dots + self.sync + self.pop + [self.heading]

    def draw(self, per_worker, workers, channel):
        local_mean, local_var, mean, var = self.stats[(workers, per_worker)]
        k = np.arange(workers)
        span = [-0.5, max(WORKERS) - 0.5]
        for i, (local, glob, pop) in enumerate(((local_mean, mean, 0.0), (local_var, var, 1.0))):
            self.dots[i].set_data(k, local[:, channel])
            self.sync[i].set_data(span, [glob[channel]] * 2)
            self.pop[i].set_data(span, [pop, pop])
        m = per_worker * 64
        spread = local_mean[:, channel].std() if workers > 1 else 0.0
        self.heading.set_text(
            f"K = {workers} workers × b = {per_worker} images = {workers * per_worker} images "
            f"({m} values per channel per worker, {workers * m} synchronized)\n"
            f"channel {channel}, in units of the training set's σ: spread of the local means {spread:.2f}, "
            f"error of the synchronized mean {abs(mean[channel]):.2f}")
