import numpy as np
import pytest

import normlib as nl


def test_digits_split_and_standardized_with_training_statistics():
    d = nl.load_digits(test_fraction=0.25, seed=0)
    assert d.X_train.shape == (1348, 64) and d.X_test.shape == (449, 64)
    assert d.X_train.dtype == np.float32 and d.y_train.dtype == np.int64
    assert set(np.unique(d.y_train)) == set(range(10))
    varying = d.std != 1
    np.testing.assert_allclose(d.X_train.mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(d.X_train[:, varying].std(0), 1, atol=1e-4)
    # the test set is standardized with the training statistics, so it is not exactly 0/1
    assert np.abs(d.X_test.mean(0)).max() > 1e-3
    raw = nl.load_digits(standardize=False)
    np.testing.assert_allclose(d.X_train * d.std + d.mean, raw.X_train, atol=1e-4)
    assert raw.X_train.max() == 16


def test_digits_seed_and_image_shape():
    a, b = nl.load_digits(seed=1), nl.load_digits(seed=1, images=True)
    assert b.X_train.shape == (1348, 1, 8, 8)
    np.testing.assert_array_equal(a.X_train, b.X_train.reshape(-1, 64))
    assert not np.array_equal(a.y_train, nl.load_digits(seed=2).y_train)


def test_sample_photo():
    rgb, gray = nl.sample_photo(), nl.sample_photo(gray=True)
    assert rgb.shape == (600, 512, 3) and gray.shape == (600, 512)
    assert 0 <= rgb.min() and rgb.max() <= 1 and rgb.std() > 0.1


def test_shipped_digits_equal_scikit_learns_copy_in_order():
    """normlib/digits.npz is scikit-learn's bundled copy of the UCI digits, value for value and in the
    same order, so every split (and every saved notebook output) is the one scikit-learn's gave."""
    datasets = pytest.importorskip("sklearn.datasets")
    ref = datasets.load_digits()
    X, y = nl.data.digits_raw()
    assert X.dtype == np.uint8 and y.dtype == np.uint8
    np.testing.assert_array_equal(X.astype(np.float64), ref.data)
    np.testing.assert_array_equal(y.astype(np.int64), ref.target)
    # the split as it was computed from scikit-learn's arrays before the data shipped with normlib
    Xr, yr = ref.data, ref.target
    order = np.random.default_rng(3).permutation(len(Xr))
    test, train = order[:180], order[180:]
    d = nl.load_digits(test_fraction=0.1, seed=3, standardize=False, dtype=np.float64)
    np.testing.assert_array_equal(d.X_train, Xr[train])
    np.testing.assert_array_equal(d.y_test, yr[test])


def test_shipped_digits_without_scikit_learn():
    """Independent of scikit-learn: the published counts of the UCI test set (optdigits.tes)."""
    X, y = nl.data.digits_raw()
    assert X.shape == (1797, 64) and y.shape == (1797,)
    assert 0 == X.min() and X.max() == 16
    # class counts of optdigits.tes as the UCI page lists them
    assert np.bincount(y).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    assert (nl.data.DIGITS_FILE.stat().st_size) < 100_000
    assert "CC BY 4.0" in nl.data.DIGITS_FILE.with_name("digits.README.md").read_text()
