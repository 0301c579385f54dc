"""Running a student's function inside a checker without letting it crash the checker."""

import numpy as np

NOT_IMPLEMENTED = "NOT_IMPLEMENTED"


def run_student(fn, *args):
    """(result, problem): ``fn`` called on copies of the array arguments (so an in-place edit cannot
    spoil the checker's cases). ``problem`` is None, :data:`NOT_IMPLEMENTED` (the function raised
    NotImplementedError or returned None), or "raised <Error>: <message>" in words, not a traceback."""
    try:
        with np.errstate(all="ignore"):
            out = fn(*[a.copy() if isinstance(a, np.ndarray) else a for a in args])
    except NotImplementedError:
        return None, NOT_IMPLEMENTED
    except Exception as err:                       # the student's code failed: say how, plainly
        return None, f"raised {type(err).__name__}: {err}"
    return (None, NOT_IMPLEMENTED) if out is None else (out, None)
