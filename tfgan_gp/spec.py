"""What GAN to train, as one typed value with one ``build``: :class:`GANSpec` (and its :class:`Optimizer`).

A spec names every choice that makes a GAN — architecture family and its builder arguments, loss,
penalty and its weight, critic steps, augmentation, generator averaging, optimizers — by name and
number only, so it is checked before anything is built, stored in a run's record and compared with
the stored one on resume. The training entry point (:func:`tfgan_gp.train`, through
:class:`tfgan_gp.Recipe`), the recipes' flags and the selection tool's candidates all describe their
GAN with a spec and build it with :meth:`GANSpec.build`.

Defaults are the paper's (Gulrajani et al. 2017, Appendix): Wasserstein loss, gradient penalty λ = 10,
five critic steps, Adam(1e-4, β₁ = 0, β₂ = 0.9) for both networks.
"""
import dataclasses
import inspect
import math
import numbers
from typing import Optional

import keras

from tfgan_gp import architectures, averaging, losses, penalties
from tfgan_gp import augment as augmentations
from tfgan_gp.gan import GAN

SPECTRAL = "spectral"
"""A ``penalty`` part that is not a penalty: spectral normalization of every critic layer (Miyato et al. 2018),
given to the critic's builder as ``normalization="spectral"``."""

OPTIMIZERS = ("adam", "rmsprop")
DECAYS = ("constant", "linear")


def _number(value, name, low=None, high=None, integer=False, low_open=False):
    """``value`` checked to be a finite number (an int where ``integer``) within the bounds; else a ``ValueError``."""
    kind = int if integer else numbers.Real
    ok = not isinstance(value, bool) and isinstance(value, kind) and -math.inf < value < math.inf  # (not NaN, inf)
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value < high
    if not ok:
        bound = "" if low is None else f" {'>' if low_open else '>='} {low}"
        bound += "" if high is None else f"{' and' if bound else ''} < {high}"
        infinite = isinstance(value, float) and math.isinf(value)
        what = "an integer" if integer else "a finite number" if infinite else "a number"
        raise ValueError(f"{name} must be {what}{bound}. Received: {name}={value!r}")
    return value


@dataclasses.dataclass(frozen=True)
class Optimizer:
    """One network's optimizer as a value.

    Attributes:
        name: ``adam`` or ``rmsprop``.
        learning_rate: the initial learning rate (> 0).
        beta_1, beta_2: Adam's moment decays (``None`` for RMSProp, which has none).
        decay: ``constant``, or ``linear``: decayed linearly to 0 over the run's iterations (the paper's CIFAR
            ResNet, Appendix F), counted in this network's updates.
        weight_decay: Keras' decoupled weight decay (0: none).
    """

    name: str = "adam"
    learning_rate: float = 1e-4
    beta_1: Optional[float] = 0.0
    beta_2: Optional[float] = 0.9
    decay: str = "constant"
    weight_decay: float = 0.0

    def __post_init__(self):
        if self.name not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}. Received: optimizer={self.name!r}")
        _number(self.learning_rate, "learning_rate", low=0, low_open=True)
        if self.name == "rmsprop":  # (no moment decays: the defaults are not settings of this run)
            object.__setattr__(self, "beta_1", None)
            object.__setattr__(self, "beta_2", None)
        else:
            _number(self.beta_1, "beta_1", low=0, high=1)
            _number(self.beta_2, "beta_2", low=0, high=1)
        if self.decay not in DECAYS:
            raise ValueError(f"decay must be one of {', '.join(DECAYS)}. Received: decay={self.decay!r}")
        _number(self.weight_decay, "weight_decay", low=0)

    def build(self, iterations=None, updates_per_iteration=1):
        """A new Keras optimizer; a linear decay runs over ``iterations × updates_per_iteration`` updates."""
        rate = self.learning_rate
        if self.decay == "linear":
            if not iterations:
                raise ValueError("A linearly decayed learning rate needs the run's length: build with iterations=N "
                                 "(generator iterations). Received: iterations=None")
            rate = keras.optimizers.schedules.PolynomialDecay(
                rate, decay_steps=iterations * updates_per_iteration, end_learning_rate=0.0, power=1.0)
        decay = self.weight_decay or None
        if self.name == "rmsprop":
            return keras.optimizers.RMSprop(rate, weight_decay=decay)
        return keras.optimizers.Adam(rate, beta_1=self.beta_1, beta_2=self.beta_2, weight_decay=decay)

    def replace(self, **changes):
        return dataclasses.replace(self, **changes)


PAPER_ADAM = Optimizer()
"""Adam(1e-4, β₁ = 0, β₂ = 0.9): the paper's default for both networks."""


def _builder_arguments(builder, kwargs, family, role):
    """``ValueError`` unless the family's ``role`` builder takes every key of ``kwargs``."""
    accepted = inspect.signature(builder).parameters
    unknown = sorted(set(kwargs) - set(accepted))
    if unknown:
        raise ValueError(f"The {family} {role} takes no argument {', '.join(unknown)} (it takes "
                         f"{', '.join(accepted)}). Received: {', '.join(f'{k}={kwargs[k]!r}' for k in unknown)}")


@dataclasses.dataclass(frozen=True)
class GANSpec:
    """What GAN to train; ``build()`` makes it. Every field is a name or a number (JSON), checked here.

    Attributes:
        architecture: a family of :func:`tfgan_gp.architectures.names`; ``None`` in a spec whose models are
            left to someone else (a selection candidate: the problem's family).
        generator_kwargs, critic_kwargs: the family's builder arguments (shapes, widths, normalization).
        latent_dim: width of z (``None`` until the models are known).
        num_classes: classes of a conditional model (``None``: unconditional).
        loss: a name from :func:`tfgan_gp.losses.names`.
        penalty: a name from :func:`tfgan_gp.penalties.names`, or several joined by ``+`` (``gp+lecam``); a
            ``spectral`` part normalizes every critic layer spectrally (``spectral+lecam``: SNGAN with LeCam).
        penalty_weight: λ of the (first) penalty; ``None`` means the penalty's own default (``gp``: 10, ``lecam``:
            0.3), and is resolved to it here; weightless penalties (``clip``, ``none``) keep ``None``.
        n_critic: critic updates per generator update.
        optimizer: the generator's :class:`Optimizer` (and the critic's, unless ``critic_optimizer``).
        critic_optimizer: the critic's, where it differs.
        augment: a name from :func:`tfgan_gp.augment.names`; ``augment_policy`` its transforms.
        ema_decay, ema_start: the generator's weight average (:mod:`tfgan_gp.averaging`; 0: none).
        sample_from: ``auto``, ``ema`` or ``raw``: the generator samples, evaluation and exports come from (may
            change when a run resumes).
        ac_critic_weight, ac_generator_weight: AC-GAN cross-entropy weights (paper: 1.0 and 0.1).
        generator_batch_multiple: the generator update's batch, in critic minibatches (paper 1; CIFAR code 2).
    """

    architecture: Optional[str] = None
    generator_kwargs: dict = dataclasses.field(default_factory=dict)
    critic_kwargs: dict = dataclasses.field(default_factory=dict)
    latent_dim: Optional[int] = None
    num_classes: Optional[int] = None
    loss: str = "wasserstein"
    penalty: str = "gp"
    penalty_weight: Optional[float] = None
    n_critic: int = 5
    optimizer: Optimizer = PAPER_ADAM
    critic_optimizer: Optional[Optimizer] = None
    augment: str = "none"
    augment_policy: str = augmentations.DEFAULT_POLICY
    ema_decay: float = 0.0
    ema_start: int = 0
    sample_from: str = dataclasses.field(default="auto", metadata={"resumable": True})
    ac_critic_weight: float = 1.0
    ac_generator_weight: float = 0.1
    generator_batch_multiple: int = 1

    def __post_init__(self):
        if self.architecture is not None:
            family = architectures.get(self.architecture)  # ValueError listing the families
            _builder_arguments(family.generator, self.generator_kwargs, self.architecture, "generator")
            _builder_arguments(family.critic, self.critic_kwargs, self.architecture, "critic")
        if self.latent_dim is not None:
            _number(self.latent_dim, "latent_dim", low=1, integer=True)
        if self.num_classes is not None:
            _number(self.num_classes, "num_classes", low=2, integer=True)
        losses.REGISTRY.parts(self.loss, "loss")  # a ValueError listing the losses
        penalty = self.penalty_name  # ValueError naming the penalty
        if self.spectral_norm and self.critic_kwargs.get("normalization", "none") not in ("none", SPECTRAL):
            raise ValueError(f"penalty={self.penalty!r} normalizes the critic's weights spectrally, so the critic's "
                             f"normalization must be 'spectral', 'none' or unset. Received: critic normalization="
                             f"{self.critic_kwargs['normalization']!r}")
        if self.penalty_weight is not None:
            _number(self.penalty_weight, "penalty_weight", low=0)
        object.__setattr__(self, "penalty_weight", _effective_weight(penalty, self.penalty_weight))
        _number(self.n_critic, "n_critic", low=1, integer=True)
        for name in ("optimizer", "critic_optimizer"):
            value = getattr(self, name)
            if isinstance(value, dict):  # (from a stored record)
                object.__setattr__(self, name, Optimizer(**value))
            elif not (value is None and name == "critic_optimizer") and not isinstance(value, Optimizer):
                raise ValueError(f"{name} must be a tfgan_gp.Optimizer. Received: {name}={value!r}")
        if self.augment not in augmentations.names():
            raise ValueError(f"augment must be one of {', '.join(augmentations.names())}. Received: augment={self.augment!r}")
        augmentations.parse_policy(self.augment_policy)
        averaging.check(self.ema_decay, self.ema_start)
        averaging.resolve(self.sample_from, self.ema_decay > 0)
        _number(self.ac_critic_weight, "ac_critic_weight", low=0)
        _number(self.ac_generator_weight, "ac_generator_weight", low=0)
        _number(self.generator_batch_multiple, "generator_batch_multiple", low=1, integer=True)

    # ------------------------------------------------------------------------------------ answers
    @property
    def spectral_norm(self):
        """Whether the critic's layers are spectrally normalized (a ``spectral`` part of ``penalty``)."""
        return SPECTRAL in self.penalty.split(penalties.SEPARATOR)

    @property
    def penalty_name(self):
        """The penalty registry's name of ``penalty`` without its ``spectral`` part (``"none"`` if nothing is left)."""
        parts = self.penalty.split(penalties.SEPARATOR) if isinstance(self.penalty, str) else [self.penalty]
        named = [part for part in parts if part != SPECTRAL]
        if len(named) < len(parts) - 1:
            raise ValueError(f"penalty must name each part of a combination once. Received: penalty={self.penalty!r}")
        if not all(part in penalties.REGISTRY for part in named):
            valid = sorted(penalties.names() + [SPECTRAL])
            raise ValueError(f"penalty must be one of {', '.join(valid)}, or several of them joined by '+' (e.g. "
                             f"'gp+lecam', 'spectral+lecam'), each once. Received: penalty={self.penalty!r}")
        name = penalties.SEPARATOR.join(named) or "none"
        penalties.check_name(name)  # each part once, no metric logged twice: a ValueError with its reason
        return name

    @property
    def gradient_penalty(self):
        """Whether the critic is trained with a per-sample gradient penalty (batch norm is then refused)."""
        return any(penalties.REGISTRY.lookup(part).needs_per_sample_gradients
                   for part in self.penalty_name.split(penalties.SEPARATOR))

    @property
    def complete(self):
        """Whether the models are specified (``architecture`` and ``latent_dim``), so that :meth:`build` can run."""
        return self.architecture is not None and self.latent_dim is not None

    def replace(self, **changes):
        """A copy with some fields changed (checked again)."""
        if "penalty" in changes and "penalty_weight" not in changes:
            changes["penalty_weight"] = None  # another penalty: its own default weight, not the old one's
        return dataclasses.replace(self, **changes)

    def to_json(self):
        """The spec as JSON-serialisable dict (its run record's ``gan`` entry)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, values):
        """The spec of a stored dict (:meth:`to_json`); fields it lacks take their defaults."""
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})

    # ------------------------------------------------------------------------------------ building
    def build_penalty(self):
        """The :class:`tfgan_gp.penalties.Penalty` (the ``spectral`` part lives in the critic)."""
        return penalties.build(self.penalty_name, weight=self.penalty_weight)

    def critic_builder_kwargs(self):
        """The critic builder's arguments: ``critic_kwargs`` plus spectral normalization where ``penalty`` asks."""
        return {**self.critic_kwargs, "normalization": SPECTRAL} if self.spectral_norm else dict(self.critic_kwargs)

    def optimizers(self, iterations=None):
        """Fresh ``(generator optimizer, critic optimizer)``; the critic's schedule counts ``n_critic`` updates
        per generator iteration."""
        critic = self.critic_optimizer or self.optimizer
        return self.optimizer.build(iterations), critic.build(iterations, self.n_critic)

    def build(self, seed=None, iterations=None, **compile_kwargs):
        """A compiled :class:`tfgan_gp.GAN`: the family's two networks, the parts by name, the optimizers.

        Build it inside a ``tf.distribute`` scope to mirror it. ``seed`` seeds the GAN's noise and draws (the
        weights come from the global Keras seed); ``iterations``: the run's length, for a decaying learning rate;
        ``compile_kwargs`` (``jit_compile``, ``run_eagerly``) go to ``GAN.compile``.
        """
        if not self.complete:
            raise ValueError(f"This GANSpec leaves its models open: give architecture and latent_dim (and the "
                             f"builders' arguments) before building. Received: architecture={self.architecture!r}, "
                             f"latent_dim={self.latent_dim!r}")
        family = architectures.get(self.architecture)
        gan = GAN(family.generator(**self.generator_kwargs), family.critic(**self.critic_builder_kwargs()),
                  latent_dim=self.latent_dim, loss=losses.get(self.loss), penalty=self.build_penalty(),
                  n_critic=self.n_critic, num_classes=self.num_classes, ac_critic_weight=self.ac_critic_weight,
                  ac_generator_weight=self.ac_generator_weight, seed=seed,
                  generator_batch_multiple=self.generator_batch_multiple, ema_decay=self.ema_decay,
                  ema_start=self.ema_start, sample_from=self.sample_from,
                  augment=augmentations.build(self.augment, policy=self.augment_policy))
        g_optimizer, d_optimizer = self.optimizers(iterations)
        gan.compile(g_optimizer=g_optimizer, d_optimizer=d_optimizer, **compile_kwargs)
        return gan


def _effective_weight(penalty_name, weight):
    """λ as the penalty will use it: ``weight``, or the first part's default; ``None`` for a weightless one."""
    first = penalties.REGISTRY.lookup(penalty_name.split(penalties.SEPARATOR)[0])
    if "weight" not in inspect.signature(first).parameters:
        return None
    return float(inspect.signature(first).parameters["weight"].default if weight is None else weight)
