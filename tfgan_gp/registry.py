"""Named parts (losses, penalties, divergences, architectures): register a factory by name, build it by name.

Every kind of swappable part has one :class:`Registry`. ``build(name, **overrides)`` calls the
factory with the overrides (say a penalty's ``weight``), so a part is complete when it is built
and nothing changes it afterwards. Unknown names and arguments get the same one-sentence
``ValueError`` for every kind, listing what is valid.
"""
import inspect


class Registry:
    """Factories of one kind of part, by name.

    Args:
        kind: what the parts are, in error messages ("loss", "penalty", ...).
        instance_of: a class whose instances :meth:`get` passes through unchanged.
        instead: what else :meth:`get` accepts, in the unknown-name message.
    """

    def __init__(self, kind, instance_of=None, instead=None):
        self.kind = kind
        self.instance_of = instance_of
        self.instead = instead
        self._factories = {}

    def register(self, name):
        """Decorator (or call) registering ``factory`` under ``name``; a class gets ``cls.name = name``."""

        def wrap(factory):
            if name in self._factories:
                raise ValueError(f"The name {name!r} is taken by another {self.kind}. Received: name={name!r}")
            self._factories[name] = factory
            if isinstance(factory, type):
                factory.name = name
            return factory

        return wrap

    def names(self):
        """The registered names, sorted."""
        return sorted(self._factories)

    def __contains__(self, name):
        return isinstance(name, str) and name in self._factories

    def lookup(self, name):
        """The factory (or object) registered as ``name``."""
        if name not in self:
            raise self.unknown(name)
        return self._factories[name]

    def accepts(self, name, argument):
        """Whether the factory of ``name`` takes the keyword ``argument`` (e.g. a penalty's ``weight``)."""
        return argument in _parameters(self.lookup(name))

    def build(self, name, **overrides):
        """A new part: the factory of ``name`` called with ``overrides``."""
        factory = self.lookup(name)
        unknown = sorted(set(overrides) - set(_parameters(factory)))
        if unknown:
            raise ValueError(f"The {self.kind} {name!r} takes no argument {', '.join(unknown)} (it takes "
                             f"{', '.join(_parameters(factory)) or 'none'}). "
                             f"Received: {', '.join(f'{k}={overrides[k]!r}' for k in unknown)}")
        return factory(**overrides)

    def get(self, identifier, **overrides):
        """``identifier`` itself if it is already a part (an ``instance_of``), else ``build(identifier, ...)``."""
        if self.instance_of is not None and isinstance(identifier, self.instance_of):
            if overrides:
                raise ValueError(f"Arguments {', '.join(sorted(overrides))} apply to a {self.kind} name, not to a "
                                 f"built {self.kind}. Received: {self.kind}={identifier!r}")
            return identifier
        return self.build(identifier, **overrides)

    def unknown(self, identifier, valid=None):
        """The ``ValueError`` for an unknown identifier, listing ``valid`` (default: the registered names)."""
        valid = self.names() if valid is None else valid
        instead = f" or {self.instead}" if self.instead else ""
        return ValueError(f"Unknown {self.kind}: expected one of {', '.join(valid)}{instead}. "
                          f"Received: {self.kind}={identifier!r}")


def _parameters(factory):
    """Keyword arguments a factory takes (a registered object that is not callable takes none)."""
    if not callable(factory):
        return []
    return [name for name, p in inspect.signature(factory).parameters.items()
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
