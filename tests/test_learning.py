"""A short WGAN-GP run must actually learn: cover the modes of 8 Gaussians."""
import time

import keras

import tfgan_gp as tg
from tfgan_gp.architectures import mlp
from tfgan_gp.data import toy
from tfgan_gp.metrics import high_quality_fraction, modes_covered

ITERATIONS = 800


def test_wgan_gp_covers_the_modes_of_8_gaussians():
    """The paper's toy setup (3 ReLU layers, λ = 0.1, n_critic 5, batch 256, Adam β = (0.5, 0.9)),
    shrunk to fit the time budget on the slower CPU kind: width 128 instead of 512, and
    Adam 2e-3 decayed linearly to 0 over the run instead of a constant 1e-4 over 100k iterations."""
    start = time.perf_counter()

    def adam(updates):
        schedule = keras.optimizers.schedules.PolynomialDecay(2e-3, updates, end_learning_rate=0.0)
        return keras.optimizers.Adam(schedule, beta_1=0.5, beta_2=0.9)

    gan = tg.GAN(mlp.generator(2, 2, width=128), mlp.critic(2, width=128), latent_dim=2,
                 penalty=tg.penalties.GradientPenalty(weight=0.1), n_critic=5, seed=0)
    gan.compile(g_optimizer=adam(ITERATIONS), d_optimizer=adam(5 * ITERATIONS))
    gan.fit(tg.data.for_gan(toy.dataset("8gaussians", seed=0), 256, 5, shuffle_buffer=None),
            steps_per_epoch=ITERATIONS, epochs=1, verbose=0)

    samples = gan.sample(2560, seed=1).numpy()
    radius = 0.1 / toy.scale("8gaussians")        # 0.1 in the paper's units, before its 1/1.414 scaling
    centres = toy.centres("8gaussians")
    modes, quality = modes_covered(samples, centres, radius), high_quality_fraction(samples, centres, radius)
    elapsed = time.perf_counter() - start
    print(f"8 Gaussians: {modes}/8 modes, {quality:.3f} high quality, {elapsed:.1f} s")
    assert modes >= 7, f"only {modes}/8 modes covered"
    assert quality >= 0.8, f"only {quality:.3f} of samples within {radius:.4f} of a centre"
