"""Generator / critic families; each module offers ``generator(...)`` and ``critic(...)``."""
from tfgan_gp.architectures import mlp  # noqa: F401
