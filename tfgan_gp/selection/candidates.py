"""Candidates: one answer to each of the four questions, plus the hyper-parameters that go with it.

The selection framework (arXiv 2002.08641) chooses a GAN by answering four questions:
**architecture** (which generator/critic family, which normalization where), **loss** (the
adversarial game), **regularization** (gradient penalty, weight clipping, spectral norm or
nothing) and **divergence** (the distance between data and model that the critic's game
estimates). A :class:`Candidate` holds one answer to each, together with the optimizer
settings published with it, and builds a compiled :class:`tfgan_gp.GAN` for a
:class:`~tfgan_gp.selection.problems.Problem`.

The catalogue (:func:`get`, :func:`names`) holds the published recipes. Hyper-parameters are
the ones of each method's paper or code; where they depend on the kind of data, the entry
says so (``wgan_gp``: λ = 0.1 and β₁ = 0.5 on toy data as in the authors' ``gan_toy.py``;
10 critic steps on text as in ``gan_language.py``).
"""
import dataclasses
import inspect
from typing import Optional

import keras

from tfgan_gp import architectures, augment, averaging, losses, penalties
from tfgan_gp.architectures.normalization import NORMALIZATIONS
from tfgan_gp.gan import GAN

DATA_KINDS = ("toy", "images", "text")
SPECTRAL = "spectral"
OPTIMIZERS = ("adam", "rmsprop")

# The statistical distance the critic's game estimates at its optimum, per loss.
DIVERGENCE_OF_LOSS = {
    # Goodfellow et al. 2014, Thm. 1: with the optimal D the game is 2·JS(P‖Q) − log 4.
    "minimax": "jensen_shannon",
    "non_saturating": "jensen_shannon",
    # Arjovsky et al. 2017 (Kantorovich–Rubinstein duality), with a 1-Lipschitz critic.
    "wasserstein": "wasserstein_1",
    # Mao et al. 2017, Thm. 1: Pearson χ² for codings with b − c = 1, b − a = 2; the 0-1 coding
    # used here (a = 0, b = c = 1) is the paper's practical variant of the same least-squares game.
    "least_squares": "pearson_chi2",
    # The hinge critic's minimum is 2 − 2·TV(P, Q) (pointwise optimum D = sign(p − q)).
    "hinge": "total_variation",
    # Qi 2017, Thm. 2: with Lipschitz loss functions the generated density equals the data's at equilibrium; the
    # critic's game is a margin on the L1 distance between samples, not a divergence between the densities.
    "loss_sensitive": "l1_margin_lipschitz",
    # Jolicoeur-Martineau 2019 ("On relativistic f-divergences"): relativistic versions of the above.
    "relativistic": "relativistic_jensen_shannon",
    "relativistic_average": "relativistic_average_jensen_shannon",
    "relativistic_average_ls": "relativistic_average_pearson_chi2",
}


def _divergence_of(loss):
    return losses.divergence_of(loss) or DIVERGENCE_OF_LOSS.get(loss, "unknown")


def regularizations():
    """Valid ``Candidate.regularization`` values: the penalty names and ``spectral`` (or several joined by ``+``)."""
    return sorted(set(penalties.names()) | {SPECTRAL})


def _regularization_parts(regularization):
    return regularization.split(penalties.SEPARATOR) if isinstance(regularization, str) else [regularization]


@dataclasses.dataclass(frozen=True)
class Candidate:
    """A GAN recipe: architecture, loss, regularization, divergence and hyper-parameters.

    Attributes:
        name: label in leaderboards.
        loss: a name from :func:`tfgan_gp.losses.names` (``f_gan:<divergence>`` included).
        regularization: a penalty name (``gp``, ``gp_one_sided``, ``dragan``, ``r1``, ``r2``,
            ``clip``, ``none``, ``lecam``, ...) or ``spectral`` (spectral normalization of every critic
            layer, Miyato et al. 2018, and no penalty), or several joined by ``+`` (``spectral+lecam``,
            ``gp+bcr``; ``penalty_weight`` and ``clip_value`` go to the first penalty).
        divergence: the distance the critic estimates; derived from ``loss`` when ``None``
            (giving another one is an error: it is a consequence of the loss, not a free choice).
        architecture: a family of :func:`tfgan_gp.architectures.get`; ``None`` = the problem's default.
        critic_normalization, generator_normalization: ``batch``/``layer``/``spectral``/``none``,
            or ``None`` for the family's default (the family refuses batch norm in a critic
            trained with a per-sample gradient penalty).
        penalty_weight: λ of the penalty (``None``: the penalty's default, 10).
        clip_value: bound ``c`` of weight clipping.
        n_critic: critic updates per generator update.
        optimizer: ``adam`` or ``rmsprop``; ``learning_rate``, ``beta_1``, ``beta_2`` (Adam only).
        ema_decay: β of the generator's weight average that samples and evaluation come from
            (:mod:`tfgan_gp.averaging`); 0: none.
        augment: ``none``, ``diffaugment`` or ``ada`` (:mod:`tfgan_gp.augment`): the critic sees transformed
            samples; images only.
        summary: one line saying what the candidate is and where it comes from.
    """

    name: str
    loss: str
    regularization: str = "none"
    divergence: Optional[str] = None
    architecture: Optional[str] = None
    critic_normalization: Optional[str] = None
    generator_normalization: Optional[str] = None
    penalty_weight: Optional[float] = None
    clip_value: float = 0.01
    n_critic: int = 1
    optimizer: str = "adam"
    learning_rate: float = 2e-4
    beta_1: float = 0.5
    beta_2: float = 0.999
    ema_decay: float = 0.0
    augment: str = "none"
    summary: str = ""

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"name must be a non-empty string. Received: name={self.name!r}")
        losses.get(self.loss)  # ValueError listing the valid losses
        parts = _regularization_parts(self.regularization)
        if any(part not in regularizations() for part in parts) or len(set(parts)) < len(parts):
            raise ValueError(f"regularization must be one of {', '.join(regularizations())}, or several of them "
                             f"joined by '+' (each once). Received: regularization={self.regularization!r}")
        penalties.check_name(self._penalty_name, argument="regularization")  # metric names of combined penalties
        implied = _divergence_of(self.loss)
        if self.divergence is None:
            object.__setattr__(self, "divergence", implied)
        elif self.divergence != implied:
            raise ValueError(f"divergence follows from the loss: loss={self.loss!r} estimates {implied!r} "
                             f"(use loss='f_gan:<divergence>' to choose an f-divergence). "
                             f"Received: divergence={self.divergence!r}")
        if self.architecture is not None:
            architectures.get(self.architecture)  # ValueError listing the families
        for arg in ("critic_normalization", "generator_normalization"):
            value = getattr(self, arg)
            if value is not None and value not in NORMALIZATIONS:
                raise ValueError(f"{arg} must be None or one of {', '.join(NORMALIZATIONS)}. "
                                 f"Received: {arg}={value!r}")
        if self.spectral_norm and self.critic_normalization not in (None, SPECTRAL):
            raise ValueError(f"regularization='spectral' normalizes the critic's weights spectrally, so "
                             f"critic_normalization must be None or 'spectral'. "
                             f"Received: critic_normalization={self.critic_normalization!r}")
        if isinstance(self.n_critic, bool) or not isinstance(self.n_critic, int) or self.n_critic < 1:
            raise ValueError(f"n_critic must be an integer >= 1. Received: n_critic={self.n_critic!r}")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}. "
                             f"Received: optimizer={self.optimizer!r}")
        if not self.learning_rate > 0:
            raise ValueError(f"learning_rate must be > 0. Received: learning_rate={self.learning_rate!r}")
        if self.penalty_weight is not None and not self.penalty_weight >= 0:
            raise ValueError(f"penalty_weight must be >= 0 or None. Received: penalty_weight={self.penalty_weight!r}")
        averaging.check(self.ema_decay, 0)
        if self.augment not in augment.names():
            raise ValueError(f"augment must be one of {', '.join(augment.names())}. Received: augment={self.augment!r}")

    def suits(self, data_kind):
        """Whether this candidate can train on ``data_kind``: augmentations (and bCR's) transform images only."""
        return data_kind == "images" or (self.augment == "none" and not self.penalty().images_only)

    # ----------------------------------------------------------- the answers
    @property
    def gradient_penalty(self):
        """Whether the critic is trained with a per-sample gradient penalty (batch norm then refused)."""
        return penalties.get(self._penalty_name).needs_per_sample_gradients

    @property
    def spectral_norm(self):
        """Whether the regularization includes spectral normalization of the critic."""
        return SPECTRAL in _regularization_parts(self.regularization)

    @property
    def _penalty_name(self):
        named = [part for part in _regularization_parts(self.regularization) if part != SPECTRAL]
        return penalties.SEPARATOR.join(named) or "none"

    def replace(self, **changes):
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def penalty(self):
        """The :class:`tfgan_gp.penalties.Penalty` this candidate trains with."""
        if _regularization_parts(self._penalty_name)[0] == "clip":
            return penalties.get(self._penalty_name, c=self.clip_value)
        return penalties.build(self._penalty_name, weight=self.penalty_weight)

    def optimizers(self):
        """Fresh ``(generator optimizer, critic optimizer)`` with this candidate's settings."""
        def make():
            if self.optimizer == "rmsprop":
                return keras.optimizers.RMSprop(self.learning_rate)
            return keras.optimizers.Adam(self.learning_rate, beta_1=self.beta_1, beta_2=self.beta_2)
        return make(), make()

    def model_kwargs(self):
        """``(generator kwargs, critic kwargs)`` that this candidate adds to the family's builders."""
        critic = {"gradient_penalty": self.gradient_penalty}
        normalization = SPECTRAL if self.spectral_norm else self.critic_normalization
        if normalization is not None:
            critic["normalization"] = normalization
        generator = {}
        if self.generator_normalization is not None:
            generator["normalization"] = self.generator_normalization
        return generator, critic

    def hparams(self):
        """Flat ``{name: str | int | float}`` of everything that defines the candidate (TensorBoard HParams)."""
        return {
            "candidate": self.name, "architecture": self.architecture or "default", "loss": self.loss,
            "regularization": self.regularization, "divergence": self.divergence,
            "critic_normalization": self.critic_normalization or "default",
            "generator_normalization": self.generator_normalization or "default",
            "penalty_weight": self.penalty().weight,  # 0 for clipping and none
            "clip_value": float(self.clip_value if self.regularization == "clip" else 0.0),
            "n_critic": self.n_critic, "optimizer": self.optimizer, "learning_rate": float(self.learning_rate),
            "beta_1": float(self.beta_1 if self.optimizer == "adam" else 0.0),
            "beta_2": float(self.beta_2 if self.optimizer == "adam" else 0.0),
            "ema_decay": float(self.ema_decay), "augment": self.augment,
        }

    def build(self, problem, seed=0, model_kwargs=None, n_critic=None, **compile_kwargs):
        """A compiled :class:`tfgan_gp.GAN` for ``problem`` (a :class:`~tfgan_gp.selection.problems.Problem`).

        ``model_kwargs`` (e.g. ``{"width": 128}`` or ``{"dim": 16}``) go to both builders of the
        family and override the problem's defaults; keyed by family names instead
        (``{"dcgan": {"dim": 16}, "mlp": {"width": 128}}``) each family takes its own entry (none
        if it has no entry), so one setting serves candidates of different families.
        ``n_critic`` overrides the candidate's;
        ``compile_kwargs`` (``jit_compile``, ``run_eagerly``) go to ``GAN.compile``.
        Weights are initialised from the global Keras seed (set it for reproducible runs).
        """
        family_name = self.architecture or problem.architecture
        family = architectures.get(family_name)
        shape_g, shape_d = problem.shape_kwargs(family_name)
        own_g, own_d = self.model_kwargs()
        extra = dict(model_kwargs or {})
        if extra and all(key in architectures.names() for key in extra):  # per-family settings
            extra = dict(extra.get(family_name) or {})
        g_kwargs = _checked_kwargs(family.generator, {**shape_g, **extra, **own_g}, family_name, "generator")
        d_kwargs = _checked_kwargs(family.critic, {**shape_d, **extra, **own_d}, family_name, "critic")
        return self.assemble(family.generator(**g_kwargs), family.critic(**d_kwargs), problem.latent_dim, seed,
                             n_critic, **compile_kwargs)

    def assemble(self, generator, critic, latent_dim, seed=0, n_critic=None, **compile_kwargs):
        """A compiled :class:`tfgan_gp.GAN` of given networks with this candidate's loss, penalty and optimizers."""
        gan = GAN(generator, critic, latent_dim=latent_dim, loss=self.loss, penalty=self.penalty(),
                  n_critic=n_critic or self.n_critic, seed=seed, ema_decay=self.ema_decay, augment=self.augment)
        gan.compile(*self.optimizers(), **compile_kwargs)
        return gan


def _checked_kwargs(builder, kwargs, family, role):
    accepted = inspect.signature(builder).parameters
    unknown = sorted(set(kwargs) - set(accepted))
    if unknown:
        raise ValueError(f"The {family} {role} takes no argument {', '.join(unknown)} (it takes "
                         f"{', '.join(accepted)}). Received: {dict((k, kwargs[k]) for k in unknown)}")
    return kwargs


# ------------------------------------------------------------------ catalogue
def _c(name, loss, regularization="none", **kwargs):
    return Candidate(name=name, loss=loss, regularization=regularization, **kwargs)


_PAPER_ADAM = dict(learning_rate=1e-4, beta_1=0.5, beta_2=0.9)   # gan_toy.py, gan_cifar.py, gan_language.py
_DCGAN_ADAM = dict(learning_rate=2e-4, beta_1=0.5, beta_2=0.999)  # Radford et al. 2016 (and most successors)
_SNGAN = dict(n_critic=5, learning_rate=2e-4, beta_1=0.0, beta_2=0.9)  # Miyato et al. 2018, CIFAR-10 ResNet

_BASE = [
    _c("wgan_gp", "wasserstein", "gp", n_critic=5, **_PAPER_ADAM,
       summary="WGAN-GP (Gulrajani et al. 2017): Wasserstein loss, gradient penalty (λ=10; 0.1 on toy data), "
               "5 critic steps (10 on text)."),
    _c("wgan_clip", "wasserstein", "clip", n_critic=5, optimizer="rmsprop", learning_rate=5e-5,
       summary="WGAN (Arjovsky et al. 2017): weights clipped to [-0.01, 0.01], RMSProp 5e-5, 5 critic steps."),
    _c("lsgan", "least_squares", **_DCGAN_ADAM,
       summary="LSGAN (Mao et al. 2017): least-squares loss with the 0-1 coding."),
    _c("rsgan", "relativistic", **_DCGAN_ADAM,
       summary="RSGAN (Jolicoeur-Martineau 2018): relativistic standard GAN, real/fake pairs."),
    _c("ralsgan", "relativistic_average_ls", **_DCGAN_ADAM,
       summary="RaLSGAN (Jolicoeur-Martineau 2018): relativistic average least squares."),
    _c("sngan", "hinge", SPECTRAL, **_SNGAN,
       summary="SNGAN (Miyato et al. 2018): hinge loss, spectral norm in every critic layer, 5 critic steps."),
    _c("dcgan", "non_saturating", **_DCGAN_ADAM,
       summary="DCGAN (Radford et al. 2016): non-saturating GAN loss, batch norm (in G, and in D on images)."),
    _c("dragan", "non_saturating", "dragan", learning_rate=1e-4, beta_1=0.5, beta_2=0.9,
       summary="DRAGAN (Kodali et al. 2017): GAN loss, gradient penalty around the real data, λ=10."),
] + [
    _c(f"fgan_{name}", losses.F_GAN_PREFIX + name, **_DCGAN_ADAM,
       summary=f"f-GAN (Nowozin et al. 2016) with the {label} divergence.")
    for name, label in (("gan", "GAN"), ("kl", "KL"), ("reverse_kl", "reverse KL"), ("pearson", "Pearson χ²"),
                        ("squared_hellinger", "squared Hellinger"), ("jensen_shannon", "Jensen-Shannon"),
                        ("total_variation", "total variation"), ("neyman", "Neyman χ²"),
                        ("jeffrey", "Jeffrey (symmetric KL)"), ("alpha", "α (α = 1.5)"))
] + [
    _c("geometric_gan", "hinge", **_DCGAN_ADAM,
       summary="Geometric GAN (Lim & Ye 2017): SVM hinge loss (a soft-margin separating hyperplane), generator "
               "moved along its normal (−E[D(G(z))]); DCGAN networks with batch norm, no Lipschitz constraint, "
               "one critic step."),
    _c("loss_sensitive", "loss_sensitive", "weight_decay", learning_rate=1e-4, beta_1=0.5, beta_2=0.999,
       summary="Loss-sensitive GAN, LS-GAN (Qi 2017): the critic learns a loss that must be lower on real data by "
               "an L1 margin (hinge), weight decay 5e-5 for a Lipschitz loss, Adam(1e-4, 0.5) as the author's code; "
               "not LSGAN's least squares."),
    _c("fc_gan", "non_saturating", architecture="mlp", **_DCGAN_ADAM,
       summary="Fully connected GAN (Goodfellow et al. 2014): MLP generator and critic (over the flattened samples "
               "on images), non-saturating loss, no normalization."),
] + [  # the stabilizers that came after the paper, each on the method it was published with
    _c("wgan_gp_ema", "wasserstein", "gp", n_critic=5, ema_decay=0.999, **_PAPER_ADAM,
       summary="WGAN-GP whose samples come from an exponential moving average of the generator's weights "
               "(Yazıcı et al. 2019, β = 0.999)."),
    _c("sngan_diffaugment", "hinge", SPECTRAL, augment="diffaugment", **_SNGAN,
       summary="SNGAN with DiffAugment (Zhao et al. 2020): colour, translation and cutout applied to real and "
               "generated images in the critic and generator updates; for few images."),
    _c("sngan_ada", "hinge", SPECTRAL, augment="ada", **_SNGAN,
       summary="SNGAN with adaptive augmentation (Karras et al. 2020): each transform applied with a probability "
               "p raised while the critic overfits (target r_t = 0.6); for few images."),
    _c("sngan_bcr", "hinge", f"{SPECTRAL}+bcr", **_SNGAN,
       summary="SNGAN with balanced consistency regularization (Zhao et al. 2021): the critic's scores must not "
               "change under flips and shifts of real and generated images, λ = 10."),
    _c("sngan_lecam", "hinge", f"{SPECTRAL}+lecam", **_SNGAN,
       summary="SNGAN with LeCam regularization (Tseng et al. 2021): the critic's scores are pulled towards "
               "moving anchors of the other class's mean score, λ = 0.3."),
    _c("nsgan_r1_lazy", "non_saturating", "r1_lazy", ema_decay=0.999, learning_rate=2e-4, beta_1=0.0, beta_2=0.99,
       summary="StyleGAN2's training (Karras et al. 2020): non-saturating loss, R1 (γ = 10) every 16 critic steps "
               "with weight ×16, Adam β = (0, 0.99) and a generator weight average; one critic step."),
]

# Published settings that differ by kind of data.
_KIND_OVERRIDES = {
    "wgan_gp": {"toy": dict(penalty_weight=0.1),  # gan_toy.py: LAMBDA = .1
                "text": dict(n_critic=10)},        # gan_language.py: CRITIC_ITERS = 10
    # toy runs are short: an average over ~100 iterations (β = 0.99) beat the raw generator's W1 on 8 Gaussians in 3 of 3
    # seeds after 5,000 iterations, one over ~1,000 (β = 0.999) lagged behind it (benchmarks/ema_vs_raw.py, BUILD.md)
    "wgan_gp_ema": {"toy": dict(penalty_weight=0.1, ema_decay=0.99), "text": dict(n_critic=10)},
    # DCGAN's batch norm in the generator, in the toy MLP too (the image family has it by default); without it DCGAN
    # would be the fully connected GAN (fc_gan) on toy data
    "dcgan": {"toy": dict(generator_normalization="batch")},
}

CATALOGUE = {candidate.name: candidate for candidate in _BASE}


def names():
    """The catalogue's candidate names, in catalogue order."""
    return list(CATALOGUE)


ALL = "all"


def get(name, data_kind="images"):
    """The catalogue candidate ``name`` with the published settings for ``data_kind`` (a Candidate passes through)."""
    if isinstance(name, Candidate):
        return name
    check_data_kind(data_kind)
    if name not in CATALOGUE:
        raise ValueError(f"Unknown candidate: expected one of {', '.join(names())} or a "
                         f"tfgan_gp.selection.Candidate. Received: {name!r}")
    overrides = _KIND_OVERRIDES.get(name, {}).get(data_kind, {})
    return CATALOGUE[name].replace(**overrides) if overrides else CATALOGUE[name]


def _everything(data_kind, supports):
    """The catalogue's candidates (settings for ``data_kind``) that suit it and that ``supports`` accepts."""
    every = (get(name, data_kind) for name in names())
    return [c for c in every if c.suits(data_kind) and (supports is None or supports(c))]


def parse(candidates, data_kind="images", supports=None):
    """A list of candidates from names, :class:`Candidate` objects or one comma-separated string.

    ``"all"`` (alone or among names) stands for the catalogue's candidates that suit ``data_kind``
    (:meth:`Candidate.suits`), in catalogue order; with ``supports`` (``Candidate -> bool``, e.g.
    whether the problem can build its architecture) only for those it accepts too. A candidate named
    explicitly that does not suit ``data_kind`` is an error.
    """
    if isinstance(candidates, (str, Candidate)):
        candidates = [candidates]
    items = []
    for item in candidates:
        if isinstance(item, str):
            for part in (part.strip() for part in item.split(",") if part.strip()):
                items.extend(_everything(data_kind, supports) if part == ALL else [get(part, data_kind)])
        else:
            items.append(get(item, data_kind))
    unsuited = [c.name for c in items if not c.suits(data_kind)]
    if unsuited:
        raise ValueError(f"{', '.join(unsuited)} transform images (augmentation or bCR) and cannot train on "
                         f"{data_kind} data. Received: candidates={candidates!r}")
    if not items:
        raise ValueError(f"candidates must name at least one of {', '.join(names())}. Received: {candidates!r}")
    seen = [c.name for c in items]
    duplicates = sorted({n for n in seen if seen.count(n) > 1})
    if duplicates:
        raise ValueError(f"candidate names must be unique (they label runs). Received: duplicates {duplicates}")
    return items


def check_data_kind(data_kind):
    if data_kind not in DATA_KINDS:
        raise ValueError(f"data_kind must be one of {', '.join(DATA_KINDS)}. Received: data_kind={data_kind!r}")
    return data_kind
