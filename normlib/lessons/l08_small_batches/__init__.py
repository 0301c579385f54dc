"""Lesson 08: everything `notebooks/08_small_batches.ipynb` uses, under one name.

    from normlib.lessons import l08_small_batches as lesson
"""

from .small_batch import (
    hidden_inputs, batch_statistics, train_test_gap, norm_mlp, EPOCHS, LR_GRID, digits64,
    train_run, measure_run, small_batch_results, tuned_lr,
)
from .figures import plot_accuracies
from .explorer import BatchDependenceExplorer
from .exercises import check_batch_mean_spread

__all__ = [
    "hidden_inputs", "batch_statistics", "train_test_gap", "norm_mlp", "EPOCHS", "LR_GRID", "digits64",
    "train_run", "measure_run", "small_batch_results", "tuned_lr", "plot_accuracies",
    "BatchDependenceExplorer", "check_batch_mean_spread",
]
