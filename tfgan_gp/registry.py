"""Named parts (losses, penalties, divergences): register a factory under a name, build it by name."""


class Registry:
    """Factories of one kind of part, by name. A class registered gets the name as ``cls.name``."""

    def __init__(self, kind):
        self.kind = kind
        self._factories = {}

    def register(self, name):
        """Decorator (or call) registering ``factory`` under ``name``."""

        def wrap(factory):
            self._factories[name] = factory
            if isinstance(factory, type):
                factory.name = name
            return factory

        return wrap

    def names(self):
        return sorted(self._factories)

    def __contains__(self, name):
        return isinstance(name, str) and name in self._factories

    def build(self, name):
        return self._factories[name]()

    def unknown(self, identifier, valid, instead):
        """The ``ValueError`` for an unknown identifier: lists ``valid`` names and what else is accepted."""
        return ValueError(f"Unknown {self.kind}: expected one of {', '.join(valid)} or {instead}. "
                          f"Received: {self.kind}={identifier!r}")
