"""Experiment results handed out read-only, and the saved results of the long runs.

A cached result (``functools.lru_cache``) or a loaded one is shared by every caller, so it must not
be editable: :func:`freeze` turns dicts into read-only mappings, lists into tuples and arrays into
read-only copies, all the way down. :func:`load_json` reads what a lesson's ``long_runs.py`` saved
(``make experiments``), or says how to make it. :func:`run_provenance` is what every
``long_runs.py`` saves beside its results so that a re-run elsewhere can be told apart: the git commit,
the CPU and the BLAS kernels that produced them.
"""

import datetime
import json
import platform
import subprocess
from pathlib import Path
from types import MappingProxyType

import numpy as np

__all__ = ["readonly", "freeze", "load_json", "run_provenance", "provenance", "rounded"]


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


def run_provenance():
    """Where a long run ran: ``git_commit`` (with ``+dirty`` if the work tree had changes; None outside
    a git checkout), ``cpu`` (the model name) and ``blas`` (OpenBLAS's kernel set, version and thread
    count, from threadpoolctl), so that saved results say which machine and code made them."""
    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True,
                                check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, check=True).stdout.strip()
        commit += "+dirty" if dirty else ""
    except (OSError, subprocess.CalledProcessError):
        commit = None
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), cpu)
    except OSError:
        pass
    from threadpoolctl import threadpool_info
    blas = [{k: pool.get(k) for k in ("internal_api", "version", "architecture", "num_threads")}
            for pool in threadpool_info() if pool.get("user_api") == "blas"]
    return {"git_commit": commit, "cpu": cpu, "blas": blas}


def provenance(command, settings):
    """What a long run saves beside its results: the ``command`` that made them, the date, the Python
    and NumPy versions, its ``settings`` and :func:`run_provenance` (commit, CPU, BLAS)."""
    return dict(command=command, date=datetime.date.today().isoformat(), python=platform.python_version(),
                numpy=np.__version__, settings=settings, **run_provenance())


def rounded(v, digits=6):
    """Floats (or nested lists/arrays of them) rounded for a JSON file, NaN as null."""
    if isinstance(v, np.ndarray):
        v = v.tolist()
    if isinstance(v, (list, tuple)):
        return [rounded(x, digits) for x in v]
    return None if np.isnan(v) else round(float(v), digits)
