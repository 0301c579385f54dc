"""Not claims: numbers notebook 03's prose quotes about its one fixed population (unit h1 of the seeded
feature net on the digits), checked with plain NumPy. What holds over seeds of the batch draws is
re-derived in tests/claims/test_l03_batch_norm_training_claims.py."""

import numpy as np

from normlib.lessons.l03_batch_norm_training import experiments as bt


def test_h1_is_heavy_tailed_excess_kurtosis_27():
    v = bt.unit_population()
    z = (v - v.mean()) / v.std()
    assert round(float(np.mean(z ** 4) - 3), 1) == 27.3 and round(float(np.mean(z ** 3)), 2) == 3.19
