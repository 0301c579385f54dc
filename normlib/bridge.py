"""normlib beside PyTorch: the same layers give the same numbers as ``torch.nn``.

:func:`compare_with_torch` runs each normlib normalization layer and its ``torch.nn`` twin on the
same inputs in float64 — γ and β set to the same values as ``weight`` and ``bias`` — and checks the
forward output, the backward pass (dx, dγ = ``weight.grad``, dβ = ``bias.grad``), the running
statistics after three training steps (batch norm: ``momentum`` 0.1 is the weight of the new batch
in both, and both store the unbiased variance) and the output in eval mode. docs/pytorch_bridge.md
has the table of names.

Why its printed output does not depend on whether PyTorch is installed
---------------------------------------------------------------------
The notebooks are checked by strict nbval, which compares every printed character with the saved
output, on machines with and without PyTorch. So the cell's text must be the same in both cases:

- The *check* is the same: normlib's results are compared with a reference. With PyTorch
  importable, the reference is ``torch.nn`` itself, run here on the same inputs. Without it, the
  reference is what ``torch.nn`` gave on those inputs, stored in ``normlib/bridge_reference.json``
  (made with ``python -m normlib.bridge --save`` where PyTorch is installed; the file records the
  version). The inputs come from a seeded NumPy generator, the same on every machine.
- The *text* is a verdict per layer and quantity at a fixed tolerance ("same" or "DIFFERS"), never
  a difference itself (its last digits would depend on the machine) nor which reference was used.
  It ends with one sentence true in both cases, which says how to install PyTorch to run the
  comparison live.
- *Which* reference was used is not printed: it is in the returned report, ``report.reference``
  (assign the result, then look at it in a cell of your own). Even the report's repr leaves it out,
  so a cell that ends with the call still prints the same text.

tests/core/test_bridge.py runs the comparison with and without torch importable and asserts the
printed text identical, and, where PyTorch is installed, that the stored numbers are torch's.
"""

import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .gradcheck import rel_error
from .layers import BatchNorm, GroupNorm, InstanceNorm, LayerNorm, RMSNorm

__all__ = ["compare_with_torch", "BridgeReport", "CASES", "REFERENCE_PATH", "TOLERANCE"]

REFERENCE_PATH = Path(__file__).with_name("bridge_reference.json")
TOLERANCE = 1e-9          # relative difference ‖a − b‖ / (‖a‖ + ‖b‖) below which two arrays are "same"
TOLERANCE_TEXT = "1e-9"
SEED = 0
STEPS = 3                 # training steps before the running statistics are compared
INSTALL = "pip install -r requirements-torch.txt"

F64 = dict(dtype=np.float64)

# name: (normlib layer, torch.nn layer, input shape); the normlib and torch constructors take the
# same arguments and defaults (eps 1e-5, momentum 0.1; RMSNorm's eps: the dtype's machine epsilon).
CASES = {
    "BatchNorm1d": (lambda: BatchNorm(3, **F64), lambda nn: nn.BatchNorm1d(3), (8, 3)),
    "BatchNorm2d": (lambda: BatchNorm(3, **F64), lambda nn: nn.BatchNorm2d(3), (4, 3, 2, 2)),
    "LayerNorm": (lambda: LayerNorm(5, **F64), lambda nn: nn.LayerNorm(5), (4, 5)),
    "GroupNorm": (lambda: GroupNorm(2, 4, **F64), lambda nn: nn.GroupNorm(2, 4), (3, 4, 2, 2)),
    "InstanceNorm2d": (lambda: InstanceNorm(3, affine=True, **F64),
                       lambda nn: nn.InstanceNorm2d(3, affine=True), (2, 3, 3, 3)),
    "RMSNorm": (lambda: RMSNorm(5, **F64), lambda nn: nn.RMSNorm(5), (4, 5)),
}
LABELS = {"BatchNorm1d": ("BatchNorm(3)", "nn.BatchNorm1d(3)"), "BatchNorm2d": ("BatchNorm(3)", "nn.BatchNorm2d(3)"),
          "LayerNorm": ("LayerNorm(5)", "nn.LayerNorm(5)"), "GroupNorm": ("GroupNorm(2, 4)", "nn.GroupNorm(2, 4)"),
          "InstanceNorm2d": ("InstanceNorm(3, affine=True)", "nn.InstanceNorm2d(3, affine=True)"),
          "RMSNorm": ("RMSNorm(5)", "nn.RMSNorm(5)")}
QUANTITIES = {"forward": ("y",), "backward": ("dx", "dgamma", "dbeta"),
              "running stats": ("running_mean", "running_var"), "eval mode": ("y_eval",)}


def _inputs(name):
    """The case's inputs, from a generator seeded with SEED and the case's position: γ, β, the
    training batches, the upstream gradient dy of the first step and an eval batch."""
    shape = CASES[name][2]
    channels = shape[1] if name not in ("LayerNorm", "RMSNorm") else shape[-1]
    rng = np.random.default_rng([SEED, list(CASES).index(name)])
    return dict(gamma=rng.uniform(0.5, 2.0, channels), beta=rng.normal(0.0, 1.0, channels),
                xs=[rng.normal(1.5, 2.0, shape) for _ in range(STEPS)], dy=rng.normal(0.0, 1.0, shape),
                x_eval=rng.normal(1.5, 2.0, shape))


def run_normlib(name):
    """normlib's results on the case's inputs: a dict of arrays (see :data:`QUANTITIES`)."""
    inp = _inputs(name)
    layer = CASES[name][0]()
    layer.gamma[...] = inp["gamma"]
    if layer.beta is not None:
        layer.beta[...] = inp["beta"]
    layer.train()
    out = {}
    for t, x in enumerate(inp["xs"]):
        y = layer.forward(x)
        if t == 0:
            out.update(y=y, dx=layer.backward(inp["dy"]), dgamma=layer.dgamma, dbeta=layer.dbeta)
    if isinstance(layer, BatchNorm):
        out.update(running_mean=layer.running_mean, running_var=layer.running_var)
    layer.eval()
    out["y_eval"] = layer.forward(inp["x_eval"])
    return {k: np.array(v, dtype=np.float64) for k, v in out.items() if v is not None}


def run_torch(name, torch):
    """torch.nn's results on the same inputs (``torch``: the imported module)."""
    inp = _inputs(name)
    layer = CASES[name][1](torch.nn).double()
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(inp["gamma"]))
        if getattr(layer, "bias", None) is not None:
            layer.bias.copy_(torch.from_numpy(inp["beta"]))
    layer.train()
    out = {}
    for t, x in enumerate(inp["xs"]):
        xt = torch.tensor(x, requires_grad=True)
        y = layer(xt)
        if t == 0:
            y.backward(torch.from_numpy(inp["dy"]))
            out.update(y=y, dx=xt.grad, dgamma=layer.weight.grad,
                       dbeta=getattr(getattr(layer, "bias", None), "grad", None))
    if getattr(layer, "running_mean", None) is not None:
        out.update(running_mean=layer.running_mean, running_var=layer.running_var)
    layer.eval()
    with torch.no_grad():
        out["y_eval"] = layer(torch.from_numpy(inp["x_eval"]))
    return {k: v.detach().numpy().astype(np.float64) for k, v in out.items() if v is not None}


def _import_torch():
    """(torch, None) if PyTorch can be imported, else (None, the reason)."""
    try:
        import torch
    except Exception as exc:                 # not installed, or installed without its libraries
        return None, f"{type(exc).__name__}: {exc}"
    return torch, None


def load_reference(path=REFERENCE_PATH):
    """The stored torch.nn results: (torch version, {case: {quantity: array}})."""
    data = json.loads(Path(path).read_text())
    cases = {name: {k: np.array(v, dtype=np.float64) for k, v in arrays.items()}
             for name, arrays in data["cases"].items()}
    return data["torch_version"], cases


def save_reference(path=REFERENCE_PATH):
    """Run torch.nn on every case and store its results (needs PyTorch)."""
    torch, why = _import_torch()
    if torch is None:
        raise RuntimeError(f"saving the reference needs PyTorch ({why}); {INSTALL}")
    data = {"torch_version": torch.__version__.split("+")[0],
            "command": "python -m normlib.bridge --save", "seed": SEED,
            "cases": {name: {k: v.tolist() for k, v in run_torch(name, torch).items()} for name in CASES}}
    Path(path).write_text(json.dumps(data, indent=1) + "\n")


def compare(ours, ref):
    """Per quantity group: True (all arrays within TOLERANCE), False, or None (not applicable),
    and the relative differences themselves."""
    diffs = {k: rel_error(ours[k], ref[k]) if ours[k].shape == ref[k].shape else np.inf
             for k in ours if k in ref}
    missing = set(ours) ^ set(ref)
    verdict = {}
    for group, keys in QUANTITIES.items():
        present = [k for k in keys if k in ours or k in ref]
        verdict[group] = None if not present else all(k in diffs and k not in missing
                                                      and diffs[k] < TOLERANCE for k in present)
    return verdict, diffs


@dataclass
class BridgeReport:
    """What :func:`compare_with_torch` found: ``verdicts[case][group]`` (True, False or None),
    ``differences[case][quantity]`` (relative), and ``reference``: which reference was used."""

    verdicts: dict
    differences: dict
    reference: str

    @property
    def agree(self):
        return all(v is not False for row in self.verdicts.values() for v in row.values())

    def text(self):
        header = f"{'normlib':<30}{'torch.nn':<35}" + "".join(f"{g:<15}" for g in QUANTITIES)
        lines = ["normlib beside torch.nn: float64, the same inputs, γ and β set as weight and bias",
                 "", header.rstrip()]
        for name, row in self.verdicts.items():
            ours, theirs = LABELS[name]
            cells = "".join(f"{'—' if v is None else 'same' if v else 'DIFFERS':<15}" for v in row.values())
            lines.append(f"{ours:<30}{theirs:<35}{cells}".rstrip())
        lines += ["", f'"same": relative difference ‖a − b‖/(‖a‖ + ‖b‖) below {TOLERANCE_TEXT}. The reference '
                      "is torch.nn run here if PyTorch is",
                  "installed, otherwise what torch.nn gave on these inputs (normlib/bridge_reference.json); "
                  "these lines read",
                  f"the same either way. To run torch.nn here: {INSTALL}, then restart the kernel."]
        return "\n".join(lines)

    def __repr__(self):        # the same with or without PyTorch: see the module's docstring
        return f"BridgeReport({len(self.verdicts)} layers, agree={self.agree}; .reference says which was used)"


def compare_with_torch(use="auto"):
    """Compare normlib's normalization layers with torch.nn and print the verdicts; returns a
    :class:`BridgeReport`. ``use``: "auto" (torch.nn if PyTorch imports, else the stored reference),
    "torch" or "stored"."""
    if use not in ("auto", "torch", "stored"):
        raise ValueError(f"use must be 'auto', 'torch' or 'stored'; got {use!r}")
    torch, why = (None, "not asked for") if use == "stored" else _import_torch()
    if torch is None and use == "torch":
        raise RuntimeError(f"use='torch' needs PyTorch, which cannot be imported ({why}); {INSTALL}")
    if torch is not None:
        refs = {name: run_torch(name, torch) for name in CASES}
        reference = f"torch.nn, PyTorch {torch.__version__}, run here"
    else:
        version, refs = load_reference()
        reference = (f"stored results of torch.nn (PyTorch {version}) in {REFERENCE_PATH.name}; "
                     f"PyTorch is not available here ({why}): {INSTALL}")
    verdicts, differences = {}, {}
    for name in CASES:
        verdicts[name], differences[name] = compare(run_normlib(name), refs[name])
    report = BridgeReport(verdicts, differences, reference)
    print(report.text())
    return report


if __name__ == "__main__":
    if sys.argv[1:] == ["--save"]:
        save_reference()
        print(f"saved {REFERENCE_PATH}")
    else:
        compare_with_torch()
        print()
