"""Explorer for notebook 06: the learning-rate sweep, with and without batch norm.

Pick a learning rate of the sweep: left, the training loss of both networks at that rate (a moving
average over 10 steps); middle, their test accuracy over training, with the target accuracy and the
steps each network needed to reach it; right, the final test accuracy of every rate of the sweep,
with the chosen rate marked. The sweep is trained once (:func:`normlib.bn_benefits.lr_sweep`,
cached); the slider only indexes into it.
"""

import numpy as np

from . import experiments as BB
from ...explorer import OKABE_ITO, Explorer

COLORS = {"plain": OKABE_ITO[0], "bn": OKABE_ITO[1]}
NAMES = {"plain": "without BN", "bn": "with BN"}
TARGETS = (0.8, 0.9, 0.95)
SMOOTH = 10


def smooth(loss, k=SMOOTH):
    """Moving average over the last ``k`` steps (over the steps so far at the start)."""
    x = np.asarray(loss, float)
    c = np.concatenate([[0.0], np.cumsum(x)])
    i = np.arange(1, len(x) + 1)
    n = np.minimum(i, k)
    return (c[i] - c[i - n]) / n


class LRSweepExplorer(Explorer):
    name = "l06_batch_norm_benefits"
    title = "Learning-rate sweep: the Figure 1 network without and with batch norm"
    figsize = (9.6, 3.9)

    def __init__(self, sweep=None):
        self.sweep = sweep if sweep is not None else BB.lr_sweep()
        self.smoothed = {net: [smooth(r.loss) for r in runs] for net, runs in self.sweep.runs.items()}
        super().__init__()

    def make_controls(self):
        import ipywidgets as W
        style = {"description_width": "initial"}
        lrs = self.sweep.lrs
        return {
            "lr": W.SelectionSlider(options=[(f"{v:g}", v) for v in lrs], value=1.0 if 1.0 in lrs else lrs[0],
                                    description="learning rate", style=style),
            "target": W.ToggleButtons(options=[(f"{100 * t:g}%", t) for t in TARGETS], value=0.9,
                                      description="target test accuracy", style=style),
        }

    def make_figure(self, fig):
        self.ax_loss, self.ax_acc, self.ax_sum = axes = fig.subplots(1, 3)
        steps = self.sweep.settings["steps"]
        self.loss_lines, self.acc_lines, self.hits, self.cursor_pts = {}, {}, {}, {}
        ax = self.ax_loss
        ax.set_yscale("log")
        ax.set_xlim(0, steps)
        ax.set_ylim(1e-3, 2e3)
        ax.set_xlabel("training step")
        ax.set_ylabel(f"training loss (mean of {SMOOTH} steps)")
        ax = self.ax_acc
        ax.set_xlim(0, steps)
        ax.set_ylim(0, 1.02)
        ax.set_xlabel("training step")
        ax.set_ylabel("test accuracy")
        self.target_line = ax.axhline(0.9, color="0.5", lw=1, ls=":")
        ax = self.ax_sum
        ax.set_xscale("log")
        lrs = np.array(self.sweep.lrs)
        ax.set_xlim(lrs[0] / 1.6, lrs[-1] * 1.6)
        ax.set_ylim(0, 1.02)
        ax.set_xlabel("learning rate (log scale)")
        ax.set_ylabel(f"test accuracy after {steps} steps")
        for net in BB.NETWORKS:
            c = COLORS[net]
            self.loss_lines[net], = self.ax_loss.plot([], [], color=c, lw=1.4, label=NAMES[net])
            self.acc_lines[net], = self.ax_acc.plot([], [], color=c, lw=1.6, marker=".", ms=4, label=NAMES[net])
            self.hits[net], = self.ax_acc.plot([], [], "v", color=c, ms=8, mec="k", mew=0.5)
            acc = np.nan_to_num(self.sweep.final_accuracy(net), nan=0.0)
            ax.plot(lrs, acc, color=c, marker="o", ms=4, lw=1.4, label=NAMES[net])
            self.cursor_pts[net], = ax.plot([], [], "o", color=c, ms=10, mfc="none", mew=2)
        ax.axhline(0.9, color="0.5", lw=1, ls=":")
        self.cursor = ax.axvline(1.0, color="0.4", lw=1)
        self.ax_loss.legend(loc="lower left", fontsize=7)
        self.ax_sum.legend(loc="lower left", fontsize=7)
        self.titles = [a.set_title(" \n ", fontsize=8.5, loc="left") for a in axes]
        self.dynamic = ([self.target_line, self.cursor] + list(self.loss_lines.values())
                        + list(self.acc_lines.values()) + list(self.hits.values())
                        + list(self.cursor_pts.values()) + self.titles)

    def draw(self, lr, target):
        sw = self.sweep
        i = sw.lrs.index(lr)
        status, reach = [], []
        for net in BB.NETWORKS:
            run = sw.runs[net][i]
            loss = self.smoothed[net][i]
            self.loss_lines[net].set_data(np.arange(1, len(loss) + 1), np.clip(loss, 1e-4, 1e5))
            self.acc_lines[net].set_data(run.eval_steps, run.test_accuracy)
            s = run.steps_to(target)
            self.hits[net].set_data(([s], [target]) if s is not None else ([], []))
            acc = run.final_test_accuracy
            self.cursor_pts[net].set_data([lr], [0.0 if np.isnan(acc) else acc])
            status.append(f"{NAMES[net]} " + (f"diverged at step {run.diverged_at}" if run.diverged_at
                                              else f"{loss[-1]:.3g}"))
            reach.append(f"{NAMES[net]} {s if s is not None else 'never'}")
        self.target_line.set_ydata([target])
        self.cursor.set_xdata([lr])
        s_plain, s_bn = (sw.runs[net][i].steps_to(target) for net in BB.NETWORKS)
        ratio = f" ({s_plain / s_bn:.1f}× fewer)" if s_plain and s_bn else ""
        self.titles[0].set_text(f"learning rate {lr:g}: final loss\n" + ", ".join(status))
        self.titles[1].set_text(f"steps to {100 * target:g}% test accuracy (▼):\n" + ", ".join(reach) + ratio)
        largest = {net: sw.largest_lr(net, target) for net in BB.NETWORKS}
        self.titles[2].set_text(f"largest rate reaching {100 * target:g}%:\n"
                                + ", ".join(f"{NAMES[n]} {largest[n]:g}" if largest[n] else f"{NAMES[n]} none"
                                            for n in BB.NETWORKS))
