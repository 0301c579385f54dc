"""Lesson 00: everything `notebooks/00_overview.ipynb` uses, under one name.

    from normlib.lessons import l00_overview as lesson
"""

from .explorer import (
    METHODS, method_label, rule, SET_COLORS, README_IMAGE, set_ids, set_borders, normalize, NormSetsExplorer,
    save_readme_image,
)
from .exercises import (
    NORM_AXES, check_axes,
)
