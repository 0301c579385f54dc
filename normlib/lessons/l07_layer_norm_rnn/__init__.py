"""Lesson 07: everything `notebooks/07_layer_norm_rnn.ipynb` uses, under one name.

    from normlib.lessons import l07_layer_norm_rnn as lesson
"""

from .rnn import (
    NORMS, RNN, LastStep, rnn_classifier, digit_sequences, RNNResults, rnn_experiment,
)
from .small_batch import (
    random_batches, hidden_inputs, batch_statistics, train_test_gap, norm_mlp, BatchSizeSweep,
    batch_size_sweep,
)
from .invariance import (
    NORMALIZATIONS, TRANSFORMATIONS, PAPER_TABLE_1, normalized_output, transform,
    invariance_table, format_table,
)
from .transformer import (
    PLACEMENTS, ResidualBlock, residual_stack, gradient_norms,
)
from .explorer import (
    BATCH_SIZES, SCALES, EPS, BatchDependenceExplorer,
)
from .exercises import (
    SEQUENCE_AXES, check_sequence_axes, check_ln_rnn_step,
)
