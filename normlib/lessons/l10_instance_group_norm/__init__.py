"""Lesson 10: everything `notebooks/10_instance_group_norm.ipynb` uses, under one name.

    from normlib.lessons import l10_instance_group_norm as lesson
"""

from .experiments import (
    PAPER_BATCH, PAPER_ERROR, photo_tensor, adjust, SHOW, to_display, group_stats,
    BATCH_SIZES, EPOCHS, CHANNELS, GROUPS, DECAY_AT, RESULTS_FILE, METRICS, digits, schedule,
    train_model, train_conv, measure_run, Sweep, run_sweep, batch_size_sweep, Results, load_results,
    MORE_FILE, MoreSeeds, load_more_seeds,
    parameters_of, set_parameters, trained_model,
)
from .explorer import (
    CONTRASTS, InstanceNormExplorer, GroupNormExplorer,
)
from .exercises import (
    check_group_norm,
)
