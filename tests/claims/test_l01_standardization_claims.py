"""Every experimental sentence of notebook 01, re-derived on seeds of the two-feature problem the
notebook never shows (it shows seed 0) and of the random layer, against independent references:
plain GD loops, np.corrcoef, np.linalg. The general ranges the prose quotes ("over 100 seeds") were
measured on seeds 0–99; these tests hold them, with a margin, on a few of those seeds and on seeds
beyond them. The seed-0 numbers the prose quotes are checked in
tests/lessons/test_l01_standardization_prose_numbers.py (not claims). A few seconds."""

import numpy as np
import pytest

import normlib as nl
from normlib.lessons.l01_standardization import experiments as LS

SEEDS = (0, 1, 2, 25, 74, 131, 202)          # 25 and 74: 1/λmax ties with 2/(λmax+λmin) on the standardized features
FEW_SEEDS = (0, 3, 10, 144)                  # 10: the smallest κ growth with the offset among seeds 0–99


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
    assert gd_steps(Xs, ys, 1 / cs.lam_max, t) <= gd_steps(Xs, ys, cs.best_lr, t)   # "never behind"


@pytest.mark.parametrize("seed", SEEDS)
def test_claim_raw_needs_about_30_to_110_times_the_steps_of_standardized(seed):
    (X, y), (Xs, ys) = problems(seed)
    counts = []
    for Xp, yp in ((X, y), (Xs, ys)):
        c, t = LS.curvature(LS.hessian(Xp)), LS.target_loss(Xp, yp)
        counts.append(np.array([gd_steps(Xp, yp, 1 / c.lam_max, t, 20_000), gd_steps(Xp, yp, c.best_lr, t),
                                LS.fewest_steps(Xp, yp, t).steps]))
    ratio = counts[0] / counts[1]
    assert np.all(ratio > 20) and np.all(ratio < 150), ratio               # 27–108 over seeds 0–99


@pytest.mark.parametrize("seed", SEEDS)
def test_claim_kappa_comes_from_the_sample_correlation(seed):
    (X, _), (Xs, _) = problems(seed)
    r = np.corrcoef(X.T)[0, 1]
    kappa = LS.curvature(LS.hessian(Xs)).condition
    assert np.isclose(kappa, (1 + abs(r)) / (1 - abs(r)), rtol=1e-9)
    assert not np.isclose(kappa, 4.0, rtol=0.02)                            # not (1 + 0.6)/(1 − 0.6)


@pytest.mark.parametrize("seed", FEW_SEEDS)
def test_claim_kappa_grows_like_ratio_squared_and_standardizing_removes_it(seed):
    kappas, std_kappas = [], []
    for ratio in (1, 3, 10, 30, 100):
        (X, _), (Xs, _) = problems(seed, ratio)
        kappas.append(np.linalg.cond(X.T @ X))
        std_kappas.append(np.linalg.cond(Xs.T @ Xs))
    k = np.array(kappas)
    assert np.all(np.diff(k) > 0)
    slope = np.polyfit(np.log([10, 30, 100]), np.log(k[2:]), 1)[0]
    assert 1.9 < slope < 2.1                                                # κ ∝ ratio² for large ratios
    assert np.ptp(std_kappas) < 1e-9 * std_kappas[0]


@pytest.mark.parametrize("seed", FEW_SEEDS)
def test_claim_uncentred_features_slow_gd_10_to_20_fold_and_standardizing_removes_it(seed):
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
        rows.append((np.linalg.cond(X.T @ X), steps, cs.condition, steps_s))
    rows = np.array(rows, dtype=float)
    assert np.all(np.diff(rows[:, 0]) > 0) and np.all(np.diff(rows[:, 1]) > 0)      # worse with μ
    assert np.ptp(rows[:, 2]) < 1e-9 * rows[0, 2] and np.ptp(rows[:, 3]) == 0       # standardized: unchanged
    # μ = 3: κ 10–16 times and the steps 12–22 times over seeds 0–99 ("13 and 18" for seed 0)
    assert 8 < rows[2, 0] / rows[0, 0] < 20 and 10 < rows[2, 1] / rows[0, 1] < 25, rows


@pytest.mark.parametrize("seed", FEW_SEEDS)
def test_claim_explorer_offset_lowers_the_stable_step_but_barely_changes_a_stable_run(seed):
    X0, y0 = LS.two_feature_problem(ratio=10, offset=0, seed=seed)
    X1, y1 = LS.two_feature_problem(ratio=10, offset=1, seed=seed)
    lr_max0, lr_max1 = (2 / np.linalg.eigvalsh(X.T @ X / len(X))[-1] for X in (X0, X1))
    assert lr_max1 < 0.75 * lr_max0                        # 0.40–0.64 of it over seeds 0–99
    lr = 0.9 * lr_max1                                     # a step stable for both
    s0 = gd_steps(X0, y0, lr, LS.target_loss(X0, y0))
    s1 = gd_steps(X1, y1, lr, LS.target_loss(X1, y1))
    assert 0.75 * s0 < s1 < 1.05 * s0                      # "barely changes the count" (×0.82–1.02)


@pytest.mark.parametrize("seed", (0, 1, 2, 9))
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
        if m == 101:                                     # invertible, barely: 1e5–3e8 over seeds 0–39
            assert LS.condition_number(C) > 1e4 > 50 * LS.condition_number(full)
