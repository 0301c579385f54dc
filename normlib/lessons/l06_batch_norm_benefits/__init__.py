"""Lesson 06: everything `notebooks/06_batch_norm_benefits.ipynb` uses, under one name.

    from normlib.lessons import l06_batch_norm_benefits as lesson
"""

from .experiments import (
    LRS, NETWORKS, SEEDS, WEIGHT_DECAYS, REG_NAMES, LOSS_BLOCK, digits_mlp, steps_to_target, Run, train,
    largest_lr_that_trains, Sweep, lr_sweep, regularization_runs, weight_decay_sweep, count_runs,
    weight_scale_invariance, Results, saved_results, results_path, run_to_dict, run_from_dict,
)
from .explorer import (
    COLORS, NAMES, TARGETS, SMOOTH, smooth, LRSweepExplorer,
)
