"""Lesson 11: everything `notebooks/11_choosing_a_normalization.ipynb` uses, under one name.

    from normlib.lessons import l11_choosing_a_normalization as lesson
"""

from .experiments import (
    NORM_NAMES, USES, Flatten, make_norm, find_sets, properties, properties_table,
    worker_stats, all_reduce, stats_from_sums, ShardedBatchNorm, SyncBNResult, sharded_net,
    run_sync_bn, sync_bn_experiment, load_sync_results, MODES, SYNC_RESULTS_FILE,
    digits, bn_base_lr, plain_bn_errors,
)
from .explorer import (
    PER_WORKER, WORKERS, SyncBNExplorer,
)
from .exercises import (
    quiz, RIGHT, quiz_text, check_quiz,
)
