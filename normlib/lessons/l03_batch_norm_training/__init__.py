"""Lesson 03: everything `notebooks/03_batch_norm_training.ipynb` uses, under one name.

    from normlib.lessons import l03_batch_norm_training as lesson
"""

from .experiments import feature_net, batch_noise, staged_batch_norm_backward, count_passes
from .explorer import BatchNoiseExplorer
from .exercises import check_batch_norm

__all__ = [
    "feature_net", "batch_noise", "staged_batch_norm_backward", "count_passes", "BatchNoiseExplorer",
    "check_batch_norm",
]
