"""Pictures for humans: toy value surfaces and PNG encoding for files and TensorBoard."""
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402


def grid(extent=3.0, resolution=128):
    """``resolution²`` points covering ``[-extent, extent]²`` as float32 ``(N, 2)``, plus the axes."""
    axis = np.linspace(-extent, extent, resolution, dtype=np.float32)
    xx, yy = np.meshgrid(axis, axis)
    return np.stack([xx.ravel(), yy.ravel()], axis=1), axis


def value_surface(ax, critic_fn, real, fake, extent=3.0, resolution=128, title=None):
    """Draw the critic's value contour with real points (blue) and generated samples (orange)."""
    points, axis = grid(extent, resolution)
    values = np.asarray(critic_fn(points)).reshape(resolution, resolution)
    ax.contourf(axis, axis, values, levels=30, cmap="viridis", alpha=0.8)
    ax.contour(axis, axis, values, levels=15, colors="k", linewidths=0.3, alpha=0.5)
    ax.scatter(real[:, 0], real[:, 1], s=2, c="tab:blue", alpha=0.6, label="real")
    ax.scatter(fake[:, 0], fake[:, 1], s=2, c="tab:orange", alpha=0.8, label="generated")
    ax.set_xlim(-extent, extent)
    ax.set_ylim(-extent, extent)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=9)


def figure_png(fig):
    """Encode a matplotlib figure as PNG bytes and close it."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def save_png(png, path, summary_writer=None, tag=None, step=0):
    """Write PNG bytes to ``path`` and, if given, as an image summary to TensorBoard."""
    with open(path, "wb") as f:
        f.write(png)
    if summary_writer is not None:
        with summary_writer.as_default():
            tf.summary.image(tag, tf.image.decode_png(png, channels=4)[None], step=step)
