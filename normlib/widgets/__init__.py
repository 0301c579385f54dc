"""The course's interactive explorers.

``EXPLORERS`` maps a name to a zero-argument factory; every notebook's explorer is registered here,
so that the tests and the benchmarks drive all of them headless.
"""

from .base import Explorer, OKABE_ITO
from .norm_sets import NormSetsExplorer
from .standardization import StandardizationExplorer
from .ics import ICSExplorer

EXPLORERS = {
    NormSetsExplorer.name: NormSetsExplorer,
    StandardizationExplorer.name: StandardizationExplorer,
    ICSExplorer.name: ICSExplorer,
}

__all__ = ["Explorer", "EXPLORERS", "OKABE_ITO", "NormSetsExplorer", "StandardizationExplorer",
           "ICSExplorer"]
