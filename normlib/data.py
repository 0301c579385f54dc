"""The course's real data, available offline: scikit-learn's bundled 8×8 handwritten digits and
matplotlib's bundled sample photograph."""

from dataclasses import dataclass

import numpy as np

__all__ = ["load_digits", "Digits", "sample_photo"]


@dataclass
class Digits:
    """A seeded train/test split of the digits. ``mean`` and ``std`` are the *training* pixel
    statistics used to standardize both sets (never statistics of the test set)."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    mean: np.ndarray
    std: np.ndarray


def load_digits(test_fraction=0.25, seed=0, standardize=True, images=False, dtype=np.float32):
    """The 1,797 8×8 digits (pixel values 0–16), split into train and test.

    ``standardize`` makes every pixel mean 0, variance 1 over the training set (pixels that are
    constant in training, such as some corners, are only centred). ``images=True`` returns X with
    shape (N, 1, 8, 8) instead of (N, 64).
    """
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be in (0, 1); got {test_fraction!r}")
    from sklearn.datasets import load_digits as _load

    bunch = _load()
    X, y = bunch.data.astype(np.float64), bunch.target.astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(X))
    n_test = int(round(test_fraction * len(X)))
    test, train = order[:n_test], order[n_test:]
    mean = X[train].mean(axis=0) if standardize else np.zeros(X.shape[1])
    std = X[train].std(axis=0) if standardize else np.ones(X.shape[1])
    std = np.where(std > 0, std, 1.0)
    Xs = ((X - mean) / std).astype(dtype)
    if images:
        Xs = Xs.reshape(-1, 1, 8, 8)
    return Digits(Xs[train], y[train], Xs[test], y[test], mean.astype(dtype), std.astype(dtype))


def sample_photo(gray=False, dtype=np.float32):
    """Matplotlib's bundled photograph of Grace Hopper, values in [0, 1]: shape (H, W, 3), or
    (H, W) with ``gray=True`` (ITU-R 601 luma weights)."""
    import matplotlib.cbook as cbook
    import matplotlib.image as mimage

    with cbook.get_sample_data("grace_hopper.jpg") as f:
        img = mimage.imread(f, format="jpg").astype(np.float64) / 255.0
    if gray:
        img = img @ np.array([0.299, 0.587, 0.114])
    return img.astype(dtype)
