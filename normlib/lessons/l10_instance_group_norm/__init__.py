"""Lesson 10: everything `notebooks/10_instance_group_norm.ipynb` uses, under one name.

    from normlib.lessons import l10_instance_group_norm as lesson
"""

from .experiments import (
    PAPER_BATCH, PAPER_ERROR, photo_tensor, adjust, to_display, digits, schedule, measure_run,
    batch_size_sweep, load_results, load_more_seeds,
)
from .explorer import InstanceNormExplorer, GroupNormExplorer
from .exercises import check_group_norm

__all__ = [
    "PAPER_BATCH", "PAPER_ERROR", "photo_tensor", "adjust", "to_display", "digits", "schedule", "measure_run",
    "batch_size_sweep", "load_results", "load_more_seeds", "InstanceNormExplorer", "GroupNormExplorer",
    "check_group_norm",
]
