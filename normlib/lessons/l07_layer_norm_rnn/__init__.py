"""Lesson 07: everything `notebooks/07_layer_norm_rnn.ipynb` uses, under one name.

    from normlib.lessons import l07_layer_norm_rnn as lesson
"""

from .rnn import (
    NORMS, RNN, LastStep, rnn_classifier, digit_sequences, train_rnn, RNNResults, rnn_experiment,
    blank_rows, rnn_results, RNN_RESULTS_FILE,
)
from .small_batch import (
    random_batches, hidden_inputs, batch_statistics, train_test_gap, norm_mlp, SWEEP_BATCH_SIZES,
    SWEEP_NORMS, EPOCHS, MOMENTUM, LR_GRID, digits64, train_mode_metrics, train_run, measure_run,
    METRICS, SmallBatchResults, small_batch_results, RESULTS_FILE,
)
from .invariance import (
    NORMALIZATIONS, TRANSFORMATIONS, PAPER_TABLE_1, normalized_output, transform,
    invariance_table, format_table,
)
from .transformer import (
    PLACEMENTS, ResidualBlock, residual_stack, gradient_norms, train_stack,
)
from .explorer import (
    BATCH_SIZES, SCALES, EPS, BatchDependenceExplorer,
)
from .exercises import (
    SEQUENCE_AXES, check_sequence_axes, check_ln_rnn_step,
)
