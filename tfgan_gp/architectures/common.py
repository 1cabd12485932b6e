"""What every family's builders share: inputs, conditioning, critic heads, argument checks.

Conventions (all families):

* generators take ``z`` of shape ``(B, latent_dim)``, or ``[z, labels]`` with
  int32 ``labels`` of shape ``(B,)`` when ``num_classes`` is set;
* a generator with batch norm is conditioned through conditional batch norm
  (the paper's conditional CIFAR model); one without batch norm gets the
  one-hot label concatenated to ``z`` (Mirza & Osindero 2014);
* critics take samples only and return a float32 score ``(B, 1)``; with
  ``num_classes`` they also return float32 AC-GAN class logits
  ``(B, num_classes)`` (Odena et al. 2017, as in the paper's conditional model);
* ``gradient_penalty=True`` (the default, as WGAN-GP is the package default)
  means the critic will be trained with a per-sample gradient penalty: batch
  norm is refused and layer norm is used wherever the architecture normalizes
  (paper §4). Pass ``False`` for penalty-free methods (DCGAN, LSGAN, clipping).
"""
import keras
from keras import layers

from tfgan_gp.architectures.checks import check_choice, check_int
from tfgan_gp.architectures.convolutions import dense
from tfgan_gp.architectures.normalization import NORMALIZATIONS, batch_normalizing


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


def critic_outputs(features, num_classes, spectral=False, initializer=lambda: "glorot_uniform",
                   score_scale=1.0):
    """Float32 score ``(B, 1)`` and, with ``num_classes``, AC-GAN logits: the critic's outputs.

    ``initializer()`` gives each head's kernel initializer (a fresh one per
    layer); ``score_scale`` multiplies the score (the 101-layer ResNet's 1/5).
    """
    def head(units, name):
        return dense(units, kernel_initializer=initializer(), spectral=spectral, dtype="float32",
                     name=name)(features)

    score = head(1, "score")
    if score_scale != 1.0:
        score = layers.Rescaling(score_scale, dtype="float32", name="score_scale")(score)
    return [score, head(num_classes, "class_logits")] if check_num_classes(num_classes) else score


def image_output(x, scale=1.0):
    """``tanh(scale · x)`` in float32: images in [-1, 1] whatever the dtype policy."""
    if scale != 1.0:
        x = layers.Rescaling(scale, dtype="float32", name="output_scale")(x)
    return layers.Activation("tanh", dtype="float32", name="image")(x)
