"""Reference solutions of notebook 04's exercises (see l00_overview.py for the format)."""

EXERCISES = {
    "check_undo_batch_norm": {
        "solution": '''\
def undo_batch_norm(x, eps):
    axes = (0, 2, 3)                             # one statistic per channel, over N, H, W
    return np.sqrt(x.var(axis=axes) + eps), x.mean(axis=axes)''',
        # the unbiased variance
        "mistake": '''\
def undo_batch_norm(x, eps):
    axes = (0, 2, 3)
    return np.sqrt(x.var(axis=axes, ddof=1) + eps), x.mean(axis=axes)''',
        "diagnosis": "γ uses the unbiased variance",
    },
    "check_mean_slope": {
        "solution": '''\
def mean_sigmoid_slope(x):
    s = 1.0 / (1.0 + np.exp(-x))
    return float(np.mean(s * (1.0 - s)))''',
        # the slope at the mean input, σ'(E[x])
        "mistake": '''\
def mean_sigmoid_slope(x):
    s = 1.0 / (1.0 + np.exp(-np.mean(x)))
    return float(s * (1.0 - s))''',
        "diagnosis": "σ' at the mean input",
    },
}
