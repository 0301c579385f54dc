"""Lesson 00: everything `notebooks/00_overview.ipynb` uses, under one name.

    from normlib.lessons import l00_overview as lesson
"""

from .explorer import (
    METHODS, RULES, set_ids, normalize, NormSetsExplorer,
)
from .exercises import (
    NORM_AXES, check_axes,
)
