"""Exercise checker for notebook 03: batch norm's forward and backward, written by the student.

The student writes, for x of shape (N, D) and γ, β of shape (D,)::

    my_batch_norm_forward(x, gamma, beta, eps) -> (y, cache)
    my_batch_norm_backward(dy, cache)          -> (dx, dgamma, dbeta)

:func:`check_batch_norm` runs them on cases of its own (seeded, with γ ≠ 1, β ≠ 0, a random upstream
gradient dy and one case with a large ε) and, when an answer is wrong, recognises the classic
mistakes: the unbiased 1/(m−1) variance in the normalization; statistics per example (layer norm)
or over the whole array; ε outside the square root or missing; no scale and shift, or γ and β
swapped; dγ and dβ as means instead of sums; dx missing the path through μ_B, through σ²_B, or
both; dx without γ; the 1/m of ∂μ_B/∂x_i forgotten; and wrong shapes.
"""

import numpy as np

from ...checking import run_student
from ...i18n import t

__all__ = ["check_batch_norm"]

_RTOL, _ATOL = 1e-4, 1e-7


def _cases():
    rng = np.random.default_rng(20150302)
    cases = []
    for N, D, eps in ((8, 3, 1e-5), (6, 4, 0.5)):
        x = rng.uniform(-3, 3, D) + rng.uniform(0.5, 3, D) * rng.standard_normal((N, D))
        gamma = rng.uniform(0.5, 2.0, D) * rng.choice([-1, 1], D)
        beta = rng.uniform(-2, 2, D)
        dy = rng.standard_normal((N, D))
        cases.append((x, gamma, beta, eps, dy))
    return cases


def _standardized(x, axis, eps, ddof=0, eps_outside=False, variance=False):
    mu = x.mean(axis=axis, keepdims=True)
    var = x.var(axis=axis, keepdims=True, ddof=ddof)
    if variance:
        return (x - mu) / (var + eps)
    return (x - mu) / (np.sqrt(var) + eps if eps_outside else np.sqrt(var + eps))


def _forward_candidates(x, gamma, beta, eps):
    """name → y for the right answer and for each known mistake."""
    def affine(x_hat):
        return gamma * x_hat + beta
    return {
        "right": affine(_standardized(x, 0, eps)),
        "unbiased": affine(_standardized(x, 0, eps, ddof=1)),
        "per_example": affine(_standardized(x, 1, eps)),
        "whole_array": affine(_standardized(x, None, eps)),
        "eps_outside": affine(_standardized(x, 0, eps, eps_outside=True)),
        "no_eps": affine(_standardized(x, 0, 0.0)),
        "variance": affine(_standardized(x, 0, eps, variance=True)),
        "no_affine": _standardized(x, 0, eps),
        "swapped": beta * _standardized(x, 0, eps) + gamma,
    }


# the known forward mistakes, in the order they are tried; their feedback: l03.check.forward.<name>
_FORWARD_ORDER = ("unbiased", "per_example", "whole_array", "eps_outside", "no_eps", "variance", "no_affine",
                  "swapped")


def _backward_candidates(x, gamma, eps, dy):
    """name → (dx, dgamma, dbeta) for the right answer and for each known mistake, written the
    paper's way (Ioffe & Szegedy 2015, §3): through x̂, σ²_B and μ_B."""
    m = x.shape[0]
    mu, var = x.mean(axis=0), x.var(axis=0)
    inv = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mu) * inv
    dgamma, dbeta = np.sum(dy * x_hat, axis=0), np.sum(dy, axis=0)

    def dx_from(dx_hat, with_mu=True, with_var=True, mu_m=m):
        dvar = np.sum(dx_hat * (x - mu), axis=0) * -0.5 * inv ** 3
        dmu = -np.sum(dx_hat, axis=0) * inv            # + dvar·mean(−2(x − μ)), which is 0
        dx = dx_hat * inv
        if with_var:
            dx = dx + dvar * 2.0 * (x - mu) / m
        if with_mu:
            dx = dx + dmu / mu_m
        return dx

    g = dy * gamma
    return {
        "right": (dx_from(g), dgamma, dbeta),
        "no_mu": (dx_from(g, with_mu=False), dgamma, dbeta),
        "no_var": (dx_from(g, with_var=False), dgamma, dbeta),
        "no_mu_no_var": (dx_from(g, with_mu=False, with_var=False), dgamma, dbeta),
        "no_gamma": (dx_from(dy), dgamma, dbeta),
        "mu_no_m": (dx_from(g, mu_m=1), dgamma, dbeta),
    }


# the known dx mistakes, in the order they are tried; their feedback: l03.check.dx.<name>
_DX_ORDER = ("no_mu", "no_var", "no_mu_no_var", "no_gamma", "mu_no_m")


def _close(a, b):
    return a.shape == b.shape and np.allclose(a, b, rtol=_RTOL, atol=_ATOL)


def _as_array(value, name):
    try:
        a = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None, t("l03.check.not_array", name=name, type=type(value).__name__)
    return a, None


def _check_forward(forward, x, gamma, beta, eps):
    """(cache or None, problem or None)."""
    out, problem = run_student(forward, x, gamma, beta, eps)
    if problem:
        return None, problem if problem == "NOT_IMPLEMENTED" else "my_batch_norm_forward " + problem
    if isinstance(out, np.ndarray) or not isinstance(out, (tuple, list)) or len(out) != 2:
        return None, t("l03.check.forward_pair")
    y, cache = out
    y, problem = _as_array(y, "y")
    if problem:
        return None, problem
    N, D = x.shape
    if y.shape != x.shape:
        hint = t("l03.check.y_shape_hint") if y.shape in ((D,), (1, D)) else ""
        return None, t("l03.check.y_shape", got=y.shape, want=x.shape, hint=hint)
    if not np.all(np.isfinite(y)):
        return None, t("l03.check.y_nan")
    cands = _forward_candidates(x, gamma, beta, eps)
    if _close(y, cands["right"]):
        return cache, None
    for name in _FORWARD_ORDER:
        if _close(y, cands[name]):
            return None, t(f"l03.check.forward.{name}")
    j = int(np.flatnonzero(~np.all(np.isclose(y, cands["right"], rtol=_RTOL, atol=_ATOL), axis=0))[0])
    return None, t("l03.check.y_wrong", j=j, mean=y[:, j].mean(), sd=y[:, j].std(), beta=beta[j],
                   want_sd=cands["right"][:, j].std())


def _check_backward(backward, cache, x, gamma, eps, dy):
    out, problem = run_student(backward, dy, cache)
    if problem:
        return problem if problem == "NOT_IMPLEMENTED" else "my_batch_norm_backward " + problem
    if not isinstance(out, (tuple, list)) or len(out) != 3:
        return t("l03.check.backward_three")
    got = []
    for name, value in zip(("dx", "dgamma", "dbeta"), out):
        a, problem = _as_array(value, name)
        if problem:
            return problem
        got.append(a)
    dx, dgamma, dbeta = got
    N, D = x.shape
    if dx.shape != x.shape:
        return t("l03.check.dx_shape", got=dx.shape, want=x.shape)
    for name, a in (("dgamma", dgamma), ("dbeta", dbeta)):
        if a.shape != (D,):
            hint = (t("l03.check.keepdims") if a.size == D else
                    t("l03.check.per_feature") if a.shape == x.shape else "")
            return t("l03.check.param_shape", name=name, got=a.shape, param=name[1:], D=D, hint=hint)
    cands = _backward_candidates(x, gamma, eps, dy)
    right_dx, right_dgamma, right_dbeta = cands["right"]
    problems = []
    if _close(dgamma, right_dbeta) and _close(dbeta, right_dgamma):
        problems.append(t("l03.check.swapped_grads"))
    elif _close(dgamma, right_dgamma / N) or _close(dbeta, right_dbeta / N):
        problems.append(t("l03.check.means"))
    else:
        for name, got_p, want in (("dgamma", dgamma, right_dgamma), ("dbeta", dbeta, right_dbeta)):
            if not _close(got_p, want):
                formula = "Σ_i dy_i·x̂_i" if name == "dgamma" else "Σ_i dy_i"
                problems.append(t("l03.check.param_wrong", name=name, formula=formula))
    if not _close(dx, right_dx):
        match = next((n for n in _DX_ORDER if _close(dx, cands[n][0])), None)
        if match:
            problems.append(t(f"l03.check.dx.{match}"))
        else:
            err = np.linalg.norm(dx - right_dx) / (np.linalg.norm(dx) + np.linalg.norm(right_dx))
            problems.append(t("l03.check.dx_wrong", err=err))
    return " ".join(problems) or None


def check_batch_norm(forward, backward):
    """Check ``forward(x, gamma, beta, eps) -> (y, cache)`` and ``backward(dy, cache) ->
    (dx, dgamma, dbeta)`` for x of shape (N, D) on cases of the checker's own.

    The forward is checked first; the backward is checked with the cache of a right forward.
    Returns the feedback text (print it).
    """
    for fn, name in ((forward, "forward"), (backward, "backward")):
        if not callable(fn):
            raise TypeError(f"{name} must be your function my_batch_norm_{name}; got {type(fn).__name__}")
    caches = []
    for x, gamma, beta, eps, dy in _cases():
        cache, problem = _check_forward(forward, x, gamma, beta, eps)
        if problem == "NOT_IMPLEMENTED":
            return t("l03.check.forward_not_implemented")
        if problem:
            return t("l03.check.forward_not_yet", N=x.shape[0], D=x.shape[1], eps=eps, problem=problem)
        caches.append(cache)
    for cache, (x, gamma, beta, eps, dy) in zip(caches, _cases()):
        problem = _check_backward(backward, cache, x, gamma, eps, dy)
        if problem == "NOT_IMPLEMENTED":
            return t("l03.check.backward_not_implemented")
        if problem:
            return t("l03.check.backward_not_yet", N=x.shape[0], D=x.shape[1], problem=problem)
    return t("l03.check.correct")
