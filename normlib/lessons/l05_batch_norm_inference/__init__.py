"""Lesson 05: everything `notebooks/05_batch_norm_inference.ipynb` uses, under one name.

    from normlib.lessons import l05_batch_norm_inference as lesson
"""

from .experiments import (
    running_average, batch_statistics, population_statistics, outputs_in_batches,
    precise_bn, fold_network, bn_layer_inputs, track_bn_statistics, tracking_error, algorithm2_gap,
    ema_vs_precise,
)
from .explorer import RunningAverageExplorer
from .figures import softmax, plot_one_image_in_batches, plot_ema_vs_precise
from .exercises import check_running_update, check_bn_inference

__all__ = [
    "running_average", "batch_statistics", "population_statistics", "outputs_in_batches",
    "precise_bn", "fold_network", "bn_layer_inputs", "track_bn_statistics",
    "tracking_error", "algorithm2_gap", "ema_vs_precise", "RunningAverageExplorer", "softmax",
    "plot_one_image_in_batches", "plot_ema_vs_precise", "check_running_update", "check_bn_inference",
]
