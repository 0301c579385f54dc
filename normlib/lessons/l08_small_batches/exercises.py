"""Exercise checker for notebook 08: the spread of the batch mean μ_B at batch size m."""

import numpy as np

from ...checking import call_student, matching_mistake
from ...i18n import t

__all__ = ["check_batch_mean_spread", "std_of_batch_mean"]


def std_of_batch_mean(sigma_z, m, n):
    """The reference: the standard deviation of the mean of m examples drawn without replacement
    from n, whose values have (population, 1/n) standard deviation ``sigma_z``:
    σ_z/√m · √((n − m)/(n − 1))."""
    return sigma_z / np.sqrt(m) * np.sqrt((n - m) / (n - 1))


# (sigma_z, m, n): a small batch of the digits, a large batch of a small population, and a batch
# that is the whole population (its mean never moves)
_CASES = ((1.588, 2, 1348), (0.7, 32, 100), (2.0, 50, 50))


def _wrong_answers(s, m, n):
    """What each classic mistake returns, with the key of its explanation."""
    fpc = np.sqrt((n - m) / (n - 1))
    return [
        (s / np.sqrt(m), "l08.check.no_fpc"),
        (s / m * fpc, "l08.check.over_m"),
        (s / m, "l08.check.over_m"),
        (s ** 2 / m * fpc ** 2, "l08.check.variance"),
        (s ** 2 / m, "l08.check.variance"),
        (s * np.sqrt(m) * fpc, "l08.check.times_sqrt_m"),
        (s * np.sqrt(m), "l08.check.times_sqrt_m"),
        (s / np.sqrt(m) * fpc ** 2, "l08.check.fpc_squared"),
        (s / np.sqrt(m - 1) * fpc, "l08.check.m_minus_1"),
        (s / np.sqrt(m - 1), "l08.check.m_minus_1"),
    ]


def check_batch_mean_spread(fn):
    """Check ``fn(sigma_z, m, n) -> std of μ_B``: the standard deviation of the mean of a batch of
    ``m`` examples drawn without replacement from ``n`` whose values have standard deviation
    ``sigma_z``. Returns feedback text (print it); a classic mistake gets its explanation."""
    for s, m, n in _CASES:
        got, problem = call_student(fn, "std_of_batch_mean", t("l08.check.returns"), s, m, n)
        if problem:
            return problem
        try:
            got = float(got)
        except (TypeError, ValueError):
            return t("l08.check.not_a_number", got=type(got).__name__)
        right = std_of_batch_mean(s, m, n)
        if np.isclose(got, right, rtol=1e-6, atol=1e-9):
            continue
        key = matching_mistake(got, _wrong_answers(s, m, n), rtol=1e-6, atol=1e-9)
        if key:
            return t(key, sigma=s, m=m, n=n, got=got, right=right)
        return t("l08.check.unknown", sigma=s, m=m, n=n, got=got, right=right)
    return t("l08.check.correct")
