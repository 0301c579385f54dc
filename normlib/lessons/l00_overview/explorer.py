"""Explorer for notebook 00: which values share one mean and variance (Wu & He 2018, Fig. 2, live).

The tensor has N examples × C channels × (H·W) positions, drawn as N panels of C × (H·W) cells.
Cells of one colour are one set S_i: they are standardized with the same μ_i and σ_i². The
highlighted set is the one containing the chosen example and channel.
"""

import numpy as np
from matplotlib.colors import to_rgb

from ... import functional as F
from ...explorer import OKABE_ITO, Explorer

METHODS = {"batch": "Batch norm", "layer": "Layer norm", "instance": "Instance norm",
           "group": "Group norm"}
RULES = {"batch": "one μ, σ² per channel, shared by all examples",
         "layer": "one μ, σ² per example, over all its channels and positions",
         "instance": "one μ, σ² per example and channel",
         "group": "one μ, σ² per example and group of C/G channels"}


def set_ids(method, shape, groups=1):
    """For a tensor of ``shape`` (N, C, L), the index of the set S_i (the μ_i, σ²_i) of every value."""
    N, C, L = shape
    n = np.arange(N)[:, None, None]
    c = np.arange(C)[None, :, None]
    ids = {"batch": 0 * n + c,
           "layer": n + 0 * c,
           "instance": n * C + c,
           "group": n * groups + c // (C // groups)}[method]
    return np.broadcast_to(ids, shape)


def normalize(method, x, groups=1):
    """The method's output on x (N, C, L) with normlib: each is one call on the same core."""
    if method == "batch":
        return F.batch_norm(x)
    if method == "layer":
        return F.group_norm(x, 1)          # layer norm over (C, H·W) is group norm with G = 1
    if method == "instance":
        return F.instance_norm(x)
    return F.group_norm(x, groups)


class NormSetsExplorer(Explorer):
    name = "l00_overview"
    title = "Which values share one mean and variance?"
    figsize = (9.6, 3.3)
    N, C, L = 4, 6, 8

    def __init__(self, seed=0):
        rng = np.random.default_rng(seed)
        # Channels with their own offsets and scales, so the statistics differ from set to set.
        self.x = (rng.standard_normal((self.N, self.C, self.L)) * rng.uniform(0.5, 3, (1, self.C, 1))
                  + rng.uniform(-4, 4, (1, self.C, 1))).astype(np.float32)
        super().__init__()

    def make_controls(self):
        import ipywidgets as W
        divisors = [g for g in range(1, self.C + 1) if self.C % g == 0]
        return {
            "method": W.ToggleButtons(options=[(v, k) for k, v in METHODS.items()], value="batch",
                                      description="method"),
            "groups": W.SelectionSlider(options=divisors, value=2, description="groups G"),
            "example": W.IntSlider(min=0, max=self.N - 1, value=0, description="example n"),
            "channel": W.IntSlider(min=0, max=self.C - 1, value=0, description="channel c"),
        }

    def sync_controls(self):
        self.controls["groups"].disabled = self.state["method"] != "group"   # G is for group norm

    def make_figure(self, fig):
        axes = fig.subplots(1, self.N, sharey=True)
        self.cells = []
        for n, ax in enumerate(axes):
            mesh = ax.pcolormesh(np.zeros((self.C, self.L)), edgecolors="white", linewidth=1)
            mesh.set_array(None)                      # colours are set directly, not mapped
            self.cells.append(mesh)
            ax.set_aspect("equal")
            ax.set_ylim(self.C, 0)                    # channel 0 at the top
            ax.spines[:].set_visible(False)
            ax.tick_params(left=n == 0, length=2)
            ax.set_title(f"example n = {n}", fontsize=9)
            ax.set_xlabel("position in H·W", fontsize=8)
            ax.set_xticks([0.5, self.L - 0.5], [0, self.L - 1])
            ax.set_yticks(np.arange(self.C) + 0.5, range(self.C))
        axes[0].set_ylabel("channel c", fontsize=8)
        self.heading = fig.suptitle(" \n ", fontsize=10)
        self.dynamic = self.cells + [self.heading]

    def draw(self, method, groups, example, channel):
        ids = set_ids(method, self.x.shape, groups)
        chosen = ids[example, channel, 0]
        palette = np.array([to_rgb(c) for c in OKABE_ITO[:7]])
        rgb = palette[ids % len(palette)]
        faded = 0.3 * rgb + 0.7                         # other sets: pale
        mask = (ids == chosen)[..., None]
        rgb = np.where(mask, rgb, faded)
        for n, mesh in enumerate(self.cells):
            mesh.set_facecolor(rgb[n].reshape(-1, 3))
        y = normalize(method, self.x, groups)
        before, after = self.x[mask[..., 0]], y[mask[..., 0]]
        n_sets = len(np.unique(ids))
        name = METHODS[method] + (f", G = {groups}" if method == "group" else "")
        self.heading.set_text(
            f"{name}: {RULES[method]} → {n_sets} sets of {before.size} values\n"
            f"highlighted set: μ = {before.mean():.2f}, σ² = {before.var():.2f}  →  after "
            f"normalization: mean {abs(after.mean()):.2f}, variance {after.var():.2f}")
