"""The kamresearch exception and warning family.

Every error a user can cause with their data is a :class:`DataError` (a
``ValueError``) whose message names the file, the column, example rows and
the fix. Non-fatal oddities are :class:`DataWarning` and are also counted in
the quality summary of :func:`kamresearch.read_transactions`.
"""

from __future__ import annotations

__all__ = ["KamError", "DataError", "ConfigError", "DataWarning", "InsufficientDataWarning"]


class KamError(Exception):
    """Base class of every kamresearch exception."""


class DataError(KamError, ValueError):
    """The input data cannot be used as it is.

    Parameters
    ----------
    message : str
        What is wrong, in plain words.
    source : str, optional
        The file (or ``"<DataFrame>"``) the data came from.
    column : str, optional
        The column concerned.
    rows : list of (int, object), optional
        Example offending rows as ``(row_number, value)``; row numbers are
        1-based data rows as a spreadsheet user counts them (header = row 1).
    fix : str, optional
        What the user should do about it.
    """

    def __init__(self, message, *, source=None, column=None, rows=None, fix=None):
        self.source = source
        self.column = column
        self.rows = list(rows or [])
        self.fix = fix
        self.reason = message
        super().__init__(self._format())

    def _format(self) -> str:
        parts = []
        if self.source:
            parts.append(f"{self.source}: ")
        parts.append(self.reason)
        if self.column is not None:
            parts.append(f"\n  column: {self.column!r}")
        if self.rows:
            shown = ", ".join(f"row {r}: {v!r}" for r, v in self.rows[:5])
            more = f" (and {len(self.rows) - 5} more)" if len(self.rows) > 5 else ""
            parts.append(f"\n  examples: {shown}{more}")
        if self.fix:
            parts.append(f"\n  fix: {self.fix}")
        return "".join(parts)


class ConfigError(KamError, ValueError):
    """Invalid arguments or configuration (CLI options, TOML config, parameters)."""


class DataWarning(UserWarning):
    """A non-fatal oddity in the input data (counted in the quality summary)."""


class InsufficientDataWarning(UserWarning):
    """A group or section has too little data for a reliable estimate."""
