"""FLOPs of a WGAN-GP generator iteration, counted from the shapes of the models' conv and dense ops.

How: the model's forward pass is traced once (``tf.function``, inference mode)
and every ``Conv2D``, ``Conv2DBackpropInput``, ``DepthwiseConv2dNative``,
``MatMul`` and ``BatchMatMul*`` op in the graph contributes
``2 × multiply-adds`` computed from its input and output shapes. Element-wise
work (bias, activations, normalization, pooling, resampling, the optimizer) is
not counted; for the CIFAR ResNet it is well under 2 % of the total. Counting
the traced ops, not the layer list, sees what the layers really run (e.g. a
1×1 shortcut conv applied before nearest up-sampling or after mean pooling, or
a resampling conv folded into one stride-2 conv: ``architectures.convolutions``).

A generator iteration (``n_critic`` critic updates + 1 generator update; ``F_G``,
``F_D`` = forward FLOPs of G and D on one minibatch), with the usual rule that
a backward pass costs about twice the forward (input and weight gradients):

* critic update: ``F_G`` (fakes, no backward) + ``2 F_D`` (real, fake) +
  ``4 F_D`` (their backward) + the penalty ``6 F_D``: forward on the
  interpolates ``F_D``, the inner backward to the input ``F_D`` (input
  gradients only), and the outer backward through both (the double backward),
  ``2 F_D + 2 F_D``; in all ``F_G + 12 F_D``;
* generator update: ``F_G + F_D`` forward, ``F_D`` backward through the critic
  to its input (no critic weight gradients), ``2 F_G`` backward through G;
  in all ``3 F_G + 2 F_D``.

So ``flops = n_critic (F_G + 12 F_D) + 3 F_G + 2 F_D``: what a plain TensorFlow step
executes. ``skip_zero_pass=True`` counts the penalty's outer backward without the
pass back through the interpolates' forward (``2 F_D``; its gradients are exactly
zero for piecewise-linear critics, and ``tfgan_gp.architectures.activations``
never builds it): ``n_critic (F_G + 10 F_D) + 3 F_G + 2 F_D``. Check against TF's
graph profiler on the reference (README of ``shared/bench``): at DIM 128 it
counts 507 GFLOP per critic update and 267 per generator update *before*
pruning unused gradients, which is ``F_G + 13 F_D`` and ``3 F_G + 3 F_D`` with
its ``F_D`` = 34.9 and ``F_G`` = 54.2 GFLOP, i.e. this count plus the weight
gradients that the inner and the generator's backward passes never need.
"""
import numpy as np
import tensorflow as tf

_CONV_OPS = ("Conv2D", "Conv3D", "DepthwiseConv2dNative")
_MATMUL_OPS = ("MatMul", "BatchMatMul", "BatchMatMulV2", "BatchMatMulV3")


def _shape(tensor):
    return tensor.shape.as_list()


def _op_flops(op):
    """``2 × multiply-adds`` of one conv / matmul op (0 for any other op)."""
    if op.type in _CONV_OPS:   # MACs per output = the kernel's window times its input channels
        kernel = _shape(op.inputs[1])
        window = kernel[:-2] if op.type == "DepthwiseConv2dNative" else kernel[:-1]
        return 2 * int(np.prod(_shape(op.outputs[0]))) * int(np.prod(window))
    if op.type == "Conv2DBackpropInput":  # transposed conv: the forward conv's MACs (inputs[2] = its output)
        kernel = _shape(op.inputs[1])
        return 2 * int(np.prod(_shape(op.inputs[2]))) * int(np.prod(kernel[:-1]))
    if op.type in _MATMUL_OPS:
        a = _shape(op.inputs[0])
        transposed = op.get_attr("transpose_a" if op.type == "MatMul" else "adj_x")
        return 2 * int(np.prod(_shape(op.outputs[0]))) * (a[-2] if transposed else a[-1])
    return 0


def forward_flops(model, inputs):
    """FLOPs of ``model(inputs, training=False)``, from the traced conv/matmul shapes.

    Keras layers trace inline into one graph; ops inside nested ``tf.function``
    calls would not be counted (the models here have none).
    """
    concrete = tf.function(lambda x: model(x, training=False)).get_concrete_function(
        tf.nest.map_structure(lambda t: tf.TensorSpec(t.shape, t.dtype), inputs))
    return sum(_op_flops(op) for op in concrete.graph.get_operations())


def generator_iteration_flops(g_forward, d_forward, n_critic, skip_zero_pass=False):
    """``n_critic (F_G + 12 F_D) + 3 F_G + 2 F_D``, or ``10 F_D`` with ``skip_zero_pass`` (module docstring)."""
    critic_passes = 10 if skip_zero_pass else 12
    return n_critic * (g_forward + critic_passes * d_forward) + 3 * g_forward + 2 * d_forward
