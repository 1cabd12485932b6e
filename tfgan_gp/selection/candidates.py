"""Candidates: one answer to each of the four questions, as a named :class:`tfgan_gp.GANSpec`.

The selection framework (arXiv 2002.08641) chooses a GAN by answering four questions:
**architecture** (which generator/critic family, which normalization where), **loss** (the
adversarial game), **regularization** (gradient penalty, weight clipping, spectral norm or
nothing) and **divergence** (the distance between data and model that the critic's game
estimates). A :class:`Candidate` is a name, a one-line summary and the GAN it trains: a
:class:`~tfgan_gp.spec.GANSpec` whose models are left open (no architecture: the problem's family; builder
arguments: only the candidate's own, e.g. a normalization). Its answers are the spec's: ``gan.architecture``,
``gan.loss``, ``gan.penalty`` (the regularization question; ``spectral`` is one of its parts) and the
divergence that follows from the loss. :class:`~tfgan_gp.selection.problems.Problem` completes the spec with
the models for its data.

The catalogue (:func:`get`, :func:`names`) holds the published recipes. Hyper-parameters are
the ones of each method's paper or code; where they depend on the kind of data, the entry
says so (``wgan_gp``: λ = 0.1 on toy data as in the authors' ``gan_toy.py``;
10 critic steps on text as in ``gan_language.py``). Weight clipping keeps its default bound ``c = 0.01`` (WGAN's).
"""
import dataclasses

from tfgan_gp import losses, penalties
from tfgan_gp.spec import GANSpec, Optimizer

DATA_KINDS = ("toy", "images", "text")
QUESTIONS = ("architecture", "loss", "regularization", "divergence")
SPECTRAL = "spectral"

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
_OWN = ("name", "summary")  # what Candidate.replace keeps for the candidate; everything else is the spec's


@dataclasses.dataclass(frozen=True)
class Candidate:
    """A named GAN recipe: its :class:`~tfgan_gp.spec.GANSpec` (checked there) with the models left open.

    Attributes:
        name: label in leaderboards.
        gan: what it trains: loss, penalty (``spectral``, a penalty name, or several joined by ``+`` such as
            ``spectral+lecam``) and its weight, ``n_critic``, optimizers, EMA, augmentation; ``architecture``
            ``None`` for the problem's family; ``generator_kwargs``/``critic_kwargs`` only the candidate's own
            (``{"normalization": "batch"}``), the problem adds the shapes.
        summary: one line saying what the candidate is and where it comes from.
    """

    name: str
    gan: GANSpec
    summary: str = ""

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"name must be a non-empty string. Received: name={self.name!r}")
        if not isinstance(self.gan, GANSpec):
            raise ValueError(f"gan must be a tfgan_gp.GANSpec (e.g. tg.GANSpec(loss='hinge', penalty='spectral')). "
                             f"Received: gan={self.gan!r}")

    @property
    def divergence(self):
        """The distance the critic's game estimates: a consequence of the loss, not a choice of its own."""
        return losses.divergence_of(self.gan.loss) or DIVERGENCE_OF_LOSS.get(self.gan.loss, "unknown")

    def answers(self, default_architecture=None):
        """``{question: answer}`` for the four :data:`QUESTIONS` (the regularization is ``gan.penalty``)."""
        return {"architecture": self.gan.architecture or default_architecture, "loss": self.gan.loss,
                "regularization": self.gan.penalty, "divergence": self.divergence}

    def suits(self, data_kind):
        """Whether this candidate can train on ``data_kind``: augmentations (and bCR's) transform images only."""
        images_only = any(penalties.REGISTRY.lookup(part).images_only
                          for part in self.gan.penalty_name.split(penalties.SEPARATOR))
        return data_kind == "images" or (self.gan.augment == "none" and not images_only)

    def replace(self, **changes):
        """A copy with ``name``/``summary`` and any :class:`~tfgan_gp.spec.GANSpec` field changed (checked again)."""
        own = {key: changes.pop(key) for key in _OWN if key in changes}
        return dataclasses.replace(self, gan=self.gan.replace(**changes) if changes else self.gan, **own)

    def hparams(self):
        """Flat ``{name: str | int | float}`` of everything that defines the candidate (TensorBoard HParams)."""
        gan, optimizer = self.gan, self.gan.optimizer
        return {
            "candidate": self.name, "architecture": gan.architecture or "default", "loss": gan.loss,
            "regularization": gan.penalty, "divergence": self.divergence,
            "critic_normalization": gan.critic_kwargs.get("normalization", "default"),
            "generator_normalization": gan.generator_kwargs.get("normalization", "default"),
            "penalty_weight": float(gan.penalty_weight or 0.0),  # 0 for clipping and none
            "n_critic": gan.n_critic, "optimizer": optimizer.name, "learning_rate": float(optimizer.learning_rate),
            "beta_1": float(optimizer.beta_1 or 0.0), "beta_2": float(optimizer.beta_2 or 0.0),  # 0 for RMSProp
            "ema_decay": float(gan.ema_decay), "augment": gan.augment,
        }


# ------------------------------------------------------------------ catalogue
_PAPER_ADAM = Optimizer(learning_rate=1e-4, beta_1=0.5, beta_2=0.9)   # gan_toy.py, gan_cifar.py, gan_language.py
_DCGAN_ADAM = Optimizer(learning_rate=2e-4, beta_1=0.5, beta_2=0.999)  # Radford et al. 2016 (and most successors)


def _c(name, loss, penalty="none", summary="", n_critic=1, optimizer=_DCGAN_ADAM, **spec):
    """A catalogue entry; unless it says otherwise: no penalty, one critic step, DCGAN's Adam."""
    return Candidate(name, GANSpec(loss=loss, penalty=penalty, n_critic=n_critic, optimizer=optimizer, **spec),
                     summary)


_SNGAN = dict(n_critic=5, optimizer=Optimizer(learning_rate=2e-4, beta_1=0.0, beta_2=0.9))  # Miyato et al. 2018

_BASE = [
    _c("wgan_gp", "wasserstein", "gp", n_critic=5, optimizer=_PAPER_ADAM,
       summary="WGAN-GP (Gulrajani et al. 2017): Wasserstein loss, gradient penalty (λ=10; 0.1 on toy data), "
               "5 critic steps (10 on text)."),
    _c("wgan_clip", "wasserstein", "clip", n_critic=5, optimizer=Optimizer("rmsprop", 5e-5),
       summary="WGAN (Arjovsky et al. 2017): weights clipped to [-0.01, 0.01], RMSProp 5e-5, 5 critic steps."),
    _c("lsgan", "least_squares",
       summary="LSGAN (Mao et al. 2017): least-squares loss with the 0-1 coding."),
    _c("rsgan", "relativistic",
       summary="RSGAN (Jolicoeur-Martineau 2018): relativistic standard GAN, real/fake pairs."),
    _c("ralsgan", "relativistic_average_ls",
       summary="RaLSGAN (Jolicoeur-Martineau 2018): relativistic average least squares."),
    _c("sngan", "hinge", SPECTRAL, **_SNGAN,
       summary="SNGAN (Miyato et al. 2018): hinge loss, spectral norm in every critic layer, 5 critic steps."),
    _c("dcgan", "non_saturating",
       summary="DCGAN (Radford et al. 2016): non-saturating GAN loss, batch norm (in G, and in D on images)."),
    _c("dragan", "non_saturating", "dragan", optimizer=_PAPER_ADAM,
       summary="DRAGAN (Kodali et al. 2017): GAN loss, gradient penalty around the real data, λ=10."),
] + [
    _c(f"fgan_{name}", losses.F_GAN_PREFIX + name,
       summary=f"f-GAN (Nowozin et al. 2016) with the {label} divergence.")
    for name, label in (("gan", "GAN"), ("kl", "KL"), ("reverse_kl", "reverse KL"), ("pearson", "Pearson χ²"),
                        ("squared_hellinger", "squared Hellinger"), ("jensen_shannon", "Jensen-Shannon"),
                        ("total_variation", "total variation"), ("neyman", "Neyman χ²"),
                        ("jeffrey", "Jeffrey (symmetric KL)"), ("alpha", "α (α = 1.5)"))
] + [
    _c("geometric_gan", "hinge",
       summary="Geometric GAN (Lim & Ye 2017): SVM hinge loss (a soft-margin separating hyperplane), generator "
               "moved along its normal (−E[D(G(z))]); DCGAN networks with batch norm, no Lipschitz constraint, "
               "one critic step."),
    _c("loss_sensitive", "loss_sensitive", "weight_decay",
       optimizer=Optimizer(learning_rate=1e-4, beta_1=0.5, beta_2=0.999),
       summary="Loss-sensitive GAN, LS-GAN (Qi 2017): the critic learns a loss that must be lower on real data by "
               "an L1 margin (hinge), weight decay 5e-5 for a Lipschitz loss, Adam(1e-4, 0.5) as the author's code; "
               "not LSGAN's least squares."),
    _c("fc_gan", "non_saturating", architecture="mlp",
       summary="Fully connected GAN (Goodfellow et al. 2014): MLP generator and critic (over the flattened samples "
               "on images), non-saturating loss, no normalization."),
] + [  # the stabilizers that came after the paper, each on the method it was published with
    _c("wgan_gp_ema", "wasserstein", "gp", n_critic=5, ema_decay=0.999, optimizer=_PAPER_ADAM,
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
    _c("nsgan_r1_lazy", "non_saturating", "r1_lazy", ema_decay=0.999,
       optimizer=Optimizer(learning_rate=2e-4, beta_1=0.0, beta_2=0.99),
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
    "dcgan": {"toy": dict(generator_kwargs={"normalization": "batch"})},
}

CATALOGUE = {candidate.name: candidate for candidate in _BASE}

ALIASES = {"nsgan": ("dcgan", "NS GAN (Lucic et al. 2018's name for Goodfellow et al. 2014's non-saturating GAN): "
                              "the dcgan candidate's training under that name.")}
"""Other names of catalogue candidates (``{alias: (candidate, summary)}``); the runs are labelled with the alias."""


def names():
    """The catalogue's candidate names, in catalogue order."""
    return list(CATALOGUE)


ALL = "all"


def get(name, data_kind="images"):
    """The catalogue candidate ``name`` with the published settings for ``data_kind`` (a Candidate passes through)."""
    if isinstance(name, Candidate):
        return name
    check_data_kind(data_kind)
    if name in ALIASES:
        target, summary = ALIASES[name]
        return dataclasses.replace(get(target, data_kind), name=name, summary=summary)
    if name not in CATALOGUE:
        raise ValueError(f"Unknown candidate: expected one of {', '.join(names() + list(ALIASES))} or a "
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
