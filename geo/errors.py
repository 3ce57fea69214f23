"""Exception hierarchy of the engine.

Every error raised on purpose by ``geo`` derives from :class:`AccessMapError` and
from the builtin a caller would expect, so ``except ValueError`` keeps working.
Messages name the file, row and field when they are known.

``str(exc)`` is English (logs, tests). An error may also carry the catalog key of its
message and the fields that fill it (:meth:`AccessMapError.keyed`), so a front end
writes it in its user's language (``geo.cli`` does; see ``geo/locale``). For a
:class:`DataFileError` the key is that of the ``reason``; the file, row and field are
written by the front end.
"""

from __future__ import annotations

from pathlib import Path
from typing import Self


class AccessMapError(Exception):
    """Root of all errors raised by ``geo``.

    Attributes
    ----------
    key
        Catalog key of the message (of the ``reason`` for a :class:`DataFileError`), or
        ``None`` when the message exists in English only.
    fields
        Values of the key's ``{placeholders}``.
    """

    key: str | None = None
    fields: dict[str, object] = {}  # noqa: RUF012  (replaced per instance by keyed)

    def __init__(self, *args: object) -> None:
        """Keep the message; a :class:`geo.text.Keyed` message gives the error its catalog key."""
        super().__init__(*args)
        key = getattr(args[0], "key", None) if len(args) == 1 else None
        if key is not None and not isinstance(self, DataFileError):
            self.keyed(key=key, **args[0].fields)

    def keyed(self, *, key: str, **fields: object) -> Self:
        """Attach the catalog key of this message and its fields; returns the error itself.

        ``raise InputError(msg).keyed(key="err.unknown_place", text=text)``: ``msg`` stays
        the English text of ``str(exc)``; the key lets a front end say it in French.
        """
        self.key = key
        self.fields = dict(fields)
        return self


class DataFileError(AccessMapError, ValueError):
    """A data file is missing, unreadable or does not match its expected schema.

    Parameters
    ----------
    path
        The file concerned.
    reason
        What is wrong and what was expected; a :class:`geo.text.Keyed` reason gives the
        error its catalog key (the front end writes it in its user's language).
    row
        1-based data row number (header not counted), if the problem is in one row.
    field
        Column or field name, if the problem is in one field.
    """

    def __init__(
        self, path: Path | str, reason: str, *, row: int | None = None, field: str | None = None
    ) -> None:
        self.path = Path(path)
        #: What the path names when it is not a file (``"road-status input"``), as given: a
        #: :class:`geo.text.Keyed` label is written in the user's language by the front end.
        self.where = path
        self.row = row
        self.field = field
        self.reason = reason
        key = getattr(reason, "key", None)  # a geo.text.Keyed reason: its key is the error's
        if key is not None:
            self.keyed(key=key, **reason.fields)
        parts = [str(path)]
        if row is not None:
            parts.append(f"row {row}")
        if field:
            parts.append(f"field {field!r}")
        super().__init__(f"{', '.join(parts)}: {reason}")


class MissingDataError(DataFileError, FileNotFoundError):
    """A required data file or data folder does not exist."""


class CRSError(AccessMapError, ValueError):
    """A layer has no CRS, or not the one expected."""


class InputError(AccessMapError, ValueError):
    """A value given by the user (hub id, locality name, option) is not known or not allowed."""


class HubError(AccessMapError, ValueError):
    """A hub cannot be placed on the friction grid (off the grid, or far from any passable cell)."""


class StoreError(AccessMapError, RuntimeError):
    """The project store cannot be opened or written (not ours, newer schema, corrupt)."""


class ClusterError(AccessMapError, RuntimeError):
    """A dask cluster cannot be started or reached (``python -m geo batch`` and friends)."""
