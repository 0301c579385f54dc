"""normlib.i18n: one switch for the language of normlib's texts, the catalogues in step, and Hangul
in figures with no missing glyph (issue 17)."""

import json
import os
from pathlib import Path
import subprocess
import sys
import warnings

import matplotlib
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

import normlib as nl
from normlib import i18n
from normlib.checking import call_student, check_answers

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
import glossary  # noqa: E402

HANGUL = "배치 정규화: 평균과 분산으로 표준화한 x̂에 스케일(γ)과 시프트(β) — 학습률 η = 0.1, σ′(x) ≤ 1/4, −2"


@pytest.fixture
def korean():
    nl.set_language("ko")
    yield
    nl.set_language("en")


def missing_glyph_warnings(text):
    """Draw ``text`` as a title, an axis label and a legend entry; the "Glyph … missing" warnings."""
    fig = Figure(figsize=(6, 2))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], label=text[:40])
    ax.set_title(text)
    ax.set_xlabel(text[:30])
    ax.legend()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.canvas.draw()
    return [str(w.message) for w in caught if "missing from font" in str(w.message)]


def test_english_is_the_default_and_bad_input_is_named():
    assert nl.get_language() == "en"
    with pytest.raises(ValueError, match="language must be one of"):
        nl.set_language("kr")


def test_the_environment_variable_chooses_the_language():
    run = lambda value: subprocess.run(
        [sys.executable, "-c", "import normlib; print(normlib.get_language())"],
        env={**os.environ, "NORMLIB_LANG": value}, capture_output=True, text=True)
    assert run("ko").stdout.strip() == "ko"
    bad = run("korean")
    assert bad.returncode != 0 and "NORMLIB_LANG must be one of" in bad.stderr


def test_a_korean_figure_has_every_glyph(korean):
    assert missing_glyph_warnings(HANGUL) == []
    used = matplotlib.font_manager.findfont(matplotlib.font_manager.FontProperties())
    assert "NotoSansKR" in used, used


def test_the_glyph_check_can_fail_with_the_default_font():
    """matplotlib's default DejaVu Sans has no Hangul: the same figure warns in English mode."""
    assert nl.get_language() == "en"
    assert missing_glyph_warnings(HANGUL), "DejaVu Sans drew Hangul: this check could not fail"


def test_every_korean_message_and_glossary_term_renders(korean):
    texts = list(i18n.catalogue("ko").values())
    texts += [term["ko"] for term in glossary.load()["terms"]]
    assert missing_glyph_warnings("  ".join(texts)) == []


def test_english_fonts_come_back():
    before = list(matplotlib.rcParams["font.family"])
    nl.set_language("ko")
    nl.set_language("ko")
    nl.set_language("en")
    assert matplotlib.rcParams["font.family"] == before


def test_korean_messages_and_the_english_fallback(korean, monkeypatch):
    assert nl.t("checking.score", score=2, total=4) == "4개 중 2개 정답"
    monkeypatch.setitem(i18n.catalogue("en"), "test.only_english", "only in {lang}")
    assert nl.t("test.only_english", lang="English") == "only in English"
    with pytest.raises(KeyError, match="no.such.key"):
        nl.t("no.such.key")


def test_checkers_speak_the_readers_language(korean):
    def not_yet(x):
        raise NotImplementedError
    _, feedback = call_student(not_yet, "batch_norm", "the normalized array", 1.0)
    assert feedback == "아직 구현되지 않았습니다: batch_norm 함수를 작성한 뒤 이 셀을 다시 실행하세요"
    verdicts = {"batch": "정답: 배치 축", "layer": "오답"}
    out = check_answers({"batch": 0, "layer": 1}, {"batch": 0, "layer": 1},
                        lambda k, a: verdicts[k])
    assert out.splitlines()[-1] == "2개 중 1개 정답"


def test_korean_uses_the_same_fields_as_english():
    en, ko = i18n.catalogue("en"), i18n.catalogue("ko")
    wrong = {k: (i18n.template_fields(en[k]), i18n.template_fields(ko[k])) for k in ko
             if k in en and i18n.template_fields(en[k]) != i18n.template_fields(ko[k])}
    assert not wrong, f"Korean messages whose fields differ from the English ones: {wrong}"
    assert not set(ko) - set(en), f"Korean keys English lacks: {sorted(set(ko) - set(en))}"


def test_no_english_key_is_missing_from_korean():
    """What is left to translate, by key: English stands in for these in normal use."""
    assert i18n.missing_keys("ko") == [], f"translate in normlib/locale/ko.json: {i18n.missing_keys('ko')}"


def test_catalogues_are_plain_json_objects_of_text():
    for lang in i18n.LANGUAGES:
        data = json.loads((i18n.LOCALE_DIR / f"{lang}.json").read_text(encoding="utf-8"))
        assert all(isinstance(k, str) and isinstance(v, str) and v for k, v in data.items()), lang
