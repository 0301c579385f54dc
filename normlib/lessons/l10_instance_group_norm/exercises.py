"""Exercise checker for notebook 10: group norm written from scratch in numpy."""

import numpy as np

from ...checking import call_student
from ...i18n import t

__all__ = ["check_group_norm"]


def _gn(x, G, eps=1e-5, ddof=0, interleaved=False):
    N, C = x.shape[:2]
    if interleaved:            # channels c, c + G, c + 2G, … in one group
        g = x.reshape((N, C // G, G) + x.shape[2:])
        axes = (1,) + tuple(range(3, g.ndim))
    else:
        g = x.reshape((N, G, C // G) + x.shape[2:])
        axes = tuple(range(2, g.ndim))
    y = (g - g.mean(axis=axes, keepdims=True)) / np.sqrt(g.var(axis=axes, ddof=ddof, keepdims=True) + eps)
    return y.reshape(x.shape)


def _cases():
    rng = np.random.default_rng(2018)
    x = rng.standard_normal((3, 6, 4, 5)) * rng.uniform(0.5, 3, (1, 6, 1, 1)) + rng.uniform(-3, 3, (1, 6, 1, 1))
    return [(x, 2), (x, 3)]


def check_group_norm(fn):
    """Check ``fn(x, G) -> y``: group norm without γ and β (ε = 1e-5) for x of shape (N, C, H, W),
    groups of C/G consecutive channels. Returns feedback text (print it)."""
    for x, G in _cases():
        got, problem = call_student(fn, "group_norm", t("l10.check.returns"), x, G)
        if problem:
            return problem
        got = np.asarray(got, dtype=float)
        if got.shape != x.shape:
            return t("l10.check.shape", expected=x.shape, got=got.shape)
        close = lambda ref: np.allclose(got, ref, atol=1e-4)
        if close(_gn(x, G)):
            continue
        C = x.shape[1]
        if close(_gn(x, C)):
            return t("l10.check.instance_norm", per=C // G)
        if close(_gn(x, 1)):
            return t("l10.check.layer_norm")
        bn = (x - x.mean(axis=(0, 2, 3), keepdims=True)) / np.sqrt(x.var(axis=(0, 2, 3), keepdims=True) + 1e-5)
        if close(bn):
            return t("l10.check.batch_norm")
        if close(_gn(x, G, interleaved=True)):
            return t("l10.check.interleaved")
        if close(_gn(x, G, ddof=1)):
            return t("l10.check.unbiased")
        return t("l10.check.other")
    return t("checking.correct") + ": " + t("l10.check.correct")
