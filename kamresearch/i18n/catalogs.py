"""Message lookup from the gettext catalogs of :data:`~kamresearch.i18n.LOCALE_DIR`.

The catalogs are gettext ``.po`` files, read with Babel at first use and
compiled in memory into :class:`gettext.GNUTranslations` (plural forms and
contexts as GNU gettext defines them). Reading the ``.po`` text directly means
no compile step on a fresh machine, no ``.mo`` binary in git that can drift
from its source, and a translator edits one file; reading the few hundred
messages costs a few milliseconds once per process.

All ``.po`` files of a language are merged, so each area of the package can
keep its own file (``kamresearch.po``, ``story.po``, ``evidence.po`` ...) and
parallel edits do not collide. The same msgid translated differently in two
files is an error (:func:`catalog_problems` lists it; a test keeps it empty).
"""

from __future__ import annotations

import functools
import gettext as _gettext
import io
from pathlib import Path

from .language import DEFAULT_LANGUAGE, LOCALE_DIR, get_language

__all__ = ["N_", "_", "gettext", "ngettext", "pgettext", "npgettext", "translations",
           "catalog_problems", "catalog_files"]  # fmt: skip


def N_(message: str) -> str:
    """Mark ``message`` for translation without translating it (for constants; translate at use)."""
    return message


def catalog_files(lang: str) -> list[Path]:
    """The ``.po`` files of ``lang``, sorted by name."""
    return sorted((LOCALE_DIR / lang / "LC_MESSAGES").glob("*.po"))


def _read(lang: str):
    """Merge the ``.po`` files of ``lang`` into one Babel catalog; return it and the conflicts."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po

    merged = Catalog(locale=lang, domain="kamresearch")
    seen: dict[tuple, tuple[str, object]] = {}
    problems: list[str] = []
    for path in catalog_files(lang):
        with path.open("rb") as fh:
            cat = read_po(fh, locale=lang)
        for msg in cat:
            if not msg.id:
                continue
            key = (msg.context, msg.id)
            if key in seen and seen[key][1] != msg.string:
                problems.append(
                    f"{msg.id!r} translated differently in {seen[key][0]} and {path.name}"
                )
                continue
            seen[key] = (path.name, msg.string)
            merged.add(msg.id, msg.string, context=msg.context, flags=msg.flags)
    return merged, problems


@functools.cache
def _load(lang: str) -> tuple[_gettext.NullTranslations, tuple[str, ...]]:
    if lang == DEFAULT_LANGUAGE:
        return _gettext.NullTranslations(), ()
    from babel.messages.mofile import write_mo

    merged, problems = _read(lang)
    buf = io.BytesIO()
    write_mo(buf, merged)  # fuzzy entries are left out, as msgfmt does
    buf.seek(0)
    return _gettext.GNUTranslations(buf), tuple(problems)


def translations(lang: str | None = None) -> _gettext.NullTranslations:
    """The compiled translations of ``lang`` (default: the current language)."""
    return _load(lang or get_language())[0]


def catalog_problems(lang: str) -> list[str]:
    """Msgids translated differently in two ``.po`` files of ``lang`` (should be empty)."""
    return list(_load(lang)[1])


def gettext(message: str) -> str:
    """``message`` in the current language (itself when there is no translation).

    >>> from kamresearch.i18n import use_language
    >>> with use_language("zh"):
    ...     gettext("Customers")
    '客户数'
    """
    return translations().gettext(message)


_ = gettext


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form of a message for ``n``, in the current language."""
    return translations().ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """``message`` in the current language, disambiguated by ``context`` (``msgctxt``)."""
    return translations().pgettext(context, message)


def npgettext(context: str, singular: str, plural: str, n: int) -> str:
    """:func:`ngettext` with a ``msgctxt``."""
    return translations().npgettext(context, singular, plural, n)
