"""How long is each notebook's main path? The table of issue 16, measured.

    python tools/course_load.py [notebooks/NN_x.ipynb ...] [--check]      (or: make course-load)

A notebook's MAIN PATH is its cells before the first markdown heading that contains "Optional" or
"Going further" (in the Korean edition: "더 알아보기" or "더 나아가기"; the whole notebook if it has none); the optional part and notebooks/appendix/ are
for the curious and are not counted. For each main path:

- words        prose words: markdown cells only, outside LaTeX ($…$, $$…$$, \\begin…\\end), code
               spans and fenced code, link targets and HTML tags. A word is a run of letters (any
               script: Korean counts), digits, apostrophes and hyphens that holds at least one letter
               ("BN's", "mean-only", "3-layer" are one word each; "0.1" is a number, not a word).
- code cells   non-empty code cells.
- numbers      numbers a student must take in from the prose, counted in the same text as the
               words: every number ("0.1", "1,200", "2×" and "1e-5" count once each, a range
               "43.60–47.32" twice), except
               * numbers that are part of a name ("L2", "float32", "2D", "conv1"),
               * years (a four-digit 1900–2099 without a thousands comma: "Wu & He 2018"),
               * references: the numbers after Figure, Fig., Table, Eq., Equation, Algorithm,
                 Section, §, Chapter, Appendix, notebook, cell, exercise, point, line or arXiv,
                 with the list that follows ("notebooks 03, 05 and 07", "Eq. 1–3"), and
                 bracketed lists of the notes' points ("[2, 3]"),
               * markdown list markers ("1. ") and a heading's own notebook number ("# 03 · …").
- explorers    code cells that build an explorer: a call of a class whose name ends in "Explorer"
               (the notebooks show each one as ``x = lesson.SomethingExplorer()`` then ``x``).
- minutes      words / 100 (≈ 100 words a minute for dense technical prose read in a second
               language) + 1 per code cell + 5 per explorer.

A main path is over budget above 40 minutes, 2,000 words or 60 numbers; those cells are flagged
with "!". With --check the exit status is 1 when any notebook is over budget.
"""

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

LIMITS = {"minutes": 40, "words": 2000, "numbers": 60}
WORDS_PER_MINUTE = 100
MINUTES_PER_CODE_CELL = 1
MINUTES_PER_EXPLORER = 5

# English, and the Korean edition's "더 알아보기 (선택)" / "더 나아가기"
OPTIONAL_HEADING = re.compile(r"^\s{0,3}#+.*(\b(optional|going further)\b|더 알아보기|더 나아가기)", re.I | re.M)

_LATEX = [re.compile(r"\$\$.*?\$\$", re.S),
          re.compile(r"\\begin\{(\w+\*?)\}.*?\\end\{\1\}", re.S),
          re.compile(r"(?<![\\$])\$(?!\$).+?(?<!\\)\$", re.S)]
_CODE = [re.compile(r"^\s*(```|~~~).*?^\s*\1", re.S | re.M), re.compile(r"`[^`\n]*`")]
_LINK_TARGET = re.compile(r"\]\([^)\s]*(?:\s+\"[^\"]*\")?\)")
_HTML_TAG = re.compile(r"<[^>\n]+>")
_URL = re.compile(r"https?://\S+")

WORD = re.compile(r"[\w'’-]*[^\W\d_][\w'’-]*")
NUMBER = re.compile(r"(?<![\w.,])[−-]?\d+(?:,\d{3})*(?:\.\d+)?(?:e[−-]?\d+)?(?![\w]|[.,]\d)")
YEAR = re.compile(r"(?:19|20)\d\d")
REFERENCE_WORDS = (r"figures?|fig\.|tables?|eqs?\.|equations?|algorithms?|sections?|chapters?|"
                   r"appendix|appendices|notebooks?|cells?|exercises?|points?|arxiv|lines?")
# a reference word followed by a list of numbers: "Figure 1", "notebooks 03, 05 and 07", "Eq. 1–3"
REFERENCE = re.compile(rf"(?:\b(?:{REFERENCE_WORDS})|§)[ \t]*\[?\d[\d.]*"
                       rf"(?:\]?[ \t]*(?:,|–|-|and|or|&|/)[ \t]*\[?\d[\d.]*)*", re.I)
BRACKETED_POINTS = re.compile(r"\[\d+(?:\s*[,–-]\s*\d+)*\](?!\()")
LIST_MARKER = re.compile(r"^\s*\d+[.)]\s", re.M)
HEADING_NUMBER = re.compile(r"^\s{0,3}#+\s*\d+\s*·", re.M)


def prose(markdown):
    """The prose of a markdown cell: LaTeX, code, link targets, HTML tags and URLs removed."""
    text = markdown
    for pattern in _CODE + _LATEX:
        text = pattern.sub(" ", text)
    for pattern in (_LINK_TARGET, _HTML_TAG, _URL):
        text = pattern.sub(" ", text)
    return text


def count_words(text):
    """Words in prose already stripped by :func:`prose`."""
    return len(WORD.findall(text))


def numbers(text):
    """The numbers a student must take in, from prose already stripped by :func:`prose`."""
    for pattern in (REFERENCE, BRACKETED_POINTS, LIST_MARKER, HEADING_NUMBER):
        text = pattern.sub(lambda m: " " * len(m.group()), text)
    found = []
    for m in NUMBER.finditer(text):
        token = m.group()
        if YEAR.fullmatch(token.lstrip("−-")):
            continue
        found.append(token)
    return found


def count_numbers(text):
    return len(numbers(text))


def main_path(cells):
    """The cells before the first markdown heading containing "Optional" or "Going further"."""
    for i, cell in enumerate(cells):
        if cell["cell_type"] == "markdown" and OPTIONAL_HEADING.search(_source(cell)):
            return cells[:i]
    return list(cells)


def _source(cell):
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


EXPLORER_CALL = re.compile(r"\b\w*Explorer\s*\(")


def is_explorer(cell):
    return cell["cell_type"] == "code" and bool(EXPLORER_CALL.search(_source(cell)))


@dataclass
class Load:
    name: str
    words: int
    code_cells: int
    numbers: int
    explorers: int

    @property
    def minutes(self):
        return (self.words / WORDS_PER_MINUTE + MINUTES_PER_CODE_CELL * self.code_cells
                + MINUTES_PER_EXPLORER * self.explorers)

    def over(self):
        """The limits this main path exceeds: a subset of {"minutes", "words", "numbers"}."""
        return {k for k, limit in LIMITS.items() if getattr(self, k) > limit}


def load_of_cells(cells, name=""):
    cells = main_path(cells)
    text = "\n".join(prose(_source(c)) for c in cells if c["cell_type"] == "markdown")
    code = [c for c in cells if c["cell_type"] == "code" and _source(c).strip()]
    return Load(name, count_words(text), len(code), count_numbers(text), sum(map(is_explorer, code)))


def load_of_notebook(path):
    path = Path(path)
    with open(path, encoding="utf-8") as f:
        nb = json.load(f)
    return load_of_cells(nb["cells"], path.stem)


def table(loads):
    """The issue's table in markdown, an over-budget value marked with "!"."""
    rows = ["| notebook | words | code cells | explorers | numbers in prose | ≈ min |",
            "|---|---:|---:|---:|---:|---:|"]
    for ld in loads:
        over = ld.over()
        mark = lambda key, text: text + (" !" if key in over else "")
        rows.append(f"| {ld.name} | {mark('words', f'{ld.words:,}')} | {ld.code_cells} | {ld.explorers} "
                    f"| {mark('numbers', str(ld.numbers))} | {mark('minutes', f'{ld.minutes:.0f}')} |")
    total = Load("total", *(sum(getattr(ld, k) for ld in loads)
                            for k in ("words", "code_cells", "numbers", "explorers")))
    rows.append(f"| {total.name} | {total.words:,} | {total.code_cells} | {total.explorers} "
                f"| {total.numbers:,} | {total.minutes:.0f} |")
    return "\n".join(rows)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", help="default: notebooks/*.ipynb")
    parser.add_argument("--check", action="store_true", help="exit 1 if a main path is over budget")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted(Path(__file__).resolve().parent.parent.glob("notebooks/*.ipynb"))
    loads = [load_of_notebook(p) for p in paths]
    print(table(loads))
    over = [ld.name for ld in loads if ld.over()]
    print(f"\nLimits per main path: ≤ {LIMITS['minutes']} min, ≤ {LIMITS['words']:,} words, "
          f"≤ {LIMITS['numbers']} numbers in prose (\"!\" = over). "
          f"{len(loads) - len(over)} of {len(loads)} within all three.")
    return 1 if args.check and over else 0


if __name__ == "__main__":
    sys.exit(main())
