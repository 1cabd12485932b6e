"""``recommend``: rank the catalogue for a kind of data and a set of priorities, with the reasons in words.

The knowledge is a table of qualitative ratings (0 weak, 1 fair, 2 strong) of each
catalogue candidate on six criteria — sample quality, cost, and avoiding each of the four
failure modes the selection framework (arXiv 2002.08641) names: mode collapse, vanishing
gradients, unstable training and non-convergence — each notable rating with its reason and
source. The framework's conclusions are in it: WGAN-GP, LSGAN, RSGAN and SNGAN are strong
candidates; relativism helps LSGAN; the gradient penalty raises quality more than stability;
spectral normalization is cheaper than the gradient penalty; batch norm helps the generator
but hurts the critic.

A candidate's score is the priority-weighted mean of its ratings, plus an adjustment for the
kind of data where the papers give one (text, images). The ratings are a summary of published
results, not measurements: confirm a choice with :func:`tfgan_gp.selection.compare` on your data.

Every reason that rests on a finding of the selection framework cites it: :data:`FINDINGS` holds
those findings with the question they answer, reasons mark them as ``[[key]]``, and
:func:`recommend` writes the citation in and lists the findings on each :class:`Recommendation`.
"""
import dataclasses
import re

from tfgan_gp.selection import candidates as candidates_lib

CRITERIA = ("quality", "stability", "mode_coverage", "gradients", "convergence", "cost")
# The framework's failure modes (and two plain words) as names of the criterion that avoids them.
ALIASES = {"mode_collapse": "mode_coverage", "vanishing_gradients": "gradients", "unstable_training": "stability",
           "non_convergence": "convergence", "speed": "cost", "memory": "cost"}
DEFAULT_PRIORITIES = ("quality", "stability", "mode_coverage")
FRAMEWORK_PICKS = ("wgan_gp", "lsgan", "rsgan", "sngan")
_WORDS = {0: "weak", 1: "fair", 2: "strong"}
_CRITERION_WORDS = {"quality": "sample quality", "stability": "stable training",
                    "mode_coverage": "mode coverage (no mode collapse)", "gradients": "no vanishing gradients",
                    "convergence": "convergence", "cost": "low cost"}

FRAMEWORK = "selection framework, arXiv 2002.08641"
# The framework's findings the ratings rely on: key -> (the question it answers, the finding).
FINDINGS = {
    "strong_candidates": ("loss", "WGAN-GP, LSGAN, RSGAN and SNGAN are strong candidates"),
    "relativism": ("loss", "LSGAN improves with relativism (RaLSGAN)"),
    "generalisation": ("loss", "the loss-sensitive GAN and SNGAN generalise better (its Table 7 compares the "
                               "loss-sensitive GAN with DCGAN)"),
    "gp_quality": ("regularization", "the gradient penalty improves quality, but not always stability"),
    "sn_cost": ("regularization", "spectral normalization is cheaper than the gradient penalty"),
    "batch_norm": ("architecture", "batch norm helps the generator but hurts the critic"),
    "failure_modes": ("all four", "mode collapse, vanishing gradients, unstable training and non-convergence are "
                                  "the failure modes a choice must avoid"),
    "f_divergences": ("divergence", "the divergence the critic estimates is a choice of its own; f-GAN makes any "
                                    "f-divergence (Nowozin et al. 2016, Table 2) trainable"),
}
_CITATION = re.compile(r"\[\[(\w+)\]\]")


def finding(key):
    """The citation of finding ``key``: ``(selection framework, arXiv 2002.08641, <question> question: <finding>)``."""
    question, text = FINDINGS[key]
    return f"({FRAMEWORK}, {question} question{'s' if question == 'all four' else ''}: {text})"


def _cite(reason):
    """``reason`` with its ``[[key]]`` markers replaced by citations, and the keys it cites."""
    keys = _CITATION.findall(reason)
    return _CITATION.sub(lambda m: finding(m.group(1)), reason), keys


_GP_COST = ("the penalty needs a second backward pass through the critic at every critic step "
            "(double backpropagation), and 5 critic steps per generator step")
_ONE_STEP = "one critic step per generator step and no penalty: the cheapest kind of iteration"
_BN_CRITIC = ("batch norm helps the generator but hurts the critic [[batch_norm]]; with a per-sample penalty the "
              "critic uses layer norm or none, as the paper requires (§4)")
_SATURATION = ("with a near-optimal discriminator the Jensen-Shannon game saturates and the generator's "
               "gradient vanishes where data and samples do not overlap (Arjovsky & Bottou 2017)")

# candidate -> criterion -> (rating, reason or None)
KNOWLEDGE = {
    "wgan_gp": {
        "quality": (2, "the gradient penalty gives high sample quality (Gulrajani et al. 2017: Inception score 7.86 "
                       "on CIFAR-10 with a ResNet) [[gp_quality]]"),
        "stability": (1, "the penalty raises quality more than stability [[gp_quality]], although it trains almost all "
                         "of 200 random architectures where the standard GAN fails on many (Gulrajani §5.1)"),
        "mode_coverage": (2, "covers all modes of the 8- and 25-Gaussian toy sets where other GANs drop some "
                             "(Gulrajani Fig. 1-2)"),
        "gradients": (2, "the penalty keeps the critic's gradient norm near 1 between data and samples, so the "
                         "generator always gets a usable gradient"),
        "convergence": (2, "the critic's loss tracks sample quality and falls as training converges (Gulrajani §5.6), "
                           "a convergence signal the other losses lack"),
        "cost": (0, _GP_COST),
    },
    "wgan_clip": {
        "quality": (0, "clipping biases the critic towards overly simple functions and gives poorer samples than the "
                       "gradient penalty (Gulrajani §3, Fig. 1)"),
        "stability": (1, None),
        "gradients": (0, "clipped weights make gradients explode or vanish through the layers unless the bound c is "
                         "tuned (Gulrajani §3.2, Fig. 1b)"),
        "convergence": (0, "converges slowly (RMSProp 5e-5; Gulrajani Fig. 3)"),
        "cost": (1, "no penalty pass, but 5 critic steps per generator step"),
    },
    "lsgan": {
        "quality": (1, None),
        "stability": (1, "more stable than the standard GAN, but can still collapse on harder data; better with "
                         "relativism [[relativism]]"),
        "gradients": (2, "the least-squares loss keeps pulling samples that are on the right side of the boundary but "
                         "far from the data, so gradients do not vanish as with the sigmoid cross-entropy "
                         "(Mao et al. 2017)"),
        "cost": (2, _ONE_STEP),
    },
    "rsgan": {
        "quality": (1, None),
        "stability": (2, "the relativistic critic judges whether real data look more real than fakes, so it cannot "
                         "saturate the way the standard critic does; more stable than SGAN "
                         "(Jolicoeur-Martineau 2018) [[strong_candidates]]"),
        "gradients": (1, "the generator's loss also pushes real scores down, which keeps gradients alive longer than "
                         "the standard GAN's"),
        "cost": (2, "one critic step per generator step and no penalty; the generator update also scores a real batch"),
    },
    "ralsgan": {
        "quality": (2, "relativism helps LSGAN: RaLSGAN reaches better FID than LSGAN with the same networks "
                       "(Jolicoeur-Martineau 2018) [[relativism]]"),
        "stability": (2, "among the most stable of the relativistic variants across settings "
                         "(Jolicoeur-Martineau 2018)"),
        "gradients": (2, "least-squares loss: no saturation"),
        "cost": (2, "one critic step per generator step and no penalty; the generator update also scores a real batch"),
    },
    "sngan": {
        "quality": (2, "hinge loss with spectral normalization reached Inception score 8.22 on CIFAR-10 with a ResNet "
                       "(Miyato et al. 2018), and SNGAN generalises better [[generalisation]]"),
        "stability": (2, "spectral normalization bounds every layer's Lipschitz constant and is robust to the "
                         "optimizer's settings (Miyato et al. 2018, Fig. 1) [[strong_candidates]]"),
        "gradients": (2, "a Lipschitz critic gives non-vanishing gradients"),
        "cost": (1, "spectral norm is cheaper than the gradient penalty [[sn_cost]]: one power iteration per layer "
                    "instead of a second backward pass; 5 critic steps per generator step"),
    },
    "dcgan": {
        "quality": (1, "sharp samples when training succeeds; batch norm helps its generator [[batch_norm]]"),
        "stability": (0, "the standard GAN trains only a narrow set of architectures (Gulrajani §5.1) and its critic "
                         "uses batch norm, which hurts the critic [[batch_norm]]"),
        "mode_coverage": (0, "prone to mode collapse (Gulrajani Fig. 2), the first failure mode [[failure_modes]]"),
        "gradients": (1, "the non-saturating generator loss avoids the minimax loss's flat start, but " + _SATURATION),
        "convergence": (0, "its losses do not track sample quality, so convergence is hard to judge"),
        "cost": (2, _ONE_STEP),
    },
    "dragan": {
        "quality": (1, None),
        "stability": (2, "penalising sharp critic gradients around the real data stabilises the standard GAN across "
                         "architectures (Kodali et al. 2017)"),
        "mode_coverage": (2, "sharp gradients near real points are what Kodali et al. (2017) link to mode collapse; "
                             "the penalty removes them"),
        "cost": (1, "a double-backward penalty, but one critic step per generator step"),
    },
    "fgan_gan": {
        "stability": (0, "the GAN divergence of f-GAN is the standard game (2·JS − log 4) with its instabilities"),
        "mode_coverage": (0, None),
        "gradients": (0, _SATURATION),
        "convergence": (0, None),
        "cost": (2, _ONE_STEP),
    },
    "fgan_jensen_shannon": {
        "stability": (0, "Jensen-Shannon is the standard GAN's divergence, with the same instabilities"),
        "mode_coverage": (0, None),
        "gradients": (0, _SATURATION),
        "convergence": (0, None),
        "cost": (2, _ONE_STEP),
    },
    "fgan_kl": {
        "quality": (0, "forward KL puts model mass between modes, where the data have none (blurry or off-manifold "
                       "samples)"),
        "stability": (0, "its conjugate grows exponentially in the critic's output, which makes the critic's loss "
                         "explode easily (Nowozin et al. 2016, Table 2)"),
        "mode_coverage": (2, "forward KL(P‖Q) is mode-covering: missing any data mass is penalised without bound, so "
                             "the model spreads over all modes"),
        "convergence": (0, None),
        "cost": (2, _ONE_STEP),
    },
    "fgan_reverse_kl": {
        "quality": (1, "reverse KL is mode-seeking: samples sit on modes, so those it keeps look sharp"),
        "stability": (0, "exponential output activation: the critic's values explode easily (Nowozin et al. 2016)"),
        "mode_coverage": (0, "reverse KL(Q‖P) is mode-seeking: it lets the model drop whole modes"),
        "convergence": (0, None),
        "cost": (2, _ONE_STEP),
    },
    "fgan_pearson": {
        "quality": (1, None),
        "gradients": (2, "Pearson χ² is the least-squares (LSGAN) divergence: its gradients do not saturate"),
        "cost": (2, _ONE_STEP),
    },
    "fgan_squared_hellinger": {
        "quality": (1, None),
        "stability": (1, "a symmetric, bounded divergence, between forward and reverse KL in behaviour"),
        "cost": (2, _ONE_STEP),
    },
    "fgan_total_variation": {
        "quality": (1, None),
        "gradients": (0, "the critic's output ½·tanh(v) saturates: the optimal critic ½·sign(p − q) is flat, "
                         "so a confident critic gives the generator almost no gradient (Nowozin et al. 2016, Table 2)"),
        "stability": (1, "a bounded divergence (at most 1) with bounded critic outputs: nothing explodes "
                         "[[f_divergences]]"),
        "cost": (2, _ONE_STEP),
    },
    "fgan_neyman": {
        "stability": (0, "its output activation 1 − e^{−v} makes the real-sample term explode for negative critic "
                         "outputs (Nowozin et al. 2016, Table 2)"),
        "mode_coverage": (1, "Neyman χ²(P‖Q) = ∫(q − p)²/p punishes model mass where the data have little; a "
                             "missed mode costs at most its mass"),
        "cost": (2, _ONE_STEP),
    },
    "fgan_jeffrey": {
        "stability": (0, "its conjugate grows as e^{v − 1}, like KL's, so the critic's loss explodes easily "
                         "(Nowozin et al. 2016, Table 2)"),
        "mode_coverage": (2, "Jeffrey = KL(P‖Q) + KL(Q‖P) contains the mode-covering forward KL: missing data mass "
                             "is penalised without bound"),
        "convergence": (0, None),
        "cost": (2, "one critic step per generator step; the conjugate needs Lambert's W (a few Newton steps)"),
    },
    "fgan_alpha": {
        "stability": (1, "with the default α = 1.5 the conjugate grows polynomially, not exponentially as KL's does "
                         "[[f_divergences]]"),
        "cost": (2, _ONE_STEP),
    },
    "geometric_gan": {
        "quality": (1, None),
        "stability": (1, "the SVM hinge ignores samples already beyond the margin, so an over-confident critic stops "
                         "pushing; without a Lipschitz constraint (SNGAN's spectral norm) the critic's scale is free "
                         "(Lim & Ye 2017)"),
        "gradients": (1, "the generator moves along the normal of the separating hyperplane (−E[D(G(z))]), which "
                         "does not saturate (Lim & Ye 2017)"),
        "convergence": (1, "Lim & Ye (2017) prove the geometric game converges to a Nash equilibrium"),
        "cost": (2, _ONE_STEP),
    },
    "loss_sensitive": {
        "quality": (2, "the loss-sensitive GAN generalises better [[generalisation]]; Qi (2017) bounds its "
                       "generalisation error for Lipschitz loss functions"),
        "stability": (1, "the margin makes the critic separate real from generated samples only as far as their "
                         "distance warrants, and weight decay keeps it Lipschitz (Qi 2017)"),
        "mode_coverage": (2, "Qi (2017) reports it resilient against mode collapse even with an over-trained loss "
                             "function"),
        "gradients": (2, "the learned loss is cone-shaped, with non-vanishing gradient almost everywhere even when "
                         "over-trained (Qi 2017, non-parametric analysis)"),
        "cost": (2, "one critic step per generator step; weight decay costs one pass over the weights, not a second "
                    "backward pass"),
    },
    "fc_gan": {
        "quality": (1, "fully connected networks suit low-dimensional data; on images they ignore spatial structure "
                       "(see the images adjustment)"),
        "stability": (0, "the standard GAN game, whose critic trains only a narrow set of architectures "
                         "(Gulrajani §5.1)"),
        "mode_coverage": (0, "the standard game is prone to mode collapse [[failure_modes]]"),
        "gradients": (1, "the non-saturating generator loss avoids the minimax loss's flat start, but " + _SATURATION),
        "convergence": (0, None),
        "cost": (2, _ONE_STEP),
    },
    # The stabilizers that came after the paper, rated on the method each was published with.
    "wgan_gp_ema": {
        "quality": (2, "samples from a moving average of the generator's weights score better Inception scores and "
                       "FID than the raw generator's across datasets and losses (Yazıcı et al. 2019) [[gp_quality]]"),
        "stability": (2, "averaging damps the generator's oscillation around the equilibrium, so the samples stop "
                         "cycling from one evaluation to the next (Yazıcı et al. 2019)"),
        "mode_coverage": (2, "covers all modes of the 8- and 25-Gaussian toy sets as WGAN-GP does (Gulrajani Fig. 1-2)"),
        "gradients": (2, "the penalty keeps the critic's gradient norm near 1; the average does not change training"),
        "convergence": (2, "an average of iterates converges where the iterates themselves cycle (Yazıcı et al. 2019)"),
        "cost": (0, _GP_COST + "; the average adds one pass over the generator's weights per iteration"),
    },
    "sngan_diffaugment": {
        "quality": (2, "with 10-20% of CIFAR-10 the same networks reach a much lower FID when real and generated "
                       "images are augmented differentiably in both updates (Zhao et al. 2020)"),
        "stability": (2, "the critic cannot memorise the training images, so it does not overfit and collapse late "
                         "in training (Zhao et al. 2020) [[strong_candidates]]"),
        "gradients": (2, "a Lipschitz critic gives non-vanishing gradients; the transforms are differentiable, so the "
                         "generator's gradient passes through them"),
        "cost": (1, "SNGAN's cost plus three cheap image transforms per critic evaluation"),
    },
    "sngan_ada": {
        "quality": (2, "the augmentation strength p adapts to how much the critic overfits, so full datasets are not "
                       "over-augmented and small ones are protected (Karras et al. 2020)"),
        "stability": (2, "the overfitting heuristic r_t raises p as soon as the critic starts to memorise the training "
                         "set (Karras et al. 2020, §2.3)"),
        "gradients": (2, "a Lipschitz critic gives non-vanishing gradients"),
        "cost": (1, "SNGAN's cost plus the transforms; p needs no tuning runs"),
    },
    "sngan_bcr": {
        "quality": (2, "consistency under flips and shifts improved FID of SNGAN and BigGAN on CIFAR-10 "
                       "(Zhao et al. 2021)"),
        "stability": (2, "the critic must score an image and its shifted copy alike, which keeps it from fitting "
                         "artefacts (Zhao et al. 2021) [[strong_candidates]]"),
        "gradients": (2, "a Lipschitz critic gives non-vanishing gradients"),
        "cost": (1, "two more critic evaluations (augmented real and generated batches) per critic step"),
    },
    "sngan_lecam": {
        "quality": (2, "LeCam regularization improved BigGAN and StyleGAN2 under limited data (Tseng et al. 2021)"),
        "stability": (2, "pulling the critic's scores towards moving anchors keeps them bounded and stabilises "
                         "training dynamics; Tseng et al. (2021) relate it to the LeCam divergence "
                         "[[strong_candidates]]"),
        "gradients": (2, "a Lipschitz critic gives non-vanishing gradients"),
        "cost": (1, "spectral norm's cost [[sn_cost]]; the anchors reuse the scores the critic step computes"),
    },
    "nsgan_r1_lazy": {
        "quality": (2, "StyleGAN2's training recipe: the non-saturating loss with R1 and a weight average "
                       "(Karras et al. 2020)"),
        "stability": (2, "R1 makes the game locally convergent where the unregularised GAN is not "
                         "(Mescheder et al. 2018)"),
        "gradients": (1, "the non-saturating generator loss avoids the minimax loss's flat start, but " + _SATURATION),
        "convergence": (2, "R1 gives local convergence to the equilibrium (Mescheder et al. 2018, Thm. 4.1)"),
        "cost": (2, "R1's second backward pass only every 16th critic step (lazy regularization, Karras et al. "
                    "2020), one critic step per generator step"),
    },
}
AUGMENTING = ("sngan_diffaugment", "sngan_ada")
FEW_IMAGES = 20_000
"""Below this many training images the critic overfits them (Karras et al. 2020 saw it on every dataset up to
tens of thousands of images; Zhao et al. 2020 used 10% and 20% of CIFAR-10, 5,000 and 10,000 images)."""
_FEW_IMAGES = ("with {n:,} training images the critic memorises them and overfits (Karras et al. 2020, §2); "
               "augmenting everything the critic sees is what lets a GAN train on {n:,} images "
               "(Zhao et al. 2020; Karras et al. 2020)")

# Adjustments by kind of data (added to the score), with their reasons.
_TEXT_SOFTMAX = ("for text the generator outputs softmax vectors and the data are one-hot, so an unconstrained "
                 "critic separates them by value alone and its gradient is useless; the paper's standard-GAN "
                 "baseline failed on this task while WGAN-GP trained (Gulrajani §5.4)")
KIND_ADJUSTMENTS = {
    "text": dict(
        {name: (-0.5, _TEXT_SOFTMAX) for name in KNOWLEDGE if name not in ("wgan_gp", "wgan_clip", "sngan")},
        wgan_gp=(0.5, "the only method the paper shows training the character-level language model (Gulrajani §5.4)"),
        sngan=(0.0, "a Lipschitz critic, as WGAN-GP's, but not tested on text in the papers"),
        wgan_gp_ema=(0.0, "it trains as WGAN-GP, the only method the paper shows training the character-level "
                          "language model (Gulrajani §5.4), but the average's gains were measured on images only"),
        sngan_lecam=(0.0, "a Lipschitz critic, as WGAN-GP's, but not tested on text in the papers"),
        wgan_clip=(0.0, "a Lipschitz critic, but the paper's clipped WGAN learned text more slowly (Gulrajani §5.4)"),
    ),
    "images": dict(
        fc_gan=(-0.5, "fully connected networks ignore the spatial structure of images: convolutional networks "
                      "(DCGAN, Radford et al. 2016) are the usual architecture answer for images, and §5.2 of "
                      "Gulrajani et al. trains its MLP generator only with the gradient penalty"),
    ),
}


@dataclasses.dataclass
class Recommendation:
    """A ranked candidate: ``candidate`` (with the published settings for the data kind), ``score`` in ``[0, 2]``
    plus any kind adjustment, ``reasons``: the kind adjustment's reason, then every rated fact about the
    candidate, the prioritised criteria first, then the architecture advice; and ``findings``: the keys of
    :data:`FINDINGS` those reasons cite (in order of first citation)."""

    rank: int
    candidate: candidates_lib.Candidate
    score: float
    reasons: list
    findings: list = dataclasses.field(default_factory=list)

    def __str__(self):
        lines = [f"{self.rank}. {self.candidate.name} (score {self.score:.2f}): {self.candidate.summary}"]
        return "\n".join(lines + [f"   - {reason}" for reason in self.reasons])


def priority_weights(priorities=None):
    """``{criterion: weight}`` from priorities: ordered names (first weighs most), a comma string, or a dict.

    Failure modes are accepted as names (``mode_collapse``, ``vanishing_gradients``,
    ``unstable_training``, ``non_convergence``) and mean the criterion that avoids them.
    """
    if priorities is None:
        priorities = DEFAULT_PRIORITIES
    if isinstance(priorities, str):
        priorities = [p.strip() for p in priorities.split(",") if p.strip()]
    if isinstance(priorities, dict):
        weights = dict(priorities)
    else:
        priorities = list(priorities)
        weights = {name: float(len(priorities) - i) for i, name in enumerate(priorities)}
    resolved = {}
    for name, weight in weights.items():
        criterion = ALIASES.get(name, name)
        if criterion not in CRITERIA:
            raise ValueError(f"Unknown priority: expected names from {', '.join(CRITERIA + tuple(ALIASES))}. "
                             f"Received: {name!r}")
        if not isinstance(weight, (int, float)) or weight < 0:
            raise ValueError(f"Priority weights must be numbers >= 0. Received: {name}={weight!r}")
        resolved[criterion] = resolved.get(criterion, 0.0) + float(weight)
    if not resolved or sum(resolved.values()) <= 0:
        raise ValueError(f"priorities must name at least one criterion with a positive weight. "
                         f"Received: priorities={priorities!r}")
    return resolved


def _architecture_reason(data_kind, candidate):
    gan = candidate.gan
    if gan.architecture == "mlp" and data_kind != "toy":
        return ("architecture: fully connected G and D over the flattened samples (the original GAN's); batch norm "
                "helps the generator but hurts the critic [[batch_norm]]")
    if data_kind == "toy":
        if gan.generator_kwargs.get("normalization") == "batch":
            return ("architecture: the paper's toy MLPs (3 hidden ReLU layers) with batch norm in the generator only, "
                    "where it helps [[batch_norm]]")
        return "architecture: the paper's toy MLPs (3 hidden ReLU layers), no normalization"
    if data_kind == "text":
        return "architecture: the paper's 1-D convolutional ResNet over 32 one-hot characters (§5.4)"
    if gan.gradient_penalty:
        return f"architecture: DCGAN or ResNet with batch norm in the generator only; {_BN_CRITIC}"
    if gan.spectral_norm:
        return "architecture: batch norm in the generator, spectral norm (no batch norm) in the critic"
    return ("architecture: DCGAN with batch norm in the generator (it helps there); batch norm in the critic, as "
            "DCGAN has it, hurts the critic [[batch_norm]]: try critic_kwargs={'normalization': 'layer'} or "
            "penalty='spectral'")


def recommend(data_kind, priorities=None, candidates=None, num_images=None):
    """Rank candidates for ``data_kind`` (``toy``, ``images``, ``text``) under ``priorities``.

    Args:
        data_kind: the kind of data.
        priorities: criteria from :data:`CRITERIA` (or failure modes from :data:`ALIASES`) in order of
            importance, as a list or comma-separated string, or a ``{name: weight}`` dict.
            Default: quality, stability, mode coverage.
        candidates: names to rank (default: the catalogue's candidates that suit ``data_kind``).
        num_images: how many training images there are, if known: below :data:`FEW_IMAGES` the
            augmenting candidates gain 0.5 and LeCam 0.25, with the reason.

    Returns:
        A list of :class:`Recommendation`, best first. Ties keep catalogue order, with the
        framework's four picks (WGAN-GP, LSGAN, RSGAN, SNGAN) first.
    """
    candidates_lib.check_data_kind(data_kind)
    weights = priority_weights(priorities)
    names = [c.name for c in candidates_lib.parse(candidates or candidates_lib.ALL, data_kind)]
    if num_images is not None and (isinstance(num_images, bool) or not isinstance(num_images, int) or num_images < 1):
        raise ValueError(f"num_images must be a positive integer (training images) or None. "
                         f"Received: num_images={num_images!r}")
    few = data_kind == "images" and num_images is not None and num_images < FEW_IMAGES
    unknown = [name for name in names if name not in KNOWLEDGE]
    if unknown:
        raise ValueError(f"recommend knows the catalogue candidates {', '.join(KNOWLEDGE)}. Received: {unknown}")
    total = sum(weights.values())
    scored = []
    for order, name in enumerate(names):
        ratings = KNOWLEDGE[name]
        score = sum(w * ratings.get(c, (1, None))[0] for c, w in weights.items()) / total
        reasons = [f"{_CRITERION_WORDS[c]} {_WORDS[ratings[c][0]]}: {ratings[c][1]}"
                   for c in sorted(CRITERIA, key=lambda c: -weights.get(c, 0.0))  # stable: CRITERIA order
                   if c in ratings and ratings[c][1]]
        adjustment = KIND_ADJUSTMENTS.get(data_kind, {}).get(name)
        if adjustment:
            score += adjustment[0]
            reasons.insert(0, f"{data_kind}: {adjustment[1]}")
        if few and (name in AUGMENTING or name == "sngan_lecam"):
            score += 0.5 if name in AUGMENTING else 0.25
            reason = _FEW_IMAGES.format(n=num_images) if name in AUGMENTING else (
                f"with {num_images:,} training images: LeCam regularization was designed for limited data and "
                f"complements augmentation (Tseng et al. 2021)")
            reasons.insert(0, f"few images: {reason}")
        candidate = candidates_lib.get(name, data_kind)
        if name in FRAMEWORK_PICKS:
            reasons.append("one of the four strong candidates the selection framework recommends [[strong_candidates]]")
        reasons.append(_architecture_reason(data_kind, candidate))
        cited, findings = [], []
        for reason in reasons:
            text, keys = _cite(reason)
            cited.append(text)
            findings += [k for k in keys if k not in findings]
        scored.append((-score, name not in FRAMEWORK_PICKS, order, candidate, score, cited, findings))
    scored.sort(key=lambda item: item[:3])
    return [Recommendation(rank, candidate, score, reasons, findings)
            for rank, (*_, candidate, score, reasons, findings) in enumerate(scored, 1)]
