"""Instance and group norm on convolutional feature maps: the experiments behind notebook 08.

- :func:`photo_tensor`, :func:`adjust` — a real photograph as an (1, 3, H, W) tensor, and the same
  photograph with its contrast and brightness changed: x' = a·x + b.
- :func:`group_stats` — the μ and σ² each group of channels gets, per example (what GN computes).
- :func:`batch_size_sweep` — Wu & He (2018), Figure 1, at laptop scale: the tiny conv net of
  :func:`normlib.conv.conv_net` trained with BN and with GN at several batch sizes (cached, so
  the notebook and its explorer share one run).
- ``PAPER_ERROR`` — the numbers of that figure (ResNet-50, ImageNet validation error, %).
"""

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ...conv import conv_net
from ...nn import one_blas_thread
from ...data import load_digits, sample_photo
from ...functional import _as_float_array, check_groups
from ...nn import fit
from ...probe import precise_bn

__all__ = ["photo_tensor", "adjust", "group_stats", "batch_size_sweep", "BatchSizeSweep",
           "PAPER_BATCH", "PAPER_ERROR", "precise_bn", "to_display"]

# Wu & He (2018), Figure 1 / Table 2: ResNet-50 on ImageNet, validation error (%) vs images per GPU.
PAPER_BATCH = (32, 16, 8, 4, 2)
PAPER_ERROR = {"bn": (23.6, 23.7, 24.8, 27.3, 34.7), "gn": (24.1, 24.2, 24.0, 24.2, 24.1)}


def photo_tensor(step=2, dtype=np.float32):
    """Matplotlib's photograph of Grace Hopper as a (1, 3, H, W) tensor in [0, 1], every
    ``step``-th pixel (the image is 600 × 512; step 2 gives 300 × 256)."""
    img = sample_photo(dtype=dtype)[::step, ::step]
    return np.ascontiguousarray(img.transpose(2, 0, 1)[None])


def adjust(x, contrast=1.0, brightness=0.0, clip=False):
    """The photograph with contrast ``a`` and brightness ``b``: x' = a·x + b, per pixel and channel.

    ``clip=True`` then saturates to [0, 1], as a camera or an 8-bit file would. Without clipping,
    instance norm removes a and b exactly (up to ε):
    IN(a·x + b) = (a·x + b − (a·μ + b)) / √(a²σ² + ε) = (x − μ)/√(σ² + ε/a²) ≈ IN(x) for a > 0.
    """
    x = _as_float_array(x)
    if not np.isscalar(contrast) or not contrast > 0:
        raise ValueError(f"contrast must be a number > 0; got {contrast!r}")
    if not np.isscalar(brightness) or not np.isfinite(brightness):
        raise ValueError(f"brightness must be a finite number; got {brightness!r}")
    y = x * x.dtype.type(contrast) + x.dtype.type(brightness)
    return np.clip(y, 0, 1) if clip else y


SHOW = 0.18          # standardized values are shown as 0.5 + SHOW·x̂: x̂ = ±2.8 → black or white


def to_display(x_hat):
    """A fixed map from standardized values to display intensities in [0, 1] (the same for every
    input, so that a picture changes only if the values do)."""
    return np.clip(0.5 + SHOW * x_hat, 0, 1)


def group_stats(x, num_groups):
    """The mean and biased variance of every (example, group of C/G channels) set of x (N, C, H, W).

    Returns ``(mean, var)``, each of shape (N, G): the μ_i, σ²_i group norm standardizes with.
    G = 1 gives layer norm's statistics, G = C instance norm's.
    """
    x = _as_float_array(x)
    if x.ndim < 3:
        raise ValueError(f"x must have shape (N, C, *spatial); got shape {x.shape}")
    check_groups(num_groups, x.shape[1])
    g = x.reshape(x.shape[0], num_groups, -1)
    return g.mean(axis=2), g.var(axis=2)


@dataclass
class BatchSizeSweep:
    """Results of :func:`batch_size_sweep`: ``error[norm]`` is the test error (%) at each of
    ``batch_sizes``; ``steps`` the SGD steps at each; ``models[norm][B]`` the trained networks."""

    batch_sizes: tuple
    error: dict
    steps: tuple
    models: dict
    settings: dict


@lru_cache(maxsize=2)
def batch_size_sweep(batch_sizes=(2, 4, 8, 16, 32), norms=("bn", "gn"), epochs=3, base_lr=0.4,
                     channels=8, groups=4, seed=0):
    """Train :func:`normlib.conv.conv_net` with each norm at each batch size (cached per settings).

    As in Wu & He (2018), every run sees the same number of training examples (``epochs`` passes
    over the 1,348 training digits, so batch B takes epochs·1348/B steps), the learning rate
    follows the linear scaling rule of Goyal et al. (2017), lr = base_lr · B/32 (SGD, momentum
    0.9), and it is divided by 10 for the last third of training (the paper divides it by 10 at
    30, 60 and 90 of its 100 epochs). Test error is measured in eval mode: BN with its running
    statistics, GN exactly as in training. Every run starts from the same weights (``seed``).
    """
    d = load_digits(images=True, seed=seed)
    n = len(d.X_train)
    error, models, steps = {}, {}, []
    with one_blas_thread():
        for norm in norms:
            error[norm], models[norm] = [], {}
            for B in batch_sizes:
                model = conv_net(norm, channels=channels, groups=groups, seed=seed)
                k = epochs * n // B
                k1 = 2 * k // 3
                fit(model, d.X_train, d.y_train, steps=k1, batch_size=B, lr=base_lr * B / 32,
                    momentum=0.9, seed=seed)
                h = fit(model, d.X_train, d.y_train, steps=k - k1, batch_size=B, lr=base_lr * B / 320,
                        momentum=0.9, seed=seed + 1, X_test=d.X_test, y_test=d.y_test)
                error[norm].append(100 * (1 - h.test_accuracy[-1]))
                models[norm][B] = model
                if norm == norms[0]:
                    steps.append(k)
            error[norm] = np.array(error[norm])
    return BatchSizeSweep(tuple(batch_sizes), error, tuple(steps), models,
                          dict(epochs=epochs, base_lr=base_lr, channels=channels, groups=groups, seed=seed))
