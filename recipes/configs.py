"""Parsed flags → what to train and how: the recipe's :class:`tfgan_gp.GANSpec`, its :class:`tfgan_gp.TrainConfig`
and its ``settings`` (the run record's own flags).

A shared flag is named as the field it fills, so the one ``ValueError`` a config raises for a bad value
("loss must be one of ... Received: loss='nope'") names the flag too. Build the configs before anything is
written: :func:`tfgan_gp.train` then refuses nothing the flags could have said.
"""
import tfgan_gp as tg

SPEC_FLAGS = ("loss", "penalty", "penalty_weight", "n_critic", "augment", "augment_policy", "ema_decay", "ema_start",
              "sample_from")
"""The shared flags (:func:`recipes.shared_flags.define_training_flags`) that are :class:`tfgan_gp.GANSpec` fields."""

TRAIN_FLAGS = ("logdir", "iterations", "batch_size", "precision", "distribute", "eval_every", "seed")
"""The shared flags that are :class:`tfgan_gp.TrainConfig` fields."""


def gan_spec(args, **fields):
    """The :class:`tfgan_gp.GANSpec` of the shared flags in ``args`` and the recipe's own ``fields`` (architecture,
    builder arguments, latent_dim, optimizer, ...)."""
    return tg.GANSpec(**{name: getattr(args, name) for name in SPEC_FLAGS}, **fields)


def train_config(args, **changes):
    """The :class:`tfgan_gp.TrainConfig` of the shared flags in ``args`` (``changes``: e.g. another logdir)."""
    return tg.TrainConfig(**{name: getattr(args, name) for name in TRAIN_FLAGS} | changes)


def settings(args):
    """The recipe's own flags that define the run: every flag of ``args`` but the shared ones the configs hold and
    the monitoring ones (:func:`recipes.shared_flags.monitoring`), with JSON values. A re-run must match them to
    continue the run (:mod:`tfgan_gp.run_directory`)."""
    held = set(SPEC_FLAGS + TRAIN_FLAGS) | args.monitoring
    return {name: value for name, value in sorted(vars(args).items()) if name not in held and _is_json(value)}


def _is_json(value):
    return value is None or isinstance(value, (bool, int, float, str, list))


def mlp_image_kwargs(args, shape, latent_dim=128, num_classes=None, gradient_penalty=True):
    """``(generator kwargs, critic kwargs)`` of ``--architecture mlp`` for images of ``shape``: width ``8·--dim``."""
    from tfgan_gp.architectures import mlp

    generator_kwargs, critic_kwargs = mlp.image_kwargs(shape, latent_dim=latent_dim, width=8 * args.dim)
    generator_kwargs.update(num_classes=num_classes)
    critic_kwargs.update(num_classes=num_classes, gradient_penalty=gradient_penalty)
    return generator_kwargs, critic_kwargs
