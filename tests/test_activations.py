"""Piecewise-linear activations: TensorFlow's values and derivatives, without the zero backward pass."""
import keras
import numpy as np
import pytest
import tensorflow as tf

from tfgan_gp import penalties
from tfgan_gp.architectures import activations

SLOPES = [0.0, 0.2]


def tf_activation(x, slope):
    return tf.nn.relu(x) if slope == 0.0 else tf.nn.leaky_relu(x, slope)


@pytest.mark.parametrize("slope", SLOPES)
def test_values_and_first_derivatives_equal_tensorflows(slope):
    x = tf.constant(np.random.default_rng(0).normal(size=(64,)), tf.float64)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        ours, theirs = activations.relu(x, slope), tf_activation(x, slope)
        ours_sum, theirs_sum = tf.reduce_sum(ours * x), tf.reduce_sum(theirs * x)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    np.testing.assert_array_equal(tape.gradient(ours_sum, x).numpy(), tape.gradient(theirs_sum, x).numpy())


def conv_critic_weights(seed=0):
    rng = np.random.default_rng(seed)
    shapes = [(3, 3, 2, 4), (4,), (3, 3, 4, 4), (4,), (4, 1), (1,)]
    return [tf.Variable(rng.normal(scale=0.5, size=s), dtype=tf.float64) for s in shapes]


def conv_critic(weights, act):
    k1, b1, k2, b2, w, b = weights

    def score(x, training=True):
        h = act(tf.nn.conv2d(x, k1, 1, "SAME") + b1)
        h = act(tf.nn.conv2d(h, k2, 1, "SAME") + b2)
        h = tf.nn.avg_pool2d(h, 2, 2, "VALID")
        return tf.reduce_mean(h, axis=[1, 2]) @ w + b

    return score


def penalty_and_gradients(act, weights, x):
    """WGAN-GP's penalty in float64 at fixed interpolates, and its gradient in the weights."""
    score = conv_critic(weights, act)
    eps = tf.constant([0.1, 0.4, 0.6, 0.9], tf.float64)[:, None, None, None]
    interpolates = eps * x[:4] + (1 - eps) * x[4:]
    with tf.GradientTape() as tape:
        with tf.GradientTape() as inner:
            inner.watch(interpolates)
            total = tf.reduce_sum(score(interpolates))
        norms = tf.norm(tf.reshape(inner.gradient(total, interpolates), [4, -1]), axis=1)
        value = 10.0 * tf.reduce_mean(tf.square(norms - 1.0))
    return value, tape.gradient(value, weights, unconnected_gradients=tf.UnconnectedGradients.ZERO)


@pytest.mark.parametrize("slope", SLOPES)
def test_penalty_gradient_equals_tensorflows_and_finite_differences(slope):
    """Double backprop through our activation = through TensorFlow's = central differences."""
    weights = conv_critic_weights()
    x = tf.constant(np.random.default_rng(1).uniform(-1, 1, size=(8, 6, 6, 2)), tf.float64)
    value, ours = penalty_and_gradients(lambda h: activations.relu(h, slope), weights, x)
    _, theirs = penalty_and_gradients(lambda h: tf_activation(h, slope), weights, x)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10, atol=1e-12)
    # central differences on a few entries of each weight (float64; the masks do not flip at this step)
    eps = 1e-6
    for v, g in zip(weights, ours):
        flat = tf.reshape(v, [-1]).numpy()
        for i in np.random.default_rng(2).choice(flat.size, size=min(3, flat.size), replace=False):
            values = []
            for sign in (1, -1):
                shifted = flat.copy()
                shifted[i] += sign * eps
                v.assign(shifted.reshape(v.shape))
                values.append(float(penalty_and_gradients(
                    lambda h: activations.relu(h, slope), weights, x)[0]))
            v.assign(flat.reshape(v.shape))
            numeric = (values[0] - values[1]) / (2 * eps)
            np.testing.assert_allclose(tf.reshape(g, [-1])[i].numpy(), numeric, rtol=1e-5, atol=1e-8)
    assert float(value) > 0


def backprop_filter_ops(act):
    """Weight-gradient convolutions in the traced graph of one critic loss + penalty gradient."""
    weights = [tf.Variable(tf.cast(w, tf.float32)) for w in conv_critic_weights()]
    score = conv_critic(weights, act)

    @tf.function
    def gradients(real, fake):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(score(fake)) - tf.reduce_mean(score(real))
            loss += penalties.GradientPenalty(10.0)(score, real, fake)
        return tape.gradient(loss, weights)

    x = tf.zeros((4, 6, 6, 2))
    graph = gradients.get_concrete_function(x, x).graph
    needed, stack = set(), [t.op for t in graph.outputs]  # ops the gradients depend on (no dead code)
    while stack:
        op = stack.pop()
        if op not in needed:
            needed.add(op)
            stack.extend([t.op for t in op.inputs] + list(op.control_inputs))
    return sum(op.type == "Conv2DBackpropFilter" for op in needed)


def test_double_backward_skips_the_zero_pass_through_the_interpolates_forward():
    """2 convs: real + fake backward (2 + 2) + the penalty's second-order term (2); TF's ReLU adds 2 more."""
    assert backprop_filter_ops(activations.relu) == 6
    assert backprop_filter_ops(tf.nn.relu) == 8


def test_relu_layer_round_trips_and_rejects_a_negative_slope(tmp_path):
    model = keras.Sequential([keras.Input((3,)), activations.ReLU(0.2, name="act")])
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    x = np.array([[-1.0, 0.0, 2.0]], "float32")
    np.testing.assert_allclose(loaded(x).numpy(), [[-0.2, 0.0, 2.0]], rtol=1e-6)
    assert loaded.get_layer("act").negative_slope == pytest.approx(0.2)
    with pytest.raises(ValueError, match="negative_slope"):
        activations.ReLU(-0.1)
