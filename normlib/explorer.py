"""The explorer pattern: model, view and controls kept apart.

- ``controls``: name → ipywidgets value widget (a slider, a dropdown…); they only call ``update``.
- ``figure``: one matplotlib figure, made once, never cleared; ``update`` changes its artists in place
  (``set_data``, ``set_text``…). Axes, ticks and labels are drawn once into a background; a slider
  step redraws only the artists in ``dynamic`` on top of it (blitting), which is what makes it take
  milliseconds instead of the ~100 ms of a full redraw.
- Texts that change (titles giving numbers) cost most of a step (matplotlib draws text glyph by
  glyph): ``render`` keeps the pixels of each text it draws and pastes them when it reads the same
  again; :class:`TextLines` splits a title into one text per line, so that the lines a control does
  not change are pasted.
- ``update(**values)``: recompute and redraw for those control values (the others keep theirs). It
  needs no browser, so tests and benchmarks drive it directly.

In a notebook, the last expression ``explorer`` shows the controls above a PNG of the figure;
``explorer.snapshot()`` is a static PNG of the current state for readers without a kernel.
"""

import numbers
import os
import struct
import zlib
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.text import Text

__all__ = ["Explorer", "OKABE_ITO", "TextLines", "png_bytes"]

# Colour-blind-safe palette (Okabe & Ito 2008).
from .palette import OKABE_ITO  # noqa: E402  (re-exported: explorers import it from here)
from .i18n import has_message, t  # noqa: E402


TEXT_CACHE_SIZE = 128       # drawn texts an explorer keeps (about 0.1 MB each), oldest dropped first


class Explorer:
    """Base class. Subclasses set ``name``, ``title`` and ``caption`` (one line: what to look for)
    and implement ``make_controls()``, ``make_figure(fig)`` (create the artists) and
    ``draw(**values)`` (update them)."""

    name = "explorer"
    title = ""
    caption = ""
    figsize = (9.6, 4.0)
    dpi = 100               # 960 px wide, shown at its own size: a 8 pt font displays as 8.3 pt
    min_fontsize = 8        # no text smaller (tests/core/test_explorers.py checks every explorer)
    png_up = False          # PNG rows stored as differences from the row above (faster for photographs)

    @classmethod
    def small(cls):
        """The explorer built from a small, fast run of its experiment, for the tests. An explorer
        whose default construction trains something overrides this to inject a small run."""
        return cls()

    def __init__(self):
        self.controls = self.make_controls()
        self.figure = Figure(figsize=self.figsize, dpi=self.dpi, layout="constrained")
        FigureCanvasAgg(self.figure)
        self.dynamic = []
        self.make_figure(self.figure)
        self._widget = None
        self.update()
        # Lay the figure out once, for its default state, then freeze the layout: re-solving the
        # constrained layout at every slider step would cost more than everything else together.
        canvas = self.figure.canvas
        canvas.draw()
        self.figure.set_layout_engine("none")
        self._background = None
        self._texts = {}
        if self.dynamic is not None:
            for artist in self.dynamic:
                artist.set_animated(True)     # left out of the background
            canvas.draw()
            self._background = np.asarray(canvas.buffer_rgba()).copy()    # (H, W, 4) RGBA pixels

    def text(self, part):
        """The ``title`` or ``caption`` in the reader's language (:mod:`normlib.i18n`): the message
        ``explorer.<name>.<part>`` when the catalogue has it, else the class attribute."""
        key = f"explorer.{self.name}.{part}"
        return t(key) if has_message(key) else getattr(self, part)

    # -- model/view -------------------------------------------------------------------------------
    def make_controls(self):
        raise NotImplementedError

    def make_figure(self, fig):
        raise NotImplementedError

    def draw(self, **values):
        raise NotImplementedError

    def sync_controls(self):
        """Hook: enable or disable controls for the current state (e.g. a slider that does not apply)."""

    def values(self):
        """The controls' current values."""
        return {name: w.value for name, w in self.controls.items()}

    def update(self, **values):
        """Redraw the figure for these control values; controls not named keep the values of the
        last update (at first, the controls' defaults)."""
        for name, value in values.items():
            self._check(name, value)
        self.state = {**getattr(self, "state", self.values()), **values}
        self.draw(**self.state)
        return self

    def _check(self, name, value):
        if name not in self.controls:
            raise TypeError(f"{type(self).__name__}.update() got an unknown control {name!r}; "
                            f"its controls are {sorted(self.controls)}")
        w = self.controls[name]
        options = getattr(w, "options", None)
        if options is not None:
            allowed = [o[1] if isinstance(o, tuple) else o for o in options]
            if value not in allowed:
                raise ValueError(f"{name} must be one of {allowed}; got {value!r}")
        elif hasattr(w, "min") and hasattr(w, "max"):
            if not isinstance(value, numbers.Real) or not w.min <= value <= w.max:
                raise ValueError(f"{name} must be a number in [{w.min}, {w.max}]; got {value!r}")

    def render(self):
        """Draw the current state into the canvas: the saved background, then the dynamic artists."""
        canvas = self.figure.canvas
        if self._background is None:
            canvas.draw()
        else:
            np.copyto(np.asarray(canvas.buffer_rgba()), self._background)
            for artist in self.dynamic:
                if isinstance(artist, Text):
                    self._draw_text(artist)
                else:
                    self.figure.draw_artist(artist)
        return canvas

    def _draw_text(self, text):
        """Draw a dynamic text, or paste its pixels from the last time it read the same: drawing
        takes most of a slider step (matplotlib lays out and renders text glyph by glyph), pasting
        next to nothing. Pasted only where the pixels under its ink are the background's, as they
        were when kept: the paste is then exactly what drawing gives."""
        canvas = self.figure.canvas
        if not text.get_visible() or not text.get_text().strip():
            self.figure.draw_artist(text)
            return
        box = text.get_window_extent(canvas.get_renderer())        # where it can draw, ±3 px
        h, w = self._background.shape[:2]
        rows = slice(max(h - int(np.ceil(box.y1)) - 3, 0), min(h - int(box.y0) + 3, h))
        cols = slice(max(int(box.x0) - 3, 0), min(int(np.ceil(box.x1)) + 3, w))
        key = (id(text), text.get_text(), rows.start, rows.stop, cols.start, cols.stop, text.get_rotation(),
               to_rgba(text.get_color(), text.get_alpha()), hash(text.get_fontproperties()),
               text.get_antialiased())
        pixels, background = np.asarray(canvas.buffer_rgba()), self._background
        if key in self._texts:
            ink, kept = self._texts[key]
            if np.array_equal(pixels[ink], background[ink]):
                pixels[ink] = kept
                return
        before = pixels[rows, cols].copy()
        self.figure.draw_artist(text)
        pixels = np.asarray(canvas.buffer_rgba())
        r, c = np.nonzero(np.any(pixels[rows, cols] != before, axis=-1))   # the pixels it changed
        if r.size:
            inside = slice(r.min(), r.max() + 1), slice(c.min(), c.max() + 1)
            ink = (slice(rows.start + r.min(), rows.start + r.max() + 1),
                   slice(cols.start + c.min(), cols.start + c.max() + 1))
            if np.array_equal(before[inside], background[ink]):
                if len(self._texts) >= TEXT_CACHE_SIZE:
                    del self._texts[next(iter(self._texts))]
                self._texts[key] = ink, pixels[ink].copy()

    def blit_mismatch(self):
        """Fraction of pixels where the fast render (background + dynamic artists) differs from a
        full redraw of the same state: a check that ``dynamic`` lists every artist ``draw`` changes.
        (Dynamic artists are drawn on top, so where one overlaps a static artist of higher z-order
        a few pixels may differ; a missing artist costs far more.)"""
        if self.dynamic is None:
            return 0.0
        fast = np.asarray(self.render().buffer_rgba()).copy()
        for artist in self.dynamic:
            artist.set_animated(False)
        try:
            self.figure.canvas.draw()
            full = np.asarray(self.figure.canvas.buffer_rgba())
            return float(np.mean(fast != full))
        finally:
            for artist in self.dynamic:
                artist.set_animated(True)

    def render_png(self):
        """The figure as PNG bytes: what the live view shows."""
        return png_bytes(np.asarray(self.render().buffer_rgba()), up=self.png_up)

    # -- notebook display ------------------------------------------------------------------------
    def snapshot(self):
        """A static picture of the current state, saved with the notebook for readers without a
        kernel: the explorer's title and what to look for (a line of Markdown), then the PNG."""
        from IPython.display import Image, Markdown, display
        title, caption = self.text("title"), self.text("caption")
        if title or caption:
            display(Markdown(" — ".join(s for s in (f"**{title}**" if title else "", caption) if s)))
        return Image(self.render_png())

    def widget(self):
        """The controls above the figure; moving a control calls ``update`` and shows the new PNG."""
        if self._widget is None:
            import ipywidgets as W

            image = W.Image(value=self.render_png(), format="png")

            def on_change(name, value):
                self.update(**{name: value})
                self.sync_controls()
                image.value = self.render_png()

            for name, w in self.controls.items():
                w.observe(lambda change, name=name: on_change(name, change["new"]), names="value")
                _show_whole_labels(w)
            # Buttons and menus on one row, sliders on the next, the figure below.
            sliders = [w for w in self.controls.values() if hasattr(w, "readout")]
            others = [w for w in self.controls.values() if not hasattr(w, "readout")]
            rows = [W.HBox(ws, layout=W.Layout(flex_flow="row wrap")) for ws in (others, sliders) if ws]
            title = self.text("title")
            box = W.VBox(([W.HTML(f"<b>{title}</b>")] if title else []) + rows + [image])
            self.sync_controls()
            box.add_class("normlib-explorer")          # lets the browser tests find every explorer
            self._widget, self.image = box, image
        return self._widget

    def _ipython_display_(self):
        from IPython.display import display
        display(self.widget())


class TextLines(list):
    """A multi-line text drawn as one Text artist per line: ``text`` and ``n − 1`` copies of it
    (same place, font, alignment), the k-th showing line k and the others blank, so that together
    they read as ``text`` alone would. A line that did not change is then pasted instead of drawn
    again (:meth:`Explorer.render`). ``set_text``/``get_text`` take and give all the lines; list
    the artists themselves (``*lines``) in ``dynamic``."""

    def __init__(self, text, n):
        super().__init__([text])
        for _ in range(n - 1):
            copy = Text(*text.get_position())
            copy.update_from(text)
            self.append(text.get_figure().add_artist(copy))

    def set_text(self, text):
        lines = text.split("\n")
        if len(lines) != len(self):
            raise ValueError(f"text must have {len(self)} lines, one per Text artist; got {len(lines)}: {text!r}")
        for k, artist in enumerate(self):
            artist.set_position(self[0].get_position())      # an axes title moves at the first draw
            artist.set_text("\n".join(line if j == k else " " for j, line in enumerate(lines)))

    def get_text(self):
        return "\n".join(artist.get_text().split("\n")[k] for k, artist in enumerate(self))


def png_bytes(rgba, up=False):
    """A PNG file of an (H, W, 4) uint8 RGBA image: the format at its simplest (signature, IHDR,
    IDAT, IEND), zlib level 1, every row unfiltered or (``up=True``) stored as its difference from
    the row above (PNG filter 2, which compresses photographs better and faster). Pillow's encoder
    chooses a filter for every row (adaptive filtering), which costs more than the compression
    for a file barely smaller (measured by benchmarks/bench_explorers.py)."""
    h, w, _ = rgba.shape
    flat = rgba.reshape(h, 4 * w)
    rows = np.zeros((h, 1 + 4 * w), np.uint8)          # each row: its filter type, then its bytes
    rows[:, 1:] = flat
    if up:
        rows[1:, 0] = 2
        np.subtract(flat[1:], flat[:-1], out=rows[1:, 1:])    # modulo 256, as PNG defines it

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0)  # 8 bits per channel, RGBA, no interlace
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib_level1(rows)) + chunk(b"IEND", b""))


_helper = None        # a thread that deflates on a second core: made at first use (again after a fork)
os.register_at_fork(after_in_child=lambda: globals().update(_helper=None))


def _cores():
    """The CPU cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def zlib_level1(data, parallel_from=1 << 18):
    """A zlib stream of ``data`` at level 1, as ``zlib.compress(data, 1)`` makes, but on two cores when
    there are two (compressing the figure is the largest part of a slider step). From ``parallel_from``
    bytes on, the two halves are deflated separately — at the same time on a second core (zlib
    releases Python's lock while it works), else one after the other, so the bytes never depend on
    the machine — and joined as pigz joins its parts: the first half ends on a byte boundary (a sync
    flush), the second starts afresh, zlib's header goes in front and the Adler-32 checksum of the
    whole, combined from those of the halves, at the end. A few bytes longer than ``zlib.compress``
    makes it; the same once decompressed."""
    global _helper
    data = memoryview(data).cast("B")
    if len(data) < parallel_from:
        return zlib.compress(data, 1)
    if _helper is None and _cores() > 1:
        _helper = ThreadPoolExecutor(1)
    half = len(data) // 2

    def deflate(part, last):
        d = zlib.compressobj(1, zlib.DEFLATED, -15)          # raw deflate: no header, no checksum
        return d.compress(part) + d.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH), zlib.adler32(part)

    second = _helper.submit(deflate, data[half:], True) if _helper is not None else None
    z1, a1 = deflate(data[:half], False)
    z2, a2 = second.result() if second is not None else deflate(data[half:], True)
    # Adler-32 is two sums mod 65521: A = 1 + Σ bytes, B = Σ of A after each byte; for a whole of
    # two parts, A = A1 + A2 − 1 and B = B1 + B2 + len2·(A1 − 1).
    n2, base = len(data) - half, 65521
    A = ((a1 & 0xFFFF) + (a2 & 0xFFFF) - 1) % base
    B = ((a1 >> 16) + (a2 >> 16) + n2 * ((a1 & 0xFFFF) - 1)) % base
    return b"\x78\x01" + z1 + z2 + struct.pack(">I", (B << 16) | A)   # 0x78 0x01: deflate, fastest


def _show_whole_labels(w):
    """No label cut short: a description as wide as its text, buttons as wide as theirs."""
    style = getattr(w, "style", None)
    if style is None:
        return
    if "description_width" in style.keys:
        style.description_width = "initial"
    if "button_width" in style.keys:
        style.button_width = "auto"
    if hasattr(w, "readout"):                      # sliders: room for the label and the track
        w.layout.width = w.layout.width or "auto"
        w.layout.min_width = w.layout.min_width or "300px"

