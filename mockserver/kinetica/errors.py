"""The Kinetica model's one error type."""

from __future__ import annotations


class KineticaError(Exception):
    """A logical error: the HTTP layer answers it with the ERROR wrapper and HTTP 400."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
