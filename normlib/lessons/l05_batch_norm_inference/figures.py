"""The two figures of notebook 05, with their text from the message catalogue (keys ``l05.fig.*``),
so that the Korean edition draws them in Korean from the same code.

``plot_one_image_in_batches`` — one test image's class probabilities in 20 random batches (training
mode) against eval mode. ``plot_ema_vs_precise`` — test accuracy over training with the running
statistics of each BN's momentum and with precise BN.
"""

import numpy as np
import matplotlib.pyplot as plt

from ...i18n import t
from ...palette import COLORS

__all__ = ["softmax", "plot_one_image_in_batches", "plot_ema_vs_precise"]


def softmax(logits):
    """Row-wise softmax of a (n, classes) array of logits."""
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    return p / p.sum(axis=1, keepdims=True)


def plot_one_image_in_batches(digits, index, prob, p_eval, classes=(2, 1, 8)):
    """Left: test image ``index``; right: its probabilities ``prob`` (one row per batch) for
    ``classes``, against ``p_eval`` (eval mode) as dashed lines; batches where the prediction is not
    the true class are shaded."""
    truth = int(digits.y_test[index])
    n = len(prob)
    flips = np.flatnonzero(prob.argmax(axis=1) != truth) + 1
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(9.6, 3.1), layout="constrained", width_ratios=(1, 4))
    image = digits.X_test[index].reshape(8, 8) * digits.std.reshape(8, 8) + digits.mean.reshape(8, 8)
    ax0.imshow(image, cmap="gray_r")
    ax0.set_title(t("l05.fig.image_title", index=index, label=truth), fontsize=9)
    ax0.set_axis_off()
    for b in flips:
        ax1.axvspan(b - 0.5, b + 0.5, color="0.88", lw=0, zorder=0)
    for c, color, marker in zip(classes, (COLORS.orange, COLORS.blue, COLORS.green), ("o", "s", "^")):
        ax1.plot(np.arange(1, n + 1), prob[:, c], marker, ls="none", color=color, ms=5,
                 label=t("l05.fig.p_in_batch", c=c))
        ax1.axhline(p_eval[c], color=color, ls="--", lw=1.2, label=t("l05.fig.p_eval", c=c))
    ax1.axvspan(0, 0, color="0.88", label=t("l05.fig.flipped", label=truth))     # legend entry only
    ax1.set(xlabel=t("l05.fig.batch_xlabel", n=n), ylabel=t("l05.fig.probability"),
            ylim=(0, 1), xlim=(0.5, n + 0.5), xticks=range(1, n + 1))
    ax1.set_title(t("l05.fig.batches_title", label=truth, flips=len(flips), n=n), fontsize=9)
    ax1.tick_params(labelsize=8)
    ax1.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8, frameon=False)
    plt.show()


def plot_ema_vs_precise(r):
    """Test accuracy every ``r.settings['eval_every']`` steps with each run's running statistics
    and with precise BN (an :class:`EMAvsPrecise`); right: a zoom on steps ≥ 50."""
    fig, (ax, zoom) = plt.subplots(1, 2, figsize=(9.6, 3.6), layout="constrained", width_ratios=(1, 1.25))
    # markers at every evaluation: where two curves coincide both stay visible
    styles = {0.1: (COLORS.orange, "-", "o"), 0.01: (COLORS.sky, "-", "s"), None: (COLORS.purple, "-.", "^")}
    late = r.steps >= 50
    for panel in (ax, zoom):
        keep = late if panel is zoom else slice(None)
        for momentum, acc in r.ema.items():
            color, ls, marker = styles[momentum]
            panel.plot(r.steps[keep], 100 * acc[keep], color=color, ls=ls, lw=1.4, marker=marker, ms=3.5,
                       label=t("l05.fig.ema_label", momentum=momentum))
        panel.plot(r.steps[keep], 100 * r.precise[keep], color=COLORS.black, lw=1.4, ls="--",
                   marker="x", ms=4, zorder=1.9,    # under the others: its x shows through
                   label=t("l05.fig.precise_label"))
        panel.set(xlabel=t("l05.fig.step"), ylabel=t("l05.fig.accuracy"))
        panel.tick_params(labelsize=8)
    ax.set(ylim=(0, 100), xlim=(0, r.steps[-1]))
    ax.axhspan(85, 100, xmin=50 / r.steps[-1], color="0.93", zorder=0)        # the zoomed region
    ax.set_title(t("l05.fig.ema_title"), fontsize=9)
    zoom.set(ylim=(85, 100), xlim=(50, r.steps[-1]))
    zoom.set_title(t("l05.fig.zoom_title"), fontsize=9)
    handles, labels = zoom.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=2, fontsize=8, frameon=False)
    plt.show()
