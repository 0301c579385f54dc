"""Exercise checkers for notebook 04: why batch norm scales and shifts.

* :func:`check_undo_batch_norm` — ``undo_batch_norm(x, eps) -> (gamma, beta)`` for a convolutional
  feature map x of shape (N, C, H, W): the γ and β that make batch norm the identity on x. Diagnoses
  the unbiased variance, a missing ε, the variance or the inverse standard deviation in place of
  √(σ² + ε), β = −μ, γ and β swapped, statistics over the wrong axes, and wrong shapes.
* :func:`check_mean_slope` — ``mean_sigmoid_slope(x) -> float``: E[σ'(x)] over the inputs x.
  Diagnoses the slope at the mean (σ'(E[x]) ≠ E[σ'(x)]), the mean of σ instead of σ', tanh's
  derivative, the slope without the mean, and the largest slope.
"""

import numpy as np

from ... import functional as F
from ...checking import run_student
from ...i18n import t

__all__ = ["check_undo_batch_norm", "check_mean_slope"]

_RTOL, _ATOL = 1e-5, 1e-8


# ----------------------------------------------------------------------------------------------
# Undo batch norm: γ = √(σ² + ε), β = μ, per channel over (N, H, W)
# ----------------------------------------------------------------------------------------------
def _undo_cases():
    rng = np.random.default_rng(1502)
    cases = []
    for shape, eps in (((4, 3, 5, 2), 1e-5), ((3, 2, 4, 4), 0.3)):
        C = shape[1]
        loc = rng.uniform(-4, 4, (1, C, 1, 1))
        scale = rng.uniform(0.5, 3, (1, C, 1, 1))
        cases.append((loc + scale * rng.standard_normal(shape), eps))
    return cases


def _undo_candidates(x, eps):
    """name → (gamma, beta) for the right answer and each known mistake."""
    axes = (0, 2, 3)
    mu, var = x.mean(axis=axes), x.var(axis=axes)
    right_g = np.sqrt(var + eps)
    return {
        "right": (right_g, mu),
        "unbiased": (np.sqrt(x.var(axis=axes, ddof=1) + eps), mu),
        "no_eps": (np.sqrt(var), mu),
        "variance": (var + eps, mu),
        "inverse": (1.0 / right_g, mu),
        "minus_mu": (right_g, -mu),
        "swapped": (mu, right_g),
    }


_UNDO_ORDER = ("unbiased", "no_eps", "variance", "inverse", "minus_mu", "swapped")   # same shape as right


def check_undo_batch_norm(fn):
    """Check ``fn(x, eps) -> (gamma, beta)``: for x of shape (N, C, H, W), the γ and β (shape (C,))
    with which batch norm in training mode returns x itself. Returns feedback text (print it)."""
    if not callable(fn):
        raise TypeError(f"fn must be your function undo_batch_norm; got {type(fn).__name__}")
    for x, eps in _undo_cases():
        out, problem = run_student(fn, x, eps)
        if problem == "NOT_IMPLEMENTED":
            return t("l04.check.undo.not_implemented")
        if problem:
            return t("l04.check.not_yet", reason=t("l04.check.your_function", problem=problem))
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            return t("l04.check.not_yet", reason=t("l04.check.undo.pair"))
        try:
            gamma, beta = (np.asarray(o, dtype=np.float64) for o in out)
        except (TypeError, ValueError):
            return t("l04.check.not_yet", reason=t("l04.check.undo.numbers"))
        N, C, H, W = x.shape
        cands = _undo_candidates(x, eps)
        for name, a in (("gamma", gamma), ("beta", beta)):
            if a.shape != (C,):
                if a.shape == (C, H, W) or a.shape == (1, C, H, W):
                    return t("l04.check.not_yet", reason=t("l04.check.undo.over_examples", name=name,
                                                            shape=a.shape, C=C))
                if a.shape == (N,):
                    return t("l04.check.not_yet", reason=t("l04.check.undo.per_example"))
                if a.size == C:
                    return t("l04.check.not_yet", reason=t("l04.check.undo.keepdims", name=name,
                                                            shape=a.shape, C=C))
                return t("l04.check.not_yet", reason=t("l04.check.undo.shape", name=name, shape=a.shape, C=C))
        got = (gamma, beta)
        if all(np.allclose(g, w, rtol=_RTOL, atol=_ATOL) for g, w in zip(got, cands["right"])):
            y = F.batch_norm(x, gamma, beta, eps)            # and batch norm really gives x back
            if np.allclose(y, x, rtol=1e-9, atol=1e-9):
                continue
        match = next((n for n in _UNDO_ORDER if all(np.allclose(g, w, rtol=_RTOL, atol=_ATOL)
                                              for g, w in zip(got, cands[n]))), None)
        if match:
            return t("l04.check.not_yet", reason=t(f"l04.check.undo.{match}"))
        y = F.batch_norm(x, gamma, beta, eps)
        err = float(np.max(np.abs(y - x)))
        return t("l04.check.not_yet", reason=t("l04.check.undo.changes_x", err=err))
    return t("l04.check.undo.correct")


# ----------------------------------------------------------------------------------------------
# Mean slope of the sigmoid: E[σ'(x)]
# ----------------------------------------------------------------------------------------------
def _sig(x):
    return 1.0 / (1.0 + np.exp(-x))


def _slope_cases():
    rng = np.random.default_rng(4)
    return [rng.normal(4.0, 1.0, 500), rng.normal(0.0, 2.5, 400), rng.normal(-1.0, 0.5, 300)]


def _slope_candidates(x):
    s = _sig(x)
    return {
        "right": np.mean(s * (1 - s)),
        "at_mean": _sig(x.mean()) * (1 - _sig(x.mean())),
        "mean_sigmoid": np.mean(s),
        "tanh_derivative": np.mean(1 - s ** 2),
        "max_slope": np.max(s * (1 - s)),
        "quarter": 0.25,
    }


_SLOPE = ("at_mean", "mean_sigmoid", "tanh_derivative", "max_slope", "quarter")   # the order they are tried


def check_mean_slope(fn):
    """Check ``fn(x) -> float``: the mean slope of the sigmoid, E[σ'(x)] = mean of σ(x)(1 − σ(x)),
    over the 1-D array of inputs x. Returns feedback text (print it)."""
    if not callable(fn):
        raise TypeError(f"fn must be your function mean_sigmoid_slope; got {type(fn).__name__}")
    for x in _slope_cases():
        out, problem = run_student(fn, x)
        if problem == "NOT_IMPLEMENTED":
            return t("l04.check.slope.not_implemented")
        if problem:
            return t("l04.check.not_yet", reason=t("l04.check.your_function", problem=problem))
        got = np.asarray(out, dtype=np.float64) if not isinstance(out, str) else None
        if got is None or got.size == 0:
            return t("l04.check.not_yet", reason=t("l04.check.slope.one_number", got=repr(out)))
        cands = _slope_candidates(x)
        if got.shape == x.shape and np.allclose(got, _sig(x) * (1 - _sig(x)), rtol=_RTOL):
            return t("l04.check.not_yet", reason=t("l04.check.slope.every_slope"))
        if got.size != 1:
            return t("l04.check.not_yet", reason=t("l04.check.slope.array", shape=got.shape))
        got = float(got.ravel()[0])
        if np.isclose(got, cands["right"], rtol=_RTOL, atol=_ATOL):
            continue
        match = next((n for n in _SLOPE if np.isclose(got, cands[n], rtol=_RTOL, atol=_ATOL)), None)
        if match:
            return t("l04.check.not_yet", reason=t(f"l04.check.slope.{match}"))
        return t("l04.check.not_yet", reason=t("l04.check.slope.wrong", mean=x.mean(), std=x.std(), got=got,
                                                right=cands["right"]))
    return t("l04.check.slope.correct")
