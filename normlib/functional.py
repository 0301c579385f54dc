"""All normalizations are one operation: standardize over a set of axes, then scale and shift.

    x̂ = (x − μ) / √(σ² + ε)       μ, σ² taken over the axes in S       (1)
    y = γ · x̂ + β                  γ, β: one entry per channel/feature  (2)

Wu & He (2018, "Group Normalization", Sec. 3.1) write BN, LN, IN and GN this way; they differ only
in the set S of values that share one μ and σ². For an input of shape (N, C, H, W):

    batch norm     S = same channel              → reduce over axes (N, H, W)
    layer norm     S = same example              → reduce over the last axis (or (C, H, W))
    instance norm  S = same example and channel  → reduce over axes (H, W)
    group norm     S = same example and group of C/G channels → reshape C into (G, C/G), reduce (C/G, H, W)
    RMS norm       like layer norm, but no centring: x̂ = x / √(mean(x²) + ε) (Zhang & Sennrich 2019)

`standardize` and `standardize_backward` are that one operation; the five functions at the bottom of
this file are thin choices of axes on it. σ² is the biased (1/m) variance, as in the BN paper's
Algorithm 1 and in PyTorch.
"""

import numpy as np

__all__ = [
    "standardize", "standardize_backward", "standardize_backward_staged",
    "batch_norm", "layer_norm", "instance_norm", "group_norm", "rms_norm",
    "norm_forward", "norm_backward",
]


# ----------------------------------------------------------------------------------------------
# The one operation
# ----------------------------------------------------------------------------------------------
def standardize(x, axes, eps=1e-5, center=True):
    """Standardize ``x`` over ``axes``: x̂ = (x − μ) / √(σ² + ε).

    Parameters
    ----------
    x : ndarray (float32 or float64)
    axes : tuple of int — the axes reduced; every slice along the *other* axes gets its own μ, σ².
    eps : float ≥ 0 — added to σ² before the square root.
    center : bool — False gives RMS normalization, x̂ = x / √(mean(x²) + ε).

    Returns
    -------
    x_hat : ndarray, same shape and dtype as x
    mean : ndarray with the reduced axes kept as size 1 (zeros when ``center`` is False)
    var : ndarray, the biased (1/m) variance σ², same shape as ``mean`` (mean(x²) when not centred)

    Numerics: the variance is computed in two passes (centre first, then average the squares), and
    each set is first shifted by one of its own values. The shift makes a constant set exactly 0
    after centring (so its output is exactly β), and keeps an input offset by 1e6 as accurate as
    one centred at 0; the one-pass E[x²] − E[x]² loses every digit there.
    """
    axes = tuple(axes)
    if center:
        first = x[tuple(slice(0, 1) if a in axes else slice(None) for a in range(x.ndim))]
        xc = x - first                      # exact for values close to `first`
        shift = xc.mean(axis=axes, keepdims=True)
        xc -= shift
        mean = first + shift
        var = np.mean(np.square(xc), axis=axes, keepdims=True)
    else:
        xc = x
        mean = np.zeros_like(x, shape=[1 if a in axes else n for a, n in enumerate(x.shape)])
        var = np.mean(np.square(x), axis=axes, keepdims=True)
    inv_std = 1.0 / np.sqrt(var + x.dtype.type(eps))
    x_hat = xc * inv_std if xc is x else np.multiply(xc, inv_std, out=xc)   # reuse xc's memory
    return x_hat, mean, var


def standardize_backward(dx_hat, x_hat, inv_std, axes, center=True):
    """Gradient through ``standardize`` in closed form.

    With m values in each set and means taken over ``axes``:

        dx = (1/σ) · (dx̂ − mean(dx̂) − x̂ · mean(dx̂ · x̂))

    (without the mean(dx̂) term when ``center`` is False). This is the BN paper's chain rule
    (Ioffe & Szegedy 2015, Sec. 3) with the intermediate gradients dσ² and dμ substituted in.
    """
    axes = tuple(axes)
    proj = np.mean(dx_hat * x_hat, axis=axes, keepdims=True)
    dx = dx_hat - x_hat * proj
    if center:
        dx -= np.mean(dx_hat, axis=axes, keepdims=True)
    dx *= inv_std
    return dx


def standardize_backward_staged(dx_hat, x, axes, eps=1e-5):
    """The same gradient, computed node by node through the computation graph of (1).

    Forward graph: μ = mean(x); d = x − μ; v = mean(d²); s = √(v + ε); r = 1/s; x̂ = d · r.
    Each line below is one node's local derivative, exactly as the chain rule visits them. It is
    slower than :func:`standardize_backward` and is kept for teaching and as an independent check.
    """
    axes = tuple(axes)
    m = int(np.prod([x.shape[a] for a in axes]))      # a Python int: keeps float32 float32
    mu = x.mean(axis=axes, keepdims=True)
    d = x - mu
    v = np.mean(d * d, axis=axes, keepdims=True)
    s = np.sqrt(v + eps)
    r = 1.0 / s
    # x̂ = d · r
    dd = dx_hat * r
    dr = np.sum(dx_hat * d, axis=axes, keepdims=True)
    # r = 1/s
    ds = -dr / (s * s)
    # s = √(v + ε)
    dv = ds * 0.5 / s
    # v = mean(d²)
    dd = dd + dv * 2.0 * d / m
    # d = x − μ
    dx = dd.copy()
    dmu = -np.sum(dd, axis=axes, keepdims=True)
    # μ = mean(x)
    dx += dmu / m
    return dx


# ----------------------------------------------------------------------------------------------
# Checks: bad input gets a sentence, not a broadcasting traceback
# ----------------------------------------------------------------------------------------------
def _as_float_array(x, name="x"):
    if not isinstance(x, np.ndarray):
        x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.floating):
        raise TypeError(f"{name} must be a floating-point array (float32 or float64); got dtype {x.dtype}")
    return x


def _check_eps(eps):
    if not np.isscalar(eps) or not np.isreal(eps) or not eps >= 0:
        raise ValueError(f"eps must be a number ≥ 0; got {eps!r}")


def _check_param(p, name, size, what, dtype):
    """γ or β: one entry per channel/feature. Returns it as a 1-D array of x's dtype (or None)."""
    if p is None:
        return None
    p = np.asarray(p)
    if p.shape != (size,):
        raise ValueError(f"{name} must have shape ({size},), one entry per {what}; got shape {p.shape}")
    return p.astype(dtype, copy=False)


# ----------------------------------------------------------------------------------------------
# Normalize + scale and shift, with what backward needs
# ----------------------------------------------------------------------------------------------
def norm_forward(x, axes, gamma=None, beta=None, param_axis=1, eps=1e-5, groups=None, center=True):
    """y = γ · standardize(x over ``axes``) + β, γ and β indexed along ``param_axis``.

    ``groups`` (group norm only) first reshapes the channel axis C into (groups, C/groups); ``axes``
    refer to the reshaped array. Returns ``(y, cache)``; ``cache`` feeds :func:`norm_backward`.
    """
    xs = x.reshape(x.shape[:1] + (groups, -1) + x.shape[2:]) if groups else x
    x_hat, mean, var = standardize(xs, axes, eps, center)
    x_hat = x_hat.reshape(x.shape)
    inv_std = 1.0 / np.sqrt(var + x.dtype.type(eps))
    pshape = [1] * x.ndim
    pshape[param_axis] = x.shape[param_axis]
    y = x_hat * gamma.reshape(pshape) if gamma is not None else x_hat.copy()  # backward keeps x̂
    if beta is not None:
        y += beta.reshape(pshape)
    cache = dict(x_hat=x_hat, mean=mean, var=var, inv_std=inv_std, axes=axes, groups=groups, center=center,
                 gamma=gamma, pshape=pshape, param_axis=param_axis)
    return y, cache


def norm_backward(dy, cache):
    """Backward of :func:`norm_forward`: returns ``(dx, dgamma, dbeta)``.

    dγ and dβ are *sums* over every axis but the parameter axis (each γ_c touches every value of
    channel c in the batch), not means.
    """
    x_hat, gamma, groups, pshape = cache["x_hat"], cache["gamma"], cache["groups"], cache["pshape"]
    other = tuple(a for a in range(dy.ndim) if a != cache["param_axis"])
    dgamma = np.sum(dy * x_hat, axis=other)
    dbeta = np.sum(dy, axis=other)
    if cache["axes"] == other and not groups and cache["center"]:
        # Batch norm: the sets S_i are the channels, the same sums dγ and dβ run over, so the two
        # means of standardize_backward are already known: mean(dx̂) = γ·dβ/m and
        # mean(dx̂·x̂) = γ·dγ/m. This is the BN paper's backward, and saves three passes.
        m = dy.size // dy.shape[cache["param_axis"]]
        scale = cache["inv_std"] if gamma is None else gamma.reshape(pshape) * cache["inv_std"]
        dx = dy - x_hat * (dgamma / m).reshape(pshape)
        dx -= (dbeta / m).reshape(pshape)
        dx *= scale
        return dx, dgamma, dbeta
    dx_hat = dy * gamma.reshape(pshape) if gamma is not None else dy
    if groups:
        gshape = dy.shape[:1] + (groups, -1) + dy.shape[2:]
        dx = standardize_backward(dx_hat.reshape(gshape), x_hat.reshape(gshape), cache["inv_std"],
                                  cache["axes"], cache["center"])
        dx = dx.reshape(dy.shape)
    else:
        dx = standardize_backward(dx_hat, x_hat, cache["inv_std"], cache["axes"], cache["center"])
    return dx, dgamma, dbeta


# ----------------------------------------------------------------------------------------------
# The five normalizations: a choice of axes each
# ----------------------------------------------------------------------------------------------
def _check_channels_input(x, fn, min_ndim=2):
    x = _as_float_array(x)
    if x.ndim < min_ndim:
        shape = "(N, C)" if min_ndim == 2 else "(N, C, *spatial) with at least one spatial axis"
        raise ValueError(f"{fn}: x must have shape {shape}; got a {x.ndim}-d array of shape {x.shape}")
    return x


def batch_norm_axes(ndim):
    """BN reduces over the batch axis and every spatial axis: one μ, σ² per channel."""
    return (0,) + tuple(range(2, ndim))


def check_batch_stats(x, who="batch_norm"):
    """Training-mode BN needs more than one value per channel (PyTorch raises the same error)."""
    m = x.size // x.shape[1] if x.shape[1] else 0
    if m <= 1:
        raise ValueError(
            f"{who}: batch statistics need more than 1 value per channel; got input of shape "
            f"{x.shape}, i.e. m = N·(spatial size) = {m}. With one value, x − μ_B = 0 and every "
            "output would equal β. Use a batch of at least 2, or eval() mode with running statistics.")


def batch_norm(x, gamma=None, beta=None, eps=1e-5):
    """Batch norm with batch statistics (training mode). x: (N, C) or (N, C, *spatial).

    μ_B, σ²_B per channel over N and the spatial axes (m = N·H·W values each), biased 1/m variance.
    """
    x = _check_channels_input(x, "batch_norm")
    _check_eps(eps)
    check_batch_stats(x)
    C = x.shape[1]
    gamma = _check_param(gamma, "gamma", C, "channel", x.dtype)
    beta = _check_param(beta, "beta", C, "channel", x.dtype)
    return norm_forward(x, batch_norm_axes(x.ndim), gamma, beta, 1, eps)[0]


def layer_norm(x, gamma=None, beta=None, eps=1e-5):
    """Layer norm: μ, σ² per example (per row) over the last axis (Ba, Kiros & Hinton 2016)."""
    x = _as_float_array(x)
    if x.ndim < 1:
        raise ValueError("layer_norm: x must have at least 1 axis (the features); got a scalar")
    _check_eps(eps)
    F = x.shape[-1]
    gamma = _check_param(gamma, "gamma", F, "feature (last axis)", x.dtype)
    beta = _check_param(beta, "beta", F, "feature (last axis)", x.dtype)
    return norm_forward(x, (x.ndim - 1,), gamma, beta, x.ndim - 1, eps)[0]


def instance_norm(x, gamma=None, beta=None, eps=1e-5):
    """Instance norm: μ, σ² per example and channel over the spatial axes (Ulyanov et al. 2016).

    x: (N, C, *spatial) with at least one spatial axis.
    """
    x = _check_channels_input(x, "instance_norm", min_ndim=3)
    _check_eps(eps)
    C = x.shape[1]
    gamma = _check_param(gamma, "gamma", C, "channel", x.dtype)
    beta = _check_param(beta, "beta", C, "channel", x.dtype)
    return norm_forward(x, tuple(range(2, x.ndim)), gamma, beta, 1, eps)[0]


def check_groups(num_groups, C):
    if isinstance(num_groups, bool) or not isinstance(num_groups, (int, np.integer)) or num_groups < 1:
        raise ValueError(f"num_groups must be a positive integer; got {num_groups!r}")
    if C % num_groups:
        raise ValueError(f"num_groups must divide the number of channels: C = {C} is not divisible "
                         f"by num_groups = {num_groups} (divisors of {C}: "
                         f"{[g for g in range(1, C + 1) if C % g == 0]})")


def group_norm_axes(ndim):
    """GN reshapes (N, C, *S) to (N, G, C/G, *S) and reduces over (C/G, *S)."""
    return tuple(range(2, ndim + 1))


def group_norm(x, num_groups, gamma=None, beta=None, eps=1e-5):
    """Group norm (Wu & He 2018): μ, σ² per example and group of C/G channels.

    x: (N, C) or (N, C, *spatial). G = 1 is layer norm over (C, H, W); G = C is instance norm.
    """
    x = _check_channels_input(x, "group_norm")
    _check_eps(eps)
    C = x.shape[1]
    check_groups(num_groups, C)
    gamma = _check_param(gamma, "gamma", C, "channel", x.dtype)
    beta = _check_param(beta, "beta", C, "channel", x.dtype)
    return norm_forward(x, group_norm_axes(x.ndim), gamma, beta, 1, eps, groups=num_groups)[0]


def rms_norm(x, gamma=None, eps=None):
    """RMS norm (Zhang & Sennrich 2019): y = γ · x / √(mean(x²) + ε) over the last axis.

    No centring and no β. ``eps=None`` uses the machine epsilon of x's dtype, as PyTorch does.
    """
    x = _as_float_array(x)
    if x.ndim < 1:
        raise ValueError("rms_norm: x must have at least 1 axis (the features); got a scalar")
    if eps is None:
        eps = float(np.finfo(x.dtype).eps)
    _check_eps(eps)
    gamma = _check_param(gamma, "gamma", x.shape[-1], "feature (last axis)", x.dtype)
    return norm_forward(x, (x.ndim - 1,), gamma, None, x.ndim - 1, eps, center=False)[0]
