"""One package per notebook: ``lNN_<notebook name>`` holds that notebook's experiments, its
explorer(s) and its exercise checkers. A notebook imports its lesson once::

    from normlib.lessons import l05_batch_norm_inference as lesson

The package exports exactly the names the notebook uses as ``lesson.X`` (its ``__all__``;
tests/lessons/test_lesson_exports.py keeps it so). Everything else is imported from the submodule
where it lives (``from normlib.lessons.l05_batch_norm_inference.experiments import fold_batch_norm``).

``EXPLORERS`` maps each explorer's name (the lesson's name; ``lesson.which`` where a lesson has two)
to its class, so that the tests and the benchmarks can drive every explorer headless. It is built
on first use, so importing one lesson does not import the others.
"""

from importlib import import_module
from importlib.util import find_spec

LESSONS = ("l00_overview", "l01_standardization", "l02_internal_covariate_shift",
           "l03_batch_norm_training", "l04_scale_shift_sigmoid", "l05_batch_norm_inference",
           "l06_batch_norm_benefits", "l07_layer_norm_rnn", "l08_small_batches",
           "l09_layer_norm_transformers", "l10_instance_group_norm", "l11_choosing_a_normalization")


def _explorers():
    from ..explorer import Explorer
    found = {}
    for name in LESSONS:
        if find_spec(f".{name}.explorer", __name__) is None:      # a lesson without an explorer (07, 09)
            continue
        module = import_module(f".{name}.explorer", __name__)
        for obj in vars(module).values():
            if isinstance(obj, type) and issubclass(obj, Explorer) and obj is not Explorer:
                found[obj.name] = obj
    return found


def __getattr__(name):
    if name == "EXPLORERS":
        globals()["EXPLORERS"] = found = _explorers()
        return found
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
