"""The Korean edition stays in step with the English one (issue 17).

The first tests check the repository: every translation in i18n/ko/ and every notebook in
notebooks/ko/ (none yet: the English prose is still being reshaped, so they pass with zero). The
rest build a small English notebook and its translation in tmp_path, execute both, and show that
each check fails when it must: code that differs from English beyond its comments, a number that
drifts in prose or in an output, a stale translation, a variant the glossary avoids."""

import json
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import glossary  # noqa: E402
import korean_edition as ke  # noqa: E402


def test_the_korean_edition_is_in_step_with_the_english():
    problems = ke.check()
    assert not problems, "\n".join(f"{name}: {p}" for name, p in problems)


def test_normlibs_korean_messages_use_the_glossary_terms():
    from normlib.i18n import catalogue
    hits = {key: glossary.lint(text) for key, text in catalogue("ko").items() if glossary.lint(text)}
    assert not hits, f"normlib/locale/ko.json: {hits}"


# -- a small synthetic edition -------------------------------------------------------------------
ENGLISH_CELLS = [
    ("md-1", "markdown", "# 01 · A tiny notebook\n\nBatch norm standardizes over the batch: here 3 values, "
                         "then a score of 2 out of 3."),
    ("code-1", "code", "import numpy as np\nimport normlib as nl\n\nx = np.arange(3.0)  # three values\n"
                       "print(x.mean(), x.var())"),
    ("code-2", "code", "print(nl.t('checking.score', score=2, total=3))  # the checker's last line"),
    ("md-2", "markdown", "## Summary\n\nThe mean is 1.0 and the biased variance 0.667 (1/m)."),
]
KOREAN_TEXT = {
    "md-1": "# 01 · 작은 노트북\n\n배치 정규화(batch normalization)는 배치에 걸쳐 표준화한다. 여기서는 값 3개로 "
            "하고, 점수는 3개 중 2개이다.",
    "md-2": "## 요약\n\n평균(mean)은 1.0, 편향된 분산 추정량(biased variance, 1/m)은 0.667이다.",
}
COMMENTS = {"code-1": {"# three values": "# 값 세 개"}, "code-2": {"# the checker's last line": "# 채점기의 마지막 줄"}}


def english_notebook():
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for cid, kind, src in ENGLISH_CELLS:
        cell = (nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell)(src)
        cell.id = cid
        nb.cells.append(cell)
    return nb


def translation_of(english):
    data = ke.stub_from(english, "01_tiny.ipynb")
    for cid, entry in data["cells"].items():
        if "ko" in entry:
            entry["ko"] = KOREAN_TEXT[cid]
        for text in entry.get("comments", {}):
            entry["comments"][text] = COMMENTS[cid][text]
    return data


@pytest.fixture(scope="module")
def edition(tmp_path_factory):
    """A repository in miniature: notebooks/01_tiny.ipynb, i18n/ko/01_tiny.json and
    notebooks/ko/01_tiny.ipynb, both notebooks executed."""
    from execute_notebooks import execute
    root = tmp_path_factory.mktemp("edition")
    (root / "notebooks" / "ko").mkdir(parents=True)
    english = english_notebook()
    en_path = root / "notebooks" / "01_tiny.ipynb"
    nbformat.write(english, en_path)
    execute(en_path)
    translation = translation_of(english)
    ke.write_json(root / "i18n" / "ko" / "01_tiny.json", translation)
    ko_path = root / "notebooks" / "ko" / "01_tiny.ipynb"
    nbformat.write(ke.build(english, translation), ko_path)
    execute(ko_path)
    return root


def read(root, *parts):
    return json.loads(root.joinpath(*parts).read_text(encoding="utf-8"))


def problems_after(root, tmp_path, change_korean=None, change_english=None, change_translation=None):
    """ke.check on a copy of the small edition, after changing one of its files."""
    import shutil
    copy_root = tmp_path / "copy"
    shutil.copytree(root, copy_root)
    for change, parts in ((change_korean, ("notebooks", "ko", "01_tiny.ipynb")),
                          (change_english, ("notebooks", "01_tiny.ipynb")),
                          (change_translation, ("i18n", "ko", "01_tiny.json"))):
        if change:
            data = read(copy_root, *parts)
            change(data)
            copy_root.joinpath(*parts).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return [p for _, p in ke.check(copy_root)]


def cell(nb, cid):
    return next(c for c in nb["cells"] if c["id"] == cid)


def test_the_small_edition_passes_and_speaks_korean(edition):
    assert ke.check(edition) == []
    korean = read(edition, "notebooks", "ko", "01_tiny.ipynb")
    assert "3개 중 2개 정답" in ke.output_text(cell(korean, "code-2"))
    assert "".join(cell(korean, "code-1")["source"]).startswith(ke.SETUP + "\n")
    assert "# 값 세 개" in "".join(cell(korean, "code-1")["source"])


def test_code_that_differs_beyond_comments_fails(edition, tmp_path):
    def change(nb):
        cell(nb, "code-1")["source"] = "".join(cell(nb, "code-1")["source"]).replace("3.0", "4.0")
    found = problems_after(edition, tmp_path, change_korean=change)
    assert any("code-1: code differs from the English cell" in p for p in found), found


def test_the_setup_line_is_the_only_code_allowed_to_differ(edition, tmp_path):
    def drop_setup(nb):
        cell(nb, "code-1")["source"] = "".join(cell(nb, "code-1")["source"]).replace(ke.SETUP + "\n", "")
    found = problems_after(edition, tmp_path, change_korean=drop_setup)
    assert any("must start with the line" in p for p in found), found


def test_a_number_that_drifts_in_prose_fails(edition, tmp_path):
    def change(t):
        t["cells"]["md-2"]["ko"] = t["cells"]["md-2"]["ko"].replace("0.667", "0.67")
    def rebuild(nb):                       # the Korean notebook as the changed translation makes it
        cell(nb, "md-2")["source"] = KOREAN_TEXT["md-2"].replace("0.667", "0.67")
    found = problems_after(edition, tmp_path, change_korean=rebuild, change_translation=change)
    assert any("md-2: numbers differ" in p and "0.667" in p for p in found), found


def test_a_number_that_drifts_in_an_output_fails(edition, tmp_path):
    def change(nb):
        out = cell(nb, "code-1")["outputs"][0]
        out["text"] = "".join(out["text"]).replace("1.0", "1.5")
    found = problems_after(edition, tmp_path, change_korean=change)
    assert any("code-1: output numbers differ" in p for p in found), found


def test_a_translation_whose_english_changed_is_stale(edition, tmp_path):
    def change(nb):
        cell(nb, "md-2")["source"] = "## Summary\n\nThe mean is 1.0 and the biased variance is 0.667."
    found = problems_after(edition, tmp_path, change_english=change)
    assert any("md-2: stale" in p for p in found), found


def test_updating_a_stale_translation_clears_it(edition):
    english = read(edition, "notebooks", "01_tiny.ipynb")
    translation = read(edition, "i18n", "ko", "01_tiny.json")
    cell(english, "md-2")["source"] = "## Summary\n\nThe mean is 1.0; the biased variance, 0.667 (1/m)."
    assert "+The mean is 1.0; the biased variance" in ke.stale_diff(english, translation)["md-2"]
    ke.mark_updated(english, translation, ["md-2"])
    assert ke.translation_problems(english, translation) == []


def test_an_avoided_variant_fails_in_prose_comments_and_outputs(edition, tmp_path):
    def change(nb):
        cell(nb, "md-1")["source"] = KOREAN_TEXT["md-1"].replace("배치 정규화", "배치 정규화는 레이어마다")
        src = "".join(cell(nb, "code-2")["source"])
        cell(nb, "code-2")["source"] = src.replace("# 채점기의 마지막 줄", "# 학습 속도")
        cell(nb, "code-1")["outputs"][0]["text"] = "1.0 0.6666666666666666 변압기\n"
    found = problems_after(edition, tmp_path, change_korean=change)
    for cid, variant in (("md-1", "레이어"), ("code-2", "학습 속도"), ("code-1", "변압기")):
        assert any(p.startswith(f"cell {cid}: '{variant}'") for p in found), (cid, found)


def test_a_term_first_used_without_its_english_fails(edition, tmp_path):
    def change(nb):
        cell(nb, "md-1")["source"] = KOREAN_TEXT["md-1"].replace("(batch normalization)", "")
    found = problems_after(edition, tmp_path, change_korean=change)
    assert any("first use of ‘배치 정규화’ without the English" in p for p in found), found


def test_a_hand_edited_korean_notebook_fails(edition, tmp_path):
    def change(nb):
        cell(nb, "md-2")["source"] = KOREAN_TEXT["md-2"] + " 직접 고친 문장."
    found = problems_after(edition, tmp_path, change_korean=change)
    assert any("not what the English notebook and its translation make" in p for p in found), found


def test_untranslated_cells_and_comments_are_named(edition, tmp_path):
    def change(t):
        t["cells"]["md-1"]["ko"] = ""
        t["cells"]["code-2"]["comments"]["# the checker's last line"] = ""
    found = problems_after(edition, tmp_path, change_translation=change)
    assert any("md-1: markdown not translated" in p for p in found), found
    assert any("code-2: comments not translated" in p for p in found), found


def test_a_comment_translation_cannot_change_code():
    with pytest.raises(ValueError, match="one comment line starting with #"):
        ke.translate_comments("x = 1  # one", {"# one": "x = 2"})
    code = 's = "# not a comment"  # a comment'
    assert ke.translate_comments(code, {"# a comment": "# 주석"}) == 's = "# not a comment"  # 주석'
    assert ke.without_comments(code) == 's = "# not a comment"'


def test_numbers_are_read_as_written():
    assert ke.numbers("1,200 steps, lr 0.1, (1, 2)") == ke.numbers("학습률 0.1로 1200 스텝, (2, 1)")
    assert ke.numbers("0.667") != ke.numbers("0.67")


def test_a_stub_lists_every_markdown_cell_and_every_comment():
    english = english_notebook()
    data = ke.stub_from(english, "01_tiny.ipynb")
    assert {cid for cid, e in data["cells"].items() if "ko" in e} == {"md-1", "md-2"}
    assert data["cells"]["code-1"]["comments"] == {"# three values": ""}
    assert len(ke.translation_problems(json.loads(nbformat.writes(english)), data)) == 4


def test_readme_ko_uses_the_glossary_terms_and_names_every_notebook():
    """README.ko.md, a Korean user's door: no variant the glossary avoids, and every notebook of the
    course in its list (so the list follows a renumbering)."""
    readme = (ROOT / "README.ko.md").read_text(encoding="utf-8")
    assert not glossary.lint(readme), glossary.lint(readme)
    missing = [p.name for p in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")) if p.name not in readme]
    assert not missing, f"README.ko.md does not list {missing}"
    assert "README.ko.md" in (ROOT / "README.md").read_text(encoding="utf-8").split("\n\n")[1]


KOREAN_LABELS = [   # the English label of the course → the one Korean wording of it, in every notebook
    ("## Summary — what to remember", "## 요약 — 기억할 것"),
    ("## Exercises", "## 연습 문제"),
    ("## Going further (optional)", "## 더 나아가기 (선택)"),
    ("Predict, then run", "예상하고 실행하기"),
]


@pytest.mark.parametrize("path", sorted((ROOT / "notebooks" / "ko").glob("[0-9][0-9]_*.ipynb")),
                         ids=lambda p: p.stem)
def test_the_fixed_labels_read_the_same_in_every_korean_notebook(path):
    """A student meets the same headings and the same "predict, then run" prompt in every notebook:
    each English label appears in the Korean notebook as often, in its one Korean wording."""
    def markdown(p):
        return "\n".join("".join(c["source"]) for c in json.loads(p.read_text(encoding="utf-8"))["cells"]
                         if c["cell_type"] == "markdown")
    en, ko = markdown(ROOT / "notebooks" / path.name), markdown(path)
    for english, korean in KOREAN_LABELS:
        assert ko.count(korean) == en.count(english), f"{english!r} → {korean!r}: {en.count(english)} vs {ko.count(korean)}"
