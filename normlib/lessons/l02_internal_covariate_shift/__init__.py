"""Lesson 02: everything `notebooks/02_internal_covariate_shift.ipynb` uses, under one name.

    from normlib.lessons import l02_internal_covariate_shift as lesson
"""

from .experiments import (
    SanturkarNoise, NETWORKS, sigmoid_mlp, sigmoid_inputs, Figure1, figure1, first_step, summarize,
    load_results, RESULTS, ics_measure, loss_along_gradient,
)
from .explorer import (
    NAMES, SERIES_COLORS, SHORT, STYLES, Q, ICSExplorer,
)
from .exercises import (
    check_percentiles,
)
