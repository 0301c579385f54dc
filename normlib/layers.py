"""Normalization layers: forward/backward pairs with PyTorch's names and semantics.

Every layer here is :func:`normlib.functional.norm_forward` with a choice of axes (group norm reshapes
its channels into groups first). Each stores what backward needs during ``forward(x)``;
``backward(dy)`` returns dx and fills ``dgamma`` and ``dbeta``.
"""

import numpy as np

from . import functional as F
from .module import Module, positive_int as _positive_int

__all__ = ["BatchNorm", "LayerNorm", "InstanceNorm", "GroupNorm", "RMSNorm"]


class _Norm(Module):
    """Shared machinery: γ, β of length ``num_features`` along ``param_axis``; subclasses pick axes.

    Class attributes a subclass sets: ``param_axis`` (1, the channels, or −1, the features),
    ``center`` (False: no centring and no β), ``min_ndim`` and ``expected_shape`` (for the message
    on a wrong input) and ``feature_word``.
    """

    param_names = ("gamma", "beta")
    param_axis = 1
    feature_word = "channel"
    center = True
    min_ndim = 2
    expected_shape = "(N, C) or (N, C, *spatial)"

    def __init__(self, num_features, eps=1e-5, affine=True, dtype=np.float32):
        self.num_features = _positive_int(num_features, "num_features")
        F._check_eps(eps)
        self.eps = float(eps)
        self.affine = bool(affine)
        self.dtype = np.dtype(dtype)
        if not np.issubdtype(self.dtype, np.floating):
            raise TypeError(f"dtype must be a floating-point type (np.float32 or np.float64); got {self.dtype}")
        self.gamma = np.ones(num_features, self.dtype) if affine else None
        self.beta = np.zeros(num_features, self.dtype) if affine and self.center else None
        self.dgamma = self.dbeta = None
        self._cache = None

    def _check_input(self, x):
        x = F._as_float_array(x)
        if x.ndim < self.min_ndim:
            raise ValueError(f"{type(self).__name__}: x must have at least {self.min_ndim} axes "
                             f"({self.expected_shape}); got shape {x.shape}")
        axis = self.param_axis % x.ndim
        if x.shape[axis] != self.num_features:
            raise ValueError(f"{type(self).__name__}({self.num_features}) expects {self.num_features} "
                             f"{self.feature_word}s on axis {axis} of x; got shape {x.shape}")
        return x

    def _params(self, x):
        cast = lambda p: None if p is None else p.astype(x.dtype, copy=False)
        return cast(self.gamma), cast(self.beta)

    def _normalize(self, x, axes):
        """norm_forward over ``axes``; keeps its cache for backward."""
        gamma, beta = self._params(x)
        y, self._cache = F.norm_forward(x, axes, gamma, beta, self.param_axis % x.ndim, self.eps,
                                        center=self.center)
        return y

    def _check_dy(self, dy):
        cache = self._require_cache()
        dy = F._as_float_array(dy, "dy")
        if dy.shape != cache["x_hat"].shape:
            raise ValueError(f"dy must have the shape of the last forward output {cache['x_hat'].shape}; "
                             f"got {dy.shape}")
        return dy, cache

    def _keep_param_grads(self, dgamma, dbeta):
        if self.gamma is not None:
            self.dgamma = dgamma.astype(self.dtype, copy=False)
        if self.beta is not None:
            self.dbeta = dbeta.astype(self.dtype, copy=False)

    def backward(self, dy):
        """dy: the shape of the last forward's output; returns dx, the same shape, and fills
        ``dgamma`` and ``dbeta`` (sums over every axis but the parameter axis)."""
        dy, cache = self._check_dy(dy)
        dx, dgamma, dbeta = F.norm_backward(dy, cache)
        self._keep_param_grads(dgamma, dbeta)
        return dx

    def extra_repr(self):
        return f"{self.num_features}, eps={self.eps:g}, affine={self.affine}"


class BatchNorm(_Norm):
    """Batch normalization (Ioffe & Szegedy 2015) for x of shape (N, C) or (N, C, *spatial).

    Training mode normalizes with the batch's μ_B and biased σ²_B per channel (over N and the
    spatial axes) and updates the running estimates, PyTorch's way::

        running_mean ← (1 − momentum) · running_mean + momentum · μ_B
        running_var  ← (1 − momentum) · running_var  + momentum · σ²_B · m/(m − 1)

    ``momentum`` is the weight of the *new* batch (0.1 by default; some course materials use 0.9 for
    the weight of the *old* value — the same average written the other way round). The stored variance
    is the unbiased m/(m − 1) estimate, as in the paper's Algorithm 2. ``momentum=None`` keeps a
    cumulative (equal-weight) average of all batches seen, which is Algorithm 2's population estimate.
    Eval mode normalizes with the running estimates: one affine map per channel, so it works on a
    batch of one and does not depend on the other examples in the batch.
    """

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, dtype=np.float32):
        super().__init__(num_features, eps, affine, dtype)
        if momentum is not None and (isinstance(momentum, bool) or not np.isscalar(momentum)
                                     or not 0 < momentum <= 1):
            raise ValueError(f"momentum must be in (0, 1] (the weight of the new batch, PyTorch's "
                             f"convention; 0.1 is the usual value) or None; got {momentum!r}")
        self.momentum = momentum
        self.running_mean = np.zeros(num_features, self.dtype)
        self.running_var = np.ones(num_features, self.dtype)
        self.num_batches_tracked = 0

    def forward(self, x):
        """x: (N, C) or (N, C, *spatial); returns y, the same shape. Training mode: batch statistics
        (and the running estimates move); eval mode: the running estimates."""
        x = self._check_input(x)
        axes = F.batch_norm_axes(x.ndim)
        if not self.training:
            return self._forward_eval(x, axes)
        F.check_batch_stats(x, "BatchNorm in training mode")
        y = self._normalize(x, axes)
        self._update_running_stats(x)
        return y

    def _update_running_stats(self, x):
        m = x.size // x.shape[1]
        mean = self._cache["mean"].reshape(-1)
        var = self._cache["var"].reshape(-1)
        self.num_batches_tracked += 1
        w = 1.0 / self.num_batches_tracked if self.momentum is None else self.momentum
        self.running_mean = ((1 - w) * self.running_mean + w * mean).astype(self.dtype)
        self.running_var = ((1 - w) * self.running_var + w * var * m / (m - 1)).astype(self.dtype)

    def _forward_eval(self, x, axes):
        """y = γ (x − running_mean) / √(running_var + ε) + β, one affine map per channel. The cache
        has norm_forward's keys, with the running statistics as mean and var."""
        pshape = [1] * x.ndim
        pshape[1] = x.shape[1]
        mean = self.running_mean.astype(x.dtype).reshape(pshape)
        var = self.running_var.astype(x.dtype).reshape(pshape)
        inv_std = (1.0 / np.sqrt(self.running_var.astype(np.float64) + self.eps)).astype(x.dtype).reshape(pshape)
        gamma, beta = self._params(x)
        x_hat = (x - mean) * inv_std
        y = x_hat if gamma is None else x_hat * gamma.reshape(pshape)
        y = y if beta is None else y + beta.reshape(pshape)
        self._cache = dict(x_hat=x_hat, mean=mean, var=var, inv_std=inv_std, axes=axes, center=True,
                           gamma=gamma, pshape=pshape, param_axis=1, training=False)
        return y

    def backward(self, dy):
        """dy: the shape of the last forward's output; returns dx and fills dγ, dβ. Training mode:
        :func:`normlib.functional.batch_norm_backward`. Eval mode is a fixed affine map per channel,
        so dx = γ / √(running_var + ε) · dy."""
        dy, cache = self._check_dy(dy)
        if cache.get("training", True):
            dx, dgamma, dbeta = F.batch_norm_backward(dy, cache)
        else:
            dgamma, dbeta, _ = F._param_grads(dy, cache)
            gamma = cache["gamma"]
            dx = dy * (cache["inv_std"] if gamma is None else cache["inv_std"] * gamma.reshape(cache["pshape"]))
        self._keep_param_grads(dgamma, dbeta)
        return dx

    def extra_repr(self):
        return super().extra_repr() + f", momentum={self.momentum}"


class LayerNorm(_Norm):
    """Layer normalization (Ba, Kiros & Hinton 2016): per example over the last axis (the features).

    The same computation in training and in inference: it never looks at other examples.
    """

    param_axis = -1
    feature_word = "feature"
    min_ndim = 1
    expected_shape = "(..., num_features)"

    def forward(self, x):
        """x: (..., num_features); returns y, the same shape."""
        x = self._check_input(x)
        return self._normalize(x, (x.ndim - 1,))


class RMSNorm(_Norm):
    """RMS normalization (Zhang & Sennrich 2019): y = γ · x / √(mean(x²) + ε) over the last axis.

    Layer norm without the centring and without β. ``eps=None`` uses the dtype's machine epsilon
    (PyTorch's default).
    """

    param_names = ("gamma",)
    param_axis = -1
    feature_word = "feature"
    min_ndim = 1
    expected_shape = "(..., num_features)"
    center = False

    def __init__(self, num_features, eps=None, affine=True, dtype=np.float32):
        super().__init__(num_features, np.finfo(dtype).eps if eps is None else eps, affine, dtype)

    def forward(self, x):
        """x: (..., num_features); returns y, the same shape."""
        x = self._check_input(x)
        return self._normalize(x, (x.ndim - 1,))


class InstanceNorm(_Norm):
    """Instance normalization (Ulyanov et al. 2016): per example and channel over the spatial axes.

    x: (N, C, *spatial). As in PyTorch, ``affine`` is False by default and no running statistics
    are kept: inference uses the statistics of the instance itself, exactly as training does.
    """

    min_ndim = 3
    expected_shape = "(N, C, *spatial), at least one spatial axis"

    def __init__(self, num_features, eps=1e-5, affine=False, dtype=np.float32):
        super().__init__(num_features, eps, affine, dtype)

    def forward(self, x):
        """x: (N, C, *spatial); returns y, the same shape."""
        x = self._check_input(x)
        return self._normalize(x, tuple(range(2, x.ndim)))


class GroupNorm(_Norm):
    """Group normalization (Wu & He 2018): per example over groups of C/G channels (and space).

    ``GroupNorm(1, C)`` is layer norm over (C, H, W); ``GroupNorm(C, C)`` is instance norm (both with
    per-channel γ and β). Identical in training and inference. As in the paper's listing, the
    channels are reshaped into (G, C/G) and standardized over (C/G, *spatial); γ and β stay per channel.
    """

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, dtype=np.float32):
        num_channels = _positive_int(num_channels, "num_channels")
        F.check_groups(num_groups, num_channels)
        super().__init__(num_channels, eps, affine, dtype)
        self.num_groups = int(num_groups)

    def forward(self, x):
        """x: (N, C) or (N, C, *spatial); returns y, the same shape."""
        x = self._check_input(x)
        gamma, beta = self._params(x)
        y, self._cache = F.group_norm_forward(x, self.num_groups, gamma, beta, self.eps)
        return y

    def backward(self, dy):
        """dy: (N, C, *spatial); returns dx and fills dγ, dβ."""
        dy, cache = self._check_dy(dy)
        dx, dgamma, dbeta = F.group_norm_backward(dy, cache)
        self._keep_param_grads(dgamma, dbeta)
        return dx

    def extra_repr(self):
        return f"{self.num_groups}, {self.num_features}, eps={self.eps:g}, affine={self.affine}"
