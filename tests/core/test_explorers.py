"""Every registered explorer, driven headless over its control ranges."""

import itertools

import numpy as np
import pytest

from normlib.lessons import EXPLORERS
from normlib.lessons.l00_overview.explorer import NormSetsExplorer, normalize, set_ids

PNG = b"\x89PNG\r\n\x1a\n"


def control_values(w):
    """A few values spanning a control's range."""
    if getattr(w, "options", None) is not None:
        return [o[1] if isinstance(o, tuple) else o for o in w.options]
    if isinstance(w.value, bool):
        return [False, True]
    lo, hi = w.min, w.max
    vals = np.linspace(lo, hi, 5)
    return sorted({type(w.value)(v) for v in vals})


# Each explorer is built from a small run of its experiment (``Explorer.small``): the full runs are
# exercised by the notebooks under nbval.
@pytest.mark.parametrize("name", sorted(EXPLORERS))
def test_explorer_runs_over_every_control_range(name):
    ex = EXPLORERS[name].small()
    default = ex.render_png()
    assert default.startswith(PNG)
    pngs = {default}
    for control, w in ex.controls.items():
        for value in control_values(w):
            ex.update(**{control: value})
            pngs.add(ex.render_png())
    assert len(pngs) > 1, "moving the controls never changed the picture"
    for ax in ex.figure.axes:
        if ax.axison:                      # photographs and legend holders have their axes off
            assert ax.get_xlabel() or ax.get_ylabel(), "every axes needs a label"


def test_png_bytes_decodes_to_the_figure_pixels():
    """The explorers' own PNG encoder, read back by an independent decoder (Pillow)."""
    import io
    from PIL import Image
    from normlib.explorer import png_bytes
    ex = NormSetsExplorer()
    rgba = np.asarray(ex.render().buffer_rgba()).copy()
    with Image.open(io.BytesIO(ex.render_png())) as im:
        assert im.mode == "RGBA" and im.size == (rgba.shape[1], rgba.shape[0])
        assert np.array_equal(np.asarray(im), rgba)
    odd = np.random.default_rng(0).integers(0, 256, (3, 5, 4), dtype=np.uint8)
    for up in (False, True):
        with Image.open(io.BytesIO(png_bytes(odd, up=up))) as im:
            assert np.array_equal(np.asarray(im), odd)


def test_zlib_in_two_halves_is_one_valid_stream(monkeypatch):
    """The two halves deflated apart and joined into one zlib stream: read back by zlib itself (which
    also checks the combined Adler-32), at every length around the split; and the same bytes whether
    the halves were deflated at the same time on two cores or one after the other on one."""
    import zlib
    from normlib import explorer
    rng = np.random.default_rng(0)
    cases = [(data, parallel_from) for n in (0, 1, 2, 3, 17, 1000, 65537)
             for data in (rng.integers(0, 256, n, dtype=np.uint8), np.zeros(n, np.uint8),
                          (np.arange(n) % 251 // 7).astype(np.uint8))
             for parallel_from in (0, n, n + 1)]           # split, split at the threshold, one stream
    big = rng.integers(0, 4, 1 << 20, dtype=np.uint8)
    cases.append((big, 1 << 18))                               # the default threshold
    made = {}
    for cores in (2, 1):
        monkeypatch.setattr(explorer, "_cores", lambda: cores)
        monkeypatch.setattr(explorer, "_helper", None)
        made[cores] = [explorer.zlib_level1(data, parallel_from=p) for data, p in cases]
        assert (explorer._helper is None) == (cores == 1)
        if explorer._helper is not None:
            explorer._helper.shutdown()
    assert made[1] == made[2]
    for (data, _), z in zip(cases, made[2]):
        assert zlib.decompress(z) == data.tobytes()


def _compress_in_child(data, queue):
    from normlib.explorer import zlib_level1
    queue.put(zlib_level1(data, parallel_from=0))


def test_zlib_after_a_fork_does_not_wait_for_the_parents_thread():
    """A forked process has no copy of the parent's deflating thread: it must make its own, not
    hand work to a thread that does not exist (and wait for ever)."""
    import multiprocessing
    import zlib
    from normlib import explorer
    if explorer._cores() < 2:
        pytest.skip("one core: no deflating thread to lose")
    data = bytes(range(256)) * 1000
    explorer.zlib_level1(data, parallel_from=0)                 # the parent's thread is running now
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_compress_in_child, args=(data, queue), daemon=True)
    child.start()
    try:
        z = queue.get(timeout=30)
        child.join(30)
    finally:
        if child.is_alive():
            child.terminate()
    assert child.exitcode == 0 and zlib.decompress(z) == data


@pytest.mark.parametrize("name", sorted(EXPLORERS))
def test_explorer_rejects_bad_values_with_a_message(name):
    ex = EXPLORERS[name].small()
    with pytest.raises(TypeError, match="unknown control 'no_such_control'"):
        ex.update(no_such_control=1)
    control, w = next(iter(ex.controls.items()))
    bad = "not an option" if getattr(w, "options", None) is not None else w.max + 1e9
    with pytest.raises(ValueError, match=control):
        ex.update(**{control: bad})


@pytest.mark.parametrize("name", sorted(EXPLORERS))
def test_widget_view_follows_the_controls(name):
    ex = EXPLORERS[name].small()
    box = ex.widget()
    before = ex.image.value
    control, w = next((k, w) for k, w in ex.controls.items())
    values = control_values(w)
    w.value = values[-1] if w.value != values[-1] else values[0]
    assert ex.state[control] == w.value
    assert ex.image.value != before and box is ex.widget()


def test_update_keeps_the_values_of_the_last_update():
    ex = NormSetsExplorer()
    ex.update(method="group", groups=3)
    ex.update(channel=4)
    assert ex.state["method"] == "group" and ex.state["groups"] == 3 and ex.state["channel"] == 4


@pytest.mark.parametrize("name", sorted(EXPLORERS))
def test_blitted_render_equals_a_full_redraw(name):
    """Blitting (background + dynamic artists) must show what a full redraw shows."""
    ex = EXPLORERS[name].small()
    if ex.dynamic is None:
        pytest.skip("this explorer redraws in full")
    for control, w in ex.controls.items():           # move every control away from its default
        ex.update(**{control: control_values(w)[-1]})
    assert ex.blit_mismatch() < 0.005


@pytest.mark.parametrize("name", sorted(EXPLORERS))
def test_a_pasted_text_shows_what_drawing_it_shows(name):
    """A text read again is pasted from the explorer's cache: the picture must be the same, pixel
    for pixel, as when the text is drawn."""
    ex = EXPLORERS[name].small()
    if ex.dynamic is None:
        pytest.skip("this explorer redraws in full")
    for control, w in ex.controls.items():
        for value in control_values(w)[::2]:
            ex.update(**{control: value})
            ex._texts.clear()
            drawn = np.asarray(ex.render().buffer_rgba()).copy()
            pasted = np.asarray(ex.render().buffer_rgba())
            assert ex._texts, "no text was kept"
            assert np.array_equal(drawn, pasted), f"{control}={value!r}: the pasted texts differ"


@pytest.mark.parametrize("method, groups, n_sets", [
    ("batch", 1, 6), ("layer", 1, 4), ("instance", 1, 24), ("group", 2, 8), ("group", 3, 12)])
def test_norm_sets_partition(method, groups, n_sets):
    shape = (4, 6, 8)
    ids = set_ids(method, shape, groups)
    assert len(np.unique(ids)) == n_sets
    sizes = np.bincount(ids.ravel())
    assert np.all(sizes == 4 * 6 * 8 // n_sets)
    # every set is standardized by normlib: mean 0, variance 1 within each set
    x = np.random.default_rng(0).normal(2, 3, shape)
    y = normalize(method, x, groups)
    for i in range(n_sets):
        assert abs(y[ids == i].mean()) < 1e-9 and abs(y[ids == i].var() - 1) < 1e-3


def test_group_norm_limits_in_the_explorer_model():
    x = np.random.default_rng(1).normal(size=(4, 6, 8))
    np.testing.assert_allclose(normalize("group", x, 1), normalize("layer", x), atol=1e-12)
    np.testing.assert_allclose(normalize("group", x, 6), normalize("instance", x), atol=1e-12)
    assert np.array_equal(set_ids("group", x.shape, 6), set_ids("instance", x.shape))


# ----------------------------------------------------------------------------------------------
# Figures read at a glance: text size, labels, legends, colours (every explorer, default state)
# ----------------------------------------------------------------------------------------------
from matplotlib.colors import to_rgb                                      # noqa: E402
from matplotlib.legend import Legend                                      # noqa: E402
from matplotlib.text import Text                                          # noqa: E402

# Deuteranopia, severity 1 (Machado, Oliveira & Fernandes 2009), on linear RGB.
DEUTERANOPIA = np.array([[0.367322, 0.860646, -0.227968],
                         [0.280085, 0.672501, 0.047413],
                         [-0.011820, 0.042940, 0.968881]])


def _linear(rgb):
    rgb = np.asarray(rgb, float)
    return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)


def _srgb(lin):
    lin = np.clip(lin, 0, 1)
    return np.where(lin <= 0.0031308, lin * 12.92, 1.055 * lin ** (1 / 2.4) - 0.055)


def seen_with_deuteranopia(color):
    return _srgb(DEUTERANOPIA @ _linear(to_rgb(color)))


@pytest.fixture(scope="module", params=sorted(EXPLORERS))
def drawn(request):
    ex = EXPLORERS[request.param].small()
    ex.figure.canvas.draw()
    return ex


def test_no_text_below_the_minimum_size(drawn):
    """Every visible text (titles, labels, tick labels, legends, annotations) at least 8 pt at the
    explorer's resolution, shown at its own size (1 image pixel = 1 CSS pixel at 96 per inch)."""
    small = []
    for t in drawn.figure.findobj(Text):
        if t.get_visible() and t.get_text().strip():
            shown = t.get_fontsize() * drawn.dpi / 96
            if shown < drawn.min_fontsize - 1e-9:
                small.append((t.get_text()[:30], round(shown, 1)))
    assert not small, f"text under {drawn.min_fontsize} pt as displayed: {small[:8]}"


def test_legends_inside_the_figure(drawn):
    fig_box = drawn.figure.bbox
    for legend in drawn.figure.findobj(Legend):
        if legend.get_visible():
            box = legend.get_window_extent()
            assert (box.x0 >= fig_box.x0 - 1 and box.y0 >= fig_box.y0 - 1 and box.x1 <= fig_box.x1 + 1
                    and box.y1 <= fig_box.y1 + 1), "a legend sticks out of the figure"


def test_explorer_has_a_title_and_a_caption_for_its_snapshot(drawn):
    assert drawn.text("title") and drawn.text("caption"), \
        "readers without a kernel see only the snapshot's title and caption"


def test_every_explorers_title_and_caption_live_in_the_catalogue_alone():
    """normlib/locale/<lang>.json is their one source (both languages); a copy in the class would
    drift from it, as one did."""
    from normlib.i18n import has_message
    from normlib.lessons import EXPLORERS
    for name, cls in EXPLORERS.items():
        for part in ("title", "caption"):
            assert has_message(f"explorer.{name}.{part}"), f"explorer.{name}.{part} is not in en.json"
            assert part not in vars(cls), f"{cls.__name__}.{part} copies the catalogue: delete it"


def test_series_of_one_legend_stay_apart_under_deuteranopia(drawn):
    """Series a reader must tell apart (the entries of one legend) do not merge for a deuteranope:
    their simulated colours differ by at least 0.12 in RGB distance, or their line styles or
    markers differ."""
    for legend in drawn.figure.findobj(Legend):
        handles = [h for h in legend.legend_handles if h is not None]
        keys = []
        for h in handles:
            color = None
            for getter in ("get_color", "get_facecolor", "get_edgecolor"):
                if hasattr(h, getter):
                    c = getattr(h, getter)()
                    c = c[0] if isinstance(c, np.ndarray) and c.ndim == 2 and len(c) else c
                    try:
                        color = to_rgb(c)
                        break
                    except (ValueError, TypeError):
                        continue
            style = (getattr(h, "get_linestyle", lambda: None)(), getattr(h, "get_marker", lambda: None)())
            if color is not None:
                keys.append((seen_with_deuteranopia(color), style))
        for (a, sa), (b, sb) in itertools.combinations(keys, 2):
            assert np.linalg.norm(a - b) >= 0.12 or sa != sb, "two legend entries look alike under deuteranopia"
