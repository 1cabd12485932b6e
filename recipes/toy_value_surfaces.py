"""Figure 1(a) of Gulrajani et al. (2017): value surfaces of optimal critics, clipping vs penalty.

    python -m recipes.toy_value_surfaces --logdir runs/toy_value_surfaces

The paper (§3.1, Figure 1(a)) trains WGAN critics "to optimality on several toy
distributions, holding the generator distribution Pg fixed at the real
distribution plus unit-variance Gaussian noise": with weight clipping the critic
collapses to a simple function that ignores the data's higher moments (one
smooth blob over the data), with the gradient penalty it follows the data (a
peak at each mode of the Gaussian mixtures).

Here each critic (the toy MLP: 3 hidden layers of 512 ReLU) is trained alone
for ``--steps`` updates with the package's Wasserstein loss and its
:class:`~tfgan_gp.penalties.WeightClipping` or
:class:`~tfgan_gp.penalties.GradientPenalty`; each minibatch pairs real points
``x`` with "generated" points ``x + n``, ``n ~ N(0, I)`` (as ``gan_toy.py``'s
``FIXED_GENERATOR``, so the penalty's interpolates lie on segments from ``x`` to
``x + n``). Optimizers are the authors' (``gan_toy.py``): RMSProp(5e-5) with
clipping (c = 0.01), Adam(1e-4, β = (0.5, 0.9)) with the penalty. λ = 10, the
value the paper says all its experiments use (``gan_toy.py`` has 0.1).
Deviation: the paper does not say how long "to optimality" is; the default
here is 3,000 critic updates per panel (about 5 CPU-minutes for the figure). The
penalised critics' Wasserstein estimates are then within 3% (8 Gaussians) and
10–15% (25 Gaussians, Swiss roll) of the exact W1 between samples, printed
alongside; more ``--steps`` (e.g. 20,000) close the gap (the Swiss roll's optimal
critic is a broad bump with a dip inside the roll, not a ridge along it).

Writes ``value_surfaces.png`` (rows = method, columns = dataset) and
``value_surfaces.json``: per panel the critic's Wasserstein estimate
E[D(x)] − E[D(x + n)] and its mean input-gradient norm on the interpolates,
and per dataset the exact W1 between 1,024 real and 1,024 noisy points
(optimal assignment; a slight overestimate of the population value).
"""
import json
import os

from absl import flags

from . import entry
from .toy import ADAM, RMSPROP

DATASETS = ("8gaussians", "25gaussians", "swissroll")


def define_flags(flag_values):
    """Register this recipe's flags on ``flag_values`` (the global ``FLAGS`` from the command line)."""
    flags.DEFINE_string("logdir", "runs/toy_value_surfaces", "Where the PNG and JSON go.",
                        flag_values=flag_values)
    flags.DEFINE_list("datasets", list(DATASETS), "Toy datasets, one column each.", flag_values=flag_values)
    flags.DEFINE_integer("steps", 3000, "Critic updates per panel.", lower_bound=1, flag_values=flag_values)
    flags.DEFINE_integer("batch_size", 256, "Real (and noisy) points per critic minibatch.", lower_bound=1,
                         flag_values=flag_values)
    flags.DEFINE_integer("width", 512, "Units per hidden layer of the critic.", lower_bound=1,
                         flag_values=flag_values)
    flags.DEFINE_integer("depth", 3, "Hidden ReLU layers of the critic.", lower_bound=1, flag_values=flag_values)
    flags.DEFINE_float("clip", 0.01, "Weight-clipping bound c.", lower_bound=0.0, flag_values=flag_values)
    flags.DEFINE_float("penalty_weight", 10.0, "Gradient-penalty weight λ (paper: 10; gan_toy.py: 0.1).",
                       lower_bound=0.0, flag_values=flag_values)
    flags.DEFINE_alias("lambda_gp", "penalty_weight", flag_values=flag_values)
    flags.DEFINE_float("noise_std", 1.0, "Std of the Gaussian noise added to real points (paper: 1).",
                       lower_bound=0.0, flag_values=flag_values)
    flags.DEFINE_integer("seed", 0, "Random seed.", flag_values=flag_values)
    flags.DEFINE_bool("smoke", False, "50 updates of a width-32 critic on batches of 64 (for tests).",
                      flag_values=flag_values)


def fixed_generator_batch(dataset, n, seed, noise_std=1.0):
    """``(real, fake)``: ``n`` points of ``dataset`` and the same points plus ``N(0, noise_std²)`` noise.

    A pure function of the stateless ``seed`` (shape ``[2]``), usable inside ``tf.function``.
    """
    import tensorflow as tf

    from tfgan_gp.data import toy

    seeds = tf.random.experimental.stateless_split(tf.cast(seed, tf.int64), 2)
    real = toy.sample(dataset, n, seeds[0])
    return real, real + noise_std * tf.random.stateless_normal(tf.shape(real), seeds[1])


def train_critic(critic, dataset, penalty, optimizer, *, steps, batch_size, noise_std=1.0, seed=0):
    """Train ``critic`` alone against the fixed generator "real data + noise"; return its last loss.

    One update: Wasserstein critic loss ``E[D(x + n)] − E[D(x)]`` plus ``penalty``
    (``tfgan_gp.losses`` / ``tfgan_gp.penalties``, as ``tfgan_gp.GAN`` uses them),
    an optimizer step, then ``penalty.after_critic_update`` (weight clipping).
    """
    import keras
    import tensorflow as tf

    from tfgan_gp import losses
    from tfgan_gp.critic_batch import CriticBatch

    loss = losses.get("wasserstein")
    seed_generator = keras.random.SeedGenerator(seed)
    variables = critic.trainable_variables
    optimizer.build(variables)
    # a plain Python hook (weight clipping, or nothing): traced as is, not converted by AutoGraph
    after_update = tf.autograph.experimental.do_not_convert(penalty.after_critic_update)

    @tf.function
    def step(i):
        real, fake = fixed_generator_batch(dataset, batch_size, tf.stack([tf.cast(seed, tf.int64), i]), noise_std)
        with tf.GradientTape() as tape:
            d_loss = loss.critic_objective(CriticBatch(real, fake, real_out=critic(real, training=True),
                                                       fake_out=critic(fake, training=True)))
            d_loss += penalty(critic, real, fake, training=True, seed=seed_generator)
        optimizer.apply_gradients(zip(tape.gradient(d_loss, variables), variables))
        after_update(critic)
        return d_loss

    for i in range(steps):
        d_loss = step(tf.constant(i, tf.int64))
    return float(d_loss)


def describe(critic, dataset, noise_std, seed, n=4096):
    """A trained critic's Wasserstein estimate and mean input-gradient norm on ``n`` fresh pairs."""
    from tfgan_gp import penalties
    from tfgan_gp.critic_batch import CriticBatch

    real, fake = fixed_generator_batch(dataset, n, [seed, -1], noise_std)
    real_out, fake_out = critic(real, training=False).numpy(), critic(fake, training=False).numpy()
    interpolates = penalties.GradientPenalty().interpolates(real, fake, seed=seed)
    norms = penalties.input_gradient_norms(CriticBatch(critic=critic, training=False), interpolates).numpy()
    return dict(wasserstein_estimate=float(real_out.mean() - fake_out.mean()),
                mean_gradient_norm=float(norms.mean()))


def sample_wasserstein1(dataset, noise_std, seed, n=1024):
    """Exact W1 between ``n`` real points and ``n`` independent noisy points (optimal assignment)."""
    from tfgan_gp.metrics import wasserstein_1

    real, _ = fixed_generator_batch(dataset, n, [seed, -3], noise_std)
    _, fake = fixed_generator_batch(dataset, n, [seed, -4], noise_std)
    return wasserstein_1(real.numpy(), fake.numpy())


def run(logdir, *, datasets, steps, batch_size, width, depth, clip, penalty_weight, noise_std, seed):
    """Train one critic per (method, dataset), draw the grid, write PNG and JSON; return the panels."""
    import keras

    from tfgan_gp import penalties, plotting
    from tfgan_gp.architectures import mlp
    from tfgan_gp.data import toy

    for name in datasets:
        toy.centres(name)  # ValueError naming the valid datasets
    os.makedirs(logdir, exist_ok=True)
    exact = {name: sample_wasserstein1(name, noise_std, seed) for name in datasets}
    rows = [(f"weight clipping c={clip:g}", lambda: penalties.WeightClipping(clip), RMSPROP),
            (f"gradient penalty λ={penalty_weight:g}", lambda: penalties.GradientPenalty(penalty_weight), ADAM)]
    critics, panels = [], []
    for label, penalty, optimizer in rows:
        critics.append([])
        for name in datasets:
            keras.utils.set_random_seed(seed)
            critic = mlp.critic(2, width=width, depth=depth)
            final_loss = train_critic(critic, name, penalty(), optimizer.build(), steps=steps, batch_size=batch_size,
                                      noise_std=noise_std, seed=seed)
            panel = dict(method=label, dataset=name, final_loss=final_loss,
                         **describe(critic, name, noise_std, seed))
            panels.append(panel)
            critics[-1].append(critic)
            print(f"{label:>26} | {name:<11}: W estimate {panel['wasserstein_estimate']:.4f} "
                  f"(exact W1 of samples {exact[name]:.4f}), mean ‖∇D‖ {panel['mean_gradient_norm']:.3f}")

    reals = [toy.sample(name, 1024, [seed, -2]).numpy() for name in datasets]
    critic_fns = [[(lambda points, c=c: c(points, training=False).numpy()) for c in row] for row in critics]
    fig = plotting.value_surface_grid(critic_fns, reals, [r[0] for r in rows], list(datasets))
    fig.suptitle(f"Critics trained against real data + N(0, {noise_std:g}²) noise ({steps} updates): "
                 "value surfaces and real points", fontsize=10, y=1.02)
    png = os.path.join(logdir, "value_surfaces.png")
    plotting.save_png(plotting.figure_png(fig), png)
    json_path = os.path.join(logdir, "value_surfaces.json")
    with open(json_path, "w") as f:
        json.dump({"settings": dict(steps=steps, batch_size=batch_size, width=width, depth=depth, clip=clip,
                                    penalty_weight=penalty_weight, noise_std=noise_std, seed=seed),
                   "exact_w1": exact, "panels": panels}, f, indent=1)
    print(f"\nFigure 1(a): {os.path.abspath(png)}\nNumbers: {os.path.abspath(json_path)}")
    return panels


def main(argv, flag_values):
    del argv
    fv = flag_values
    smoke = fv.smoke
    run(fv.logdir, datasets=fv.datasets, steps=min(fv.steps, 50) if smoke else fv.steps,
        batch_size=min(fv.batch_size, 64) if smoke else fv.batch_size, width=32 if smoke else fv.width,
        depth=fv.depth, clip=fv.clip, penalty_weight=fv.penalty_weight, noise_std=fv.noise_std, seed=fv.seed)


if __name__ == "__main__":
    entry.run(define_flags, main)
