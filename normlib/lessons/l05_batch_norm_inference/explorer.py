"""Explorer for notebook 05: the running estimate of a BN statistic against the population over training.

Left: for one unit of one BN layer of the Figure 1 network, trained on the digits, three things
only: the statistic of every training batch (light grey dots: what the average is fed), the
population statistic of the whole training set with the weights of that step (black, dashed: the
target), and the running estimate that BN would store (orange, batch norm's colour in the course,
normlib/palette.py). The chosen number is read as PyTorch reads it (BN's momentum = the weight of the
*new* batch), as CS231n reads it (the weight of the *old* value), or ``momentum=None`` (cumulative):
switching the formula with the same number shows the swap. Right: the weight each past batch has in
the estimate at the last step.

The training run is computed once (:func:`~normlib.lessons.l05_batch_norm_inference.experiments.track_bn_statistics`, cached); the
controls only recompute a running average of 500 numbers. The y-axis of the left panel is rescaled
per series onto fixed axes (its tick labels and grid lines are redrawn as dynamic artists, 4 to 6
round ticks that the data fills), so every control blits. Every text comes from the message
catalogue (keys ``l05.explorer.*``; normlib/i18n.py).
"""

import numpy as np

from . import experiments as BI
from ...explorer import Explorer
from ...i18n import t
from ...palette import COLORS, NORM_COLORS

NUMBERS = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 0.5, 0.7, 0.9, 0.97, 0.99, 0.997, 0.999)
CONVENTIONS = {"new": "PyTorch: r ← (1 − momentum)·r + momentum·x",
               "old": "CS231n: r ← momentum·r + (1 − momentum)·x",
               "cumulative": "PyTorch, momentum=None: cumulative average"}
# the toggle buttons' labels (catalogue keys l05.explorer.formula.*): short enough to show whole
LABELS = {"new": "PyTorch: weight of new", "old": "CS231n: weight of old", "cumulative": "momentum=None"}
INIT = {"mean": 0.0, "var": 1.0}          # PyTorch's initial running_mean and running_var
N_TICKS = (4, 6)                          # the left panel shows 4 to 6 round ticks
K_MAX = 120                               # batches back shown in the weights panel
ESTIMATE, POPULATION, BATCH = NORM_COLORS["bn"], COLORS.black, "0.72"


def nice_ticks(lo, hi, n=N_TICKS):
    """Evenly spaced round numbers (step 1, 2, 2.5 or 5 × 10^k), between ``n[0]`` and ``n[1]`` of
    them, whose span covers [lo, hi] as tightly as possible (the data fills the most of the axis)."""
    n_min, n_max = n
    span = max(hi - lo, 1e-12)
    best = None
    for exp in np.floor(np.log10(span / (n_max - 1))) + np.arange(-1, 3):
        for mant in (1, 2, 2.5, 5):
            step = mant * 10.0 ** exp
            start, stop = np.floor(lo / step + 1e-9), np.ceil(hi / step - 1e-9)
            count = int(stop - start) + 1
            if n_min <= count <= n_max and (best is None or (count - 1) * step < best[0]):
                best = ((count - 1) * step, start * step, step, count)
    if best is None:                      # a zero span: one step around the value
        step = 10.0 ** np.floor(np.log10(max(abs(lo), 1e-12)))
        start = np.floor(lo / step) * step
        return start + step * np.arange(n_min)
    _, start, step, count = best
    return start + step * np.arange(count)


def _fmt(v):
    return f"{v:.4g}" if abs(v) >= 1e-3 or v == 0 else f"{v:.1e}"


class RunningAverageExplorer(Explorer):
    name = "l05_batch_norm_inference"
    figsize = (9.6, 4.5)

    @classmethod
    def small(cls):
        """Built from a short run (K_MAX + 10 steps, 4 units per layer) instead of the notebook's 500."""
        return cls(BI.track_bn_statistics(steps=K_MAX + 10, units=4, pop_every=10))

    def __init__(self, results=None):
        self.results = results if results is not None else BI.track_bn_statistics()
        r = self.results
        self.steps = np.arange(1, r.batch_mean.shape[0] + 1)
        super().__init__()

    def make_controls(self):
        import ipywidgets as W
        layers, units = self.results.batch_mean.shape[1:]
        style = {"description_width": "initial"}
        return {
            "convention": W.ToggleButtons(options=[(t(f"l05.explorer.formula.{k}"), k) for k in LABELS],
                                          value="new", description=t("l05.explorer.control.formula"),
                                          style=style, tooltips=[CONVENTIONS[k] for k in LABELS]),
            "momentum": W.SelectionSlider(options=[(f"{v:g}", v) for v in NUMBERS], value=0.1,
                                          description=t("l05.explorer.control.momentum"), style=style),
            "stat": W.ToggleButtons(options=[(t("l05.explorer.stat.mean"), "mean"),
                                             (t("l05.explorer.stat.var"), "var")], value="var",
                                    description=t("l05.explorer.control.statistic"), style=style),
            "layer": W.ToggleButtons(options=list(range(1, layers + 1)), value=1,
                                     description=t("l05.explorer.control.layer"), style=style),
            "unit": W.IntSlider(min=0, max=units - 1, value=1, description=t("l05.explorer.control.unit"),
                                style=style),
        }

    def sync_controls(self):
        self.controls["momentum"].disabled = self.state["convention"] == "cumulative"

    def make_figure(self, fig):
        gs = fig.add_gridspec(1, 3)
        ax = self.ax = fig.add_subplot(gs[0, :2])
        ax.set_xlim(0, self.steps[-1])
        ax.set_ylim(-0.03, 1.03)     # the ticks (0 … 1 after rescaling) span the axis
        ax.set_autoscale_on(False)
        ax.set_yticks([])
        ax.tick_params(labelsize=8)
        ax.set_xlabel(t("l05.explorer.xlabel"))
        ax.set_ylabel(t("l05.explorer.ylabel"), labelpad=36)
        n = N_TICKS[1]
        self.ticks = [ax.text(-0.012, 0, "", transform=ax.get_yaxis_transform(), ha="right", va="center",
                              fontsize=8) for _ in range(n)]
        self.grid, = ax.plot([], [], color="0.9", lw=0.8, transform=ax.get_yaxis_transform(), zorder=0)
        # three series: the batches (faint, underneath), the estimate, the target (dashed, on top, so
        # the orange shows between its dashes where the two agree)
        self.dots, = ax.plot([], [], ".", color=BATCH, ms=2.5, zorder=1, label=t("l05.explorer.legend.batch"))
        self.est, = ax.plot([], [], color=ESTIMATE, lw=2.4, zorder=2, label=t("l05.explorer.legend.estimate"))
        self.pop, = ax.plot([], [], color=POPULATION, lw=1.3, ls=(0, (4, 3)), zorder=3,
                            label=t("l05.explorer.legend.population"))
        self.head = ax.set_title(" \n ", fontsize=9, loc="left")
        wx = self.wx = fig.add_subplot(gs[0, 2])
        wx.set_xlim(-2, K_MAX)
        wx.set_yscale("log")
        wx.set_ylim(1e-4, 1.5)
        wx.set_autoscale_on(False)
        wx.tick_params(labelsize=8)
        wx.set_xlabel(t("l05.explorer.weights_xlabel"))
        wx.set_ylabel(t("l05.explorer.weights_ylabel"))
        k = np.arange(K_MAX + 1)
        # markers: with a large new-batch weight the curve falls off the axis within a few batches
        self.w_est, = wx.plot(k, np.ones_like(k, float), color=ESTIMATE, lw=1.6, marker="o", ms=2)
        self.w_title = wx.set_title(" \n \n ", fontsize=8.5, loc="left")
        handles = [self.dots, self.est, self.pop]
        fig.legend(handles, [h.get_label() for h in handles], loc="outside lower center", ncol=3,
                   fontsize=8, frameon=False, handlelength=2.6, columnspacing=1.8, markerscale=3)
        self.dynamic = [self.grid, self.dots, self.est, self.pop, self.head, self.w_est, self.w_title] + self.ticks

    def _average(self, batch, stat, convention, number):
        if convention == "cumulative":
            return BI.running_average(batch, None)
        return BI.running_average(batch, number, INIT[stat], convention)

    def draw(self, convention, momentum, stat, layer, unit):
        r = self.results
        batch, pop = r.series(stat, layer - 1, unit)
        est = self._average(batch, stat, convention, momentum)
        shown = (batch, pop, est)            # the axis fits every curve drawn
        ticks = nice_ticks(min(v.min() for v in shown), max(v.max() for v in shown))
        lo, hi = ticks[0], ticks[-1]
        scale = lambda v: (v - lo) / (hi - lo)
        for i, text in enumerate(self.ticks):
            if i < len(ticks):
                text.set_text(_fmt(ticks[i]))
                text.set_y(scale(ticks[i]))
            else:
                text.set_text("")
        ys = scale(ticks)
        self.grid.set_data(np.tile([0, 1, np.nan], len(ticks)), np.repeat(ys, 3))
        self.dots.set_data(self.steps, scale(batch))
        self.pop.set_data(r.pop_steps, scale(pop))
        self.est.set_data(self.steps, scale(est))
        T = len(self.steps)
        if convention == "cumulative":
            w_text = t("l05.explorer.weights_cumulative", steps=T)
            weights, _ = BI.ema_weights(T, None)
        else:
            w = BI.new_batch_weight(momentum, convention)
            weights, init_w = BI.ema_weights(T, momentum, convention)
            n_eff = f"{1 / w:,.0f}" if 1 / w >= 100 else f"{1 / w:.3g}"
            w_text = t("l05.explorer.weights_ema", w=f"{w:.3g}", n=n_eff)
            if init_w >= 0.005:
                w_text += t("l05.explorer.weights_initial", percent=f"{100 * init_w:.0f}")
        self.w_est.set_ydata(np.maximum(weights[:K_MAX + 1], 1e-30))
        name = t("l05.explorer.name.mean" if stat == "mean" else "l05.explorer.name.var")
        setting = (t("l05.explorer.setting.cumulative") if convention == "cumulative"
                   else t(f"l05.explorer.setting.{convention}", momentum=f"{momentum:g}"))
        self.head.set_text(t("l05.explorer.head", layer=layer, unit=unit, name=name, setting=setting,
                             steps=T, estimate=_fmt(est[-1]), population=_fmt(pop[-1])))
        # always 3 lines (the layout was made for 3; the text sits on the axes, blank lines on top)
        self.w_title.set_text(" \n" * (2 - w_text.count("\n")) + w_text)
