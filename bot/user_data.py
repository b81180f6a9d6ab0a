"""Typed entries of ``user_data``: each key names the one type its value has.

``user_data`` is a plain dict that PTB keeps per user and ``bot.persistence`` stores
as JSON (pydantic drafts tagged with their model). A ``Slot`` is its key — it *is*
the key string, so ``slot in application.user_data[uid]`` still works — and knows
the type of its value: ``get`` returns the value only when it has that type, so a
stale or foreign entry reads as absent instead of being trusted.

    DRAFT = Slot("draft_booking", BookingDraft)
    DRAFT.put(context, BookingDraft())
    draft = DRAFT.get(context)          # BookingDraft | None
    DRAFT.pop(context)
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any, Generic, Protocol, TypeVar

T = TypeVar("T")


class HasUserData(Protocol):
    """A callback context (or anything else) that carries one user's ``user_data``."""

    @property
    def user_data(self) -> dict[Any, Any] | None:
        """The user's data, None for an update without a user."""


class Slot(str, Generic[T]):
    """A ``user_data`` key whose value is a ``kind``."""

    kind: type[T]

    def __new__(cls, key: str, kind: type[T]) -> Slot[T]:
        slot = super().__new__(cls, key)
        slot.kind = kind
        return slot

    def __reduce__(self) -> tuple[Any, ...]:
        return (Slot, (str(self), self.kind))

    def get(self, context: HasUserData) -> T | None:
        """The value, if the user has one of the right type."""
        return self.read(context.user_data or {})

    def put(self, context: HasUserData, value: T) -> None:
        """Store the value (nothing is stored for an update without a user)."""
        if context.user_data is not None:
            self.write(context.user_data, value)

    def pop(self, context: HasUserData) -> T | None:
        """Remove the entry; returns its value if it had the right type."""
        return self.drop(context.user_data) if context.user_data is not None else None

    # the same on one user's data itself (jobs and sweeps reach it through the application)

    def read(self, data: Mapping[Any, Any]) -> T | None:
        """The value in ``data``, if it has the right type."""
        value = data.get(self)
        return value if isinstance(value, self.kind) else None

    def write(self, data: MutableMapping[Any, Any], value: T) -> None:
        """Store the value in ``data`` under a plain key (persistence copies and encodes the dict)."""
        data[str(self)] = value

    def drop(self, data: MutableMapping[Any, Any]) -> T | None:
        """Remove the entry from ``data``; returns its value if it had the right type."""
        value = data.pop(self, None)
        return value if isinstance(value, self.kind) else None
