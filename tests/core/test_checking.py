"""normlib.checking: a student's axes read by NumPy's conventions."""

import pytest


def test_answer_axes_follows_numpys_conventions():
    from normlib.checking import answer_axes
    assert answer_axes(-1, 3) == (2,) and answer_axes((3, 0, -2), 4) == (0, 2, 3)
    with pytest.raises(ValueError):
        answer_axes((3,), 3)
    with pytest.raises((TypeError, ValueError)):
        answer_axes("HW", 4)


@pytest.mark.parametrize("feedback, expected", [
    ("correct: the mean is 0", True), ("correct", True), ("정답: 평균이 0입니다", True), ("정답", True),
    ("mean norm: correct\n3/3 correct", True), ("평균: 정답\n3개 중 3개 정답", True),
    ("2/3 correct", False), ("3개 중 2개 정답", False), ("정답이 아닙니다: 평균이 3입니다", False),
    ("incorrect: the mean is 3", False), ("correctly shaped, but the mean is 3", False), ("", False),
])
def test_is_correct_reads_both_languages(feedback, expected):
    from normlib.checking import is_correct
    assert is_correct(feedback) is expected


def test_matching_mistake_names_the_first_wrong_answer_that_matches():
    import numpy as np

    from normlib.checking import matching_mistake
    mistakes = [(np.array([1.0, 2.0]), "swapped"), (np.array([1.0, 2.0 + 1e-9]), "later"), (3.0, "scalar")]
    assert matching_mistake(np.array([1.0, 2.0]), mistakes) == "swapped"
    assert matching_mistake(3.0 + 1e-12, mistakes, rtol=0, atol=1e-9) == "scalar"
    assert matching_mistake(np.array([1.0, 2.1]), mistakes[:2], rtol=1e-6, atol=1e-8) is None
