"""The report's current language: a context variable, default ``en``.

The language is *state of a report run*, not an argument threaded through
every plot and reading: the report sets it once (``with use_language("zh"):``)
and every lookup (:func:`kamresearch.i18n.gettext`, :func:`~kamresearch.i18n.label`)
and formatter (:func:`~kamresearch.i18n.format_money` ...) beneath reads it.
A :class:`contextvars.ContextVar` keeps concurrent runs (threads, asyncio
tasks) apart.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from pathlib import Path

from ..errors import ConfigError

__all__ = [
    "DEFAULT_LANGUAGE",
    "LOCALE_DIR",
    "available_languages",
    "check_language",
    "get_language",
    "set_language",
    "use_language",
]

#: The language of the source strings (msgids) and of a report run by default.
DEFAULT_LANGUAGE = "en"
#: ``<LOCALE_DIR>/<lang>/LC_MESSAGES/*.po``: the message catalogs, one folder per language.
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

_LANGUAGE: contextvars.ContextVar[str] = contextvars.ContextVar(
    "kamresearch_language", default=DEFAULT_LANGUAGE
)


def available_languages() -> list[str]:
    """The languages a report can be written in: ``en`` plus one per catalog folder.

    >>> available_languages()[:2]
    ['en', 'zh']
    """
    found = sorted(
        p.name for p in LOCALE_DIR.iterdir() if p.is_dir() and any(p.glob("LC_MESSAGES/*.po"))
    )
    return [DEFAULT_LANGUAGE, *[x for x in found if x != DEFAULT_LANGUAGE]]


def check_language(lang: str) -> str:
    """Return ``lang`` normalised (``"ZH"``, ``"zh_CN"``, ``"zh-Hans"`` -> ``"zh"``), or raise.

    Raises
    ------
    kamresearch.ConfigError
        When no catalog exists for the language.

    >>> check_language("zh-CN"), check_language("EN")
    ('zh', 'en')
    """
    if not isinstance(lang, str) or not lang.strip():
        raise ConfigError(f"lang must be a language code such as 'en' or 'zh', not {lang!r}")
    code = lang.strip().replace("-", "_").split("_")[0].lower()
    langs = available_languages()
    if code not in langs:
        raise ConfigError(
            f"no report language {lang!r}: choose one of {', '.join(langs)} "
            f"(a new language is a catalog in {LOCALE_DIR}/<code>/LC_MESSAGES/)"
        )
    return code


def get_language() -> str:
    """The current report language (``"en"`` unless a report set another)."""
    return _LANGUAGE.get()


def set_language(lang: str) -> contextvars.Token:
    """Set the current language; returns a token for ``_LANGUAGE.reset`` (prefer :func:`use_language`)."""
    return _LANGUAGE.set(check_language(lang))


@contextlib.contextmanager
def use_language(lang: str | None) -> Iterator[str]:
    """Run a block in ``lang`` (``None`` keeps the current one); restores the previous language.

    >>> with use_language("zh"):
    ...     get_language()
    'zh'
    >>> get_language()
    'en'
    """
    if lang is None:
        yield get_language()
        return
    token = set_language(lang)
    try:
        yield _LANGUAGE.get()
    finally:
        _LANGUAGE.reset(token)
