"""Figure 1(b, c) of Gulrajani et al. (2017): clipping explodes or vanishes deep critics' gradients.

    python -m recipes.toy_gradient_norms --logdir runs/toy_gradient_norms

The paper (§3, Figure 1(b)) trains a WGAN on the Swiss roll with 12-layer ReLU
MLPs as generator and critic, no batch norm, "varying the clipping threshold c in
[1e-1, 1e-2, 1e-3], and plot[s] the norm of the gradient of the critic loss with
respect to successive layers of activations": with c = 0.1 the norms grow
towards the input (exploding), with c = 0.01 and 0.001 they shrink towards the
input (vanishing); with the gradient penalty they stay in a narrow band.
Figure 1(c): clipping pushes the critic's weights to the two ends ±c of the
clipping range, the penalty does not.

This recipe trains one WGAN per method with :class:`tfgan_gp.GAN` (the authors'
``gan_toy.py`` optimizers: RMSProp(5e-5) with clipping, Adam(1e-4, β = (0.5, 0.9))
with the penalty; n_critic = 5, batch 256; λ = 10, as the paper says all its
experiments use, where ``gan_toy.py`` has 0.1), then measures, on a fresh
batch, the gradient of the critic's Wasserstein loss ``E[D(fake)] - E[D(real)]``
with respect to each hidden layer's activations (the input of each dense layer
after the first), and also with respect to each layer's kernel. It writes

* ``gradient_norms.png``: (b) the norms by layer on a log scale, (c) one
  histogram of critic weights per method;
* ``gradient_norms.json``: the numbers behind (b), per method;
* ``critic_weights.npz``: every critic kernel weight, per method (for (c)).

Deviations from the paper, named: the measurement runs on a float64 copy of the
trained critic, so vanishing norms show down to ~1e-300 instead of underflowing
to zero in float32 (training itself is float32); the penalty's own term is left
out of the measured loss (its gradient is with respect to other activations, those
of the interpolates); the critic's kernels use the package's Glorot
initialisation (``gan_toy.py``: He); the default run is 200 generator iterations
(the paper does not say how long it trained before measuring; about 7 minutes on
2 CPU cores). The gradient with respect to each layer's *kernel* is nearly flat
across layers even under clipping, because the backward signal that shrinks (or
grows) towards the input meets forward activations that grow (or shrink); the
explosion or vanishing then shows only in its overall level (about 1e6, 1e-10
and 1e-22 for c = 0.1, 0.01, 0.001 in the default run, 3 with the penalty). So
the figure plots activations, as the paper's text says; the JSON keeps both.
"""
import json
import os

from absl import flags

from . import entry
from .toy import ADAM, RMSPROP

DEFAULT_CLIP_VALUES = ("0.1", "0.01", "0.001")


def define_flags(flag_values):
    """Register this recipe's flags on ``flag_values`` (the global ``FLAGS`` from the command line)."""
    flags.DEFINE_string("logdir", "runs/toy_gradient_norms", "Where PNG, JSON and NPZ files go.",
                        flag_values=flag_values)
    flags.DEFINE_integer("iterations", 200, "Generator iterations of each WGAN before measuring.",
                         lower_bound=1, flag_values=flag_values)
    flags.DEFINE_integer("batch_size", 256, "Samples per critic minibatch (and in the measurement).",
                         lower_bound=1, flag_values=flag_values)
    flags.DEFINE_integer("n_critic", 5, "Critic updates per generator update.", lower_bound=1,
                         flag_values=flag_values)
    flags.DEFINE_integer("width", 512, "Units per hidden layer (paper's toy models: 512).", lower_bound=1,
                         flag_values=flag_values)
    flags.DEFINE_integer("depth", 12, "Hidden ReLU layers of generator and critic (paper: 12).",
                         lower_bound=2, flag_values=flag_values)
    flags.DEFINE_list("clip_values", list(DEFAULT_CLIP_VALUES), "Clipping thresholds c to compare.",
                      flag_values=flag_values)
    flags.DEFINE_float("penalty_weight", 10.0, "Gradient-penalty weight λ (paper: 10; gan_toy.py: 0.1).",
                       lower_bound=0.0, flag_values=flag_values)
    flags.DEFINE_alias("lambda_gp", "penalty_weight", flag_values=flag_values)
    flags.DEFINE_integer("seed", 0, "Random seed.", flag_values=flag_values)
    flags.DEFINE_bool("smoke", False, "20 iterations on batches of 16 (for tests); same models.",
                      flag_values=flag_values)


def methods(clip_values, penalty_weight):
    """``[(label, penalty, optimizer)]``: each clipping threshold, then the gradient penalty."""
    from tfgan_gp import penalties

    chosen = [(f"clipping c={c:g}", penalties.WeightClipping(c), RMSPROP) for c in clip_values]
    chosen.append((f"gradient penalty λ={penalty_weight:g}", penalties.GradientPenalty(penalty_weight), ADAM))
    return chosen


def train_wgan(penalty, optimizer, *, iterations, batch_size, n_critic, width, depth, seed):
    """A WGAN on the Swiss roll with ``depth``-layer ReLU MLPs, trained for ``iterations``."""
    import keras

    import tfgan_gp as tg
    from tfgan_gp.architectures import mlp
    from tfgan_gp.data import toy

    keras.utils.set_random_seed(seed)
    gan = tg.GAN(mlp.generator(2, 2, width=width, depth=depth), mlp.critic(2, width=width, depth=depth),
                 latent_dim=2, penalty=penalty, n_critic=n_critic, seed=seed)
    gan.compile(g_optimizer=optimizer.build(), d_optimizer=optimizer.build())
    data = tg.data.for_gan(toy.dataset("swissroll", seed=seed), batch_size, n_critic, shuffle_buffer=None)
    gan.fit(data, steps_per_epoch=iterations, epochs=1, verbose=0)
    return gan


def float64_copy(model):
    """The same network with every layer computing in float64 (weights copied)."""
    import keras

    def clone(layer):
        config = layer.get_config()
        config["dtype"] = "float64"
        return layer.__class__.from_config(config)

    copy = keras.models.clone_model(model, clone_function=clone)
    copy.set_weights(model.get_weights())
    return copy


def _chain(model):
    import keras

    return [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]


def layer_gradient_norms(critic, loss, real, fake):
    """Norms of the gradient of ``loss.critic_objective`` on ``real`` and ``fake`` by layer, computed in float64.

    ``critic`` must be a plain chain of layers (a Sequential or single-path
    Functional MLP, as :func:`tfgan_gp.architectures.mlp.critic` builds); its
    dense layers (those with a ``kernel``) delimit the layers. Returns
    ``(activations, weights)``: ``activations[l]`` is the norm of the gradient
    with respect to the input of dense layer ``l + 2`` (the activations of hidden
    layer ``l + 1``, over the whole batch of real and fake points), input side
    first; ``weights[l]`` is the norm of the gradient with respect to dense
    layer ``l + 1``'s kernel.
    """
    import numpy as np
    import tensorflow as tf

    import tfgan_gp as tg

    real, fake = np.asarray(real), np.asarray(fake)
    if real.ndim != 2 or real.shape != fake.shape:
        raise ValueError(f"real and fake must be point sets of equal shape (N, D). "
                         f"Received: real {real.shape}, fake {fake.shape}")
    copy = float64_copy(critic)
    chain = _chain(copy)
    points = tf.constant(np.concatenate([real, fake]), tf.float64)
    kernels = []
    not_a_chain = ValueError(
        f"layer_gradient_norms needs a critic that is a plain chain of layers with at least two dense "
        f"layers (e.g. tfgan_gp.architectures.mlp.critic). Received: {critic.name} with layers "
        f"{[layer.name for layer in chain]}")
    with tf.GradientTape() as tape:
        h, activations = points, []
        try:
            for layer in chain:
                if hasattr(layer, "kernel"):
                    if kernels:
                        activations.append(h)
                    kernels.append(layer.kernel)
                h = layer(h)
        except (ValueError, TypeError) as err:
            raise not_a_chain from err
        n = len(real)
        critic_loss = loss.critic_objective(tg.CriticBatch(points[:n], points[n:], real_out=h[:n], fake_out=h[n:]))
    if len(kernels) < 2 or not np.allclose(h.numpy(), copy(points).numpy(), rtol=1e-6, atol=1e-12):
        raise not_a_chain
    grads = tape.gradient(critic_loss, activations + kernels)
    norms = np.array([float(tf.norm(g)) for g in grads])
    return norms[:len(activations)], norms[len(activations):]


def critic_kernel_weights(critic):
    """All entries of the critic's dense kernels, float32 ``(N,)`` (biases left out, as in Figure 1(c))."""
    import numpy as np

    return np.concatenate([np.ravel(layer.kernel.numpy()) for layer in _chain(critic)
                           if hasattr(layer, "kernel")])


def figure(results):
    """PNG bytes: (b) gradient norms by layer, log scale; (c) one weight histogram per method."""
    from tfgan_gp import plotting

    fig = plotting.figure(figsize=(11, 5))
    grid = fig.add_gridspec(len(results), 2, width_ratios=(1.6, 1))
    plotting.layer_gradient_norms(
        fig.add_subplot(grid[:, 0]), {r["label"]: r["activation_grad_norms"] for r in results},
        title="(b) ‖∂ critic loss / ∂ activations‖ by layer, Swiss roll")
    for i, r in enumerate(results):
        plotting.weight_histogram(fig.add_subplot(grid[i, 1]), r["weights"], r["label"])
    fig.suptitle("Gulrajani et al. 2017, Figure 1(b, c): weight clipping vs gradient penalty", fontsize=11)
    fig.tight_layout()
    return plotting.figure_png(fig)


def run(logdir, *, iterations, batch_size, n_critic, width, depth, clip_values, penalty_weight, seed):
    """Train one WGAN per method, measure, write PNG / JSON / NPZ into ``logdir``; return the results."""
    import numpy as np

    from tfgan_gp import losses, plotting
    from tfgan_gp.data import toy

    os.makedirs(logdir, exist_ok=True)
    settings = dict(iterations=iterations, batch_size=batch_size, n_critic=n_critic, width=width,
                    depth=depth, seed=seed)
    real = toy.sample("swissroll", batch_size, [seed, -1]).numpy()
    results = []
    for label, penalty, optimizer in methods(clip_values, penalty_weight):
        gan = train_wgan(penalty, optimizer, **settings)
        fake = gan.sample(batch_size, seed=seed + 1).numpy()
        activations, weights = layer_gradient_norms(gan.critic, losses.get("wasserstein"), real, fake)
        results.append(dict(label=label, penalty=repr(penalty), activation_grad_norms=activations.tolist(),
                            weight_grad_norms=weights.tolist(), weights=critic_kernel_weights(gan.critic)))
        print(f"{label:>28}: ‖∂L/∂activations‖ layer 1 {activations[0]:.2e} … layer {len(activations)} "
              f"{activations[-1]:.2e}  (ratio first/last {activations[0] / activations[-1]:.1e})")

    png = os.path.join(logdir, "gradient_norms.png")
    plotting.save_png(figure(results), png)
    json_path = os.path.join(logdir, "gradient_norms.json")
    with open(json_path, "w") as f:
        json.dump({"settings": dict(settings, penalty_weight=penalty_weight, dataset="swissroll"),
                   "methods": [{k: v for k, v in r.items() if k != "weights"} for r in results]}, f, indent=1)
    npz = os.path.join(logdir, "critic_weights.npz")
    np.savez_compressed(npz, **{r["label"]: r["weights"] for r in results})
    print(f"\nFigure 1(b, c): {os.path.abspath(png)}")
    print(f"Numbers: {os.path.abspath(json_path)}, weights: {os.path.abspath(npz)}")
    return results


def main(argv, flag_values):
    del argv
    fv = flag_values
    try:
        clip_values = [float(c) for c in fv.clip_values]
    except ValueError as err:
        raise ValueError(f"--clip_values must be numbers. Received: clip_values={fv.clip_values}") from err
    smoke = fv.smoke
    run(fv.logdir, iterations=min(fv.iterations, 20) if smoke else fv.iterations,
        batch_size=min(fv.batch_size, 16) if smoke else fv.batch_size, n_critic=fv.n_critic,
        width=fv.width, depth=fv.depth, clip_values=clip_values, penalty_weight=fv.penalty_weight, seed=fv.seed)


if __name__ == "__main__":
    entry.run(define_flags, main)
