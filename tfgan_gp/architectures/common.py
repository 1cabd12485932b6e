"""What every family's builders share: inputs, conditioning, critic heads, argument checks.

Conventions (all families):

* generators take ``z`` of shape ``(B, latent_dim)``, or ``[z, labels]`` with
  int32 ``labels`` of shape ``(B,)`` when ``num_classes`` is set;
* a generator with batch norm is conditioned through conditional batch norm
  (the paper's conditional CIFAR model); one without batch norm gets the
  one-hot label concatenated to ``z`` (Mirza & Osindero 2014);
* critics take samples only and return a float32 score ``(B, 1)``; with
  ``num_classes`` they also return float32 AC-GAN class logits
  ``(B, num_classes)`` (Odena et al. 2017, as in the paper's conditional model),
  or, with ``conditioning="projection"``, take ``[samples, labels]`` and return one
  score with the projection discriminator's class term (:class:`ClassProjection`);
* ``gradient_penalty=True`` (the default, as WGAN-GP is the package default)
  means the critic will be trained with a per-sample gradient penalty: batch
  norm is refused and layer norm is used wherever the architecture normalizes
  (paper §4). Pass ``False`` for penalty-free methods (DCGAN, LSGAN, clipping).
"""
import keras
from keras import layers, ops

from tfgan_gp.architectures.checks import check_choice, check_int
from tfgan_gp.architectures.convolutions import dense, register
from tfgan_gp.architectures.normalization import NORMALIZATIONS, batch_normalizing
from tfgan_gp.registry import Registry

FAMILIES = Registry("architecture")
"""The generator/critic families by name. A family registers where it is defined, as every part does::

    @FAMILIES.register("mine")
    class Family:
        generator = staticmethod(my_generator)
        critic = staticmethod(my_critic)
"""

CONDITIONINGS = ("ac", "projection")
"""How a conditional critic uses the labels: an AC-GAN classifier head (the paper's) or a projection."""


def check_num_classes(num_classes):
    """``None`` (unconditional) or an integer >= 2."""
    if num_classes is not None and (isinstance(num_classes, bool) or not isinstance(num_classes, int)
                                    or num_classes < 2):
        raise ValueError(f"num_classes must be None (unconditional) or an integer >= 2. "
                         f"Received: num_classes={num_classes!r}")
    return num_classes


def generator_inputs(latent_dim, num_classes):
    """``(model_inputs, z, labels)``; ``labels`` is ``None`` for an unconditional generator."""
    check_int(latent_dim, "latent_dim")
    z = keras.Input((latent_dim,), name="z")
    if not check_num_classes(num_classes):
        return z, z, None
    labels = keras.Input((), dtype="int32", name="labels")
    return [z, labels], z, labels


def concat_one_hot(z, labels, num_classes):
    """``[z, one_hot(labels)]``: conditions generators without batch norm (``z`` if unconditional)."""
    if labels is None:
        return z
    one_hot = layers.CategoryEncoding(num_classes, output_mode="one_hot", name="one_hot_labels")(labels)
    return layers.Concatenate(name="z_and_labels")([z, one_hot])


def critic_normalization(normalization, gradient_penalty, default):
    """Resolve a critic's ``normalization`` argument.

    ``None`` picks ``default(gradient_penalty)``; batch norm together with a
    gradient penalty is refused, because batch statistics make each sample's
    score depend on the rest of the batch, so the per-sample gradient norm the
    penalty constrains is not the critic's (paper §4).
    """
    if not isinstance(gradient_penalty, bool):
        raise ValueError(f"gradient_penalty must be True or False. "
                         f"Received: gradient_penalty={gradient_penalty!r}")
    if normalization is None:
        return default(gradient_penalty)
    check_choice(normalization, NORMALIZATIONS, "normalization")
    if batch_normalizing(normalization) and gradient_penalty:
        raise ValueError(
            "A critic trained with a gradient penalty must not use batch normalization: batch "
            "statistics mix samples, so the per-sample input gradients the penalty constrains are "
            "not those of the critic (Gulrajani et al. 2017, §4). Use normalization='layer', "
            "'spectral' or 'none', or gradient_penalty=False for a penalty-free method. "
            "Received: normalization='batch', gradient_penalty=True")
    return normalization


@register
class ClassProjection(layers.Layer):
    """The projection discriminator's class term (Miyato & Koyama 2018, eq. 3): ``[φ(x), y] → ⟨V_y, φ(x)⟩``.

    The critic is ``D(x, y) = ψ(φ(x)) + ⟨embed(y), φ(x)⟩``; this layer is the second term, ``(B, 1)``.
    The class embedding ``V`` (``num_classes × features``) is kept transposed, as the kernel of a bias-free
    ``Dense`` layer (``embedding``), so the term is the label's entry of ``φ(x)·Vᵀ`` (C multiply-adds per
    feature instead of one, nothing next to the critic's convolutions) and ``spectral=True`` normalizes
    ``V`` by its largest singular value as the paper's SNGAN critic does (``σ(Vᵀ) = σ(V)``). A sample's
    term reads only its own features and label, so per-sample gradient penalties stay valid.
    """

    def __init__(self, num_classes, spectral=False, **kwargs):
        super().__init__(**kwargs)
        self.num_classes = check_int(num_classes, "num_classes", minimum=2)
        self.spectral = bool(spectral)
        self.embedding = dense(num_classes, spectral=self.spectral, use_bias=False, dtype=self.dtype_policy,
                               name="embedding")

    def build(self, input_shape):
        self.embedding.build(input_shape[0])

    def call(self, inputs, training=None):
        features, labels = inputs
        every_class = self.embedding(features, training=training)  # (B, num_classes): ⟨V_c, φ(x)⟩ for each c
        return ops.take_along_axis(every_class, ops.reshape(ops.cast(labels, "int32"), (-1, 1)), axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0][0], 1)

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes, "spectral": self.spectral}


def critic_inputs(shape, num_classes, conditioning="ac", name="images"):
    """``(model inputs, samples, labels)`` of a critic for samples of ``shape``.

    ``conditioning``: ``ac`` (samples only; an AC-GAN head when ``num_classes``, the paper's) or
    ``projection`` (``[samples, labels]`` with int32 labels ``(B,)``; needs ``num_classes``).
    ``labels`` is ``None`` unless ``projection``.
    """
    check_choice(conditioning, CONDITIONINGS, "conditioning")
    samples = keras.Input(tuple(shape), name=name)
    if conditioning == "ac":
        return samples, samples, None
    if not check_num_classes(num_classes):
        raise ValueError("conditioning='projection' projects class labels, so it needs num_classes (a conditional "
                         "critic). Received: num_classes=None")
    labels = keras.Input((), dtype="int32", name="labels")
    return [samples, labels], samples, labels


def critic_outputs(features, num_classes, spectral=False, initializer=lambda: "glorot_uniform",
                   score_scale=1.0, labels=None):
    """Float32 score ``(B, 1)`` and, with ``num_classes``, AC-GAN logits: the critic's outputs.

    ``initializer()`` gives each head's kernel initializer (a fresh one per
    layer); ``score_scale`` multiplies the score (the 101-layer ResNet's 1/5).
    With ``labels`` (a projection critic, see :func:`critic_inputs`) the score is
    ``ψ(φ) + ⟨embed(y), φ⟩`` (:class:`ClassProjection`) and there is no AC-GAN head.
    """
    def head(units, name):
        return dense(units, kernel_initializer=initializer(), spectral=spectral, dtype="float32",
                     name=name)(features)

    score = head(1, "score")
    if labels is not None:
        projection = ClassProjection(num_classes, spectral=spectral, dtype="float32", name="projection")
        score = layers.Add(dtype="float32", name="score_and_projection")([score, projection([features, labels])])
    if score_scale != 1.0:
        score = layers.Rescaling(score_scale, dtype="float32", name="score_scale")(score)
    if labels is None and check_num_classes(num_classes):
        return [score, head(num_classes, "class_logits")]
    return score


def image_output(x, scale=1.0):
    """``tanh(scale · x)`` in float32: images in [-1, 1] whatever the dtype policy."""
    if scale != 1.0:
        x = layers.Rescaling(scale, dtype="float32", name="output_scale")(x)
    return layers.Activation("tanh", dtype="float32", name="image")(x)
