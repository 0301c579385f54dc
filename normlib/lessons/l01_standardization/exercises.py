"""Exercise checker for notebook 01: standardize a training and a test set with *training* statistics.

The student writes ``standardize_features(X_train, X_test) -> (X_train_std, X_test_std)``.
:func:`check_standardize` runs it on cases of its own (seeded, not shown to the student) and, when
the answer is wrong, recognises the classic mistakes and explains them:

* statistics of the test set used for the test set, or of train and test together;
* statistics along the wrong axis (per example, or one μ, σ for the whole array);
* only centring, or only scaling;
* NaN or inf for a feature that is constant in the training set (σ = 0);
* wrong shape (or the two results swapped);
* the inputs modified in place.
"""

import numpy as np

from ...i18n import t

__all__ = ["check_standardize"]

_RTOL, _ATOL = 1e-4, 1e-6


def _cases():
    """Two training/test pairs. The test sets come from a shifted, rescaled distribution, so
    statistics taken from them give visibly different numbers; feature 2 of each is constant in
    training (and, at the same value, in test)."""
    rng = np.random.default_rng(20150211)
    cases = []
    for n_train, n_test, d in ((40, 15, 4), (25, 7, 3)):
        loc = rng.uniform(-5, 5, d)
        scale = rng.uniform(0.5, 20, d)
        X_train = loc + scale * rng.standard_normal((n_train, d))
        X_test = loc + 1.5 * scale + 2.0 * scale * rng.standard_normal((n_test, d))
        X_train[:, 2] = X_test[:, 2] = 3.0
        cases.append((X_train, X_test))
    return cases


def _standardize(X, mean, std):
    std = np.where(std > 0, std, 1.0)
    return (X - mean) / std


def _candidates(X_train, X_test):
    """What each way of computing it gives: name → (train output, test output)."""
    mu, sd = X_train.mean(axis=0), X_train.std(axis=0)
    both = np.vstack([X_train, X_test])
    mu_b, sd_b = both.mean(axis=0), both.std(axis=0)

    def rows(X):
        return _standardize(X, X.mean(axis=1, keepdims=True), X.std(axis=1, keepdims=True))

    def whole(X):
        return (X - X.mean()) / X.std()

    return {
        "right": (_standardize(X_train, mu, sd), _standardize(X_test, mu, sd)),
        "right_ddof1": (_standardize(X_train, mu, X_train.std(axis=0, ddof=1)),
                        _standardize(X_test, mu, X_train.std(axis=0, ddof=1))),
        "test_stats": (None, _standardize(X_test, X_test.mean(axis=0), X_test.std(axis=0))),
        "test_stats_ddof1": (None, _standardize(X_test, X_test.mean(axis=0), X_test.std(axis=0, ddof=1))),
        "both_stats": (_standardize(X_train, mu_b, sd_b), _standardize(X_test, mu_b, sd_b)),
        "per_example": (rows(X_train), rows(X_test)),
        "whole_array": (whole(X_train), (X_test - X_train.mean()) / X_train.std()),
        "whole_array_own": (None, whole(X_test)),
        "center_only": (X_train - mu, X_test - mu),
        "scale_only": (X_train / np.where(sd > 0, sd, 1.0), X_test / np.where(sd > 0, sd, 1.0)),
    }


def _explain(mistake, which):
    """The explanation of a known mistake, in the reader's language (keys "l01.check.mistake.*")."""
    key = "test_stats" if mistake == "test_stats_ddof1" else mistake   # the same mistake, σ's 1/(n − 1)
    return t(f"l01.check.mistake.{key}", which=which)


_ORDER = ("test_stats", "test_stats_ddof1", "both_stats", "per_example", "whole_array", "whole_array_own", "center_only",
          "scale_only")


def _close(a, b):
    return b is not None and a.shape == b.shape and np.allclose(a, b, rtol=_RTOL, atol=_ATOL)


def _mistake(got, cands, index):
    """The name of the known mistake that ``got`` (X_train_std if index 0, X_test_std if 1)
    matches, or None."""
    return next((name for name in _ORDER if _close(got, cands[name][index])), None)


def _describe_columns(got, want, X_name):
    """A hint when no known mistake matches: the first feature that differs."""
    bad = ~np.all(np.isclose(got, want, rtol=_RTOL, atol=_ATOL), axis=0)
    j = int(np.flatnonzero(bad)[0])
    return t("l01.check.column", j=j, name=X_name, mean=got[:, j].mean(), std=got[:, j].std(),
             want_mean=want[:, j].mean(), want_std=want[:, j].std())


def _check_case(fn, X_train, X_test):
    """Returns (problem sentence or None, remark or None) for one case."""
    tr, te = X_train.copy(), X_test.copy()
    try:
        with np.errstate(all="ignore"):            # a 0/0 is explained below, not warned about
            out = fn(tr, te)
    except NotImplementedError:
        return "NOT_IMPLEMENTED", None
    except Exception as err:                       # the student's code failed: say how, plainly
        return t("checking.raised_in_function", error=type(err).__name__, message=err), None
    if out is None:
        return "NOT_IMPLEMENTED", None
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        if isinstance(out, (tuple, list)):
            return t("l01.check.not_pair_length", kind=type(out).__name__, length=len(out)), None
        return t("l01.check.not_pair", kind=type(out).__name__), None
    try:
        got_tr, got_te = (np.asarray(o, dtype=np.float64) for o in out)
    except (TypeError, ValueError):
        return t("l01.check.not_numbers"), None

    modified = [name for name, a, orig in (("X_train", tr, X_train), ("X_test", te, X_test))
                if a.shape != orig.shape or not np.array_equal(a, orig)]
    remark = None
    if modified:
        remark = t("l01.check.modified_one" if len(modified) == 1 else "l01.check.modified_many",
                   names=t("l01.check.and").join(modified))

    if got_tr.shape == X_test.shape and got_te.shape == X_train.shape and X_train.shape != X_test.shape:
        return (t("l01.check.swapped"), remark)
    for name, got, want in (("X_train_std", got_tr, X_train), ("X_test_std", got_te, X_test)):
        if got.shape != want.shape:
            return (t("l01.check.shape", name=name, shape=got.shape, want=want.shape), remark)

    for name, got in (("X_train_std", got_tr), ("X_test_std", got_te)):
        bad = ~np.isfinite(got)
        if bad.any():
            j = int(np.flatnonzero(bad.any(axis=0))[0])
            const = X_train[:, j].std() == 0
            why = t("l01.check.constant", j=j) if const else t("l01.check.not_finite", j=j)
            return t("l01.check.nan", name=name, why=why), remark

    cands = _candidates(X_train, X_test)
    ok_tr = _close(got_tr, cands["right"][0]) or _close(got_tr, cands["right_ddof1"][0])
    ok_te = _close(got_te, cands["right"][1]) or _close(got_te, cands["right_ddof1"][1])
    if ok_tr and ok_te:
        return None, remark
    m_tr = None if ok_tr else _mistake(got_tr, cands, 0)
    m_te = None if ok_te else _mistake(got_te, cands, 1)
    if m_tr is not None and m_tr == m_te:
        return _explain(m_tr, t("l01.check.both_arrays")), remark
    problems = []
    if not ok_tr:
        problems.append(_explain(m_tr, "X_train_std") if m_tr
                        else _describe_columns(got_tr, cands["right"][0], "X_train_std"))
    if not ok_te:
        problems.append(_explain(m_te, "X_test_std") if m_te
                        else _describe_columns(got_te, cands["right"][1], "X_test_std"))
    return " ".join(problems), remark


def check_standardize(fn):
    """Check ``fn(X_train, X_test) -> (X_train_std, X_test_std)`` on cases of the checker's own.

    Right means: every feature (column) standardized with the training mean and standard deviation
    (1/n or 1/(n − 1), either is accepted), the test set with the *training* statistics too, a
    feature that is constant in training left finite, and the inputs unchanged.
    Returns the feedback text (print it).
    """
    if not callable(fn):
        raise TypeError(f"fn must be your function standardize_features; got {type(fn).__name__}")
    remarks = []
    for X_train, X_test in _cases():
        problem, remark = _check_case(fn, X_train, X_test)
        if problem == "NOT_IMPLEMENTED":
            return t("l01.check.not_implemented")
        if remark and remark not in remarks:
            remarks.append(remark)
        if problem:
            return "\n".join([t("l01.check.not_yet", problem=problem)]
                             + [t("l01.check.also", remark=r) for r in remarks])
    if remarks:
        return "\n".join([t("l01.check.almost", remark=remarks[0])] + remarks[1:])
    return t("l01.check.correct")
