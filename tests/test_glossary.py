"""The Korean glossary (docs/glossary.ko.json) is the single source of terms: the rendered file is up
to date, the terms issue 17 asks for are there, and the lint finds what it must and nothing else."""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import glossary  # noqa: E402

# What issue 17 and the Korean review ask for, preferred Korean → variants that must be avoided.
REQUIRED = {
    "배치 정규화": [], "층 정규화": [], "인스턴스 정규화": [], "그룹 정규화": [], "내부 공변량 변화": [],
    "학습률": ["학습 속도"], "가중치 감쇠": ["체중 감소"], "규제": ["L2 정규화"], "그래디언트": [],
    "기울기": [], "경사 하강법": [], "편향된 분산 추정량": ["편향 분산"], "불편 분산": [], "특성": [],
    "채널": [], "노드 / 유닛": [], "미니배치": [], "에포크": [], "조건수": [], "헤세 행렬": [], "포화": [],
    "모집단 / 표본": [], "지수 이동 평균": [], "순환 신경망": [], "합성곱": [], "특성 맵": [],
    "잔차 연결": [], "과적합 / 일반화": [], "학습 모드 / 평가 모드": [], "트랜스포머": ["변압기"],
    "층": ["레이어", "계층"], "표준화": [], "백색화": [], "스케일과 시프트 (γ, β)": [], "이동 평균": [],
    "공변량 변화": [], "역전파": [],
}


@pytest.fixture(scope="module")
def data():
    return glossary.load()


def test_rendered_glossary_is_up_to_date(data):
    assert glossary.RENDERED.read_text(encoding="utf-8") == glossary.render_markdown(data), \
        "docs/glossary.ko.md is out of date: run python tools/glossary.py"


def test_the_terms_the_issue_asks_for(data):
    terms = {t["ko"]: t for t in data["terms"]}
    missing = [k for k in REQUIRED if k not in terms]
    assert not missing, f"glossary lacks {missing}"
    for ko, avoid in REQUIRED.items():
        have = [a["text"] for a in terms[ko].get("avoid", [])]
        assert set(avoid) <= set(have), f"{ko}: should avoid {avoid}, avoids {have}"
    assert "레이어 정규화" in terms["층 정규화"].get("also", [])
    assert len(terms) == len(data["terms"]), "a Korean term appears twice"


def test_the_glossary_follows_itself(data):
    """No preferred term or note uses a variant the glossary avoids (mentions go in ‘…’)."""
    for t in data["terms"]:
        for field in ("ko", "en", "note"):
            assert not glossary.lint(t.get(field, ""), data), f"{t['ko']} ({field}): {glossary.lint(t[field], data)}"
        for a in t.get("avoid", []):
            assert not glossary.lint(a.get("instead", ""), data), f"{t['ko']}: {a['text']} → {a['instead']}"
            assert glossary.lint(a["text"], data), f"{t['ko']}: the pattern of {a['text']!r} does not find it"


@pytest.mark.parametrize("text, found", [
    ("학습 속도를 0.1로 둔다", "학습 속도"),
    ("가중치 체중 감소", "체중 감소"),
    ("변압기 모델", "변압기"),
    ("L2 정규화를 더한다", "L2 정규화"),
    ("배치 정규화의 정규화 효과", "정규화 효과"),
    ("두 레이어를 쌓는다", "레이어"),
    ("세 계층으로 된", "계층"),
    ("컨볼루션 층", "컨볼루션"),
    ("편향 분산을 쓴다", "편향 분산"),
    ("학습율", "학습율"),
    ("기울기 하강법", "기울기 하강법"),
])
def test_lint_finds_an_avoided_variant(data, text, found):
    assert found in [hit[0] for hit in glossary.lint(text, data)]


@pytest.mark.parametrize("text", [
    "층 정규화(layer normalization)는 흔히 ‘레이어 정규화’라고도 한다.",
    "> 말 그대로 레이어 값들의 통계량을 이용한다.",             # the notes, quoted as they are
    "계층적 구조, 학습률, 가중치 감쇠, L2 규제, 규제 효과, 합성곱 층, 편향된 분산 추정량",
    "편향–분산 트레이드오프와 `layer_norm`",
])
def test_lint_leaves_quotes_mentions_and_preferred_terms_alone(data, text):
    assert glossary.lint(text, data) == []


def test_notebook_table_has_every_term_in_both_editions(data):
    for lang in ("en", "ko"):
        table = glossary.notebook_table(data, lang).splitlines()
        assert len(table) == 2 + len(data["terms"])
        assert table[2].startswith(f"| {data['terms'][0]['ko']} | {data['terms'][0]['en']} |")


def test_bad_glossary_entries_are_named(tmp_path):
    bad = tmp_path / "g.json"
    bad.write_text('{"about": "", "groups": [{"group": "x", "terms": [{"ko": "층", "en": "layer", '
                   '"avoid": [{"text": "레이어"}]}]}]}', encoding="utf-8")
    with pytest.raises(ValueError, match="층: every 'avoid' entry needs 'text' and 'why'"):
        glossary.load(bad)


def test_first_use_of_a_term_carries_the_english(data):
    text = ("# 04 · 스케일과 시프트(scale and shift)\n\n배치 정규화(batch normalization)는 미니배치(minibatch)의 "
            "평균(mean)을 쓴다. 학습률(learning rate)은 0.1이다. 은닉층의 학습률을 바꾸면 층마다 다르다. "
            "batch size(배치 크기)\n> 레이어 값들의 통계량\n‘레이어 정규화’라고도 한다.")
    found = glossary.first_use_problems(text, data)
    assert [p.split("’")[0] for p in found] == ["first use of ‘층"], found   # 은닉층, 학습률 do not count
    assert glossary.first_use_problems("층(layer)마다 다르다. 은닉층", data) == []


def test_a_glossary_table_row_carries_the_english_beside_the_term(data):
    """00's table (notebook_table) names each term once, with the English in the next column; its
    "avoid" column mentions the variants (‘…’), which the lint leaves alone."""
    table = glossary.notebook_table(data, "ko")
    assert glossary.first_use_problems(table, data) == []
    assert glossary.lint(table, data) == []
    # but only the first column counts, and only with English beside it
    found = glossary.first_use_problems("| 방법 | 샘플 | axes |\n| 층 | 층 |", data)
    assert [p.split("’")[0] for p in found] == ["first use of ‘샘플", "first use of ‘층"], found
