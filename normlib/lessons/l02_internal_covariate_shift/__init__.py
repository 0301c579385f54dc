"""Lesson 02: everything `notebooks/02_internal_covariate_shift.ipynb` uses, under one name.

    from normlib.lessons import l02_internal_covariate_shift as lesson
"""

from .experiments import (
    SanturkarNoise, sigmoid_mlp, figure1, summarize, load_results, ics_measure, loss_along_gradient,
)
from .explorer import ICSExplorer
from .exercises import check_percentiles

__all__ = [
    "SanturkarNoise", "sigmoid_mlp", "figure1", "summarize", "load_results", "ics_measure",
    "loss_along_gradient", "ICSExplorer", "check_percentiles",
]
