"""Lesson 00: everything `notebooks/00_overview.ipynb` uses, under one name.

    from normlib.lessons import l00_overview as lesson
"""

from .explorer import NormSetsExplorer
from .exercises import check_axes

__all__ = ["NormSetsExplorer", "check_axes"]
