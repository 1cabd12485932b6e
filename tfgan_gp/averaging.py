"""An exponential moving average (EMA) of the generator's weights, and which generator samples come from.

Yazıcı et al. 2019, "The unusual effectiveness of averaging in GAN training" (ICLR), eq. 3: after
generator update ``t``, ``θ̄_t = β·θ̄_{t−1} + (1 − β)·θ_t``; BigGAN (Brock et al. 2019) starts it late
(``ema_start``) and copies ``θ̄ ← θ`` before. Samples and exports come from the averaged generator when
there is one (``sample_from="auto"``); the raw one stays what the critic trains against.
"""
import numbers

import keras
import tensorflow as tf

SAMPLE_FROM = ("auto", "ema", "raw")
"""Which generator samples come from: ``auto`` (the averaged one when EMA is on), ``ema`` or ``raw``."""


def check(ema_decay, ema_start):
    """Raise ``ValueError`` unless ``ema_decay`` is in [0, 1) (0 or ``None``: off) and ``ema_start`` an int >= 0."""
    if ema_decay is not None and (isinstance(ema_decay, bool) or not isinstance(ema_decay, numbers.Real)
                                  or not 0 <= ema_decay < 1):
        raise ValueError(f"ema_decay must be in [0, 1) (0 or None: no generator EMA). "
                         f"Received: ema_decay={ema_decay!r}")
    if isinstance(ema_start, bool) or not isinstance(ema_start, int) or ema_start < 0:
        raise ValueError(f"ema_start must be an integer >= 0 (generator iterations before averaging starts). "
                         f"Received: ema_start={ema_start!r}")


def resolve(sample_from, averaged, name="sample_from"):
    """``"ema"`` or ``"raw"``: the generator ``sample_from`` (the argument ``name``) means when EMA is on
    (``averaged``) or off."""
    if sample_from not in SAMPLE_FROM:
        raise ValueError(f"{name} must be one of {', '.join(SAMPLE_FROM)}. Received: {name}={sample_from!r}")
    if sample_from == "ema" and not averaged:
        raise ValueError(f"{name}='ema' needs the averaged generator, which exists only with ema_decay in (0, 1). "
                         f"Received: {name}='ema' without EMA")
    if sample_from == "auto":
        return "ema" if averaged else "raw"
    return sample_from


def run_choice(spec, requested="auto"):
    """The generator to export from a run of ``spec`` (a :class:`tfgan_gp.GANSpec`): ``requested``, or with
    ``"auto"`` the spec's ``sample_from``."""
    averaged = spec.ema_decay > 0
    if requested != "auto":
        return resolve(requested, averaged, name="generator")
    return resolve(spec.sample_from, averaged)


def clone(model, probe):
    """A copy of ``model`` (same architecture, built by calling it on ``probe``) holding the same weights."""
    try:
        copy = keras.models.clone_model(model)
        copy(probe, training=False)
    except Exception as err:  # a subclassed model without get_config tells us only by failing
        raise ValueError(f"The generator cannot be cloned for its moving average (keras.models.clone_model): build "
                         f"it as a functional model or give its layers get_config. Received: "
                         f"{type(err).__name__}: {' '.join(str(err).split())[:300]}") from err
    for mine, theirs in zip(copy.weights, model.weights, strict=True):
        mine.assign(theirs)
    return copy


def update(average, model, decay, copy):
    """One EMA step of ``average``'s weights towards ``model``'s (two models of the same architecture).

    Trainable weights: ``θ̄ ← θ`` where ``copy`` (a bool tensor), else ``θ̄ ← θ̄ − (1 − β)(θ̄ − θ)`` (= ``β·θ̄ +
    (1 − β)·θ``), in the variables' dtype (float32 under mixed precision). Non-trainable ones (batch-norm moving
    statistics) are copied from ``model``: they are the raw generator's, not recomputed for the averaged weights.
    Under ``tf.distribute`` the assignments run once per device in a ``merge_call``, as Keras' optimizers do.
    """
    averaged = list(zip(average.trainable_variables, model.trainable_variables, strict=True))
    copied = list(zip(average.non_trainable_variables, model.non_trainable_variables, strict=True))

    def assign(strategy, copy):
        def blend(target, source, copy):
            source = tf.cast(source, target.dtype)
            blended = target - tf.cast(1.0 - decay, target.dtype) * (target - source)
            return target.assign(tf.where(copy, source, blended))

        for target, source in averaged:
            strategy.extended.update(target.value, blend, args=(source.value, copy), group=False)
        for target, source in copied:
            strategy.extended.update(target.value, lambda t, s: t.assign(tf.cast(s, t.dtype)), args=(source.value,),
                                     group=False)

    context = tf.distribute.get_replica_context()
    if context is None:  # cross-replica context (e.g. called inside strategy.scope(), outside strategy.run)
        assign(tf.distribute.get_strategy(), copy)
    else:
        context.merge_call(assign, args=(copy,))
