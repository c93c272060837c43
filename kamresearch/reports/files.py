"""Files of a report run: safe names, atomic writes, input hashing and the run lock.

Everything :func:`kamresearch.reports.run` puts in its output folder goes
through here, so that a run killed at any moment leaves only complete files
under their final names (plus temporary files whose names start with ``.`` and
contain ``.tmp-``, which the next run removes).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import secrets
import socket
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

from ..errors import ConfigError

__all__ = [
    "safe_name",
    "safe_names",
    "atomic_path",
    "write_text_atomic",
    "write_json_atomic",
    "sha256_file",
    "clean_temp_files",
    "check_writable",
    "RunLock",
    "LOCK_NAME",
]

logger = logging.getLogger("kamresearch")

LOCK_NAME = ".kamresearch.lock"
TMP_MARK = ".tmp-"
#: Stems a region may not take: the run's own files (``all``: the whole-company report,
#: :data:`kamresearch.schema.COMPANY_STEM`).
_RUN_STEMS = {"index", "manifest", "_data", "all"}
#: Windows device names: a file whose name before the first dot (trailing spaces
#: ignored) is one of these opens the device, whatever its extension ("CON .txt",
#: "nul.tar.gz"); the digits of COM and LPT include 0 and the superscripts ¹ ² ³.
_DEVICES = {"con", "prn", "aux", "nul", "conin$", "conout$", "clock$"}
_DEVICES |= {f"{port}{d}" for port in ("com", "lpt") for d in "0123456789\u00b9\u00b2\u00b3"}
_BAD_CHARS = re.compile(r'[\\/:*?"<>|]')
_MAX_BYTES = 80  # stem budget: leaves room for suffixes such as ".headline.json" and a hash


def _short_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]


def safe_name(region) -> str:
    """A file-name stem for a region name, keeping Unicode letters.

    Parameters
    ----------
    region : str
        Any region name as found in the data.

    Returns
    -------
    str
        A stem safe on Linux, macOS and Windows: NFC-normalised; path separators
        and the characters ``\\ / : * ? " < > |`` become ``_``; control and
        format characters are dropped; runs of whitespace become one space;
        leading dots and spaces and trailing dots and spaces are removed (so
        ``..`` and ``.hidden`` cannot escape or hide); the run's own stems
        (``index``, ``manifest``, ``_data``, and ``All`` of the whole-company
        report), in any case, get a trailing ``_``; a Windows
        device name before the first dot (``CON``, ``PRN``, ``AUX``, ``NUL``,
        ``COM0``-``COM9``, ``COM¹``-``COM³``, ``LPT`` likewise, ``CONIN$``,
        ``CONOUT$``, ``CLOCK$``, any case, trailing spaces ignored) gets ``_``
        after it (``"CON .txt"`` becomes ``"CON_.txt"``); an empty result
        becomes ``unnamed``; names longer than
        80 UTF-8 bytes are cut and end with a hash of the full name.
        ``"华东"`` stays ``"华东"``; ``"../../etc"`` becomes ``"_.._etc"``.

    Notes
    -----
    Different regions can map to the same stem (``"A/B"`` and ``"A_B"``);
    :func:`safe_names` disambiguates a whole set.
    """
    text = unicodedata.normalize("NFC", str(region))
    text = "".join(
        " " if ch.isspace() else ch
        for ch in text
        if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn") or ch.isspace()
    )
    text = _BAD_CHARS.sub("_", text)
    text = re.sub(r" +", " ", text).strip(" ")
    text = text.lstrip(".").rstrip(". ").lstrip(" ")
    if not text:
        text = "unnamed"
    base, dot, rest = text.partition(".")
    if base.rstrip(" ").casefold() in _DEVICES:
        text = f"{base.rstrip(' ')}_{dot}{rest}"  # "CON .txt" -> "CON_.txt"
    elif text.casefold() in _RUN_STEMS:
        text = text + "_"
    if len(text.encode("utf-8")) > _MAX_BYTES:
        cut = text.encode("utf-8")[: _MAX_BYTES - 9].decode("utf-8", "ignore").rstrip(". ")
        text = f"{cut}-{_short_hash(str(region))}"
    return text


def safe_names(regions) -> dict:
    """Unique file-name stems for a set of region names.

    Parameters
    ----------
    regions : iterable of str

    Returns
    -------
    dict
        ``{region: stem}``. Stems are unique even on case-insensitive file
        systems: when several regions share a :func:`safe_name` (compared
        case-insensitively), the one whose name already equals the stem (else
        the alphabetically first) keeps it and the others get ``-<hash of the
        name>`` appended. The result does not depend on the order of ``regions``.
    """
    names = sorted(set(map(str, regions)))
    groups: dict[str, list[str]] = {}
    for name in names:
        groups.setdefault(safe_name(name).casefold(), []).append(name)
    out = {}
    for members in groups.values():
        members = sorted(members, key=lambda n: (safe_name(n) != n, n))
        out[members[0]] = safe_name(members[0])
        for name in members[1:]:
            out[name] = f"{safe_name(name)}-{_short_hash(name)}"
    return out


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path next to ``path``; on success move it onto ``path``.

    The temporary file lives in the same directory (so :func:`os.replace` is
    atomic) and is named ``.<name>.tmp-<pid>-<random>``; on an exception it is
    removed and the previous ``path`` (if any) stays untouched.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}{TMP_MARK}{os.getpid()}-{secrets.token_hex(4)}")
    try:
        yield tmp
        if tmp.exists():
            _fsync(tmp)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_text_atomic(path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; returns ``path``."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def write_json_atomic(path, obj) -> Path:
    """Write ``obj`` as indented UTF-8 JSON to ``path`` atomically; returns ``path``."""
    return write_text_atomic(path, json.dumps(obj, indent=2, ensure_ascii=False, default=str))


def sha256_file(path, *, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file's bytes, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def clean_temp_files(folder) -> int:
    """Remove temporary files left by a killed run in ``folder`` (not recursive).

    Only names starting with ``.`` and containing ``.tmp-`` are touched, plus
    the ``.staging`` folder. Call it only while holding the :class:`RunLock`.
    Returns the number of entries removed.
    """
    import shutil

    folder = Path(folder)
    n = 0
    for sub in (folder, folder / "_data"):
        if not sub.is_dir():
            continue
        for p in sub.iterdir():
            if p.name.startswith(".") and TMP_MARK in p.name:
                with contextlib.suppress(OSError):
                    shutil.rmtree(p) if p.is_dir() else p.unlink()
                    n += 1
    staging = folder / ".staging"
    if staging.exists():
        n += sum(1 for _ in staging.iterdir())
        shutil.rmtree(staging, ignore_errors=True)
    if n:
        logger.info("removed %d temporary file(s) left by an interrupted run in %s", n, folder)
    return n


def check_writable(folder) -> None:
    """Check, before any work, that files can be created in ``folder`` and its ``_data``.

    Raises
    ------
    ConfigError
        When either cannot be created or written (no permission, read-only disk, a
        file in the way), naming the folder and the system's reason.
    """
    folder = Path(folder)
    for sub in (folder, folder / "_data"):
        probe = sub / f".write-probe{TMP_MARK}{os.getpid()}-{secrets.token_hex(4)}"
        try:
            sub.mkdir(parents=True, exist_ok=True)
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise ConfigError(
                f"cannot write to {sub}: {exc.strerror or exc}; make the folder writable or "
                "choose another output folder (--out)"
            ) from None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    except OSError:
        return False
    return True


class RunLock:
    """An exclusive lock on an output folder: ``<folder>/.kamresearch.lock``.

    The lock file is created with ``O_CREAT | O_EXCL`` and holds the pid, host
    and start time of the run as JSON. A lock left by a process that no longer
    exists on this host is stale and is taken over (with a log line); any other
    existing lock raises :class:`~kamresearch.ConfigError`.

    Use as a context manager::

        with RunLock(out):
            ...
    """

    def __init__(self, folder):
        self.folder = Path(folder)
        self.path = self.folder / LOCK_NAME
        self._held = False

    def _info(self) -> dict:
        return {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
        }

    def _try_create(self) -> bool:
        try:
            fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            return False
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(self._info(), fh)
            fh.flush()
            os.fsync(fh.fileno())
        return True

    def _read(self):
        try:
            return self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None

    def _is_stale(self, text: str) -> bool:
        try:
            info = json.loads(text)
            pid, host = int(info["pid"]), str(info["host"])
        except (ValueError, KeyError, TypeError):
            # Unreadable: a writer killed between create and write, unless it is brand new.
            import time

            with contextlib.suppress(FileNotFoundError):
                return time.time() - self.path.stat().st_mtime > 30
            return True
        return host == socket.gethostname() and not _pid_alive(pid)

    def acquire(self) -> RunLock:
        """Take the lock or raise :class:`~kamresearch.ConfigError`."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:  # a file of that name, no permission, read-only disk
            raise ConfigError(f"cannot use {self.folder} as the output folder: {exc}") from None
        for _ in range(5):
            try:
                created = self._try_create()
            except OSError as exc:
                raise ConfigError(
                    f"cannot write to the output folder {self.folder}: {exc}"
                ) from None
            if created:
                self._held = True
                return self
            text = self._read()
            if text is None:  # released meanwhile
                continue
            if not self._is_stale(text):
                raise ConfigError(
                    f"another kamresearch run is writing to {self.folder} (lock {self.path}: "
                    f"{text.strip() or 'being created'}); wait for it to finish, use another "
                    f"--out folder, or delete the lock file if no run is active"
                )
            # Move the stale lock aside atomically; if what we moved is no longer the
            # stale lock we read (another run replaced it meanwhile), put it back.
            aside = self.path.with_name(f".{LOCK_NAME}{TMP_MARK}{os.getpid()}-stale")
            try:
                os.replace(self.path, aside)
            except FileNotFoundError:
                continue
            moved = aside.read_text(encoding="utf-8")
            if moved != text:
                with contextlib.suppress(FileExistsError):
                    os.link(aside, self.path)
                aside.unlink()
                continue
            aside.unlink()
            logger.warning("took over a stale lock %s (%s)", self.path, text.strip())
        raise ConfigError(f"could not take the lock {self.path}; is another run starting?")

    def release(self) -> None:
        """Remove the lock file if this object holds it."""
        if self._held:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
            self._held = False

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()
