"""Exercise checker for notebook 09: RMSNorm's forward (Zhang & Sennrich 2019), written by the student.

    my_rms_norm(a, gamma, eps) -> y,   y = γ ⊙ a / √(mean of a² over the d_h units + ε)

for a batch a of shape (m, d_h) and γ of shape (d_h,). :func:`check_rms_norm` runs it on seeded
cases (one with a large ε, so that where ε goes shows) and recognises the classic mistakes: the mean
subtracted (layer norm), the standard deviation instead of the root mean square, statistics over the
batch axis, ε outside the square root or missing, γ forgotten, a β added. Every sentence comes from
the message catalogue (keys ``l09.check.*``).
"""

import numpy as np

from ...checking import call_student, matching_mistake
from ...i18n import t

__all__ = ["check_rms_norm"]


def _rms(a, axis=-1, eps=1e-5, eps_outside=False):
    ms = (a * a).mean(axis=axis, keepdims=True)
    return a / (np.sqrt(ms) + eps if eps_outside else np.sqrt(ms + eps))


def _cases():
    rng = np.random.default_rng(2019)
    cases = []
    for m, d_h, eps in ((5, 8, 1e-5), (4, 6, 0.5)):
        a = rng.uniform(-2, 2, (m, 1)) + rng.uniform(0.5, 3, (m, 1)) * rng.standard_normal((m, d_h))
        gamma = rng.uniform(0.5, 2.0, d_h)
        cases.append((a, gamma, eps))
    return cases


def _mistakes(a, gamma, eps):
    centred = a - a.mean(-1, keepdims=True)
    return [
        (gamma * centred / np.sqrt(a.var(-1, keepdims=True) + eps), "layer_norm"),
        (gamma * a / np.sqrt(a.var(-1, keepdims=True) + eps), "std"),
        (gamma * _rms(a, axis=0, eps=eps), "batch_axis"),
        (gamma * _rms(a, axis=None, eps=eps), "whole_array"),
        (gamma * _rms(a, eps=eps, eps_outside=True), "eps_outside"),
        (gamma * _rms(a, eps=0.0), "no_eps"),
        (_rms(a, eps=eps), "no_gamma"),
        (gamma * a / ((a * a).mean(-1, keepdims=True) + eps), "no_sqrt"),
    ]


def check_rms_norm(fn):
    """Check ``fn(a, gamma, eps) -> y``: RMSNorm's forward for a of shape (m, d_h) and γ of shape
    (d_h,). Returns feedback text (print it)."""
    for a, gamma, eps in _cases():
        got, problem = call_student(fn, "my_rms_norm", "y", a, gamma, eps)
        if problem:
            return problem
        try:
            got = np.asarray(got, dtype=float)
        except (TypeError, ValueError):
            return t("l09.check.not_array", kind=type(got).__name__)
        if got.shape != a.shape:
            return t("l09.check.shape", want=a.shape, got=got.shape)
        if np.allclose(got, gamma * _rms(a, eps=eps), rtol=1e-6, atol=1e-8):
            continue
        key = matching_mistake(got, _mistakes(a, gamma, eps), rtol=1e-6, atol=1e-8)
        if key:
            return t(f"l09.check.{key}")
        shift = got - gamma * _rms(a, eps=eps)          # the same vector added to every example: a β
        if np.allclose(shift, shift[:1], rtol=1e-6, atol=1e-8):
            return t("l09.check.beta")
        return t("l09.check.other")
    return t("l09.check.correct")
