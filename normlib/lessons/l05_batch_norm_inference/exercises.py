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
from ...i18n import t

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


# The explanations live in the message catalogue (normlib/locale/*.json), keys
# l05.check.mean.<name>, l05.check.var.<name> and l05.check.inference.<name>.
_MEAN_EXPLAIN = ("flipped", "replaced", "unchanged", "axis1")
_VAR_EXPLAIN = ("flipped", "flipped_biased", "biased", "inverted", "std", "std_biased", "replaced",
                "replaced_biased", "unchanged", "about_running_mean", "about_old_mean")


def check_running_update(fn):
    """Check ``fn(running_mean, running_var, x, momentum) -> (new_mean, new_var)``: one training
    step's update of BN's running statistics from the batch ``x`` (shape (m, C)), PyTorch's way.

    Returns feedback text (print it)."""
    for r_mean, r_var, x, w in _update_cases():
        got, error = call_student(fn, _name(fn), t("l05.check.returns_pair"), r_mean, r_var, x, w)
        if error:
            return error
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            return t("l05.check.not_a_pair")
        try:
            mean, var = (np.asarray(g, dtype=float) for g in got)
        except (TypeError, ValueError):
            return t("l05.check.not_arrays")
        c = _update_candidates(r_mean, r_var, x, w)
        right_mean, right_var = c["right"]
        if not _close(mean, right_mean):
            for name, value in c["mean"].items():
                if _close(mean, value):
                    return t(f"l05.check.mean.{name}")
            if _close(mean, right_var) and _close(var, right_mean):
                return t("l05.check.swapped_results")
            if mean.shape != right_mean.shape:
                return t("l05.check.mean_shape", expected=right_mean.shape, C=x.shape[1], got=mean.shape)
            return t("l05.check.mean_wrong")
        if not _close(var, right_var):
            for name, value in c["var"].items():
                if _close(var, value):
                    return t(f"l05.check.var.{name}")
            if var.shape != right_var.shape:
                return t("l05.check.var_shape", expected=right_var.shape, got=var.shape)
            return t("l05.check.var_wrong")
    return t("l05.check.update_correct")


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


_INFERENCE_EXPLAIN = ("batch_stats", "batch_stats_ddof1", "no_eps", "eps_outside", "var_not_std", "no_affine",
                      "no_gamma", "no_beta", "swapped_affine", "rebiased")


def check_bn_inference(fn):
    """Check ``fn(x, running_mean, running_var, gamma, beta, eps) -> y``: batch norm in eval mode
    for ``x`` of shape (m, C) — including a batch of one example.

    Returns feedback text (print it)."""
    for x, rm, rv, gamma, beta, eps in _inference_cases():
        got, error = call_student(fn, _name(fn), "y", x, rm, rv, gamma, beta, eps)
        if error and x.shape[0] == 1 and not error.startswith(t("checking.returned_none", returns="y")):
            return t("l05.check.one_example_error", error=error[0].lower() + error[1:])
        if error:
            return error
        try:
            y = np.asarray(got, dtype=float)
        except (TypeError, ValueError):
            return t("l05.check.not_an_array")
        c = _inference_candidates(x, rm, rv, gamma, beta, eps)
        if _close(y, c["right"]):
            continue
        if y.shape != x.shape:
            return t("l05.check.y_shape", expected=x.shape, got=y.shape)
        if x.shape[0] == 1 and (not np.all(np.isfinite(y)) or _close(y, np.broadcast_to(beta, x.shape))):
            key = "l05.check.one_example_nan" if not np.all(np.isfinite(y)) else "l05.check.one_example_beta"
            return t(key, explain=t("l05.check.inference.batch_stats"))
        for name in _INFERENCE_EXPLAIN:
            if _close(y, c.get(name)):
                return t(f"l05.check.inference.{name}")
        return t("l05.check.inference_wrong")
    return t("l05.check.inference_correct")
