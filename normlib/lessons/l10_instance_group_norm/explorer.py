"""Explorers for notebook 10: instance norm as contrast normalization, and group norm's groups.

- :class:`InstanceNormExplorer` — change a photograph's contrast and brightness; the input image and
  its pixel histogram move, the instance-norm output does not (unless the pixels saturate).
- :class:`GroupNormExplorer` — slide the number of groups G from 1 (= layer norm) to C (= instance
  norm) over the second-layer feature maps of the trained conv net (rebuilt from the saved sweep), for
  two held-out digits of different classes: which values share one μ, σ² (as in
  :mod:`normlib.lessons.l00_overview.explorer`, one colour = one set: the chosen set in group norm's
  colour, the others grey; the heading gives the set's size, μ and σ).
"""

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.colors import LinearSegmentedColormap, to_rgb

from ... import functional as F
from .experiments import CHANNELS, GROUPS, adjust, digits, group_stats, photo_tensor, to_display, trained_model
from ...conv import conv_net
from ...nn import fit
from ...explorer import Explorer
from ...i18n import t
from ...palette import COLORS, NORM_COLORS

CONTRASTS = (0.25, 0.35, 0.5, 0.7, 1.0, 1.4, 2.0, 2.8, 4.0)   # log-spaced, √2 apart

FONT = 9                  # labels and legends; tick labels 8 (Explorer.min_fontsize)


class InstanceNormExplorer(Explorer):
    name = "l10_instance_group_norm.instance_norm"
    figsize = (9.6, 6.2)
    png_up = True             # two photographs: PNG's "up" filter compresses them faster

    def __init__(self):
        self.x = photo_tensor(step=2)      # (1, 3, 300, 256) in [0, 1]: sharper than it is shown
        self.reference = F.instance_norm(self.x)                 # IN of the original photograph
        self.bins = np.linspace(-0.5, 2.5, 61)      # a·x + b ≥ b ≥ −0.5; above 2.5 only for a ≥ 2
        self.out_bins = np.linspace(-4, 4, 81)
        super().__init__()

    def make_controls(self):
        import ipywidgets as W
        return {
            "contrast": W.SelectionSlider(options=[(f"{c:g}", c) for c in CONTRASTS], value=0.5,
                                          description=t("l10.in.control.contrast")),
            "brightness": W.FloatSlider(min=-0.5, max=0.5, step=0.05, value=0.3, description=t("l10.in.control.brightness")),
            "saturate": W.ToggleButtons(options=[(t("l10.in.no_clip"), False), (t("l10.in.clip"), True)],
                                        value=False, description=t("l10.in.control.pixels")),
        }

    def make_figure(self, fig):
        # left column: the input and its histogram; right column: the instance-norm output and its
        grid = fig.add_gridspec(2, 2, height_ratios=(1.35, 1))
        ax_in, ax_out = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1])
        ax_hin, ax_hout = fig.add_subplot(grid[1, 0]), fig.add_subplot(grid[1, 1])
        H, W = self.x.shape[2:]
        blank = np.zeros((H, W, 3))
        self.im_in = ax_in.imshow(blank, vmin=0, vmax=1)
        self.im_out = ax_out.imshow(blank, vmin=0, vmax=1)
        for ax, label in ((ax_in, t("l10.in.input_title")), (ax_out, t("l10.in.output_title"))):
            ax.set_title(label, fontsize=FONT)
            ax.set_axis_off()                     # a photograph: no pixel axes
            ax.set_xlabel("photograph", fontsize=FONT)        # (not drawn: names the axes for the tests)
        # y-limits fit the default state (a = 0.5, b = 0.3) and the original; lower contrasts give
        # taller peaks, which the heading then reports as off scale.
        counts, _ = np.histogram(self.x, self.bins)
        default = np.histogram(adjust(self.x, 0.5, 0.3), self.bins)[0]
        self.ymax_in = 1.1 * max(counts.max(), default.max())
        self.h_in = ax_hin.stairs(np.zeros(len(self.bins) - 1), self.bins, fill=True,
                                  color=COLORS.sky, alpha=0.8, label=t("l10.in.hist.adjusted"))
        ax_hin.stairs(counts, self.bins, color="0.2", lw=1.2, label=t("l10.in.hist.original"))
        ax_hin.axvspan(0, 1, color="0.9", zorder=0, label=t("l10.in.hist.range"))
        ax_hin.set(xlim=self.bins[[0, -1]], ylim=(0, self.ymax_in))
        ax_hin.set_xlabel(t("l10.in.hist.pixel_value"), fontsize=FONT)
        ax_hin.set_ylabel(t("l10.in.hist.per_bin"), fontsize=FONT)
        ref_counts, _ = np.histogram(self.reference, self.out_bins)
        self.ymax_out = 1.15 * ref_counts.max()
        self.h_out = ax_hout.stairs(np.zeros(len(self.out_bins) - 1), self.out_bins, fill=True,
                                    color=NORM_COLORS["in"], alpha=0.6, label=t("l10.in.hist.in_adjusted"))
        ax_hout.stairs(ref_counts, self.out_bins, color="0.2", lw=1.2, label=t("l10.in.hist.in_original"))
        ax_hout.set(xlim=self.out_bins[[0, -1]], ylim=(0, self.ymax_out))
        ax_hout.set_xlabel(t("l10.in.hist.standardized"), fontsize=FONT)
        ax_hout.set_ylabel(t("l10.in.hist.per_bin"), fontsize=FONT)
        for ax in (ax_hin, ax_hout):            # legends above the axes: never on the data
            ax.legend(fontsize=FONT, loc="lower left", bbox_to_anchor=(0, 1.0), ncol=3, frameon=False,
                      borderaxespad=0.2, handlelength=1.5, columnspacing=1.2)
            ax.tick_params(labelsize=8)
        self.heading = fig.suptitle(" \n ", fontsize=10)
        self.dynamic = [self.im_in, self.im_out, self.h_in, self.h_out, self.heading]

    def draw(self, contrast, brightness, saturate):
        x2 = adjust(self.x, contrast, brightness, clip=saturate)
        y = F.instance_norm(x2)
        self.im_in.set_data(_opaque(np.clip(x2[0].transpose(1, 2, 0), 0, 1)))
        self.im_out.set_data(_opaque(to_display(y[0].transpose(1, 2, 0))))
        c_in = np.histogram(x2, self.bins)[0]
        c_out = np.histogram(y, self.out_bins)[0]
        self.h_in.set_data(c_in)
        self.h_out.set_data(c_out)
        diff = float(np.abs(y - self.reference).max())
        mu = x2.mean(axis=(2, 3))[0]
        off = [name for name, c, top in ((t("l10.in.input"), c_in, self.ymax_in),
                                         (t("l10.in.output"), c_out, self.ymax_out)) if c.max() > top]
        beyond = float(np.mean(x2 > self.bins[-1]))
        self.heading.set_text(
            f"a = {contrast:g}, b = {brightness:+.2f}" + (t("l10.in.clipped") if saturate else t("l10.in.not_clipped"))
            + (t("l10.in.unchanged") if diff < 0.01 else t("l10.in.changed"))
            + "\n" + t("l10.in.max_diff", diff=f"{diff:.4f}", means=", ".join(f"{m:.2f}" for m in mu))
            + (t("l10.in.peak_off", which=t("l10.in.and").join(off)) if off else "")
            + (t("l10.in.beyond", share=f"{100 * beyond:.0f}", top=f"{self.bins[-1]:g}") if beyond > 0.005 else ""))


def _opaque(rgb):
    """(H, W, 3) → (H, W, 4) float32 with alpha 1: the same pixels on screen, but matplotlib
    resamples it as it is instead of first extending it to a float64 RGBA copy."""
    rgba = np.ones(rgb.shape[:2] + (4,), np.float32)
    rgba[..., :3] = rgb
    return rgba


def _ramp(color, light, dark):
    """A colormap from a light to a dark version of ``color``: lightness = value."""
    c = np.array(to_rgb(color))
    return LinearSegmentedColormap.from_list(
        "ramp", [1 - light * (1 - c), c, dark * c])


class GroupNormExplorer(Explorer):
    name = "l10_instance_group_norm.group_norm"
    figsize = (9.6, 3.7)
    N = 2                    # examples shown: two held-out digits of different classes

    def __init__(self, model=None):
        """``model``: a trained GN conv net; by default the one the saved sweep trained at batch 32
        (seed 0), rebuilt from its weights (:func:`trained_model`: nothing is trained here)."""
        model = trained_model() if model is None else model
        d = digits()
        # the first held-out digit, and the first after it of another class
        first = 0
        other = int(np.flatnonzero(d.y_test != d.y_test[first])[0])
        self.index = (first, other)
        self.images = d.X_test[list(self.index)]
        # The second convolution's outputs: exactly what the network's second GroupNorm receives.
        was = model.training
        model.eval()
        self.maps = model.trace(self.images)[4]                        # (N, C, 8, 8)
        model.train(was)
        self.labels = d.y_test[list(self.index)]
        self.C = self.maps.shape[1]
        self.flat = self.maps.reshape(self.N, self.C, -1)               # (N, C, H·W)
        # lightness scale: ± the 99th percentile of |value| (the few larger values are shown darkest)
        self.limit = float(np.percentile(np.abs(self.flat), 99))
        self.chosen_map = _ramp(NORM_COLORS["gn"], 0.2, 0.45)         # the chosen set
        self.other_map = _ramp("0.62", 0.2, 0.75)                       # every other set: grey
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
        return {
            "groups": W.SelectionSlider(options=divisors, value=2, description=t("l10.gn.control.groups")),
            "example": W.ToggleButtons(options=[(t("l10.gn.digit", label=self.labels[n]), n) for n in range(self.N)],
                                       value=0, description=t("l10.gn.control.example")),
            "channel": W.IntSlider(min=0, max=self.C - 1, value=0, description=t("l10.gn.control.channel")),
        }

    def make_figure(self, fig):
        """One row: each digit's channels × positions (one colour = one set, black lines between
        groups), and the key. The set's size, μ and σ are in the heading."""
        grid = fig.add_gridspec(1, self.N + 1, width_ratios=(1,) * self.N + (0.42,))
        L = self.flat.shape[2]
        self.strips, self.bounds = [], []
        for n in range(self.N):
            ax = fig.add_subplot(grid[0, n], label="strip")
            self.strips.append(ax.imshow(np.zeros((self.C, L, 3)), aspect="auto", interpolation="nearest",
                                         extent=(-0.5, L - 0.5, self.C - 0.5, -0.5)))
            self.bounds.append(ax.add_collection(LineCollection([], colors="black", linewidths=2.5)))
            ax.set_title(t("l10.gn.strip_title", label=self.labels[n], C=self.C, L=L), fontsize=FONT, loc="left")
            ax.set_xlabel(t("l10.gn.position"), fontsize=FONT)
            ax.set_xticks([0, 16, 32, 48, 63])
            ax.set_yticks(range(self.C))
            ax.tick_params(labelsize=8, length=2)
            ax.set_ylabel(t("l10.gn.channel"), fontsize=FONT)
            # the digit itself, small, at the right of the title
            inset = ax.inset_axes([0.87, 1.02, 0.13, 0.32])
            inset.imshow(self.images[n, 0], cmap="gray_r", interpolation="nearest")
            inset.set_axis_off()
            inset.set_xlabel(f"input digit {self.labels[n]}", fontsize=FONT)   # (not drawn)
        # the key: lightness = value, colour = set
        key = fig.add_subplot(grid[0, self.N])
        ramp = np.linspace(-self.limit, self.limit, 128)
        s = (ramp + self.limit) / (2 * self.limit)
        white = np.ones((len(s), 3))
        key.imshow(np.stack([self.chosen_map(s)[:, :3], white, self.other_map(s)[:, :3]], axis=1),
                   aspect="auto", origin="lower", interpolation="nearest", extent=(0, 3, -self.limit, self.limit))
        key.set_xticks([0.5, 2.5], [t("l10.gn.key.chosen"), t("l10.gn.key.other")], fontsize=8)
        key.spines[:].set_visible(False)
        key.set_ylabel(t("l10.gn.key.value"), fontsize=FONT)
        key.set_title(t("l10.gn.key.title"), fontsize=FONT)
        key.tick_params(labelsize=8, length=2)
        self.heading = fig.suptitle(" \n ", fontsize=10)
        # the axes frames, drawn again over the moving images they border
        frames = [sp for ax in fig.axes for sp in ax.spines.values() if ax.get_label() == "strip"]
        self.dynamic = self.strips + self.bounds + frames + [self.heading]

    def draw(self, groups, example, channel):
        per = self.C // groups
        chosen = channel // per                                          # the coloured group
        s = np.clip(0.5 + 0.5 * self.flat / self.limit, 0, 1)           # 0 = lowest value, 1 = highest
        L = self.flat.shape[2]
        mean, var = group_stats(self.maps, groups)                       # (N, G)
        for n in range(self.N):
            rgb = self.other_map(s[n])[..., :3]
            if n == example:
                rows = slice(chosen * per, (chosen + 1) * per)
                rgb[rows] = self.chosen_map(s[n, rows])[..., :3]
            self.strips[n].set_data(rgb)
            self.bounds[n].set_segments([[(-0.5, g * per - 0.5), (L - 0.5, g * per - 0.5)]
                                         for g in range(1, groups)])
        kind = (t("l10.gn.is_ln") if groups == 1 else t("l10.gn.is_in") if groups == self.C else "")
        first, last = chosen * per, (chosen + 1) * per - 1
        chans = (t("l10.gn.one_channel", c=first) if per == 1 else
                 t("l10.gn.channels", first=first, last=last))
        self.heading.set_text(
            t("l10.gn.heading", G=groups, kind=kind, sets=self.N * groups, values=per * L,
              per_group=t("l10.gn.per_one") if per == 1 else t("l10.gn.per_many", per=per))
            + "\n" + t("l10.gn.heading_set", label=self.labels[example], chans=chans,
                        mean=f"{mean[example, chosen]:.1f}", sd=f"{np.sqrt(var[example, chosen]):.1f}"))
