"""Explorer for notebook 04: a sigmoid's inputs without BN, and after BN with γ and β.

Left: the incoming pre-activations x ~ N(mean, std²) (the lecture notes' red distribution when it
sits off-centre). Right: the same values after batch norm, γ·x̂ + β (blue). Each panel draws the
histogram (a density, per unit of x) over the sigmoid σ(x) and its slope σ'(x) (scaled ×4), all on one
0–1 axis, shades the
near-linear middle |x| ≤ 0.80 (σ within 0.01 of its tangent at 0), and gives the measures of
:func:`normlib.lessons.l04_scale_shift_sigmoid.sigmoid_measures`: E[σ'], the near-linear fraction, and R².
"""

import numpy as np

from ... import functional as F
from .experiments import sigmoid, sigmoid_measures, sigmoid_slope, tangent_halfwidth
from ...explorer import Explorer
from ...i18n import t
from ...palette import COLORS

# The notes' "red" distribution in a red that reads as red (Paul Tol's vibrant red; the Okabe–Ito
# vermilion reads orange), against the course's blue: apart under deuteranopia too.
RED, BLUE = "#CC3311", COLORS.blue
XLIM = (-8.0, 8.0)                     # fits the default state; beyond it: "n% off the axis" in the title
BINS = np.linspace(*XLIM, 65)          # bins of width 0.25
YMAX = 1.05                            # one axis for σ(x), 4·σ'(x) (0…1) and the inputs' density
N_SAMPLES = 4000


def _values(lo, hi, step):
    return [round(v, 2) for v in np.arange(lo, hi + step / 2, step)]


class ScaleShiftExplorer(Explorer):
    name = "l04_scale_shift_sigmoid"
    figsize = (9.6, 4.1)

    def __init__(self, seed=0):
        self.z = np.random.default_rng(seed).standard_normal(N_SAMPLES)
        self.halfwidth = tangent_halfwidth(0.01)
        super().__init__()

    def make_controls(self):
        import ipywidgets as W
        style = {"description_width": "initial"}
        return {
            "mean": W.FloatSlider(min=-6, max=6, step=0.5, value=4.0, description=t("l04.explorer.mean"), style=style),
            "std": W.FloatSlider(min=0.25, max=4, step=0.25, value=1.0, description=t("l04.explorer.std"), style=style),
            "gamma": W.FloatSlider(min=0.25, max=5, step=0.25, value=1.0, description=t("l04.explorer.gamma"),
                                   style=style),
            "beta": W.FloatSlider(min=-6, max=6, step=0.5, value=0.0, description=t("l04.explorer.beta"), style=style),
        }

    def make_figure(self, fig):
        axes = fig.subplots(1, 2)
        grid = np.linspace(*XLIM, 400)
        self.stairs, self.titles, self.curves = [], [], []
        for ax, color, side in zip(axes, (RED, BLUE), ("without", "after")):
            band = ax.axvspan(-self.halfwidth, self.halfwidth, color="0.88", zorder=0,
                              label=t("l04.explorer.near_linear"))
            self.stairs.append(ax.stairs(np.zeros(len(BINS) - 1), BINS, fill=True, color=color, alpha=0.85,
                                         label=t(f"l04.explorer.inputs_{side}")))
            self.curves += ax.plot(grid, sigmoid(grid), color="0.15", lw=1.4, label="σ(x)")
            self.curves += ax.plot(grid, 4 * sigmoid_slope(grid), color="0.15", lw=1.4, ls="--",
                                   label="4·σ'(x)")
            ax.set(xlim=XLIM, ylim=(0, YMAX), xlabel=t(f"l04.explorer.xlabel_{side}"))
            ax.set_autoscale_on(False)
            ax.grid(axis="y", color="0.92", lw=0.8, zorder=-1)
            ax.tick_params(labelsize=8)
            self.titles.append(ax.set_title(" \n ", fontsize=9, loc="left"))
        axes[0].set_ylabel(t("l04.explorer.ylabel"))
        handles = [self.curves[0], self.curves[1], band, self.stairs[0], self.stairs[1]]
        fig.legend(handles, [h.get_label() for h in handles], loc="outside lower center", ncol=5,
                   fontsize=8, frameon=False, handlelength=1.8, columnspacing=1.2)
        fig.suptitle(t("l04.explorer.suptitle"), fontsize=10)
        # the histograms first, the curves on top of them (static, but drawn after the bars)
        self.dynamic = self.stairs + self.curves + self.titles

    def model(self, mean, std, gamma, beta):
        """The two input samples (plain numbers, no matplotlib): without BN and after BN."""
        x = (mean + std * self.z)[:, None]
        y = F.batch_norm(x, np.array([gamma]), np.array([beta]))        # normlib's batch norm
        return x[:, 0], y[:, 0]

    def draw(self, mean, std, gamma, beta):
        width = BINS[1] - BINS[0]
        for i, (values, name) in enumerate(zip(self.model(mean, std, gamma, beta),
                                               (t("l04.explorer.title_without", mean=mean, std=std),
                                                t("l04.explorer.title_after", gamma=gamma, beta=beta)))):
            counts, _ = np.histogram(values, BINS)          # values beyond XLIM are not drawn
            self.stairs[i].set_data(counts / (values.size * width))
            off = 1 - counts.sum() / values.size
            peak = counts.max() / (values.size * width)
            notes = ([t("l04.explorer.off_axis", percent=100 * off)] if off >= 0.005 else []) + \
                    ([t("l04.explorer.peak_cut", peak=peak)] if peak > YMAX else [])
            m = sigmoid_measures(values)
            self.titles[i].set_text(f"{name}{'  (' + ', '.join(notes) + ')' if notes else ''}\n" +
                                    t("l04.explorer.measures", slope=m["mean_slope"],
                                      near_linear=100 * m["near_linear"], r2=m["r2"]))
