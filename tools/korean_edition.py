"""The Korean edition (한국어판, issue 17): notebooks/ko/NN_name.ipynb made from the English notebook
and its translation, never edited by hand.

    python tools/korean_edition.py                 # build and execute every notebook that has a translation
    python tools/korean_edition.py 04 07           # only these
    python tools/korean_edition.py --no-execute 04 # write the notebook without running it
    python tools/korean_edition.py --check         # what is out of step; exit 1 if anything is
    python tools/korean_edition.py --stub 04       # start i18n/ko/04_scale_shift_sigmoid.json (or add new cells to it)
    python tools/korean_edition.py --updated 04 ID # after re-translating cell ID: record its English as translated

One translation file per notebook, i18n/ko/NN_name.json, keyed by the English cell's id:

    {"notebook": "04_scale_shift_sigmoid.ipynb",
     "cells": {"<id of a markdown cell>": {"source_hash": "…", "en": "<the English translated>",
                                          "ko": "<the Korean Markdown>"},
               "<id of a code cell>": {"source_hash": "…", "comments": {"# English comment": "# 한국어 주석"}}}}

``source_hash`` is the SHA-256 (first 16 hex digits) of the English cell's source when it was
translated, and ``en`` that source, so ``--check`` shows what changed in English since (a diff).
When English changes: ``--check`` names the stale cells; fix their ``ko`` (or ``comments``), then
``--updated NN ID…`` records the English they now translate. How the Korean notebook is made:

- markdown cells: the ``ko`` text (the English one while it is untranslated: ``--check`` says so);
- code cells: the English code, with comments replaced by the ``comments`` map (whole comment
  tokens, found with Python's tokenizer, so a ``#`` in a string is left alone); and one line put
  before the first code cell's source, :data:`SETUP`, which selects Korean for normlib's texts and
  figures (normlib.i18n). That line is the only difference in code the sync check allows;
- the same cells in the same order with the same ids, metadata and tags; then executed and saved as
  tools/execute_notebooks.py does (no timestamps, no widget state, cell ids kept).

The checks (``--check``; tests/test_korean_edition.py runs them in ``make test``) are
:func:`translation_problems` (every cell translated, none stale, none for a cell English no longer
has) and :func:`notebook_problems` (a Korean notebook against its English one: the same cells;
code equal to the English, comments aside; the same numbers in each markdown cell and in each code
cell's outputs; no variant the glossary says to avoid; the English in parentheses at the first use
of each glossary term; executed, no error, no warning).
"""

import hashlib
import io
import json
import re
import sys
import tokenize
from collections import Counter
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
import glossary  # noqa: E402

ENGLISH = ROOT / "notebooks"
KOREAN = ROOT / "notebooks" / "ko"
TRANSLATIONS = ROOT / "i18n" / "ko"
SETUP = 'import normlib; normlib.set_language("ko")  # 한국어판: normlib의 글과 그림을 한국어로'


def source_hash(source):
    return hashlib.sha256(source.encode("utf-8")).hexdigest()[:16]


def _source(cell):
    return cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])


# -- code: comments ---------------------------------------------------------------------------------
def comments(code):
    """[(row, col, text)] of the comment tokens of ``code`` (rows from 1)."""
    tokens = tokenize.generate_tokens(io.StringIO(code).readline)
    return [(t.start[0], t.start[1], t.string) for t in tokens if t.type == tokenize.COMMENT]


def without_comments(code):
    """``code`` with every comment removed and lines right-stripped: what must equal in both editions."""
    lines = code.split("\n")
    for row, col, _ in reversed(comments(code)):
        lines[row - 1] = lines[row - 1][:col]
    return "\n".join(line.rstrip() for line in lines)


def translate_comments(code, mapping):
    """``code`` with each comment found in ``mapping`` (English comment → Korean comment) replaced."""
    lines = code.split("\n")
    for row, col, text in reversed(comments(code)):
        ko = mapping.get(text)
        if ko:
            if not ko.lstrip().startswith("#") or "\n" in ko:
                raise ValueError(f"the translation of {text!r} must be one comment line starting with #; got {ko!r}")
            lines[row - 1] = lines[row - 1][:col] + ko
    return "\n".join(lines)


# -- building ---------------------------------------------------------------------------------------
def translation_path(english_path):
    return TRANSLATIONS / (Path(english_path).stem + ".json")


def load_translation(path):
    return json.loads(Path(path).read_text(encoding="utf-8"))


def build(english, translation):
    """The Korean notebook (not executed, no outputs) from the English notebook and its translation."""
    cells = translation["cells"]
    ko = nbformat.from_dict(json.loads(json.dumps(english)))          # a deep copy
    first_code = True
    for cell in ko.cells:
        entry = cells.get(cell.get("id"), {})
        if cell.cell_type == "markdown" and entry.get("ko"):
            cell.source = entry["ko"]
        elif cell.cell_type == "code":
            code = translate_comments(_source(cell), entry.get("comments", {}))
            if first_code:
                code, first_code = SETUP + "\n" + code, False
            cell.source = code
            cell.outputs, cell.execution_count = [], None
    ko.metadata["normlib"] = {"edition": "ko", "made_by": "tools/korean_edition.py",
                              "from": f"../{translation['notebook']}"}
    return ko


def stub(english_path):
    """A translation file to fill in: every markdown cell, and every code cell that has comments."""
    return stub_from(nbformat.read(english_path, as_version=4), Path(english_path).name)


def stub_from(nb, name):
    cells = {}
    for cell in nb.cells:
        src = _source(cell)
        if cell.cell_type == "markdown":
            cells[cell.id] = {"source_hash": source_hash(src), "en": src, "ko": ""}
        elif cell.cell_type == "code" and comments(src):
            cells[cell.id] = {"source_hash": source_hash(src),
                              "comments": {text: "" for _, _, text in comments(src)}}
    return {"notebook": name, "cells": cells}


def write_json(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


# -- checks -----------------------------------------------------------------------------------------
def translation_problems(english, translation):
    """Sentences naming each cell that is untranslated, stale (its English source changed since it was
    translated), or translated but gone from the English notebook."""
    problems = []
    by_id = {c.get("id"): c for c in english["cells"]}
    for cid, entry in translation["cells"].items():
        cell = by_id.get(cid)
        if cell is None:
            problems.append(f"cell {cid}: translated, but the English notebook has no such cell")
        elif source_hash(_source(cell)) != entry.get("source_hash"):
            nn = Path(translation["notebook"]).stem[:2]
            problems.append(f"cell {cid}: stale — its English source changed since it was translated (fix "
                            f"'ko' or 'comments', then: python tools/korean_edition.py --updated {nn} {cid})")
    for cell in english["cells"]:
        src, entry = _source(cell), translation["cells"].get(cell.get("id"), {})
        if cell["cell_type"] == "markdown" and not entry.get("ko"):
            problems.append(f"cell {cell.get('id')}: markdown not translated")
        elif cell["cell_type"] == "code":
            todo = [text for _, _, text in comments(src) if not entry.get("comments", {}).get(text)]
            if todo:
                problems.append(f"cell {cell.get('id')}: comments not translated: {todo}")
    return problems


def stale_diff(english, translation):
    """{cell id: unified diff of the English translated → the English now} for each stale markdown cell."""
    import difflib
    out = {}
    for cell in english["cells"]:
        entry = translation["cells"].get(cell.get("id"))
        src = _source(cell)
        if entry and "en" in entry and source_hash(src) != entry.get("source_hash"):
            out[cell["id"]] = "\n".join(difflib.unified_diff(entry["en"].splitlines(), src.splitlines(),
                                                             "translated", "now", lineterm="", n=0))
    return out


def mark_updated(english, translation, ids):
    """Record the English source of cells ``ids`` as the one their translation now follows."""
    by_id = {c.get("id"): c for c in english["cells"]}
    for cid in ids:
        if cid not in by_id or cid not in translation["cells"]:
            raise SystemExit(f"cell {cid!r} is not in both the English notebook and its translation")
        src, entry = _source(by_id[cid]), translation["cells"][cid]
        entry["source_hash"] = source_hash(src)
        if "en" in entry:
            entry["en"] = src
        if "comments" in entry:                       # keep the translated comments the code still has
            now = [text for _, _, text in comments(src)]
            entry["comments"] = {text: entry["comments"].get(text, "") for text in now}
    return translation


_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def numbers(text):
    """The numbers written in ``text`` (1,200 read as 1200), counted: word order may differ."""
    return Counter(_NUMBER.findall(_THOUSANDS.sub("", text)))


def output_text(cell):
    """What a code cell printed or showed as text (stream, text/plain, text/markdown)."""
    parts = []
    for out in cell.get("outputs", []):
        if "text" in out:
            parts.append(_source({"source": out["text"]}))
        for mime in ("text/plain", "text/markdown"):
            if mime in out.get("data", {}):
                parts.append(_source({"source": out["data"][mime]}))
    return "\n".join(parts)


def _diff(en, ko):
    a, b = numbers(en), numbers(ko)
    return dict(a - b), dict(b - a)


def notebook_problems(english, korean, data=None):
    """Sentences naming each place where the Korean notebook is out of step with the English one."""
    data = data or glossary.load()
    en_cells, ko_cells = english["cells"], korean["cells"]
    shape = lambda cells: [(c.get("id"), c["cell_type"]) for c in cells]
    if shape(en_cells) != shape(ko_cells):
        return ["the cells (ids, types, order) differ from the English notebook's: rebuild it with "
                "tools/korean_edition.py"]
    problems, first_code = [], True
    counts = [c.get("execution_count") for c in ko_cells if c["cell_type"] == "code"]
    if counts != list(range(1, len(counts) + 1)):
        problems.append("not saved from one top-to-bottom run: run tools/korean_edition.py")
    for en, ko in zip(en_cells, ko_cells):
        cid, en_src, ko_src = en.get("id"), _source(en), _source(ko)
        if en["cell_type"] == "code":
            if first_code:
                first_code = False
                if not ko_src.startswith(SETUP + "\n"):
                    problems.append(f"cell {cid}: the first code cell must start with the line {SETUP!r}")
                ko_src = ko_src[len(SETUP) + 1:]
            try:
                same = without_comments(ko_src) == without_comments(en_src)
            except (tokenize.TokenError, SyntaxError):
                same = ko_src == en_src
            if not same:
                problems.append(f"cell {cid}: code differs from the English cell (comments aside)")
            missing, extra = _diff(output_text(en), output_text(ko))
            if missing or extra:
                problems.append(f"cell {cid}: output numbers differ: English only {missing}, Korean only {extra}")
            ko_comments = "\n".join(text for _, _, text in comments(ko_src)) if same else ""
            lint_text = ko_comments + "\n" + output_text(ko)
            for out in ko.get("outputs", []):
                if out.get("output_type") == "error" or (out.get("name") == "stderr" and
                                                         "Warning" in _source({"source": out["text"]})):
                    problems.append(f"cell {cid}: an error or a warning in the saved output")
        else:
            missing, extra = _diff(en_src, ko_src)
            if missing or extra:
                problems.append(f"cell {cid}: numbers differ from the English cell: English only "
                                f"{missing}, Korean only {extra}")
            lint_text = ko_src
        for variant, preferred, why in glossary.lint(lint_text, data):
            problems.append(f"cell {cid}: '{variant}' — write '{preferred}' ({why})")
    prose = "\n\n".join(_source(c) for c in ko_cells if c["cell_type"] == "markdown")
    return problems + glossary.first_use_problems(prose, data)


def check(root=ROOT):
    """Every problem of every translation file (i18n/ko/) and Korean notebook (notebooks/ko/) under
    ``root``, as (file name, sentence)."""
    english_dir, korean_dir, translations = root / "notebooks", root / "notebooks" / "ko", root / "i18n" / "ko"
    data, problems = glossary.load(), []
    for tpath in sorted(translations.glob("*.json")):
        if not (english_dir / (tpath.stem + ".ipynb")).exists():
            problems.append((tpath.name, f"no English notebook notebooks/{tpath.stem}.ipynb"))
            continue
        english = json.loads((english_dir / (tpath.stem + ".ipynb")).read_text(encoding="utf-8"))
        translation = load_translation(tpath)
        problems += [(tpath.name, p) for p in translation_problems(english, translation)]
        kpath = korean_dir / (tpath.stem + ".ipynb")
        if not kpath.exists():
            problems.append((kpath.name, "not built: run tools/korean_edition.py"))
            continue
        korean = json.loads(kpath.read_text(encoding="utf-8"))
        made = build(nbformat.from_dict(english), translation)
        if [_source(c) for c in made.cells] != [_source(c) for c in korean["cells"]]:
            problems.append((kpath.name, "not what the English notebook and its translation make: "
                                         "run tools/korean_edition.py"))
        problems += [(kpath.name, p) for p in notebook_problems(english, korean, data)]
    for kpath in sorted(korean_dir.glob("*.ipynb")):
        if not (translations / (kpath.stem + ".json")).exists():
            problems.append((kpath.name, f"no translation file i18n/ko/{kpath.stem}.json"))
    return problems


# -- command line -----------------------------------------------------------------------------------
def english_notebook(key):
    """notebooks/NN_name.ipynb from "NN", "NN_name" or a path."""
    found = sorted(ENGLISH.glob(f"{Path(key).stem.split('_')[0]}_*.ipynb"))
    exact = [p for p in found if p.stem == Path(key).stem]     # "NN_name" picks one of two NN_ notebooks
    found = exact or found
    if len(found) != 1:
        raise SystemExit(f"no single English notebook for {key!r} in notebooks/: {found}")
    return found[0]


def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    if "--check" in argv:
        problems = check()
        for name, p in problems:
            print(f"{name}: {p}")
        for tpath in sorted(TRANSLATIONS.glob("*.json")):
            english_path = ENGLISH / (tpath.stem + ".ipynb")
            if english_path.exists():
                for cid, diff in stale_diff(json.loads(english_path.read_text()), load_translation(tpath)).items():
                    print(f"\n{tpath.name}, cell {cid}: the English changed since it was translated:\n{diff}")
        n = len(list(TRANSLATIONS.glob("*.json")))
        print(f"{len(problems)} problems in {n} translated notebooks")
        return 1 if problems else 0
    if "--stub" in argv:
        for key in args:
            path = english_notebook(key)
            out, new = translation_path(path), stub(path)
            if out.exists():                      # keep what is translated, add the cells English gained
                old = load_translation(out)
                added = [cid for cid in new["cells"] if cid not in old["cells"]]
                old["cells"].update({cid: new["cells"][cid] for cid in added})
                new = old
                print(f"{out.relative_to(ROOT)}: added {len(added)} cells")
            write_json(out, new)
            print(f"wrote {out.relative_to(ROOT)}: fill in every empty 'ko' and comment")
        return 0
    if "--updated" in argv:
        path = english_notebook(args[0])
        tpath = translation_path(path)
        english = nbformat.read(path, as_version=4)
        write_json(tpath, mark_updated(english, load_translation(tpath), args[1:]))
        print(f"wrote {tpath.relative_to(ROOT)}: {len(args) - 1} cells now follow the current English")
        return 0
    paths = [translation_path(english_notebook(k)) for k in args] or sorted(TRANSLATIONS.glob("*.json"))
    if not paths:
        print("no translations in i18n/ko/: no Korean notebook to build")
        return 0
    from execute_notebooks import execute
    for i, tpath in enumerate(paths, 1):
        english_path = ENGLISH / (tpath.stem + ".ipynb")
        english, translation = nbformat.read(english_path, as_version=4), load_translation(tpath)
        for p in translation_problems(english, translation):
            print(f"  warning: {tpath.name}: {p}")
        out = KOREAN / english_path.name
        out.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(build(english, translation), out)
        print(f"[{i}/{len(paths)}] {out.relative_to(ROOT)} ...", end=" ", flush=True)
        print("written (not executed)" if "--no-execute" in argv else f"{execute(out):.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
