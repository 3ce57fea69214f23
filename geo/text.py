"""English text that carries its catalog key: reports of the engine a front end says in its user's language.

The engine's lower layers (``geo.sources``, ``geo.store``) write their reports (a status
of ``geo fetch``, a line of ``incidents check``, the reason a row is rejected) in English
and cannot reach the catalogs (``geo.products.i18n`` sits above them). A :class:`Keyed`
is that English text, so logs, tests and ``str`` users are unchanged, plus the catalog
key and fields of the same message, so ``geo.cli`` (:func:`geo.products.i18n.text_in`) and
the pages write it in French. A field may itself be a :class:`Keyed` (a status that
quotes a reason). :class:`geo.errors.AccessMapError` carries its key the same way
(:meth:`~geo.errors.AccessMapError.keyed`); :func:`of_error` puts one into a report.
"""

from __future__ import annotations

from typing import Self


class Keyed(str):
    """A ``str`` (the English text) with the catalog ``key`` and ``fields`` of the same message.

    ``Keyed("missing", "data.state.missing")``; ``Keyed(f"failed: {exc}", "fetch.failed",
    reason=of_error(exc))``. Operations on it (``+``, slicing, ``format``) give plain ``str``.
    """

    key: str
    fields: dict[str, object]

    def __new__(cls, text: str, key: str, /, **fields: object) -> Self:  # noqa: D102
        obj = super().__new__(cls, text)
        obj.key = key
        obj.fields = dict(fields)
        return obj

    def __reduce__(self):  # noqa: ANN204  (pickling keeps the key: dask workers, caches)
        return (_rebuild, (str(self), self.key, self.fields))


def _rebuild(text: str, key: str, fields: dict[str, object]) -> Keyed:
    return Keyed(text, key, **fields)


#: Key of a :class:`Keyed` that stands for an error: the front end writes ``fields["error"]``
#: as it writes any engine error (its key, its file, row and field; English when unkeyed).
ERROR_KEY = "@error"


def of_error(exc: BaseException) -> Keyed:
    """Return the English message of ``exc`` as a :class:`Keyed` the front end writes as an error."""
    return Keyed(str(exc), ERROR_KEY, error=exc)


#: Key of a :class:`Keyed` that lists texts: the front end writes each item, joined by ``fields["sep"]``.
JOIN_KEY = "@join"


def joined(items: list[str], sep: str = ", ") -> Keyed:
    """Return ``items`` joined by ``sep`` as a :class:`Keyed` whose items the front end writes one by one."""
    return Keyed(sep.join(items), JOIN_KEY, items=list(items), sep=sep)
