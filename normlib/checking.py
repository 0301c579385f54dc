"""Running a student's function inside a checker without letting it crash the checker."""

import numpy as np

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
        return None, f"raised {type(err).__name__}: {err}"
    return out, None


def call_student(fn, name, returns, *args, **kwargs):
    """(result, feedback): ``feedback`` is None, or the sentence for a function ``name`` that is not
    written yet, raised, or returned None instead of ``returns``."""
    out, err = _invoke(fn, args, kwargs)
    if isinstance(err, NotImplementedError):
        return None, f"not implemented yet: write {name} and run this cell again"
    if err is not None:
        return None, f"your function raised {type(err).__name__}: {err}"
    if out is None:
        return None, f"your function returned None: return {returns}"
    return out, None
