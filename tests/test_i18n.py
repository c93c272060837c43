"""The language mechanism: catalogs complete, labels, locale formats, the language context."""

from __future__ import annotations

import datetime
import re
import threading

import pandas as pd
import pytest

from conftest import ROOT
from kamresearch import ConfigError, i18n

#: The keywords the package marks messages with (Babel's extractor spec: argument positions).
KEYWORDS = {"_": None, "gettext": None, "N_": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2),
            "npgettext": ((1, "c"), 2, 3)}  # fmt: skip


def _extracted() -> dict[tuple, list[str]]:
    """Every marked msgid in the package's Python code (Babel's extractor), with its places."""
    from babel.messages.extract import extract_from_dir

    found: dict[tuple, list[str]] = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(ROOT / "kamresearch"), method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        ids = message if isinstance(message, tuple) else (message,)
        found.setdefault((context, ids[0]), []).append(f"{filename}:{lineno}")
    return found


def test_every_marked_message_has_a_chinese_translation():
    """Extraction (not the code's own lookups) decides what must be translated."""
    from babel.messages.pofile import read_po

    translated = {}
    for path in i18n.catalog_files("zh"):
        with path.open("rb") as fh:
            for msg in read_po(fh, locale="zh"):
                if msg.id and msg.string and not msg.fuzzy:
                    key = msg.id if isinstance(msg.id, str) else msg.id[0]
                    translated[(msg.context, key)] = msg.string
    extracted = _extracted()
    assert len(extracted) > 100  # the labels alone are more than that
    missing = {k: v[:2] for k, v in extracted.items() if k not in translated}
    assert not missing, (
        f"{len(missing)} messages without a zh translation: {list(missing.items())[:10]}"
    )
    assert i18n.catalog_problems("zh") == []


def test_catalog_texts_keep_their_placeholders():
    """A translation uses exactly the {placeholders} of its msgid (else .format() breaks)."""
    from babel.messages.pofile import read_po

    bad = []
    for path in i18n.catalog_files("zh"):
        with path.open("rb") as fh:
            for msg in read_po(fh, locale="zh"):
                if not msg.id or not msg.string:
                    continue
                ids = msg.id if isinstance(msg.id, tuple) else (msg.id,)
                strs = msg.string if isinstance(msg.string, tuple) else (msg.string,)
                want = set(re.findall(r"\{[^{}]*\}", ids[-1]))
                for s in strs:
                    if set(re.findall(r"\{[^{}]*\}", s)) != want:
                        bad.append((ids[0], s))
    assert not bad, bad[:5]


def test_labels_have_no_underscore_and_definitions_translate():
    for name, (_text, definition) in i18n.LABELS.items():
        for lang in ("en", "zh"):
            lab = i18n.label(name, lang=lang)
            assert "_" not in lab, (name, lang, lab)
            if lang == "zh":
                assert re.search(r"[\u4e00-\u9fff]", lab) or lab in {"HHI", "p值"}, (name, lab)
        assert i18n.definition(name, lang="en") == definition
    assert i18n.label("n_customers", lang="zh") == "客户数"
    assert i18n.label("n_customers") == "Customers"
    assert i18n.definition("hhi", lang="zh").startswith("赫芬达尔")


def test_unknown_identifier_is_humanised_and_recorded():
    assert i18n.label("some_new_column") == "Some new column"
    assert "some_new_column" in i18n.unlabelled()
    assert i18n.label(3) == "3"  # period numbers of a retention matrix stay as they are


def test_label_columns_renames_columns_and_index():
    t = pd.DataFrame({"n_customers": [1], "revenue": [2.0]}, index=pd.Index(["key"], name="tier"))
    with i18n.use_language("zh"):
        out = i18n.label_columns(t)
    assert list(out.columns) == ["客户数", "净收入"] and out.index.name == "客户层级"
    assert list(t.columns) == ["n_customers", "revenue"]  # input unchanged


def test_language_is_a_context_and_unknown_languages_are_config_errors():
    assert i18n.get_language() == "en"
    with i18n.use_language("zh_CN"):
        assert i18n.get_language() == "zh"
        assert i18n._("Net revenue") == "净收入"
        with i18n.use_language(None):
            assert i18n.get_language() == "zh"
    assert i18n.get_language() == "en" and i18n._("Net revenue") == "Net revenue"
    with pytest.raises(ConfigError, match="choose one of en, zh"):
        i18n.check_language("fr")
    with pytest.raises(ConfigError, match="language code"):
        i18n.check_language("")
    # another thread starts from the default, whatever this one set
    seen = []
    with i18n.use_language("zh"):
        t = threading.Thread(target=lambda: seen.append(i18n.get_language()))
        t.start()
        t.join()
    assert seen == ["en"]


@pytest.mark.parametrize(
    ("amount", "en", "zh"),
    [
        # by hand: 123,456,789 = 1.23456789 x 10^8 (亿) -> 3 significant digits 1.23亿; 123.5M
        (123_456_789, "123.5M", "1.23亿"),
        # 45,600,000 = 4,560 x 10^4 (万): four integer digits, no decimals
        (45_600_000, "45.6M", "4,560万"),
        (456_000, "456.0K", "45.6万"),  # 45.6 x 10^4
        (9_876, "9.9K", "9,876"),  # below 10^4: plain yuan in zh
        (99_996_000, "100.0M", "1.00亿"),  # 9,999.6万 rounds to 10,000万 = one 亿
        (-1_234_567_890, "-1.2B", "-12.3亿"),
        (2.5e12, "2.5T", "2.50万亿"),
        (0, "0", "0"),
    ],
)
def test_money_units_by_language(amount, en, zh):
    assert i18n.format_money(amount, lang="en") == en
    assert i18n.format_money(amount, lang="zh") == zh
    sign, figure = ("-", zh[1:]) if zh.startswith("-") else ("", zh)
    with i18n.use_language("zh"):
        assert i18n.format_money(amount, "¥") == f"{sign}¥{figure}"  # symbol after the sign


def test_percent_number_and_date_formats():
    assert i18n.format_pct(0.6234, 1, lang="zh") == "62.3%"
    assert i18n.format_pct(0.0004, lang="zh") == "<0.1%"
    assert i18n.format_number(1234567.891, 2, lang="zh") == "1,234,567.89"
    assert i18n.format_number(-0.004, 2) == "0.00"
    d = datetime.date(2011, 12, 9)
    assert i18n.format_date(d) == "2011-12-09"
    assert i18n.format_date(pd.Timestamp(d), lang="zh") == "2011年12月9日"
    assert i18n.format_date(None) == "–" and i18n.format_date(pd.NaT) == "–"
    assert i18n.format_period(pd.Period("2011", freq="Y"), lang="zh") == "2011年"
    assert i18n.format_period(pd.Period("2011-03", freq="M"), lang="zh") == "2011年3月"
    assert i18n.format_period(pd.Period("2011Q1", freq="Q")) == "2011Q1"


def test_tick_formatter_keeps_the_language_it_was_made_in():
    from kamresearch import plotting

    with i18n.use_language("zh"):
        fmt = plotting.money_formatter("¥")
    assert fmt(45_600_000, 0) == "¥4,560万"  # drawn later, outside the block


def test_workbook_category_values_are_translated_not_identifiers():
    """A client's workbook never shows won_new or a failure code: the story's movements,
    statuses and failures are category values, labelled like tiers."""
    import pandas as pd

    from kamresearch.reports.sections import label_table

    t = pd.DataFrame({"customer_id": ["C1", "C2", "C3"], "movement": ["won_new", "lost", "grown"],
                      "status": ["silent", "lost", "new"], "failure": ["keep", "grow", "none"]})  # fmt: skip
    with i18n.use_language("zh"):
        zh = label_table(t)
    en = label_table(t)
    assert list(en.iloc[:, 1]) == ["won (new customer)", "lost (stopped buying)", "grown"]
    assert list(en.iloc[:, 3]) == ["can't keep", "can't grow", "no failure dominates"]
    for table in (zh, en):
        cells = [str(v) for v in table.to_numpy().ravel()]
        assert not any("_" in v for v in cells), cells
    with i18n.use_language("zh"):
        assert zh.iloc[0, 1] == i18n._("won (new customer)") != "won (new customer)"
