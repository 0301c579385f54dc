"""Exercise checkers for notebook 07: which axes LN and per-step BN average over on sequences, layer
norm's forward written by the student, and one LN-RNN step.

Every sentence a student reads comes from the message catalogue (keys ``l07.check.*``,
normlib/locale/<lang>.json), so the Korean edition's checkers speak Korean.
"""

import numpy as np

from ...checking import answer_axes, call_student, check_answers, matching_mistake
from ...i18n import t

__all__ = ["SEQUENCE_AXES", "check_sequence_axes", "check_layer_norm", "check_ln_rnn_step"]

# For summed inputs of shape (N, T, d_h) = (examples, time steps, units).
SEQUENCE_AXES = {"layer": (2,), "batch": (0,)}
_AXIS_KEYS = {0: "axis_n", 1: "axis_t", 2: "axis_units"}
_KNOWN = {
    ("layer", (0,)): "layer_0",
    ("layer", (1, 2)): "layer_12",
    ("layer", (0, 1, 2)): "layer_012",
    ("layer", (1,)): "layer_1",
    ("batch", (2,)): "batch_2",
    ("batch", (0, 1)): "batch_01",
    ("batch", (0, 2)): "batch_02",
}


def _axis_names(axes):
    return [t(f"l07.check.{_AXIS_KEYS[a]}") for a in axes]


def _diagnose(which, answer):
    if answer is None:
        return t("l07.check.not_answered")
    try:
        axes = answer_axes(answer, 3)
    except (TypeError, ValueError):
        return t("l07.check.not_axes", answer=repr(answer))
    right = SEQUENCE_AXES[which]
    if axes == right:
        return t("l07.check.axes_correct", axes=axes, what=t(f"l07.check.what_{which}"))
    if (which, axes) in _KNOWN:
        return t(f"l07.check.{_KNOWN[(which, axes)]}")
    return t("l07.check.axes_other", axes=axes, right=_axis_names(right),
             kept=_axis_names([a for a in range(3) if a not in right]))


def check_sequence_axes(answers):
    """Check ``{"layer": axes, "batch": axes}``: the axes that layer norm and the per-step batch
    norm of an RNN average over, for summed inputs of shape (N, T, d_h). Returns feedback text."""
    return check_answers(answers, SEQUENCE_AXES, _diagnose, width=6)


# ---------------------------------------------------------------------------------------------
# Layer norm's forward: y = γ ⊙ (a − μ)/√(σ² + ε) + β, μ and σ² over the d_h units of each example.
def _ln(a, axis=-1, ddof=0, eps=1e-5, eps_outside=False, variance=False):
    mu = a.mean(axis=axis, keepdims=True)
    var = a.var(axis=axis, ddof=ddof, keepdims=True)
    if variance:
        return (a - mu) / (var + eps)
    return (a - mu) / (np.sqrt(var) + eps if eps_outside else np.sqrt(var + eps))


def _ln_cases():
    rng = np.random.default_rng(2016)
    cases = []
    for m, d_h, eps in ((5, 6, 1e-5), (4, 8, 0.5)):          # the second ε is large: it must go inside √
        a = rng.uniform(-3, 3, (m, 1)) + rng.uniform(0.5, 3, (m, 1)) * rng.standard_normal((m, d_h))
        gamma = rng.uniform(0.5, 2.0, d_h) * rng.choice([-1, 1], d_h)
        beta = rng.uniform(-2, 2, d_h)
        cases.append((a, gamma, beta, eps))
    return cases


def _ln_mistakes(a, gamma, beta, eps):
    """(what a classic mistake returns, its catalogue key), in the order they are recognised."""
    return [
        (gamma * _ln(a, axis=0, eps=eps) + beta, "ln_batch_axis"),
        (gamma * _ln(a, axis=None, eps=eps) + beta, "ln_whole_array"),
        (gamma * _ln(a, ddof=1, eps=eps) + beta, "ln_unbiased"),
        (gamma * _ln(a, eps=eps, eps_outside=True) + beta, "ln_eps_outside"),
        (gamma * _ln(a, eps=0.0) + beta, "ln_no_eps"),
        (gamma * _ln(a, eps=eps, variance=True) + beta, "ln_variance"),
        (_ln(a, eps=eps), "ln_no_affine"),
        (beta * _ln(a, eps=eps) + gamma, "ln_swapped"),
        (gamma * (a - a.mean(-1, keepdims=True)) + beta, "ln_no_divide"),
        (gamma * a / np.sqrt((a * a).mean(-1, keepdims=True) + eps) + beta, "ln_rms"),
    ]


def check_layer_norm(fn):
    """Check ``fn(a, gamma, beta, eps) -> y``: layer norm's forward for a batch a of shape
    (m, d_h), γ and β of shape (d_h,): the mean and the biased variance of each example's d_h
    units, ε inside the square root, then y = γ ⊙ â + β. Returns feedback text (print it)."""
    for a, gamma, beta, eps in _ln_cases():
        got, problem = call_student(fn, "my_layer_norm", "y", a, gamma, beta, eps)
        if problem:
            return problem
        try:
            got = np.asarray(got, dtype=float)
        except (TypeError, ValueError):
            return t("l07.check.ln_not_array", kind=type(got).__name__)
        if got.shape != a.shape:
            return t("l07.check.ln_shape", want=a.shape, got=got.shape)
        if np.allclose(got, gamma * _ln(a, eps=eps) + beta, rtol=1e-6, atol=1e-8):
            continue
        key = matching_mistake(got, _ln_mistakes(a, gamma, beta, eps), rtol=1e-6, atol=1e-8)
        if key:
            return t(f"l07.check.{key}")
        return t("l07.check.ln_other")
    return t("l07.check.ln_correct")


# ---------------------------------------------------------------------------------------------
def _step_cases():
    rng = np.random.default_rng(2016)
    N, D, d_h = 5, 4, 6
    cases = []
    for scale in (1.0, 3.0):
        cases.append(dict(x_t=rng.standard_normal((N, D)), h_prev=np.tanh(rng.standard_normal((N, d_h))),
                          W_xh=scale * rng.standard_normal((d_h, D)), W_hh=rng.standard_normal((d_h, d_h)),
                          gamma=rng.uniform(0.5, 1.5, d_h), beta=rng.normal(0, 0.5, d_h)))
    return cases


def _wrong_answers(c):
    """(what each classic mistake would return on case c, its catalogue key)."""
    ax, ah = c["x_t"] @ c["W_xh"].T, c["h_prev"] @ c["W_hh"].T
    a, g, b = ax + ah, c["gamma"], c["beta"]
    return [
        (np.tanh(g * _ln(a, axis=0) + b), "step_batch_axis"),
        (np.tanh(g * _ln(a, ddof=1) + b), "step_unbiased"),
        (g * _ln(np.tanh(a)) + b, "step_after_tanh"),
        (np.tanh(g * (_ln(ax) + _ln(ah)) + b), "step_separately"),
        (g * _ln(a) + b, "step_no_tanh"),
        (np.tanh(g * (_ln(a) + b)), "step_bias_first"),
        (np.tanh(_ln(a)), "step_no_affine"),
    ]


def check_ln_rnn_step(fn):
    """Check ``fn(x_t, h_prev, W_xh, W_hh, gamma, beta) -> h_t``: one step of the LN-RNN (Ba, Kiros &
    Hinton 2016, Eq. 4), for x_t (N, D), h_prev (N, d_h), W_xh (d_h, D), W_hh (d_h, d_h), γ and β
    (d_h,). Any ε from 0 to 1e-5 is accepted. Returns feedback text (print it)."""
    for c in _step_cases():
        a = c["x_t"] @ c["W_xh"].T + c["h_prev"] @ c["W_hh"].T
        got, problem = call_student(fn, "ln_rnn_step", "h_t", **c)
        if problem:
            return problem
        got = np.asarray(got, dtype=float)
        if got.shape != a.shape:
            return t("l07.check.step_shape", want=a.shape, got=got.shape)
        rights = [np.tanh(c["gamma"] * _ln(a, eps=eps) + c["beta"]) for eps in (0.0, 1e-5)]
        if any(np.allclose(got, r, atol=1e-6) for r in rights):
            continue
        key = matching_mistake(got, _wrong_answers(c), atol=1e-6)
        if key:
            return t(f"l07.check.{key}")
        for eps in (1e-4, 1e-3, 1e-2, 1e-1):
            if np.allclose(got, np.tanh(c["gamma"] * _ln(a, eps=eps) + c["beta"]), atol=1e-6):
                return t("l07.check.step_eps", eps=f"{eps:g}")
        return t("l07.check.step_other")
    return t("l07.check.step_correct")
