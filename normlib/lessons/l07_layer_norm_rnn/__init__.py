"""Lesson 07: everything `notebooks/07_layer_norm_rnn.ipynb` uses, under one name.

    from normlib.lessons import l07_layer_norm_rnn as lesson
"""

from .rnn import (
    NORMS, RNN, LastStep, rnn_classifier, digit_sequences, train_rnn, RNNResults, rnn_experiment,
    blank_rows, rnn_results, RNN_RESULTS_FILE,
)
from .exercises import (
    SEQUENCE_AXES, check_sequence_axes, check_layer_norm, check_ln_rnn_step,
)
from .figures import RNN_COLORS, rnn_name, plot_rnn_training
