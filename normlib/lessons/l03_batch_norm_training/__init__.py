"""Lesson 03: everything `notebooks/03_batch_norm_training.ipynb` uses, under one name.

    from normlib.lessons import l03_batch_norm_training as lesson
"""

from .experiments import (
    feature_net, unit_population, BatchNoise, batch_noise, POPULATIONS, staged_batch_norm_backward,
    PassCount, count_passes,
)
from .explorer import (
    SHOWN, LEGEND, BatchNoiseExplorer,
)
from .exercises import (
    check_batch_norm,
)
