"""Reference solution of notebook 02's exercise (see l00_overview.py for the format)."""

EXERCISES = {
    "check_percentiles": {
        "solution": '''\
def percentiles_over_training(inputs):
    return np.percentile(inputs, [15, 50, 85], axis=1)''',
        # fractions where np.percentile wants percentages
        "mistake": '''\
def percentiles_over_training(inputs):
    return np.percentile(inputs, [0.15, 0.50, 0.85], axis=1)''',
        "diagnosis": "np.percentile takes percentages",
    },
}
