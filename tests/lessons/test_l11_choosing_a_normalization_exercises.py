"""The checker of notebook 11 (the quiz) recognises each mistake."""

import pytest

from normlib.lessons.l11_choosing_a_normalization import check_quiz
from normlib.lessons.l11_choosing_a_normalization.exercises import RIGHT, quiz

QUIZ = quiz()


def test_quiz_right_answers():
    text = check_quiz(dict(RIGHT))
    assert text.endswith(f"{len(QUIZ)}/{len(QUIZ)} correct") and "not right" not in text


WRONG = [(q, k, why) for q, (_, choices) in QUIZ.items() for k, (_, why) in choices.items() if why]


@pytest.mark.parametrize("q, letter, why", WRONG, ids=[f"{q}{k}" for q, k, _ in WRONG])
def test_every_wrong_choice_is_explained(q, letter, why):
    text = check_quiz({**RIGHT, q: letter.upper()})
    assert f"{q}: ({letter}) is not right: {why}" in text
    assert f"{len(QUIZ) - 1}/{len(QUIZ)} correct" in text


@pytest.mark.parametrize("q, key_words", [
    (1, "weight of the NEW batch"), (2, "biased (1/m)"), (3, "swapped"), (4, "not 'no gradients'"),
    (5, "a sum"), (6, "every output is β")])
def test_the_classic_confusions_are_named(q, key_words):
    explanations = " ".join(why for _, why in QUIZ[q][1].values() if why)
    assert key_words in explanations


def test_bad_calls():
    assert "not answered yet" in check_quiz({})
    assert "is not one of the choices" in check_quiz({1: "e"})
    with pytest.raises(ValueError, match="unknown question numbers"):
        check_quiz({9: "a"})
    with pytest.raises(TypeError, match="answers must be a dict"):
        check_quiz(["a"])


def test_the_quiz_speaks_the_readers_language():
    """Built when asked, not at import: in Korean the questions, choices and feedback are Korean and
    the right letters are the same."""
    import normlib as nl
    nl.set_language("ko")
    try:
        ko = quiz()
        text = check_quiz({**RIGHT, 1: "a"})
    finally:
        nl.set_language("en")
    assert ko[1][0] != QUIZ[1][0] and any("\uac00" <= ch <= "\ud7a3" for ch in ko[1][0])
    assert {q: next(k for k, (_, why) in c.items() if why is None) for q, (_, c) in ko.items()} == RIGHT
    assert ko[1][1]["a"][1] in text and "7" in text.splitlines()[-1]
