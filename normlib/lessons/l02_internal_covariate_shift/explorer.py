"""Explorer for notebook 02: one sigmoid's input distribution over training, without and with BN.

Top row: the {15, 50, 85}th percentiles of the chosen sigmoid's input over training (the BN
paper's Figure 1b, c). Bottom row: the whole distribution at the chosen step, over the sigmoid.
Left: the plain network; right: with BN, with "noisy BN" (Santurkar et al. 2018, Algorithm 1), or
the plain network with the same noise (their control).
"""

import numpy as np

from .experiments import figure1
from ...explorer import OKABE_ITO, Explorer

NAMES = {"plain": "without BN", "bn": "with BN", "noisy_bn": "with noisy BN",
         "noisy_plain": "without BN, with the same noise"}
Q = (15, 50, 85)


class ICSExplorer(Explorer):
    name = "l02_internal_covariate_shift"
    title = "The input of one sigmoid over training: without and with batch norm"
    caption = ("drag the step: without BN the inputs start squeezed near 0 and spread out; with BN "
               "the median stays near 0 and only the learned γ widens them")
    figsize = (9.6, 5.6)

    @classmethod
    def small(cls):
        """Built from a short run (200 steps, 3 units per layer), for the tests."""
        return cls(figure1(steps=200, eval_every=100, units=3))

    def __init__(self, results=None):
        self.results = results if results is not None else figure1()
        missing = [n for n in NAMES if n not in self.results.inputs]
        if missing:
            raise ValueError(f"results must hold every network of the explorer; missing {missing}")
        r = self.results
        # Everything the sliders can show, computed once: percentiles for every network, step,
        # layer and unit; fixed axis ranges, so a slider step only moves artists (blitting).
        self.pct = {name: np.percentile(x, Q, axis=2) for name, x in r.inputs.items()}
        everything = np.concatenate([x.ravel() for x in r.inputs.values()])
        lo, hi = np.percentile(everything, [0.5, 99.5])
        self.bins = np.linspace(np.floor(lo), np.ceil(hi), 41)
        self.ylim = (min(p.min() for p in self.pct.values()), max(p.max() for p in self.pct.values()))
        # Early in training every input sits in one or two bins; let those bars leave the axes
        # rather than flatten every other histogram.
        self.count_max = max(np.percentile(self._max_counts(x), 95) for x in r.inputs.values())
        super().__init__()

    def _max_counts(self, x):
        """The tallest bar of the histogram of every step, layer and unit of x (steps, layers, N, units)."""
        nbins = len(self.bins) - 1
        idx = np.clip(np.searchsorted(self.bins, x, side="right") - 1, 0, nbins - 1)
        inside = (x >= self.bins[0]) & (x <= self.bins[-1])              # as np.histogram: drop the rest
        idx = np.moveaxis(idx, 2, -1).reshape(-1, x.shape[2])          # one row per histogram
        inside = np.moveaxis(inside, 2, -1).reshape(-1, x.shape[2])
        offsets = (np.arange(len(idx)) * nbins)[:, None]
        return np.bincount((idx + offsets).ravel(), weights=inside.ravel(),
                           minlength=len(idx) * nbins).reshape(-1, nbins).max(1).astype(int)

    def make_controls(self):
        import ipywidgets as W
        s = self.results.settings
        layers = self.results.inputs["plain"].shape[1]
        units = self.results.inputs["plain"].shape[3]
        return {
            "step": W.IntSlider(min=0, max=s["steps"], step=s["eval_every"], value=s["steps"] // 2,
                                description="step"),
            "layer": W.ToggleButtons(options=list(range(1, layers + 1)), value=layers,
                                     description="hidden layer"),
            "unit": W.IntSlider(min=0, max=units - 1, value=0, description="unit"),
            "compare": W.ToggleButtons(options=[("BN", "bn"), ("noisy BN", "noisy_bn"),
                                                ("no BN + noise", "noisy_plain")], value="bn",
                                       description="right side"),
        }

    def make_figure(self, fig):
        (self.ax_p, self.ax_pr), (self.ax_h, self.ax_hr) = axes = fig.subplots(2, 2)
        steps = self.results.steps
        x = np.linspace(self.bins[0], self.bins[-1], 200)
        self.lines, self.cursors, self.stairs, self.marks, self.titles = {}, [], [], [], []
        colors = [OKABE_ITO[0], OKABE_ITO[5], OKABE_ITO[0]]
        for side, (ax_p, ax_h) in enumerate(((self.ax_p, self.ax_h), (self.ax_pr, self.ax_hr))):
            self.lines[side] = [ax_p.plot(steps, np.zeros_like(steps, float), color=c, lw=1.5,
                                          ls="--" if q != 50 else "-",
                                          label={15: "15th and 85th percentiles", 50: "median"}.get(q))[0]
                                for q, c in zip(Q, colors)]
            ax_p.set_ylim(*self.ylim)
            ax_p.set_xlim(steps[0], steps[-1])
            ax_p.set_xlabel("training step")
            ax_p.set_ylabel("sigmoid input")
            self.cursors.append(ax_p.axvline(0, color="0.4", lw=1))
            ax_h.set_xlim(self.bins[0], self.bins[-1])
            ax_h.set_ylim(0, 1.05 * self.count_max)
            ax_h.set_xlabel("sigmoid input x")
            ax_h.set_ylabel("test examples per bin")
            curve = ax_h.twinx()
            curve.plot(x, 1 / (1 + np.exp(-x)), color="0.55", lw=1, label="σ(x)")
            curve.set_ylim(0, 1.05)
            curve.set_ylabel("σ(x)", color="0.45")
            self.stairs.append(ax_h.stairs(np.zeros(len(self.bins) - 1), self.bins, fill=True,
                                           color=OKABE_ITO[4], alpha=0.8))
            self.marks.append([ax_h.axvline(0, color=c, lw=1.2, ls="--" if q != 50 else "-")
                               for q, c in zip(Q, colors)])
            self.titles.append(ax_p.set_title(" ", fontsize=10))
        self.ax_p.legend(loc="lower left", fontsize=7, frameon=False)
        self.heading = fig.suptitle(" ", fontsize=10)
        self.dynamic = ([a for side in self.lines.values() for a in side] + self.cursors + self.stairs
                        + [m for ms in self.marks for m in ms] + self.titles + [self.heading])

    def draw(self, step, layer, unit, compare):
        r = self.results
        k = int(np.argmin(np.abs(r.steps - step)))
        for side, name in enumerate(("plain", compare)):
            p = self.pct[name][:, :, layer - 1, unit]
            for line, values in zip(self.lines[side], p):
                line.set_ydata(values)
            self.cursors[side].set_xdata([r.steps[k]])
            counts, _ = np.histogram(r.inputs[name][k, layer - 1, :, unit], self.bins)
            self.stairs[side].set_data(counts)
            for mark, value in zip(self.marks[side], p[:, k]):
                mark.set_xdata([value])
            self.titles[side].set_text(f"{NAMES[name]}: test accuracy at step {r.steps[k]}: "
                                       f"{100 * r.test_accuracy[name][k]:.1f}%")
        self.heading.set_text(f"hidden layer {layer}, unit {unit}: input distribution over the "
                              f"test set (top: over training; bottom: at step {r.steps[k]})")
