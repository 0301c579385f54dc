"""The checkers of notebooks 08 (group norm) and 09 (quiz) recognise each mistake."""

import numpy as np
import pytest

from normlib.exercises import check_group_norm, check_quiz
from normlib.exercises.choosing import QUIZ, RIGHT


def gn(x, G, ddof=0, order="consecutive"):
    N, C = x.shape[:2]
    if order == "consecutive":
        g = x.reshape(N, G, C // G, *x.shape[2:]); axes = (2, 3, 4)
    else:
        g = x.reshape(N, C // G, G, *x.shape[2:]); axes = (1, 3, 4)
    return ((g - g.mean(axes, keepdims=True)) / np.sqrt(g.var(axes, ddof=ddof, keepdims=True) + 1e-5)).reshape(x.shape)


def _raise(x, G):
    raise NotImplementedError


@pytest.mark.parametrize("fn, expected", [
    (gn, "correct"),
    (lambda x, G: gn(x, x.shape[1]), "instance norm"),
    (lambda x, G: gn(x, 1), "layer norm"),
    (lambda x, G: (x - x.mean((0, 2, 3), keepdims=True)) / np.sqrt(x.var((0, 2, 3), keepdims=True) + 1e-5), "batch norm"),
    (lambda x, G: gn(x, G, order="interleaved"), "interleaved"),
    (lambda x, G: gn(x, G, ddof=1), "unbiased variance"),
    (lambda x, G: gn(x, G).reshape(x.shape[0], -1), "shape"),
    (lambda x, G: None, "returned None"),
    (_raise, "not implemented yet"),
    (lambda x, G: 1 / 0, "raised ZeroDivisionError"),
    (lambda x, G: x, "not group norm"),
])
def test_group_norm_checker(fn, expected):
    assert expected in check_group_norm(fn)


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
