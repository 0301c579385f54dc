"""The checkers recognise each classic mistake and say what it is."""

import pytest

from normlib.lessons.l00_overview import check_axes


def test_right_answers_in_any_order_or_sign():
    text = check_axes({"batch": (3, 0, -2), "layer": (1, 2, 3), "instance": [-1, -2]})
    assert text.endswith("3/3 correct") and text.count("correct:") == 3


@pytest.mark.parametrize("answers, expected", [
    ({"batch": (1, 2, 3)}, "batch norm: (1, 2, 3) are layer norm's axes"),
    ({"batch": (0,)}, "axis 2 = H must be averaged over as well"),
    ({"batch": (0, 1, 2, 3)}, "axis 1 = C (channels) must be kept"),
    ({"layer": (0, 2, 3)}, "layer norm: (0, 2, 3) are batch norm's axes"),
    ({"layer": (3,)}, "axis 1 = C (channels) must be averaged over as well"),
    ({"instance": (1, 2, 3)}, "instance norm: (1, 2, 3) are layer norm's axes"),
    ({"instance": (0, 2, 3)}, "are batch norm's axes"),
    ({"instance": "HW"}, "is not a tuple of axes"),
    ({"instance": (5,)}, "is not a tuple of axes"),
    ({}, "not answered yet"),
])
def test_mistakes_are_explained(answers, expected):
    text = check_axes(answers)
    assert expected in text
    assert "3/3 correct" not in text


def test_bad_call():
    with pytest.raises(ValueError, match="unknown keys"):
        check_axes({"group": (2, 3)})
    with pytest.raises(TypeError, match="answers must be a dict"):
        check_axes([(0, 2, 3)])
