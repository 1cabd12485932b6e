"""The GAN model: a ``keras.Model`` whose ``train_step`` is one generator iteration.

One call of :meth:`GAN.train_step` is the paper's unit of training (Gulrajani
et al. 2017, Algorithm 1): it receives ``n_critic × batch_size`` real samples,
splits them into ``n_critic`` distinct minibatches, makes one critic update on
each (adversarial loss + penalty, the penalty's gradient taken on a tape nested
inside the critic's tape), then makes one generator update on a fresh batch of
noise. ``fit``, ``evaluate``, callbacks, ``jit_compile`` and mixed precision
are plain Keras.
"""
import keras
import numpy as np
import tensorflow as tf

from tfgan_gp import augment as augmentations
from tfgan_gp import averaging, distribute, losses, penalties, randomness
from tfgan_gp.callbacks.safety import FROM_THE_START, NaNGuard
from tfgan_gp.critic_batch import CriticBatch, critic_outputs

METRIC_NAMES = ("d_loss", "g_loss", "wasserstein_estimate")
NONFINITE = "nonfinite_losses"
"""Logged under loss scaling (``mixed_float16``) only: updates in the epoch whose loss was not finite."""


def paper_adam(learning_rate=1e-4):
    """Adam with the paper's defaults (Appendix: α = 1e-4, β₁ = 0, β₂ = 0.9)."""
    return keras.optimizers.Adam(learning_rate, beta_1=0.0, beta_2=0.9)


def _all_layers(model):
    return model._flatten_layers(include_self=True, recursive=True)


def _normalizes_over_batch(layer):
    return isinstance(layer, keras.layers.BatchNormalization) or getattr(
        layer, "normalizes_over_batch", False)


def _classification_loss(labels, logits):
    """The AC-GAN auxiliary classifier's mean cross-entropy."""
    return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))


def _known_dims_differ(expected, actual):
    if len(expected) != len(actual):
        return True
    return any(e is not None and a is not None and e != a for e, a in zip(expected, actual))


class GAN(keras.Model):
    """A generator and a critic trained adversarially; defaults are WGAN-GP's.

    Args:
        generator: ``keras.Model`` mapping ``z`` of shape ``(B, latent_dim)``
            (``[z, labels]`` when ``num_classes`` is set) to samples.
        critic: ``keras.Model`` mapping samples (``[samples, labels]`` if it has
            two inputs) to scores ``(B, 1)``; a conditional AC-GAN critic returns
            ``[scores, class_logits]``.
        latent_dim: width of ``z``; ``z ~ N(0, I)``.
        loss: a name from :func:`tfgan_gp.losses.names` or a ``Loss``.
        penalty: a name from :func:`tfgan_gp.penalties.names`, ``None`` or a ``Penalty``.
        n_critic: critic updates per generator update (paper: 5).
        num_classes: number of classes for a conditional model (``None``: unconditional).
        ac_critic_weight, ac_generator_weight: AC-GAN cross-entropy weights
            (paper's conditional CIFAR model: 1.0 and 0.1).
        seed: seed of the noise, interpolation and label draws.
        generator_batch_multiple: the generator update uses this many times the critic's minibatch
            size ``m`` (the paper's Algorithm 1: 1; the authors' CIFAR ResNet code: 2, ``GEN_BS_MULTIPLE``).
        ema_decay: β of an exponential moving average of the generator's weights, ``gan.ema_generator``
            (Yazıcı et al. 2019; BigGAN: 0.9999); ``None`` or 0: none. See :meth:`update_ema`.
        ema_start: generator iterations during which the average only copies the weights (BigGAN: 20,000).
        sample_from: the generator :meth:`sample` (so callbacks and exports) uses by default: ``"auto"``
            (the averaged one when ``ema_decay`` is set), ``"ema"`` or ``"raw"``. Training and
            :meth:`test_step` (the critic's held-out loss) always use the raw generator.
        augment: a name from :func:`tfgan_gp.augment.names` (``"diffaugment"``, ``"ada"``), ``None`` or an
            :class:`tfgan_gp.augment.Augment`: a differentiable transform ``T`` applied to real and fake
            samples before every critic evaluation of training (Zhao et al. 2020), so the critic, its loss
            and its penalty (whose points are built from ``T(x)`` and ``T(G(z))``) see only ``T(x)``, and the
            generator's update scores ``T(G(z))`` (and ``T(x)`` for relativistic losses). Held-out
            evaluation (``test_step``, :meth:`critic_loss`) scores untransformed samples.

    For conditional models the critic's fakes use the real minibatch's labels
    (as in the authors' code) and the generator update draws labels uniformly.
    Losses whose generator term reads real samples (the relativistic ones) get their
    own ``generator_batch_multiple × m`` real samples in each step, after the critic's
    minibatches, instead of re-reading the last critic minibatch (Jolicoeur-Martineau's
    code samples a fresh real batch for the generator too): batch the data with
    ``tfgan_gp.data.for_gan(ds, m, gan.real_batches_per_step)``.

    Under ``mixed_float16`` (dynamic loss scaling, see :meth:`compile`) an update whose scaled
    gradients overflow is skipped by the ``LossScaleOptimizer``; it still counts as an iteration,
    non-finite values stay out of the logged means, and the ``nonfinite_losses`` metric counts the
    updates whose loss was not finite (:class:`tfgan_gp.callbacks.NaNGuard` reads it).
    """

    def __init__(self, generator, critic, latent_dim, loss="wasserstein", penalty="gp",
                 n_critic=5, num_classes=None, ac_critic_weight=1.0, ac_generator_weight=0.1,
                 seed=None, generator_batch_multiple=1, ema_decay=None, ema_start=0, sample_from="auto",
                 augment=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(n_critic, int) or n_critic < 1:
            raise ValueError(
                f"n_critic must be an integer >= 1 (critic updates per generator update). "
                f"Received: n_critic={n_critic!r}")
        if isinstance(generator_batch_multiple, bool) or not isinstance(generator_batch_multiple, int) \
                or generator_batch_multiple < 1:
            raise ValueError(f"generator_batch_multiple must be an integer >= 1. "
                             f"Received: generator_batch_multiple={generator_batch_multiple!r}")
        self.generator_batch_multiple = generator_batch_multiple
        if not isinstance(latent_dim, int) or latent_dim < 1:
            raise ValueError(f"latent_dim must be a positive integer. Received: latent_dim={latent_dim!r}")
        self.generator = generator
        self.critic = critic
        self.latent_dim = latent_dim
        self.adversarial_loss = losses.get(loss)
        self.penalty = penalties.get(penalty)
        self.n_critic = n_critic
        self.num_classes = num_classes
        self.ac_critic_weight = float(ac_critic_weight)
        self.ac_generator_weight = float(ac_generator_weight)
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.augment = augmentations.get(augment)
        self._check_critic_normalization()
        self._check_shapes()
        names = METRIC_NAMES + tuple(self.penalty.metric_names) + tuple(self.augment.metric_names)
        if self._is_auxiliary_classifier:
            names += ("ac_loss_critic", "ac_loss_generator")
        logged = names + (NONFINITE,)
        clashes = sorted({name for name in logged if logged.count(name) > 1})
        if clashes:  # (one tracker would average two quantities)
            raise ValueError(f"The penalty's and the augmentation's metric names must differ from each other and from "
                             f"the GAN's own. Received: {', '.join(clashes)} logged twice")
        self.trackers = {name: keras.metrics.Mean(name=name) for name in names}
        self._skips_nonfinite = False
        self._sampler = None
        averaging.check(ema_decay, ema_start)
        self.ema_decay, self.ema_start = float(ema_decay or 0.0), ema_start
        self.ema_generator = None
        if self.ema_decay:  # built like the generator (in the caller's strategy scope and dtype policy)
            self.ema_generator = averaging.clone(generator, self._probe_inputs())
        self.sample_from = sample_from
        averaging.resolve(sample_from, self.ema_generator is not None)
        self.built = True  # both networks were built by the shape checks

    # ----------------------------------------------------------------- checks
    def _check_critic_normalization(self):
        if not self.penalty.needs_per_sample_gradients:
            return
        offenders = [layer.name for layer in _all_layers(self.critic) if _normalizes_over_batch(layer)]
        if offenders:
            raise ValueError(
                f"penalty={self.penalty!r} needs per-sample critic gradients, but the critic "
                f"normalizes over the batch (layers: {', '.join(offenders)}), which mixes samples "
                f"and invalidates the penalty. Use layer normalization or no normalization in "
                f"the critic (Gulrajani et al. 2017, §4), or a penalty-free method. "
                f"Received: critic with batch normalization")

    def _check_shapes(self):
        inputs = getattr(self.generator, "inputs", None)
        if inputs and inputs[0].shape[-1] not in (None, self.latent_dim):
            raise ValueError(
                f"The generator's input size must equal latent_dim={self.latent_dim}. "
                f"Received: generator input shape {tuple(inputs[0].shape)}")
        labels = tf.zeros((2,), tf.int32) if self.num_classes else None
        try:
            fake = self.generator(self._probe_inputs(), training=False)
        except Exception as err:  # a subclassed generator tells us only by failing
            raise ValueError(
                f"The generator cannot be called on z of shape (batch, latent_dim="
                f"{self.latent_dim}). Received: {type(err).__name__}: {err}") from err
        self.augment.check_samples(fake)
        critic_inputs = getattr(self.critic, "inputs", None)
        if critic_inputs and _known_dims_differ(tuple(critic_inputs[0].shape[1:]), tuple(fake.shape[1:])):
            raise ValueError(
                f"The generator's output shape must match the critic's input shape. "
                f"Received: generator output (batch,) + {tuple(fake.shape[1:])}, "
                f"critic input {tuple(critic_inputs[0].shape)}")
        if len(critic_inputs or []) == 2 and not self.num_classes:
            raise ValueError("The critic takes [samples, labels] (a projection critic) but num_classes is not set. "
                             "Received: num_classes=None")
        try:
            logits = critic_outputs(self.critic, fake, labels, training=False)[1]
        except Exception as err:
            raise ValueError(
                f"The critic cannot be called on the generator's output of shape "
                f"{tuple(fake.shape)}. Received: {type(err).__name__}: {err}") from err
        self._is_auxiliary_classifier = logits is not None
        if self._is_auxiliary_classifier and not self.num_classes:
            raise ValueError(
                "The critic returns class logits (AC-GAN) but num_classes is not set. "
                "Received: num_classes=None")

    def _probe_inputs(self):
        """Generator inputs for two samples (zeros), to build and check it."""
        z = tf.zeros((2, self.latent_dim))
        return [z, tf.zeros((2,), tf.int32)] if self.num_classes else z

    # ---------------------------------------------------------------- compile
    def compile(self, g_optimizer=None, d_optimizer=None, jit_compile=False, **kwargs):
        """Set the two optimizers (default: :func:`paper_adam`) plus any ``Model.compile`` option.

        Under the ``mixed_float16`` policy each optimizer is wrapped in a
        ``keras.optimizers.LossScaleOptimizer`` (dynamic loss scaling);
        ``mixed_bfloat16`` needs none. ``model.optimizer`` is the generator's,
        so ``model.optimizer.iterations`` counts generator iterations.
        XLA is opt-in (Keras' ``"auto"`` would switch it on with a GPU): it was slower here on
        CPU, and its random draws differ from the CPU kernels', so runs are not bit-equal.
        """
        g_optimizer = self._loss_scaled(g_optimizer or paper_adam(), self.generator)
        d_optimizer = self._loss_scaled(d_optimizer or paper_adam(), self.critic)
        super().compile(optimizer=g_optimizer, auto_scale_loss=False, jit_compile=jit_compile, **kwargs)
        self.g_optimizer, self.d_optimizer = g_optimizer, d_optimizer
        self._skips_nonfinite = isinstance(d_optimizer, keras.optimizers.LossScaleOptimizer)
        self.trackers.pop(NONFINITE, None)
        if self._skips_nonfinite:
            self.trackers[NONFINITE] = keras.metrics.Sum(name=NONFINITE)
        self.g_optimizer.build(self.generator.trainable_variables)
        self.d_optimizer.build(self.critic.trainable_variables)

    @staticmethod
    def _loss_scaled(optimizer, model):
        if model.dtype_policy.name == "mixed_float16" and not isinstance(
                optimizer, keras.optimizers.LossScaleOptimizer):
            return keras.optimizers.LossScaleOptimizer(optimizer)
        return optimizer

    def fit(self, *args, shuffle=False, callbacks=None, nan_guard=True, **kwargs):
        """``keras.Model.fit``; data come from ``tf.data`` (see ``for_gan``), so no shuffle here.

        With ``nan_guard`` (default) a :class:`tfgan_gp.callbacks.NaNGuard` is added unless one is
        passed, and a run it stops raises ``FloatingPointError`` with its one-sentence reason.
        """
        callbacks = list(callbacks or [])
        guard = None
        if nan_guard and not any(isinstance(c, NaNGuard) for c in callbacks):
            guard = NaNGuard()
            callbacks.append(guard)
        history = super().fit(*args, shuffle=shuffle, callbacks=callbacks, **kwargs)
        if guard is not None and guard.failure:
            advice = "" if guard.failure.endswith(FROM_THE_START) else (
                " Lower the learning rate or check the data for NaN/inf.")
            raise FloatingPointError(guard.failure + advice)
        return history

    def resumable_state(self):
        """What an exact resume needs besides the two networks and their optimizers: ``{name: trackable}``.

        :func:`tfgan_gp.checkpoints.checkpoint` saves these under their names; a part with state of its
        own (a running average, an adaptive probability) adds its entry here.
        """
        state = {"seed_generator_state": self.seed_generator.state, **self.augment.state()}
        state.update({f"penalty_{name}": variable for name, variable in self.penalty.state().items()})
        if self.ema_generator is not None:
            state["ema_generator"] = self.ema_generator
        return state

    def update_ema(self):
        """Move ``ema_generator`` towards ``generator`` after a generator update (``train_step`` calls it).

        With ``t`` the generator updates done (this one included): ``θ̄ ← θ`` while ``t ≤ max(ema_start, 1)``,
        then ``θ̄ ← β·θ̄ + (1 − β)·θ`` (Yazıcı et al. 2019, eq. 3), so for ``t ≥ s = max(ema_start, 1)``:
        ``θ̄_t = β^(t−s)·θ_s + (1 − β)·Σ_{k=s+1..t} β^(t−k)·θ_k``. Batch-norm moving statistics and other
        non-trainable weights are copied from the raw generator (not recomputed for the averaged weights).
        """
        copy = self.optimizer.iterations <= max(self.ema_start, 1)
        averaging.update(self.ema_generator, self.generator, self.ema_decay, copy)

    def sampling_generator(self, generator=None):
        """The Keras generator :meth:`sample` uses: ``generator`` (``"ema"``, ``"raw"``, ``"auto"``) or
        ``sample_from``."""
        return self.ema_generator if self._which(generator) == "ema" else self.generator

    def _which(self, generator):
        if generator is None:
            return averaging.resolve(self.sample_from, self.ema_generator is not None)
        return averaging.resolve(generator, self.ema_generator is not None, name="generator")

    @property
    def iteration(self):
        """Generator iterations done so far (a Python int, under any strategy)."""
        return int(tf.convert_to_tensor(self.optimizer.iterations).numpy())

    @property
    def metrics(self):
        return list(self.trackers.values())

    # ---------------------------------------------------------- model calls
    def call(self, inputs, training=False):
        """The raw generator: ``z`` (or ``[z, labels]``) to samples (:meth:`sample` follows ``sample_from``)."""
        return self.generator(inputs, training=training)

    def _generate(self, z, labels, training, generator=None):
        inputs = [z, labels] if self.num_classes else z
        return (generator or self.generator)(inputs, training=training)

    def _score(self, x, labels, training=True):
        """Critic scores as float32 ``(B, 1)`` and the AC-GAN class logits (or ``None``)."""
        return critic_outputs(self.critic, x, labels, training)

    def _augmented(self, x):
        """``T(x)``: the training augmentation (the identity without one), drawing from the GAN's seed."""
        return self.augment(x, seed=self.seed_generator)

    def _noise(self, n):
        return randomness.normal([n, self.latent_dim], self.seed_generator)

    def _random_labels(self, n):
        if not self.num_classes:
            return None
        return randomness.randint([n], self.seed_generator, 0, self.num_classes)

    def sample(self, n, seed=0, labels=None, batch_statistics=False, generator=None, truncation=None):
        """``n`` generator outputs (float32) for ``z ~ N(0, I)`` drawn deterministically from ``seed``.

        Conditional models take ``labels`` (default: ``0, 1, …`` cycling through the classes).
        ``batch_statistics=True`` runs batch norm in training mode, normalising with these ``n`` samples'
        own statistics (how the authors' code sampled), and leaves the moving averages as they were.
        ``generator``: ``"ema"`` or ``"raw"`` (default: ``sample_from``). ``truncation=ψ``: the truncation
        trick (BigGAN), ``z`` from N(0, I) restricted to ``[−ψ, ψ]`` (:func:`tfgan_gp.randomness.latent`).
        """
        if not tf.is_tensor(n) and (isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1):
            raise ValueError(f"n must be a positive integer (how many samples). Received: n={n!r}")
        if labels is not None:
            labels = tf.cast(labels, tf.int32)
        which = self._which(generator)
        if truncation is not None:
            truncation = tf.constant(randomness.check_truncation(truncation), tf.float32)
        if tf.inside_function():
            return self._sample_graph(n, seed, labels, batch_statistics, which, truncation)
        if self._sampler is None:  # one traced function: eager layer-by-layer calls cost ~10x at small widths
            self._sampler = tf.function(self._sample_graph, reduce_retracing=True)
        return self._sampler(tf.constant(n, tf.int32), tf.constant(seed, tf.int64), labels, bool(batch_statistics),
                             which, truncation)

    def _sample_graph(self, n, seed, labels, batch_statistics, which, truncation):
        model = self.sampling_generator(which)
        z = randomness.latent(n, self.latent_dim, seed, truncation)
        if self.num_classes and labels is None:
            labels = tf.range(n, dtype=tf.int32) % self.num_classes
        if not batch_statistics:
            return tf.cast(self._generate(z, labels, training=False, generator=model), tf.float32)
        state = model.non_trainable_variables  # moving averages (and any other running state)
        saved = [tf.identity(v) for v in state]
        with tf.control_dependencies(saved):
            out = tf.cast(self._generate(z, labels, training=True, generator=model), tf.float32)
        with tf.control_dependencies([out]):
            restored = [v.assign(value) for v, value in zip(state, saved)]
        with tf.control_dependencies(restored):
            return tf.identity(out)

    # -------------------------------------------------------------- training
    def _unpack(self, data):
        if isinstance(data, (tuple, list)):
            real = data[0]
            labels = data[1] if self.num_classes and len(data) > 1 else None
        else:
            real, labels = data, None
        if self.num_classes and labels is None:
            raise ValueError(
                f"A conditional GAN (num_classes={self.num_classes}) needs (samples, labels) "
                f"batches. Received: samples only")
        # (a tensor, so a projection critic's [samples, labels] input is not a mix of arrays and tensors)
        return tf.convert_to_tensor(real), (tf.cast(labels, tf.int32) if labels is not None else None)

    @property
    def real_batches_per_step(self):
        """Real minibatches one ``train_step`` consumes: ``n_critic``, plus the generator's own for
        relativistic losses (``generator_batch_multiple``); pass it to ``tfgan_gp.data.for_gan``."""
        extra = self.generator_batch_multiple if self.adversarial_loss.needs_real_for_generator else 0
        return self.n_critic + extra

    def _minibatch_size(self, real):
        parts = self.real_batches_per_step
        total = real.shape[0]
        if total is not None:
            if total % parts:
                raise ValueError(
                    f"A training batch holds real_batches_per_step={parts} minibatches (n_critic="
                    f"{self.n_critic}, plus the generator's for relativistic losses), so its size must be "
                    f"divisible by {parts} (batch with tfgan_gp.data.for_gan(ds, batch_size, "
                    f"gan.real_batches_per_step)). Received: batch of {total} samples")
            return total // parts
        total = tf.shape(real)[0]
        tf.debugging.assert_equal(
            total % parts, 0,
            message=f"A training batch must hold real_batches_per_step={parts} equal minibatches "
                    f"(batch with tfgan_gp.data.for_gan(ds, batch_size, gan.real_batches_per_step))")
        return total // parts

    def _update(self, name, value):
        if not self._skips_nonfinite:
            self.trackers[name].update_state(value)
            return
        # Under loss scaling a non-finite value marks a step the LossScaleOptimizer skips: count it,
        # keep it out of the epoch's means (one inf would make them inf until the epoch ends).
        finite = tf.math.is_finite(value)
        self.trackers[name].update_state(tf.where(finite, value, tf.zeros_like(value)),
                                         sample_weight=tf.cast(finite, value.dtype))
        if name in ("d_loss", "g_loss"):
            self.trackers[NONFINITE].update_state(tf.cast(tf.logical_not(finite), tf.float32))

    @staticmethod
    def _apply(optimizer, grads, variables):
        """``apply_gradients``; a step that loss scaling skips (non-finite gradients) still counts as one.

        ``LossScaleOptimizer`` skips the update and halves its scale, and would not advance
        ``iterations``: counting it keeps ``gan.iteration`` equal to the training steps taken
        (checkpoint numbers, evaluation cadence and resume rely on it).
        """
        scaled = isinstance(optimizer, keras.optimizers.LossScaleOptimizer)
        before = tf.identity(optimizer.iterations) if scaled else None
        optimizer.apply_gradients(zip(grads, variables))
        if scaled:  # the optimizer already checked the gradients: a skipped step left its counter alone
            skipped = tf.equal(optimizer.iterations, before)
            optimizer.iterations.assign_add(tf.cast(skipped, optimizer.iterations.dtype))

    def _critic_step(self, real, labels):
        n = tf.shape(real)[0]
        fake = self._generate(self._noise(n), labels, training=True)
        real, fake = self._augmented(real), self._augmented(fake)  # the critic and its penalty see T(x)
        # The penalty's inner backward runs in the critic's compute dtype: a bounded scale keeps float16
        # cotangents from underflowing without overflowing (the full loss scale, 2^15 at first, would make
        # the penalty inf once input gradients reach a few units).
        grad_scale = tf.minimum(self.d_optimizer.scale_loss(tf.constant(1.0)), penalties.MAX_INNER_GRAD_SCALE)

        with tf.GradientTape() as tape:
            real_out, real_logits = self._score(real, labels)
            fake_out, _ = self._score(fake, labels)
            batch = CriticBatch(real, fake, critic=self.critic, labels=labels, real_out=real_out, fake_out=fake_out,
                                seed=self.seed_generator, grad_scale=grad_scale, training=True)
            d_loss = self.adversarial_loss.critic_objective(batch)
            weighted, stats = self.penalty.objective(batch)
            d_loss += weighted
            if self._is_auxiliary_classifier:
                ac_loss = _classification_loss(labels, real_logits)
                d_loss += self.ac_critic_weight * ac_loss
            scaled = self.d_optimizer.scale_loss(distribute.scale_for_replicas(d_loss))
        grads = tape.gradient(scaled, self.critic.trainable_variables)
        self._apply(self.d_optimizer, grads, self.critic.trainable_variables)
        self.penalty.after_critic_update(self.critic)
        self.augment.observe(batch, self.adversarial_loss.decision_boundary)

        self._update("d_loss", d_loss)
        self._update("wasserstein_estimate", tf.reduce_mean(real_out) - tf.reduce_mean(fake_out))
        for name, value in stats.items():
            self._update(name, value)
        if self._is_auxiliary_classifier:
            self._update("ac_loss_critic", ac_loss)

    def _generator_step(self, n, real, real_labels):
        labels = self._random_labels(n)
        with tf.GradientTape() as tape:
            fake = self._augmented(self._generate(self._noise(n), labels, training=True))
            fake_out, fake_logits = self._score(fake, labels)
            real_out = None
            if self.adversarial_loss.needs_real_for_generator:
                real = self._augmented(real)
                real_out = self._score(real, real_labels)[0]
            g_loss = self.adversarial_loss.generator_objective(CriticBatch(
                real, fake, critic=self.critic, labels=labels, real_out=real_out, fake_out=fake_out,
                seed=self.seed_generator, training=True))
            if self._is_auxiliary_classifier:
                ac_loss = _classification_loss(labels, fake_logits)
                g_loss += self.ac_generator_weight * ac_loss
            scaled = self.g_optimizer.scale_loss(distribute.scale_for_replicas(g_loss))
        grads = tape.gradient(scaled, self.generator.trainable_variables)
        self._apply(self.g_optimizer, grads, self.generator.trainable_variables)
        if self.ema_generator is not None:
            self.update_ema()
        self._update("g_loss", g_loss)
        if self._is_auxiliary_classifier:
            self._update("ac_loss_generator", ac_loss)

    def train_step(self, data):
        """One generator iteration: ``n_critic`` critic updates on distinct minibatches, then G.

        In a traced step on one device the critic updates run as a ``tf.while_loop`` (one copy of
        the update in the graph: about a quarter less peak memory and 3x faster tracing than
        unrolled, at equal speed); eagerly, under XLA (whose CPU while loops ran 80x slower) and
        under ``tf.distribute`` (whose cross-replica updates cannot sit in a while loop) they are unrolled.
        """
        real, labels = self._unpack(data)
        m = self._minibatch_size(real)
        critic_part = self.n_critic * m
        if (tf.inside_function() and not self.jit_compile and not tf.distribute.has_strategy()
                and isinstance(m, int)):
            minibatches = tf.reshape(real[:critic_part], [self.n_critic, m] + list(real.shape[1:]))
            label_batches = None if labels is None else tf.reshape(labels[:critic_part], [self.n_critic, m])

            def critic_update(i):
                self._critic_step(minibatches[i], None if labels is None else label_batches[i])
                return (i + 1,)

            tf.while_loop(lambda i: i < self.n_critic, critic_update, (tf.constant(0),))
        else:
            for i in range(self.n_critic):
                self._critic_step(real[i * m:(i + 1) * m],
                                  None if labels is None else labels[i * m:(i + 1) * m])
        g_real = g_labels = None
        if self.adversarial_loss.needs_real_for_generator:
            g_real, g_labels = real[critic_part:], None if labels is None else labels[critic_part:]
        self._generator_step(self.generator_batch_multiple * m, g_real, g_labels)
        for name, value in self.augment.step().items():  # once per generator iteration (ADA's p)
            self._update(name, value)
        return self._logs(self.trackers)

    def critic_loss(self, data, include_penalty=False, seed=None):
        """The critic's loss on real ``data`` (samples or ``(samples, labels)``) and as many fresh fakes.

        Nothing is updated; batch norm uses its moving averages. ``include_penalty`` adds the weighted
        penalty, as the critic cost the authors' ``gan_mnist.py`` logged on its dev set (§5.6).
        ``seed``: a ``keras.random.SeedGenerator`` for noise and interpolates (default: the GAN's own).
        """
        batch = self._held_out(data, seed or self.seed_generator)
        loss = self.adversarial_loss.critic_objective(batch)
        if include_penalty:
            loss += self.penalty.objective(batch)[0]
        return loss

    def _held_out(self, data, seed):
        """The :class:`CriticBatch` of held-out ``data`` and as many fresh fakes (with the real samples' labels),
        scored by the critic in inference mode."""
        real, labels = self._unpack(data)
        fake = self._generate(randomness.normal([tf.shape(real)[0], self.latent_dim], seed), labels, training=False)
        return CriticBatch(real, fake, critic=self.critic, labels=labels, seed=seed, training=False)

    def test_step(self, data):
        """Critic loss (no penalty) and Wasserstein estimate on held-out real data (paper §5.6)."""
        batch = self._held_out(data, self.seed_generator)
        self._update("d_loss", self.adversarial_loss.critic_objective(batch))
        self._update("wasserstein_estimate", tf.reduce_mean(batch.real_out) - tf.reduce_mean(batch.fake_out))
        return self._logs(("d_loss", "wasserstein_estimate"))

    def _logs(self, names):
        logs = {name: self.trackers[name].result() for name in names}
        if isinstance(tf.distribute.get_strategy(), tf.distribute.MultiWorkerMirroredStrategy):
            # Keras reduces multi-worker logs with strategy.reduce(MEAN, axis=0), which needs an axis.
            logs = {name: value[None] for name, value in logs.items()}
        return logs
