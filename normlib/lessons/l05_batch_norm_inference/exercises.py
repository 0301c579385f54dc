"""Exercise checkers for notebook 05: the running-average update and inference-time batch norm.

``check_running_update(fn)`` checks ``fn(running_mean, running_var, x, momentum) -> (mean, var)``,
one training step's update of the running statistics from the batch ``x`` of shape (m, C), PyTorch's
way (momentum = weight of the new batch; the stored variance is the unbiased m/(m − 1)·σ²_B). It
recognises: the flipped momentum convention (0.1 used as the weight of the *old* value); the biased
1/m variance stored (or the correction inverted); a standard deviation instead of a variance; the
statistic replaced instead of averaged, or not updated; statistics over the wrong axis; the variance
taken about the running mean instead of the batch mean.

``check_bn_inference(fn)`` checks ``fn(x, running_mean, running_var, gamma, beta, eps) -> y``. It
recognises: the batch's own statistics used at inference (including on a batch of one); ε missing
or added outside the square root; a variance used where a standard deviation belongs; γ or β
missing or swapped; the m/(m − 1) correction undone again.
"""

import numpy as np

from ...checking import call_student

__all__ = ["check_running_update", "check_bn_inference"]

_RTOL, _ATOL = 1e-5, 1e-8


def _close(a, b):
    return a is not None and b is not None and a.shape == b.shape and np.allclose(a, b, _RTOL, _ATOL)


def _name(fn):
    return getattr(fn, "__name__", "your function")


# ----------------------------------------------------------------------------------------------
# The running-average update
# ----------------------------------------------------------------------------------------------
def _update_cases():
    rng = np.random.default_rng(20150302)
    cases = []
    for m, C, momentum in ((4, 3, 0.1), (6, 5, 0.3), (3, 2, 0.1)):
        running_mean = rng.normal(0.0, 1.0, C)
        running_var = rng.uniform(0.5, 2.0, C)
        x = rng.normal(rng.uniform(-3, 3, C), rng.uniform(0.5, 3.0, C), (m, C))
        cases.append((running_mean, running_var, x, momentum))
    return cases


def _update_candidates(r_mean, r_var, x, w):
    m = x.shape[0]
    mu, var = x.mean(axis=0), x.var(axis=0)
    unbiased = var * m / (m - 1)
    new_mean = (1 - w) * r_mean + w * mu
    ema = lambda old, new: (1 - w) * old + w * new
    return {
        "mean": {
            "flipped": w * r_mean + (1 - w) * mu,
            "replaced": mu,
            "unchanged": r_mean,
            "axis1": (1 - w) * r_mean.mean() + w * x.mean(axis=1),
        },
        "right": (new_mean, ema(r_var, unbiased)),
        "var": {
            "flipped": w * r_var + (1 - w) * unbiased,
            "flipped_biased": w * r_var + (1 - w) * var,
            "biased": ema(r_var, var),
            "inverted": ema(r_var, var * (m - 1) / m),
            "std": ema(r_var, np.sqrt(unbiased)),
            "std_biased": ema(r_var, np.sqrt(var)),
            "replaced": unbiased,
            "replaced_biased": var,
            "unchanged": r_var,
            "about_running_mean": ema(r_var, np.mean((x - new_mean) ** 2, axis=0) * m / (m - 1)),
            "about_old_mean": ema(r_var, np.mean((x - r_mean) ** 2, axis=0) * m / (m - 1)),
        },
    }


_MEAN_EXPLAIN = {
    "flipped": "running_mean: you used momentum as the weight of the *old* value, "
               "momentum·r + (1 − momentum)·μ_B — the CS231n way of writing it, where the number is 0.9. "
               "In PyTorch's convention (and here) momentum = 0.1 is the weight of the *new* batch: "
               "r ← (1 − momentum)·r + momentum·μ_B. With the flipped formula, 0.1 puts 90% of the weight "
               "on the current batch: the estimate follows every batch's noise.",
    "replaced": "running_mean: you replaced it with the batch mean μ_B. The running estimate must average "
                "over many batches: r ← (1 − momentum)·r + momentum·μ_B.",
    "unchanged": "running_mean: it came back unchanged; update it with the batch: "
                 "r ← (1 − momentum)·r + momentum·μ_B.",
    "axis1": "running_mean: you averaged over axis 1 (one mean per example). BN keeps one statistic per "
             "unit, averaged over the batch: x.mean(axis=0).",
}

_VAR_EXPLAIN = {
    "flipped": "running_var: momentum used as the weight of the old value (flipped convention); use "
               "(1 − momentum)·r + momentum·σ²_B·m/(m − 1), as for the mean.",
    "flipped_biased": "running_var: momentum used as the weight of the old value (flipped convention), "
                      "and the biased 1/m variance stored; use (1 − momentum)·r + momentum·σ²_B·m/(m − 1).",
    "biased": "running_var: you stored the biased (1/m) batch variance. BN *normalizes* with the 1/m "
              "variance, but the running estimate stores the unbiased m/(m − 1)·σ²_B (Algorithm 2 of "
              "the BN paper; PyTorch does the same): the mean of the 1/m variances underestimates the "
              "population variance by the factor (m − 1)/m. Use x.var(axis=0, ddof=1).",
    "inverted": "running_var: the correction is upside down: you multiplied σ²_B by (m − 1)/m. The factor "
                "that removes the bias is m/(m − 1) (it makes the variance larger), i.e. ddof=1.",
    "std": "running_var: you averaged a standard deviation. Store the variance, σ²_B·m/(m − 1) "
           "(x.var(axis=0, ddof=1)); the square root is taken when normalizing.",
    "std_biased": "running_var: you averaged the (biased) standard deviation. Store the unbiased variance "
                  "x.var(axis=0, ddof=1); the square root is taken when normalizing.",
    "replaced": "running_var: you replaced it with the batch's variance; average it: "
                "(1 − momentum)·r + momentum·σ²_B·m/(m − 1).",
    "replaced_biased": "running_var: you replaced it with the batch's biased variance; average the unbiased "
                       "one: (1 − momentum)·r + momentum·σ²_B·m/(m − 1).",
    "unchanged": "running_var: it came back unchanged; update it with the batch's unbiased variance.",
    "about_running_mean": "running_var: the variance was taken about the running mean, not about the batch "
                          "mean μ_B. σ²_B is the batch's own variance: x.var(axis=0, ddof=1).",
    "about_old_mean": "running_var: the variance was taken about the old running mean, not about the batch "
                      "mean μ_B. σ²_B is the batch's own variance: x.var(axis=0, ddof=1).",
}


def check_running_update(fn):
    """Check ``fn(running_mean, running_var, x, momentum) -> (new_mean, new_var)``: one training
    step's update of BN's running statistics from the batch ``x`` (shape (m, C)), PyTorch's way.

    Returns feedback text (print it)."""
    for r_mean, r_var, x, w in _update_cases():
        got, error = call_student(fn, _name(fn), "the pair (new_mean, new_var) — also if you updated "
                                  "the arrays in place", r_mean, r_var, x, w)
        if error:
            return error
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            return "return a pair (new_mean, new_var)"
        try:
            mean, var = (np.asarray(g, dtype=float) for g in got)
        except (TypeError, ValueError):
            return "return a pair of arrays (new_mean, new_var)"
        c = _update_candidates(r_mean, r_var, x, w)
        right_mean, right_var = c["right"]
        if not _close(mean, right_mean):
            for name, value in c["mean"].items():
                if _close(mean, value):
                    return _MEAN_EXPLAIN[name]
            if _close(mean, right_var) and _close(var, right_mean):
                return "the two results are swapped: return (new_mean, new_var)"
            if mean.shape != right_mean.shape:
                return (f"running_mean: expected shape {right_mean.shape} (one value per unit, C = "
                        f"{x.shape[1]}); got {mean.shape}")
            return "running_mean: not (1 − momentum)·running_mean + momentum·μ_B"
        if not _close(var, right_var):
            for name, value in c["var"].items():
                if _close(var, value):
                    return _VAR_EXPLAIN[name]
            if var.shape != right_var.shape:
                return f"running_var: expected shape {right_var.shape}; got {var.shape}"
            return "running_mean is right; running_var is not (1 − momentum)·running_var + momentum·σ²_B·m/(m − 1)"
    return ("correct: r ← (1 − momentum)·r + momentum·(batch statistic), with momentum the weight of the "
            "new batch and the unbiased m/(m − 1) variance stored")


# ----------------------------------------------------------------------------------------------
# Inference-time BN
# ----------------------------------------------------------------------------------------------
def _inference_cases():
    """Running statistics deliberately unlike the batch's own, a large ε (so that where ε goes
    shows), and a batch of one."""
    rng = np.random.default_rng(20150211)
    cases = []
    for m, C, eps in ((5, 4, 1e-5), (8, 3, 0.5), (1, 4, 1e-5)):
        x = rng.normal(rng.uniform(-2, 2, C), rng.uniform(0.5, 2.0, C), (m, C))
        running_mean = rng.normal(0.0, 2.0, C)
        running_var = rng.uniform(0.2, 4.0, C)
        gamma = rng.uniform(0.5, 2.0, C)
        beta = rng.normal(0.0, 1.0, C)
        cases.append((x, running_mean, running_var, gamma, beta, eps))
    return cases


def _inference_candidates(x, rm, rv, gamma, beta, eps):
    m = x.shape[0]
    norm = lambda mean, var: (x - mean) / np.sqrt(var + eps)
    out = {
        "right": gamma * norm(rm, rv) + beta,
        "no_eps": gamma * (x - rm) / np.sqrt(rv) + beta,
        "eps_outside": gamma * (x - rm) / (np.sqrt(rv) + eps) + beta,
        "var_not_std": gamma * (x - rm) / (rv + eps) + beta,
        "no_affine": norm(rm, rv),
        "no_gamma": norm(rm, rv) + beta,
        "no_beta": gamma * norm(rm, rv),
        "swapped_affine": beta * norm(rm, rv) + gamma,
    }
    if m > 1:
        out["rebiased"] = gamma * norm(rm, rv * (m - 1) / m) + beta
    with np.errstate(invalid="ignore", divide="ignore"):
        out["batch_stats"] = gamma * norm(x.mean(0), x.var(0)) + beta
        out["batch_stats_ddof1"] = gamma * norm(x.mean(0), x.var(0, ddof=1)) + beta if m > 1 else None
    return out


_INFERENCE_EXPLAIN = {
    "batch_stats": "you normalized with the batch's own mean and variance. At inference BN uses the "
                   "running (population) statistics, so that a prediction does not depend on the other "
                   "examples in the batch and works for a single example: (x − running_mean) / "
                   "√(running_var + ε).",
    "batch_stats_ddof1": "you normalized with the batch's own mean and (unbiased) variance. At inference "
                         "BN uses running_mean and running_var, never the batch's statistics.",
    "no_eps": "ε is missing: divide by √(running_var + ε). ε keeps the division safe for a unit whose "
              "variance is (near) 0, and the network was trained with it.",
    "eps_outside": "ε is outside the square root: √(running_var + ε), not √running_var + ε (the BN paper "
                   "and PyTorch add it to the variance).",
    "var_not_std": "you divided by the variance; divide by the standard deviation √(running_var + ε).",
    "no_affine": "the scale and shift are missing: y = γ·x̂ + β (γ and β were learned in training and are "
                 "used at inference as they are).",
    "no_gamma": "γ is missing: y = γ·x̂ + β.",
    "no_beta": "β is missing: y = γ·x̂ + β.",
    "swapped_affine": "γ and β are swapped: γ scales, β shifts: y = γ·x̂ + β.",
    "rebiased": "you multiplied running_var by (m − 1)/m. The running variance is already the population "
                "estimate (it was stored unbiased, m/(m − 1)·σ²_B): use it as it is.",
}


def check_bn_inference(fn):
    """Check ``fn(x, running_mean, running_var, gamma, beta, eps) -> y``: batch norm in eval mode
    for ``x`` of shape (m, C) — including a batch of one example.

    Returns feedback text (print it)."""
    for x, rm, rv, gamma, beta, eps in _inference_cases():
        got, error = call_student(fn, _name(fn), "y", x, rm, rv, gamma, beta, eps)
        if error and x.shape[0] == 1 and not error.startswith("your function returned None"):
            return (f"on a batch of one example, {error[0].lower()}{error[1:]} — at inference "
                    "BN must work on a single example: it uses no batch statistics")
        if error:
            return error
        try:
            y = np.asarray(got, dtype=float)
        except (TypeError, ValueError):
            return "return y as an array of the shape of x"
        c = _inference_candidates(x, rm, rv, gamma, beta, eps)
        if _close(y, c["right"]):
            continue
        if y.shape != x.shape:
            return f"y must have the shape of x, {x.shape}; got {y.shape}"
        if x.shape[0] == 1 and (not np.all(np.isfinite(y)) or _close(y, np.broadcast_to(beta, x.shape))):
            return ("on a batch of one example your output is " + ("NaN/inf" if not np.all(np.isfinite(y))
                    else "β for every unit") + ": the batch's own statistics were used (x − μ_B = 0). "
                    + _INFERENCE_EXPLAIN["batch_stats"])
        for name, text in _INFERENCE_EXPLAIN.items():
            if _close(y, c.get(name)):
                return text
        return "not γ·(x − running_mean)/√(running_var + ε) + β"
    return ("correct: y = γ·(x − running_mean)/√(running_var + ε) + β — one affine map per unit, the "
            "same for a batch of one")
