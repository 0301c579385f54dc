"""Explorer for notebook 01: gradient descent on raw vs standardized features, one shared step size.

Left: linear least squares on two features whose scales differ by ``ratio`` (the loss contours are a
narrow valley). Right: the same data with each feature standardized (mean 0, variance 1 over the
training set). The same learning rate drives both. Past 2/λ_max(raw) the left run diverges while the
right one only gets faster; each title gives λ_max, 2/λ_max and the steps to reach the target loss
(:func:`normlib.lessons.l01_standardization.experiments.steps_to_loss`, closed form, up to ``MAX_STEPS``).

A third slider, ``offset``, moves both raw features away from 0 by that many of their own standard
deviations (and the target with them: :func:`~normlib.lessons.l01_standardization.experiments.two_feature_problem`):
the raw features are then not centred, which adds about 2·offset² to λ_max at ratio 1. The
standardized panel centres the features (and the target), so the offset never reaches it.

The ratio and learning-rate sliders are log-spaced (``SelectionSlider`` over log-spaced values), so every value the
base class accepts is one the slider can show.
"""

import numpy as np
from matplotlib.lines import Line2D

from . import experiments as LS
from ...explorer import Explorer, TextLines
from ...i18n import t
from ...palette import COLORS

RATIOS = (1, 1.5, 2, 3, 5, 7, 10, 15, 20, 30, 50, 70, 100)
OFFSETS = (0, 0.5, 1, 2, 3, 5, 10)       # feature means, in units of each feature's std
# About ten values per decade from 1e-4 to 2: 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^e.
_MANTISSAS = (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8)
LRS = tuple(float(f"{m}e{e}") for e in range(-4, 0) for m in _MANTISSAS) + (1.0, 1.2, 1.5, 2.0)
MAX_STEPS = 100_000
PATH_STEPS = 200          # iterates drawn per panel
TOL = 1e-3                # target loss: L* + TOL·(L(0) − L*), see landscape.target_loss
# (w₁ limits, w₂ limits), the same for every slider value (a changed axis would cost a full redraw):
# fitted to the default state — both minima, w* ≈ (1, 0.05) raw and (0.97, 0.5) standardized, and
# the raw zig-zag — with a margin; paths of larger learning rates may leave it.
WINDOW = ((-0.2, 1.3), (-0.3, 0.825))
GRID = 70                 # contour grid points per axis


def panel_model(X, y, lr):
    """Everything one panel shows, as plain numbers and arrays (no matplotlib)."""
    H = LS.hessian(X)
    curv = LS.curvature(H)
    w_star, L_star = LS.least_squares(X, y)
    run = LS.steps_to_loss(X, y, lr, LS.target_loss(X, y, TOL), max_steps=MAX_STEPS)
    path = LS.gd_path(X, y, lr, PATH_STEPS)
    return {"H": H, "curv": curv, "w_star": w_star, "L_star": L_star, "run": run,
            "path": clip_path(path), "excess0": 0.5 * float(np.var(y)) - L_star}


def clip_path(path, bound=1e3):
    """Cut a diverging path at its first non-finite point and clip it to ±bound (off-screen), so
    the line leaves the window instead of overflowing the renderer."""
    bad = ~np.all(np.isfinite(path), axis=1)
    if bad.any():
        path = path[:np.argmax(bad)]
    return np.clip(path, -bound, bound)


def _num(v):
    """3 significant digits, without exponents for the values the sliders reach."""
    return f"{v:,.0f}" if v >= 1000 else f"{v:.3g}" if v >= 1e-3 else f"{v:.2e}"


def panel_title(label, m, lr):
    c = m["curv"]
    run = m["run"]
    if run.steps is not None:
        verdict = t("l01.explorer.reached" if run.steps != 1 else "l01.explorer.reached_one",
                    steps=f"{run.steps:,}")
    elif run.diverged_at is not None:
        verdict = t("l01.explorer.diverged", step=f"{run.diverged_at:,}")
    else:
        verdict = t("l01.explorer.not_reached", steps=f"{run.max_steps:,}")
    if lr > c.max_stable_lr:
        verdict += "  (lr > 2/λmax)"
    return (f"{label}: κ = {_num(c.condition)}, 2/λmax = {_num(c.max_stable_lr)}\n"
            f"lr = {lr:g}: {verdict}")


class StandardizationExplorer(Explorer):
    name = "l01_standardization"
    figsize = (9.6, 4.4)

    def __init__(self, n=200, rho=0.6, seed=0):
        self.n, self.rho, self.seed = n, rho, seed
        (x0, x1), (y0, y1) = WINDOW
        self.W1, self.W2 = np.meshgrid(np.linspace(x0, x1, GRID), np.linspace(y0, y1, GRID))
        self.contours = [None, None]
        self.problem = None                 # (ratio, offset) the contours show
        super().__init__()

    def make_controls(self):
        import ipywidgets as W
        style = {"description_width": "initial"}
        return {
            "ratio": W.SelectionSlider(options=[(f"{r:g}", r) for r in RATIOS], value=10,
                                       description=t("l01.explorer.control.ratio"), style=style),
            "lr": W.SelectionSlider(options=[(f"{v:g}", v) for v in LRS], value=0.02,
                                    description=t("l01.explorer.control.lr"), style=style),
            "offset": W.SelectionSlider(options=[(f"{v:g}", v) for v in OFFSETS], value=0,
                                        description=t("l01.explorer.control.offset"), style=style),
        }

    def make_figure(self, fig):
        axes = fig.subplots(1, 2)
        self.axes = axes
        self.paths, self.starts, self.optima, self.titles = [], [], [], []
        for i, ax in enumerate(axes):
            ax.set_xlim(*WINDOW[0])
            ax.set_ylim(*WINDOW[1])
            ax.set_autoscale_on(False)
            ax.set_aspect("equal")            # the gradient is then drawn perpendicular to the contours
            ax.set_xlabel(t("l01.figure.w1"))
            ax.set_ylabel(t("l01.figure.w2"))
            path, = ax.plot([], [], "-o", color=COLORS.vermilion, ms=2.5, lw=1)
            start, = ax.plot([0], [0], "o", color=COLORS.black, ms=6)
            opt, = ax.plot([], [], "*", color=COLORS.green, ms=13, mec=COLORS.black, mew=0.6)
            self.paths.append(path)
            self.starts.append(start)
            self.optima.append(opt)
            # one Text per title line: a line that did not change is pasted, not drawn again
            self.titles.append(TextLines(ax.set_title(" \n ", fontsize=10), 2))
        # One legend for both panels, below them: off the data in every state of the sliders.
        handles = [Line2D([], [], color=COLORS.sky, lw=1, label=t("l01.explorer.contours")),
                   Line2D([], [], marker="o", color=COLORS.vermilion, ms=3, lw=1,
                          label=t("l01.explorer.path", steps=PATH_STEPS)),
                   Line2D([], [], marker="o", ls="", color=COLORS.black, ms=6, label=t("l01.explorer.start")),
                   Line2D([], [], marker="*", ls="", color=COLORS.green, mec=COLORS.black, mew=0.6,
                          ms=13, label=t("l01.figure.minimum"))]
        fig.legend(handles=handles, loc="outside lower center", ncol=4, fontsize=9, frameon=False)
        self.title_lines = [line for lines in self.titles for line in lines]   # the Text artists
        self.dynamic = self.paths + self.optima + self.title_lines

    def problems(self, ratio, offset=0):
        X, y = LS.two_feature_problem(n=self.n, ratio=ratio, rho=self.rho, seed=self.seed,
                                      offset=offset)
        mean, std = LS.fit_standardization(X)
        raw = (t("l01.explorer.raw_offset", ratio=f"{ratio:g}", offset=f"{offset:g}") if offset
               else t("l01.explorer.raw", ratio=f"{ratio:g}"))
        return [(raw, X, y),
                (t("l01.explorer.standardized"), LS.apply_standardization(X, mean, std), LS.centred_target(y))]

    def draw(self, ratio, lr, offset):
        new_problem = (ratio, offset) != self.problem       # the learning rate moves no contour
        self.problem = (ratio, offset)
        for i, (label, X, y) in enumerate(self.problems(ratio, offset)):
            m = panel_model(X, y, lr)
            if new_problem:
                self.draw_contours(i, m)
            self.paths[i].set_data(m["path"][:, 0], m["path"][:, 1])
            self.optima[i].set_data([m["w_star"][0]], [m["w_star"][1]])
            self.titles[i].set_text(panel_title(label, m, lr))
        # contours first (drawn underneath), then the lines, then the titles
        self.dynamic = self.contours + self.paths + self.optima + self.title_lines

    def draw_contours(self, i, m):
        """Loss contours: L − L* = ½ (w − w*)ᵀ H (w − w*), at levels 4^k times the start's excess."""
        d1, d2 = self.W1 - m["w_star"][0], self.W2 - m["w_star"][1]
        H = m["H"]
        excess = 0.5 * (H[0, 0] * d1 * d1 + 2 * H[0, 1] * d1 * d2 + H[1, 1] * d2 * d2)
        levels = m["excess0"] * 4.0 ** np.arange(-6, 9)
        levels = levels[(levels > excess.min()) & (levels < excess.max())]
        if self.contours[i] is not None:
            self.contours[i].remove()
        cs = self.axes[i].contour(self.W1, self.W2, excess, levels=levels if levels.size else 1,
                                  colors=COLORS.sky, linewidths=0.8)
        cs.set_animated(True)
        self.contours[i] = cs
