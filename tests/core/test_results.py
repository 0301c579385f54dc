"""normlib.results: what a cached experiment hands out cannot be changed by its caller."""

import json
from types import MappingProxyType

import numpy as np
import pytest

from normlib.results import freeze, readonly


def test_readonly_copies_and_refuses_writes():
    src = np.arange(3.0)
    a = readonly(src, int)
    assert a.dtype == int and not a.flags.writeable
    src[0] = 7                      # a copy: the source stays free
    assert a[0] == 0
    with pytest.raises(ValueError):
        a[0] = 1


def test_freeze_goes_all_the_way_down():
    frozen = freeze({"a": [1, {"b": np.zeros(2)}], "c": (np.ones(1), [2])})
    assert isinstance(frozen, MappingProxyType) and isinstance(frozen["a"], tuple)
    assert isinstance(frozen["a"][1], MappingProxyType) and not frozen["a"][1]["b"].flags.writeable
    assert frozen["c"][1] == (2,)
    with pytest.raises(TypeError):
        frozen["a"] = 1


def test_load_json_reads_or_names_the_command(tmp_path):
    from normlib.results import load_json
    (tmp_path / "r.json").write_text('{"a": [1, 2]}')
    assert load_json(tmp_path / "r.json", "python -m x") == {"a": [1, 2]}
    with pytest.raises(FileNotFoundError, match="run `python -m x.long_runs`"):
        load_json(tmp_path / "missing.json", "python -m x.long_runs")


def test_run_provenance_names_the_commit_the_cpu_and_the_blas_kernels():
    from normlib.results import run_provenance
    p = run_provenance()
    assert set(p) == {"git_commit", "cpu", "blas"}
    assert p["git_commit"] is None or len(p["git_commit"].split("+")[0]) == 40
    assert isinstance(p["cpu"], str) and p["cpu"]
    assert p["blas"] and all({"internal_api", "architecture", "num_threads"} <= set(b) for b in p["blas"])
    json.dumps(p)                                   # saved with the results: plain JSON


def test_provenance_and_rounded_what_a_long_run_saves():
    import math

    import numpy as np

    from normlib.results import provenance, rounded
    p = provenance("python -m x", {"seeds": [0, 1]})
    assert p["command"] == "python -m x" and p["settings"] == {"seeds": [0, 1]}
    assert {"date", "python", "numpy", "git_commit", "cpu", "blas"} <= set(p)
    assert rounded([1.23456789, math.nan, np.array([[2.0, 0.5]])], 3) == [1.235, None, [[2.0, 0.5]]]
