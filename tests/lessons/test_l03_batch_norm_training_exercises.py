"""check_batch_norm (notebook 03) accepts right answers and recognises each classic mistake,
one deliberately wrong solution per diagnosis."""

import numpy as np
import pytest

from normlib.lessons.l03_batch_norm_training import check_batch_norm


# -- right answers, written two ways ------------------------------------------------------------------
def forward(x, gamma, beta, eps=1e-5):
    mu, var = x.mean(axis=0), x.var(axis=0)
    x_hat = (x - mu) / np.sqrt(var + eps)
    return gamma * x_hat + beta, {"x": x, "x_hat": x_hat, "mu": mu, "var": var, "gamma": gamma, "eps": eps}


def backward(dy, cache):
    """The closed form."""
    x_hat, gamma, inv = cache["x_hat"], cache["gamma"], 1 / np.sqrt(cache["var"] + cache["eps"])
    g = dy * gamma
    dx = inv * (g - g.mean(axis=0) - x_hat * (g * x_hat).mean(axis=0))
    return dx, np.sum(dy * x_hat, axis=0), np.sum(dy, axis=0)


def backward_staged(dy, cache, with_mu=True, with_var=True, mu_m=None, use_gamma=True):
    """The paper's chain rule, node by node; the keyword arguments switch paths off for the mistakes."""
    x, mu, var, eps = cache["x"], cache["mu"], cache["var"], cache["eps"]
    m = x.shape[0]
    g = dy * cache["gamma"] if use_gamma else dy
    dvar = np.sum(g * (x - mu), axis=0) * -0.5 * (var + eps) ** -1.5
    dmu = np.sum(-g / np.sqrt(var + eps), axis=0) + dvar * np.mean(-2 * (x - mu), axis=0)
    dx = g / np.sqrt(var + eps)
    if with_var:
        dx = dx + dvar * 2 * (x - mu) / m
    if with_mu:
        dx = dx + dmu / (mu_m or m)
    return dx, np.sum(dy * cache["x_hat"], axis=0), np.sum(dy, axis=0)


def forward_tuple_cache(x, gamma, beta, eps=1e-5):
    y, c = forward(x, gamma, beta, eps)
    return y.tolist(), (c["x_hat"], c["gamma"], c["var"], c["eps"])


def backward_tuple_cache(dy, cache):
    x_hat, gamma, var, eps = cache
    return backward(dy, {"x_hat": x_hat, "gamma": gamma, "var": var, "eps": eps})


@pytest.mark.parametrize("fwd, bwd", [(forward, backward), (forward, backward_staged),
                                      (forward_tuple_cache, backward_tuple_cache)])
def test_right_answers_pass(fwd, bwd):
    text = check_batch_norm(fwd, bwd)
    assert text.startswith("correct:"), text


# -- forward mistakes ---------------------------------------------------------------------------------
def _affine_of(standardize):
    def fwd(x, gamma, beta, eps=1e-5):
        return gamma * standardize(x, eps) + beta, None
    return fwd


unbiased = _affine_of(lambda x, eps: (x - x.mean(0)) / np.sqrt(x.var(0, ddof=1) + eps))
per_example = _affine_of(lambda x, eps: (x - x.mean(1, keepdims=True)) / np.sqrt(x.var(1, keepdims=True) + eps))
whole_array = _affine_of(lambda x, eps: (x - x.mean()) / np.sqrt(x.var() + eps))
eps_outside = _affine_of(lambda x, eps: (x - x.mean(0)) / (x.std(0) + eps))
no_eps = _affine_of(lambda x, eps: (x - x.mean(0)) / x.std(0))
by_variance = _affine_of(lambda x, eps: (x - x.mean(0)) / (x.var(0) + eps))


def no_affine(x, gamma, beta, eps=1e-5):
    return (x - x.mean(0)) / np.sqrt(x.var(0) + eps), None


def swapped(x, gamma, beta, eps=1e-5):
    return beta * (x - x.mean(0)) / np.sqrt(x.var(0) + eps) + gamma, None


def returns_mean(x, gamma, beta, eps=1e-5):
    return x.mean(0), None


def returns_y_only(x, gamma, beta, eps=1e-5):
    return forward(x, gamma, beta, eps)[0]


def forward_crashes(x, gamma, beta, eps=1e-5):
    return x.nope


def forward_stub(x, gamma, beta, eps=1e-5):
    raise NotImplementedError


def forward_slightly_off(x, gamma, beta, eps=1e-5):
    y, c = forward(x, gamma, beta, eps)
    return y * 1.01, c


@pytest.mark.parametrize("fwd, expected", [
    (unbiased, "unbiased variance, 1/(m−1)"),
    (per_example, "per example (each row, axis=1): that is layer norm"),
    (whole_array, "one mean and one variance for the whole array"),
    (eps_outside, "ε is added outside the square root"),
    (no_eps, "ε is missing"),
    (by_variance, "divided by the variance"),
    (no_affine, "without scale and shift"),
    (swapped, "γ and β are swapped"),
    (returns_mean, "that looks like μ_B or σ²_B"),
    (returns_y_only, "must return a pair (y, cache)"),
    (forward_crashes, "my_batch_norm_forward raised AttributeError"),
    (forward_slightly_off, "y is not right: feature 0"),
])
def test_forward_mistakes_are_explained(fwd, expected):
    text = check_batch_norm(fwd, backward)
    assert text.startswith("not yet (forward"), text
    assert expected in text, text


def test_stubs_say_not_implemented():
    assert check_batch_norm(forward_stub, backward).startswith("not implemented yet: my_batch_norm_forward")

    def backward_stub(dy, cache):
        raise NotImplementedError
    assert check_batch_norm(forward, backward_stub).startswith("forward correct. The backward is not implemented")


# -- backward mistakes --------------------------------------------------------------------------------
def means_not_sums(dy, cache):
    dx, dg, db = backward(dy, cache)
    return dx, dg / len(dy), db / len(dy)


def swapped_grads(dy, cache):
    dx, dg, db = backward(dy, cache)
    return dx, db, dg


def dgamma_keepdims(dy, cache):
    dx, dg, db = backward(dy, cache)
    return dx, dg[None, :], db


def dgamma_not_summed(dy, cache):
    dx, dg, db = backward(dy, cache)
    return dx, dy * cache["x_hat"], db


def dx_transposed(dy, cache):
    dx, dg, db = backward(dy, cache)
    return dx.T, dg, db


def two_outputs(dy, cache):
    return backward(dy, cache)[:2]


def backward_crashes(dy, cache):
    return cache["nope"]


def dx_slightly_off(dy, cache):
    dx, dg, db = backward(dy, cache)
    return 1.05 * dx, dg, db


def dbeta_wrong(dy, cache):
    dx, dg, db = backward(dy, cache)
    return dx, dg, db + 1


@pytest.mark.parametrize("bwd, expected", [
    (means_not_sums, "dgamma and dbeta are means over the batch; they are sums"),
    (swapped_grads, "dgamma and dbeta are swapped"),
    (lambda dy, c: backward_staged(dy, c, with_mu=False), "dx misses the path through μ_B"),
    (lambda dy, c: backward_staged(dy, c, with_var=False), "dx misses the path through σ²_B"),
    (lambda dy, c: backward_staged(dy, c, with_mu=False, with_var=False), "treats μ_B and σ²_B as constants"),
    (lambda dy, c: backward_staged(dy, c, use_gamma=False), "dx is missing γ"),
    (lambda dy, c: backward_staged(dy, c, mu_m=1), "lacks its 1/m"),
    (dgamma_keepdims, "dgamma has shape (1, 3); it must have the shape of gamma, (3,) — sum over axis 0 without keepdims"),
    (dgamma_not_summed, "one gradient per feature: sum over the batch"),
    (dx_transposed, "dx has shape (3, 8)"),
    (two_outputs, "must return three arrays"),
    (backward_crashes, "my_batch_norm_backward raised KeyError"),
    (dx_slightly_off, "dx is not right (relative error"),
    (dbeta_wrong, "dbeta is not right"),
])
def test_backward_mistakes_are_explained(bwd, expected):
    text = check_batch_norm(forward, bwd)
    assert text.startswith("forward correct. Not yet (backward"), text
    assert expected in text, text


def test_bad_call():
    with pytest.raises(TypeError, match="forward must be your function my_batch_norm_forward"):
        check_batch_norm(None, backward)
    with pytest.raises(TypeError, match="backward must be your function my_batch_norm_backward"):
        check_batch_norm(forward, "backward")
