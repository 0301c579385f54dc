"""Reference solution of notebook 10's exercise (see l00_overview.py for the format)."""

EXERCISES = {
    "check_group_norm": {
        "solution": '''\
def group_norm(x, G):
    N, C = x.shape[:2]
    g = x.reshape((N, G, C // G) + x.shape[2:])   # groups of C/G consecutive channels
    axes = tuple(range(2, g.ndim))
    mu = g.mean(axis=axes, keepdims=True)
    var = g.var(axis=axes, keepdims=True)
    return ((g - mu) / np.sqrt(var + 1e-5)).reshape(x.shape)''',
        # interleaved groups: reshape(N, C//G, G, ...)
        "mistake": '''\
def group_norm(x, G):
    N, C = x.shape[:2]
    g = x.reshape((N, C // G, G) + x.shape[2:])
    axes = (1,) + tuple(range(3, g.ndim))
    mu = g.mean(axis=axes, keepdims=True)
    var = g.var(axis=axes, keepdims=True)
    return ((g - mu) / np.sqrt(var + 1e-5)).reshape(x.shape)''',
        "diagnosis": "groups are interleaved",
    },
}
