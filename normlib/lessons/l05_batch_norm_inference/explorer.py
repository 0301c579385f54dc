"""Explorer for notebook 05: the running estimate of a BN statistic against the population over training.

Left: for one unit of one BN layer of the Figure 1 network, trained on the digits, the statistic of
every training batch (grey dots), the population statistic of the whole training set with the
weights of that step (black, drawn on top), and the running estimate that BN would store (orange) — with the
chosen number read as PyTorch reads it (weight of the *new* batch), as CS231n reads it (weight of
the *old* value), or ``momentum=None`` (cumulative). The dashed purple line puts the same number
into the other formula. Right: the weight each past batch has in the estimate at the last step.

The training run is computed once (:func:`~normlib.lessons.l05_batch_norm_inference.experiments.track_bn_statistics`, cached); the
controls only recompute a running average of 500 numbers. The y-axis of the left panel is rescaled
per series onto fixed axes (its tick labels and grid lines are redrawn as dynamic artists, 4 to 6
round ticks that the data fills), so every control blits.
"""

import numpy as np
from matplotlib import patheffects

from . import experiments as BI
from ...explorer import Explorer
from ...palette import COLORS

NUMBERS = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 0.5, 0.7, 0.9, 0.97, 0.99, 0.997, 0.999)
CONVENTIONS = {"new": "PyTorch: r ← (1 − momentum)·r + momentum·x",
               "old": "CS231n: r ← momentum·r + (1 − momentum)·x",
               "cumulative": "PyTorch, momentum=None: cumulative average"}
# the toggle buttons' labels: short enough to show whole
LABELS = {"new": "PyTorch: weight of new", "old": "CS231n: weight of old", "cumulative": "momentum=None"}
INIT = {"mean": 0.0, "var": 1.0}          # PyTorch's initial running_mean and running_var
N_TICKS = (4, 6)                          # the left panel shows 4 to 6 round ticks
K_MAX = 120                               # batches back shown in the weights panel
ESTIMATE, OTHER, POPULATION, BATCH = COLORS.orange, COLORS.purple, COLORS.black, "0.62"


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
    title = "Running estimates of a BN statistic: momentum, its two conventions, and momentum=None"
    caption = ("move the momentum: does the orange running estimate follow the black population "
               "statistic, lag behind it, or jump with every batch?")
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
            "convention": W.ToggleButtons(options=[(v, k) for k, v in LABELS.items()], value="new",
                                          description="formula", style=style,
                                          tooltips=[CONVENTIONS[k] for k in LABELS]),
            "momentum": W.SelectionSlider(options=[(f"{v:g}", v) for v in NUMBERS], value=0.1,
                                          description="momentum", style=style),
            "stat": W.ToggleButtons(options=[("mean", "mean"), ("variance", "var")], value="var",
                                    description="statistic"),
            "layer": W.ToggleButtons(options=list(range(1, layers + 1)), value=1, description="BN layer"),
            "unit": W.IntSlider(min=0, max=units - 1, value=1, description="unit"),
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
        ax.set_xlabel("training step")
        ax.set_ylabel("value of the statistic", labelpad=36)
        n = N_TICKS[1]
        self.ticks = [ax.text(-0.012, 0, "", transform=ax.get_yaxis_transform(), ha="right", va="center",
                              fontsize=8) for _ in range(n)]
        self.grid, = ax.plot([], [], color="0.88", lw=0.8, transform=ax.get_yaxis_transform(), zorder=0)
        self.dots, = ax.plot([], [], ".", color=BATCH, ms=3, label="batch statistic (enters the average)")
        self.other, = ax.plot([], [], color=OTHER, lw=0.8, alpha=0.8,
                              label="same number, other formula")
        self.est, = ax.plot([], [], color=ESTIMATE, lw=2.0, label="running estimate (this setting)")
        # the population on top of the estimate, outlined in white so that it shows where they agree
        self.pop, = ax.plot([], [], color=POPULATION, lw=1.2, label="population (whole training set)",
                            path_effects=[patheffects.Stroke(linewidth=2.6, foreground="white"),
                                          patheffects.Normal()])
        self.head = ax.set_title(" \n ", fontsize=9, loc="left")
        wx = self.wx = fig.add_subplot(gs[0, 2])
        wx.set_xlim(-2, K_MAX)
        wx.set_yscale("log")
        wx.set_ylim(1e-4, 1.5)
        wx.set_autoscale_on(False)
        wx.tick_params(labelsize=8)
        wx.set_xlabel("batches back from the last step (k)")
        wx.set_ylabel("weight of batch k in the final estimate")
        k = np.arange(K_MAX + 1)
        self.w_est, = wx.plot(k, np.ones_like(k, float), color=ESTIMATE, lw=2.0)
        # markers: with a large new-batch weight the curve falls off the axis within a few batches
        self.w_other, = wx.plot(k, np.ones_like(k, float), color=OTHER, lw=1.1, ls="--", marker="o", ms=3.5)
        self.w_title = wx.set_title(" \n \n \n ", fontsize=8.5, loc="left")
        handles = [self.dots, self.pop, self.est, self.other]
        fig.legend(handles, [h.get_label() for h in handles], loc="outside lower center", ncol=4,
                   fontsize=8, frameon=False, handlelength=2.2, columnspacing=1.5, markerscale=2)
        self.dynamic = ([self.grid, self.dots, self.other, self.est, self.pop, self.head, self.w_est,
                         self.w_other, self.w_title] + self.ticks)

    def _average(self, batch, stat, convention, number):
        if convention == "cumulative":
            return BI.running_average(batch, None)
        return BI.running_average(batch, number, INIT[stat], convention)

    def draw(self, convention, momentum, stat, layer, unit):
        r = self.results
        batch, pop = r.series(stat, layer - 1, unit)
        est = self._average(batch, stat, convention, momentum)
        other_conv = {"new": "old", "old": "new"}.get(convention)
        show_other = other_conv is not None and not (other_conv == "old" and momentum >= 1)
        other = self._average(batch, stat, other_conv, momentum) if show_other else est
        shown = (batch, pop, est, other)            # the axis fits every curve drawn
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
        if not show_other:
            self.other.set_data([], [])
            self.w_other.set_visible(False)
        else:
            self.other.set_data(self.steps, scale(other))
            self.w_other.set_visible(True)
        T = len(self.steps)
        if convention == "cumulative":
            w_text = f"every batch weighs 1/{T}:\nthe average of all {T} batches\nsince step 1"
            weights, _ = BI.ema_weights(T, None)
        else:
            w = BI.new_batch_weight(momentum, convention)
            weights, init_w = BI.ema_weights(T, momentum, convention)
            n_eff = f"{1 / w:,.0f}" if 1 / w >= 100 else f"{1 / w:.3g}"
            w_text = (f"orange: new-batch weight w = {w:.3g}\n≈ the last {n_eff} batches"
                      + (f";\n{100 * init_w:.0f}% still on the initial value" if init_w >= 0.005 else ""))
            if self.w_other.get_visible():
                w2 = BI.new_batch_weight(momentum, other_conv)
                w_text += f"\npurple, other formula: w = {w2:.3g}"
        self.w_est.set_ydata(np.maximum(weights[:K_MAX + 1], 1e-30))
        if other_conv is not None and self.w_other.get_visible():
            self.w_other.set_ydata(np.maximum(BI.ema_weights(T, momentum, other_conv)[0][:K_MAX + 1], 1e-30))
        name = "mean μ" if stat == "mean" else "variance (stored unbiased, m/(m − 1)·σ²)"
        setting = {"new": f"PyTorch, momentum = {momentum:g}", "old": f"CS231n, momentum = {momentum:g}",
                   "cumulative": "momentum=None"}[convention]
        self.head.set_text(f"BN layer {layer}, unit {unit}: {name}; {setting}\n"
                           f"at step {T}: running estimate {_fmt(est[-1])}, population {_fmt(pop[-1])}")
        # always 4 lines (the layout was made for 4; the text sits on the axes, blank lines on top)
        self.w_title.set_text(" \n" * (3 - w_text.count("\n")) + w_text)
