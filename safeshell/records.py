"""Immutable value records for the guard's hot path.

``safeshell check``, ``safeshell -c`` and ``safeshell hook`` start a fresh
interpreter for every command an assistant runs, so their imports are start-up
time. ``dataclasses`` imports ``inspect`` (and with it ``ast``, ``dis`` and
``tokenize``) and compiles each generated method, which costs more than the
rest of a decision. Records those commands build subclass :class:`Record`
instead: a class with ``__slots__`` and a typed ``__init__`` gets from here what
a frozen dataclass would generate (field-wise equality and hash, a repr, no
assignment after construction, pickling).
"""

from __future__ import annotations


class Record:
    """Base of an immutable record whose fields are its ``__slots__``, in order.

    A subclass sets each field once in ``__init__`` with :meth:`_init`;
    later assignment raises ``AttributeError``, as a frozen dataclass does.
    Equality holds between records of the same class with equal fields.
    """

    __slots__ = ()

    def __init_subclass__(cls) -> None:
        cls.__match_args__ = cls.__slots__

    def _init(self, **values: object) -> None:
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def _values(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((self.__class__.__name__, *self._values()))

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{self.__class__.__qualname__}({fields})"

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r} of immutable {self.__class__.__name__}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r} of immutable {self.__class__.__name__}")

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:
        # Rebuilt through __init__, which takes the fields positionally in slot order.
        return (self.__class__, self._values())
