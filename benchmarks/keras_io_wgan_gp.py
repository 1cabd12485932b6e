"""The keras.io example "WGAN-GP overriding ``Model.train_step``" on Fashion-MNIST, as a plain reference.

Written from the example's description (not copied from it), in plain TensorFlow/Keras without
tfgan_gp, so the package can be timed and judged against what a keras.io user already runs:
a DCGAN-like critic and generator for 28×28×1 images, a ``keras.Model`` subclass whose
``train_step`` makes ``d_steps = 3`` critic updates and one generator update, Adam(2e-4, β₁ = 0.5,
β₂ = 0.9) for both, λ = 10, batch 512, images scaled to [-1, 1].

Known deviations of the example from the paper (Gulrajani et al. 2017), kept here on purpose:

* the interpolation weight ε is drawn from N(0, 1), not U[0, 1], so many penalty points lie outside
  the segments between real and fake samples;
* the critic's 3 updates of one ``train_step`` all reuse the same real batch (the paper draws a
  fresh one per critic update);
* the generator has batch normalization (fine) and the critic has dropout (the paper's critics
  have none; with dropout the penalized gradient is that of a randomly thinned critic).
"""
import collections
import time

import keras
import tensorflow as tf
from keras import layers

LATENT_DIM = 128
IMAGE_SHAPE = (28, 28, 1)
BATCH_SIZE = 512
D_STEPS = 3
GP_WEIGHT = 10.0


def make_critic():
    """Images ``(B, 28, 28, 1)`` → scores ``(B, 1)``: padded to 32×32, four 5×5 stride-2 convs."""
    images = keras.Input(IMAGE_SHAPE, name="images")
    x = layers.ZeroPadding2D((2, 2))(images)
    for i, filters in enumerate((64, 128, 256, 512)):
        x = layers.Conv2D(filters, 5, strides=2, padding="same")(x)
        x = layers.LeakyReLU(0.2)(x)
        if i in (1, 2):
            x = layers.Dropout(0.3)(x)
    x = layers.Flatten()(x)
    x = layers.Dropout(0.2)(x)
    return keras.Model(images, layers.Dense(1)(x), name="critic")


def make_generator():
    """``z (B, 128)`` → images ``(B, 28, 28, 1)`` in [-1, 1]: 4×4×256, three up-sample + 3×3 conv blocks."""
    z = keras.Input((LATENT_DIM,), name="z")
    x = layers.Dense(4 * 4 * 256, use_bias=False)(z)
    x = layers.BatchNormalization()(x)
    x = layers.LeakyReLU(0.2)(x)
    x = layers.Reshape((4, 4, 256))(x)
    for filters in (128, 64):
        x = layers.UpSampling2D(2)(x)
        x = layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization()(x)
        x = layers.LeakyReLU(0.2)(x)
    x = layers.UpSampling2D(2)(x)
    x = layers.Conv2D(1, 3, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("tanh")(x)
    return keras.Model(z, layers.Cropping2D((2, 2))(x), name="generator")


def adam():
    """The example's optimizer, one per network."""
    return keras.optimizers.Adam(2e-4, beta_1=0.5, beta_2=0.9)


def critic_loss(real_logits, fake_logits):
    """``E[D(G(z))] − E[D(x)]``."""
    return tf.reduce_mean(fake_logits) - tf.reduce_mean(real_logits)


def generator_loss(fake_logits):
    """``−E[D(G(z))]``."""
    return -tf.reduce_mean(fake_logits)


class WGAN(keras.Model):
    """The example's model: ``train_step(real_images)`` = ``d_steps`` critic updates on that one batch + one G update."""

    def __init__(self, critic, generator, latent_dim=LATENT_DIM, d_steps=D_STEPS, gp_weight=GP_WEIGHT):
        super().__init__()
        self.critic = critic
        self.generator = generator
        self.latent_dim = latent_dim
        self.d_steps = d_steps
        self.gp_weight = gp_weight

    def compile(self, d_optimizer, g_optimizer, d_loss_fn, g_loss_fn):
        super().compile()
        self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer
        self.d_loss_fn, self.g_loss_fn = d_loss_fn, g_loss_fn

    def gradient_penalty(self, real_images, fake_images):
        """``E[(‖∇D(x̂)‖₂ − 1)²]`` at ``x̂ = x + ε·(x̃ − x)``, ε ~ N(0, 1) per sample (the example's draw)."""
        alpha = tf.random.normal([tf.shape(real_images)[0], 1, 1, 1], 0.0, 1.0)
        interpolated = real_images + alpha * (fake_images - real_images)
        with tf.GradientTape() as tape:
            tape.watch(interpolated)
            scores = self.critic(interpolated, training=True)
        grads = tape.gradient(scores, interpolated)
        norms = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=[1, 2, 3]))
        return tf.reduce_mean(tf.square(norms - 1.0))

    def train_step(self, real_images):
        if isinstance(real_images, tuple):
            real_images = real_images[0]
        batch_size = tf.shape(real_images)[0]
        for _ in range(self.d_steps):
            z = tf.random.normal([batch_size, self.latent_dim])
            with tf.GradientTape() as tape:
                fake_images = self.generator(z, training=True)
                d_cost = self.d_loss_fn(self.critic(real_images, training=True),
                                        self.critic(fake_images, training=True))
                d_loss = d_cost + self.gp_weight * self.gradient_penalty(real_images, fake_images)
            grads = tape.gradient(d_loss, self.critic.trainable_variables)
            self.d_optimizer.apply_gradients(zip(grads, self.critic.trainable_variables))
        z = tf.random.normal([batch_size, self.latent_dim])
        with tf.GradientTape() as tape:
            g_loss = self.g_loss_fn(self.critic(self.generator(z, training=True), training=True))
        grads = tape.gradient(g_loss, self.generator.trainable_variables)
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_variables))
        return {"d_loss": d_loss, "g_loss": g_loss}


def build(seed=0):
    """A compiled :class:`WGAN` with fresh models, seeded."""
    keras.utils.set_random_seed(seed)
    wgan = WGAN(make_critic(), make_generator())
    wgan.compile(d_optimizer=adam(), g_optimizer=adam(), d_loss_fn=critic_loss, g_loss_fn=generator_loss)
    return wgan


def scaled(images):
    """uint8 images (as ``tfgan_gp.data.idx.load`` returns them) → float32 in [-1, 1]; float images pass as they are."""
    images = tf.convert_to_tensor(images)
    if images.dtype == tf.uint8:
        return (tf.cast(images, tf.float32) - 127.5) / 127.5
    return tf.cast(images, tf.float32)


def dataset(images, batch_size=BATCH_SIZE, seed=0):
    """Shuffled, repeated batches of ``batch_size`` scaled images (the last partial batch of a pass dropped)."""
    data = tf.data.Dataset.from_tensor_slices(scaled(images))
    return (data.shuffle(min(len(images), 10_000), seed=seed).repeat()
            .batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE))


class Clock(keras.callbacks.Callback):
    """Seconds of each ``train_step`` (waiting for its results); stops ``fit`` once ``budget`` seconds have passed.

    The budget counts from the start of ``fit`` (tracing included) and is checked between iterations, so
    a run ends at most one iteration after it.
    """

    def __init__(self, budget=None):
        super().__init__()
        self.budget = budget
        self.step_seconds = []

    def on_train_begin(self, logs=None):
        self.began = time.perf_counter()

    def on_train_batch_begin(self, batch, logs=None):
        self._start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        float(logs["d_loss"])  # the step's outputs exist: it has finished
        now = time.perf_counter()
        self.step_seconds.append(now - self._start)
        if self.budget is not None and now - self.began >= self.budget:
            self.model.stop_training = True


Trained = collections.namedtuple("Trained", "generator critic iterations step_seconds wall_seconds")
"""What :func:`train` returns: the models, generator iterations run, seconds of each, total seconds of ``fit``."""


def train(images, seconds=None, iterations=None, batch_size=BATCH_SIZE, seed=0):
    """Train the example's WGAN-GP on ``images`` with ``WGAN.fit`` until ``seconds`` or ``iterations`` run out.

    Args:
        images: ``(N, 28, 28, 1)`` uint8 (scaled to [-1, 1] here) or float already in [-1, 1].
        seconds: wall-clock budget (see :class:`Clock`); ``iterations``: most generator iterations.
            At least one of the two must be given.
    Returns:
        :data:`Trained`; one generator iteration is one ``train_step`` (3 critic updates + 1 generator update).
    """
    if seconds is None and iterations is None:
        raise ValueError("train needs a wall-clock budget (seconds) or a number of iterations. "
                         "Received: seconds=None, iterations=None")
    wgan = build(seed)
    clock = Clock(seconds)
    began = time.perf_counter()
    wgan.fit(dataset(images, batch_size, seed), epochs=1, steps_per_epoch=iterations or 2 ** 31 - 1,
             callbacks=[clock], shuffle=False, verbose=0)
    return Trained(wgan.generator, wgan.critic, len(clock.step_seconds), clock.step_seconds,
                   time.perf_counter() - began)
