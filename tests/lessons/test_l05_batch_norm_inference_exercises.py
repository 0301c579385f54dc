"""The notebook 05 checkers: a right answer passes, and each classic mistake is named."""

import numpy as np
import pytest

from normlib.lessons.l05_batch_norm_inference import check_bn_inference, check_running_update


def _raise(*_):
    raise NotImplementedError


# ----------------------------------------------------------------------------------------------
# check_running_update(fn(running_mean, running_var, x, momentum) -> (mean, var))
# ----------------------------------------------------------------------------------------------
def right_update(r_mean, r_var, x, momentum):
    return ((1 - momentum) * r_mean + momentum * x.mean(0),
            (1 - momentum) * r_var + momentum * x.var(0, ddof=1))


def in_place_update(r_mean, r_var, x, momentum):          # PyTorch updates its buffers in place
    r_mean *= 1 - momentum
    r_mean += momentum * x.mean(0)
    r_var *= 1 - momentum
    r_var += momentum * x.var(0) * len(x) / (len(x) - 1)
    return r_mean, r_var


def ema(old, new, w):
    return (1 - w) * old + w * new


def unbiased(x):
    return x.var(0, ddof=1)


@pytest.mark.parametrize("fn, expected", [
    (right_update, "correct"),
    (in_place_update, "correct"),
    (_raise, "not implemented yet"),
    (lambda r, v, x, w: None, "returned None"),
    (lambda r, v, x, w: ema(r, x.mean(0), w), "return a pair"),
    (lambda r, v, x, w: (w * r + (1 - w) * x.mean(0), w * v + (1 - w) * unbiased(x)), "weight of the *old* value"),
    (lambda r, v, x, w: (x.mean(0), unbiased(x)), "replaced it with the batch mean"),
    (lambda r, v, x, w: (r, ema(v, unbiased(x), w)), "came back unchanged"),
    (lambda r, v, x, w: ((1 - w) * r.mean() + w * x.mean(1), ema(v, unbiased(x), w)), "averaged over axis 1"),
    (lambda r, v, x, w: right_update(r, v, x, w)[::-1], "swapped"),
    (lambda r, v, x, w: (ema(r, x.mean(0), w), ema(v, x.var(0), w)), "biased (1/m)"),
    (lambda r, v, x, w: (ema(r, x.mean(0), w), ema(v, x.var(0) * (len(x) - 1) / len(x), w)), "upside down"),
    (lambda r, v, x, w: (ema(r, x.mean(0), w), ema(v, x.std(0, ddof=1), w)), "averaged a standard deviation"),
    (lambda r, v, x, w: (ema(r, x.mean(0), w), ema(v, x.std(0), w)), "(biased) standard deviation"),
    (lambda r, v, x, w: (ema(r, x.mean(0), w), unbiased(x)), "replaced it with the batch's variance"),
    (lambda r, v, x, w: (ema(r, x.mean(0), w), x.var(0)), "replaced it with the batch's biased variance"),
    (lambda r, v, x, w: (ema(r, x.mean(0), w), v), "running_var: it came back unchanged"),
    (lambda r, v, x, w: (ema(r, x.mean(0), w), w * v + (1 - w) * unbiased(x)), "flipped convention"),
    (lambda r, v, x, w: (ema(r, x.mean(0), w), w * v + (1 - w) * x.var(0)), "and the biased 1/m variance stored"),
    (lambda r, v, x, w: (ema(r, x.mean(0), w),
                         ema(v, ((x - ema(r, x.mean(0), w)) ** 2).sum(0) / (len(x) - 1), w)), "about the running mean"),
    (lambda r, v, x, w: (ema(r, x.mean(0), w), ema(v, ((x - r) ** 2).sum(0) / (len(x) - 1), w)), "about the old running mean"),
    (lambda r, v, x, w: (ema(r, x.mean(0), w), ema(v, unbiased(x), w) + 1), "running_var is not"),
    (lambda r, v, x, w: (ema(r, x.mean(0), w)[:1], ema(v, unbiased(x), w)), "expected shape"),
    (lambda r, v, x, w: (ema(r, x.mean(0), w) + 1, ema(v, unbiased(x), w)), "running_mean: not"),
    (lambda r, v, x, w: 1 / 0, "raised ZeroDivisionError"),
])
def test_running_update_checker_diagnoses(fn, expected):
    text = check_running_update(fn)
    assert expected in text, text
    assert text.startswith("correct") == (expected == "correct")


# ----------------------------------------------------------------------------------------------
# check_bn_inference(fn(x, running_mean, running_var, gamma, beta, eps) -> y)
# ----------------------------------------------------------------------------------------------
def right_inference(x, rm, rv, g, b, eps):
    return g * (x - rm) / np.sqrt(rv + eps) + b


def batch_stats_strict(x, rm, rv, g, b, eps):
    return g * (x - x.mean(0)) / np.sqrt(x.var(0, ddof=1) + eps) + b   # NaN for a batch of one


@pytest.mark.parametrize("fn, expected", [
    (right_inference, "correct"),
    (lambda x, rm, rv, g, b, eps: (g / np.sqrt(rv + eps)) * x + (b - g * rm / np.sqrt(rv + eps)), "correct"),
    (_raise, "not implemented yet"),
    (lambda *a: None, "returned None"),
    (lambda x, rm, rv, g, b, eps: g * (x - x.mean(0)) / np.sqrt(x.var(0) + eps) + b, "batch's own mean and variance"),
    (batch_stats_strict, "(unbiased) variance"),
    (lambda x, rm, rv, g, b, eps: g * (x - rm) / np.sqrt(rv) + b, "ε is missing"),
    (lambda x, rm, rv, g, b, eps: g * (x - rm) / (np.sqrt(rv) + eps) + b, "ε is outside the square root"),
    (lambda x, rm, rv, g, b, eps: g * (x - rm) / (rv + eps) + b, "divided by the variance"),
    (lambda x, rm, rv, g, b, eps: (x - rm) / np.sqrt(rv + eps), "scale and shift are missing"),
    (lambda x, rm, rv, g, b, eps: (x - rm) / np.sqrt(rv + eps) + b, "γ is missing"),
    (lambda x, rm, rv, g, b, eps: g * (x - rm) / np.sqrt(rv + eps), "β is missing"),
    (lambda x, rm, rv, g, b, eps: b * (x - rm) / np.sqrt(rv + eps) + g, "γ and β are swapped"),
    (lambda x, rm, rv, g, b, eps: g * (x - rm) / np.sqrt(rv * (len(x) - 1) / len(x) + eps) + b, "(m − 1)/m"),
    (lambda x, rm, rv, g, b, eps: right_inference(x, rm, rv, g, b, eps).mean(0), "shape of x"),
    (lambda x, rm, rv, g, b, eps: right_inference(x, rm, rv, g, b, eps) + 1, "not γ·(x − running_mean)"),
    (lambda x, rm, rv, g, b, eps: right_inference(x, rm, rv, g, b, eps) * ((len(x) - 1) / (len(x) - 1)),
     "on a batch of one example, your function raised ZeroDivisionError"),
])
def test_bn_inference_checker_diagnoses(fn, expected):
    text = check_bn_inference(fn)
    assert expected in text, text
    assert text.startswith("correct") == (expected == "correct")


def test_batch_statistics_are_caught_on_the_batch_of_one_too():
    calls = []

    def batch_stats_only_when_one(x, rm, rv, g, b, eps):   # right, except for a single example
        calls.append(len(x))
        if len(x) == 1:
            return g * (x - x.mean(0)) / np.sqrt(x.var(0) + eps) + b
        return right_inference(x, rm, rv, g, b, eps)

    text = check_bn_inference(batch_stats_only_when_one)
    assert "β for every unit" in text and 1 in calls


def test_the_feedback_speaks_the_readers_language():
    """The same mistake named in English (the default) and, after nl.set_language("ko"), in Korean."""
    import normlib as nl

    def flipped(r_mean, r_var, x, momentum):
        return (momentum * r_mean + (1 - momentum) * x.mean(0),
                momentum * r_var + (1 - momentum) * x.var(0, ddof=1))

    def batch_stats(x, rm, rv, gamma, beta, eps):
        return gamma * (x - x.mean(0)) / np.sqrt(x.var(0) + eps) + beta

    assert "weight of the *old* value" in check_running_update(flipped)
    nl.set_language("ko")
    try:
        assert "*이전* 값의 가중치" in check_running_update(flipped)
        assert check_running_update(right_update).startswith("정답")
        assert "배치 자신의 평균과 분산" in check_bn_inference(batch_stats)
    finally:
        nl.set_language("en")
