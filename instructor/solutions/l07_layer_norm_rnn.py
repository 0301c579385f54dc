"""Reference solutions of notebook 07's exercises (see l00_overview.py for the format).

check_sequence_axes: the course cell passes its answer as a literal inside the check call
(`print(lesson.check_sequence_axes({"layer": None, "batch": None}))`), which no hidden test can
read back; instructor/build_source.py grades it as soon as the course cell names the dict
(see INSTRUCTORS.md), e.g. `sequence_axes = {...}` then `print(lesson.check_sequence_axes(sequence_axes))`.
The solution below assigns whatever name that cell uses: build_source.py replaces "{answer}" by it.
"""

EXERCISES = {
    "check_sequence_axes": {
        "solution": '{answer} = {"layer": (2,), "batch": (0,)}',
        # layer norm's statistics over time as well as units
        "mistake": '{answer} = {"layer": (1, 2), "batch": (0,)}',
        "diagnosis": "also averages over time",
    },
    "check_ln_rnn_step": {
        "solution": '''\
def ln_rnn_step(x_t, h_prev, W_xh, W_hh, g, b):
    a = x_t @ W_xh.T + h_prev @ W_hh.T            # summed inputs, (N, H)
    mu = a.mean(axis=-1, keepdims=True)           # per example, over the H units
    sigma = np.sqrt(a.var(axis=-1, keepdims=True) + 1e-5)
    return np.tanh(g * (a - mu) / sigma + b)''',
        # batch norm's axis
        "mistake": '''\
def ln_rnn_step(x_t, h_prev, W_xh, W_hh, g, b):
    a = x_t @ W_xh.T + h_prev @ W_hh.T
    mu = a.mean(axis=0, keepdims=True)
    sigma = np.sqrt(a.var(axis=0, keepdims=True) + 1e-5)
    return np.tanh(g * (a - mu) / sigma + b)''',
        "diagnosis": "normalized over the batch axis",
    },
}
