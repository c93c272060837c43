"""Report language: message catalogs, column labels and locale-aware number formats.

A low-level module (it imports nothing of kamresearch but :mod:`kamresearch.errors`),
so readings, plots and reports can all use it.

Usage
-----
Mark every client-visible string and look it up at the moment it is shown::

    from kamresearch.i18n import _, ngettext, label, definition, format_money, use_language

    title = _("Lost key accounts")                     # msgid = the English text
    line = _("{n} of {total} key accounts left").format(n=3, total=12)   # format AFTER _()
    head = ngettext("{n} customer", "{n} customers", n).format(n=n)
    label("n_customers")        # 'Customers' / '客户数'   (column identifier -> label)
    definition("hhi")           # one line for a tooltip or the appendix
    format_money(45_600_000)    # '45.6M' / '4,560万'; format_pct, format_date, format_period

    with use_language("zh"):    # the report sets this once (RegionReport(lang=...), run(lang=...))
        ...

* The current language is a context variable (:func:`get_language`, default ``en``).
  Format a string *after* looking it up (``_("... {n} ...").format(n=n)``), never
  ``_(f"...")``: the msgid must be a literal so extraction finds it.
* A constant defined at import time is marked with ``N_("...")`` (no lookup) and
  translated where it is shown (``_(CONST)``).
* Translations: ``kamresearch/i18n/locale/<lang>/LC_MESSAGES/*.po`` (gettext PO,
  read with Babel at first use; no compile step). All ``.po`` files of a language
  are merged: each area may keep its own (``story.po``, ``evidence.po``) so parallel
  edits do not collide. English needs no catalog (the msgids are English).
* Column labels: add ``"identifier": (N_("Label"), N_("one-line definition"))`` to
  :data:`LABELS` (``labels.py``), and the two texts to a ``zh`` catalog.
* ``tests/test_i18n.py`` extracts every ``_``/``gettext``/``ngettext``/``pgettext``/``N_``
  msgid from the package (Babel's extractor) and fails when one has no ``zh``
  translation -- run it after adding strings.
* Matplotlib tick formatters must capture the language when they are created
  (``plotting.money_formatter`` does), because figures are drawn later.
"""

from .catalogs import (
    N_,
    _,
    catalog_files,
    catalog_problems,
    gettext,
    ngettext,
    npgettext,
    pgettext,
    translations,
)
from .formats import (
    format_date,
    format_money,
    format_number,
    format_pct,
    format_period,
    money_units,
)
from .labels import (
    LABELS,
    VALUES,
    definition,
    label,
    label_columns,
    register_labels,
    unlabelled,
    value_label,
)
from .language import (
    DEFAULT_LANGUAGE,
    LOCALE_DIR,
    available_languages,
    check_language,
    get_language,
    set_language,
    use_language,
)

__all__ = [
    "N_",
    "_",
    "gettext",
    "ngettext",
    "pgettext",
    "npgettext",
    "translations",
    "catalog_files",
    "catalog_problems",
    "format_number",
    "format_money",
    "format_pct",
    "format_date",
    "format_period",
    "money_units",
    "LABELS",
    "VALUES",
    "value_label",
    "label",
    "definition",
    "label_columns",
    "register_labels",
    "unlabelled",
    "DEFAULT_LANGUAGE",
    "LOCALE_DIR",
    "available_languages",
    "check_language",
    "get_language",
    "set_language",
    "use_language",
]
