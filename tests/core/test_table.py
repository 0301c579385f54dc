"""nl.table: the course's one way to print a table."""

import doctest
import importlib

import pytest

import normlib as nl
table_module = importlib.import_module("normlib.table")   # the package's `table` is the function


def test_doctest():
    assert doctest.testmod(table_module).failed == 0


def test_alignment_text_left_numbers_right_and_none_empty():
    t = nl.table([("a", 1.5, None), ("long name", -10.25, True)], header=("x", "value", "ok"),
                 formats=(None, ".2f", None))
    assert str(t).splitlines() == [
        "x           value  ok",
        "---------  ------  ---",
        "a            1.50",
        "long name  -10.25  yes",
    ]


def test_a_single_format_applies_to_every_column_and_callables_are_used():
    t = nl.table([(1, 2)], header=("a", "b"), formats=".1f")
    assert str(t).splitlines()[-1] == "1.0  2.0"
    t = nl.table([(0.5,)], header=("p",), formats=[lambda v: f"{v:.0%}"])
    assert str(t).splitlines()[-1] == "50%"


def test_repr_is_the_text():
    t = nl.table([(1,)], header=("n",))
    assert repr(t) == str(t) == "n\n-\n1"


@pytest.mark.parametrize("kwargs, message", [
    (dict(rows=[(1, 2)], header=("a",)), "row 0 has 2 values; expected 1"),
    (dict(rows=[(1,)], header=("a",), formats=(None, None)), "formats has 2 entries"),
    (dict(rows=[], header=()), "header must name at least one column"),
])
def test_bad_input_names_the_parameter(kwargs, message):
    with pytest.raises(ValueError, match=message):
        nl.table(**kwargs)


def test_hangul_takes_two_columns_so_korean_tables_line_up():
    t = nl.table([("배치", 1), ("ab", 22)], header=("정규화", "n"))
    assert str(t).splitlines() == ["정규화   n", "------  --", "배치     1", "ab      22"]


def test_a_combining_mark_takes_no_column_so_x_hat_lines_up():
    t = nl.table([(1.5,)], header=("x̂",), formats=".1f")          # "x̂" is x + U+0302: one column
    assert str(t).splitlines() == ["  x̂", "---", "1.5"]
    t = nl.table([("x̂", 1)], header=("name", "n"))
    assert str(t).splitlines() == ["name  n", "----  -", "x̂     1"]
