"""Why standardize: the loss landscape of linear least squares, in pure NumPy (notebook 01).

The model is linear regression without a bias on a centred target,

    L(w) = 1/(2n) ‖Xw − y‖²,     ∇L(w) = Xᵀ(Xw − y)/n = Hw − b,     H = XᵀX/n,  b = Xᵀy/n.   (1)

L is a quadratic with constant Hessian H, so gradient descent w_{k+1} = w_k − η ∇L(w_k) is linear:

    w_{k+1} − w* = (I − ηH)(w_k − w*).                                                        (2)

In the eigenbasis H = Q Λ Qᵀ each coordinate c_i of w_k − w* is multiplied by (1 − ηλ_i) per step:

    L(w_k) − L* = ½ Σ_i λ_i c_i² (1 − ηλ_i)^{2k}.                                             (3)

So GD is stable iff |1 − ηλ_i| ≤ 1 for every i, i.e. η ≤ 2/λ_max; the slowest coordinate shrinks by
|1 − ηλ_min| ≥ 1 − 2/κ per step, κ = λ_max/λ_min; the step 2/(λ_max + λ_min) minimizes the
*worst-case* contraction factor max_i |1 − ηλ_i|, to (κ − 1)/(κ + 1) (LeCun, Bottou, Orr & Müller
1998, "Efficient BackProp", §5). It is not in general the step that reaches a given loss in the
fewest steps from a given start (:func:`fewest_steps` searches for that one). A feature with a
wide range makes λ_max large, which caps η; the narrow feature then learns at the rate ηλ_min.
Standardizing each feature (mean 0, variance 1) makes H the correlation matrix; whitening makes it I.

Everything here is a pure function (no plotting); numbers come back as Python floats, arrays keep
the floating dtype of the input (integer input is converted to float64).
"""

import numbers
from dataclasses import dataclass

import numpy as np

__all__ = [
    "two_feature_problem", "loss", "gradient", "hessian", "least_squares", "Curvature", "curvature",
    "condition_number", "max_stable_lr", "target_loss", "gd_path", "GDRun", "steps_to_loss",
    "fit_standardization", "apply_standardization", "covariance", "whitening_matrix", "pca_whiten",
    "zca_whiten", "standardization_flops", "whitening_flops", "bias_drift", "fewest_steps",
    "FewestSteps", "centred_target",
]


# ----------------------------------------------------------------------------------------------
# Checks: a sentence that names the parameter
# ----------------------------------------------------------------------------------------------
def _real(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise ValueError(f"{name} must be a finite real number; got {value!r}")
    return float(value)


def _positive(value, name):
    value = _real(value, name)
    if not value > 0:
        raise ValueError(f"{name} must be > 0; got {value!r}")
    return value


def _count(value, name, minimum=0):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer ≥ {minimum}; got {value!r}")
    return int(value)


def _eps(eps):
    eps = _real(eps, "eps")
    if eps < 0:
        raise ValueError(f"eps must be ≥ 0; got {eps!r}")
    return eps


def _matrix(X, name="X", min_rows=1):
    X = np.asarray(X)
    if not np.issubdtype(X.dtype, np.floating):
        if not (np.issubdtype(X.dtype, np.integer) or X.dtype == bool):
            raise ValueError(f"{name} must be a numeric array; got dtype {X.dtype}")
        X = X.astype(np.float64)
    if X.ndim != 2:
        raise ValueError(f"{name} must be 2-D, (examples, features); got shape {X.shape}")
    if X.shape[0] < min_rows or X.shape[1] < 1:
        raise ValueError(f"{name} needs at least {min_rows} example(s) and 1 feature; got shape {X.shape}")
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{name} contains NaN or inf")
    return X


def _targets(X, y):
    y = np.asarray(y, dtype=X.dtype)
    if y.shape != (X.shape[0],):
        raise ValueError(f"y must have shape ({X.shape[0]},), one target per row of X; got {y.shape}")
    return y


def _weights(X, w, name="w"):
    w = np.asarray(w, dtype=X.dtype)
    if w.shape[-1:] != (X.shape[1],):
        raise ValueError(f"{name} must have last axis of length {X.shape[1]} (one weight per feature); "
                         f"got shape {w.shape}")
    return w


def _symmetric(H, name="H"):
    H = _matrix(H, name)
    if H.shape[0] != H.shape[1]:
        raise ValueError(f"{name} must be a square matrix; got shape {H.shape}")
    return H


# ----------------------------------------------------------------------------------------------
# The problem: two features of very different scales
# ----------------------------------------------------------------------------------------------
def two_feature_problem(n=200, ratio=10.0, rho=0.6, noise=0.1, weights=(1.0, 0.5), seed=0,
                        dtype=np.float64, offset=0.0):
    """Two correlated features whose scales differ by ``ratio``, and a centred target.

        x₁ ~ N(0, 1),   u = ρ·x₁ + √(1 − ρ²)·z,   z ~ N(0, 1),   x₂ = ratio · u
        y = a·x₁ + c·u + noise·ε,   ε ~ N(0, 1),   then y ← y − mean(y)         (a, c) = ``weights``

    x₁ and u have variance 1 and correlation ρ, so only the scale of x₂ depends on ``ratio``; the
    least-squares weights are ≈ (a, c/ratio). The same ``seed`` gives the same x₁, z, ε for every
    ratio. Returns ``(X, y)`` with X of shape (n, 2).

    ``offset`` = μ moves both features away from 0 by μ of their own standard deviations (x₁ + μ and
    ratio·(u + μ): "not centred"), and the target with them, y + (a + c)·μ — the same relationship,
    so the model without a bias still fits it with about the same weights. ``offset=0`` is the
    centred problem above.
    """
    n = _count(n, "n", minimum=2)
    ratio = _positive(ratio, "ratio")
    rho = _real(rho, "rho")
    if not -1 < rho < 1:
        raise ValueError(f"rho must be in (−1, 1), a correlation; got {rho!r}")
    offset = _real(offset, "offset")
    noise = _real(noise, "noise")
    if noise < 0:
        raise ValueError(f"noise must be ≥ 0; got {noise!r}")
    if np.shape(weights) != (2,):
        raise ValueError(f"weights must be a pair (a, c); got {weights!r}")
    a, c = (_real(v, "weights") for v in weights)
    rng = np.random.default_rng(seed)
    x1, z, e = rng.standard_normal((3, n))
    u = rho * x1 + np.sqrt(1 - rho ** 2) * z
    y = a * x1 + c * u + noise * e
    y = y - y.mean()
    if offset:
        x1, u, y = x1 + offset, u + offset, y + (a + c) * offset
    X = np.stack([x1, ratio * u], axis=1)
    return X.astype(dtype), y.astype(dtype)


def centred_target(y):
    """y − mean(y): what standardization does to the target (in a network, a bias absorbs the mean).
    The standardized features have mean 0, so a model without a bias needs a centred target."""
    y = np.asarray(y)
    if y.ndim != 1 or y.size < 1 or not np.all(np.isfinite(y)):
        raise ValueError(f"y must be a finite 1-D array of targets; got shape {y.shape}")
    return y - y.mean()


def loss(X, y, w):
    """L(w) = 1/(2n) ‖Xw − y‖². ``w`` may hold many weight vectors, shape (..., d) → shape (...)."""
    X = _matrix(X)
    y, w = _targets(X, y), _weights(X, w)
    r = w @ X.T - y
    return 0.5 * np.mean(r * r, axis=-1)


def gradient(X, y, w):
    """∇L(w) = Xᵀ(Xw − y)/n, shape (d,)."""
    X = _matrix(X)
    y, w = _targets(X, y), _weights(X, w)
    if w.ndim != 1:
        raise ValueError(f"w must be one weight vector of shape ({X.shape[1]},); got {w.shape}")
    return X.T @ (X @ w - y) / X.shape[0]


def hessian(X):
    """H = XᵀX/n (d × d), the (constant) Hessian of L. For centred X it is the covariance matrix."""
    X = _matrix(X)
    return X.T @ X / X.shape[0]


def least_squares(X, y):
    """The minimiser w* of L (minimum-norm if H is singular) and the minimum L* = L(w*)."""
    X = _matrix(X)
    y = _targets(X, y)
    w = np.linalg.lstsq(X.astype(np.float64), y.astype(np.float64), rcond=None)[0]
    return w.astype(X.dtype), float(loss(X.astype(np.float64), y.astype(np.float64), w))


@dataclass(frozen=True)
class Curvature:
    """Eigenvalue summary of a Hessian: what limits the step size and what sets the speed."""

    lam_max: float
    lam_min: float

    @property
    def condition(self):
        """κ = λ_max / λ_min (inf if λ_min ≤ 0)."""
        return self.lam_max / self.lam_min if self.lam_min > 0 else np.inf

    @property
    def max_stable_lr(self):
        """2/λ_max: GD on L diverges for any larger step."""
        return 2.0 / self.lam_max

    @property
    def best_lr(self):
        """2/(λ_max + λ_min): the fixed step with the best *worst-case* contraction factor,
        (κ − 1)/(κ + 1) (see :meth:`contraction`). Not in general the step that reaches a given loss
        in the fewest steps (:func:`fewest_steps`)."""
        return 2.0 / (self.lam_max + self.lam_min)

    def contraction(self, lr):
        """The worst-case factor by which one GD step of size ``lr`` shrinks the error,
        max_i |1 − lr·λ_i| = max(|1 − lr·λ_min|, |1 − lr·λ_max|)."""
        lr = _positive(lr, "lr")
        return max(abs(1 - lr * self.lam_min), abs(1 - lr * self.lam_max))


def curvature(H):
    """:class:`Curvature` of a symmetric matrix H (e.g. ``hessian(X)``)."""
    lam = np.linalg.eigvalsh(_symmetric(H).astype(np.float64))
    return Curvature(float(lam[-1]), float(lam[0]))


def condition_number(C):
    """κ(C) = λ_max/λ_min of a symmetric positive semi-definite matrix; inf if it is singular.

    "Singular" means λ_min ≤ d·ε_machine·λ_max (rounding cannot tell such a λ_min from 0)."""
    lam = np.linalg.eigvalsh(_symmetric(C, "C").astype(np.float64))
    if lam[-1] <= 0 or lam[0] <= lam.size * np.finfo(np.float64).eps * lam[-1]:
        return np.inf
    return float(lam[-1] / lam[0])


def max_stable_lr(X):
    """The largest step for which GD on L does not diverge: η_max = 2/λ_max(XᵀX/n)."""
    return curvature(hessian(X)).max_stable_lr


def target_loss(X, y, tol=1e-3):
    """The loss "within ``tol`` of the best": L* + tol·(L_ref − L*).

    L_ref = ½·var(y) is the loss of predicting the mean of y — for a centred target, L(0), the loss
    of the model w = 0. It is the same for X, standardized X and whitened X, and for the features
    moved by an ``offset`` (:func:`two_feature_problem`), so the same ``tol`` asks for the same
    accuracy from all of them.
    """
    tol = _real(tol, "tol")
    if not 0 < tol < 1:
        raise ValueError(f"tol must be in (0, 1); got {tol!r}")
    X = _matrix(X)
    y = _targets(X, y)
    L0 = 0.5 * float(np.var(y.astype(np.float64)))
    L_star = least_squares(X, y)[1]
    return L_star + tol * (L0 - L_star)


# ----------------------------------------------------------------------------------------------
# Gradient descent
# ----------------------------------------------------------------------------------------------
def gd_path(X, y, lr, steps, w0=None):
    """The iterates w_0, …, w_steps of w_{k+1} = w_k − lr·∇L(w_k); shape (steps + 1, d).

    ``w0`` defaults to 0 (the model that predicts 0). Past 2/λ_max the iterates grow geometrically;
    they become inf/nan once they overflow (no warning is raised).
    """
    X = _matrix(X)
    y = _targets(X, y)
    lr = _positive(lr, "lr")
    steps = _count(steps, "steps")
    H, b = X.T @ X / X.shape[0], X.T @ y / X.shape[0]
    w = np.zeros(X.shape[1], X.dtype) if w0 is None else _weights(X, w0, "w0").copy()
    path = np.empty((steps + 1, X.shape[1]), X.dtype)
    path[0] = w
    lr = X.dtype.type(lr)
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(steps):
            w = w - lr * (H @ w - b)
            path[k + 1] = w
    return path


@dataclass(frozen=True)
class GDRun:
    """How a GD run ended: ``steps`` to reach the target (or None), ``diverged_at`` (or None)."""

    steps: object
    diverged_at: object
    max_steps: int

    def describe(self):
        if self.steps is not None:
            return f"target loss in {self.steps:,} step" + ("s" if self.steps != 1 else "")
        if self.diverged_at is not None:
            return f"diverged at step {self.diverged_at:,}"
        return f"target not reached in {self.max_steps:,} steps"

    __str__ = describe


def steps_to_loss(X, y, lr, target, w0=None, max_steps=100_000):
    """The first k with L(w_k) ≤ ``target`` for GD with step ``lr``, by the closed form (3).

    No loop over steps: the excess loss E_k = L(w_k) − L* = Σ_i ½λ_i c_i² (1 − lr·λ_i)^{2k} is
    evaluated for a whole block of k at once (blocks of doubling size, so the work grows with the
    answer, not with ``max_steps``).

    A run *diverges at step k* when L(w_k) > L(w_0) for the first time. Stable GD never does that
    (every term of (3) shrinks or stays), and unstable GD with a growing term always does eventually;
    so this flags divergence exactly, at the first step the loss is worse than at the start.

    Returns a :class:`GDRun` (``steps`` is None if the target was not reached within ``max_steps``).
    """
    X = _matrix(X)
    y = _targets(X, y)
    lr = _positive(lr, "lr")
    target = _real(target, "target")
    max_steps = _count(max_steps, "max_steps")
    X64, y64 = X.astype(np.float64), y.astype(np.float64)
    w0 = np.zeros(X.shape[1]) if w0 is None else _weights(X64, w0, "w0")
    w_star, L_star = least_squares(X64, y64)
    lam, Q = np.linalg.eigh(X64.T @ X64 / X64.shape[0])
    c = Q.T @ (w0 - w_star)
    amp = 0.5 * lam * c * c                   # the terms of (3) at k = 0
    keep = amp > 0
    amp, f2 = amp[keep], (1.0 - lr * lam[keep]) ** 2
    E0 = float(loss(X64, y64, w0)) - L_star
    goal = target - L_star
    if E0 <= goal:
        return GDRun(0, None, max_steps)
    k0, size = 1, 256
    while k0 <= max_steps:
        k = np.arange(k0, min(k0 + size, max_steps + 1))
        with np.errstate(over="ignore", invalid="ignore"):
            E = np.power(f2[None, :], k[:, None]) @ amp
        reached = E <= goal
        diverged = ~(E <= E0 * (1 + 1e-12))        # also catches inf and nan
        hit = np.flatnonzero(reached | diverged)
        if hit.size:
            i = hit[0]
            if reached[i]:
                return GDRun(int(k[i]), None, max_steps)
            return GDRun(None, int(k[i]), max_steps)
        k0, size = k0 + size, size * 2
    return GDRun(None, None, max_steps)


@dataclass(frozen=True)
class FewestSteps:
    """Result of :func:`fewest_steps`: the fewest ``steps`` found, and the range ``lr_low`` …
    ``lr_high`` of grid steps that reach the target in that many."""

    steps: int
    lr_low: float
    lr_high: float


def fewest_steps(X, y, target, n_grid=400, max_steps=100_000):
    """Search ``n_grid`` step sizes evenly spaced in (0, 2/λ_max) for the one that reaches ``target``
    in the fewest GD steps from w₀ = 0 (:func:`steps_to_loss`, exact for each step size).

    Returns a :class:`FewestSteps`. This depends on where the error starts and on the target, unlike
    :attr:`Curvature.best_lr`, which is the best step for the worst start.
    """
    n_grid = _count(n_grid, "n_grid", minimum=2)
    lr_max = max_stable_lr(X)
    lrs = lr_max * np.arange(1, n_grid + 1) / (n_grid + 1)
    steps = []
    for lr in lrs:
        run = steps_to_loss(X, y, float(lr), target, max_steps=max_steps)
        steps.append(np.inf if run.steps is None else run.steps)
    steps = np.array(steps)
    if not np.isfinite(steps.min()):
        raise ValueError(f"no step size reached the target within max_steps = {max_steps}")
    best = np.flatnonzero(steps == steps.min())
    return FewestSteps(int(steps.min()), float(lrs[best[0]]), float(lrs[best[-1]]))


# ----------------------------------------------------------------------------------------------
# Standardization and whitening
# ----------------------------------------------------------------------------------------------
def fit_standardization(X_train):
    """Per-feature training statistics: μ_j = mean over examples, σ_j = √(1/n Σ (x_ij − μ_j)²).

    A feature that is constant in training (σ_j = 0) gets σ_j = 1: it is only centred, never
    divided by 0 (as ``normlib.load_digits`` does). Returns ``(mean, std)``, each of shape (d,).
    """
    X = _matrix(X_train, "X_train")
    mean = X.mean(axis=0)
    std = X.std(axis=0)
    return mean, np.where(std > 0, std, X.dtype.type(1))


def apply_standardization(X, mean, std):
    """x̂_ij = (x_ij − μ_j)/σ_j with *training* statistics, for the training and the test set alike."""
    X = _matrix(X)
    mean, std = np.asarray(mean, X.dtype), np.asarray(std, X.dtype)
    for name, v in (("mean", mean), ("std", std)):
        if v.shape != (X.shape[1],):
            raise ValueError(f"{name} must have shape ({X.shape[1]},), one entry per feature; got {v.shape}")
    if not np.all(std > 0):
        raise ValueError("std must be > 0 for every feature (fit_standardization sets constant features to 1)")
    return (X - mean) / std


def covariance(X):
    """C = 1/n Σ_i (x_i − μ)(x_i − μ)ᵀ, the biased (1/n) covariance of the rows of X (d × d)."""
    X = _matrix(X)
    Xc = X - X.mean(axis=0)
    return Xc.T @ Xc / X.shape[0]


def whitening_matrix(X, method="zca", eps=1e-5):
    """Fit a whitening transform on X: z = W (x − μ) has covariance ≈ I.

    With the covariance C = U Λ Uᵀ (eigenvalues λ_i, orthonormal eigenvectors in the columns of U):

        PCA whitening   W = (Λ + εI)^{-1/2} Uᵀ        rotate onto the principal axes, then rescale
        ZCA whitening   W = U (Λ + εI)^{-1/2} Uᵀ      … and rotate back: W is symmetric, and z stays
                                                      as close to x − μ as a whitened vector can

    ``eps`` (ε ≥ 0) is added to every eigenvalue before the inverse square root. A direction with
    variance λ ≫ ε comes out with variance λ/(λ + ε) ≈ 1; a direction with λ ≲ ε (a constant or
    nearly constant feature, such as a blank corner pixel) is damped to variance λ/(λ + ε) ≈ 0
    instead of being multiplied by 1/√λ, which is infinite for λ = 0. ε has the units of a
    variance of X. ``eps=0`` needs a non-singular covariance.

    PCA components come in order of decreasing variance; each eigenvector's sign is fixed so that
    its largest entry is positive. Returns ``(mean, W)``; apply with ``(X − mean) @ W.T``.
    """
    if method not in ("zca", "pca"):
        raise ValueError(f"method must be 'zca' or 'pca'; got {method!r}")
    eps = _eps(eps)
    X = _matrix(X, min_rows=2)
    mean = X.mean(axis=0)
    lam, U = np.linalg.eigh(covariance(X).astype(np.float64))
    lam, U = np.clip(lam[::-1], 0, None), U[:, ::-1]
    U = U * np.where(U[np.argmax(np.abs(U), axis=0), np.arange(U.shape[1])] < 0, -1.0, 1.0)
    if eps == 0 and lam[-1] <= lam.size * np.finfo(np.float64).eps * lam[0]:
        raise ValueError("the covariance of X is singular (a feature is constant or a combination of "
                         "others); use eps > 0")
    scale = 1.0 / np.sqrt(lam + eps)
    W = scale[:, None] * U.T
    if method == "zca":
        W = U @ W
    return mean, W.astype(X.dtype)


def pca_whiten(X, eps=1e-5):
    """PCA-whitened X: Z = (X − μ) U (Λ + εI)^{-1/2}; see :func:`whitening_matrix`."""
    mean, W = whitening_matrix(X, "pca", eps)
    return (np.asarray(X, W.dtype) - mean) @ W.T


def zca_whiten(X, eps=1e-5):
    """ZCA-whitened X: Z = (X − μ) U (Λ + εI)^{-1/2} Uᵀ; see :func:`whitening_matrix`."""
    mean, W = whitening_matrix(X, "zca", eps)
    return (np.asarray(X, W.dtype) - mean) @ W.T


# ----------------------------------------------------------------------------------------------
# What it would cost inside a network: floating-point operations per layer and step
# ----------------------------------------------------------------------------------------------
def standardization_flops(batch, width):
    """Per-feature standardization of a (batch N × width d) activation: ≈ 5·N·d + 2·d flops.

    mean: N·d adds; centre: N·d subtractions; variance: N·d squares + N·d adds; normalize: N·d
    multiplications by 1/σ; plus d square roots and d divisions.
    """
    N, d = _count(batch, "batch", 1), _count(width, "width", 1)
    return 5 * N * d + 2 * d


def whitening_flops(batch, width):
    """Full (ZCA) whitening of a (batch N × width d) activation: ≈ 4·N·d² + 11·d³ + 2·N·d flops.

    mean and centring: 2·N·d; covariance XᵀX: 2·N·d² (one multiply and one add per term);
    symmetric eigendecomposition with eigenvectors: ≈ 9·d³ (the symmetric QR algorithm, Golub &
    Van Loan, *Matrix Computations*, §8.3); W = U(Λ + ε)^{-1/2}Uᵀ: ≈ 2·d³; applying W: 2·N·d².
    Backpropagating through the eigendecomposition costs more again and is not counted.
    """
    N, d = _count(batch, "batch", 1), _count(width, "width", 1)
    return 4 * N * d * d + 11 * d ** 3 + 2 * N * d


# ----------------------------------------------------------------------------------------------
# Ioffe & Szegedy 2015, §2: normalization left out of the gradient
# ----------------------------------------------------------------------------------------------
def bias_drift(u, target, lr, steps, through_normalization=False):
    """A bias b under centring, trained by GD with and without the normalization in the gradient.

    The layer adds a bias and centres: x = u + b, x̂ = x − mean(x); the loss is
    ℓ(b) = ½·mean((x̂ − t)²). Since x̂ does not depend on b, the true gradient is ∂ℓ/∂b = 0.
    A gradient step that treats mean(x) as a constant uses ∂ℓ/∂b = mean(x̂ − t) = −mean(t)
    instead: b moves by lr·mean(t) every step, for ever, and the loss does not change (Ioffe &
    Szegedy 2015, §2). ``through_normalization=True`` uses the true gradient.

    Returns ``(b, loss)``, each of length steps + 1 (b starts at 0).
    """
    u, t = np.asarray(u, np.float64), np.asarray(target, np.float64)
    if u.ndim != 1 or u.size < 2:
        raise ValueError(f"u must be a 1-D array of at least 2 values; got shape {u.shape}")
    if t.shape != u.shape:
        raise ValueError(f"target must have the shape of u, {u.shape}; got {t.shape}")
    lr = _positive(lr, "lr")
    steps = _count(steps, "steps")
    b = np.zeros(steps + 1)
    L = np.zeros(steps + 1)
    for k in range(steps + 1):
        x = u + b[k]
        x_hat = x - x.mean()
        L[k] = 0.5 * np.mean((x_hat - t) ** 2)
        if k < steps:
            dx_hat = (x_hat - t) / u.size                         # ∂ℓ/∂x̂
            # backward through x̂ = x − mean(x) is dx = dx̂ − mean(dx̂); left out, dx = dx̂
            dx = dx_hat - dx_hat.mean() if through_normalization else dx_hat
            b[k + 1] = b[k] - lr * dx.sum()                       # x = u + b: ∂ℓ/∂b = Σ dx
    return b, L
