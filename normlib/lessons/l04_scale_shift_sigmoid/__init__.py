"""Lesson 04: everything `notebooks/04_scale_shift_sigmoid.ipynb` uses, under one name.

    from normlib.lessons import l04_scale_shift_sigmoid as lesson
"""

from .experiments import (
    sigmoid, sigmoid_slope, tangent_halfwidth, linear_r2, sigmoid_measures, relu_measures,
    bn_mlp, activation_inputs, initial_grad_norms, RedBlue, red_blue, Learned, learned_scale_shift,
    Run, train_bn_mlp, load_results, RESULTS,
)
from .explorer import (
    RED, BLUE, XLIM, BINS, N_SAMPLES, ScaleShiftExplorer,
)
from .exercises import (
    check_undo_batch_norm, check_mean_slope,
)
