"""ReLU and leaky ReLU for critics trained with a gradient penalty: same values, no wasted double backward.

The gradient penalty differentiates the critic's input gradient with respect to
the weights (double backpropagation). Through a piecewise-linear activation
that input gradient depends on the forward pass only through a constant mask
(1 where ``x > 0``, else 0 or the leaky slope), whose derivative is zero.
TensorFlow's registered second derivative of ``Relu``/``LeakyRelu`` returns
that zero as a tensor (``zeros_like``), and the outer tape then backpropagates
the zeros through the entire forward pass at the interpolates: every
convolution gets a weight and an input gradient of zeros. Here the mask is
read through ``tf.stop_gradient``, so that backward pass is never built. First
and second derivatives are the same as TensorFlow's; on the paper's CIFAR
ResNet this removes about a seventh of a critic update's work (BUILD.md).
"""
import keras
import tensorflow as tf



def relu(x, negative_slope=0.0):
    """``max(x, 0)`` (``negative_slope = 0``) or leaky ReLU ``x if x > 0 else slope·x``.

    The gradient is ``TensorFlow's ReluGrad/LeakyReluGrad(dy, stop_gradient(·))``:
    differentiable in ``dy`` (so double backpropagation is exact), constant in ``x``.
    """
    if negative_slope == 0.0:
        return _relu(x)
    return _leaky_relu(x, float(negative_slope))


@tf.custom_gradient
def _relu(x):
    y = tf.nn.relu(x)

    def grad(dy):
        return tf.raw_ops.ReluGrad(gradients=dy, features=tf.stop_gradient(y))

    return y, grad


def _leaky_relu(x, alpha):
    @tf.custom_gradient
    def leaky(x):
        def grad(dy):
            return tf.raw_ops.LeakyReluGrad(gradients=dy, features=tf.stop_gradient(x), alpha=alpha)

        return tf.nn.leaky_relu(x, alpha), grad

    return leaky(x)


@keras.saving.register_keras_serializable(package="tfgan_gp")
class ReLU(keras.layers.Layer):
    """Keras layer for :func:`relu` (``negative_slope`` > 0: leaky ReLU)."""

    def __init__(self, negative_slope=0.0, **kwargs):
        super().__init__(**kwargs)
        if negative_slope < 0:
            raise ValueError(f"negative_slope must be >= 0. Received: negative_slope={negative_slope}")
        self.negative_slope = float(negative_slope)
        self.built = True

    def call(self, x):
        return relu(x, self.negative_slope)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "negative_slope": self.negative_slope}
