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


class _Fields:
    """Field-wise equality and repr for a class whose fields are its ``__slots__``, in order."""

    __slots__ = ()

    def __init_subclass__(cls) -> None:
        cls.__match_args__ = cls.__slots__

    def _values(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()  # type: ignore[attr-defined]

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{self.__class__.__qualname__}({fields})"


class Record(_Fields):
    """Base of an immutable record whose fields are its ``__slots__``, in order.

    A subclass sets each field once in ``__init__`` with :meth:`_init`;
    later assignment raises ``AttributeError``, as a frozen dataclass does.
    Records of the same class with equal fields are equal.
    """

    __slots__ = ()

    def _init(self, **values: object) -> None:
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def __hash__(self) -> int:
        return hash((self.__class__.__name__, *self._values()))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r} of immutable {self.__class__.__name__}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r} of immutable {self.__class__.__name__}")

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:
        # Rebuilt through __init__, which takes the fields positionally in slot order.
        return (self.__class__, self._values())


class MutableRecord(_Fields):
    """Base of a mutable record whose fields are its ``__slots__``, in order.

    What a plain (not frozen) dataclass would generate, less ``__init__``:
    field-wise equality between records of the same class and a repr.
    Records are unhashable, as such dataclasses are.
    """

    __slots__ = ()

    __hash__ = None  # type: ignore[assignment]


class ChoiceType(type):
    """Metaclass of :class:`StrChoice` and :class:`IntChoice`.

    A class built with it turns each upper-case class attribute whose value is
    of the data type (``str`` or ``int``) into a singleton member. The class
    then finds members by value (``Kind("read")``) and by name
    (``Kind["READ"]``) and iterates over them in definition order, as an
    ``enum`` class does. It exists because the hot path cannot afford to
    import ``enum`` (see the module docstring).
    """

    def __new__(mcls, name: str, bases: tuple[type, ...], namespace: dict[str, object]) -> ChoiceType:
        cls = super().__new__(mcls, name, bases, namespace)
        data_type = next((base for base in cls.__mro__ if base in (str, int)), None)
        members: dict[str, object] = {}
        if data_type is not None:
            for key, value in namespace.items():
                if key.isupper() and not key.startswith("_") and type(value) is data_type:
                    member = data_type.__new__(cls, value)
                    member._name_ = key
                    member._value_ = value
                    type.__setattr__(cls, key, member)
                    members[key] = member
        cls._members_ = members
        cls._by_value_ = {member._value_: member for member in members.values()}
        return cls

    def __call__(cls, value: object) -> object:
        if type(value) is cls:
            return value
        try:
            return cls._by_value_[value]
        except (KeyError, TypeError):
            raise ValueError(f"{value!r} is not a valid {cls.__qualname__}") from None

    def __getitem__(cls, name: str) -> object:
        return cls._members_[name]

    def __iter__(cls):  # noqa: ANN204 - an iterator of the class's members
        return iter(cls._members_.values())

    def __len__(cls) -> int:
        return len(cls._members_)

    def __contains__(cls, value: object) -> bool:
        return type(value) is cls

    def __setattr__(cls, name: str, value: object) -> None:
        if name in cls.__dict__.get("_members_", ()):
            raise AttributeError(f"cannot reassign member {name!r} of {cls.__qualname__}")
        super().__setattr__(name, value)


class _ChoiceMember:
    """Behaviour shared by the members of every choice class."""

    _name_: str
    _value_: object

    @property
    def name(self) -> str:
        return self._name_

    @property
    def value(self):  # noqa: ANN201 - the plain str or int value
        return self._value_

    def __repr__(self) -> str:
        return f"<{self.__class__.__qualname__}.{self._name_}: {self._value_!r}>"

    def __reduce_ex__(self, protocol: object) -> tuple[type, tuple[object]]:
        # Rebuilt through the class's value lookup, so a copy or an unpickled
        # member is the same singleton and ``is`` comparisons keep working.
        return (self.__class__, (self._value_,))

    def __copy__(self) -> object:
        return self

    def __deepcopy__(self, memo: object) -> object:
        return self


class StrChoice(_ChoiceMember, str, metaclass=ChoiceType):
    """A set of named string constants; each member is also the ``str`` it names."""

    __str__ = str.__str__
    __format__ = str.__format__


class IntChoice(_ChoiceMember, int, metaclass=ChoiceType):
    """A set of named, ordered integer constants; each member is also the ``int`` it names."""

    __str__ = int.__repr__
    __format__ = int.__format__
