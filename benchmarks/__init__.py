"""Speed and memory benchmarks of tfgan_gp against the plain references in ``../shared/bench``.

``python -m benchmarks.peak``: this machine's measured float32 / bfloat16 peak.
``python -m benchmarks.gan_step``: one timed configuration of ``tfgan_gp.GAN`` on the CIFAR ResNet.
``python -m benchmarks.train_step``: every configuration, ours and the references, in one run.
"""
