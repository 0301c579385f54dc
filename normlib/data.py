"""The course's real data, available offline: the 8×8 handwritten digits, shipped with normlib
(normlib/digits.npz, 45 kB), and matplotlib's bundled sample photograph.

The digits are the UCI "Optical Recognition of Handwritten Digits" test set, the 1,797 images
scikit-learn bundles as ``sklearn.datasets.load_digits``, in the same order: E. Alpaydin and
C. Kaynak, "Optical Recognition of Handwritten Digits", UCI Machine Learning Repository, 1998,
DOI 10.24432/C50P49, licensed CC BY 4.0 (see normlib/digits.README.md).
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

DIGITS_FILE = Path(__file__).resolve().parent / "digits.npz"

__all__ = ["load_digits", "Digits", "digits_raw", "sample_photo"]


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
    """The 1,797 8×8 digits (pixel values 0–16), split into train and test (a permutation drawn
    with ``seed``; the first ``round(test_fraction · 1797)`` of it are the test set).

    ``standardize`` makes every pixel mean 0, variance 1 over the training set (pixels that are
    constant in training, such as some corners, are only centred). ``images=True`` returns X with
    shape (N, 1, 8, 8) instead of (N, 64).
    """
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be in (0, 1); got {test_fraction!r}")
    X, y = digits_raw()
    X, y = X.astype(np.float64), y.astype(np.int64)
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


def digits_raw():
    """The 1,797 digits as shipped: pixels (1797, 64) uint8 in 0–16 and labels (1797,) uint8 in
    0–9, in scikit-learn's order (row i is ``sklearn.datasets.load_digits().data[i]``)."""
    with np.load(DIGITS_FILE) as f:
        images, labels = f["images"], f["labels"]
    return images.reshape(len(images), 64), labels


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
