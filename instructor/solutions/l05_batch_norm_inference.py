"""Reference solutions of notebook 05's exercises (see l00_overview.py for the format)."""

EXERCISES = {
    "check_running_update": {
        "solution": '''\
def update_running_stats(running_mean, running_var, x, momentum):
    new_mean = (1 - momentum) * running_mean + momentum * x.mean(axis=0)
    new_var = (1 - momentum) * running_var + momentum * x.var(axis=0, ddof=1)   # unbiased
    return new_mean, new_var''',
        # momentum as the weight of the old value (the CS231n way of writing it)
        "mistake": '''\
def update_running_stats(running_mean, running_var, x, momentum):
    new_mean = momentum * running_mean + (1 - momentum) * x.mean(axis=0)
    new_var = momentum * running_var + (1 - momentum) * x.var(axis=0, ddof=1)
    return new_mean, new_var''',
        "diagnosis": "weight of the *old* value",
    },
    "check_bn_inference": {
        "solution": '''\
def bn_inference(x, running_mean, running_var, gamma, beta, eps):
    return gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta''',
        # the batch's own statistics at test time
        "mistake": '''\
def bn_inference(x, running_mean, running_var, gamma, beta, eps):
    return gamma * (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + eps) + beta''',
        "diagnosis": "normalized with the batch's own mean and variance",
    },
}
