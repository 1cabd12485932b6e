"""Generator / critic families; each module offers ``generator(**kwargs)`` and ``critic(**kwargs)``.

``get(name)`` returns the family module; its builders' keyword arguments are
JSON-serialisable, so a run can store them (``run_config.json``) and rebuild
the generator later. Shared conventions are in :mod:`tfgan_gp.architectures.common`.
"""
from tfgan_gp.architectures import activations, char_cnn, common, dcgan, layers, mlp, resnet_64, resnet_cifar  # noqa: F401

FAMILIES = {"mlp": mlp, "dcgan": dcgan, "resnet_cifar": resnet_cifar, "resnet_64": resnet_64,
            "char_cnn": char_cnn}


def names():
    """The registered family names."""
    return sorted(FAMILIES)


def get(name):
    """The family module registered as ``name`` (``ValueError`` listing the valid names otherwise)."""
    if name not in FAMILIES:
        raise ValueError(f"Unknown architecture family; valid names: {', '.join(names())}. "
                         f"Received: name={name!r}")
    return FAMILIES[name]
