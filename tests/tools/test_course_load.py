"""tools/course_load.py: the counting rules of issue 16's table, on small synthetic notebooks."""

import importlib.util
import json
from pathlib import Path

import pytest

TOOLS = Path(__file__).resolve().parents[2] / "tools"
spec = importlib.util.spec_from_file_location("course_load", TOOLS / "course_load.py")
cl = importlib.util.module_from_spec(spec)
spec.loader.exec_module(cl)


def md(text):
    return {"cell_type": "markdown", "source": text}


def code(text):
    return {"cell_type": "code", "source": text, "outputs": []}


def words(text):
    return cl.count_words(cl.prose(text))


def nums(text):
    return cl.numbers(cl.prose(text))


def test_words_leave_out_latex_code_and_link_targets():
    assert words("one two three") == 3
    assert words("the mean $\\mu_B = \\frac1m \\sum_i x_i$ of the batch") == 5
    assert words("$$\\hat x = \\frac{x - \\mu}{\\sigma}$$\nthen scale") == 2
    assert words("call `nl.batch_norm(x, axes=(0,))` here") == 2
    assert words("```python\nx = 1 + 2\nprint(x)\n```\nafter") == 1
    assert words("see [notebook five](05_batch_norm_inference.ipynb)") == 3
    assert words("<img src='a.png' alt='x'> picture") == 1


def test_a_word_holds_a_letter_and_keeps_hyphens_apostrophes_and_korean():
    assert words("BN's mean-only 3-layer net") == 4
    assert words("표준화 (standardization)") == 2
    assert words("0.1 and 1,200 and 42") == 2          # numbers are not words


def test_numbers_count_values_a_student_takes_in():
    assert nums("lr 0.1 for 1,200 steps, 3× faster, ε = 1e-5") == ["0.1", "1,200", "3", "1e-5"]
    assert nums("a range 43.60–47.32") == ["43.60", "47.32"]
    assert nums("between −1 and 1") == ["−1", "1"]


def test_numbers_skip_names_years_references_and_markup():
    assert nums("L2 weight decay in float32, a 2D map, conv1") == []
    assert nums("Ioffe & Szegedy (2015) and Wu & He 2018") == []
    assert nums("Figure 1, Table 2, Eq. 1–3, Algorithm 2, §3.1, arXiv 1607.06450") == []
    assert nums("as notebooks 03, 05 and 07 show; cell 7 of notebook 04") == []
    assert nums("the four kinds [1]; whitening [2, 3]") == []
    assert nums("1. first\n2. second with 64 units") == ["64"]
    assert nums("# 03 · Batch norm with 10 examples") == ["10"]
    # but a number after a reference is counted again once the reference is over
    assert nums("Figure 1 shows 15 and 85 percentiles") == ["15", "85"]
    # and 2,000 with its thousands comma is a number, not a year
    assert nums("2,000 steps") == ["2,000"]


def test_numbers_in_latex_and_code_are_not_prose():
    assert nums("$m = 10$ and `batch_size=32`") == []


def test_main_path_ends_at_the_first_optional_or_going_further_heading():
    cells = [md("# 05 · Title\nintro words here"), code("x = 1"),
             md("## Summary\n* one"), md("## Optional: the seed table\n0.1 0.2 0.3"), code("y = 2"),
             md("## Going further\nmore")]
    assert len(cl.main_path(cells)) == 3
    ld = cl.load_of_cells(cells)
    assert (ld.words, ld.code_cells, ld.numbers) == (6, 1, 0)
    # a heading that merely mentions the word later in a sentence still counts ("optional" anywhere
    # in a heading line), but a non-heading mention does not end the main path
    assert len(cl.main_path([md("this part is optional for you"), code("x")])) == 2
    assert len(cl.main_path([md("### Going Further: paper details"), code("x")])) == 0
    # the Korean edition's heading; a Korean heading that only says 선택 (choice) is not one
    assert len(cl.main_path([md("# 11 · 정규화 선택하기"), md("## 더 알아보기 (선택)"), code("x")])) == 1


def test_explorers_empty_cells_and_minutes():
    cells = [md(" ".join(["word"] * 250)), code("ex = lesson.ScaleShiftExplorer()\nex.snapshot()"),
             code("ex"), code("   \n"), code("print(1)")]
    ld = cl.load_of_cells(cells, "t")
    assert (ld.words, ld.code_cells, ld.explorers) == (250, 3, 1)
    assert ld.minutes == pytest.approx(2.5 + 3 + 5)
    assert ld.over() == set()


def test_over_budget_flags_each_limit_separately():
    assert cl.Load("a", 2001, 0, 0, 0).over() == {"words"}
    assert cl.Load("b", 100, 0, 61, 0).over() == {"numbers"}
    assert cl.Load("c", 100, 35, 0, 1).over() == {"minutes"}
    assert cl.Load("d", 2000, 20, 60, 0).over() == set()          # 40 min exactly is within


def test_table_and_check_exit_status(tmp_path, capsys):
    nb = {"cells": [md("## Intro\n" + " ".join(["word"] * 2100)), code("x = 1")], "metadata": {},
          "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "99_long.ipynb"
    path.write_text(json.dumps(nb))
    assert cl.main([str(path)]) == 0
    out = capsys.readouterr().out
    assert "| 99_long | 2,101 ! | 1 | 0 | 0 | 22 |" in out
    assert cl.main([str(path), "--check"]) == 1


NOTEBOOKS = sorted((TOOLS.parent / "notebooks").glob("[0-9][0-9]_*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_main_path_fits_one_sitting(path):
    """Issue 16's limits, kept: ≤ 40 minutes by the formula, ≤ 2,000 words, ≤ 60 numbers in the prose
    of the main path (what comes before "Going further (optional)")."""
    load = cl.load_of_notebook(path)
    assert not load.over(), (f"{path.name}'s main path is over {sorted(load.over())}: {load.words} words, "
                             f"{load.numbers} numbers, {load.minutes:.1f} min — move depth to its optional part")


def test_the_readme_shows_the_table_as_measured():
    readme = (TOOLS.parent / "README.md").read_text(encoding="utf-8")
    table = cl.table([cl.load_of_notebook(p) for p in NOTEBOOKS])
    assert table in readme, "README.md's course-load table is out of date: paste `make course-load`'s table"
