"""Lesson 06: everything `notebooks/06_batch_norm_benefits.ipynb` uses, under one name.

    from normlib.lessons import l06_batch_norm_benefits as lesson
"""

from .experiments import (
    NETWORKS, digits_mlp, steps_to_target, train, lr_sweep, count_runs, weight_scale_invariance,
    saved_results,
)
from .explorer import LRSweepExplorer

__all__ = [
    "NETWORKS", "digits_mlp", "steps_to_target", "train", "lr_sweep", "count_runs", "weight_scale_invariance",
    "saved_results", "LRSweepExplorer",
]
