"""The paper's character-level language model (§5.5; authors' ``gan_language.py``).

Generator: ``z (latent_dim) → dense seq_len·dim → (seq_len, dim) →
num_blocks × [x + 0.3 · conv5(ReLU(conv5(ReLU(x))))] → 1×1 conv to vocab_size
→ softmax`` over characters: a ``(B, seq_len, vocab_size)`` float32 tensor of
probabilities, fed to the critic as is (no discrete sampling). Critic: one-hot
(or generated soft) sequences ``(B, seq_len, vocab_size)`` → 1×1 conv to dim →
the same residual blocks → flatten → dense(1). No normalization (paper).
Paper defaults: seq_len 32, dim 512, 5 blocks; ``vocab_size`` is the size of
the character map (the authors keep at most 2048 characters).
"""
import keras
from keras import layers

from tfgan_gp.architectures import common
from tfgan_gp.architectures.blocks import ResidualBlock
from tfgan_gp.architectures.checks import check_int
from tfgan_gp.architectures.convolutions import conv, he_uniform_avg

KERNEL_SIZE = 5


def _blocks(x, dim, num_blocks, residual_scale, normalization="none"):
    for i in range(num_blocks):
        x = ResidualBlock(dim, kernel_size=KERNEL_SIZE, normalization=normalization,
                          residual_scale=residual_scale, rank=1, name=f"block_{i}")(x)
    return x


def _check(seq_len, dim, vocab_size, num_blocks):
    check_int(seq_len, "seq_len")
    check_int(dim, "dim")
    check_int(vocab_size, "vocab_size", minimum=2)
    check_int(num_blocks, "num_blocks", minimum=0)


def generator(latent_dim=128, seq_len=32, dim=512, vocab_size=2048, num_blocks=5, residual_scale=0.3,
              name="char_cnn_generator"):
    """``z (B, latent_dim)`` → float32 character probabilities ``(B, seq_len, vocab_size)``."""
    _check(seq_len, dim, vocab_size, num_blocks)
    z = keras.Input((check_int(latent_dim, "latent_dim"),), name="z")
    x = layers.Dense(seq_len * dim, name="dense")(z)
    x = layers.Reshape((seq_len, dim), name="to_sequence")(x)
    x = _blocks(x, dim, num_blocks, residual_scale)
    x = conv(vocab_size, 1, rank=1, kernel_initializer=he_uniform_avg(), name="to_vocab")(x)
    return keras.Model(z, layers.Softmax(axis=-1, dtype="float32", name="probabilities")(x), name=name)


def critic(seq_len=32, dim=512, vocab_size=2048, num_blocks=5, residual_scale=0.3, normalization=None,
           gradient_penalty=True, name="char_cnn_critic"):
    """Sequences ``(B, seq_len, vocab_size)`` (one-hot or probabilities) → score ``(B, 1)``.

    ``normalization=None`` is the paper's: none; ``layer``/``spectral`` act in
    the residual blocks, ``batch`` needs ``gradient_penalty=False``.
    """
    _check(seq_len, dim, vocab_size, num_blocks)
    normalization = common.critic_normalization(normalization, gradient_penalty, lambda _: "none")
    spectral = normalization == "spectral"
    sequences = keras.Input((seq_len, vocab_size), name="sequences")
    x = conv(dim, 1, rank=1, kernel_initializer=he_uniform_avg(), spectral=spectral,
             name="from_vocab")(sequences)
    x = _blocks(x, dim, num_blocks, residual_scale, normalization)
    x = layers.Flatten(name="flatten")(x)
    return keras.Model(sequences, common.critic_outputs(x, None, spectral), name=name)


@common.FAMILIES.register("char_cnn")
class Family:
    """The 1-D convolutional character models of §5.5: :func:`generator` and :func:`critic`."""

    generator = staticmethod(generator)
    critic = staticmethod(critic)
