"""Printing a small table: ``nl.table(rows, header, formats)``.

Every table the course prints goes through this one function, so columns line up the same way in
every notebook (text left, numbers right) and no cell hand-aligns f-string widths. No pandas: its
output would make strict nbval depend on its version.

>>> print(table([("BN", 0.9712, 3), ("LN", 0.95, 12)], header=("norm", "accuracy", "steps"),
...             formats=(None, ".1%", "d")))
norm  accuracy  steps
----  --------  -----
BN       97.1%      3
LN       95.0%     12
"""

import unicodedata
from numbers import Number

__all__ = ["table", "Table"]


class Table:
    """The text of a table; shows itself as that text (as a cell's last line, or with print)."""

    def __init__(self, text):
        self.text = text

    def __str__(self):
        return self.text

    __repr__ = __str__

    def _repr_pretty_(self, p, cycle):
        p.text(self.text)

    def __eq__(self, other):
        return str(self) == str(other)


def _width(text):
    """Columns ``text`` takes on screen: Hangul and other wide characters take two, a combining
    mark (the hat of x̂) none."""
    return sum(0 if unicodedata.category(ch) in ("Mn", "Me") else
               2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text, width, right):
    fill = " " * (width - _width(text))
    return fill + text if right else text + fill


def _cell(value, fmt):
    if value is None:
        return "", False
    if callable(fmt):
        return str(fmt(value)), isinstance(value, Number)
    if isinstance(value, bool):                      # True/False read as yes/no, left-aligned
        return ("yes" if value else "no"), False
    if isinstance(value, Number):
        return format(value, fmt or ""), True
    return format(str(value), fmt or ""), False


def table(rows, header, formats=None, gap=2):
    """A table of ``rows`` (each a sequence with one value per column) under ``header``.

    formats: one per column, a format spec (``".3f"``, ``"+.2e"``, ``".1%"``, ``"d"``), a
    function of the value, or None (``str``/default formatting); a single spec applies to every
    column. Numbers are right-aligned, text and yes/no (from booleans) left-aligned; None prints
    as an empty cell. Hangul counts two columns wide and a combining mark (x̂) none, as a terminal
    and Jupyter draw them. Returns a :class:`Table` (print it, or leave it as a cell's last line).
    """
    header = [str(h) for h in header]
    ncol = len(header)
    if ncol == 0:
        raise ValueError("header must name at least one column")
    if formats is None or isinstance(formats, str) or callable(formats):
        formats = [formats] * ncol
    formats = list(formats)
    if len(formats) != ncol:
        raise ValueError(f"formats has {len(formats)} entries; expected one per column ({ncol})")
    body = []
    for i, row in enumerate(rows):
        row = list(row)
        if len(row) != ncol:
            raise ValueError(f"row {i} has {len(row)} values; expected {ncol} (one per header column)")
        body.append([_cell(v, f) for v, f in zip(row, formats)])
    widths = [max([_width(h)] + [_width(r[j][0]) for r in body]) for j, h in enumerate(header)]
    numeric = [bool(body) and all(r[j][1] or r[j][0] == "" for r in body) for j in range(ncol)]
    sep = " " * gap

    def line(cells, right):
        out = [_pad(c, w, r) for c, w, r in zip(cells, widths, right)]
        return sep.join(out).rstrip()

    lines = [line(header, numeric), line(["-" * w for w in widths], [False] * ncol)]
    lines += [line([c for c, _ in r], [num for _, num in r]) for r in body]
    return Table("\n".join(lines))
