import numpy as np

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
