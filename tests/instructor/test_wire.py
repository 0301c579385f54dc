"""The grader's wire format (instructor/wire.py): what a sandbox sends back is plain data, rebuilt
fresh and validated; everything else stays in the sandbox as a handle."""

import base64
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "instructor"))
import wire  # noqa: E402


class Cache:
    pass


class MyArray(np.ndarray):
    pass


def test_plain_data_comes_back_equal_and_of_the_same_types():
    value = {"batch": (0, 2, 3), 1: "a", np.int64(2): {0, 1}, "x": [np.arange(6.0).reshape(2, 3), np.float32(1.5)],
             "big": 2 ** 70, "nan": float("nan"), "none": None, "flag": True}
    back = wire.decode(wire.encode(value))
    assert back["batch"] == (0, 2, 3) and type(back["batch"]) is tuple
    assert back[np.int64(2)] == {0, 1} and back["big"] == 2 ** 70 and np.isnan(back["nan"])
    assert type(back["x"][0]) is np.ndarray and np.array_equal(back["x"][0], value["x"][0])
    assert type(back["x"][1]) is np.float32 and back["x"][1] == np.float32(1.5)


def test_anything_else_stays_in_the_sandbox_as_a_handle():
    store = []
    enc = wire.encode((np.ones(2), Cache(), np.array([Cache()], dtype=object)), store=lambda v: store.append(v) or len(store))
    y, cache, objects = wire.decode(enc)
    assert isinstance(cache, wire.Opaque) and isinstance(objects, wire.Opaque) and len(store) == 2
    assert wire.decode(wire.encode([cache]), resolve=lambda k: store[k - 1])[0] is store[0]
    sub = np.ones(3).view(MyArray)                     # a subclass crosses as its data only
    assert type(wire.decode(wire.encode(sub, store=lambda v: 9))) is np.ndarray
    with pytest.raises(wire.WireError):
        wire.encode(Cache())                           # the grader's side has no store


@pytest.mark.parametrize("bad", [
    {"nd": ["|O", [1], base64.b64encode(b"\0" * 8).decode()]},          # object dtype
    {"nd": ["<f8", [3], base64.b64encode(b"\0" * 8).decode()]},         # size does not match the shape
    {"nd": ["<f8", [-1], ""]},
    {"list": [1], "tuple": [2]},
    {"eval": "__import__('os')"},
    {"dict": [[[1], 2]]},                                                # a list as a key
    "x" * (wire.MAX_STR + 1),
])
def test_malformed_answers_are_refused(bad):
    with pytest.raises(wire.WireError):
        wire.decode(bad)


def test_deep_nesting_is_refused():
    deep = 1
    for _ in range(wire.MAX_DEPTH + 5):
        deep = {"list": [deep]}
    with pytest.raises(wire.WireError):
        wire.decode(deep)


def test_the_graders_own_words_follow_the_submissions_language():
    """A Korean submission's notes and reasons are Korean too (grade.* in normlib/locale), and an
    English one's stay as they were."""
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "instructor"))
    import grade_notebook as g
    import normlib
    status = {"status": "timeout"}
    english = g.cell_sentence(status, "my_answer", 60)
    assert english == ("the exercise cell was stopped after 60 s, the time limit per cell (an endless loop?), "
                       "so `my_answer` is not defined")
    assert g.language_of([{"cell_type": "code", "source": 'import normlib; normlib.set_language("ko")'}]) == "ko"
    assert g.language_of([{"cell_type": "code", "source": "import normlib"}]) == "en"
    normlib.set_language("ko")
    try:
        korean = g.cell_sentence(status, "my_answer", 60)
        syntax = g.what_happened({"status": "syntax", "line": 3, "message": "invalid syntax", "text": "x ="}, 60)
        assert "60초" in korean and "`my_answer`" in korean and "제한 시간" in korean
        assert syntax == "연습 문제 셀 3번째 줄에 문법 오류가 있습니다 (invalid syntax: `x =`)"
        assert g.say("no_credit", problem="x").startswith("점수 없음")
    finally:
        normlib.set_language("en")
