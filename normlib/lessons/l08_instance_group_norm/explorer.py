"""Explorers for notebook 08: instance norm as contrast normalization, and group norm's groups.

- :class:`InstanceNormExplorer` — change a photograph's contrast and brightness; the input image and
  its pixel histogram move, the instance-norm output does not (unless the pixels saturate).
- :class:`GroupNormExplorer` — slide the number of groups G from 1 (= layer norm) to C (= instance
  norm) over the second-layer feature maps of the trained conv net (rebuilt from the saved sweep): which values share one μ, σ²
  (the picture of :mod:`normlib.lessons.l00_overview.explorer`), and each group's μ ± σ beside each channel's.
"""

import numpy as np
from matplotlib.colors import to_rgb

from ... import functional as F
from .experiments import CHANNELS, GROUPS, adjust, digits, group_stats, photo_tensor, to_display, trained_model
from ...conv import conv_net
from ...nn import fit
from ...explorer import OKABE_ITO, Explorer
from ..l00_overview.explorer import set_ids

CONTRASTS = (0.25, 0.35, 0.5, 0.7, 1.0, 1.4, 2.0, 2.8, 4.0)   # log-spaced, √2 apart


class InstanceNormExplorer(Explorer):
    name = "l08_instance_group_norm.instance_norm"
    title = "Instance norm is contrast normalization: change the photograph, not the output"
    figsize = (9.6, 5.0)

    def __init__(self):
        self.x = photo_tensor(step=4)      # (1, 3, 150, 128) in [0, 1]: about the size it is shown at
        self.reference = F.instance_norm(self.x)                 # IN of the original photograph
        self.bins = np.linspace(-1.5, 2.5, 81)
        self.out_bins = np.linspace(-4, 4, 81)
        super().__init__()

    def make_controls(self):
        import ipywidgets as W
        return {
            "contrast": W.SelectionSlider(options=[(f"{c:g}", c) for c in CONTRASTS], value=0.5,
                                          description="contrast a"),
            "brightness": W.FloatSlider(min=-0.5, max=0.5, step=0.05, value=0.3, description="brightness b"),
            "saturate": W.ToggleButtons(options=[("no clipping", False), ("clip to [0, 1]", True)],
                                        value=False, description="pixels"),
        }

    def make_figure(self, fig):
        grid = fig.add_gridspec(2, 2, width_ratios=(1, 1.5))
        ax_in, ax_out = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[1, 0])
        ax_hin, ax_hout = fig.add_subplot(grid[0, 1]), fig.add_subplot(grid[1, 1])
        H, W = self.x.shape[2:]
        blank = np.zeros((H, W, 3))
        self.im_in = ax_in.imshow(blank, vmin=0, vmax=1)
        self.im_out = ax_out.imshow(blank, vmin=0, vmax=1)
        for ax, label in ((ax_in, "input x′ = a·x + b (shown clipped to [0, 1])"),
                          (ax_out, "instance norm output, 0.5 + 0.18·x̂")):
            ax.set_title(label, fontsize=8)
            ax.set_xlabel("pixel column", fontsize=8)
            ax.set_ylabel("pixel row", fontsize=8)
            ax.tick_params(labelsize=7)
        counts, _ = np.histogram(self.x, self.bins)
        ymax = 1.1 * counts.max() * 2.5                           # room for low contrast
        self.h_in = ax_hin.stairs(np.zeros(len(self.bins) - 1), self.bins, fill=True,
                                  color=OKABE_ITO[4], alpha=0.8, label="a·x + b")
        ax_hin.stairs(counts, self.bins, color="0.3", lw=1, label="original photograph")
        ax_hin.axvspan(0, 1, color="0.9", zorder=0, label="displayable range [0, 1]")
        ax_hin.set(xlim=self.bins[[0, -1]], ylim=(0, ymax), xlabel="pixel value (all 3 channels)",
                   ylabel="pixels per bin")
        ax_hin.legend(fontsize=7, loc="upper right", frameon=False)
        ref_counts, _ = np.histogram(self.reference, self.out_bins)
        self.h_out = ax_hout.stairs(np.zeros(len(self.out_bins) - 1), self.out_bins, fill=True,
                                    color=OKABE_ITO[1], alpha=0.8, label="IN(a·x + b)")
        ax_hout.stairs(ref_counts, self.out_bins, color="0.3", lw=1, label="IN(x), original")
        ax_hout.set(xlim=self.out_bins[[0, -1]], ylim=(0, 1.15 * ref_counts.max()),
                    xlabel="standardized value x̂ (per channel: mean 0, variance 1)", ylabel="pixels per bin")
        ax_hout.legend(fontsize=7, loc="upper right", frameon=False)
        self.text = ax_hout.text(0.02, 0.95, " ", transform=ax_hout.transAxes, fontsize=8, va="top")
        self.heading = fig.suptitle(" ", fontsize=10)
        self.dynamic = [self.im_in, self.im_out, self.h_in, self.h_out, self.text, self.heading]

    def draw(self, contrast, brightness, saturate):
        x2 = adjust(self.x, contrast, brightness, clip=saturate)
        y = F.instance_norm(x2)
        self.im_in.set_data(np.clip(x2[0].transpose(1, 2, 0), 0, 1))
        self.im_out.set_data(to_display(y[0].transpose(1, 2, 0)))
        self.h_in.set_data(np.histogram(x2, self.bins)[0])
        self.h_out.set_data(np.histogram(y, self.out_bins)[0])
        diff = float(np.abs(y - self.reference).max())
        mu = x2.mean(axis=(2, 3))[0]
        self.text.set_text(f"max |IN(a·x + b) − IN(x)| = {diff:.4f}\nchannel means (R, G, B) of the input: "
                           + ", ".join(f"{m:.2f}" for m in mu))
        self.heading.set_text(f"a = {contrast:g}, b = {brightness:+.2f}"
                              + (", pixels clipped to [0, 1]" if saturate else ", no clipping")
                              + ("  →  output unchanged (up to ε)" if diff < 0.01 else
                                 "  →  output changed: clipping destroyed information"))


class GroupNormExplorer(Explorer):
    name = "l08_instance_group_norm.group_norm"
    title = "Group norm: from G = 1 (layer norm) to G = C (instance norm)"
    figsize = (9.6, 5.2)
    N = 4                    # examples shown

    def __init__(self, model=None):
        """``model``: a trained GN conv net; by default the one the saved sweep trained at batch 32
        (seed 0), rebuilt from its weights (:func:`trained_model`: nothing is trained here)."""
        model = trained_model() if model is None else model
        d = digits()
        # The second convolution's outputs: exactly what the network's second GroupNorm receives.
        was = model.training
        model.eval()
        self.maps = model.trace(d.X_test[:self.N])[4]                   # (N, C, 8, 8)
        model.train(was)
        self.labels = d.y_test[:self.N]
        self.C = self.maps.shape[1]
        self.flat = self.maps.reshape(self.N, self.C, -1)               # (N, C, H·W)
        self.limit = float(np.abs(self.flat).max())
        super().__init__()

    @classmethod
    def small(cls):
        """Built from a GN net trained for 40 steps (the tests: no saved results needed)."""
        d = digits()
        model = conv_net("gn", channels=CHANNELS, groups=GROUPS, dtype=np.float64)
        fit(model, d.X_train, d.y_train, steps=40, batch_size=32, lr=0.1, momentum=0.9)
        return cls(model)

    def make_controls(self):
        import ipywidgets as W
        divisors = [g for g in range(1, self.C + 1) if self.C % g == 0]
        return {"groups": W.SelectionSlider(options=divisors, value=2, description="groups G")}

    def make_figure(self, fig):
        axes = fig.subplots(2, self.N, height_ratios=(1, 1.1))
        L = self.flat.shape[2]
        self.cells, self.means, self.bands, self.bars = [], [], [], []
        edges = np.arange(self.C + 1) - 0.5
        ch_mean, ch_std = self.flat.mean(axis=2), self.flat.std(axis=2)
        lo, hi = (ch_mean - ch_std).min(), (ch_mean + ch_std).max()
        pad = 0.1 * (hi - lo)
        for n in range(self.N):
            ax = axes[0, n]
            mesh = ax.pcolormesh(np.zeros((self.C, L)))
            mesh.set_array(None)
            self.cells.append(mesh)
            ax.set_ylim(self.C, 0)
            ax.set_title(f"example {n} (digit {self.labels[n]})", fontsize=9)
            ax.set_xlabel("position in H·W (8 × 8)", fontsize=8)
            ax.set_xticks([0.5, L - 0.5], [0, L - 1])
            ax.set_yticks(np.arange(self.C) + 0.5, range(self.C), fontsize=7)
            ax.tick_params(length=2, labelsize=7)
            ax = axes[1, n]
            self.bands.append(ax.stairs(np.zeros(self.C), edges, baseline=np.zeros(self.C), fill=True,
                                        color=OKABE_ITO[1], alpha=0.35, label="group μ ± σ"))
            self.means.append(ax.stairs(np.zeros(self.C), edges, color=OKABE_ITO[5], lw=2,
                                        label="group μ (what GN subtracts)"))
            bars = ax.errorbar(np.arange(self.C), ch_mean[n], ch_std[n], fmt="o", ms=3, color=OKABE_ITO[0],
                               lw=1, label="channel μ ± σ (what IN would use)")
            # static, but drawn after the moving band so that it stays on top of it
            self.bars += [bars.lines[0], *bars.lines[2]]
            ax.set(xlim=edges[[0, -1]], ylim=(lo - pad, hi + pad))
            ax.set_xlabel("channel c", fontsize=8)
            ax.set_xticks(range(self.C))
            ax.tick_params(labelsize=7)
        axes[0, 0].set_ylabel("channel c", fontsize=8)
        axes[1, 0].set_ylabel("feature value (conv 2 output)", fontsize=8)
        axes[1, 0].legend(fontsize=6, loc="lower left", frameon=False)
        self.heading = fig.suptitle(" \n ", fontsize=10)
        self.dynamic = self.cells + self.bands + self.means + self.bars + [self.heading]

    def draw(self, groups):
        ids = set_ids("group", self.flat.shape, groups)                 # as in norm_sets
        palette = np.array([to_rgb(c) for c in OKABE_ITO[:7]])
        base = palette[(ids % groups) % len(palette)]                    # colour = group index
        shade = 0.5 + 0.5 * self.flat / self.limit                       # light = low, dark = high
        rgb = 1 - shade[..., None] * (1 - base)
        for n, mesh in enumerate(self.cells):
            mesh.set_facecolor(rgb[n].reshape(-1, 3))
        mean, var = group_stats(self.maps, groups)                       # (N, G)
        per = self.C // groups
        m_c, s_c = np.repeat(mean, per, axis=1), np.repeat(np.sqrt(var), per, axis=1)
        for n in range(self.N):
            self.means[n].set_data(m_c[n])
            self.bands[n].set_data(m_c[n] + s_c[n], baseline=m_c[n] - s_c[n])
        kind = " = layer norm" if groups == 1 else " = instance norm" if groups == self.C else ""
        self.heading.set_text(
            f"G = {groups}{kind}: {per} channel{'s' if per > 1 else ''} per group, "
            f"{self.N * groups} sets of {per * self.flat.shape[2]} values for these {self.N} examples\n"
            f"spread of the channel means around their group mean: "
            f"{np.sqrt(np.mean((self.flat.mean(2) - m_c) ** 2)):.2f} (0 when every channel is its own group)")
