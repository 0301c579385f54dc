"""Reference solution of notebook 01's exercise (see l00_overview.py for the format)."""

EXERCISES = {
    "check_standardize": {
        "solution": '''\
def standardize_features(X_train, X_test):
    mu = X_train.mean(axis=0)
    sigma = X_train.std(axis=0)
    sigma = np.where(sigma > 0, sigma, 1.0)      # a feature constant in training: only centred
    return (X_train - mu) / sigma, (X_test - mu) / sigma''',
        # the test set standardized with its own statistics
        "mistake": '''\
def standardize_features(X_train, X_test):
    def own(X):
        sigma = X.std(axis=0)
        return (X - X.mean(axis=0)) / np.where(sigma > 0, sigma, 1.0)
    return own(X_train), own(X_test)''',
        "diagnosis": "standardized with the *test* set's own mean",
    },
}
