"""Lesson 11: everything `notebooks/11_choosing_a_normalization.ipynb` uses, under one name.

    from normlib.lessons import l11_choosing_a_normalization as lesson
"""

from .experiments import (
    properties, properties_table, worker_stats, all_reduce, stats_from_sums, ShardedBatchNorm, sharded_net,
    sync_bn_experiment, load_sync_results, digits, bn_base_lr, plain_bn_errors,
)
from .explorer import SyncBNExplorer
from .exercises import quiz_text, check_quiz

__all__ = [
    "properties", "properties_table", "worker_stats", "all_reduce", "stats_from_sums", "ShardedBatchNorm",
    "sharded_net", "sync_bn_experiment", "load_sync_results", "digits", "bn_base_lr", "plain_bn_errors",
    "SyncBNExplorer", "quiz_text", "check_quiz",
]
