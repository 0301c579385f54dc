"""Lesson 09: everything `notebooks/09_layer_norm_transformers.ipynb` uses, under one name.

    from normlib.lessons import l09_layer_norm_transformers as lesson
"""

from .invariance import PAPER_TABLE_1, invariance_table
from .transformer import ResidualBlock, residual_stack, gradient_norms, train_stack
from .exercises import check_rms_norm
from .figures import plot_gradient_norms

__all__ = [
    "PAPER_TABLE_1", "invariance_table", "ResidualBlock", "residual_stack", "gradient_norms",
    "train_stack", "check_rms_norm", "plot_gradient_norms",
]
