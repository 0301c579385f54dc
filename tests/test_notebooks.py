"""What every notebook of the course promises its readers, checked on the committed files:
executed and saved with outputs, a static picture before every live explorer, the lecture shape
("What you will see" … Summary, Exercises), no errors or warnings left in the saved outputs."""

import json
import re
from pathlib import Path

import pytest

from normlib.lessons import EXPLORERS

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def load(path):
    return json.loads(path.read_text())["cells"]


def text(cell):
    return "".join(cell["source"])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_is_executed_and_saved_with_outputs(path):
    code = [c for c in load(path) if c["cell_type"] == "code"]
    assert code and all(c["execution_count"] for c in code), "run every cell and save (make notebooks)"
    counts = [c["execution_count"] for c in code]
    assert counts == list(range(1, len(code) + 1)), "saved from one top-to-bottom run"
    for c in code:
        for out in c["outputs"]:
            assert out["output_type"] != "error", f"saved with an error: {text(c)[:80]}"
            if out.get("name") == "stderr":
                assert "Warning" not in "".join(out["text"]), f"warning left in output: {out['text']}"


OPTIONAL_HEADING = re.compile(r"^\s{0,3}#+.*\b(optional|going further)\b", re.I | re.M)


def main_path(cells):
    """The cells before the first heading with "Optional" or "Going further" (tools/course_load.py)."""
    for i, c in enumerate(cells):
        if c["cell_type"] == "markdown" and OPTIONAL_HEADING.search(text(c)):
            return cells[:i]
    return cells


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_lecture_shape(path):
    """What you will see … the main path … Summary (what to remember), Exercises; then, if there is
    one, the optional part ("Going further (optional)") for the curious."""
    cells = load(path)
    assert cells[0]["cell_type"] == "markdown" and "What you will see" in text(cells[0])
    tail = " ".join(text(c) for c in main_path(cells)[-6:] if c["cell_type"] == "markdown")
    assert "Summary" in tail and "Exercise" in tail


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_every_live_explorer_has_a_static_picture_before_it(path):
    cells = [c for c in load(path) if c["cell_type"] == "code"]
    for i, c in enumerate(cells):
        if "nbval-ignore-output" in c["metadata"].get("tags", []):
            before = cells[i - 1]
            assert any("image/png" in o.get("data", {}) for o in before["outputs"]), \
                f"no static picture before the live cell {text(c)!r}"


def test_every_registered_explorer_is_shown_in_a_notebook():
    sources = " ".join(text(c) for p in NOTEBOOKS for c in load(p))
    missing = [name for name, cls in EXPLORERS.items() if f"lesson.{cls.__name__}(" not in sources]
    assert not missing, f"explorers registered but used in no notebook: {missing}"


BOTH_EDITIONS = NOTEBOOKS + sorted((NOTEBOOKS[0].parent / "ko").glob("*.ipynb"))


@pytest.mark.parametrize("path", BOTH_EDITIONS, ids=[str(p.relative_to(NOTEBOOKS[0].parent)) for p in BOTH_EDITIONS])
def test_saved_for_a_readable_diff(path):
    """No execution timestamps, no stored widget state, no live-widget outputs (their model ids change
    at every run), and an id on every cell: re-executing a notebook changes only what it computes."""
    nb = json.loads(path.read_text())
    assert "widgets" not in nb["metadata"], "stored widget state: save with tools/execute_notebooks.py"
    for c in nb["cells"]:
        assert c.get("id"), "a cell without an id"
        if c["cell_type"] != "code":
            continue
        assert "execution" not in c["metadata"], f"execution timestamps saved in {text(c)[:60]!r}"
        for out in c["outputs"]:
            assert "application/vnd.jupyter.widget-view+json" not in out.get("data", {}), \
                f"a live widget's output saved in {text(c)[:60]!r}"
        streams = [(o["output_type"], o.get("name")) for o in c["outputs"]]
        assert not any(a == b and a[0] == "stream" for a, b in zip(streams, streams[1:])), \
            f"printed text saved in pieces (as the kernel happened to flush it) in {text(c)[:60]!r}"
