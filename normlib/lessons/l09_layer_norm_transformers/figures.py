"""Notebook 09's figure: the gradient norm of every block at initialization, post-LN vs pre-LN.
Its text comes from the message catalogue (keys ``l09.fig.*``)."""

import numpy as np

from ...i18n import t
from ...palette import NORM_COLORS

__all__ = ["plot_gradient_norms"]


def plot_gradient_norms(grads):
    """``grads``: {"post": norms, "pre": norms} from :func:`gradient_norms`, one value per block
    (1 = nearest the input). Returns the figure."""
    import matplotlib.pyplot as plt

    unknown = set(grads) - {"post", "pre"}
    if unknown:
        raise ValueError(f"grads must have the keys 'post' and/or 'pre'; got {sorted(unknown)}")
    fig, ax = plt.subplots(figsize=(6, 3.3), layout="constrained")
    for p, style in (("post", "s--"), ("pre", "o-")):
        if p in grads:
            g = np.asarray(grads[p])
            ax.plot(np.arange(1, len(g) + 1), g, style, color=NORM_COLORS["ln"], label=f"{p}-LN")
    ax.set(ylim=(0, None), title=t("l09.fig.title"), xlabel=t("l09.fig.xlabel"), ylabel="‖∂L/∂W₂‖ (Frobenius)")
    ax.legend()
    return fig
