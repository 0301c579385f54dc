"""Lesson 01: everything `notebooks/01_standardization.ipynb` uses, under one name.

    from normlib.lessons import l01_standardization as lesson
"""

from .experiments import (
    two_feature_problem, loss, gradient, hessian, least_squares, Curvature, curvature,
    condition_number, max_stable_lr, target_loss, gd_path, GDRun, steps_to_loss,
    fit_standardization, apply_standardization, covariance, whitening_matrix, pca_whiten,
    zca_whiten, standardization_flops, whitening_flops, bias_drift, FewestSteps, fewest_steps,
    centred_target,
)
from .explorer import (
    RATIOS, OFFSETS, LRS, MAX_STEPS, PATH_STEPS, TOL, WINDOW, GRID, panel_model, clip_path, panel_title,
    StandardizationExplorer,
)
from .exercises import (
    check_standardize,
)
