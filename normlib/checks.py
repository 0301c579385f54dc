"""Input checks shared by the core and the lessons: bad input gets a sentence that names the
parameter and what was expected, never a broadcasting traceback from deep inside NumPy.

Each function returns its argument in the form the caller needs (an array, a sorted tuple of axes)
or raises ``TypeError``/``ValueError``. The layers and functions of :mod:`normlib.functional` check
their input once, where it comes in, with these.
"""

import numpy as np

__all__ = ["as_float_array", "check_eps", "normalize_axes", "check_param", "check_channels_input",
           "check_batch_stats", "check_groups"]


def as_float_array(x, name="x"):
    """``x`` if it is a floating-point NumPy array (a NumPy scalar becomes a 0-d array); otherwise a
    TypeError that names ``name`` and says how to convert it."""
    if isinstance(x, np.generic):
        x = np.asarray(x)
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{name} must be a NumPy array of floats (float32 or float64); got "
                        f"{type(x).__name__} — convert it with np.asarray({name}, dtype=np.float64)")
    if x.dtype.kind != "f":                       # float16/32/64: np.issubdtype(x.dtype, np.floating)
        raise TypeError(f"{name} must be a floating-point array (float32 or float64); got dtype {x.dtype} "
                        f"— convert it with {name}.astype(np.float64)")
    return x


def check_eps(eps):
    """ε, added to σ² before the square root: a finite number ≥ 0."""
    if (isinstance(eps, bool) or not isinstance(eps, (int, float, np.integer, np.floating))
            or not np.isfinite(eps) or eps < 0):
        raise ValueError(f"eps must be a finite number ≥ 0 (1e-5 is usual); got {eps!r}")


def normalize_axes(axes, ndim, name="axes"):
    """``axes`` as a sorted tuple of non-negative ints, by NumPy's conventions: an int or a tuple of
    ints, negative axes counting from the end (−1 is the last). Duplicates, out-of-range axes and
    non-integers get a ValueError or TypeError that names ``name``."""
    if isinstance(axes, (int, np.integer)) and not isinstance(axes, bool):
        axes = (axes,)
    if not isinstance(axes, (tuple, list)) or not all(
            isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in axes):
        raise TypeError(f"{name} must be an int or a tuple of ints (NumPy's convention, e.g. (0,) or -1); "
                        f"got {axes!r}")
    if not axes:
        raise ValueError(f"{name} must name at least one axis to reduce over; got {axes!r}")
    out = []
    for a in axes:
        if not -ndim <= a < ndim:
            raise ValueError(f"{name}: axis {a} is out of range for an array with {ndim} axes "
                             f"(valid: {-ndim} … {ndim - 1})")
        out.append(int(a) % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"{name} names an axis twice: {axes!r} is {tuple(out)} with negative axes resolved")
    return tuple(sorted(out))


def check_param(p, name, size, what, dtype):
    """γ, β or a running statistic: one entry per channel/feature (``what``). Returns it as a 1-D
    array of ``dtype`` (or None if ``p`` is None)."""
    if p is None:
        return None
    p = np.asarray(p)
    if p.shape != (size,):
        raise ValueError(f"{name} must have shape ({size},), one entry per {what}; got shape {p.shape}")
    return p.astype(dtype, copy=False)


def check_channels_input(x, fn, min_ndim=2):
    """``x`` of shape (N, C) or (N, C, *spatial) (``min_ndim`` = 3: at least one spatial axis), as a
    float array; ``fn`` names the function in the message."""
    x = as_float_array(x)
    if x.ndim < min_ndim:
        shape = "(N, C)" if min_ndim == 2 else "(N, C, *spatial) with at least one spatial axis"
        raise ValueError(f"{fn}: x must have shape {shape}; got a {x.ndim}-d array of shape {x.shape}")
    return x


def check_batch_stats(x, who="batch_norm"):
    """Training-mode BN needs more than one value per channel (PyTorch raises the same error)."""
    m = x.size // x.shape[1] if x.shape[1] else 0
    if m <= 1:
        raise ValueError(
            f"{who}: batch statistics need more than 1 value per channel; got input of shape "
            f"{x.shape}, i.e. m = N·(spatial size) = {m}. With one value, x − μ_B = 0 and every "
            "output would equal β. Use a batch of at least 2, or eval() mode with running statistics.")


def check_groups(num_groups, C):
    """Group norm's G: a positive integer that divides the number of channels C."""
    if isinstance(num_groups, bool) or not isinstance(num_groups, (int, np.integer)) or num_groups < 1:
        raise ValueError(f"num_groups must be a positive integer; got {num_groups!r}")
    if C % num_groups:
        raise ValueError(f"num_groups must divide the number of channels: C = {C} is not divisible "
                         f"by num_groups = {num_groups} (divisors of {C}: "
                         f"{[g for g in range(1, C + 1) if C % g == 0]})")
