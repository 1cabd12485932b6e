"""Generator / critic families; each offers ``generator(**kwargs)`` and ``critic(**kwargs)``.

``get(name)`` returns the family registered under ``name`` (each family module registers its ``Family``
with ``@FAMILIES.register``); its builders' keyword arguments are JSON-serialisable, so a run can
store them (its run record) and rebuild the generator later. Shared conventions are in
:mod:`tfgan_gp.architectures.common`; ``register(name)`` adds a family of one's own (any object with the
two builders).
"""
from tfgan_gp.architectures import (  # noqa: F401  (importing a family module registers it)
    activations, blocks, char_cnn, checks, common, convolutions, dcgan, mlp, normalization, random_space, resnet_64,
    resnet_cifar)

names, register = common.FAMILIES.names, common.FAMILIES.register
get = common.FAMILIES.lookup
