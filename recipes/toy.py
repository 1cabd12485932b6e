"""WGAN-GP on the paper's 2-D toy data (Gulrajani et al. 2017, §4 and Figure 1).

    python -m recipes.toy --logdir runs/toy [--dataset 8gaussians] [--iterations 1000]

Paper setup (gan_toy.py): G and D are MLPs with 3 hidden layers of 512 ReLU,
λ = 0.1, n_critic = 5, batch 256, Adam(1e-4, β₁ = 0.5, β₂ = 0.9). The paper
trained far longer (100k iterations); 1,000 already cover the 8 Gaussians.
"""
import os

from absl import flags

import tfgan_gp as tg

from . import common

def define_flags(flag_values):
    """Register this recipe's flags on ``flag_values`` (the global ``FLAGS`` from the command line)."""
    fv = dict(flag_values=flag_values)
    flags.DEFINE_string("logdir", "runs/toy", "Where TensorBoard logs and PNGs go.", **fv)
    flags.DEFINE_enum("dataset", "8gaussians", ["8gaussians", "25gaussians", "swissroll"], "Toy distribution.",
                      **fv)
    flags.DEFINE_string("loss", "wasserstein", "Adversarial loss (tfgan_gp.losses.names()).", **fv)
    flags.DEFINE_string("penalty", "gp", "Critic regulariser (tfgan_gp.penalties.names()).", **fv)
    flags.DEFINE_float("lambda_gp", 0.1, "Penalty weight λ (the paper's toy value is 0.1).", lower_bound=0.0, **fv)
    flags.DEFINE_integer("iterations", 1000, "Generator iterations.", lower_bound=1, **fv)
    flags.DEFINE_integer("n_critic", 5, "Critic updates per generator update.", lower_bound=1, **fv)
    flags.DEFINE_integer("batch_size", 256, "Samples per critic minibatch.", lower_bound=1, **fv)
    flags.DEFINE_integer("plot_every", 100, "Generator iterations between pictures (one Keras epoch).",
                         lower_bound=1, **fv)
    flags.DEFINE_integer("seed", 0, "Random seed.", **fv)
    flags.DEFINE_enum("precision", "float32", tg.precision.NAMES, "Dtype policy (float32 by default: "
                      "2-D points gain nothing from reduced precision).", **fv)
    flags.DEFINE_enum("distribute", "none", tg.distribute.STRATEGIES, "tf.distribute strategy.", **fv)
    flags.DEFINE_bool("smoke", False, "2 iterations on batches of 16, a picture after each (for tests).", **fv)


def main(argv, flag_values):
    del argv
    FLAGS = flag_values
    iterations, batch_size, plot_every = FLAGS.iterations, FLAGS.batch_size, FLAGS.plot_every
    if FLAGS.smoke:
        iterations, batch_size, plot_every = min(iterations, 2), min(batch_size, 16), 1
    import keras

    from tfgan_gp.architectures import mlp
    from tfgan_gp.data import toy
    from tfgan_gp.metrics import high_quality_fraction, modes_covered, wasserstein_1

    keras.utils.set_random_seed(FLAGS.seed)
    os.makedirs(FLAGS.logdir, exist_ok=True)
    tg.precision.set_precision(FLAGS.precision)
    with tg.distribute.make_strategy(FLAGS.distribute).scope():
        gan = tg.GAN(mlp.generator(2, 2), mlp.critic(2), latent_dim=2, loss=FLAGS.loss,
                     penalty=tg.penalties.build(FLAGS.penalty, weight=FLAGS.lambda_gp), n_critic=FLAGS.n_critic,
                     seed=FLAGS.seed)
        gan.compile(g_optimizer=keras.optimizers.Adam(1e-4, beta_1=0.5, beta_2=0.9),
                    d_optimizer=keras.optimizers.Adam(1e-4, beta_1=0.5, beta_2=0.9))
        data = tg.data.for_gan(toy.dataset(FLAGS.dataset, seed=FLAGS.seed), batch_size,
                               FLAGS.n_critic, shuffle_buffer=None)
    real = toy.sample(FLAGS.dataset, 512, [FLAGS.seed, -1]).numpy()
    pictures = tg.callbacks.ToyValueSurface(FLAGS.logdir, real)
    epochs = -(-iterations // plot_every)
    gan.fit(data, epochs=epochs, steps_per_epoch=min(plot_every, iterations),
            callbacks=[keras.callbacks.TensorBoard(FLAGS.logdir, update_freq=10), pictures])

    fake = gan.sample(512, seed=FLAGS.seed + 1).numpy()
    print(f"\n{FLAGS.dataset}, {gan.iteration} generator iterations:")
    centres = toy.centres(FLAGS.dataset)
    if centres is not None:
        radius = 0.1 / toy.scale(FLAGS.dataset)
        many = gan.sample(2560, seed=FLAGS.seed + 2).numpy()
        print(f"  modes covered:         {modes_covered(many, centres, radius)} / {len(centres)}")
        print(f"  high-quality fraction: {high_quality_fraction(many, centres, radius):.3f}"
              f"  (within {radius:.4f} of a centre)")
    print(f"  exact W1 (512 vs 512): {wasserstein_1(fake, real):.4f}")
    print(f"\nSamples over the critic's value surface: {os.path.abspath(pictures.last_png)}")
    print(f"TensorBoard logs: {os.path.abspath(FLAGS.logdir)}")
    print(f"  open them with:  tensorboard --logdir {FLAGS.logdir}")


if __name__ == "__main__":
    common.run(define_flags, main)
