"""Lesson 08: everything `notebooks/08_instance_group_norm.ipynb` uses, under one name.

    from normlib.lessons import l08_instance_group_norm as lesson
"""

from .experiments import (
    PAPER_BATCH, PAPER_ERROR, photo_tensor, adjust, SHOW, to_display, group_stats,
    BatchSizeSweep, batch_size_sweep, precise_bn,
)
from .explorer import (
    CONTRASTS, InstanceNormExplorer, GroupNormExplorer,
)
from .exercises import (
    check_group_norm,
)
