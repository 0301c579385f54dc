"""Reference solution of notebook 09's exercise (see l00_overview.py for the format)."""

EXERCISES = {
    "check_rms_norm": {
        "solution": '''\
def my_rms_norm(a, gamma, eps=1e-5):
    ms = (a * a).mean(axis=-1, keepdims=True)     # mean square over the d_h units of each example
    return gamma * a / np.sqrt(ms + eps)          # no centring, no β''',
        # layer norm: centred, divided by the standard deviation
        "mistake": '''\
def my_rms_norm(a, gamma, eps=1e-5):
    mu = a.mean(axis=-1, keepdims=True)
    return gamma * (a - mu) / np.sqrt(a.var(axis=-1, keepdims=True) + eps)''',
        "diagnosis": "that is layer norm",
    },
}
