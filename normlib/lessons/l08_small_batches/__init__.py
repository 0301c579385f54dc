"""Lesson 08: everything `notebooks/08_small_batches.ipynb` uses, under one name.

    from normlib.lessons import l08_small_batches as lesson
"""

from .small_batch import (
    random_batches, hidden_inputs, batch_statistics, train_test_gap, norm_mlp, SWEEP_BATCH_SIZES,
    SWEEP_NORMS, EPOCHS, MOMENTUM, LR_GRID, digits64, train_mode_metrics, train_run, measure_run,
    METRICS, SmallBatchResults, small_batch_results, RESULTS_FILE, tuned_lr,
)
from .figures import CURVES, plot_accuracies
from .explorer import (
    BATCH_SIZES, SCALES, EPS, BatchDependenceExplorer,
)
from .exercises import check_batch_mean_spread, std_of_batch_mean
