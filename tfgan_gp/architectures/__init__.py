"""Generator / critic families; each module offers ``generator(**kwargs)`` and ``critic(**kwargs)``.

``get(name)`` returns the family module; its builders' keyword arguments are
JSON-serialisable, so a run can store them (``run_config.json``) and rebuild
the generator later. Shared conventions are in :mod:`tfgan_gp.architectures.common`.
The families are named in a :class:`tfgan_gp.registry.Registry`, as losses and
penalties are; ``register(name)(module)`` adds a family module of one's own.
"""
from tfgan_gp.architectures import (  # noqa: F401
    activations, blocks, char_cnn, checks, common, convolutions, dcgan, mlp, normalization, resnet_64, resnet_cifar)
from tfgan_gp.registry import Registry

_REGISTRY = Registry("architecture")
register = _REGISTRY.register
for _name, _module in (("mlp", mlp), ("dcgan", dcgan), ("resnet_cifar", resnet_cifar), ("resnet_64", resnet_64),
                       ("char_cnn", char_cnn)):
    register(_name)(_module)
del _name, _module


def names():
    """The registered family names, sorted."""
    return _REGISTRY.names()


def get(name):
    """The family module registered as ``name`` (the registry's ``ValueError`` listing the valid names otherwise)."""
    return _REGISTRY.lookup(name)
