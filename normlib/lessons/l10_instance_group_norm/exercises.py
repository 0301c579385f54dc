"""Exercise checker for notebook 10: group norm written from scratch in numpy."""

import numpy as np

from ...checking import call_student

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
        got, problem = call_student(fn, "group_norm", "the normalized array", x, G)
        if problem:
            return problem
        got = np.asarray(got, dtype=float)
        if got.shape != x.shape:
            return f"the output must have the input's shape {x.shape}; got {got.shape} (reshape back at the end)"
        close = lambda ref: np.allclose(got, ref, atol=1e-4)
        if close(_gn(x, G)):
            continue
        C = x.shape[1]
        if close(_gn(x, C)):
            return ("this is instance norm (G = C): one μ, σ² per channel. Group norm shares them "
                    f"across C/G = {C // G} consecutive channels: reshape to (N, G, C/G, H, W)")
        if close(_gn(x, 1)):
            return ("this is layer norm (G = 1): one μ, σ² over all channels. Reshape to "
                    "(N, G, C/G, H, W) and reduce over the last three axes")
        bn = (x - x.mean(axis=(0, 2, 3), keepdims=True)) / np.sqrt(x.var(axis=(0, 2, 3), keepdims=True) + 1e-5)
        if close(bn):
            return "this is batch norm: it averages over the batch axis N. Group norm works per example"
        if close(_gn(x, G, interleaved=True)):
            return ("the groups are interleaved (channels c, c+G, c+2G, …): reshape(N, C//G, G, …) puts "
                    "them so. Group norm's groups are consecutive channels: reshape(N, G, C//G, H, W)")
        if close(_gn(x, G, ddof=1)):
            return ("you used the unbiased variance (ddof=1). Normalization uses the biased 1/m variance "
                    "(np.var's default), as BN, LN and GN all do in PyTorch")
        return "not group norm with groups of C/G consecutive channels; compare with normlib.group_norm"
    return "correct: one μ, σ² per example and group of C/G consecutive channels"
