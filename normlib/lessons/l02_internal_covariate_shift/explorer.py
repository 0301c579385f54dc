"""Explorer for notebook 02: one sigmoid's input distribution over training, without and with BN.

Left: the 15th, 50th and 85th percentiles of the chosen sigmoid's input over training (the BN
paper's Figure 1b, c), both networks on one axis — the line is the median, the band the 15th–85th
percentiles. Right: the whole distribution at the chosen step, both networks overlaid, over the
sigmoid σ(x). The second network is the one with BN, with "noisy BN" (Santurkar et al. 2018,
Algorithm 1), or the plain network with the same noise (their control).
"""

import numpy as np
from matplotlib.lines import Line2D

from .experiments import figure1
from ...explorer import Explorer
from ...palette import COLORS, NORM_COLORS
from ...i18n import t

NAMES = {"plain": "without BN", "bn": "with BN", "noisy_bn": "with noisy BN",
         "noisy_plain": "without BN, with the same noise"}
# Batch norm in the course's BN colour, its noisy version in the nearby vermilion (never shown
# beside BN), the plain network in the colour of "none" and its noisy version in grey.
SERIES_COLORS = {"plain": NORM_COLORS["none"], "bn": NORM_COLORS["bn"], "noisy_bn": COLORS.vermilion,
                 "noisy_plain": COLORS.grey}
SHORT = {"plain": "no BN", "bn": "BN", "noisy_bn": "noisy BN", "noisy_plain": "no BN + noise"}
# The noisy networks' medians dashed: noisy BN's vermilion is told from BN's orange by it too.
STYLES = {"plain": "-", "bn": "-", "noisy_bn": "--", "noisy_plain": "--"}
Q = (15, 50, 85)


class ICSExplorer(Explorer):
    name = "l02_internal_covariate_shift"
    default_step = 120      # early: the plain network's inputs have not spread yet, BN's already have
    figsize = (9.6, 4.6)

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
        # Percentile axis: the range of the plain and BN networks (the noisy ones may leave it).
        lo = min(self.pct[n].min() for n in ("plain", "bn"))
        hi = max(self.pct[n].max() for n in ("plain", "bn"))
        pad = 0.08 * (hi - lo)
        self.ylim = (lo - pad, hi + pad)
        # Histogram axis fitted to the default state (default step, last layer, unit 0): at other
        # steps the plain network's inputs may sit in one or two bins; those bars are cut at the top
        # (and the picture says so) rather than flatten every other histogram.
        k, layer = int(np.argmin(np.abs(r.steps - self._default_step()))), r.inputs["plain"].shape[1] - 1
        tallest = max(np.histogram(r.inputs[n][k, layer, :, 0], self.bins)[0].max() for n in ("plain", "bn"))
        self.count_max = 10 * np.ceil(1.6 * tallest / 10)
        super().__init__()

    def _default_step(self):
        """``default_step`` on the grid of recorded steps (a short run of the tests has a coarser one)."""
        s = self.results.settings
        every = s["eval_every"]
        return int(min(s["steps"], every * round(self.default_step / every)))

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
            "step": W.IntSlider(min=0, max=s["steps"], step=s["eval_every"], value=self._default_step(),
                                description=t("l02.explorer.control.step")),
            "layer": W.ToggleButtons(options=list(range(1, layers + 1)), value=layers,
                                     description=t("l02.explorer.control.layer")),
            "unit": W.IntSlider(min=0, max=units - 1, value=0, description=t("l02.explorer.control.unit")),
            "compare": W.ToggleButtons(options=[(t(f"l02.explorer.short.{n}"), n)
                                                for n in ("bn", "noisy_bn", "noisy_plain")], value="bn",
                                       description=t("l02.explorer.control.compare")),
        }

    def make_figure(self, fig):
        self.ax_p, self.ax_h = fig.subplots(1, 2)
        steps = self.results.steps
        zeros = np.zeros_like(steps, float)
        self.medians, self.bands, self.edges, self.stairs = [], [], [], []
        # Explicit z-orders, and ``dynamic`` in that order, so that the blitted picture stacks the
        # artists as a full redraw does.
        for side in range(2):
            color = SERIES_COLORS["plain"] if side == 0 else SERIES_COLORS["bn"]
            self.bands.append(self.ax_p.fill_between(steps, zeros, zeros, color=color, alpha=0.15, lw=0,
                                                     zorder=1 + 0.1 * side))
            self.edges.append([self.ax_p.plot(steps, zeros, color=color, lw=1, zorder=2 + 0.1 * side)[0]
                               for _ in range(2)])
            self.medians.append(self.ax_p.plot(steps, zeros, color=color, lw=2.2, zorder=2.5 + 0.1 * side)[0])
        # the compared network's filled bars first, the plain network's outline over them
        self.stairs = [self.ax_h.stairs(np.zeros(len(self.bins) - 1), self.bins, fill=fill, lw=1.6,
                                        color=SERIES_COLORS[name], alpha=alpha, zorder=z)
                       for name, fill, alpha, z in (("plain", False, 1.0, 1.5), ("bn", True, 0.55, 1))]
        ax = self.ax_p
        ax.set_ylim(*self.ylim)
        ax.set_xlim(steps[0], steps[-1])
        ax.set_xlabel(t("l02.explorer.step_axis"))
        ax.set_ylabel(t("l02.explorer.input_axis"))
        ax.set_title(t("l02.explorer.left_title"), fontsize=10)
        self.cursor = ax.axvline(0, color="0.35", lw=1, ls="--", zorder=3)
        ax = self.ax_h
        ax.set_xlim(self.bins[0], self.bins[-1])
        ax.set_ylim(0, self.count_max)
        ax.set_xlabel(t("l02.explorer.input_axis"))
        ax.set_ylabel(t("l02.explorer.count_axis_449") if self.results.inputs["plain"].shape[2] == 449
                      else t("l02.explorer.count_axis"))
        ax.set_title(t("l02.explorer.right_title"), fontsize=10)
        # σ(x) on the histogram's own axes (scaled to its height, so that it can be drawn over the
        # bars); a twin axis only gives it its 0…1 scale.
        x = np.linspace(self.bins[0], self.bins[-1], 200)
        self.sigmoid, = ax.plot(x, self.count_max / 1.05 / (1 + np.exp(-x)), color="0.3", lw=1.2, ls=":",
                                zorder=3)
        scale = ax.twinx()
        scale.set_ylim(0, 1.05)
        scale.set_yticks([0, 0.5, 1])
        scale.set_ylabel(t("l02.explorer.sigmoid_axis"))
        # One key for every network the explorer can show, below both panels: off the data in
        # every state. The test accuracies at the chosen step are in the heading.
        handles = [Line2D([], [], color=SERIES_COLORS[name], ls=STYLES[name], lw=2.2, label=t(f"l02.explorer.name.{name}"))
                   for name in NAMES]
        fig.legend(handles=handles, loc="outside lower center", ncol=4, fontsize=9, frameon=False,
                   columnspacing=1.5)
        self.heading = fig.suptitle(" ", fontsize=10)
        self.dynamic = (self.bands + [e for edges in self.edges for e in edges] + self.medians
                        + [self.cursor] + self.stairs[::-1] + [self.sigmoid, self.heading])

    def draw(self, step, layer, unit, compare):
        r = self.results
        k = int(np.argmin(np.abs(r.steps - step)))
        tallest = 0
        for side, name in enumerate(("plain", compare)):
            color = SERIES_COLORS[name]
            lo, median, hi = self.pct[name][:, :, layer - 1, unit]
            verts = np.concatenate([np.column_stack([r.steps, lo]), np.column_stack([r.steps, hi])[::-1]])
            self.bands[side].set_verts([verts])
            self.bands[side].set_color(color)
            self.medians[side].set_ydata(median)
            self.medians[side].set_color(color)
            self.medians[side].set_linestyle(STYLES[name])
            for edge, values in zip(self.edges[side], (lo, hi)):
                edge.set_ydata(values)
                edge.set_color(color)
            counts, _ = np.histogram(r.inputs[name][k, layer - 1, :, unit], self.bins)
            tallest = max(tallest, counts.max())
            self.stairs[side].set_data(counts)
            if side:
                self.stairs[side].set_facecolor(color)
                self.stairs[side].set_edgecolor(color)
        self.cursor.set_xdata([r.steps[k]])
        acc = {name: f"{100 * r.test_accuracy[name][k]:.1f}%" for name in ("plain", compare)}
        cut = (t("l02.explorer.cut", count_max=self.count_max, tallest=tallest) if tallest > self.count_max else "")
        self.heading.set_text(t("l02.explorer.heading", layer=layer, unit=unit, step=r.steps[k],
                                acc_plain=acc["plain"], short_plain=t("l02.explorer.short.plain"),
                                acc_other=acc[compare], short_other=t(f"l02.explorer.short.{compare}"), cut=cut))
