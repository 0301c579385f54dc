"""Notebook 07's figure: the training curves of the plain RNN, the LN-RNN and the per-step BN-RNN.
Its text comes from the message catalogue (keys ``l07.fig.*``), so the Korean edition draws it in Korean."""

import numpy as np

from ...i18n import t
from ...palette import NORM_COLORS

__all__ = ["RNN_COLORS", "rnn_name", "plot_rnn_training"]

RNN_COLORS = {"plain": NORM_COLORS["none"], "layer": NORM_COLORS["ln"], "batch": NORM_COLORS["bn"]}


def rnn_name(name):
    """The label of one of the three RNNs ("plain", "layer", "batch") in the current language."""
    if name not in RNN_COLORS:
        raise ValueError(f"name must be one of {list(RNN_COLORS)}; got {name!r}")
    return t(f"l07.fig.name_{name}")


def plot_rnn_training(r, smooth_over=10):
    """Two panels from ``r = rnn_experiment()``: the training loss (mean of ``smooth_over`` steps, log
    scale) and the test accuracy during training, one curve per RNN. Returns the figure."""
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.4), layout="constrained")
    steps = np.arange(1, len(r.loss["plain"]) + 1)
    kernel = np.ones(smooth_over) / smooth_over
    for name in RNN_COLORS:
        ax1.plot(steps[smooth_over - 1:], np.convolve(r.loss[name], kernel, mode="valid"),
                 color=RNN_COLORS[name], label=rnn_name(name))
        ax2.plot(r.eval_steps, 100 * np.asarray(r.test_accuracy[name]), color=RNN_COLORS[name], label=rnn_name(name))
    ax1.set(yscale="log", title=t("l07.fig.loss_title", n=smooth_over), xlabel=t("l07.fig.step"),
            ylabel=t("l07.fig.loss_ylabel"))
    ax2.set(ylim=(0, 100), title=t("l07.fig.acc_title"), xlabel=t("l07.fig.step"), ylabel=t("l07.fig.acc_ylabel"))
    ax1.legend()
    ax2.legend(loc="lower right")
    return fig
