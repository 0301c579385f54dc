"""Explorer for notebook 00: which values share one mean and variance (Wu & He 2018, Fig. 2, live).

The tensor has N examples × C channels × (H·W) positions, drawn as N panels of C × (H·W) cells.
Every set S_i — the values standardized with one μ_i and σ_i² — is outlined; only the chosen set
(the one containing the chosen example and channel) is coloured, in the method's course colour
(:data:`normlib.palette.NORM_COLORS`), and every other set is grey. So one colour is one μ, σ²:
under batch norm the coloured set is one channel across all examples, under layer, instance and
group norm it never leaves its example.

The README's picture ``docs/images/norm_sets_group3.png`` is :func:`save_readme_image`'s output:

    .venv/bin/python -c "from normlib.lessons.l00_overview.explorer import save_readme_image; save_readme_image()"
"""

from pathlib import Path

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgb

from ... import functional as F
from ...explorer import Explorer
from ...i18n import t
from ...palette import NORM_COLORS

METHODS = ("batch", "layer", "instance", "group")


def method_label(method):
    """The method's button label ("Batch norm" …) in the reader's language (normlib.i18n)."""
    return t(f"l00.explorer.method.{method}")


def rule(method):
    """Which values share one μ, σ² under ``method``, in the reader's language."""
    return t(f"l00.explorer.rule.{method}")


SET_COLORS = {"batch": NORM_COLORS["bn"], "layer": NORM_COLORS["ln"], "instance": NORM_COLORS["in"],
              "group": NORM_COLORS["gn"]}
OTHER = "#E3E3E3"          # every set but the chosen one
OUTLINE = "#333333"        # the border of every set
README_IMAGE = Path(__file__).resolve().parents[3] / "docs" / "images" / "norm_sets_group3.png"


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


def set_borders(ids, open_sides=False):
    """The outline of every set in one panel: the cell edges (x, y in cell units, channel c from
    y = c to c + 1) between two cells of different sets, and the panel's border. ``ids`` is the
    (C, L) array of set indices of one example; ``open_sides=True`` leaves out the panel's left and
    right border (for sets that continue into the other examples: batch norm). Returns a list of
    ((x0, y0), (x1, y1)) segments."""
    ids = np.asarray(ids)
    if ids.ndim != 2:
        raise ValueError(f"ids must be a (C, L) array of set indices; got shape {ids.shape}")
    C, L = ids.shape
    segments = [((0, 0), (L, 0)), ((0, C), (L, C))]
    if not open_sides:
        segments += [((0, 0), (0, C)), ((L, 0), (L, C))]
    for c, l in zip(*np.nonzero(ids[1:] != ids[:-1])):        # between channel c and c + 1
        segments.append(((l, c + 1), (l + 1, c + 1)))
    for c, l in zip(*np.nonzero(ids[:, 1:] != ids[:, :-1])):  # between position l and l + 1
        segments.append(((l + 1, c), (l + 1, c + 1)))
    return segments


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
    figsize = (9.6, 3.0)
    N, C, L = 4, 6, 8

    def __init__(self, seed=0, figsize=None):
        rng = np.random.default_rng(seed)
        # Channels with their own offsets and scales, so the statistics differ from set to set.
        self.x = (rng.standard_normal((self.N, self.C, self.L)) * rng.uniform(0.5, 3, (1, self.C, 1))
                  + rng.uniform(-4, 4, (1, self.C, 1))).astype(np.float32)
        if figsize is not None:
            if len(figsize) != 2 or not all(isinstance(v, (int, float)) and v > 0 for v in figsize):
                raise ValueError(f"figsize must be (width, height) in inches, both > 0; got {figsize!r}")
            self.figsize = tuple(figsize)
        super().__init__()

    def make_controls(self):
        import ipywidgets as W
        divisors = [g for g in range(1, self.C + 1) if self.C % g == 0]
        return {
            "method": W.ToggleButtons(options=[(method_label(k), k) for k in METHODS], value="batch",
                                      description=t("l00.explorer.control.method")),
            "groups": W.SelectionSlider(options=divisors, value=2, description=t("l00.explorer.control.groups")),
            "example": W.IntSlider(min=0, max=self.N - 1, value=0, description=t("l00.explorer.control.example")),
            "channel": W.IntSlider(min=0, max=self.C - 1, value=0, description=t("l00.explorer.control.channel")),
        }

    def sync_controls(self):
        self.controls["groups"].disabled = self.state["method"] != "group"   # G is for group norm

    def make_figure(self, fig):
        axes = fig.subplots(1, self.N, sharey=True)
        self.cells, self.borders = [], []
        for n, ax in enumerate(axes):
            mesh = ax.pcolormesh(np.zeros((self.C, self.L)), edgecolors="white", linewidth=1)
            mesh.set_array(None)                      # colours are set directly, not mapped
            self.cells.append(mesh)
            border = LineCollection([], colors=OUTLINE, linewidths=2, capstyle="projecting")
            ax.add_collection(border)
            self.borders.append(border)
            ax.set_aspect("equal")
            ax.set_xlim(-0.15, self.L + 0.15)
            ax.set_ylim(self.C + 0.15, -0.15)         # channel 0 at the top
            ax.spines[:].set_visible(False)
            ax.tick_params(left=n == 0, length=2, labelsize=9)
            ax.set_title(t("l00.explorer.panel", n=n), fontsize=10)
            ax.set_xlabel(t("l00.explorer.xlabel"), fontsize=9)
            ax.set_xticks([0.5, self.L - 0.5], [0, self.L - 1])
            ax.set_yticks(np.arange(self.C) + 0.5, range(self.C))
        axes[0].set_ylabel(t("l00.explorer.ylabel"), fontsize=9)
        self.heading = fig.suptitle(" \n ", fontsize=10)
        self.dynamic = self.cells + self.borders + [self.heading]

    def draw(self, method, groups, example, channel):
        ids = set_ids(method, self.x.shape, groups)
        chosen = ids[example, channel, 0]
        mask = ids == chosen
        rgb = np.where(mask[..., None], to_rgb(SET_COLORS[method]), to_rgb(OTHER))
        for n, (mesh, border) in enumerate(zip(self.cells, self.borders)):
            mesh.set_facecolor(rgb[n].reshape(-1, 3))
            border.set_segments(set_borders(ids[n], open_sides=method == "batch"))
        y = normalize(method, self.x, groups)
        before, after = self.x[mask], y[mask]
        n_sets = len(np.unique(ids))
        name = method_label(method) + (f", G = {groups}" if method == "group" else "")
        size = self.C // groups
        first = channel // size * size
        where = (t("l00.explorer.where.group", example=example, first=first, last=first + size - 1)
                 if method == "group" and size > 1 else
                 t(f"l00.explorer.where.{'instance' if method == 'group' else method}",
                   example=example, channel=channel))
        self.heading.set_text(t("l00.explorer.heading", name=name, rule=rule(method), sets=n_sets,
                                values=before.size, where=where, mean=before.mean(), var=before.var(),
                                mean_after=abs(after.mean()), var_after=after.var()))


def save_readme_image(path=README_IMAGE, dpi=200, figsize=(8.3, 2.75)):
    """The README's picture: this explorer under group norm, G = 3, example 1, channel 2, drawn
    ``figsize`` inches wide at ``dpi`` — 8.3 in, the ~830 px of GitHub's README column, at 2×
    for sharp text on HiDPI screens. Writes ``path`` (a PNG) and returns it."""
    if not isinstance(dpi, (int, float)) or dpi < 50:
        raise ValueError(f"dpi must be a number ≥ 50; got {dpi!r}")
    ex = NormSetsExplorer(figsize=figsize)
    ex.update(method="group", groups=3, example=1, channel=2)
    for artist in ex.dynamic:
        artist.set_animated(False)            # savefig leaves animated artists out
    path = Path(path)
    ex.figure.savefig(path, dpi=dpi, metadata={"Software": None})
    return path
