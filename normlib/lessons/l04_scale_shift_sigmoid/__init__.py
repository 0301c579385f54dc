"""Lesson 04: everything `notebooks/04_scale_shift_sigmoid.ipynb` uses, under one name.

    from normlib.lessons import l04_scale_shift_sigmoid as lesson
"""

from .experiments import (
    sigmoid, sigmoid_slope, sigmoid_measures, relu_measures, bn_mlp, red_blue, learned_scale_shift,
    load_results,
)
from .explorer import RED, BLUE, ScaleShiftExplorer
from .exercises import check_undo_batch_norm, check_mean_slope

__all__ = [
    "sigmoid", "sigmoid_slope", "sigmoid_measures", "relu_measures", "bn_mlp", "red_blue",
    "learned_scale_shift", "load_results", "RED", "BLUE", "ScaleShiftExplorer", "check_undo_batch_norm",
    "check_mean_slope",
]
