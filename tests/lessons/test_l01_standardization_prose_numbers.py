"""Not claims: the seed-0 numbers and the digits' condition numbers that notebook 01's prose quotes,
checked against this code (the default data of the tables and of the explorer). What holds for other
seeds is re-derived in tests/claims/test_l01_standardization_claims.py."""

import numpy as np

import normlib as nl
from normlib.lessons.l01_standardization import experiments as LS


def problems(seed=0, ratio=10.0, offset=0.0):
    X, y = LS.two_feature_problem(n=200, ratio=ratio, rho=0.6, seed=seed, offset=offset)
    Xs = LS.apply_standardization(X, *LS.fit_standardization(X))
    return (X, y), (Xs, LS.centred_target(y))


def steps(X, y, lr):
    return LS.steps_to_loss(X, y, lr, LS.target_loss(X, y)).steps


def test_seed_0_numbers_of_the_table_and_40_to_90_times():
    (X, y), (Xs, ys) = problems()
    got = []
    for Xp, yp, expect in ((X, y, (431, 251, 218)), (Xs, ys, (5, 6, 4))):
        c = LS.curvature(LS.hessian(Xp))
        got.append((steps(Xp, yp, 1 / c.lam_max), steps(Xp, yp, c.best_lr),
                    LS.fewest_steps(Xp, yp, LS.target_loss(Xp, yp)).steps))
        assert got[-1] == expect
    ratio = np.array(got[0]) / np.array(got[1])
    assert np.all(ratio > 40) and np.all(ratio < 90)                        # "40 to 90 times"


def test_seed_0_correlation_and_kappa():
    (X, _), (Xs, _) = problems()
    assert round(np.corrcoef(X.T)[0, 1], 3) == 0.539
    assert round(LS.curvature(LS.hessian(Xs)).condition, 2) == 3.34


def test_seed_0_offset_13_times_worse_conditioned_and_18_times_slower():
    rows = []
    for mu in (0, 3):
        (X, y), _ = problems(ratio=1.0, offset=mu)
        c = LS.curvature(LS.hessian(X))
        rows.append((c.condition, steps(X, y, c.best_lr)))
    assert round(rows[0][0], 1) == 3.3 and round(rows[1][0]) == 44
    assert round(rows[1][0] / rows[0][0]) == 13                             # 44.4 / 3.32 = 13.4
    assert round(rows[1][1] / rows[0][1]) == 18                             # 106 / 6


def test_explorer_default_offset_1_diverges_at_0_02():
    X0, y0 = LS.two_feature_problem(ratio=10, offset=0, seed=0)
    X1, y1 = LS.two_feature_problem(ratio=10, offset=1, seed=0)
    assert LS.steps_to_loss(X0, y0, 0.02, LS.target_loss(X0, y0)).steps is not None
    assert LS.steps_to_loss(X1, y1, 0.02, LS.target_loss(X1, y1)).diverged_at is not None
    assert 0.0105 < LS.max_stable_lr(X1) < 0.0115                          # "2/λmax ≈ 0.011"


def test_digits_condition_numbers():
    d = nl.load_digits(standardize=False)
    X = d.X_train.astype(np.float64)
    varies = X.var(axis=0) > 0
    Xs = LS.apply_standardization(X, *LS.fit_standardization(X))
    k_raw = np.linalg.cond(np.cov(X[:, varies].T, bias=True))
    k_std = np.linalg.cond(np.corrcoef(X[:, varies].T))
    W = LS.covariance(LS.zca_whiten(Xs, eps=1e-5))[np.ix_(varies, varies)]
    assert 1.8e6 < k_raw < 2.0e6 and 140 < k_std < 145 and np.linalg.cond(W) < 1.001
