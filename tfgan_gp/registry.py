"""Named parts (losses, penalties, divergences, augmentations, architectures): one idiom for every kind.

A part registers itself where it is defined, with its kind's decorator::

    @tg.losses.register("my_loss")
    class MyLoss(tg.losses.Loss): ...

and is then found by name everywhere: ``get(name)`` / ``build(name, **overrides)`` in Python, the
``--loss``/``--penalty``/``--augment`` flags, the run record, the selection catalogue. ``build`` calls
the factory with the overrides (say a penalty's ``weight``), so a part is complete when it is built
and nothing changes it afterwards. Unknown names and arguments get the same one-sentence
``ValueError`` for every kind, listing what is valid.

A kind's module exposes its registry's methods as module functions (``names``, ``get``, ``build``,
``register``), so ``tg.penalties.build("gp", weight=1)`` and ``tg.losses.names()`` read alike.
"""
import functools
import inspect


class Registry:
    """Factories of one kind of part, by name.

    Args:
        kind: what the parts are, in error messages ("loss", "penalty", ...).
        instance_of: a class whose instances :meth:`get` passes through unchanged.
        instead: what else :meth:`get` accepts, in the unknown-name message.
        none: the name ``get(None)`` builds (``"none"`` where "no part" is a part), else ``None`` is unknown.
        combine: ``parts -> part`` joining several parts named ``"a+b"`` (penalties); ``None``: no combinations.
        check: ``(part names, received) -> None`` raising a ``ValueError`` where registered parts cannot be
            combined (two penalties logging under one metric name), from the names alone.
        optional: arguments of the kind that reach only the parts taking them (a penalty's ``weight``, an
            augmentation's ``policy``): a run's single λ setting goes to whichever penalty it names, and
            ``clip`` or ``none``, which take none, ignore it.
    """

    SEPARATOR = "+"

    def __init__(self, kind, instance_of=None, instead=None, none=None, combine=None, check=None, optional=()):
        self.kind = kind
        self.instance_of = instance_of
        self.instead = instead
        self.none = none
        self.combine = combine
        self.check = check
        self.optional = tuple(optional)
        self._factories = {}
        self._prefixes = {}

    # ------------------------------------------------------------------------------ registering
    def register(self, name, **preset):
        """Decorator registering a factory (a class, function or module-like object) under ``name``.

        ``preset``: arguments this name always passes (``register("gp_one_sided", one_sided=True)`` on the
        class already registered as ``"gp"``). A class registered without presets gets ``cls.name = name``.
        """

        def wrap(factory):
            if name in self._factories:
                raise ValueError(f"The name {name!r} is taken by another {self.kind}. Received: name={name!r}")
            self._factories[name] = (factory, dict(preset))
            if isinstance(factory, type) and not preset:
                factory.name = name
            return factory

        return wrap

    def register_prefix(self, prefix, factory, suffixes):
        """Names ``prefix + s`` for every ``s`` in ``suffixes()`` (read at lookup, so later additions count),
        built as ``factory(s, **overrides)``: the f-GAN losses ``"f_gan:<divergence>"``."""
        self._prefixes[prefix] = (factory, suffixes)

    # ------------------------------------------------------------------------------- looking up
    def names(self):
        """The registered names (prefixed families included), sorted."""
        prefixed = [prefix + s for prefix, (_, suffixes) in self._prefixes.items() for s in suffixes()]
        return sorted(list(self._factories) + prefixed)

    def __contains__(self, name):
        return isinstance(name, str) and name in self.names()

    def _resolve(self, name):
        """``(factory, preset)`` of ``name``: a registered one, or a prefix family's bound to the suffix."""
        if name in self._factories:
            return self._factories[name]
        if name in self:
            for prefix, (factory, _) in self._prefixes.items():
                if name.startswith(prefix):
                    return functools.partial(factory, name[len(prefix):]), {}
        raise self.unknown(name)

    def lookup(self, name):
        """The factory (or object) registered as ``name``."""
        return self._resolve(name)[0]

    def parts(self, name, argument=None):
        """The part names of ``name``: itself, or the names joined by ``+`` where parts combine (each once).

        Checked from the names alone, without building anything (no TensorFlow variables before a
        ``tf.distribute`` strategy exists); otherwise a ``ValueError`` naming ``argument`` (a flag, a field;
        default: the kind, in Python).
        """
        if name is None and self.none:
            return [self.none]
        split = self.combine is not None and isinstance(name, str) and self.SEPARATOR in name
        parts = name.split(self.SEPARATOR) if split else [name]
        if not all(part in self for part in parts):
            raise self.unknown(name, argument)
        argument = argument or self.kind
        if len(set(parts)) < len(parts):
            raise ValueError(f"{argument} must name each part of a combination once. Received: {argument}={name!r}")
        if self.check is not None and len(parts) > 1:
            self.check(parts, f"{argument}={name!r}")
        return parts

    def accepts(self, name, argument):
        """Whether every part of ``name`` could take the keyword ``argument`` (the first part of a combination)."""
        factory, preset = self._resolve(self.parts(name)[0])
        return argument in _parameters(factory) and argument not in preset

    # -------------------------------------------------------------------------------- building
    def build(self, name, **overrides):
        """A new part: the factory of ``name`` called with ``overrides``.

        Overrides among the kind's ``optional`` arguments go only to a part that takes them (``None``: its
        default). A combination ``"a+b"`` gives ``combine([a, b])`` with the overrides for its first part; the
        others keep their defaults.
        """
        first, *rest = self.parts(name)
        optional = {k: overrides.pop(k) for k in self.optional if k in overrides}
        built = [self._build_one(first, optional, overrides)] + [self._build_one(p, {}, {}) for p in rest]
        return self.combine(built) if rest else built[0]

    def _build_one(self, name, optional, overrides):
        factory, preset = self._resolve(name)
        unknown = sorted(k for k in overrides if not _takes(factory, k) or k in preset)
        if unknown:
            takes = [p for p in _parameters(factory) if p not in preset]
            raise ValueError(f"The {self.kind} {name!r} takes no argument {', '.join(unknown)} (it takes "
                             f"{', '.join(takes) or 'none'}). "
                             f"Received: {', '.join(f'{k}={overrides[k]!r}' for k in unknown)}")
        settings = {k: v for k, v in optional.items()
                    if k in _parameters(factory) and k not in preset and v is not None}
        return factory(**{**settings, **preset, **overrides})

    def get(self, identifier, **overrides):
        """``identifier`` itself if it is already a part (an ``instance_of``), else ``build(identifier, ...)``."""
        if self.instance_of is not None and isinstance(identifier, self.instance_of):
            if overrides:
                raise ValueError(f"Arguments {', '.join(sorted(overrides))} apply to a {self.kind} name, not to a "
                                 f"built {self.kind}. Received: {self.kind}={identifier!r}")
            return identifier
        if identifier is None and self.none:
            identifier = self.none
        return self.build(identifier, **overrides)

    def unknown(self, identifier, argument=None):
        """The ``ValueError`` for an unknown ``identifier``, listing the registered names (and combinations).

        ``argument``: the flag or field that gave it; by default the kind, in Python, where the message also
        names what else :meth:`get` accepts (``instead``).
        """
        joined = f", or several of them joined by '{self.SEPARATOR}'" if self.combine else ""
        instead = f" (or {self.instead})" if self.instead and argument is None else ""
        argument = argument or self.kind
        return ValueError(f"{argument} must be one of {', '.join(self.names())}{joined}{instead}. "
                          f"Received: {argument}={identifier!r}")


def _takes(factory, argument):
    """Whether ``factory`` takes the keyword ``argument`` (explicitly, or through ``**kwargs``)."""
    if not callable(factory):
        return False
    params = inspect.signature(factory).parameters.values()
    return argument in _parameters(factory) or any(p.kind is p.VAR_KEYWORD for p in params)


def _parameters(factory):
    """Keyword arguments a factory takes (a registered object that is not callable takes none)."""
    if not callable(factory):
        return []
    return [name for name, p in inspect.signature(factory).parameters.items()
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
