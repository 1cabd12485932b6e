"""Pictures for humans: toy value surfaces, per-layer gradient norms, weight histograms, notes on panels with
nothing to show, PNG encoding.

The figure helpers draw on matplotlib axes (or return a figure) and know nothing
about training; recipes compute the numbers and call them. :func:`figure_png`
and :func:`save_png` turn a figure into a PNG file and a TensorBoard image.

Figures come from :func:`figure` / :func:`subplots`: matplotlib's object-oriented API
drawn by the Agg canvas, so this module never imports ``pyplot``, never changes the
process's backend (a notebook keeps its own) and leaves no figure open. Nothing in
``import tfgan_gp`` imports this module; the callbacks that draw load it when they draw.
"""
import io
import os
import textwrap

import numpy as np
import tensorflow as tf
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator


def figure(figsize=None, **kwargs):
    """A new matplotlib ``Figure`` on an Agg canvas (no pyplot, nothing to close); ``kwargs`` go to ``Figure``."""
    fig = Figure(figsize=figsize, **kwargs)
    FigureCanvasAgg(fig)
    return fig


def subplots(nrows=1, ncols=1, figsize=None, **kwargs):
    """``(figure, axes)`` like ``pyplot.subplots``, on a :func:`figure`; ``kwargs`` go to ``Figure.subplots``."""
    fig = figure(figsize)
    return fig, fig.subplots(nrows, ncols, **kwargs)


def grid(extent=3.0, resolution=128):
    """``resolution²`` points covering ``[-extent, extent]²`` as float32 ``(N, 2)``, plus the axes."""
    axis = np.linspace(-extent, extent, resolution, dtype=np.float32)
    xx, yy = np.meshgrid(axis, axis)
    return np.stack([xx.ravel(), yy.ravel()], axis=1), axis


def value_surface(ax, critic_fn, real, fake=None, extent=3.0, resolution=128, title=None):
    """Draw the critic's value contour with real points (blue) and generated samples (orange).

    ``critic_fn`` maps float32 ``(N, 2)`` points to ``N`` values; ``fake=None`` draws real points only.
    """
    points, axis = grid(extent, resolution)
    values = np.asarray(critic_fn(points)).reshape(resolution, resolution)
    ax.contourf(axis, axis, values, levels=30, cmap="viridis", alpha=0.8)
    ax.contour(axis, axis, values, levels=15, colors="k", linewidths=0.3, alpha=0.5)
    ax.scatter(real[:, 0], real[:, 1], s=2, c="tab:blue", alpha=0.6, label="real")
    if fake is not None:
        ax.scatter(fake[:, 0], fake[:, 1], s=2, c="tab:orange", alpha=0.8, label="generated")
    ax.set_xlim(-extent, extent)
    ax.set_ylim(-extent, extent)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=9)


def value_surface_grid(critic_fns, reals, row_labels, col_labels, extent=3.0, resolution=128,
                       panel_size=3.0):
    """A rows × columns figure of value surfaces, e.g. the paper's Figure 1(a).

    ``critic_fns[r][c]`` is the critic of row ``r`` (a method) and column ``c``
    (a dataset), drawn over ``reals[c]``; each panel has its own colour scale,
    since clipped critics' values are orders of magnitude smaller.
    """
    if len(critic_fns) != len(row_labels) or any(len(row) != len(col_labels) for row in critic_fns):
        raise ValueError(
            f"critic_fns must be a {len(row_labels)} × {len(col_labels)} nested list (rows = "
            f"row_labels, columns = col_labels). Received: {[len(row) for row in critic_fns]} per row")
    if len(reals) != len(col_labels):
        raise ValueError(f"reals needs one point set per column ({len(col_labels)}). Received: {len(reals)}")
    rows, cols = len(row_labels), len(col_labels)
    fig, axes = subplots(rows, cols, figsize=(panel_size * cols, panel_size * rows), squeeze=False)
    for r, row in enumerate(critic_fns):
        for c, critic_fn in enumerate(row):
            value_surface(axes[r, c], critic_fn, reals[c], None, extent, resolution)
            if r == 0:
                axes[r, c].set_title(col_labels[c], fontsize=10)
        axes[r, 0].set_ylabel(row_labels[r], fontsize=10)
    fig.tight_layout()
    return fig


def layer_gradient_norms(ax, norms, title=None):
    """Log-scale lines of gradient norms by layer (the paper's Figure 1(b)).

    ``norms`` maps a label (e.g. ``"clipping c=0.01"``) to one non-negative norm
    per layer, input side first. Exact zeros (float underflow) cannot sit on a log
    axis and are left out of the line.
    """
    for label, values in norms.items():
        values = np.asarray(values, np.float64)
        if values.ndim != 1 or np.any(values < 0) or not np.all(np.isfinite(values)):
            raise ValueError(
                f"norms[{label!r}] must be a 1-D array of finite non-negative norms, one per layer. "
                f"Received: {values!r}")
        layers = np.arange(1, len(values) + 1)
        positive = values > 0
        ax.plot(layers[positive], values[positive], marker="o", markersize=3, label=label)
    ax.set_yscale("log")
    ax.set_xlabel("critic layer (input side → output side)")
    ax.set_ylabel("gradient norm (log scale)")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title, fontsize=10)


def weight_histogram(ax, weights, label, bins=100):
    """Histogram of a critic's weights (the paper's Figure 1(c)); ``label`` names the method."""
    weights = np.asarray(weights, np.float64).ravel()
    if weights.size == 0:
        raise ValueError(f"weight_histogram needs at least one weight. Received: {weights.size} weights")
    ax.hist(weights, bins=bins, color="tab:blue")
    ax.set_title(label, fontsize=9)
    ax.set_yticks([])
    ax.xaxis.set_major_locator(MaxNLocator(5, symmetric=True))
    ax.ticklabel_format(axis="x", style="sci", scilimits=(-2, 2))
    ax.tick_params(axis="x", labelsize=7)


def note(ax, text, title=None, width=45):
    """Say on ``ax`` why it shows nothing, instead of leaving empty axes (``text`` wrapped at ``width``)."""
    ax.set_axis_off()
    ax.text(0.5, 0.5, textwrap.fill(text, width), ha="center", va="center", fontsize=9, transform=ax.transAxes)
    if title:
        ax.set_title(title, fontsize=9)


def figure_png(fig):
    """Encode a matplotlib figure (from :func:`figure`) as PNG bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return buffer.getvalue()


def replace_file(path, data):
    """Write ``data`` (bytes) to ``path`` whole or not at all: aside, then renamed over it (readers never see half
    a file, a crash leaves the old one); the new file follows the umask, as ``open`` does."""
    partial = f"{path}.{os.getpid()}.partial"
    with open(partial, "wb") as f:
        f.write(data)
    os.replace(partial, path)


def save_png(png, path, summary_writer=None, tag=None, step=0):
    """Write PNG bytes to ``path`` (:func:`replace_file`) and, if given, as an image summary to TensorBoard."""
    replace_file(path, png)
    if summary_writer is not None:
        with summary_writer.as_default():
            tf.summary.image(tag, tf.image.decode_png(png, channels=4)[None], step=step)
