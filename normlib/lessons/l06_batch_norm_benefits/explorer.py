"""Explorer for notebook 06: the learning-rate sweep, with and without batch norm, every seed.

Pick a learning rate of the sweep: left, the training loss of both networks at that rate (the mean
of each block of 5 steps; one thin line per seed); middle, their test accuracy over training (one line
per seed), with the target accuracy and the steps each seed needed to reach it (▼); right, the final
test accuracy of every rate of the sweep (mean over seeds, bars from the lowest to the highest seed),
with the chosen rate marked. The sweep is the saved one (:func:`.experiments.saved_results`, run by
``long_runs.py``); the slider only indexes into it.
"""

import numpy as np

from . import experiments as BB
from ...explorer import Explorer
from ...palette import NORM_COLORS

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
    title = "Learning-rate sweep: the Figure 1 network without and with batch norm (every seed)"
    figsize = (9.6, 3.9)

    @classmethod
    def small(cls):
        """Built from a small sweep (2 rates × 3 seeds × 20 steps) trained on the spot, for the tests."""
        return cls(BB.lr_sweep(lrs=(0.5, 8.0), seeds=(0, 1, 2), steps=20, eval_every=5))

    def __init__(self, sweep=None):
        if sweep is not None and not isinstance(sweep, BB.Sweep):
            raise TypeError(f"sweep must be a Sweep (lesson.lr_sweep(...) or saved_results().sweep); "
                            f"got {type(sweep).__name__}")
        self.sweep = sweep if sweep is not None else BB.saved_results().sweep
        super().__init__()

    def make_controls(self):
        import ipywidgets as W
        style = {"description_width": "initial"}
        lrs = self.sweep.lrs
        return {
            "lr": W.SelectionSlider(options=[(f"{v:.3g}", v) for v in lrs], value=1.0 if 1.0 in lrs else lrs[0],
                                    description="learning rate", style=style),
            "target": W.ToggleButtons(options=[(f"{100 * t:g}%", t) for t in TARGETS], value=0.9,
                                      description="target test accuracy", style=style),
        }

    def make_figure(self, fig):
        self.ax_loss, self.ax_acc, self.ax_sum = axes = fig.subplots(1, 3)
        sw = self.sweep
        steps = sw.settings["steps"]
        n_seeds = len(sw.seeds)
        self.loss_lines, self.acc_lines, self.hits, self.cursor_pts = {}, {}, {}, {}
        ax = self.ax_loss
        ax.set_yscale("log")
        ax.set_xlim(0, steps)
        ax.set_ylim(1e-3, 2e3)
        ax.set_xlabel("training step")
        ax.set_ylabel(f"training loss (mean of {BB.LOSS_BLOCK} steps)")
        ax = self.ax_acc
        ax.set_xlim(0, steps)
        ax.set_ylim(0, 102)
        ax.set_xlabel("training step")
        ax.set_ylabel("test accuracy (%)")
        self.target_line = ax.axhline(90, color="0.5", lw=1, ls=":")
        ax = self.ax_sum
        ax.set_xscale("log")
        lrs = np.array(sw.lrs)
        ax.set_xlim(lrs[0] / 1.6, lrs[-1] * 1.6)
        ax.set_ylim(0, 102)
        ax.set_xlabel("learning rate (log scale)")
        ax.set_ylabel(f"test accuracy after {steps} steps (%)")
        for net in BB.NETWORKS:
            c = COLORS[net]
            self.loss_lines[net] = [self.ax_loss.plot([], [], color=c, lw=1.0, alpha=0.8,
                                                      label=NAMES[net] if k == 0 else None)[0] for k in range(n_seeds)]
            self.acc_lines[net] = [self.ax_acc.plot([], [], color=c, lw=1.0, alpha=0.8,
                                                    label=NAMES[net] if k == 0 else None)[0] for k in range(n_seeds)]
            self.hits[net], = self.ax_acc.plot([], [], "v", color=c, ms=7, mec="k", mew=0.5)
            acc = 100 * np.nan_to_num(sw.final_accuracy(net), nan=0.0)       # a diverged run counts as 0
            mean = acc.mean(axis=0)
            ax.errorbar(lrs, mean, yerr=[mean - acc.min(axis=0), acc.max(axis=0) - mean], color=c, marker="o",
                        ms=3.5, lw=1.2, capsize=2, label=f"{NAMES[net]} (mean, min–max of {n_seeds} seeds)")
            self.cursor_pts[net], = ax.plot([], [], "o", color=c, ms=10, mfc="none", mew=2)
        ax.axhline(90, color="0.5", lw=1, ls=":")
        self.cursor = ax.axvline(1.0, color="0.4", lw=1)
        self.ax_loss.legend(loc="lower left", fontsize=7)
        self.ax_sum.legend(loc="lower left", fontsize=6.5)
        self.titles = [a.set_title(" \n ", fontsize=8.5, loc="left") for a in axes]
        self.dynamic = ([self.target_line, self.cursor] + [l for ls in self.loss_lines.values() for l in ls]
                        + [l for ls in self.acc_lines.values() for l in ls] + list(self.hits.values())
                        + list(self.cursor_pts.values()) + self.titles)

    def draw(self, lr, target):
        sw = self.sweep
        i = sw.lrs.index(lr)
        n = len(sw.seeds)
        status, reach = [], []
        for net in BB.NETWORKS:
            runs = [row[i] for row in sw.runs[net]]
            for line, run in zip(self.loss_lines[net], runs):
                x = np.minimum(BB.LOSS_BLOCK * np.arange(1, len(run.loss) + 1), run.steps)
                line.set_data(x, np.clip(run.loss, 1e-4, 1e5))
            for line, run in zip(self.acc_lines[net], runs):
                line.set_data(run.eval_steps, 100 * run.test_accuracy)
            hit = [r.steps_to(target) for r in runs]
            got = [s for s in hit if s is not None]
            self.hits[net].set_data(got, [100 * target] * len(got))
            acc = [r.final_test_accuracy for r in runs]
            self.cursor_pts[net].set_data([lr], [100 * np.nanmean(np.nan_to_num(acc, nan=0.0))])
            n_div = sum(r.diverged for r in runs)
            if n_div:
                status.append(f"{NAMES[net]}: diverged ({n_div} of {n} seeds)")
            else:
                status.append(f"{NAMES[net]}: test {_range(100 * np.array(acc))}%")
            reach.append(f"{NAMES[net]} " + (f"{_range(got)}" + (f" ({len(got)} of {n} seeds)" if len(got) < n else "")
                                             if got else "never"))
        self.target_line.set_ydata([100 * target])
        self.cursor.set_xdata([lr])
        self.titles[0].set_text(f"learning rate {lr:.3g}, after {sw.settings['steps']} steps:\n" + "; ".join(status))
        self.titles[1].set_text(f"steps to {100 * target:g}% test accuracy (▼), {n} seeds:\n" + ", ".join(reach))
        largest = {net: [v for v in sw.largest_lr(net, target)] for net in BB.NETWORKS}
        self.titles[2].set_text(f"largest rate reaching {100 * target:g}% (per seed):\n"
                                + ", ".join(f"{NAMES[m]} " + (_range([v or np.nan for v in largest[m]], "{:.3g}")
                                                              if any(largest[m]) else "none") for m in BB.NETWORKS))
