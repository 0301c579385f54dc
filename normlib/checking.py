"""What every exercise checker needs: running a student's function without letting it crash the
checker (:func:`run_student`, :func:`call_student`), and reading a student's answer that names axes
(:func:`answer_axes`, :func:`check_answers`)."""

import re

import numpy as np

from .i18n import LANGUAGES, catalogue, t

NOT_IMPLEMENTED = "NOT_IMPLEMENTED"


def _invoke(fn, args, kwargs):
    """(result, exception or None): ``fn`` called on copies of the array arguments (so an in-place
    edit cannot spoil the checker's cases), with floating-point warnings silenced (the checker
    explains a 0/0 itself)."""
    copy = lambda a: a.copy() if isinstance(a, np.ndarray) else a
    try:
        with np.errstate(all="ignore"):
            return fn(*map(copy, args), **{k: copy(v) for k, v in kwargs.items()}), None
    except Exception as err:                       # the student's code failed: say how, plainly
        return None, err


def run_student(fn, *args):
    """(result, problem). ``problem`` is None, :data:`NOT_IMPLEMENTED` (the function raised
    NotImplementedError or returned None), or "raised <Error>: <message>" in words, not a traceback."""
    out, err = _invoke(fn, args, {})
    if isinstance(err, NotImplementedError) or (err is None and out is None):
        return None, NOT_IMPLEMENTED
    if err is not None:
        return None, t("checking.raised", error=type(err).__name__, message=err)
    return out, None


def call_student(fn, name, returns, *args, **kwargs):
    """(result, feedback): ``feedback`` is None, or the sentence for a function ``name`` that is not
    written yet, raised, or returned None instead of ``returns``."""
    out, err = _invoke(fn, args, kwargs)
    if isinstance(err, NotImplementedError):
        return None, t("checking.not_implemented", name=name)
    if err is not None:
        return None, t("checking.raised_in_function", error=type(err).__name__, message=err)
    if out is None:
        return None, t("checking.returned_none", returns=returns)
    return out, None


def answer_axes(answer, ndim):
    """A student's axes — an int or a sequence of ints, negative ones counting from the end — as a
    sorted tuple of non-negative axes of an ``ndim``-d array. ValueError or TypeError otherwise (the
    checker turns either into a sentence)."""
    if isinstance(answer, (int, np.integer)) and not isinstance(answer, bool):
        answer = (answer,)
    axes = tuple(int(a) for a in answer)
    if any(not -ndim <= a < ndim for a in axes):
        raise ValueError(f"an axis outside −{ndim} … {ndim - 1}")
    return tuple(sorted({a % ndim for a in axes}))


def check_answers(answers, expected, diagnose, width=None):
    """Feedback on a dict of answers with the keys of ``expected``: one line per key,
    "<key> norm: <diagnose(key, answer)>" (keys right-aligned to ``width``), then "k/n correct" (in
    the language of :mod:`normlib.i18n`; a verdict starting "correct" or "정답" counts). A
    wrong call gets an error that says what is expected."""
    if not isinstance(answers, dict):
        example = ", ".join(f"{k!r}: {v}" for k, v in list(expected.items())[:1])
        raise TypeError(f"answers must be a dict like {{{example}, ...}}; got {type(answers).__name__}")
    unknown = set(answers) - set(expected)
    if unknown:
        raise ValueError(f"answers has unknown keys {sorted(unknown)}; expected {list(expected)}")
    width = width or max(len(k) for k in expected)
    results = {k: diagnose(k, answers.get(k)) for k in expected}
    lines = [t("checking.answer_line", key=f"{k:>{width}}", verdict=v) for k, v in results.items()]
    correct = tuple(catalogue(lang)["checking.correct"] for lang in LANGUAGES)
    score = sum(v.startswith(correct) for v in results.values())
    return "\n".join(lines + [t("checking.score", score=score, total=len(expected))])


def matching_mistake(got, mistakes, **tolerance):
    """The key of the first ``(wrong answer, key)`` in ``mistakes`` that ``got`` equals (np.allclose
    with ``tolerance``: rtol, atol), else None: how a checker names the classic mistake a student
    made."""
    for wrong, key in mistakes:
        if np.allclose(got, wrong, **tolerance):
            return key
    return None


def is_correct(feedback):
    """Whether a checker's feedback gives full credit, in either language: it starts with the word
    for correct ("correct", "정답"), or its last line is the score line with every answer right
    ("3/3 correct", "3개 중 3개 정답"). The word must not run on into another ("정답이 아닙니다",
    "incorrect" are not correct). The autograder and the instructor's grader use this, so a
    Korean student's right answer counts as an English one does."""
    text = str(feedback).strip()
    for lang in LANGUAGES:                   # the word, then no letter: "정답이 아닙니다" is not correct
        word = catalogue(lang)["checking.correct"]
        if text.startswith(word) and not text[len(word):len(word) + 1].isalpha():
            return True
    for lang in LANGUAGES:                   # the score line ends the feedback (maybe on one line)
        template = catalogue(lang)["checking.score"]
        pattern = re.escape(template).replace(r"\{score\}", r"(?P<score>\d+)").replace(
            r"\{total\}", r"(?P<total>\d+)")
        m = re.search(r"(?:^|\s)" + pattern + r"$", text)
        if m and m["score"] == m["total"]:
            return True
    return False
