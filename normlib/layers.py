"""Normalization layers: forward/backward pairs with PyTorch's names and semantics.

Every layer is a thin wrapper over one forward/backward pair of :mod:`normlib.functional`
(``BatchNorm`` over ``batch_norm_forward``/``batch_norm_backward``, ``LayerNorm`` over the layer-norm
pair, and so on): ``forward(x)`` keeps the pair's cache, ``backward(dy)`` returns dx and fills
``dgamma`` and ``dbeta``. The layer checks what only it knows (its number of features); the
functional checks the rest of the input, once.
"""

import numpy as np

from . import functional as F
from .checks import as_float_array, check_eps, check_groups
from .module import Module, positive_int

__all__ = ["BatchNorm", "LayerNorm", "InstanceNorm", "GroupNorm", "RMSNorm"]


class _Norm(Module):
    """Shared machinery: γ, β of length ``num_features`` along ``param_axis``, the input and dy checks.

    Class attributes a subclass sets: ``functional_backward`` (the backward of its functional pair),
    ``param_axis`` (1, the channels, or −1, the features), ``center`` (False: no centring and no β),
    ``min_ndim`` and ``expected_shape`` (for the message on a wrong input) and ``feature_word``.
    """

    param_names = ("gamma", "beta")
    param_axis = 1
    feature_word = "channel"
    center = True
    min_ndim = 2
    expected_shape = "(N, C) or (N, C, *spatial)"

    def __init__(self, num_features, eps=1e-5, affine=True, dtype=np.float32):
        self.num_features = positive_int(num_features, "num_features")
        check_eps(eps)
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
        """What only the layer knows: x has ``num_features`` entries on its parameter axis (the
        message names the layer). The functional it calls checks the rest (a float array, ε, …)."""
        shape = np.shape(x)
        if len(shape) < self.min_ndim:
            raise ValueError(f"{type(self).__name__}: x must have at least {self.min_ndim} axes "
                             f"({self.expected_shape}); got shape {shape}")
        axis = self.param_axis % len(shape)
        if shape[axis] != self.num_features:
            raise ValueError(f"{type(self).__name__}({self.num_features}) expects {self.num_features} "
                             f"{self.feature_word}s on axis {axis} of x; got shape {shape}")
        return x

    def _check_dy(self, dy):
        cache = self._require_cache()
        dy = as_float_array(dy, "dy")
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
        ``dgamma`` and ``dbeta``: the backward of the layer's pair in :mod:`normlib.functional`
        (``functional_backward``, e.g. :func:`~normlib.functional.layer_norm_backward`)."""
        dy, cache = self._check_dy(dy)
        dx, dgamma, dbeta = self.functional_backward(dy, cache)
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

    functional_backward = staticmethod(F.batch_norm_backward)

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
        (and the running estimates move); eval mode: the running estimates. All of it is
        :func:`normlib.functional.batch_norm_forward`."""
        x = self._check_input(x)
        y, self._cache = F.batch_norm_forward(x, self.gamma, self.beta, self.running_mean, self.running_var,
                                              self.training, self.batch_momentum(), self.eps,
                                              name=f"{type(self).__name__} in training mode")
        if self.training:
            self.num_batches_tracked += 1
        return y

    def batch_momentum(self):
        """The weight of the next training batch in the running update: ``momentum``, or 1/k for
        the k-th batch when ``momentum`` is None (the cumulative average)."""
        return 1.0 / (self.num_batches_tracked + 1) if self.momentum is None else self.momentum

    def extra_repr(self):
        return super().extra_repr() + f", momentum={self.momentum}"


class LayerNorm(_Norm):
    """Layer normalization (Ba, Kiros & Hinton 2016): per example over the last axis (the features).

    The same computation in training and in inference: it never looks at other examples.
    """

    functional_backward = staticmethod(F.layer_norm_backward)
    param_axis = -1
    feature_word = "feature"
    min_ndim = 1
    expected_shape = "(..., num_features)"

    def forward(self, x):
        """x: (..., num_features); returns y, the same shape."""
        x = self._check_input(x)
        y, self._cache = F.layer_norm_forward(x, self.gamma, self.beta, self.eps)
        return y


class RMSNorm(_Norm):
    """RMS normalization (Zhang & Sennrich 2019): y = γ · x / √(mean(x²) + ε) over the last axis.

    Layer norm without the centring and without β. ``eps=None`` uses the dtype's machine epsilon
    (PyTorch's default).
    """

    functional_backward = staticmethod(F.rms_norm_backward)
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
        y, self._cache = F.rms_norm_forward(x, self.gamma, self.eps)
        return y


class InstanceNorm(_Norm):
    """Instance normalization (Ulyanov et al. 2016): per example and channel over the spatial axes.

    x: (N, C, *spatial). As in PyTorch, ``affine`` is False by default and no running statistics
    are kept: inference uses the statistics of the instance itself, exactly as training does.
    """

    functional_backward = staticmethod(F.instance_norm_backward)
    min_ndim = 3
    expected_shape = "(N, C, *spatial), at least one spatial axis"

    def __init__(self, num_features, eps=1e-5, affine=False, dtype=np.float32):
        super().__init__(num_features, eps, affine, dtype)

    def forward(self, x):
        """x: (N, C, *spatial); returns y, the same shape."""
        x = self._check_input(x)
        y, self._cache = F.instance_norm_forward(x, self.gamma, self.beta, self.eps)
        return y


class GroupNorm(_Norm):
    """Group normalization (Wu & He 2018): per example over groups of C/G channels (and space).

    ``GroupNorm(1, C)`` is layer norm over (C, H, W); ``GroupNorm(C, C)`` is instance norm (both with
    per-channel γ and β). Identical in training and inference. As in the paper's listing, the
    channels are reshaped into (G, C/G) and standardized over (C/G, *spatial); γ and β stay per channel.
    """

    functional_backward = staticmethod(F.group_norm_backward)

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, dtype=np.float32):
        num_channels = positive_int(num_channels, "num_channels")
        check_groups(num_groups, num_channels)
        super().__init__(num_channels, eps, affine, dtype)
        self.num_groups = int(num_groups)

    def forward(self, x):
        """x: (N, C) or (N, C, *spatial); returns y, the same shape."""
        x = self._check_input(x)
        y, self._cache = F.group_norm_forward(x, self.num_groups, self.gamma, self.beta, self.eps)
        return y

    def extra_repr(self):
        return f"{self.num_groups}, {self.num_features}, eps={self.eps:g}, affine={self.affine}"
