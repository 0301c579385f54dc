"""The course's Korean–English glossary: one data file, rendered where it is read, and a lint.

    python tools/glossary.py            # write docs/glossary.ko.md from docs/glossary.ko.json
    python tools/glossary.py --check    # exit 1 if docs/glossary.ko.md is out of date
    python tools/glossary.py --table    # print the short table for notebook 00

docs/glossary.ko.json is the single source of the terms: for each term the preferred Korean
("ko"), the English ("en"), where it is in the code ("code"), variants met in other books that may
be mentioned but are not used ("also"), variants never to use, each with its reason ("avoid": text,
why, a regular expression "pattern" when the plain text would match too much or too little, and
"instead" when the right word is not the term itself: L2 정규화 → L2 규제), and a note. Everything else is made from it:

- :func:`render_markdown` → docs/glossary.ko.md (tests/test_glossary.py checks it is up to date);
- :func:`notebook_table` → the table of notebook 00, in either edition;
- :func:`first_use_problems` → the terms whose first use in a notebook lacks the English in
  parentheses, "배치 정규화(batch normalization)";
- :func:`lint` → the "avoid" variants found in a Korean text. Quotations of the lecture notes
  (Markdown block quotes, "> …": the notes are quoted as they are), variants mentioned in Korean
  single quotation marks (‘레이어 정규화’), and code (`…`) are not linted; comments in code cells
  and printed outputs are (tools/korean_edition.py hands them over as text).
"""

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "docs" / "glossary.ko.json"
RENDERED = ROOT / "docs" / "glossary.ko.md"


def load(path=SOURCE):
    """The glossary, checked: every term has "ko" and "en", every avoided variant a reason."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    for group in data["groups"]:
        for term in group["terms"]:
            for field in ("ko", "en"):
                if not term.get(field):
                    raise ValueError(f"{path}: a term of {group['group']!r} has no {field!r}: {term}")
            for a in term.get("avoid", []):
                if not a.get("text") or not a.get("why"):
                    raise ValueError(f"{path}: {term['ko']}: every 'avoid' entry needs 'text' and 'why'")
                re.compile(a.get("pattern", re.escape(a["text"])))
    data["terms"] = [t for g in data["groups"] for t in g["terms"]]
    return data


def _cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(data):
    """docs/glossary.ko.md: one table per group of terms."""
    out = ["# 용어집 (Korean–English glossary)", "",
           "<!-- Made by tools/glossary.py from docs/glossary.ko.json: edit that file, then run "
           "`python tools/glossary.py`. -->", "", data["about"], ""]
    for group in data["groups"]:
        out += [f"## {group['group']}", "",
                "| 한국어 | English | 코드 | 쓰지 않는 말 (이유) | 다른 책의 표현 | 참고 |",
                "|---|---|---|---|---|---|"]
        for t in group["terms"]:
            avoid = "<br>".join(f"~~{a['text']}~~ → {a.get('instead', t['ko'])}: {a['why']}"
                                for a in t.get("avoid", []))
            also = ", ".join(t.get("also", []))
            out.append("| " + " | ".join(_cell(x) for x in (
                f"**{t['ko']}**", t["en"], t.get("code", ""), avoid, also, t.get("note", ""))) + " |")
        out.append("")
    return "\n".join(out)


def notebook_table(data=None, lang="en"):
    """The glossary table of notebook 00: Korean, English, where in the code, and what not to write.
    ``lang`` is the language of the headings ("en" for the English edition, "ko" for the Korean)."""
    data = data or load()
    head = {"en": ("한국어", "English", "in the code", "avoid"),
            "ko": ("한국어", "영어", "코드", "쓰지 않는 말")}[lang]
    out = ["| " + " | ".join(head) + " |", "|---|---|---|---|"]
    for t in data["terms"]:
        avoid = ", ".join(f"‘{a['text']}’" for a in t.get("avoid", []))    # a mention, not a use
        code = t.get("code", "").replace("노트북", "notebook") if lang == "en" else t.get("code", "")
        out.append("| " + " | ".join(_cell(x) for x in (t["ko"], t["en"], code, avoid)) + " |")
    return "\n".join(out)


# -- lint -----------------------------------------------------------------------------------------
_QUOTED = re.compile(r"‘[^’\n]*’|`[^`\n]*`")


def lintable(text):
    """``text`` without what the lint leaves alone: block quotes of the notes, ‘mentions’, `code`."""
    lines = [line for line in text.splitlines() if not line.lstrip().startswith(">")]
    return _QUOTED.sub(" ", "\n".join(lines))


def lint(text, data=None):
    """[(variant, preferred term, why)] for each "avoid" variant found in ``text``."""
    data = data or load()
    text = lintable(text)
    hits = []
    for t in data["terms"]:
        for a in t.get("avoid", []):
            if re.search(a.get("pattern", re.escape(a["text"])), text):
                hits.append((a["text"], a.get("instead", t["ko"]), a["why"]))
    return hits


_HANGUL = "\uac00-\ud7a3"
# What may follow a word and leave it a word of its own: particles and the copula, alone or chained.
_PARTICLES = set("은 는 이 가 을 를 의 에 에서 에게 으로 로 와 과 도 만 까지 부터 처럼 보다 마다 이나 나 "
                 "라고 이라고 라는 이라는 인 이며 이고 이다 이면 면 입니다 이지만 에는 에서는 으로는 로는 "
                 "에도 와는 과는 으로도 로도 에서의 으로의 로의 와의 과의 만으로 마다의 끼리 뿐".split())


def term_words(data=None):
    """{Korean word: the term} for the first-use rule: each "a / b" term split, qualifiers such as
    "(추정량의)" dropped."""
    data = data or load()
    words = {}
    for t in data["terms"]:
        for part in t["ko"].split(" / "):
            words.setdefault(re.sub(r"\s*\(.*\)$", "", part).strip(), t)
    return words


def first_use_problems(text, data=None):
    """The terms whose first use in ``text`` (a notebook's Korean prose, in order) does not carry the
    English in parentheses: "배치 정규화(batch normalization)" or "batch normalization(배치 정규화)".
    A use inside a longer word (학습 in 학습률, 층 in 은닉층) or term (분산 in 편향된 분산 추정량) does
    not count; block quotes, ‘mentions’ and `code` are left out, as in :func:`lint`."""
    text = lintable(text)
    words = term_words(data)
    spans = {w: [m.span() for m in re.finditer(re.escape(w), text)] for w in words}
    inside = lambda w, s, e: any(s2 <= s and e <= e2 for w2 in words if w != w2 and w in w2
                                 for s2, e2 in spans[w2])
    problems = []
    for word in words:
        for m in re.finditer(re.escape(word), text):
            if inside(word, *m.span()):
                continue                                   # 분산 in 편향된 분산 추정량: the longer term counts
            before, after = text[:m.start()], text[m.end():]
            follows = re.match(f"[{_HANGUL}]*", after).group()
            if re.match(f"[{_HANGUL}]", before[-1:]) or (follows and follows not in _PARTICLES):
                continue                                   # part of a longer word
            english_after = re.match(r"\s?\([^)]*[A-Za-z][^)]*\)", after)
            english_before = re.search(r"[A-Za-z][^()]*\($", before) and after.startswith(")")
            # the first column of a table row "| 한국어 | English |": the English stands beside it
            english_beside = (re.fullmatch(r"\s*\|[^|]*", before.rsplit("\n", 1)[-1])
                              and re.match(r"[^|\n]*\|[^|\n]*[A-Za-z]", after))
            if not (english_after or english_before or english_beside):
                problems.append(f"first use of ‘{word}’ without the English in parentheses: "
                                f"…{text[max(0, m.start() - 15):m.end() + 15]}…")
            break
    return problems


def main(argv):
    data = load()
    if "--table" in argv:
        print(notebook_table(data, "ko" if "--ko" in argv else "en"))
        return 0
    text = render_markdown(data)
    if "--check" in argv:
        if not RENDERED.exists() or RENDERED.read_text(encoding="utf-8") != text:
            print(f"{RENDERED.relative_to(ROOT)} is out of date: run python tools/glossary.py")
            return 1
        return 0
    RENDERED.write_text(text, encoding="utf-8")
    print(f"wrote {RENDERED.relative_to(ROOT)} ({len(data['terms'])} terms)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
