"""Notebook 00's explorer: one colour = one set of values that share one μ and σ²."""

import numpy as np
import pytest
from matplotlib.colors import to_rgb

from normlib.lessons.l00_overview.explorer import (
    NormSetsExplorer, SET_COLORS, save_readme_image, set_borders, set_ids,
)


def regions_cut_by(segments, C, L):
    """Independent of set_ids: flood-fill the C × L cells, never crossing a drawn segment; returns
    the label of the region of every cell."""
    walls = {tuple(sorted(map(tuple, s))) for s in segments}
    label = -np.ones((C, L), int)
    k = 0
    for start in np.ndindex(C, L):
        if label[start] >= 0:
            continue
        stack, label[start] = [start], k
        while stack:
            c, l = stack.pop()
            for dc, dl, wall in ((1, 0, ((l, c + 1), (l + 1, c + 1))), (-1, 0, ((l, c), (l + 1, c))),
                                 (0, 1, ((l + 1, c), (l + 1, c + 1))), (0, -1, ((l, c), (l, c + 1)))):
                n = (c + dc, l + dl)
                if 0 <= n[0] < C and 0 <= n[1] < L and label[n] < 0 and tuple(sorted(wall)) not in walls:
                    label[n] = k
                    stack.append(n)
        k += 1
    return label


@pytest.mark.parametrize("method, groups, regions", [
    ("batch", 1, 6), ("layer", 1, 1), ("instance", 1, 6), ("group", 2, 2), ("group", 3, 3), ("group", 6, 6)])
def test_outlines_cut_each_example_into_its_sets(method, groups, regions):
    ids = set_ids(method, (4, 6, 8), groups)
    for n in range(4):
        label = regions_cut_by(set_borders(ids[n]), 6, 8)
        assert label.max() + 1 == regions
        # the regions are the sets: two cells share a region exactly when they share a set
        same_region = label.ravel()[:, None] == label.ravel()[None, :]
        same_set = ids[n].ravel()[:, None] == ids[n].ravel()[None, :]
        assert np.array_equal(same_region, same_set)


def test_open_sides_leave_out_only_the_left_and_right_border():
    ids = set_ids("batch", (4, 6, 8), 1)[0]
    closed, open_ = set_borders(ids), set_borders(ids, open_sides=True)
    assert len(closed) - len(open_) == 2
    assert all(s[0][0] != s[1][0] or 0 < s[0][0] < 8 for s in open_)     # no vertical edge at x = 0 or 8
    with pytest.raises(ValueError, match="ids"):
        set_borders(np.zeros(5))


@pytest.mark.parametrize("method, groups, example, channel, coloured_per_example", [
    ("batch", 2, 1, 4, [8, 8, 8, 8]),            # one channel of every example
    ("layer", 2, 2, 0, [0, 0, 48, 0]),           # one whole example
    ("instance", 2, 3, 5, [0, 0, 0, 8]),         # one channel of one example
    ("group", 3, 1, 2, [0, 16, 0, 0]),           # two channels of one example
])
def test_only_the_chosen_set_is_coloured_and_its_values_standardize(method, groups, example, channel,
                                                                   coloured_per_example):
    ex = NormSetsExplorer()
    ex.update(method=method, groups=groups, example=example, channel=channel)
    colour = np.array(to_rgb(SET_COLORS[method]))
    coloured = [np.all(np.isclose(mesh.get_facecolor()[:, :3], colour), axis=1).reshape(6, 8)
                for mesh in ex.cells]
    assert [int(c.sum()) for c in coloured] == coloured_per_example
    # every other cell has one and the same grey: no other set gets a colour of its own
    others = np.concatenate([mesh.get_facecolor()[~c.ravel(), :3] for mesh, c in zip(ex.cells, coloured)])
    assert len(np.unique(others.round(6), axis=0)) == 1
    # the coloured values are one set: standardizing them together (plain NumPy) gives the explorer's
    # "after" statistics, and their own μ, σ² are the heading's
    values = ex.x[np.array(coloured)].astype(np.float64)
    assert f"μ = {values.mean():.2f}, σ² = {values.var():.2f}" in ex.heading.get_text()
    assert "mean 0.00, variance 1.00" in ex.heading.get_text()


def test_readme_image_is_group_norm_g3_at_twice_the_readme_width(tmp_path):
    path = save_readme_image(tmp_path / "hero.png")
    from PIL import Image
    with Image.open(path) as im:
        assert im.size[0] == 1660                         # 8.3 in at 200 dpi, shown at ~830 px
        pixels = np.asarray(im.convert("RGB")) / 255
    sky = np.array(to_rgb(SET_COLORS["group"]))
    share = np.mean(np.all(np.abs(pixels - sky) < 0.02, axis=-1))
    assert 0.005 < share < 0.1                            # one set of 12 coloured, not all and not none
    with pytest.raises(ValueError, match="dpi"):
        save_readme_image(tmp_path / "x.png", dpi=0)
    with pytest.raises(ValueError, match="figsize"):
        NormSetsExplorer(figsize=(8.3,))
