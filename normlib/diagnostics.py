"""Diagnostics: look inside a network to see why it trains, or why it does not.

One call, :func:`diagnose`, on a :class:`~normlib.module.Sequential` model and a batch ``(X, y)``
measures what practitioners plot when a network misbehaves (CS231n's notes "Neural Networks Part 3",
§ babysitting the learning process; Karpathy's lecture "Building makemore part 3: activations &
gradients, BatchNorm", 2022):

- **activations**: statistics and a histogram of the input of every chosen layer (by default every
  Sigmoid, Tanh and ReLU) — where the pre-activations sit on the nonlinearity;
- **saturation**: for a Sigmoid or Tanh, the fraction of its inputs where the slope is below
  ``saturation`` (default 0.01) times its largest slope: σ′(x) < 0.01 · ¼ (|x| > 6.0) for the
  sigmoid, tanh′(x) < 0.01 · 1 (|x| > 3.0) for tanh. Almost no gradient flows back through such a unit;
- **gradients**: a histogram of ∂L/∂(input) of the same layers, after one backward pass of the mean
  softmax cross-entropy — how much gradient reaches each layer;
- **update-to-data ratio** per parameter: ‖lr · ∂L/∂p‖ / ‖p‖, the relative change one plain SGD
  step would make. A rough heuristic, not a law: CS231n's notes put it "somewhere around 1e-3" —
  much lower, the learning rate may be too low for that parameter; much higher, likely too high.
  (Karpathy's lecture plots log10 of the same ratio, with standard deviations, against a line at −3.)

Nothing in ``model`` changes: the activations come from :func:`normlib.probe.layer_inputs`, and the
backward pass runs on a deep copy. Like :func:`~normlib.probe.layer_inputs`, the diagnosis takes
``X`` as one training batch: batch norm layers use the statistics of ``X`` itself; dropout is off.
:func:`plot_histograms` draws the histograms, one curve per layer.
"""

import copy
import numbers
from dataclasses import dataclass

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .checks import as_float_array
from .i18n import t
from .layers import BatchNorm
from .module import Sequential, positive_int
from .nn import ReLU, Sigmoid, Tanh, softmax_cross_entropy
from .palette import OKABE_ITO
from .probe import layer_inputs

__all__ = ["diagnose", "Diagnosis", "LayerReport", "saturated_fraction", "plot_histograms"]

ACTIVATIONS = (Sigmoid, Tanh, ReLU)


def saturated_fraction(x, kind, threshold=0.01):
    """The fraction of the values ``x`` (inputs of a ``"sigmoid"`` or ``"tanh"``) at which the slope
    is below ``threshold`` times the function's largest slope (¼ at 0 for the sigmoid, 1 for tanh)."""
    x = np.asarray(x, dtype=np.float64)
    if kind == "sigmoid":
        s = 0.5 * (1.0 + np.tanh(0.5 * x))          # σ(x), without overflow
        slope, top = s * (1.0 - s), 0.25
    elif kind == "tanh":
        slope, top = 1.0 - np.tanh(x) ** 2, 1.0
    else:
        raise ValueError(f"kind must be 'sigmoid' or 'tanh'; got {kind!r}")
    return float(np.mean(slope < threshold * top))


@dataclass
class LayerReport:
    """What :func:`diagnose` measured at the input of one layer (``index`` in the Sequential)."""

    index: int
    name: str                     # e.g. "Sigmoid"
    mean: float                   # of the layer's input over the batch and the units
    std: float
    saturated: float | None       # fraction of saturated inputs (Sigmoid, Tanh); None otherwise
    grad_std: float               # std of ∂L/∂(input)
    values: np.ndarray            # the input itself, (batch, units)
    grads: np.ndarray             # ∂L/∂(input), the same shape

    @property
    def label(self):
        return f"layer {self.index} ({self.name})"


@dataclass
class Diagnosis:
    """The result of :func:`diagnose`: ``layers`` (one :class:`LayerReport` per chosen layer),
    ``update_ratio`` (parameter name → ‖lr·grad‖/‖param‖, names as in ``model.parameters()``; a
    parameter that is all zeros, such as a fresh bias or β, has no ratio and is left out),
    ``loss`` on the batch, and the ``lr`` used."""

    layers: list
    update_ratio: dict
    loss: float
    lr: float

    def summary(self, digits=2):
        """A table to print: one line per layer, then one per parameter."""
        lines = [f"{'layer':<22}{'mean':>8}{'std':>8}{'saturated':>11}{'grad std':>11}"]
        for r in self.layers:
            sat = "—" if r.saturated is None else f"{r.saturated:.0%}"
            lines.append(f"{r.label:<22}{r.mean:>8.{digits}f}{r.std:>8.{digits}f}{sat:>11}"
                         f"{r.grad_std:>11.1e}")
        lines.append(f"\nupdate-to-data ratio ‖lr·grad‖/‖param‖ at lr = {self.lr:g} (rule of thumb: ~1e-3)")
        lines += [f"  {name:<12}{ratio:.0e}" for name, ratio in self.update_ratio.items()]
        return "\n".join(lines)


def diagnose(model, X, y, lr=0.1, of=ACTIVATIONS, saturation=0.01):
    """Diagnose ``model`` on the batch ``X`` with integer labels ``y`` (see the module's docstring).

    ``lr``: the learning rate of the update-to-data ratio. ``of``: the layer class (or tuple of
    classes) whose inputs are measured. ``saturation``: the slope threshold, as a fraction of the
    largest slope. Returns a :class:`Diagnosis`; ``model`` is not changed.
    """
    if not isinstance(model, Sequential):
        raise TypeError(f"model must be a normlib Sequential; got {type(model).__name__}")
    X = as_float_array(X, "X")
    y = np.asarray(y)
    if y.shape != (len(X),) or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"y must hold one integer label per row of X ({len(X)} of them); got shape "
                         f"{y.shape} and dtype {y.dtype}")
    if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not lr > 0:
        raise ValueError(f"lr (the learning rate of the update-to-data ratio) must be a number > 0; got {lr!r}")
    if isinstance(saturation, bool) or not isinstance(saturation, numbers.Real) or not 0 < saturation < 1:
        raise ValueError(f"saturation (a fraction of the largest slope) must be in (0, 1); got {saturation!r}")
    if not (isinstance(of, type) or isinstance(of, tuple) and all(isinstance(c, type) for c in of)):
        raise TypeError(f"of must be a layer class or a tuple of layer classes, e.g. (Sigmoid, Tanh); got {of!r}")
    chosen = [i for i, layer in enumerate(model.layers) if isinstance(layer, of)]
    if not chosen:
        raise ValueError(f"of: the model has no layer of type {of}; its layers are "
                         f"{[type(layer).__name__ for layer in model.layers]}")

    inputs = layer_inputs(model, X, of)                     # the forward pass: model untouched

    # The backward pass, on a deep copy set as layer_inputs reads the model (BN: batch statistics).
    work = copy.deepcopy(model)
    for layer in work.layers:
        layer.train(isinstance(layer, BatchNorm))
    loss, dy = softmax_cross_entropy(work.forward(X), y)
    grads = {}
    for i in reversed(range(len(work.layers))):
        dy = work.layers[i].backward(dy)
        if i in chosen:
            grads[i] = dy                                   # ∂L/∂(input of layer i)
    ratio = {name: float(np.linalg.norm(lr * g) / np.linalg.norm(p))
             for name, p, g in work.parameters() if g is not None and np.linalg.norm(p) > 0}

    reports = []
    for i, x in zip(chosen, inputs):
        layer = model.layers[i]
        kind = {Sigmoid: "sigmoid", Tanh: "tanh"}.get(type(layer))
        reports.append(LayerReport(i, type(layer).__name__, float(x.mean()), float(x.std()),
                                   None if kind is None else saturated_fraction(x, kind, saturation),
                                   float(grads[i].std()), x, grads[i]))
    return Diagnosis(reports, ratio, loss, float(lr))


def plot_histograms(diagnosis, bins=40, color=None, fig=None):
    """Two panels: the histogram of every chosen layer's input (left) and of the gradient that
    reaches it (right), one curve per layer. ``color``: None gives each layer its own colour of the
    course's palette; one colour (e.g. ``NORM_COLORS["bn"]``, to set a BN network beside a plain
    one) draws every layer in it, deeper layers dashed and dotted. Returns the figure."""
    if not isinstance(diagnosis, Diagnosis):
        raise TypeError(f"diagnosis must be what diagnose() returns; got {type(diagnosis).__name__}")
    bins = positive_int(bins, "bins")
    if fig is None:
        fig = Figure(figsize=(9.6, 3.6), dpi=100, layout="constrained")
        FigureCanvasAgg(fig)
    ax_x, ax_g = fig.subplots(1, 2)
    finite = lambda arrays: np.concatenate([a[np.isfinite(a)] for a in arrays])   # a diverged run has NaN
    # one set of bins per panel, shared by the layers, so that their curves compare
    edges_x = np.histogram_bin_edges(finite([r.values.ravel() for r in diagnosis.layers]), bins)
    edges_g = np.histogram_bin_edges(finite([r.grads.ravel() for r in diagnosis.layers]), bins)
    for k, r in enumerate(diagnosis.layers):
        style = dict(color=OKABE_ITO[k % len(OKABE_ITO)], ls="-") if color is None else \
            dict(color=color, ls=("-", "--", ":", "-.")[k % 4])
        for ax, data, edges in ((ax_x, r.values, edges_x), (ax_g, r.grads, edges_g)):
            counts, _ = np.histogram(data[np.isfinite(data)], bins=edges)
            ax.plot(0.5 * (edges[:-1] + edges[1:]), counts / data.size, lw=1.6, **style,
                    label=t("diagnostics.layer", index=r.index, name=r.name) +
                    ("" if ax is ax_g or r.saturated is None else t("diagnostics.saturated", fraction=r.saturated)))
    ax_x.set(xlabel=t("diagnostics.input"), ylabel=t("diagnostics.fraction"), title=t("diagnostics.activations"))
    ax_g.set(xlabel=t("diagnostics.gradient"), ylabel=t("diagnostics.fraction"),
             title=t("diagnostics.gradients", loss=diagnosis.loss))
    for ax in (ax_x, ax_g):
        ax.title.set_fontsize(10)
        ax.xaxis.label.set_fontsize(9)
        ax.yaxis.label.set_fontsize(9)
        ax.tick_params(labelsize=8)
        ax.xaxis.get_offset_text().set_fontsize(8)
        ax.yaxis.get_offset_text().set_fontsize(8)
        ax.legend(fontsize=8, frameon=False)
    return fig
