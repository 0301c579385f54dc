"""normlib — the small numpy package behind the normalization course.

One idea carries it: batch, layer, instance and group norm (and RMS norm) are one operation —
standardize over a set of axes, then scale and shift (Wu & He 2018). See :mod:`normlib.functional`.
"""

from .functional import (standardize, standardize_backward, standardize_backward_staged,
                         batch_norm, layer_norm, instance_norm, group_norm, rms_norm)
from .layers import BatchNorm, LayerNorm, InstanceNorm, GroupNorm, RMSNorm
from .module import Module, Sequential
from .nn import (Linear, Sigmoid, Tanh, ReLU, Dropout, softmax_cross_entropy, SGD, minibatches, accuracy,
                 evaluate, fit, History)
from .gradcheck import numerical_gradient, rel_error, check_gradients
from .probe import precise_bn
from .data import load_digits, sample_photo
from .i18n import set_language, get_language, t
from .table import table

__version__ = "0.1.0"
