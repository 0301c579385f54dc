"""The figure of notebook 08: the student's batch-size experiment, alone or over the saved sweep."""

import numpy as np

from ...i18n import t
from ...palette import COLORS, NORM_COLORS

__all__ = ["CURVES", "plot_accuracies"]

BN_DARK = "#8C4A00"             # batch norm's orange, darkened: BN run with its batch statistics
# (metric, line style, marker, colour, key of the label)
CURVES = (("train_acc_train_mode", ":", "^", BN_DARK, "l08.figure.train_mode"),
          ("test_acc_eval", "-", "o", NORM_COLORS["bn"], "l08.figure.test_ema"),
          ("test_acc_precise", "--", "s", NORM_COLORS["bn"], "l08.figure.test_precise"))


_ROW_MARKERS = {"^": "▲", "o": "●", "s": "□"}


def plot_accuracies(ax, sizes, mine, saved=None, annotate=False):
    """Draw BN's three accuracies against the batch size on ``ax``.

    ``mine``: {metric: array (len(sizes), seeds)} — the student's runs: seed means as markers joined
    by lines. ``saved``: a :class:`SmallBatchResults` — then the saved sweep is drawn behind them as
    bands (min–max over its seeds) with its means as thin lines, and LN's test accuracy as the
    control, and the student's points become black markers."""
    sizes = np.asarray(sizes)
    if saved is not None:
        ss = np.asarray(saved.batch_sizes)
        for metric, ls, mk, color, key in CURVES:
            ax.fill_between(ss, 100 * saved.lo["batch"][metric], 100 * saved.hi["batch"][metric], color=color,
                            alpha=0.15, lw=0)
            ax.plot(ss, 100 * saved.mean["batch"][metric], ls=ls, color=color, lw=1.2,
                    label=t("l08.figure.saved", what=t(key)))
        ax.plot(ss, 100 * saved.mean["layer"]["test_acc_eval"], "-", marker="D", color=NORM_COLORS["ln"], ms=4,
                label=t("l08.figure.ln_saved"))
    for metric, ls, mk, color, key in CURVES:
        y = 100 * np.asarray(mine[metric]).mean(axis=1)
        if saved is None:
            ax.plot(sizes, y, ls=ls, marker=mk, color=color, mfc="white" if mk == "s" else color, label=t(key))
        else:
            ax.plot(sizes, y, ls="none", marker=mk, color=COLORS.black, mfc="white", mew=1.5, ms=7,
                    label=t("l08.figure.yours", what=t(key)))
    if annotate:                      # the seed means as a small table in the empty lower right corner
        rows = [[f"{v:.0f}" for v in 100 * np.asarray(mine[metric]).mean(axis=1)] for metric, *_ in CURVES]
        tab = ax.table(cellText=rows, rowLabels=[_ROW_MARKERS[mk] for _, _, mk, _, _ in CURVES],
                       colLabels=[f"m = {m}" for m in sizes], cellLoc="center", bbox=(0.42, 0.2, 0.55, 0.38))
        tab.auto_set_font_size(False)
        tab.set_fontsize(8)
        for (r, c), cell in tab.get_celld().items():
            cell.set_edgecolor("0.85")
            if c == -1 and r > 0:
                cell.get_text().set_color(CURVES[r - 1][3])
    ax.set(xscale="log", ylim=(0, 100), xlabel=t("l08.figure.xlabel"), ylabel=t("l08.figure.ylabel"))
    ticks = sorted(set(sizes) | (set(saved.batch_sizes) if saved is not None else set()))
    ax.set_xticks(ticks, [str(m) for m in ticks])
    ax.xaxis.set_minor_locator(__import__("matplotlib").ticker.NullLocator())
    ax.axhline(10, color=COLORS.grey, lw=0.8, ls=":")
    ax.text(ticks[-1], 11, t("l08.figure.guessing"), ha="right", va="bottom", fontsize=8, color=COLORS.grey)
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.02, 0.5), frameon=False)
    return ax
