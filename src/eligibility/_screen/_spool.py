"""Rows read once and replayed from a private temporary file.

A workbook's sheet costs about 55 µs a row to parse (its XML, through openpyxl), and a screening
run passes over the list several times: the whole-sheet checks when the list is opened, the
progress bar's count, the run itself, the applications' warnings. Parsing it once and replaying
the parsed rows from disk keeps every pass but the first cheap, and keeps memory flat: the rows
are never all held at once.
"""

from __future__ import annotations

import os
import pickle
import weakref
from collections.abc import Iterable, Iterator
from typing import Any

from .._orphans import make_held, remove_if_owner

PREFIX = "eligibility-list-"
"""Temporary spool files are named ``eligibility-list-<pid>-*.rows``."""


class RowSpool:
    """A temporary file of rows: ``record`` writes them as they pass, ``replay`` reads them back.

    The file is removed when the spool is garbage-collected or the process exits. Until
    ``record`` has run to its end, ``complete`` is False and the spool must not be replayed.
    """

    def __init__(self) -> None:
        self.path, lock = make_held(PREFIX, suffix=".rows")  # after removing the spools of killed runs
        self.complete = False
        self._remove = weakref.finalize(self, remove_if_owner, self.path, os.getpid(), lock)

    def record(self, rows: Iterable[Any]) -> Iterator[Any]:
        """Yield ``rows`` unchanged, writing each to the spool; the spool is complete once they end."""
        with self.path.open("wb") as handle:
            pickler = pickle.Pickler(handle, protocol=pickle.HIGHEST_PROTOCOL)
            for row in rows:
                pickler.dump(row)
                pickler.clear_memo()  # each row stands alone: memory stays flat
                yield row
        self.complete = True

    def replay(self) -> Iterator[Any]:
        """The recorded rows, in order."""
        if not self.complete:
            raise RuntimeError("the spool was not recorded to its end")
        with self.path.open("rb") as handle:
            unpickler = pickle.Unpickler(handle)
            while True:
                try:
                    yield unpickler.load()
                except EOFError:
                    return

    def close(self) -> None:
        """Remove the file now."""
        self._remove()

