"""Explorer for notebook 05: the running estimate of a BN statistic against the population over training.

Left: for one unit of one BN layer of the Figure 1 network, trained on the digits, the statistic of
every training batch (grey dots), the population statistic of the whole training set with the
weights of that step (black), and the running estimate that BN would store (orange) — with the
chosen number read as PyTorch reads it (weight of the *new* batch), as CS231n reads it (weight of
the *old* value), or ``momentum=None`` (cumulative). The dashed line puts the same number into the
other formula. Right: the weight each past batch has in the estimate at the last step.

The training run is computed once (:func:`~normlib.lessons.l05_batch_norm_inference.experiments.track_bn_statistics`, cached); the
controls only recompute a running average of 500 numbers. The y-axis of the left panel is rescaled
per series onto fixed axes (its tick labels are redrawn as text), so every control blits.
"""

import numpy as np

from . import experiments as BI
from ...explorer import OKABE_ITO, Explorer

NUMBERS = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 0.5, 0.7, 0.9, 0.97, 0.99, 0.997, 0.999)
CONVENTIONS = {"new": "PyTorch: r ← (1 − momentum)·r + momentum·x",
               "old": "CS231n: r ← momentum·r + (1 − momentum)·x",
               "cumulative": "PyTorch, momentum=None: cumulative average"}
LABELS = {"new": "PyTorch (weight of the new batch)", "old": "CS231n (weight of the old value)",
          "cumulative": "momentum=None (cumulative)"}
INIT = {"mean": 0.0, "var": 1.0}          # PyTorch's initial running_mean and running_var
N_TICKS = 5
K_MAX = 120                               # batches back shown in the weights panel


def nice_ticks(lo, hi, n=N_TICKS):
    """``n`` evenly spaced round numbers (step 1, 2, 2.5 or 5 × 10^k) whose span covers [lo, hi]."""
    span = max(hi - lo, 1e-12)
    exp = np.floor(np.log10(span / (n - 1)))
    for mant in (1, 2, 2.5, 5, 10, 20):
        step = mant * 10.0 ** exp
        start = np.floor(lo / step) * step
        if start + (n - 1) * step >= hi:
            return start + step * np.arange(n)
    return start + step * np.arange(n)


def _fmt(v):
    return f"{v:.4g}" if abs(v) >= 1e-3 or v == 0 else f"{v:.1e}"


class RunningAverageExplorer(Explorer):
    name = "l05_batch_norm_inference"
    title = "Running estimates of a BN statistic: momentum, its two conventions, and momentum=None"
    figsize = (9.6, 4.2)

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
                                          description="formula", style=style),
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
        ax.set_ylim(-0.05, 1.3)      # headroom above the top tick for the legend
        ax.set_autoscale_on(False)
        ax.set_yticks(np.linspace(0, 1, N_TICKS), [""] * N_TICKS)
        ax.grid(axis="y", color="0.9", lw=0.8)
        ax.set_xlabel("training step")
        ax.set_ylabel("value of the statistic", labelpad=34)
        self.ticks = [ax.text(-0.012, y, "", transform=ax.get_yaxis_transform(), ha="right", va="center",
                              fontsize=8) for y in np.linspace(0, 1, N_TICKS)]
        self.dots, = ax.plot([], [], ".", color="0.6", ms=2.5, label="batch statistic (enters the average)")
        self.pop, = ax.plot([], [], color=OKABE_ITO[7], lw=1.6, label="population (whole training set)")
        self.other, = ax.plot([], [], color=OKABE_ITO[5], lw=0.8, ls="--", alpha=0.8,
                             label="same number, other formula")
        self.est, = ax.plot([], [], color=OKABE_ITO[1], lw=2.2, label="running estimate")
        ax.legend(loc="upper center", ncol=2, fontsize=7, framealpha=0.9)
        self.head = ax.set_title(" \n ", fontsize=9, loc="left")
        wx = self.wx = fig.add_subplot(gs[0, 2])
        wx.set_xlim(0, K_MAX)
        wx.set_yscale("log")
        wx.set_ylim(1e-4, 1.5)
        wx.set_autoscale_on(False)
        wx.set_xlabel("batches back from the last step (k)")
        wx.set_ylabel("weight in the final estimate")
        k = np.arange(K_MAX + 1)
        self.w_est, = wx.plot(k, np.ones_like(k, float), color=OKABE_ITO[1], lw=2.2, label="this setting")
        self.w_other, = wx.plot(k, np.ones_like(k, float), color=OKABE_ITO[5], lw=1.1, ls="--",
                                label="same number, other formula")
        wx.legend(loc="upper right", fontsize=7, framealpha=0.9)
        self.w_title = wx.set_title(" \n ", fontsize=9, loc="left")
        self.dynamic = ([self.dots, self.pop, self.other, self.est, self.head, self.w_est, self.w_other,
                         self.w_title] + self.ticks)

    def _average(self, batch, stat, convention, number):
        if convention == "cumulative":
            return BI.running_average(batch, None)
        return BI.running_average(batch, number, INIT[stat], convention)

    def draw(self, convention, momentum, stat, layer, unit):
        r = self.results
        batch, pop = r.series(stat, layer - 1, unit)
        ticks = nice_ticks(min(batch.min(), pop.min()), max(batch.max(), pop.max()))
        lo, hi = ticks[0], ticks[-1]
        scale = lambda v: (v - lo) / (hi - lo)
        for text, value in zip(self.ticks, ticks):
            text.set_text(_fmt(value))
        est = self._average(batch, stat, convention, momentum)
        self.dots.set_data(self.steps, scale(batch))
        self.pop.set_data(r.pop_steps, scale(pop))
        self.est.set_data(self.steps, scale(est))
        other_conv = {"new": "old", "old": "new"}.get(convention)
        if other_conv is None or (other_conv == "old" and momentum >= 1):
            self.other.set_data([], [])
            self.w_other.set_visible(False)
        else:
            self.other.set_data(self.steps, scale(self._average(batch, stat, other_conv, momentum)))
            self.w_other.set_visible(True)
        T = len(self.steps)
        if convention == "cumulative":
            w_text = f"every batch weighs 1/{T}: the average of all {T} batches since step 1"
            weights, _ = BI.ema_weights(T, None)
        else:
            w = BI.new_batch_weight(momentum, convention)
            weights, init_w = BI.ema_weights(T, momentum, convention)
            w_text = (f"new-batch weight w = {w:.3g}: ≈ the last {1 / w:,.3g} batches"
                      + (f"; {100 * init_w:.0f}% still on the initial value" if init_w >= 0.005 else ""))
        self.w_est.set_ydata(np.maximum(weights[:K_MAX + 1], 1e-30))
        if other_conv is not None and self.w_other.get_visible():
            self.w_other.set_ydata(np.maximum(BI.ema_weights(T, momentum, other_conv)[0][:K_MAX + 1], 1e-30))
        name = "mean μ" if stat == "mean" else "variance (stored unbiased, m/(m − 1)·σ²)"
        setting = {"new": f"PyTorch, momentum = {momentum:g}", "old": f"CS231n, momentum = {momentum:g}",
                   "cumulative": "momentum=None"}[convention]
        self.head.set_text(f"BN layer {layer}, unit {unit}: {name}; {setting}\n"
                           f"at step {T}: running estimate {_fmt(est[-1])}, population {_fmt(pop[-1])}")
        self.w_title.set_text(w_text.replace(": ", ":\n", 1))
