"""Lesson 07: everything `notebooks/07_layer_norm_rnn.ipynb` uses, under one name.

    from normlib.lessons import l07_layer_norm_rnn as lesson
"""

from .rnn import RNN, rnn_classifier, digit_sequences, train_rnn, rnn_experiment, blank_rows, rnn_results
from .exercises import check_sequence_axes, check_layer_norm, check_ln_rnn_step
from .figures import rnn_name, plot_rnn_training

__all__ = [
    "RNN", "rnn_classifier", "digit_sequences", "train_rnn", "rnn_experiment", "blank_rows", "rnn_results",
    "check_sequence_axes", "check_layer_norm", "check_ln_rnn_step", "rnn_name", "plot_rnn_training",
]
