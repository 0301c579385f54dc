"""normlib.bridge: normlib's layers against torch.nn — live where PyTorch is installed, against the
stored torch.nn numbers everywhere — and a printed text that does not depend on which was used."""

import sys

import numpy as np
import pytest

from normlib import bridge
from normlib.layers import BatchNorm


@pytest.fixture
def no_torch(monkeypatch):
    """Make `import torch` fail, as on a machine without PyTorch."""
    monkeypatch.setitem(sys.modules, "torch", None)


def test_normlib_agrees_with_the_stored_torch_numbers(capsys):
    report = bridge.compare_with_torch(use="stored")
    assert report.agree, report.differences
    assert "stored results of torch.nn" in report.reference
    out = capsys.readouterr().out
    assert out.count("same") >= 6 * 3 + 2 and "DIFFERS" not in out
    assert "pip install -r requirements-torch.txt" in out


def test_the_stored_running_statistics_are_pytorchs_convention():
    """Independent of normlib: BN's running mean and variance after three steps, by hand, with the
    new batch weighted 0.1 and the unbiased m/(m − 1) variance, equal the stored torch.nn numbers."""
    _, ref = bridge.load_reference()
    for name in ("BatchNorm1d", "BatchNorm2d"):
        inp = bridge._inputs(name)
        axes = (0,) if name == "BatchNorm1d" else (0, 2, 3)
        mean, var = np.zeros(3), np.ones(3)
        for x in inp["xs"]:
            mean = 0.9 * mean + 0.1 * x.mean(axis=axes)
            var = 0.9 * var + 0.1 * x.var(axis=axes, ddof=1)
        np.testing.assert_allclose(ref[name]["running_mean"], mean, rtol=1e-12)
        np.testing.assert_allclose(ref[name]["running_var"], var, rtol=1e-12)


def test_a_different_convention_is_reported(monkeypatch, capsys):
    """The check can fail: BN with momentum 0.9 (the weight of the old value, CS231n's convention)
    gives other running statistics than torch.nn's 0.1 — and nothing else changes."""
    monkeypatch.setitem(bridge.CASES, "BatchNorm1d",
                        (lambda: BatchNorm(3, momentum=0.9, dtype=np.float64),) + bridge.CASES["BatchNorm1d"][1:])
    report = bridge.compare_with_torch(use="stored")
    assert not report.agree
    assert report.verdicts["BatchNorm1d"] == {"forward": True, "backward": True, "running stats": False,
                                              "eval mode": False}
    assert "DIFFERS" in capsys.readouterr().out


def test_without_torch_the_stored_reference_is_used_and_install_is_suggested(no_torch, capsys):
    report = bridge.compare_with_torch()
    assert "PyTorch is not available here" in report.reference and report.agree
    with pytest.raises(RuntimeError, match="requirements-torch.txt"):
        bridge.compare_with_torch(use="torch")
    with pytest.raises(ValueError, match="use must be 'auto', 'torch' or 'stored'"):
        bridge.compare_with_torch(use="pytorch")


def test_the_repr_does_not_say_which_reference():
    a = bridge.BridgeReport({}, {}, "torch.nn, PyTorch 2.14.1, run here")
    b = bridge.BridgeReport({}, {}, "stored results")
    assert repr(a) == repr(b)


# --- where PyTorch is installed (pip install -r requirements-torch.txt) ---

def test_torch_live_agrees_and_prints_the_same_text_as_without_torch(monkeypatch, capsys):
    pytest.importorskip("torch")
    live = bridge.compare_with_torch()
    text_live = capsys.readouterr().out
    assert live.agree and live.reference.startswith("torch.nn, PyTorch")
    monkeypatch.setitem(sys.modules, "torch", None)
    stored = bridge.compare_with_torch()
    assert "stored" in stored.reference
    assert capsys.readouterr().out == text_live


def test_the_stored_numbers_are_torchs():
    torch = pytest.importorskip("torch")
    version, ref = bridge.load_reference()
    for name in bridge.CASES:
        live = bridge.run_torch(name, torch)
        assert set(live) == set(ref[name])
        for key, value in live.items():
            np.testing.assert_allclose(ref[name][key], value, rtol=1e-12, atol=1e-15, err_msg=f"{name} {key}")
