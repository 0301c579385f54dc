"""Lesson 01: everything `notebooks/01_standardization.ipynb` uses, under one name.

    from normlib.lessons import l01_standardization as lesson
"""

from .experiments import (
    two_feature_problem, loss, gradient, hessian, least_squares, curvature, condition_number, target_loss,
    gd_path, steps_to_loss, fit_standardization, apply_standardization, covariance, zca_whiten,
    standardization_flops, whitening_flops, bias_drift, fewest_steps, centred_target,
)
from .explorer import StandardizationExplorer
from .exercises import check_standardize

__all__ = [
    "two_feature_problem", "loss", "gradient", "hessian", "least_squares", "curvature", "condition_number",
    "target_loss", "gd_path", "steps_to_loss", "fit_standardization", "apply_standardization", "covariance",
    "zca_whiten", "standardization_flops", "whitening_flops", "bias_drift", "fewest_steps", "centred_target",
    "StandardizationExplorer", "check_standardize",
]
