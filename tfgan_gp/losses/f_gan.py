"""f-GAN losses (Nowozin et al. 2016): the loss ``"f_gan:<divergence>"`` for every divergence of
:mod:`tfgan_gp.divergences`, registered ones added later included."""
from tfgan_gp import divergences
from tfgan_gp.losses.base import REGISTRY, Loss, f32, mean

PREFIX = "f_gan:"


def divergence_of(name):
    """The divergence name of an ``f_gan:<divergence>`` loss name, else ``None``."""
    return name[len(PREFIX):] if name.startswith(PREFIX) else None


class FGAN(Loss):
    """f-GAN adversarial loss (Nowozin et al. 2016, eq. 6 and §3.2) on the critic's raw outputs ``V``.

    critic: ``-(E_P[g_f(V(x))] - E_Q[f*(g_f(V(G(z))))])``; its negative is the
    variational estimate of ``D_f(P || Q)`` (a lower bound, tight at the optimal critic).

    generator, ``generator="alternative"`` (default): ``-E_Q[g_f(V(G(z)))]``, the
    update of §3.2 ("Practical considerations") that the paper's experiments use:
    maximise ``E_Q[g_f(V(G(z)))]`` instead of minimising ``F``, by analogy with
    Goodfellow et al.'s non-saturating ``log D(G(z))``; it keeps the same
    stationary point and gives strong gradients while the critic wins. For
    ``"gan"`` it is exactly the ``non_saturating`` generator loss.

    generator, ``generator="saddle"``: ``-E_Q[f*(g_f(V(G(z))))]``, the plain
    saddle-point step of Algorithm 1 (minimise ``F``). ``F``'s real-data term has
    no generator gradient and is left out, so ``real_out`` is not needed. For
    ``"gan"`` it is exactly the ``minimax`` generator loss.

    Args:
        divergence: a name from :func:`tfgan_gp.divergences.names` or a :class:`Divergence`.
        generator: ``"alternative"`` or ``"saddle"``.
        **divergence_kwargs: the divergence's own arguments, with a name (e.g.
            ``get("f_gan:alpha", alpha=0.5)``).
    """

    needs_real_for_generator = False
    GENERATOR_OBJECTIVES = ("alternative", "saddle")

    def __init__(self, divergence="gan", generator="alternative", **divergence_kwargs):
        if generator not in self.GENERATOR_OBJECTIVES:
            raise ValueError(
                f"Unknown generator objective: expected one of "
                f"{', '.join(self.GENERATOR_OBJECTIVES)}. Received: generator={generator!r}")
        self.divergence = divergences.get(divergence, **divergence_kwargs)
        self.generator = generator
        self.name = PREFIX + self.divergence.name

    def critic_objective(self, batch):
        d = self.divergence
        return mean(d.conjugate_of_activation(f32(batch.fake_out))) - mean(d.activation(f32(batch.real_out)))

    def generator_objective(self, batch):
        d, fake = self.divergence, f32(batch.fake_out)
        if self.generator == "saddle":
            return -mean(d.conjugate_of_activation(fake))
        return -mean(d.activation(fake))

    def __repr__(self):
        extra = "".join(f", {k}={v!r}" for k, v in self.divergence.parameters().items())
        return f"FGAN(divergence={self.divergence.name!r}, generator={self.generator!r}{extra})"


REGISTRY.register_prefix(PREFIX, FGAN, divergences.names)
