"""The course's interactive explorers.

``EXPLORERS`` maps a name to a zero-argument factory; every notebook's explorer is registered here,
so that the tests and the benchmarks drive all of them headless.
"""

from .base import Explorer, OKABE_ITO
from .norm_sets import NormSetsExplorer
from .standardization import StandardizationExplorer
from .ics import ICSExplorer
from .layer_norm import BatchDependenceExplorer
from .bn_training import BatchNoiseExplorer
from .scale_shift import ScaleShiftExplorer
from .bn_inference import RunningAverageExplorer
from .bn_benefits import LRSweepExplorer
from .instance_group import InstanceNormExplorer, GroupNormExplorer
from .sync_bn import SyncBNExplorer

EXPLORERS = {
    NormSetsExplorer.name: NormSetsExplorer,
    StandardizationExplorer.name: StandardizationExplorer,
    ICSExplorer.name: ICSExplorer,
    BatchDependenceExplorer.name: BatchDependenceExplorer,
    BatchNoiseExplorer.name: BatchNoiseExplorer,
    ScaleShiftExplorer.name: ScaleShiftExplorer,
    RunningAverageExplorer.name: RunningAverageExplorer,
    LRSweepExplorer.name: LRSweepExplorer,
    InstanceNormExplorer.name: InstanceNormExplorer,
    GroupNormExplorer.name: GroupNormExplorer,
    SyncBNExplorer.name: SyncBNExplorer,
}

__all__ = ["Explorer", "EXPLORERS", "OKABE_ITO", "NormSetsExplorer", "StandardizationExplorer",
           "ICSExplorer", "BatchDependenceExplorer", "BatchNoiseExplorer", "ScaleShiftExplorer",
           "RunningAverageExplorer", "LRSweepExplorer", "InstanceNormExplorer", "GroupNormExplorer", "SyncBNExplorer"]
