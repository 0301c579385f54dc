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


_UNDO = {
    "unbiased": "γ uses the unbiased variance (ddof=1). Batch norm divides by √(σ²_B + ε) with the "
                "biased 1/m variance (m = N·H·W values per channel), so undoing it needs the same σ²_B.",
    "no_eps": "γ = σ_B leaves out ε: batch norm divides by √(σ²_B + ε), so γ = √(σ²_B + ε) undoes it exactly.",
    "variance": "γ is the variance σ²_B + ε; it must be its square root, √(σ²_B + ε) (a standard deviation "
                "undoes a division by a standard deviation).",
    "inverse": "γ = 1/√(σ²_B + ε) is the factor batch norm multiplies by; undoing it needs its inverse, "
               "γ = √(σ²_B + ε).",
    "minus_mu": "β = −μ_B has the wrong sign: batch norm subtracted μ_B, so β = +μ_B adds it back.",
    "swapped": "γ and β are swapped: γ (the scale) = √(σ²_B + ε), β (the shift) = μ_B.",
    "per_example": "one value per example: these are layer norm's statistics. Batch norm has one μ_B, σ²_B "
                   "per channel, over axes (0, 2, 3) = (N, H, W).",
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
            return ("not implemented yet: undo_batch_norm still raises NotImplementedError (or returns "
                    "None). Return the pair (gamma, beta) and run this cell again.")
        if problem:
            return "not yet: your function " + problem
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            return "not yet: return a pair (gamma, beta)"
        try:
            gamma, beta = (np.asarray(o, dtype=np.float64) for o in out)
        except (TypeError, ValueError):
            return "not yet: gamma and beta must be arrays of numbers"
        N, C, H, W = x.shape
        cands = _undo_candidates(x, eps)
        for name, a in (("gamma", gamma), ("beta", beta)):
            if a.shape != (C,):
                if a.shape == (C, H, W) or a.shape == (1, C, H, W):
                    return (f"not yet: {name} has shape {a.shape}: statistics over the examples only "
                            f"(axis 0). Batch norm pools every position of a channel too: one value "
                            f"per channel over axes (0, 2, 3), shape ({C},).")
                if a.shape == (N,):
                    return "not yet: " + _UNDO["per_example"]
                if a.size == C:
                    return (f"not yet: {name} has shape {a.shape}; it must be ({C},), one value per channel "
                            f"(reduce without keepdims, or .reshape(-1)).")
                return f"not yet: {name} has shape {a.shape}; it must be ({C},), one value per channel."
        got = (gamma, beta)
        if all(np.allclose(g, w, rtol=_RTOL, atol=_ATOL) for g, w in zip(got, cands["right"])):
            y = F.batch_norm(x, gamma, beta, eps)            # and batch norm really gives x back
            if np.allclose(y, x, rtol=1e-9, atol=1e-9):
                continue
        match = next((n for n in _UNDO_ORDER if all(np.allclose(g, w, rtol=_RTOL, atol=_ATOL)
                                              for g, w in zip(got, cands[n]))), None)
        if match:
            return "not yet: " + _UNDO[match]
        y = F.batch_norm(x, gamma, beta, eps)
        err = float(np.max(np.abs(y - x)))
        return (f"not yet: with your γ and β, batch norm changes x by up to {err:.3g}. Batch norm "
                "computes y = γ·(x − μ_B)/√(σ²_B + ε) + β per channel; solve y = x for γ and β.")
    return ("correct: γ = √(σ²_B + ε) and β = μ_B per channel (over N, H and W) turn batch norm into the "
            "identity — so BN never takes away what the layer could express.")


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


_SLOPE = {
    "at_mean": "this is σ' at the mean input, σ'(E[x]), not the mean slope E[σ'(x)]. σ' is not linear, so "
               "the two differ (Jensen's inequality): average σ'(x) over all the inputs.",
    "mean_sigmoid": "this is the mean of σ(x) itself; the gradient factor is its slope, "
                    "σ'(x) = σ(x)(1 − σ(x)).",
    "tanh_derivative": "1 − σ(x)² is the derivative formula of tanh (1 − tanh²); the sigmoid's is "
                       "σ(x)(1 − σ(x)).",
    "max_slope": "this is the largest slope among the inputs; the question is the average, E[σ'(x)].",
    "quarter": "1/4 is σ'(0), the slope at the centre only; average σ'(x) over the inputs.",
}


def check_mean_slope(fn):
    """Check ``fn(x) -> float``: the mean slope of the sigmoid, E[σ'(x)] = mean of σ(x)(1 − σ(x)),
    over the 1-D array of inputs x. Returns feedback text (print it)."""
    if not callable(fn):
        raise TypeError(f"fn must be your function mean_sigmoid_slope; got {type(fn).__name__}")
    for x in _slope_cases():
        out, problem = run_student(fn, x)
        if problem == "NOT_IMPLEMENTED":
            return ("not implemented yet: mean_sigmoid_slope still raises NotImplementedError (or "
                    "returns None). Return one number and run this cell again.")
        if problem:
            return "not yet: your function " + problem
        got = np.asarray(out, dtype=np.float64) if not isinstance(out, str) else None
        if got is None or got.size == 0:
            return f"not yet: return one number; got {out!r}"
        cands = _slope_candidates(x)
        if got.shape == x.shape and np.allclose(got, _sig(x) * (1 - _sig(x)), rtol=_RTOL):
            return "not yet: these are the slopes σ'(x) of every input; return their mean, one number."
        if got.size != 1:
            return f"not yet: return one number (the mean slope); got an array of shape {got.shape}"
        got = float(got.ravel()[0])
        if np.isclose(got, cands["right"], rtol=_RTOL, atol=_ATOL):
            continue
        match = next((n for n in _SLOPE if np.isclose(got, cands[n], rtol=_RTOL, atol=_ATOL)), None)
        if match:
            return "not yet: " + _SLOPE[match]
        return (f"not yet: for inputs with mean {x.mean():.2f} and std {x.std():.2f} you return {got:.4f}; "
                f"E[σ'(x)] is {cands['right']:.4f}.")
    return ("correct: E[σ'(x)] — the average factor by which the sigmoid scales the gradient flowing back "
            "through it (at most 1/4, at x = 0).")
