"""Every experimental sentence of notebook 01, re-derived on several seeds of the two-feature problem
(0–4) and of the random layer (0–2), against independent references: plain GD loops, np.corrcoef,
np.linalg. A few seconds."""

import numpy as np
import pytest

import normlib as nl
from normlib.lessons.l01_standardization import experiments as LS

SEEDS = (0, 1, 2, 3, 4)


def problems(seed, ratio=10.0, offset=0.0):
    X, y = LS.two_feature_problem(n=200, ratio=ratio, rho=0.6, seed=seed, offset=offset)
    Xs = LS.apply_standardization(X, *LS.fit_standardization(X))
    return (X, y), (Xs, LS.centred_target(y))


def gd_steps(X, y, lr, target, max_steps=5000):
    """Steps of a plain GD loop until the loss is at most ``target`` (None if never)."""
    w = np.zeros(X.shape[1])
    for k in range(1, max_steps + 1):
        w = w - lr * X.T @ (X @ w - y) / len(y)
        if 0.5 * np.mean((X @ w - y) ** 2) <= target:
            return k
    return None


@pytest.mark.parametrize("seed", SEEDS)
def test_claim_2_over_sum_is_best_only_in_the_worst_case(seed):
    for X, y in problems(seed):
        c = LS.curvature(LS.hessian(X))
        grid = np.linspace(0.01, 1.99, 397) / c.lam_max
        rates = [c.contraction(lr) for lr in grid]
        assert c.contraction(c.best_lr) <= min(rates) + 1e-12                  # best worst-case factor
        assert np.isclose(c.contraction(c.best_lr), (c.condition - 1) / (c.condition + 1))
        target = LS.target_loss(X, y)
        at_best = LS.steps_to_loss(X, y, c.best_lr, target).steps
        fewest = LS.fewest_steps(X, y, target)
        assert fewest.steps < at_best                                           # another step is faster
        assert gd_steps(X, y, fewest.lr_low, target, 2 * at_best) == fewest.steps   # by a plain loop
    (X, y), (Xs, ys) = problems(seed)
    cs = LS.curvature(LS.hessian(Xs))
    t = LS.target_loss(Xs, ys)
    assert gd_steps(Xs, ys, 1 / cs.lam_max, t) < gd_steps(Xs, ys, cs.best_lr, t)   # "5 against 6"


def test_claim_seed_0_numbers_of_the_table():
    (X, y), (Xs, ys) = problems(0)
    for Xp, yp, expect in ((X, y, (431, 251, 218)), (Xs, ys, (5, 6, 4))):
        c, t = LS.curvature(LS.hessian(Xp)), LS.target_loss(Xp, yp)
        got = (gd_steps(Xp, yp, 1 / c.lam_max, t), gd_steps(Xp, yp, c.best_lr, t),
               LS.fewest_steps(Xp, yp, t).steps)
        assert got == expect


@pytest.mark.parametrize("seed", SEEDS)
def test_claim_raw_needs_35_to_90_times_the_steps_of_standardized(seed):
    (X, y), (Xs, ys) = problems(seed)
    counts = []
    for Xp, yp in ((X, y), (Xs, ys)):
        c, t = LS.curvature(LS.hessian(Xp)), LS.target_loss(Xp, yp)
        counts.append(np.array([LS.steps_to_loss(Xp, yp, 1 / c.lam_max, t).steps,
                                LS.steps_to_loss(Xp, yp, c.best_lr, t).steps,
                                LS.fewest_steps(Xp, yp, t).steps]))
    ratio = counts[0] / counts[1]
    assert np.all(ratio > 35) and np.all(ratio < 90), ratio
    if seed == 0:
        assert np.all(ratio > 40), ratio                                    # "40 to 90 times" (seed 0)


@pytest.mark.parametrize("seed", SEEDS)
def test_claim_kappa_comes_from_the_sample_correlation(seed):
    (X, _), (Xs, _) = problems(seed)
    r = np.corrcoef(X.T)[0, 1]
    kappa = LS.curvature(LS.hessian(Xs)).condition
    assert np.isclose(kappa, (1 + abs(r)) / (1 - abs(r)), rtol=1e-9)
    assert not np.isclose(kappa, 4.0, rtol=0.02)                            # not (1 + 0.6)/(1 − 0.6)
    if seed == 0:
        assert round(r, 3) == 0.539 and round(kappa, 2) == 3.34


@pytest.mark.parametrize("seed", (0, 1, 2))
def test_claim_kappa_grows_like_ratio_squared_and_standardizing_removes_it(seed):
    kappas, std_kappas = [], []
    for ratio in (1, 3, 10, 30, 100):
        (X, _), (Xs, _) = problems(seed, ratio)
        kappas.append(LS.curvature(LS.hessian(X)).condition)
        std_kappas.append(LS.curvature(LS.hessian(Xs)).condition)
    k = np.array(kappas)
    assert np.all(np.diff(k) > 0)
    slope = np.polyfit(np.log([10, 30, 100]), np.log(k[2:]), 1)[0]
    assert 1.9 < slope < 2.1                                                # κ ∝ ratio² for large ratios
    assert np.ptp(std_kappas) < 1e-9 * std_kappas[0]


@pytest.mark.parametrize("seed", (0, 1, 2))
def test_claim_uncentred_features_slow_gd_and_standardizing_removes_it(seed):
    rows = []
    for mu in (0, 1, 3, 10):
        (X, y), (Xs, ys) = problems(seed, ratio=1.0, offset=mu)
        c, cs = LS.curvature(LS.hessian(X)), LS.curvature(LS.hessian(Xs))
        steps = gd_steps(X, y, c.best_lr, LS.target_loss(X, y), 10_000)
        steps_s = gd_steps(Xs, ys, cs.best_lr, LS.target_loss(Xs, ys))
        xbar = X.mean(axis=0)
        np.testing.assert_allclose(LS.hessian(X), np.cov(X.T, bias=True) + np.outer(xbar, xbar), atol=1e-10)
        lam_c = np.linalg.eigvalsh(np.cov(X.T, bias=True))[-1]
        if mu:
            assert abs(c.lam_max - (lam_c + xbar @ xbar)) <= 0.3 * (xbar @ xbar)   # ≈ ‖x̄‖² added
        rows.append((c.condition, steps, cs.condition, steps_s))
    rows = np.array(rows, dtype=float)
    assert np.all(np.diff(rows[:, 0]) > 0) and np.all(np.diff(rows[:, 1]) > 0)      # worse with μ
    assert np.ptp(rows[:, 2]) < 1e-9 * rows[0, 2] and np.ptp(rows[:, 3]) == 0       # standardized: unchanged
    assert rows[2, 0] / rows[0, 0] > 10 and rows[2, 1] / rows[0, 1] > 10           # μ = 3: > 10× κ, steps
    if seed == 0:
        assert round(rows[2, 0] / rows[0, 0]) == 13 or round(rows[2, 0] / rows[0, 0]) == 14
        assert round(rows[2, 1] / rows[0, 1]) == 18                                 # "18 times slower"


@pytest.mark.parametrize("seed", (0, 1, 2))
def test_claim_explorer_offset_lowers_the_stable_step_but_barely_changes_a_stable_run(seed):
    X0, y0 = LS.two_feature_problem(ratio=10, offset=0, seed=seed)
    X1, y1 = LS.two_feature_problem(ratio=10, offset=1, seed=seed)
    lr_max0, lr_max1 = LS.max_stable_lr(X0), LS.max_stable_lr(X1)
    assert lr_max1 < 0.6 * lr_max0
    if seed == 0:                                          # the explorer's default data and step
        assert LS.steps_to_loss(X0, y0, 0.02, LS.target_loss(X0, y0)).steps is not None
        assert LS.steps_to_loss(X1, y1, 0.02, LS.target_loss(X1, y1)).diverged_at is not None
        assert 0.0105 < lr_max1 < 0.0115                   # "2/λmax ≈ 0.011"
    lr = 0.9 * lr_max1                                     # a step stable for both
    s0 = LS.steps_to_loss(X0, y0, lr, LS.target_loss(X0, y0)).steps
    s1 = LS.steps_to_loss(X1, y1, lr, LS.target_loss(X1, y1)).steps
    assert 0.7 * s0 < s1 <= s0                             # "barely changes the count, even helps a little"


@pytest.mark.parametrize("seed", (0, 1, 2))
def test_claim_a_batch_covariance_has_rank_m_minus_1(seed):
    d = nl.load_digits(standardize=False)
    X = LS.apply_standardization(d.X_train.astype(np.float64), *LS.fit_standardization(d.X_train.astype(np.float64)))
    units = 1 / (1 + np.exp(-X @ np.random.default_rng(seed).standard_normal((100, 64)).T))
    full = LS.covariance(units)
    assert np.linalg.matrix_rank(full) == 100 and LS.condition_number(full) < 1000
    rng = np.random.default_rng(seed + 1)
    for m in (10, 60, 100, 101, 120, 400):
        C = LS.covariance(units[rng.choice(len(units), m, replace=False)])
        assert np.linalg.matrix_rank(C) == min(m - 1, 100)
        assert np.isinf(LS.condition_number(C)) == (m <= 100)
        if m == 101:
            assert LS.condition_number(C) > 1e6                                    # invertible, barely


def test_claim_digits_condition_numbers():
    d = nl.load_digits(standardize=False)
    X = d.X_train.astype(np.float64)
    varies = X.var(axis=0) > 0
    Xs = LS.apply_standardization(X, *LS.fit_standardization(X))
    k_raw = np.linalg.cond(np.cov(X[:, varies].T, bias=True))
    k_std = np.linalg.cond(np.corrcoef(X[:, varies].T))
    W = LS.covariance(LS.zca_whiten(Xs, eps=1e-5))[np.ix_(varies, varies)]
    assert 1.8e6 < k_raw < 2.0e6 and 140 < k_std < 145 and np.linalg.cond(W) < 1.001
