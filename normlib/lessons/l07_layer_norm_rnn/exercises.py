"""Exercise checkers for notebook 07: the axes of LN and per-step BN on sequences, and one LN-RNN step."""

import numpy as np

from ...checking import answer_axes, call_student, check_answers

__all__ = ["SEQUENCE_AXES", "check_sequence_axes", "check_ln_rnn_step"]

# For summed inputs of shape (N, T, H) = (examples, time steps, units).
SEQUENCE_AXES = {"layer": (2,), "batch": (0,)}
_NAMES = {0: "N (examples)", 1: "T (time steps)", 2: "H (units)"}
_WHAT = {"layer": "one μ, σ² per example and time step, over that step's H units",
         "batch": "one μ, σ² per unit and time step, over the N examples of the batch"}
_KNOWN = {
    ("layer", (0,)): "(0,) is the batch axis: that is batch norm's statistics, not layer norm's",
    ("layer", (1, 2)): ("(1, 2) also averages over time: step t would use statistics of later steps "
                        "(which a running RNN has not computed yet) and they would depend on the "
                        "sequence length; Ba et al. (2016) compute them per time step"),
    ("layer", (0, 1, 2)): "(0, 1, 2) is one μ, σ² for the whole tensor: every example depends on the batch",
    ("layer", (1,)): "(1,) averages each unit over time; layer norm averages over the units of one step",
    ("batch", (2,)): "(2,) is the units axis: that is layer norm, per example",
    ("batch", (0, 1)): ("(0, 1) pools all time steps into one μ, σ² per unit; the per-step BN-RNN keeps "
                        "separate statistics for every step (the summed inputs are distributed "
                        "differently at each step)"),
    ("batch", (0, 2)): "(0, 2) mixes the units: batch norm keeps one μ, σ² per unit",
}


def _diagnose(which, answer):
    if answer is None:
        return "not answered yet"
    try:
        axes = answer_axes(answer, 3)
    except (TypeError, ValueError):
        return f"{answer!r} is not a tuple of axes of a 3-d array (0, 1, 2; or −3 … −1)"
    right = SEQUENCE_AXES[which]
    if axes == right:
        return f"correct: {axes} gives {_WHAT[which]}"
    if (which, axes) in _KNOWN:
        return _KNOWN[(which, axes)]
    kept = [_NAMES[a] for a in range(3) if a not in right]
    return f"{axes} is not it: average over {[_NAMES[a] for a in right]} only, keep {kept}"


def check_sequence_axes(answers):
    """Check ``{"layer": axes, "batch": axes}``: the axes that layer norm and the per-step batch
    norm of an RNN average over, for summed inputs of shape (N, T, H). Returns feedback text."""
    return check_answers(answers, SEQUENCE_AXES, _diagnose, width=6)


# ---------------------------------------------------------------------------------------------
def _step_cases():
    rng = np.random.default_rng(2016)
    N, D, H = 5, 4, 6
    cases = []
    for scale in (1.0, 3.0):
        cases.append(dict(x_t=rng.standard_normal((N, D)), h_prev=np.tanh(rng.standard_normal((N, H))),
                          W_xh=scale * rng.standard_normal((H, D)), W_hh=rng.standard_normal((H, H)),
                          g=rng.uniform(0.5, 1.5, H), b=rng.normal(0, 0.5, H)))
    return cases


def _ln(a, axis=-1, ddof=0, eps=1e-5):
    return (a - a.mean(axis=axis, keepdims=True)) / np.sqrt(a.var(axis=axis, ddof=ddof, keepdims=True) + eps)


def _wrong_answers(c):
    """What each classic mistake would return on case c."""
    ax, ah = c["x_t"] @ c["W_xh"].T, c["h_prev"] @ c["W_hh"].T
    a, g, b = ax + ah, c["g"], c["b"]
    return [
        (np.tanh(g * _ln(a, axis=0) + b),
         "you normalized over the batch axis (axis 0): those are batch norm's statistics; layer norm "
         "takes μ_t, σ_t over the H units of each example (axis −1)"),
        (np.tanh(g * _ln(a, ddof=1) + b),
         "you used the unbiased variance (ddof=1); layer norm, like batch norm's normalization, "
         "divides by the biased 1/H standard deviation (np.var's default)"),
        (g * _ln(np.tanh(a)) + b,
         "you normalized after the tanh; Eq. 4 normalizes the summed inputs a_t and applies tanh last"),
        (np.tanh(g * (_ln(ax) + _ln(ah)) + b),
         "you normalized W_xh x_t and W_hh h_{t−1} separately; Eq. 4 normalizes their sum a_t"),
        (g * _ln(a) + b,
         "the tanh is missing: h_t = tanh(g/σ_t ⊙ (a_t − μ_t) + b)"),
        (np.tanh(g * (_ln(a) + b)),
         "the bias is added before the gain: Eq. 4 is g ⊙ (normalized a_t) + b"),
        (np.tanh(_ln(a)),
         "the gain g and bias b are missing"),
    ] + [(np.tanh(g * _ln(a, eps=eps) + b),
          f"almost: your ε looks like {eps:g}, large enough to change h_t; use ε ≤ 1e-5 (ε only guards "
          f"against dividing by 0, it should not move the result)") for eps in (1e-4, 1e-3, 1e-2, 1e-1)]


def check_ln_rnn_step(fn):
    """Check ``fn(x_t, h_prev, W_xh, W_hh, g, b) -> h_t``: one step of the LN-RNN (Ba, Kiros &
    Hinton 2016, Eq. 4), for x_t (N, D), h_prev (N, H), W_xh (H, D), W_hh (H, H), g and b (H,).
    Any ε from 0 to 1e-5 is accepted. Returns feedback text (print it)."""
    for c in _step_cases():
        a = c["x_t"] @ c["W_xh"].T + c["h_prev"] @ c["W_hh"].T
        got, problem = call_student(fn, "ln_rnn_step", "h_t", **c)
        if problem:
            return problem
        got = np.asarray(got, dtype=float)
        if got.shape != a.shape:
            return f"expected h_t of shape (N, H) = {a.shape}; got {got.shape}"
        rights = [np.tanh(c["g"] * _ln(a, eps=eps) + c["b"]) for eps in (0.0, 1e-5)]
        if any(np.allclose(got, r, atol=1e-6) for r in rights):
            continue
        for wrong, message in _wrong_answers(c):
            if np.allclose(got, wrong, atol=1e-6):
                return message
        return ("not h_t = tanh(g ⊙ (a_t − μ_t)/σ_t + b) with a_t = W_hh h_{t−1} + W_xh x_t and μ_t, σ_t "
                "over the units of each example; compare with your formula step by step")
    return "correct: statistics over the units of each example, of the summed inputs, then gain, bias and tanh"
