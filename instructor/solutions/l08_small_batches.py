"""Reference solution of notebook 08's exercise (see l00_overview.py for the format)."""

EXERCISES = {
    "check_batch_mean_spread": {
        "solution": '''\
def std_of_batch_mean(sigma_z, m, n):
    # m of n drawn without replacement: σ_z/√m, times the finite-population factor
    return sigma_z / np.sqrt(m) * np.sqrt((n - m) / (n - 1))''',
        # the standard deviation of a mean falls like 1/√m, not 1/m
        "mistake": '''\
def std_of_batch_mean(sigma_z, m, n):
    return sigma_z / m''',
        "diagnosis": "you divided by m",
    },
}
