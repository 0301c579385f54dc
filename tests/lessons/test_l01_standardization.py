"""normlib.lessons.l01_standardization against independent references: finite differences, np.cov / np.corrcoef,
closed-form 2 × 2 eigenvalues, np.linalg.cond, scikit-learn, and brute-force gradient-descent loops."""

import numpy as np
import pytest

from normlib.lessons.l01_standardization import experiments as LS


@pytest.fixture
def problem():
    return LS.two_feature_problem(n=200, ratio=10.0, rho=0.6, seed=0)


def brute_force_gd(X, y, lr, steps, w0=None):
    """Plain GD with the gradient written out from the loss, independent of gd_path."""
    n = X.shape[0]
    w = np.zeros(X.shape[1]) if w0 is None else np.array(w0, float)
    losses = [0.5 * np.sum((X @ w - y) ** 2) / n]
    ws = [w.copy()]
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            w = w - lr * (X.T @ (X @ w - y)) / n
            ws.append(w.copy())
            losses.append(0.5 * np.sum((X @ w - y) ** 2) / n)
    return np.array(ws), np.array(losses)


def eig2(H):
    """Eigenvalues of a symmetric 2 × 2 matrix from the trace and determinant."""
    tr, det = H[0, 0] + H[1, 1], H[0, 0] * H[1, 1] - H[0, 1] * H[1, 0]
    disc = np.sqrt(tr * tr / 4 - det)
    return tr / 2 - disc, tr / 2 + disc


# -- the problem ----------------------------------------------------------------------------------
def test_problem_has_the_requested_scales_and_correlation():
    X, y = LS.two_feature_problem(n=20_000, ratio=30.0, rho=0.6, seed=1)
    sd = X.std(axis=0)
    assert abs(sd[0] - 1) < 0.03 and abs(sd[1] / sd[0] - 30) < 1.0
    assert abs(np.corrcoef(X.T)[0, 1] - 0.6) < 0.02
    assert abs(y.mean()) < 1e-12
    w, _ = LS.least_squares(X, y)
    np.testing.assert_allclose(w, [1.0, 0.5 / 30], rtol=0.02)


def test_same_seed_same_draws_for_every_ratio():
    X3, y3 = LS.two_feature_problem(ratio=3.0)
    X50, y50 = LS.two_feature_problem(ratio=50.0)
    np.testing.assert_allclose(X3[:, 1] / 3, X50[:, 1] / 50, rtol=1e-12)
    np.testing.assert_array_equal(X3[:, 0], X50[:, 0])
    np.testing.assert_array_equal(y3, y50)


# -- loss, gradient, Hessian ----------------------------------------------------------------------
def test_gradient_matches_finite_differences_of_the_loss(problem):
    X, y = problem
    w = np.array([0.3, -0.2])
    h = 1e-6
    num = [(LS.loss(X, y, w + h * e) - LS.loss(X, y, w - h * e)) / (2 * h) for e in np.eye(2)]
    np.testing.assert_allclose(LS.gradient(X, y, w), num, rtol=1e-6)


def test_hessian_matches_finite_differences_of_the_gradient(problem):
    X, y = problem
    w, h = np.array([0.7, 0.1]), 1e-5
    cols = [(LS.gradient(X, y, w + h * e) - LS.gradient(X, y, w - h * e)) / (2 * h) for e in np.eye(2)]
    np.testing.assert_allclose(LS.hessian(X), np.stack(cols, axis=1), rtol=1e-6)


def test_hessian_is_covariance_plus_mean_outer_product(problem):
    X, _ = problem
    expected = np.cov(X.T, bias=True) + np.outer(X.mean(axis=0), X.mean(axis=0))
    np.testing.assert_allclose(LS.hessian(X), expected, rtol=1e-12)


def test_standardized_hessian_is_the_correlation_matrix(problem):
    X, _ = problem
    Xs = LS.apply_standardization(X, *LS.fit_standardization(X))
    np.testing.assert_allclose(LS.hessian(Xs), np.corrcoef(X.T), atol=1e-12)


def test_loss_takes_many_weight_vectors_at_once(problem):
    X, y = problem
    W = np.random.default_rng(0).normal(size=(3, 4, 2))
    expected = [[0.5 * np.mean((X @ w - y) ** 2) for w in row] for row in W]
    np.testing.assert_allclose(LS.loss(X, y, W), expected, rtol=1e-12)


def test_least_squares_solves_the_normal_equations(problem):
    X, y = problem
    w, L = LS.least_squares(X, y)
    np.testing.assert_allclose(X.T @ X @ w, X.T @ y, rtol=1e-10)
    assert L == pytest.approx(0.5 * np.mean((X @ w - y) ** 2), rel=1e-12)


# -- curvature and condition numbers --------------------------------------------------------------
@pytest.mark.parametrize("ratio", [1.0, 10.0, 100.0])
def test_curvature_against_closed_form_eigenvalues_and_cond(ratio):
    X, _ = LS.two_feature_problem(ratio=ratio)
    H = X.T @ X / len(X)
    lo, hi = eig2(H)
    c = LS.curvature(LS.hessian(X))
    assert c.lam_max == pytest.approx(hi, rel=1e-10)
    assert c.lam_min == pytest.approx(lo, rel=1e-8)
    assert c.condition == pytest.approx(np.linalg.cond(H), rel=1e-8)
    assert c.max_stable_lr == pytest.approx(2 / hi, rel=1e-10)
    assert c.best_lr == pytest.approx(2 / (hi + lo), rel=1e-10)
    assert LS.max_stable_lr(X) == pytest.approx(2 / hi, rel=1e-10)


def test_condition_grows_like_ratio_squared_and_standardizing_removes_the_ratio():
    kappas = [LS.curvature(LS.hessian(LS.two_feature_problem(ratio=r)[0])).condition for r in (10, 100)]
    assert 90 < kappas[1] / kappas[0] < 110           # κ ∝ ratio² once the ratio dominates
    X, _ = LS.two_feature_problem(ratio=100)
    Xs = LS.apply_standardization(X, *LS.fit_standardization(X))
    r = abs(np.corrcoef(X.T)[0, 1])
    assert LS.curvature(LS.hessian(Xs)).condition == pytest.approx((1 + r) / (1 - r), rel=1e-9)


def test_condition_number_against_numpy_and_singular_is_inf():
    A = np.random.default_rng(3).normal(size=(50, 5))
    C = A.T @ A
    assert LS.condition_number(C) == pytest.approx(np.linalg.cond(C), rel=1e-8)
    assert LS.condition_number(np.diag([2.0, 1.0, 0.0])) == np.inf


# -- gradient descent -----------------------------------------------------------------------------
def test_gd_path_equals_a_brute_force_loop(problem):
    X, y = problem
    lr = 0.019
    ws, _ = brute_force_gd(X, y, lr, 50, w0=[0.5, -0.3])
    np.testing.assert_allclose(LS.gd_path(X, y, lr, 50, w0=[0.5, -0.3]), ws, rtol=1e-9, atol=1e-12)


def test_gd_diverges_exactly_past_two_over_lambda_max(problem):
    X, y = problem
    H = X.T @ X / len(X)
    lr_max = 2 / eig2(H)[1]
    L_star = LS.least_squares(X, y)[1]
    _, below = brute_force_gd(X, y, 0.999 * lr_max, 20_000)
    _, above = brute_force_gd(X, y, 1.001 * lr_max, 20_000)
    assert below[-1] - L_star < 1e-10 * below[0]                # converged
    assert np.all(np.diff(below) <= 1e-15)                     # and never went up
    assert not np.isfinite(above[-1]) or above[-1] > 1e6 * above[0]
    t = LS.target_loss(X, y)
    assert LS.steps_to_loss(X, y, 0.999 * lr_max, t).steps is not None
    run = LS.steps_to_loss(X, y, 1.001 * lr_max, t)
    assert run.steps is None and run.diverged_at == int(np.argmax(above > above[0]))


@pytest.mark.parametrize("ratio, standardized", [(3.0, False), (10.0, False), (10.0, True)])
@pytest.mark.parametrize("lr_factor", [0.3, 1.0, "best", 1.9, 2.3])
def test_steps_to_loss_equals_brute_force(ratio, standardized, lr_factor):
    X, y = LS.two_feature_problem(ratio=ratio)
    if standardized:
        X = (X - X.mean(axis=0)) / X.std(axis=0)
    lo, hi = eig2(X.T @ X / len(X))
    lr = 2 / (lo + hi) if lr_factor == "best" else lr_factor / hi
    target = LS.target_loss(X, y, tol=1e-3)
    _, losses = brute_force_gd(X, y, lr, 3000)
    run = LS.steps_to_loss(X, y, lr, target, max_steps=3000)
    reached = np.flatnonzero(losses <= target)
    worse = np.flatnonzero(~(losses <= losses[0]))
    if lr_factor == 2.3:
        assert run.steps is None and run.diverged_at == worse[0]
        assert run.describe() == f"diverged at step {worse[0]:,}"
    else:
        assert run.diverged_at is None and run.steps == reached[0]
        assert run.describe().startswith("target loss in")


def test_steps_to_loss_can_give_up_and_starts_count_at_zero(problem):
    X, y = problem
    run = LS.steps_to_loss(X, y, 1e-4, LS.target_loss(X, y), max_steps=50)
    assert (run.steps, run.diverged_at) == (None, None)
    assert run.describe() == "target not reached in 50 steps"
    assert LS.steps_to_loss(X, y, 0.01, 1e9).steps == 0


def test_whitened_problem_converges_in_one_step(problem):
    X, y = problem
    Z = LS.zca_whiten(X, eps=0.0)
    assert LS.steps_to_loss(Z, y, 1.0, LS.target_loss(Z, y)).steps == 1


# -- standardization ------------------------------------------------------------------------------
def test_standardization_uses_training_statistics_like_sklearn():
    from sklearn.preprocessing import StandardScaler
    rng = np.random.default_rng(5)
    X_train = rng.normal([1, -3, 10], [2, 0.1, 30], size=(100, 3))
    X_test = rng.normal([2, -2, 0], [4, 0.3, 10], size=(30, 3))
    mean, std = LS.fit_standardization(X_train)
    scaler = StandardScaler().fit(X_train)
    np.testing.assert_allclose(LS.apply_standardization(X_train, mean, std), scaler.transform(X_train))
    np.testing.assert_allclose(LS.apply_standardization(X_test, mean, std), scaler.transform(X_test))
    assert np.abs(LS.apply_standardization(X_test, mean, std).mean(axis=0)).max() > 0.1   # not own stats


def test_constant_feature_is_only_centred():
    X = np.array([[1.0, 5.0], [3.0, 5.0], [2.0, 5.0]])
    mean, std = LS.fit_standardization(X)
    np.testing.assert_array_equal(std, [np.std([1.0, 3.0, 2.0]), 1.0])
    out = LS.apply_standardization(np.array([[2.0, 7.0]]), mean, std)
    np.testing.assert_allclose(out, [[0.0, 2.0]])


# -- whitening ------------------------------------------------------------------------------------
@pytest.fixture
def correlated():
    rng = np.random.default_rng(7)
    A = rng.normal(size=(4, 4)) * [1, 3, 0.2, 10]
    return rng.normal(size=(500, 4)) @ A + [1, 2, 3, 4]


def test_covariance_matches_numpy(correlated):
    np.testing.assert_allclose(LS.covariance(correlated), np.cov(correlated.T, bias=True), rtol=1e-12)


@pytest.mark.parametrize("whiten", [LS.pca_whiten, LS.zca_whiten])
def test_whitened_covariance_is_identity(correlated, whiten):
    Z = whiten(correlated, eps=0.0)
    np.testing.assert_allclose(np.cov(Z.T, bias=True), np.eye(4), atol=1e-10)
    np.testing.assert_allclose(Z.mean(axis=0), 0, atol=1e-10)


@pytest.mark.parametrize("whiten", [LS.pca_whiten, LS.zca_whiten])
def test_eps_gives_variances_lambda_over_lambda_plus_eps(correlated, whiten):
    eps = 0.5
    lam = np.linalg.eigvalsh(np.cov(correlated.T, bias=True))
    got = np.linalg.eigvalsh(np.cov(whiten(correlated, eps=eps).T, bias=True))
    np.testing.assert_allclose(np.sort(got), np.sort(lam / (lam + eps)), rtol=1e-9)


def test_zca_is_symmetric_and_pca_is_a_rotation_of_it(correlated):
    _, W = LS.whitening_matrix(correlated, "zca", eps=1e-3)
    np.testing.assert_allclose(W, W.T, atol=1e-12)
    Zz, Zp = LS.zca_whiten(correlated, 1e-3), LS.pca_whiten(correlated, 1e-3)
    R = np.linalg.lstsq(Zz, Zp, rcond=None)[0]
    np.testing.assert_allclose(R.T @ R, np.eye(4), atol=1e-8)      # Z_pca = Z_zca R, R orthogonal
    np.testing.assert_allclose(Zz @ R, Zp, atol=1e-8)
    # ZCA's whitened data stays closest to the centred data (PCA's and a random rotation's do not)
    Xc = correlated - correlated.mean(axis=0)
    Q = np.linalg.qr(np.random.default_rng(0).normal(size=(4, 4)))[0]
    d_zca = np.linalg.norm(Zz - Xc)
    assert d_zca < np.linalg.norm(Zp - Xc) and d_zca < np.linalg.norm(Zz @ Q - Xc)


def test_pca_whitening_against_sklearn(correlated):
    from sklearn.decomposition import PCA
    Zp = LS.pca_whiten(correlated, eps=0.0)
    ref = PCA(n_components=4).fit(correlated)
    proj = ref.transform(correlated) / np.sqrt(ref.explained_variance_ * (len(correlated) - 1) / len(correlated))
    signs = np.sign(np.sum(Zp * proj, axis=0))
    np.testing.assert_allclose(Zp, proj * signs, atol=1e-8)
    assert np.all(np.diff(np.var(LS.pca_whiten(correlated, eps=1.0), axis=0)) < 0)   # decreasing


def test_constant_feature_needs_eps_and_stays_zero(correlated):
    X = correlated.copy()
    X[:, 2] = 4.0
    with pytest.raises(ValueError, match="singular.*eps > 0"):
        LS.zca_whiten(X, eps=0.0)
    Z = LS.zca_whiten(X, eps=1e-6)
    np.testing.assert_allclose(Z[:, 2], 0, atol=1e-9)
    keep = [0, 1, 3]
    assert LS.condition_number(np.cov(Z[:, keep].T, bias=True)) < 1.001


# -- dtypes ---------------------------------------------------------------------------------------
def test_float32_in_float32_out():
    X, y = LS.two_feature_problem(dtype=np.float32)
    assert X.dtype == y.dtype == np.float32
    mean, std = LS.fit_standardization(X)
    outs = [LS.hessian(X), LS.gd_path(X, y, 0.01, 3), LS.apply_standardization(X, mean, std),
            LS.zca_whiten(X), LS.pca_whiten(X), LS.covariance(X), LS.gradient(X, y, np.zeros(2, np.float32)),
            LS.least_squares(X, y)[0]]
    assert all(o.dtype == np.float32 for o in outs), [o.dtype for o in outs]
    X64, y64 = LS.two_feature_problem()
    np.testing.assert_allclose(LS.gd_path(X, y, 0.01, 3), LS.gd_path(X64, y64, 0.01, 3), rtol=1e-5)


# -- bad input ------------------------------------------------------------------------------------
@pytest.mark.parametrize("call, name", [
    (lambda X, y: LS.two_feature_problem(ratio=0), "ratio"),
    (lambda X, y: LS.two_feature_problem(ratio=-3), "ratio"),
    (lambda X, y: LS.two_feature_problem(rho=1.0), "rho"),
    (lambda X, y: LS.two_feature_problem(n=1), "n"),
    (lambda X, y: LS.two_feature_problem(noise=-1), "noise"),
    (lambda X, y: LS.gd_path(X, y, 0.0, 10), "lr"),
    (lambda X, y: LS.gd_path(X, y, -0.1, 10), "lr"),
    (lambda X, y: LS.gd_path(X, y, 0.1, -1), "steps"),
    (lambda X, y: LS.gd_path(X, y, 0.1, 5, w0=[1.0, 2.0, 3.0]), "w0"),
    (lambda X, y: LS.steps_to_loss(X, y, float("nan"), 1.0), "lr"),
    (lambda X, y: LS.steps_to_loss(X, y, 0.1, 1.0, max_steps=2.5), "max_steps"),
    (lambda X, y: LS.target_loss(X, y, tol=2), "tol"),
    (lambda X, y: LS.zca_whiten(X, eps=-1e-5), "eps"),
    (lambda X, y: LS.pca_whiten(X, eps="small"), "eps"),
    (lambda X, y: LS.whitening_matrix(X, "svd"), "method"),
    (lambda X, y: LS.loss(X, y[:-1], np.zeros(2)), "y"),
    (lambda X, y: LS.hessian(X[:, 0]), "X must be 2-D"),
    (lambda X, y: LS.apply_standardization(X, [0.0], [1.0, 1.0]), "mean"),
    (lambda X, y: LS.apply_standardization(X, [0.0, 0.0], [1.0, 0.0]), "std"),
    (lambda X, y: LS.standardization_flops(0, 10), "batch"),
    (lambda X, y: LS.whitening_flops(10, 0), "width"),
    (lambda X, y: LS.bias_drift(np.ones(4), np.ones(4), 0.0, 3), "lr"),
])
def test_bad_input_names_the_parameter(problem, call, name):
    X, y = problem
    with pytest.raises(ValueError, match=name):
        call(X, y)


# -- the cost of whitening, and the BN paper's §2 argument ----------------------------------------
def test_flop_counts_scale_as_documented():
    N = 256
    for d in (64, 1024):
        assert LS.standardization_flops(N, d) == 5 * N * d + 2 * d
        assert LS.whitening_flops(N, d) == 4 * N * d * d + 11 * d ** 3 + 2 * N * d
    ratios = [LS.whitening_flops(N, d) / LS.standardization_flops(N, d) for d in (64, 256, 1024)]
    assert ratios[0] < ratios[1] < ratios[2]


def test_bias_grows_without_bound_when_the_centring_is_left_out_of_the_gradient():
    rng = np.random.default_rng(2)
    u, t = rng.normal(size=16), rng.normal(1.0, 1.0, size=16)
    lr, steps = 0.1, 500
    b, L = LS.bias_drift(u, t, lr, steps)
    np.testing.assert_allclose(b, lr * t.mean() * np.arange(steps + 1), rtol=1e-9)   # linear growth
    expected_loss = 0.5 * np.mean((u - u.mean() - t) ** 2)
    np.testing.assert_allclose(L, expected_loss, rtol=1e-12)                        # loss unchanged
    # the true gradient: finite differences of ℓ(b) = ½ mean((u + b − mean(u + b) − t)²) are 0
    def ell(bias):
        x = u + bias
        return 0.5 * np.mean((x - x.mean() - t) ** 2)
    assert abs((ell(1e-3) - ell(-1e-3)) / 2e-3) < 1e-9
    b_true, L_true = LS.bias_drift(u, t, lr, steps, through_normalization=True)
    assert np.abs(b_true).max() < 1e-12 and np.allclose(L_true, expected_loss)


# -- the explorer ---------------------------------------------------------------------------------
def test_explorer_titles_follow_the_model():
    from normlib.lessons.l01_standardization.explorer import StandardizationExplorer
    ex = StandardizationExplorer()
    X, y = LS.two_feature_problem(ratio=10)
    lr_max = 2 / eig2(X.T @ X / len(X))[1]
    assert 0.02 < lr_max < 0.025                              # the sliders' 0.02 and 0.025 straddle it
    ex.update(ratio=10, lr=0.02)
    raw, std = (t.get_text() for t in ex.titles)
    assert "target loss in" in raw and "target loss in" in std
    ex.update(lr=0.025)
    raw, std = (t.get_text() for t in ex.titles)
    assert "diverged at step" in raw and "lr > 2/λmax" in raw
    assert "target loss in" in std
    assert f"2/λmax = {lr_max:.3g}" in raw


def test_explorer_standardized_panel_ignores_the_ratio_and_contours_are_replaced():
    from normlib.lessons.l01_standardization.explorer import StandardizationExplorer
    ex = StandardizationExplorer()
    n_artists = [len(ax.collections) for ax in ex.axes]
    ex.update(ratio=1, lr=0.1)
    text1 = ex.titles[1].get_text()
    ex.update(ratio=100, lr=0.1)
    assert ex.titles[1].get_text() == text1
    assert [len(ax.collections) for ax in ex.axes] == n_artists     # old contour sets removed
    assert all(c in ex.dynamic for c in ex.contours)


# -- the offset (mean 0), the worst-case step and the fewest-steps search -------------------------
def test_offset_zero_is_the_centred_problem_and_an_offset_moves_the_means():
    X0, y0 = LS.two_feature_problem(ratio=10, seed=2)
    Xz, yz = LS.two_feature_problem(ratio=10, seed=2, offset=0.0)
    np.testing.assert_array_equal(X0, Xz)
    np.testing.assert_array_equal(y0, yz)
    X3, y3 = LS.two_feature_problem(ratio=10, seed=2, offset=3.0)
    np.testing.assert_allclose(X3 - X0, np.broadcast_to([3.0, 30.0], X0.shape), atol=1e-12)
    np.testing.assert_allclose(y3 - y0, 3.0 * (1.0 + 0.5), atol=1e-12)     # y + (a + c)·offset
    np.testing.assert_allclose(LS.centred_target(y3), y0, atol=1e-12)
    # standardization removes the offset entirely
    s0 = LS.apply_standardization(X0, *LS.fit_standardization(X0))
    s3 = LS.apply_standardization(X3, *LS.fit_standardization(X3))
    np.testing.assert_allclose(s0, s3, atol=1e-9)


def test_target_loss_uses_the_variance_of_y_so_an_offset_does_not_loosen_it():
    X0, y0 = LS.two_feature_problem(seed=0)
    X3, y3 = LS.two_feature_problem(seed=0, offset=3.0)
    L0 = 0.5 * np.mean(y0 ** 2)                                  # = L(0) for the centred target
    w, L_star = LS.least_squares(X0, y0)
    assert LS.target_loss(X0, y0) == pytest.approx(L_star + 1e-3 * (L0 - L_star), rel=1e-12)
    w3, L3 = LS.least_squares(X3, y3)
    assert LS.target_loss(X3, y3) == pytest.approx(L3 + 1e-3 * (L0 - L3), rel=1e-9)


def test_contraction_is_the_largest_factor_and_best_lr_minimizes_it(problem):
    X, _ = problem
    H = LS.hessian(X)
    c = LS.curvature(H)
    lam = np.linalg.eigvalsh(H)
    for lr in (0.001, 0.01, c.best_lr, 0.03):
        assert c.contraction(lr) == pytest.approx(np.abs(1 - lr * lam).max())
    grid = np.linspace(1e-4, 2 / c.lam_max, 1000)
    assert c.contraction(c.best_lr) <= min(c.contraction(v) for v in grid) + 1e-12
    with pytest.raises(ValueError, match="lr"):
        c.contraction(0.0)


def test_fewest_steps_agrees_with_steps_to_loss_on_its_grid(problem):
    X, y = problem
    t = LS.target_loss(X, y)
    best = LS.fewest_steps(X, y, t, n_grid=50)
    lrs = LS.max_stable_lr(X) * np.arange(1, 51) / 51
    counts = [LS.steps_to_loss(X, y, float(v), t).steps for v in lrs]
    assert best.steps == min(counts)
    assert best.lr_low == pytest.approx(lrs[counts.index(min(counts))])
    with pytest.raises(ValueError, match="n_grid"):
        LS.fewest_steps(X, y, t, n_grid=1)


@pytest.mark.parametrize("call, name", [
    (lambda: LS.two_feature_problem(offset=float("nan")), "offset"),
    (lambda: LS.two_feature_problem(offset="big"), "offset"),
    (lambda: LS.centred_target(np.ones((2, 2))), "y"),
])
def test_bad_offset_and_target_name_the_parameter(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_explorer_offset_moves_only_the_raw_panel():
    from normlib.lessons.l01_standardization.explorer import StandardizationExplorer
    ex = StandardizationExplorer()
    ex.update(ratio=10, lr=0.01, offset=0)
    raw0, std0 = (t.get_text() for t in ex.titles)
    ex.update(offset=3)
    raw3, std3 = (t.get_text() for t in ex.titles)
    assert std3 == std0 and raw3 != raw0 and "means 3σ" in raw3


def test_explorer_window_fits_the_default_state_and_the_key_is_off_the_panels():
    """The fixed axes show the default picture whole (both minima, the first 200 raw and
    standardized iterates) without being mostly empty; the key sits below both panels."""
    from normlib.lessons.l01_standardization.explorer import WINDOW, StandardizationExplorer
    ex = StandardizationExplorer()
    (x0, x1), (y0, y1) = WINDOW
    pts = np.concatenate([np.column_stack(p.get_data()) for p in ex.paths + ex.optima])
    assert np.all((pts[:, 0] > x0) & (pts[:, 0] < x1) & (pts[:, 1] > y0) & (pts[:, 1] < y1))
    span = pts.max(axis=0) - pts.min(axis=0)
    assert span[0] > 0.5 * (x1 - x0) and span[1] > 0.4 * (y1 - y0)
    legend, = ex.figure.legends
    ex.figure.canvas.draw()
    top = legend.get_window_extent().y1
    assert all(top <= ax.get_window_extent().y0 for ax in ex.axes)
    assert all(t.get_text().count("\n") == 1 for t in ex.titles)         # two lines per title
