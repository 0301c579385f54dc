"""check_standardize recognises each classic mistake, accepts right answers, and says so."""

import numpy as np
import pytest

from normlib.lessons.l01_standardization import check_standardize


def _std(X, mean, std):
    return (X - mean) / np.where(std > 0, std, 1.0)


# -- right answers, written three ways ------------------------------------------------------------
def right(X_train, X_test):
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    return _std(X_train, mean, std), _std(X_test, mean, std)


def right_with_eps(X_train, X_test):
    mean, var = X_train.mean(axis=0), X_train.var(axis=0)
    return (X_train - mean) / np.sqrt(var + 1e-5), (X_test - mean) / np.sqrt(var + 1e-5)


def right_with_sklearn(X_train, X_test):
    from sklearn.preprocessing import StandardScaler
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test)


def right_unbiased_lists(X_train, X_test):
    mean, std = X_train.mean(axis=0), X_train.std(axis=0, ddof=1)
    return _std(X_train, mean, std).tolist(), _std(X_test, mean, std).tolist()


# -- one wrong answer per mistake -----------------------------------------------------------------
def stats_of_the_test_set_unbiased(X_train, X_test):          # the same mistake with ddof=1 (issue 20)
    def own(X):
        std = X.std(axis=0, ddof=1)
        return (X - X.mean(axis=0)) / np.where(std > 0, std, 1.0)
    return own(X_train), own(X_test)


def stub_raises(X_train, X_test):
    raise NotImplementedError


def stub_none(X_train, X_test):
    return None


def stats_of_the_test_set(X_train, X_test):
    def own(X):
        return _std(X, X.mean(axis=0), X.std(axis=0))
    return own(X_train), own(X_test)


def train_and_test_together(X_train, X_test):
    both = np.vstack([X_train, X_test])
    mean, std = both.mean(axis=0), both.std(axis=0)
    return _std(X_train, mean, std), _std(X_test, mean, std)


def per_example(X_train, X_test):
    def rows(X):
        return (X - X.mean(axis=1, keepdims=True)) / X.std(axis=1, keepdims=True)
    return rows(X_train), rows(X_test)


def whole_array(X_train, X_test):
    mean, std = X_train.mean(), X_train.std()
    return (X_train - mean) / std, (X_test - mean) / std


def centre_only(X_train, X_test):
    mean = X_train.mean(axis=0)
    return X_train - mean, X_test - mean


def scale_only(X_train, X_test):
    std = np.where(X_train.std(axis=0) > 0, X_train.std(axis=0), 1.0)
    return X_train / std, X_test / std


def nan_for_constant(X_train, X_test):
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    return (X_train - mean) / std, (X_test - mean) / std


def transposed(X_train, X_test):
    a, b = right(X_train, X_test)
    return a.T, b


def swapped(X_train, X_test):
    a, b = right(X_train, X_test)
    return b, a


def in_place(X_train, X_test):
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    X_train -= mean
    X_train /= std
    X_test -= mean
    X_test /= std
    return X_train, X_test


def only_one_array(X_train, X_test):
    return right(X_train, X_test)[0]


def crashes(X_train, X_test):
    return X_train.no_such_attribute


def slightly_off(X_train, X_test):
    a, b = right(X_train, X_test)
    return a, 1.1 * b


@pytest.mark.parametrize("fn", [right, right_with_eps, right_with_sklearn, right_unbiased_lists])
def test_right_answers_pass(fn):
    text = check_standardize(fn)
    assert text.startswith("correct:"), text


@pytest.mark.parametrize("fn", [stub_raises, stub_none])
def test_stub_says_not_implemented_deterministically(fn):
    text = check_standardize(fn)
    assert text.startswith("not implemented yet")
    assert text == check_standardize(fn)


@pytest.mark.parametrize("fn, expected", [
    (stats_of_the_test_set, "X_test_std: standardized with the *test* set's own mean"),
    (stats_of_the_test_set_unbiased, "X_test_std: standardized with the *test* set's own mean"),
    (train_and_test_together, "X_train_std and X_test_std: statistics of train and test together"),
    (per_example, "standardized per example (each row, axis 1)"),
    (whole_array, "one mean and one standard deviation for the whole array"),
    (centre_only, "only centred (x − μ)"),
    (scale_only, "only scaled (x / σ)"),
    (nan_for_constant, "contains NaN or inf: feature 2 is constant in the training set"),
    (transposed, "X_train_std has shape (4, 40)"),
    (swapped, "the results are swapped"),
    (only_one_array, "return a pair (X_train_std, X_test_std)"),
    (crashes, "your function raised AttributeError"),
    (slightly_off, "feature 0 of X_test_std is not right"),
])
def test_each_mistake_is_explained(fn, expected):
    text = check_standardize(fn)
    assert text.startswith("not yet:"), text
    assert expected in text, text
    assert "correct" not in text


def test_in_place_modification_is_flagged_even_when_the_numbers_are_right():
    text = check_standardize(in_place)
    assert text.startswith("almost:"), text
    assert "X_train and X_test were modified in place" in text


def test_the_right_answer_on_its_own_leaves_no_in_place_remark():
    assert "in place" not in check_standardize(right)


def test_nan_warning_is_not_printed(recwarn):
    check_standardize(nan_for_constant)
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


def test_bad_call():
    with pytest.raises(TypeError, match="fn must be your function"):
        check_standardize(np.zeros(3))
