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

`standardize` and `standardize_backward` are that one operation (standardize hands back 1/σ, which
the backward needs); the five functions at the bottom of
this file are thin choices of axes on it (group norm first reshapes C into (G, C/G), Wu & He's
listing). `batch_norm_backward` is BN's shortcut of the general backward, written out on its own. σ² is the biased (1/m) variance, as in the BN paper's
Algorithm 1 and in PyTorch.
"""

import numpy as np

__all__ = [
    "standardize", "standardize_backward", "standardize_backward_staged",
    "batch_norm", "layer_norm", "instance_norm", "group_norm", "rms_norm",
    "norm_forward", "norm_backward", "batch_norm_backward", "group_norm_forward", "group_norm_backward",
    "normalize_axes",
]


# ----------------------------------------------------------------------------------------------
# Checks: bad input gets a sentence, not a broadcasting traceback
# ----------------------------------------------------------------------------------------------
def _as_float_array(x, name="x"):
    if isinstance(x, np.generic):
        x = np.asarray(x)
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{name} must be a NumPy array of floats (float32 or float64); got "
                        f"{type(x).__name__} — convert it with np.asarray({name}, dtype=np.float64)")
    if not np.issubdtype(x.dtype, np.floating):
        raise TypeError(f"{name} must be a floating-point array (float32 or float64); got dtype {x.dtype} "
                        f"— convert it with {name}.astype(np.float64)")
    return x


def _check_eps(eps):
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


def _check_param(p, name, size, what, dtype):
    """γ or β: one entry per channel/feature. Returns it as a 1-D array of x's dtype (or None)."""
    if p is None:
        return None
    p = np.asarray(p)
    if p.shape != (size,):
        raise ValueError(f"{name} must have shape ({size},), one entry per {what}; got shape {p.shape}")
    return p.astype(dtype, copy=False)


# ----------------------------------------------------------------------------------------------
# The one operation
# ----------------------------------------------------------------------------------------------
def standardize(x, axes, eps=1e-5, center=True):
    """Standardize ``x`` over ``axes``: x̂ = (x − μ) / √(σ² + ε).

    Parameters
    ----------
    x : ndarray (float32 or float64)
    axes : int or tuple of int — the axes reduced (negative axes count from the end, as in NumPy);
        every slice along the *other* axes gets its own μ, σ².
    eps : float ≥ 0 — added to σ² before the square root.
    center : bool — False gives RMS normalization, x̂ = x / √(mean(x²) + ε).

    Returns
    -------
    x_hat : ndarray, same shape and dtype as x
    mean : ndarray with the reduced axes kept as size 1 (zeros when ``center`` is False)
    var : ndarray, the biased (1/m) variance σ², same shape as ``mean`` (mean(x²) when not centred)
    inv_std : ndarray, 1/√(σ² + ε), same shape as ``mean`` — what :func:`standardize_backward` needs

    Numerics: the variance is computed in two passes (centre first, then average the squares), and
    each set is first shifted by one of its own values. The shift makes a constant set exactly 0
    after centring (so its output is exactly β), and keeps an input offset by 1e6 as accurate as
    one centred at 0; the one-pass E[x²] − E[x]² loses every digit there.
    """
    x = _as_float_array(x)
    axes = normalize_axes(axes, x.ndim)
    _check_eps(eps)
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
    x_hat = xc * inv_std
    return x_hat, mean, var, inv_std


def standardize_backward(dx_hat, x_hat, inv_std, axes, center=True):
    """Gradient through ``standardize`` in closed form.

    dx_hat, x_hat: the same shape; inv_std: 1/√(σ² + ε), with the reduced axes kept as size 1.
    Returns dx, the shape of x. With m values in each set and means taken over ``axes``:

        dx = (1/σ) · (dx̂ − mean(dx̂) − x̂ · mean(dx̂ · x̂))

    (without the mean(dx̂) term when ``center`` is False). This is the BN paper's chain rule
    (Ioffe & Szegedy 2015, Sec. 3) with the intermediate gradients dσ² and dμ substituted in.
    """
    axes = normalize_axes(axes, x_hat.ndim)
    proj = np.mean(dx_hat * x_hat, axis=axes, keepdims=True)
    dx = dx_hat - x_hat * proj
    if center:
        dx -= np.mean(dx_hat, axis=axes, keepdims=True)
    dx *= inv_std
    return dx


def standardize_backward_staged(dx_hat, x, axes, eps=1e-5):
    """The same gradient, computed node by node through the computation graph of (1).

    dx_hat, x: the same shape; returns dx, the shape of x.
    Forward graph: μ = mean(x); d = x − μ; v = mean(d²); s = √(v + ε); r = 1/s; x̂ = d · r.
    Each line below is one node's local derivative, exactly as the chain rule visits them. It is
    slower than :func:`standardize_backward` and is kept for teaching and as an independent check.
    """
    axes = normalize_axes(axes, x.ndim)
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
# Normalize + scale and shift, with what backward needs
# ----------------------------------------------------------------------------------------------
def norm_forward(x, axes, gamma=None, beta=None, param_axis=1, eps=1e-5, center=True):
    """y = γ · standardize(x over ``axes``) + β, with γ and β indexed along ``param_axis``.

    x: any shape; gamma, beta: (x.shape[param_axis],) or None. Returns ``(y, cache)``, y the shape
    of x. ``cache`` is what :func:`norm_backward` (or :func:`batch_norm_backward`) needs::

        x_hat       x̂, the shape of x
        mean, var   μ and σ² (biased), the reduced axes kept as size 1
        inv_std     1/√(σ² + ε), the shape of mean
        axes        the reduced axes (a sorted tuple of non-negative ints)
        center      False for RMS normalization
        gamma       γ as used (None without it)
        pshape      the shape γ and β are broadcast with: 1 everywhere but param_axis
        param_axis  the axis γ and β run along
    """
    axes = normalize_axes(axes, x.ndim)
    x_hat, mean, var, inv_std = standardize(x, axes, eps, center)
    param_axis = normalize_axes(param_axis, x.ndim, "param_axis")[0]
    pshape = [1] * x.ndim
    pshape[param_axis] = x.shape[param_axis]
    y = x_hat * gamma.reshape(pshape) if gamma is not None else x_hat.copy()  # backward keeps x̂
    if beta is not None:
        y += beta.reshape(pshape)
    cache = dict(x_hat=x_hat, mean=mean, var=var, inv_std=inv_std, axes=axes, center=center,
                 gamma=gamma, pshape=pshape, param_axis=param_axis)
    return y, cache


def _param_grads(dy, cache):
    """dγ and dβ: *sums* over every axis but the parameter axis (each γ_c touches every value of
    channel c in the batch), not means. Returns ``(dgamma, dbeta, other_axes)``."""
    other = tuple(a for a in range(dy.ndim) if a != cache["param_axis"])
    return np.sum(dy * cache["x_hat"], axis=other), np.sum(dy, axis=other), other


def norm_backward(dy, cache):
    """Backward of :func:`norm_forward` for any set of axes: dy the shape of x; returns
    ``(dx, dgamma, dbeta)``, dx the shape of x and dγ, dβ of shape (x.shape[param_axis],)."""
    dgamma, dbeta, _ = _param_grads(dy, cache)
    gamma = cache["gamma"]
    dx_hat = dy * gamma.reshape(cache["pshape"]) if gamma is not None else dy
    dx = standardize_backward(dx_hat, cache["x_hat"], cache["inv_std"], cache["axes"], cache["center"])
    return dx, dgamma, dbeta


def batch_norm_backward(dy, cache):
    """Batch norm's backward, the BN paper's way: the same result as :func:`norm_backward`, in
    fewer passes. dy: (N, C) or (N, C, *spatial); ``cache`` from :func:`norm_forward` with the
    batch-norm axes. Returns ``(dx, dgamma, dbeta)``.

    In batch norm the sets that share μ and σ² are the channels — the very sets dγ and dβ sum over —
    so the two means of :func:`standardize_backward` are already known from them:
    mean(dx̂) = γ·dβ/m and mean(dx̂·x̂) = γ·dγ/m, with m = N·(spatial size):

        dx = γ/σ · (dy − x̂ · dγ/m − dβ/m)
    """
    dgamma, dbeta, other = _param_grads(dy, cache)
    if cache["axes"] != other or not cache["center"]:
        raise ValueError(f"batch_norm_backward needs a cache of batch norm (axes {other}, centred); "
                         f"got axes {cache['axes']}: use norm_backward")
    pshape, gamma = cache["pshape"], cache["gamma"]
    m = dy.size // dy.shape[cache["param_axis"]]
    scale = cache["inv_std"] if gamma is None else gamma.reshape(pshape) * cache["inv_std"]
    dx = dy - cache["x_hat"] * (dgamma / m).reshape(pshape)
    dx -= (dbeta / m).reshape(pshape)
    dx *= scale
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
    """Batch norm with batch statistics (training mode). x: (N, C) or (N, C, *spatial); returns y,
    the same shape. μ_B, σ²_B per channel over N and the spatial axes (m = N·H·W values each),
    biased 1/m variance."""
    x = _check_channels_input(x, "batch_norm")
    _check_eps(eps)
    check_batch_stats(x)
    C = x.shape[1]
    gamma = _check_param(gamma, "gamma", C, "channel", x.dtype)
    beta = _check_param(beta, "beta", C, "channel", x.dtype)
    y, _ = norm_forward(x, batch_norm_axes(x.ndim), gamma, beta, param_axis=1, eps=eps)
    return y


def layer_norm(x, gamma=None, beta=None, eps=1e-5):
    """Layer norm (Ba, Kiros & Hinton 2016): μ, σ² per example (per row) over the last axis.
    x: (..., F); returns y, the same shape."""
    x = _as_float_array(x)
    if x.ndim < 1:
        raise ValueError("layer_norm: x must have at least 1 axis (the features); got a scalar")
    _check_eps(eps)
    F = x.shape[-1]
    gamma = _check_param(gamma, "gamma", F, "feature (last axis)", x.dtype)
    beta = _check_param(beta, "beta", F, "feature (last axis)", x.dtype)
    y, _ = norm_forward(x, -1, gamma, beta, param_axis=-1, eps=eps)
    return y


def instance_norm(x, gamma=None, beta=None, eps=1e-5):
    """Instance norm (Ulyanov et al. 2016): μ, σ² per example and channel over the spatial axes.
    x: (N, C, *spatial) with at least one spatial axis; returns y, the same shape."""
    x = _check_channels_input(x, "instance_norm", min_ndim=3)
    _check_eps(eps)
    C = x.shape[1]
    gamma = _check_param(gamma, "gamma", C, "channel", x.dtype)
    beta = _check_param(beta, "beta", C, "channel", x.dtype)
    y, _ = norm_forward(x, tuple(range(2, x.ndim)), gamma, beta, param_axis=1, eps=eps)
    return y


def check_groups(num_groups, C):
    if isinstance(num_groups, bool) or not isinstance(num_groups, (int, np.integer)) or num_groups < 1:
        raise ValueError(f"num_groups must be a positive integer; got {num_groups!r}")
    if C % num_groups:
        raise ValueError(f"num_groups must divide the number of channels: C = {C} is not divisible "
                         f"by num_groups = {num_groups} (divisors of {C}: "
                         f"{[g for g in range(1, C + 1) if C % g == 0]})")


def group_norm(x, num_groups, gamma=None, beta=None, eps=1e-5):
    """Group norm (Wu & He 2018): μ, σ² per example and group of C/G channels.

    x: (N, C) or (N, C, *spatial); returns y, the same shape. G = 1 is layer norm over (C, H, W);
    G = C is instance norm. Written as the paper's listing (Wu & He 2018, Figure 3)::

        x = x.reshape(N, G, C // G, H, W)              # the groups get an axis of their own
        x̂ = standardize(x over the axes (C // G, H, W))
        y = x̂.reshape(N, C, H, W) · γ + β              # γ, β per channel
    """
    x = _check_channels_input(x, "group_norm")
    _check_eps(eps)
    C = x.shape[1]
    check_groups(num_groups, C)
    gamma = _check_param(gamma, "gamma", C, "channel", x.dtype)
    beta = _check_param(beta, "beta", C, "channel", x.dtype)
    y, _ = group_norm_forward(x, num_groups, gamma, beta, eps)
    return y


def group_norm_forward(x, num_groups, gamma=None, beta=None, eps=1e-5):
    """The listing above, with what backward needs. x: (N, C, *spatial); gamma, beta: (C,) or None;
    no input checks (:func:`group_norm` and :class:`normlib.GroupNorm` make them). Returns
    ``(y, cache)``; the cache holds ``x_hat`` (the shape of x), ``inv_std`` (N, G, 1, …),
    ``gamma``, ``pshape``, ``param_axis`` (1) and ``group_shape`` (N, G, C/G, *spatial)."""
    N, C = x.shape[:2]
    xg = x.reshape(N, num_groups, C // num_groups, *x.shape[2:])
    x_hat, _, _, inv_std = standardize(xg, tuple(range(2, xg.ndim)), eps)
    x_hat = x_hat.reshape(x.shape)
    pshape = (1, C) + (1,) * (x.ndim - 2)
    y = x_hat if gamma is None else x_hat * gamma.reshape(pshape)
    y = y if beta is None else y + beta.reshape(pshape)
    cache = dict(x_hat=x_hat, inv_std=inv_std, gamma=gamma, pshape=pshape, param_axis=1,
                 group_shape=xg.shape)
    return y, cache


def group_norm_backward(dy, cache):
    """Backward of :func:`group_norm_forward`: dy the shape of x; returns ``(dx, dgamma, dbeta)``.
    The gradient of the standardization runs in the grouped shape (N, G, C/G, *spatial), like the
    forward."""
    dgamma, dbeta, _ = _param_grads(dy, cache)
    dx_hat = dy if cache["gamma"] is None else dy * cache["gamma"].reshape(cache["pshape"])
    g = cache["group_shape"]
    dx = standardize_backward(dx_hat.reshape(g), cache["x_hat"].reshape(g), cache["inv_std"],
                              tuple(range(2, len(g))))
    return dx.reshape(dy.shape), dgamma, dbeta


def rms_norm(x, gamma=None, eps=None):
    """RMS norm (Zhang & Sennrich 2019): y = γ · x / √(mean(x²) + ε) over the last axis.
    x: (..., F); returns y, the same shape.

    No centring and no β. ``eps=None`` uses the machine epsilon of x's dtype, as PyTorch does.
    """
    x = _as_float_array(x)
    if x.ndim < 1:
        raise ValueError("rms_norm: x must have at least 1 axis (the features); got a scalar")
    if eps is None:
        eps = float(np.finfo(x.dtype).eps)
    _check_eps(eps)
    gamma = _check_param(gamma, "gamma", x.shape[-1], "feature (last axis)", x.dtype)
    y, _ = norm_forward(x, -1, gamma, None, param_axis=-1, eps=eps, center=False)
    return y
