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


_FORWARD = {
    "unbiased": "y is normalized with the unbiased variance, 1/(m−1) (ddof=1). Batch norm normalizes "
                "with the biased variance σ²_B = (1/m) Σ (x_i − μ_B)² (Ioffe & Szegedy 2015, Algorithm 1; "
                "PyTorch too: np.var's default ddof=0). The unbiased m/(m−1) factor belongs only to the "
                "running variance kept for inference (notebook 05).",
    "per_example": "y is normalized per example (each row, axis=1): that is layer norm. Batch norm "
                   "takes one μ_B and σ²_B per feature over the examples of the batch: axis=0.",
    "whole_array": "y is normalized with one mean and one variance for the whole array. Batch norm takes "
                   "one μ_B and σ²_B per feature (column) over the batch: axis=0.",
    "eps_outside": "ε is added outside the square root, (x − μ_B)/(σ_B + ε). Batch norm adds it to the "
                   "variance: (x − μ_B)/√(σ²_B + ε).",
    "no_eps": "ε is missing: divide by √(σ²_B + ε), not by σ_B (ε keeps a constant feature finite).",
    "variance": "x − μ_B is divided by the variance σ²_B + ε; divide by its square root, √(σ²_B + ε).",
    "no_affine": "y is x̂ without scale and shift: return y = γ·x̂ + β.",
    "swapped": "γ and β are swapped: γ scales and β shifts, y = γ·x̂ + β.",
}
_FORWARD_ORDER = tuple(_FORWARD)


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


_DX = {
    "no_mu": "dx misses the path through μ_B: every x_i also changes the batch mean, so dx needs the "
             "term (1/m)·∂L/∂μ_B, with ∂L/∂μ_B = −Σ_j ∂L/∂x̂_j / √(σ²_B + ε).",
    "no_var": "dx misses the path through σ²_B: every x_i also changes the batch variance, so dx needs "
              "the term ∂L/∂σ²_B · 2(x_i − μ_B)/m, with ∂L/∂σ²_B = Σ_j ∂L/∂x̂_j (x_j − μ_B) · "
              "(−½)(σ²_B + ε)^(−3/2).",
    "no_mu_no_var": "dx = dy·γ/√(σ²_B + ε) treats μ_B and σ²_B as constants; they are computed from the "
                    "same x, so dx needs the paths through both (the chain rule of Ioffe & Szegedy 2015, "
                    "§3). Closed form: dx = (1/√(σ²_B + ε))·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)), dx̂ = dy·γ.",
    "no_gamma": "dx is missing γ: the upstream gradient reaches x̂ as ∂L/∂x̂ = dy·γ (y = γ·x̂ + β).",
    "mu_no_m": "the path through μ_B lacks its 1/m: μ_B = (1/m) Σ x_i, so ∂μ_B/∂x_i = 1/m.",
}
_DX_ORDER = tuple(_DX)


def _close(a, b):
    return a.shape == b.shape and np.allclose(a, b, rtol=_RTOL, atol=_ATOL)


def _as_array(value, name):
    try:
        a = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None, f"{name} must be an array of numbers; got {type(value).__name__}"
    return a, None


def _check_forward(forward, x, gamma, beta, eps):
    """(cache or None, problem or None)."""
    out, problem = run_student(forward, x, gamma, beta, eps)
    if problem:
        return None, problem if problem == "NOT_IMPLEMENTED" else "my_batch_norm_forward " + problem
    if isinstance(out, np.ndarray) or not isinstance(out, (tuple, list)) or len(out) != 2:
        return None, ("my_batch_norm_forward must return a pair (y, cache) — the cache is whatever "
                      "your backward needs (x, x̂, μ_B, σ²_B, γ, ε …)")
    y, cache = out
    y, problem = _as_array(y, "y")
    if problem:
        return None, problem
    N, D = x.shape
    if y.shape != x.shape:
        hint = (" — one number per feature: that looks like μ_B or σ²_B, not the normalized batch"
                if y.shape in ((D,), (1, D)) else "")
        return None, f"y has shape {y.shape}; it must have the shape of x, {x.shape} (N examples, D features){hint}"
    if not np.all(np.isfinite(y)):
        return None, "y contains NaN or inf"
    cands = _forward_candidates(x, gamma, beta, eps)
    if _close(y, cands["right"]):
        return cache, None
    for name in _FORWARD_ORDER:
        if _close(y, cands[name]):
            return None, _FORWARD[name]
    j = int(np.flatnonzero(~np.all(np.isclose(y, cands["right"], rtol=_RTOL, atol=_ATOL), axis=0))[0])
    return None, (f"y is not right: feature {j} has mean {y[:, j].mean():.4f} and standard deviation "
                  f"{y[:, j].std():.4f} over the batch; batch norm gives mean β_j = {beta[j]:.4f} and "
                  f"standard deviation |γ_j|·σ_B/√(σ²_B + ε) = {cands['right'][:, j].std():.4f}.")


def _check_backward(backward, cache, x, gamma, eps, dy):
    out, problem = run_student(backward, dy, cache)
    if problem:
        return problem if problem == "NOT_IMPLEMENTED" else "my_batch_norm_backward " + problem
    if not isinstance(out, (tuple, list)) or len(out) != 3:
        return "my_batch_norm_backward must return three arrays (dx, dgamma, dbeta)"
    got = []
    for name, value in zip(("dx", "dgamma", "dbeta"), out):
        a, problem = _as_array(value, name)
        if problem:
            return problem
        got.append(a)
    dx, dgamma, dbeta = got
    N, D = x.shape
    if dx.shape != x.shape:
        return f"dx has shape {dx.shape}; it must have the shape of x, {x.shape}"
    for name, a in (("dgamma", dgamma), ("dbeta", dbeta)):
        if a.shape != (D,):
            hint = (" — sum over axis 0 without keepdims (or .reshape(-1))" if a.size == D else
                    " — one gradient per feature: sum over the batch (axis 0)" if a.shape == x.shape else "")
            return f"{name} has shape {a.shape}; it must have the shape of {name[1:]}, ({D},){hint}"
    cands = _backward_candidates(x, gamma, eps, dy)
    right_dx, right_dgamma, right_dbeta = cands["right"]
    problems = []
    if _close(dgamma, right_dbeta) and _close(dbeta, right_dgamma):
        problems.append("dgamma and dbeta are swapped: dγ = Σ dy·x̂ and dβ = Σ dy.")
    elif _close(dgamma, right_dgamma / N) or _close(dbeta, right_dbeta / N):
        problems.append("dgamma and dbeta are means over the batch; they are sums, dγ = Σ_i dy_i·x̂_i and "
                        "dβ = Σ_i dy_i: γ_j touches all N outputs of feature j, and the contributions of "
                        "all N add up. (The 1/N of a mean loss is already inside dy.)")
    else:
        for name, got_p, want in (("dgamma", dgamma, right_dgamma), ("dbeta", dbeta, right_dbeta)):
            if not _close(got_p, want):
                formula = "Σ_i dy_i·x̂_i" if name == "dgamma" else "Σ_i dy_i"
                problems.append(f"{name} is not right: it is {formula}, summed over the batch (axis 0).")
    if not _close(dx, right_dx):
        match = next((n for n in _DX_ORDER if _close(dx, cands[n][0])), None)
        if match:
            problems.append(_DX[match])
        else:
            err = np.linalg.norm(dx - right_dx) / (np.linalg.norm(dx) + np.linalg.norm(right_dx))
            problems.append(f"dx is not right (relative error {err:.2g}). Check it against a numerical "
                            "gradient (normlib.numerical_gradient), term by term: the paths through x̂, "
                            "σ²_B and μ_B.")
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
            return ("not implemented yet: my_batch_norm_forward still raises NotImplementedError (or "
                    "returns None). Write it — μ_B and σ²_B per feature over the batch, x̂, then γ·x̂ + β — "
                    "and run this cell again.")
        if problem:
            return f"not yet (forward, N = {x.shape[0]}, D = {x.shape[1]}, ε = {eps:g}): {problem}"
        caches.append(cache)
    for cache, (x, gamma, beta, eps, dy) in zip(caches, _cases()):
        problem = _check_backward(backward, cache, x, gamma, eps, dy)
        if problem == "NOT_IMPLEMENTED":
            return ("forward correct. The backward is not implemented yet: my_batch_norm_backward still "
                    "raises NotImplementedError (or returns None).")
        if problem:
            return f"forward correct. Not yet (backward, N = {x.shape[0]}, D = {x.shape[1]}): {problem}"
    return ("correct: the forward normalizes each feature over the batch with the biased variance, then "
            "scales and shifts; the backward gives dx through all three paths (x̂, σ²_B, μ_B) and dγ, dβ "
            "as sums over the batch.")
