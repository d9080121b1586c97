"""User-facing errors: one clear line, no traceback."""

from __future__ import annotations


class SeqaugError(Exception):
    """An error caused by the user's input (data, config, run folder).

    The CLI prints ``str(err)`` as one line and exits with code 2.
    """


class DataError(SeqaugError):
    """Malformed or unusable data; the message names the file and line."""

    def __init__(self, path: str | None, line: int | None, message: str) -> None:
        where = path
        if where is not None and line is not None:
            where = f"{where}:{line}"
        super().__init__(f"{where}: {message}" if where else message)
        self.path, self.line = path, line


class ConfigError(SeqaugError):
    """Invalid configuration; the message names the key and valid choices."""
