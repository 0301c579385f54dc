"""Reference solution of notebook 03's exercise (see l00_overview.py for the format)."""

EXERCISES = {
    "check_batch_norm": {
        "solution": '''\
def my_batch_norm_forward(x, gamma, beta, eps=1e-5):
    mu = x.mean(axis=0)
    var = x.var(axis=0)                          # biased, 1/m
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mu) * inv_std
    return gamma * x_hat + beta, (x_hat, inv_std, gamma)

def my_batch_norm_backward(dy, cache):
    x_hat, inv_std, gamma = cache
    dx_hat = dy * gamma
    dx = inv_std * (dx_hat - dx_hat.mean(axis=0) - x_hat * (dx_hat * x_hat).mean(axis=0))
    return dx, (dy * x_hat).sum(axis=0), dy.sum(axis=0)''',
        # the unbiased 1/(m-1) variance in the normalization
        "mistake": '''\
def my_batch_norm_forward(x, gamma, beta, eps=1e-5):
    x_hat = (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0, ddof=1) + eps)
    return gamma * x_hat + beta, None

def my_batch_norm_backward(dy, cache):
    raise NotImplementedError''',
        "diagnosis": "normalized with the unbiased variance, 1/(m−1)",
    },
}
