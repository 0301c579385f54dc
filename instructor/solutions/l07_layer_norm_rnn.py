"""Reference solutions of notebook 07's exercises (see l00_overview.py for the format).

check_sequence_axes: the course cell names its answer (`sequence_axes = {...}` then
`print(lesson.check_sequence_axes(sequence_axes))`); build_source.py replaces "{answer}" by that name.
"""

EXERCISES = {
    "check_sequence_axes": {
        "solution": '{answer} = {"layer": (2,), "batch": (0,)}',
        # layer norm's statistics over time as well as units
        "mistake": '{answer} = {"layer": (1, 2), "batch": (0,)}',
        "diagnosis": "also averages over time",
    },
    "check_layer_norm": {
        "solution": '''\
def my_layer_norm(a, gamma, beta, eps=1e-5):
    mu = a.mean(axis=-1, keepdims=True)           # one mean per example, over its d_h units
    var = a.var(axis=-1, keepdims=True)           # biased, 1/d_h
    return gamma * (a - mu) / np.sqrt(var + eps) + beta''',
        # batch norm's axis: one μ, σ² per unit over the examples
        "mistake": '''\
def my_layer_norm(a, gamma, beta, eps=1e-5):
    mu = a.mean(axis=0, keepdims=True)
    var = a.var(axis=0, keepdims=True)
    return gamma * (a - mu) / np.sqrt(var + eps) + beta''',
        "diagnosis": "you normalized over the batch axis (axis 0)",
    },
    "check_ln_rnn_step": {
        "solution": '''\
def ln_rnn_step(x_t, h_prev, W_xh, W_hh, gamma, beta):
    a = x_t @ W_xh.T + h_prev @ W_hh.T            # summed inputs, (N, d_h)
    mu = a.mean(axis=-1, keepdims=True)           # per example, over the d_h units
    sigma = np.sqrt(a.var(axis=-1, keepdims=True) + 1e-5)
    return np.tanh(gamma * (a - mu) / sigma + beta)''',
        # batch norm's axis
        "mistake": '''\
def ln_rnn_step(x_t, h_prev, W_xh, W_hh, gamma, beta):
    a = x_t @ W_xh.T + h_prev @ W_hh.T
    mu = a.mean(axis=0, keepdims=True)
    sigma = np.sqrt(a.var(axis=0, keepdims=True) + 1e-5)
    return np.tanh(gamma * (a - mu) / sigma + beta)''',
        "diagnosis": "normalized over the batch axis",
    },
}
