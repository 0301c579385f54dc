"""site/build.py without a browser or Jupyter Book (runs in `make test`): which editions it finds, the
home page it makes from the README's front matter, and the links it gives."""

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("site_build", ROOT / "site" / "build.py")
build = importlib.util.module_from_spec(spec)
spec.loader.exec_module(build)


def test_editions_in_course_order_korean_only_when_present(tmp_path):
    (tmp_path / "notebooks").mkdir()
    for name in ["01_b.ipynb", "00_a.ipynb", "10_c.ipynb", "scratch.ipynb"]:
        (tmp_path / "notebooks" / name).write_text("{}")
    eds = build.editions(tmp_path)
    assert list(eds) == ["en"] and [p.name for p in eds["en"]] == ["00_a.ipynb", "01_b.ipynb", "10_c.ipynb"]
    (tmp_path / "notebooks" / "ko").mkdir()
    assert list(build.editions(tmp_path)) == ["en"]            # an empty ko/ is no edition
    (tmp_path / "notebooks" / "ko" / "00_a.ipynb").write_text("{}")
    assert list(build.editions(tmp_path)) == ["en", "ko"]


def test_home_page_is_the_readmes_front_matter(tmp_path):
    repo = tmp_path / "repo"
    (repo / "docs" / "images").mkdir(parents=True)
    (repo / "notebooks").mkdir()
    (repo / "docs" / "images" / "fig.png").write_bytes(b"\x89PNG")
    (repo / "notebooks" / "00_a.ipynb").write_text("{}")
    (repo / "README.md").write_text(
        "# The course\n\nIntro with [the code](normlib/functional.py), [a page](notebooks/00_a.ipynb),"
        " [the web](https://example.org/x) and\n\n![a figure](docs/images/fig.png)\n\n"
        "## Two commands\n\nNot on the home page.\n")
    stage = tmp_path / "stage"
    stage.mkdir()
    title = build.home_page(repo, repo / "README.md", stage, "me/course", "main",
                            repo / "notebooks" / "00_a.ipynb", "Launch")
    index = (stage / "index.md").read_text()
    assert title == "The course"
    assert "Not on the home page" not in index and "## Two commands" not in index
    assert "[the code](https://github.com/me/course/blob/main/normlib/functional.py)" in index
    assert "[a page](00_a.ipynb)" in index and "[the web](https://example.org/x)" in index
    assert "![a figure](images/fig.png)" in index and (stage / "images" / "fig.png").exists()
    assert ("[![Launch](binder-badge.svg)](https://mybinder.org/v2/gh/me/course/main"
            "?urlpath=lab/tree/notebooks/00_a.ipynb)") in index
    assert (stage / "binder-badge.svg").exists()


def test_binder_link_opens_the_notebook_in_jupyterlab():
    assert build.binder_url("o/r", "main", "notebooks/ko/03_x.ipynb") == \
        "https://mybinder.org/v2/gh/o/r/main?urlpath=lab/tree/notebooks/ko/03_x.ipynb"



def test_a_notebooks_links_outside_the_book_point_at_the_repository(tmp_path):
    repo = tmp_path / "repo"
    (repo / "notebooks").mkdir(parents=True)
    md = ("See [the benchmark](../benchmarks/b.py), [the speed](../README.md#measured-speed), "
          "[notebook 01](01_b.ipynb#top), [a section](#here), [the web](https://example.org) and "
          "![a picture](https://example.org/p.png).")
    nb = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": [md]},
                    {"cell_type": "code", "metadata": {}, "source": ["# [not a link](../x.py)"],
                     "outputs": [], "execution_count": None}],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (repo / "notebooks" / "00_a.ipynb").write_text(json.dumps(nb))
    dest = tmp_path / "00_a.ipynb"
    build.stage_notebook(repo / "notebooks" / "00_a.ipynb", dest, repo, "me/course", "main")
    out = json.loads(dest.read_text())
    text = "".join(out["cells"][0]["source"])
    assert "[the benchmark](https://github.com/me/course/blob/main/benchmarks/b.py)" in text
    assert "[the speed](https://github.com/me/course/blob/main/README.md#measured-speed)" in text
    assert "[notebook 01](01_b.ipynb#top)" in text and "[a section](#here)" in text
    assert "[the web](https://example.org)" in text and "![a picture](https://example.org/p.png)" in text
    assert out["cells"][1]["source"] == ["# [not a link](../x.py)"]          # code is left alone


def test_a_korean_link_to_a_notebook_not_yet_translated_goes_to_the_english_page(tmp_path):
    repo = tmp_path / "repo"
    (repo / "notebooks" / "ko").mkdir(parents=True)
    for name in ("00_a", "01_b", "02_c"):
        (repo / "notebooks" / f"{name}.ipynb").write_text("{}")
    (repo / "notebooks" / "ko" / "01_b.ipynb").write_text("{}")
    pages, base = repo / "notebooks" / "ko", repo / "notebooks" / "ko"
    link = lambda target: build.page_or_repository_link("노트북", target, base, repo, "me/course", "main", pages)
    assert link("01_b.ipynb") == "[노트북](01_b.ipynb)"                       # translated: its own page
    assert link("02_c.ipynb#x") == '<a href="../en/02_c.html#x">노트북</a>'   # not yet: the English page
    assert link("09_z.ipynb") == "[노트북](09_z.ipynb)"                       # in neither: left for the build to flag
