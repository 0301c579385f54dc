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

Reading order: `standardize` and `standardize_backward` are that one operation (standardize hands
back 1/σ, which the backward needs); `batch_norm_forward` and `batch_norm_backward` are batch norm
written out in full, training and eval mode, as `BatchNorm` runs it; `norm_forward`/`norm_backward`
add γ and β for any axes; the five functions at the bottom are thin choices of axes (group norm first
reshapes C into (G, C/G), Wu & He's listing). σ² is the biased (1/m) variance, as in the BN paper's
Algorithm 1 and in PyTorch. Input is checked once, where it comes in (:mod:`normlib.checks`).
"""

import numpy as np

from .checks import (as_float_array, check_batch_stats, check_channels_input, check_eps, check_groups,
                     check_param, normalize_axes)

__all__ = [
    "standardize", "standardize_backward", "standardize_backward_staged",
    "batch_norm_forward", "batch_norm_backward",
    "batch_norm", "layer_norm", "instance_norm", "group_norm", "rms_norm",
    "norm_forward", "norm_backward", "param_grads", "group_norm_forward", "group_norm_backward",
]


# ----------------------------------------------------------------------------------------------
# The one operation
# ----------------------------------------------------------------------------------------------
def _centre(x, axes):
    """(x − μ, μ) over ``axes``, μ with the reduced axes kept as size 1.

    Textbook: μ = mean(x); x − μ. Computed here with each set first shifted by one of its own values
    (its first one), which gives the same μ in exact arithmetic and keeps the rounding small: a
    constant set becomes exactly 0 (so its output is exactly β), and an input offset by 1e6 stays as
    accurate as one centred at 0 (the one-pass E[x²] − E[x]² loses every digit there).
    """
    first = x[tuple(slice(0, 1) if a in axes else slice(None) for a in range(x.ndim))]
    xc = x - first                          # exact for values close to `first`
    shift = xc.mean(axis=axes, keepdims=True)
    xc -= shift
    return xc, first + shift


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

    Numerics: the variance is computed in two passes (centre first, then average the squares;
    :func:`_centre` says how the centring stays exact).
    """
    x = as_float_array(x)
    axes = normalize_axes(axes, x.ndim)
    check_eps(eps)
    if center:
        xc, mean = _centre(x, axes)
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


def param_grads(dy, cache):
    """dγ and dβ: *sums* over every axis but the parameter axis (each γ_c touches every value of
    channel c in the batch), not means. ``cache`` needs ``x_hat`` and ``param_axis``. Returns
    ``(dgamma, dbeta, other_axes)``."""
    other = tuple(a for a in range(dy.ndim) if a != cache["param_axis"])
    return np.sum(dy * cache["x_hat"], axis=other), np.sum(dy, axis=other), other


def norm_backward(dy, cache):
    """Backward of :func:`norm_forward` for any set of axes: dy the shape of x; returns
    ``(dx, dgamma, dbeta)``, dx the shape of x and dγ, dβ of shape (x.shape[param_axis],)."""
    dgamma, dbeta, _ = param_grads(dy, cache)
    gamma = cache["gamma"]
    dx_hat = dy * gamma.reshape(cache["pshape"]) if gamma is not None else dy
    dx = standardize_backward(dx_hat, cache["x_hat"], cache["inv_std"], cache["axes"], cache["center"])
    return dx, dgamma, dbeta


# ----------------------------------------------------------------------------------------------
# Batch norm in one hop: training and eval mode, forward and backward
# ----------------------------------------------------------------------------------------------
def batch_norm_forward(x, gamma=None, beta=None, running_mean=None, running_var=None, training=True,
                       momentum=0.1, eps=1e-5):
    """Batch norm (Ioffe & Szegedy 2015) in both modes, top to bottom. Returns ``(y, cache)``.

    x              (N, C) or (N, C, *spatial): C channels, m = N·(spatial size) values per channel
    gamma, beta    (C,) or None (None: γ = 1, β = 0)
    running_mean, running_var
                   (C,) float arrays or None: the running estimates, PyTorch's buffers (the variance
                   stored unbiased). Training mode updates them IN PLACE, as
                   ``torch.nn.functional.batch_norm`` does; eval mode normalizes with them.
    training       True: the batch's statistics; False: the running estimates
    momentum       the weight of the NEW batch in the running update (PyTorch's 0.1)
    eps            ε, added to the variance before the square root

    Training mode, per channel (means over the channel's m values)::

        μ_B = mean(x)           σ²_B = mean((x − μ_B)²)          (biased: 1/m)
        x̂ = (x − μ_B) / √(σ²_B + ε)          y = γ·x̂ + β
        running_mean ← (1 − momentum)·running_mean + momentum·μ_B
        running_var  ← (1 − momentum)·running_var  + momentum·σ²_B·m/(m − 1)

    Eval mode: x̂ = (x − running_mean) / √(running_var + ε), y = γ·x̂ + β — one fixed affine map per
    channel, so it works on a batch of one and never looks at the other examples.

    ``cache``, what :func:`batch_norm_backward` needs: ``x_hat`` (the shape of x); ``mean``, ``var``
    and ``inv_std`` = 1/√(σ² + ε), the statistics used, of shape ``pshape`` = (1, C, 1, …);
    ``gamma``; ``training``; and ``axes`` (the reduced axes), ``param_axis`` (1), ``center`` (True),
    the keys :func:`norm_backward` reads, so either backward takes it.
    """
    x = check_channels_input(x, "batch_norm_forward")
    check_eps(eps)
    C = x.shape[1]
    gamma = check_param(gamma, "gamma", C, "channel", x.dtype)
    beta = check_param(beta, "beta", C, "channel", x.dtype)
    _check_running_stats(running_mean, running_var, C, training, momentum)
    axes = (0,) + tuple(range(2, x.ndim))           # every axis but the channels
    pshape = (1, C) + (1,) * (x.ndim - 2)           # how a per-channel value broadcasts against x
    if training:
        check_batch_stats(x, "batch_norm")
        xc, mean = _centre(x, axes)                                  # x − μ_B, μ_B
        var = np.mean(np.square(xc), axis=axes, keepdims=True)       # σ²_B, biased (1/m)
        inv_std = 1.0 / np.sqrt(var + x.dtype.type(eps))             # 1/√(σ²_B + ε)
        x_hat = xc * inv_std
        if running_mean is not None:
            m = x.size // C
            running_mean[...] = (1 - momentum) * running_mean + momentum * mean.reshape(-1)
            running_var[...] = (1 - momentum) * running_var + momentum * var.reshape(-1) * m / (m - 1)
    else:
        mean = running_mean.astype(x.dtype).reshape(pshape)
        var = running_var.astype(x.dtype).reshape(pshape)
        inv_std = (1.0 / np.sqrt(running_var.astype(np.float64) + eps)).astype(x.dtype).reshape(pshape)
        x_hat = (x - mean) * inv_std
    y = x_hat * gamma.reshape(pshape) if gamma is not None else x_hat.copy()   # backward keeps x̂
    if beta is not None:
        y += beta.reshape(pshape)
    cache = dict(x_hat=x_hat, mean=mean, var=var, inv_std=inv_std, gamma=gamma, training=training,
                 pshape=pshape, axes=axes, param_axis=1, center=True)
    return y, cache


def _check_running_stats(running_mean, running_var, C, training, momentum):
    """Both running estimates or neither; (C,) float arrays that can be updated in place."""
    if (running_mean is None) != (running_var is None):
        raise ValueError("running_mean and running_var come together: give both or neither")
    if running_mean is None:
        if not training:
            raise ValueError("eval mode (training=False) normalizes with running_mean and running_var: "
                             "give both, shape (C,)")
        return
    for name, r in (("running_mean", running_mean), ("running_var", running_var)):
        r = as_float_array(r, name)
        if r.shape != (C,):
            raise ValueError(f"{name} must have shape ({C},), one entry per channel; got shape {r.shape}")
        if training and not r.flags.writeable:
            raise ValueError(f"{name} is read-only: training mode updates it in place (pass a copy)")
    if training and (isinstance(momentum, bool) or not np.isscalar(momentum) or not 0 < momentum <= 1):
        raise ValueError(f"momentum must be in (0, 1], the weight of the new batch (PyTorch's "
                         f"convention; 0.1 is usual); got {momentum!r}")


def batch_norm_backward(dy, cache):
    """Backward of :func:`batch_norm_forward`, the BN paper's way. dy: the shape of x; returns
    ``(dx, dgamma, dbeta)``, dγ and dβ of shape (C,). Also takes :func:`norm_forward`'s cache for the
    batch-norm axes (the same keys).

    dγ = Σ dy·x̂ and dβ = Σ dy, sums over the m values of each channel. Training mode: the sets that
    share μ and σ² are the channels — the very sets dγ and dβ sum over — so the two means of
    :func:`standardize_backward` are already known from them, mean(dx̂) = γ·dβ/m and
    mean(dx̂·x̂) = γ·dγ/m::

        dx = γ/σ · (dy − x̂ · dγ/m − dβ/m)

    Eval mode is a fixed affine map per channel: dx = γ/σ · dy.
    """
    dgamma, dbeta, other = param_grads(dy, cache)
    if cache["axes"] != other or not cache["center"]:
        raise ValueError(f"batch_norm_backward needs a cache of batch norm (axes {other}, centred); "
                         f"got axes {cache['axes']}: use norm_backward")
    pshape, gamma = cache["pshape"], cache["gamma"]
    scale = cache["inv_std"] if gamma is None else gamma.reshape(pshape) * cache["inv_std"]    # γ/σ
    if not cache.get("training", True):
        return dy * scale, dgamma, dbeta
    m = dy.size // dy.shape[cache["param_axis"]]
    dx = dy - cache["x_hat"] * (dgamma / m).reshape(pshape)
    dx -= (dbeta / m).reshape(pshape)
    dx *= scale
    return dx, dgamma, dbeta


# ----------------------------------------------------------------------------------------------
# The five normalizations: a choice of axes each
# ----------------------------------------------------------------------------------------------
def batch_norm(x, gamma=None, beta=None, eps=1e-5):
    """Batch norm with batch statistics (training mode). x: (N, C) or (N, C, *spatial); returns y,
    the same shape. μ_B, σ²_B per channel over N and the spatial axes (m = N·H·W values each),
    biased 1/m variance. :func:`batch_norm_forward` without the cache and the running statistics."""
    y, _ = batch_norm_forward(x, gamma, beta, eps=eps)
    return y


def layer_norm(x, gamma=None, beta=None, eps=1e-5):
    """Layer norm (Ba, Kiros & Hinton 2016): μ, σ² per example (per row) over the last axis.
    x: (..., F); returns y, the same shape."""
    x = as_float_array(x)
    if x.ndim < 1:
        raise ValueError("layer_norm: x must have at least 1 axis (the features); got a scalar")
    check_eps(eps)
    F = x.shape[-1]
    gamma = check_param(gamma, "gamma", F, "feature (last axis)", x.dtype)
    beta = check_param(beta, "beta", F, "feature (last axis)", x.dtype)
    y, _ = norm_forward(x, -1, gamma, beta, param_axis=-1, eps=eps)
    return y


def instance_norm(x, gamma=None, beta=None, eps=1e-5):
    """Instance norm (Ulyanov et al. 2016): μ, σ² per example and channel over the spatial axes.
    x: (N, C, *spatial) with at least one spatial axis; returns y, the same shape."""
    x = check_channels_input(x, "instance_norm", min_ndim=3)
    check_eps(eps)
    C = x.shape[1]
    gamma = check_param(gamma, "gamma", C, "channel", x.dtype)
    beta = check_param(beta, "beta", C, "channel", x.dtype)
    y, _ = norm_forward(x, tuple(range(2, x.ndim)), gamma, beta, param_axis=1, eps=eps)
    return y


def group_norm(x, num_groups, gamma=None, beta=None, eps=1e-5):
    """Group norm (Wu & He 2018): μ, σ² per example and group of C/G channels.

    x: (N, C) or (N, C, *spatial); returns y, the same shape. G = 1 is layer norm over (C, H, W);
    G = C is instance norm. Written as the paper's listing (Wu & He 2018, Figure 3)::

        x = x.reshape(N, G, C // G, H, W)              # the groups get an axis of their own
        x̂ = standardize(x over the axes (C // G, H, W))
        y = x̂.reshape(N, C, H, W) · γ + β              # γ, β per channel
    """
    x = check_channels_input(x, "group_norm")
    check_eps(eps)
    C = x.shape[1]
    check_groups(num_groups, C)
    gamma = check_param(gamma, "gamma", C, "channel", x.dtype)
    beta = check_param(beta, "beta", C, "channel", x.dtype)
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
    dgamma, dbeta, _ = param_grads(dy, cache)
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
    x = as_float_array(x)
    if x.ndim < 1:
        raise ValueError("rms_norm: x must have at least 1 axis (the features); got a scalar")
    if eps is None:
        eps = float(np.finfo(x.dtype).eps)
    check_eps(eps)
    gamma = check_param(gamma, "gamma", x.shape[-1], "feature (last axis)", x.dtype)
    y, _ = norm_forward(x, -1, gamma, None, param_axis=-1, eps=eps, center=False)
    return y
