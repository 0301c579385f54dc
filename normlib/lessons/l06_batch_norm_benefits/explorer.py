"""Explorer for notebook 06: the learning-rate sweep, with and without batch norm, every seed.

Pick a learning rate of the sweep: left, the training loss of both networks at that rate (the mean
of each block of 5 steps; one thin line per seed; the loss axis follows the rate, so that it spans
the data); right, their test accuracy over training (one line per seed), with the target accuracy and
the steps each seed needed to reach it (▼). The titles give the final test accuracies, the steps to
the target and the largest rate of the sweep that reaches it. (The whole sweep at a glance is the
notebook's saved-sweep figure.) The sweep is any :class:`.experiments.Sweep`: in notebook 06 the
student's own (``lesson.lr_sweep(...)``, trained in the notebook); by default the saved one
(:func:`.experiments.saved_results`, run by ``long_runs.py``). The slider indexes its rates. Texts
come from the message catalogue (keys ``l06.explorer.*``, ``l06.net.*``), in the reader's language.
"""

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

from . import experiments as BB
from ...explorer import Explorer, TextLines
from ...i18n import t
from ...palette import COLORS as PALETTE, NORM_COLORS

COLORS = {"plain": NORM_COLORS["none"], "bn": NORM_COLORS["bn"]}
NAMES = {"plain": "without BN", "bn": "with BN"}
TARGETS = (0.8, 0.9, 0.95)
SMOOTH = 10


def smooth(loss, k=SMOOTH):
    """Moving average over the last ``k`` values (over the values so far at the start)."""
    x = np.asarray(loss, float)
    c = np.concatenate([[0.0], np.cumsum(x)])
    i = np.arange(1, len(x) + 1)
    n = np.minimum(i, k)
    return (c[i] - c[i - n]) / n


def _range(values, fmt="{:.0f}"):
    values = np.asarray(values, float)
    lo, hi = np.nanmin(values), np.nanmax(values)
    return fmt.format(lo) if lo == hi else f"{fmt.format(lo)}–{fmt.format(hi)}"


class LRSweepExplorer(Explorer):
    name = "l06_batch_norm_benefits"
    figsize = (9.6, 4.2)
    fontsize = 9

    @classmethod
    def small(cls):
        """Built from a small sweep (2 rates × 3 seeds × 20 steps) trained on the spot, for the tests."""
        return cls(BB.lr_sweep(lrs=(0.5, 8.0), seeds=(0, 1, 2), steps=20, eval_every=5))

    def __init__(self, sweep=None, lr=None):
        """``sweep``: a :class:`Sweep` (default: the saved one); ``lr``: the rate shown first, one of
        the sweep's rates (default: 1 if the sweep has it, else its smallest rate)."""
        if sweep is not None and not isinstance(sweep, BB.Sweep):
            raise TypeError(f"sweep must be a Sweep (lesson.lr_sweep(...) or saved_results().sweep); "
                            f"got {type(sweep).__name__}")
        self.sweep = sweep if sweep is not None else BB.saved_results().sweep
        if lr is not None and lr not in self.sweep.lrs:
            raise ValueError(f"lr must be one of the sweep's rates {list(self.sweep.lrs)}; got {lr!r}")
        self.first_lr = lr if lr is not None else (1.0 if 1.0 in self.sweep.lrs else self.sweep.lrs[0])
        super().__init__()

    def make_controls(self):
        import ipywidgets as W
        lrs = self.sweep.lrs
        return {
            "lr": W.SelectionSlider(options=[(f"{v:.3g}", v) for v in lrs], value=self.first_lr,
                                    description=t("l06.explorer.control_lr")),
            "target": W.ToggleButtons(options=[(f"{100 * v:g}%", v) for v in TARGETS], value=0.9,
                                      description=t("l06.explorer.control_target")),
        }

    def loss_limits(self, i):
        """Limits of the (log) loss axis at the i-th rate: the curves of both networks, every seed,
        and the guessing level ln 10, with a margin."""
        values = [np.clip(row[i].loss, 1e-4, 1e5) for net in BB.NETWORKS for row in self.sweep.runs[net]]
        values = np.concatenate(values + [[np.log(10)]])
        values = values[np.isfinite(values)]
        return values.min() / 1.6, values.max() * 1.6

    def make_figure(self, fig):
        self.ax_loss, self.ax_acc = axes = fig.subplots(1, 2, width_ratios=(1, 1.12))
        sw = self.sweep
        steps = sw.settings["steps"]
        fs = self.fontsize
        self.loss_lines, self.acc_lines, self.hits = {}, {}, {}
        ax = self.ax_loss
        ax.set_yscale("log")
        ax.set_xlim(0, steps)
        ax.set_xlabel(t("l06.explorer.step"), fontsize=fs)
        # The y axis is redrawn at every step (its limits follow the rate): its label is a static
        # text instead, placed clear of the widest tick labels, so that redraw stays cheap.
        ax.text(-0.16, 0.5, t("l06.explorer.loss_label", block=BB.LOSS_BLOCK), transform=ax.transAxes,
                rotation=90, ha="center", va="center", fontsize=fs)
        ax.yaxis.set_label_coords(-0.16, 0.5)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.yaxis.set_minor_locator(NullLocator())           # fewer ticks to redraw at every step
        self.guess_line = ax.axhline(np.log(10), color=PALETTE.grey, lw=1, ls=":")
        ax = self.ax_acc
        ax.set_xlim(0, steps)
        ax.set_ylim(0, 102)
        ax.set_xlabel(t("l06.explorer.step"), fontsize=fs)
        ax.set_ylabel(t("l06.explorer.acc_label"), fontsize=fs)
        self.target_line = ax.axhline(90, color=PALETTE.grey, lw=1, ls=":")
        for net in BB.NETWORKS:
            c = COLORS[net]
            # one collection of lines per network and panel (one line per seed): one artist to draw
            # instead of one per seed; caps and joins as plot() draws lines
            style = dict(color=c, lw=1.0, alpha=0.8, capstyle="projecting", joinstyle="round")
            self.loss_lines[net] = self.ax_loss.add_collection(LineCollection([], **style), autolim=False)
            self.acc_lines[net] = self.ax_acc.add_collection(LineCollection([], **style), autolim=False)
            self.hits[net], = self.ax_acc.plot([], [], "v", color=c, ms=8, mec="k", mew=0.6)
        for a in axes:
            a.tick_params(labelsize=fs)
        # The key below the panels, off the data in every state of the controls.
        from matplotlib.lines import Line2D
        handles = [Line2D([], [], color=COLORS[net], lw=1.5, label=t("l06.explorer.key_net", network=t(f"l06.net.{net}")))
                   for net in BB.NETWORKS]
        handles.append(Line2D([], [], ls="none", marker="v", color="0.6", mec="k", mew=0.6, ms=8,
                              label=t("l06.explorer.key_hit")))
        handles.append(Line2D([], [], color=PALETTE.grey, lw=1, ls=":", label=t("l06.explorer.key_target")))
        fig.legend(handles=handles, loc="outside lower center", ncol=2, fontsize=fs, frameon=False,
                   handlelength=1.8, columnspacing=2.5)
        # one Text per line on the right: its second line changes with the target only
        self.titles = [a.set_title(" \n ", fontsize=fs, loc="left") for a in axes]
        self.titles[1] = TextLines(self.titles[1], 2)
        # The loss axis follows the learning rate: its tick labels are redrawn with the curves.
        self.dynamic = ([self.ax_loss.yaxis, self.guess_line, self.target_line]
                        + list(self.loss_lines.values()) + list(self.acc_lines.values()) + list(self.hits.values())
                        + [self.titles[0], *self.titles[1]])

    def draw(self, lr, target):
        sw = self.sweep
        i = sw.lrs.index(lr)
        n = len(sw.seeds)
        name = {net: t(f"l06.net.{net}") for net in BB.NETWORKS}
        status, reach = [], []
        for net in BB.NETWORKS:
            runs = [row[i] for row in sw.runs[net]]
            self.loss_lines[net].set_segments(
                [np.column_stack([np.minimum(BB.LOSS_BLOCK * np.arange(1, len(run.loss) + 1), run.steps),
                                  np.clip(run.loss, 1e-4, 1e5)]) for run in runs])
            self.acc_lines[net].set_segments(
                [np.column_stack([run.eval_steps, 100 * run.test_accuracy]) for run in runs])
            hit = [r.steps_to(target) for r in runs]
            got = [s for s in hit if s is not None]
            self.hits[net].set_data(got, [100 * target] * len(got))
            acc = [r.final_test_accuracy for r in runs]
            n_div = sum(r.diverged for r in runs)
            if n_div:
                status.append(t("l06.explorer.diverged", network=name[net], k=n_div, n=n))
            else:
                status.append(f"{name[net]} {_range(100 * np.array(acc))}%")
            if got:
                reach.append(f"{name[net]} {_range(got)}"
                             + (" " + t("l06.explorer.k_of_n", k=len(got), n=n) if len(got) < n else ""))
            else:
                reach.append(t("l06.explorer.never", network=name[net]))
        lo, hi = self.loss_limits(i)
        self.ax_loss.set_ylim(lo, hi)
        # plain numbers at 1, 2, 5 × 10^k where there is room, else at the powers of ten only
        self.ax_loss.yaxis.set_major_locator(LogLocator(subs=(1, 2, 5) if hi / lo < 1000 else (1,)))
        self.target_line.set_ydata([100 * target])
        self.titles[0].set_text(t("l06.explorer.left_title", lr=lr, steps=sw.settings['steps'],
                                  status=", ".join(status), n=n))
        largest = {net: [v for v in sw.largest_lr(net, target)] for net in BB.NETWORKS}
        self.titles[1].set_text(t("l06.explorer.right_title", target=100 * target, reach=", ".join(reach),
                                  largest=", ".join(f"{name[m]} " + (_range([v or np.nan for v in largest[m]], "{:.3g}")
                                                                     if any(largest[m]) else t("l06.explorer.none"))
                                                    for m in BB.NETWORKS)))
