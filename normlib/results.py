"""Experiment results handed out read-only, and the saved results of the long runs.

A cached result (``functools.lru_cache``) or a loaded one is shared by every caller, so it must not
be editable: :func:`freeze` turns dicts into read-only mappings, lists into tuples and arrays into
read-only copies, all the way down. :func:`load_json` reads what a lesson's ``long_runs.py`` saved
(``make experiments``), or says how to make it.
"""

import json
from pathlib import Path
from types import MappingProxyType

import numpy as np

__all__ = ["readonly", "freeze", "load_json"]


def readonly(a, dtype=None):
    """A read-only copy of ``a`` as an array (of ``dtype`` if given)."""
    a = np.array(a, dtype=dtype)
    a.setflags(write=False)
    return a


def freeze(obj):
    """``obj`` with every dict made a read-only mapping, every list a tuple and every array a
    read-only copy, all the way down."""
    if isinstance(obj, (dict, MappingProxyType)):
        return MappingProxyType({k: freeze(v) for k, v in obj.items()})
    if isinstance(obj, (list, tuple)):
        return tuple(freeze(v) for v in obj)
    if isinstance(obj, np.ndarray):
        return readonly(obj)
    return obj


def load_json(path, command):
    """The content of the JSON file ``path`` that ``command`` saved, or a FileNotFoundError that
    names the command to run."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run `{command}` (or `make experiments`)")
    return json.loads(path.read_text())
