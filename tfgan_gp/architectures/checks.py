"""Argument checks shared by the layers and the builders.

One ``ValueError`` wording everywhere: it names the argument, says what is
valid and echoes the value received, so a bad config fails where it is built.
"""


def check_choice(value, choices, argument):
    """``ValueError`` naming ``argument`` unless ``value`` is one of ``choices``."""
    if value not in choices:
        raise ValueError(f"{argument} must be one of {list(choices)}. Received: {argument}={value!r}")
    return value


def check_int(value, argument, minimum=1, multiple_of=1):
    """``ValueError`` unless ``value`` is an integer >= ``minimum`` and a multiple of ``multiple_of``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum or value % multiple_of:
        extra = f" divisible by {multiple_of}" if multiple_of > 1 else ""
        raise ValueError(f"{argument} must be an integer >= {minimum}{extra}. Received: {argument}={value!r}")
    return value
