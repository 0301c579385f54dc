"""Exercise checkers, one module per notebook. Each runs the student's answer on cases of its own
and explains the mistake it finds, rather than only saying right or wrong; each returns the
feedback as text for the notebook to print."""

from .overview import NORM_AXES, check_axes                 # notebook 00
from .standardization import check_standardize              # notebook 01
from .ics import check_percentiles                          # notebook 02
from .layer_norm import check_sequence_axes, check_ln_rnn_step   # notebook 07
from .bn_training import check_batch_norm                   # notebook 03
from .scale_shift import check_undo_batch_norm, check_mean_slope   # notebook 04
from .bn_inference import check_running_update, check_bn_inference   # notebook 05
from .instance_group import check_group_norm            # notebook 08
from .choosing import check_quiz, quiz_text             # notebook 09

__all__ = ["NORM_AXES", "check_axes", "check_standardize", "check_percentiles", "check_sequence_axes", "check_ln_rnn_step",
           "check_batch_norm", "check_undo_batch_norm", "check_mean_slope",
           "check_running_update", "check_bn_inference", "check_group_norm", "check_quiz", "quiz_text"]
