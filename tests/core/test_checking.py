"""normlib.checking: a student's axes read by NumPy's conventions."""

import pytest


def test_answer_axes_follows_numpys_conventions():
    from normlib.checking import answer_axes
    assert answer_axes(-1, 3) == (2,) and answer_axes((3, 0, -2), 4) == (0, 2, 3)
    with pytest.raises(ValueError):
        answer_axes((3,), 3)
    with pytest.raises((TypeError, ValueError)):
        answer_axes("HW", 4)
