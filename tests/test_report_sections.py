"""The region report's sections: rendered from library calls, notes instead of failures."""

from __future__ import annotations

import json
import warnings
from html.parser import HTMLParser

import pandas as pd
import pytest

from kamresearch.errors import DataError
from kamresearch.plotting import format_money
from kamresearch.reports import sections as rs
from kamresearch.reports import sections_story as ss
from kamresearch.reports.tables import RegionData


@pytest.fixture
def shown(monkeypatch):
    """Capture what the sections display instead of sending it to a notebook."""
    out = []
    monkeypatch.setattr(rs, "_display", out.append)
    monkeypatch.setattr(ss, "_display", out.append)
    return out


SECTIONS = ("overview", "executive_summary", "scorecard", "lost_key_accounts", "concentration", "largest_customers", "pyramid",
            "key_accounts", "churn_convention", "survival_by_tier", "hazard_ratios",
            "at_risk_list", "cohort_retention", "revenue_dynamics", "key_account_pool",
            "data_quality")  # fmt: skip


def test_format_table_rules():
    table = pd.DataFrame({
        "top10_share": [0.6234], "revenue": [1_234_567.0], "duration_days": [365.4],
        "p": [0.0004], "hhi": [1234.5], "when": [pd.Timestamp("2024-03-05")], "gini": [0.8123],
        "n_customers": [1200], "ok": [True], "nrr": [float("nan")],
    })  # fmt: skip
    got = rs.format_table(table).iloc[0].to_dict()
    assert got == {"top10_share": "62.3%", "revenue": "1.2M", "duration_days": "365",
                   "p": "<0.001", "hhi": "1,234", "when": "2024-03-05", "gini": "0.81",
                   "n_customers": "1,200", "ok": "yes", "nrr": "–"}  # fmt: skip


def test_choose_freq_by_time_span():
    def tx(days):
        return pd.DataFrame({"date": pd.Timestamp("2020-01-01") + pd.to_timedelta([0, days], "D")})

    # 3+ years: yearly bridge, quarterly cohorts; 1-3 years: quarterly; < 1 year: monthly
    assert (
        rs.choose_freq(tx(4 * 365)) == "Y" and rs.choose_freq(tx(4 * 365), purpose="cohort") == "Q"
    )
    assert rs.choose_freq(tx(400)) == "Q" and rs.choose_freq(tx(400), purpose="cohort") == "M"
    assert rs.choose_freq(tx(200)) == "M"


def test_choose_freq_counts_both_end_days_in_calendar_years():
    def freq(first, last, **kw):
        return rs.choose_freq(pd.DataFrame({"date": pd.to_datetime([first, last])}), **kw)

    # 2021-01-01 .. 2023-12-31 is three full calendar years (1,095 days, both ends included)
    assert freq("2021-01-01", "2023-12-31") == "Y"
    # one day short of three years: quarterly
    assert freq("2021-01-02", "2023-12-31") == "Q"
    # 2024 (leap, 366 days) and 2023 (365 days) are each one full year: quarterly, not monthly
    assert freq("2024-01-01", "2024-12-31") == "Q"
    assert freq("2023-01-01", "2023-12-31") == "Q"
    assert freq("2024-01-02", "2024-12-31") == "M"
    # as_of extends the span: data in 2021 only, reported as of the end of 2023
    assert freq("2021-01-01", "2021-06-30", as_of="2023-12-31") == "Y"
    # cohorts: quarterly only for MORE than two years; exactly two (2022-2023) stays monthly
    assert freq("2022-01-01", "2023-12-31", purpose="cohort") == "M"
    assert freq("2022-01-01", "2024-01-01", purpose="cohort") == "Q"
    assert rs.choose_freq(pd.DataFrame({"date": pd.to_datetime([])})) == "M"


def test_trend_window_ends_at_as_of():
    # a region whose last sale (2023-06-01) is before as_of (2023-12-31): the year 2023 is
    # full in the report's window, as the cohort tables say, not partial at the last sale
    tx = pd.DataFrame({"customer_id": ["a", "b", "a", "b", "a", "b"],
                       "date": pd.to_datetime(["2021-01-01", "2021-06-01", "2022-03-01",
                                               "2022-09-01", "2023-02-01", "2023-06-01"]),
                       "amount": [100.0, 50.0, 120.0, 40.0, 90.0, 60.0],
                       "region": "R"})  # fmt: skip
    rep = rs.RegionReport(RegionData(tx, "R", pd.Timestamp("2023-12-31")))
    assert rep.bridge_freq == "Y"  # 2021-01-01 .. 2023-12-31: three years
    assert [str(p) for p in rep.trend.index] == ["2021", "2022", "2023"]
    assert not rep.trend["partial"].any()
    assert not rep.retention["partial"].any()


def test_format_table_hhi_agrees_with_its_band():
    # 1,800.4 is above 1,800 (highly concentrated): "1,800" would contradict the band column
    got = rs.format_table(pd.DataFrame({"hhi": [1800.4, 999.6, 1234.4]}))["hhi"].tolist()
    assert got == ["1,800.4", "999.6", "1,234"]


def test_captions_state_bases_and_small_thresholds(shown, sample_tx):
    data = RegionData(sample_tx[sample_tx["region"] == "West"].reset_index(drop=True), "West",
                      sample_tx["date"].max())  # fmt: skip
    rep = rs.RegionReport(data, key_share=0.005)
    rep.pyramid()
    html = "".join(o.data for o in shown if type(o).__name__ == "HTML")
    # key accounts = top 0.5%, which format_pct(0.005) used to show as "0%"
    assert "Customer pyramid: key = top 0.5%, major = rest of the top 20% of the company" in html
    shown.clear()
    rep.revenue_dynamics()
    html = "".join(o.data for o in shown if type(o).__name__ == "HTML")
    # GRR/NRR base: accounts with positive net revenue in the previous period (cohorts docs)
    assert ("Gross and net revenue retention of the accounts with positive net revenue in the "
            "previous period") in html  # fmt: skip


def test_every_section_renders_on_a_sample_region(shown, sample_tx):
    data = RegionData(sample_tx[sample_tx["region"] == "West"].reset_index(drop=True), "West",
                      sample_tx["date"].max())  # fmt: skip
    rep = rs.RegionReport(data)
    for name in SECTIONS:
        before = len(shown)
        getattr(rep, name)()
        assert len(shown) > before, f"{name} showed nothing"
    kinds = {type(o).__name__ for o in shown}
    assert {"Figure", "HTML", "Markdown"} <= kinds
    head = rep.headline()
    assert list(head.columns) == ["label", "value", "display", "reading"]
    # the index figures, then the key accounts per year (company tier standard)
    years = [f for f in head.index if f.startswith("key_accounts_")]
    assert years == [f"key_accounts_{y}" for y in range(2021, 2025)]
    assert set(head.index) - set(years) <= set(rs.INDEX_FIGURES)
    assert {"largest_loss", "failure", "revenue", "top10_share", "nrr", "key_pool"} <= set(
        head.index)  # fmt: skip
    assert head.index[0] == "largest_loss"


def test_a_tiny_region_gets_notes_not_errors(shown, sample_tx, tmp_path):
    ids = sample_tx["customer_id"].drop_duplicates().iloc[:6]
    tiny = sample_tx[sample_tx["customer_id"].isin(ids)].reset_index(drop=True)
    rep = rs.RegionReport(RegionData(tiny, "Tiny", sample_tx["date"].max()))
    for name in SECTIONS:
        getattr(rep, name)()
    notes = [o.data for o in shown if type(o).__name__ == "Markdown" and "Note" in o.data]
    assert any("Insufficient data for survival by tier" in n for n in notes)
    assert any("Insufficient data for cox hazard ratios" in n for n in notes)
    assert rep.notes, "the appendix lists the sections left out"
    written = rep.save(tmp_path, "Tiny")
    doc = json.loads(written["headline"].read_text(encoding="utf-8"))
    figures = [f["figure"] for f in doc["figures"]]
    assert doc["region"] == "Tiny" and "revenue" in figures
    assert figures[0] in ("largest_loss", "failure", "revenue")  # the story leads when known
    assert written["xlsx"].exists()


def test_no_positive_revenue_is_a_note(shown):
    tx = pd.DataFrame({"customer_id": ["a", "b"], "date": pd.to_datetime(["2024-01-01"] * 2),
                       "amount": [-5.0, -3.0], "region": ["R", "R"]})  # fmt: skip
    rep = rs.RegionReport(RegionData(tx, "R", pd.Timestamp("2024-01-01")))
    rep.concentration()
    assert "no customer has positive net revenue" in shown[-1].data
    assert rep.save(None, None) == {}


# --------------------------------------------------------------------------- issue 11


class _Page(HTMLParser):
    """Text, tags and attributes of rendered outputs."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.attrs, self.text = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend(v or "" for _, v in attrs)

    def handle_data(self, data):
        self.text.append(data)


def _rendered(shown) -> _Page:
    """What a reader gets: Markdown outputs rendered as nbconvert's HTML export does."""
    from nbconvert.filters.markdown import markdown2html

    page = _Page()
    for o in shown:
        kind = type(o).__name__
        if kind == "Markdown":
            page.feed(markdown2html(o.data))
        elif kind == "HTML":
            page.feed(o.data)
    page.close()
    return page


def _region(sample_tx, region="West"):
    return sample_tx[sample_tx["region"] == region].reset_index(drop=True)


def _returns_only(sample_tx):
    """West's lines with every amount made negative: a region of returns only."""
    tx = _region(sample_tx)
    return tx.assign(amount=-tx["amount"].abs())


def test_a_region_of_returns_only_gets_a_sentence_in_every_section(shown, sample_tx, tmp_path):
    # defect 8: the layer cake's stackplot raised IndexError on a region with no purchase
    rep = rs.RegionReport(RegionData(_returns_only(sample_tx), "R", sample_tx["date"].max()))
    for name in SECTIONS:
        before = len(shown)
        getattr(rep, name)()  # never raises
        assert len(shown) > before, f"{name} showed nothing"
    notes = " ".join(" ".join(_rendered(shown).text).split())
    for section in ("concentration", "largest customers", "customer pyramid",
                    "concentration trend", "key-account profile", "cohort retention",
                    "revenue retention", "revenue bridge", "key-account pool"):  # fmt: skip
        assert (f"Insufficient data for {section} in this report: no customer has positive "
                "net revenue") in notes, section  # fmt: skip
    assert not any(type(o).__name__ == "Figure" for o in shown)  # no empty or negative chart
    # the headline says why there is no concentration or retention figure
    head = rep.headline()
    assert head.loc["customers", "reading"].startswith("No customer has positive net revenue")
    assert "nrr" not in head.index
    written = rep.save(tmp_path, "R")
    assert written["headline"].exists() and written["xlsx"].exists()


def test_a_single_customer_region_renders_with_notes(shown, sample_tx):
    tx = _region(sample_tx)
    one = tx[tx["customer_id"] == tx["customer_id"].iloc[0]].reset_index(drop=True)
    rep = rs.RegionReport(RegionData(one, "R", sample_tx["date"].max()))
    for name in SECTIONS:
        before = len(shown)
        getattr(rep, name)()
        assert len(shown) > before, f"{name} showed nothing"
    assert rep.headline().loc["customers", "value"] == 1
    assert "Insufficient data for cohort retention" in "".join(_rendered(shown).text)


def _plot_calls(tx, as_of):
    from kamresearch import churn, cohorts, pareto

    def lifetimes():
        return churn.customer_lifetimes(tx, as_of=as_of, inactivity_days=180)

    return {
        "pareto": lambda: pareto.plot_pareto(tx),
        "lorenz": lambda: pareto.plot_lorenz(tx),
        "trend": lambda: pareto.plot_concentration_trend(
            pareto.concentration_trend(tx, freq="Q", end=as_of)),
        "survival": lambda: churn.plot_survival(churn.survival_curves(lifetimes(), by="tier")),
        "hazard": lambda: churn.plot_hazard_ratios(
            churn.hazard_ratio_table(lifetimes(), covariates=["tier"])),
        "heatmap": lambda: cohorts.plot_retention_heatmap(
            cohorts.retention_matrix(tx, freq="Q", as_of=as_of)),
        "bridge": lambda: cohorts.plot_revenue_bridge(
            cohorts.revenue_bridge(tx, freq="Q", as_of=as_of)),
        "cake": lambda: cohorts.plot_layer_cake(tx, freq="Q", as_of=as_of),
        "flow": lambda: cohorts.plot_key_account_flow(
            cohorts.key_account_flow(tx, freq="Q", as_of=as_of)),
    }  # fmt: skip


@pytest.mark.parametrize("case", ["returns only", "zero amounts", "no line", "one customer"])
def test_every_report_plot_draws_or_says_why_not(case, sample_tx):
    """Each plot the report uses returns its Axes or raises a DataError with a sentence."""
    import matplotlib.pyplot as plt
    from matplotlib.axes import Axes

    tx = _region(sample_tx)
    tx = {"returns only": _returns_only(sample_tx), "zero amounts": tx.assign(amount=0.0),
          "no line": tx.iloc[:0],
          "one customer": tx[tx["customer_id"] == tx["customer_id"].iloc[0]]}[case]  # fmt: skip
    for name, call in _plot_calls(tx.reset_index(drop=True), sample_tx["date"].max()).items():
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ax = call()
        except DataError as exc:  # anything else (IndexError, KeyError) fails the test
            assert len(exc.reason.split()) >= 4, (name, exc)  # a sentence, not a code
        else:
            assert isinstance(ax, Axes), name
        plt.close("all")


HOSTILE = ["<script>alert(1)</script>", "[x](javascript:alert(1))",
           "<img src=x onerror=alert(1)>", "**bold** & `code`\n# heading"]  # fmt: skip


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_values_from_the_data_are_escaped_in_every_section(shown, sample_tx, lang):
    # defect 10: a region named <script>alert(1)</script> reached the HTML as a tag
    # through the Markdown of the overview; names also reach notes, tables and captions
    from kamresearch.i18n import use_language

    tx = _region(sample_tx).copy()
    ids = tx["customer_id"].drop_duplicates().tolist()
    hostile_ids = {c: f"{HOSTILE[i % len(HOSTILE)]} {c}" for i, c in enumerate(ids[:40])}
    tx["customer_id"] = tx["customer_id"].map(lambda c: hostile_ids.get(c, c))
    name = HOSTILE[0] + HOSTILE[1]
    tx["region"] = name
    other = _region(sample_tx, "East").assign(region=HOSTILE[2])  # a second level for Cox
    tx = pd.concat([tx, other], ignore_index=True)
    with use_language(lang):
        rep = rs.RegionReport(RegionData(tx, name, sample_tx["date"].max()))
        for section in SECTIONS:
            getattr(rep, section)()
        rep.notes.append(f"{HOSTILE[2]}: {HOSTILE[0]}")  # a note quoting the data
        rep.data_quality()
    shown.append(rs.show_note(" ".join(HOSTILE)))
    page = _rendered(shown)
    assert not {"script", "img", "a"} & set(page.tags), set(page.tags)
    assert not any("javascript" in v or "alert" in v for v in page.attrs)
    text = "".join(page.text)
    assert name in text  # shown as written, in the overview
    assert any(v in text for v in hostile_ids.values())  # customer ids in the tables
    assert "**bold** & `code` # heading" in text  # Markdown shown as text, not markup


def test_headline_and_opening_line_count_the_same_customers(shown, sample_tx):
    # defect 7: the headline said "Customers 25" (positive net revenue only) while the
    # opening line said "26 customers" (every customer with a line); one definition now:
    # every customer with a line up to as_of; the reading says how many have revenue
    tx = _region(sample_tx)
    refund = tx["customer_id"].iloc[0]
    tx.loc[tx["customer_id"] == refund, "amount"] = -tx["amount"].abs()  # net negative
    rep = rs.RegionReport(RegionData(tx, "R", sample_tx["date"].max()))
    n_all = tx["customer_id"].nunique()  # independent: distinct ids of the region's lines
    rep.overview()
    head = rep.headline()
    assert head.loc["customers", "value"] == n_all
    assert head.loc["customers", "display"] == f"{n_all:,}"
    assert f"{n_all - 1:,} of them with positive net revenue" in head.loc["customers", "reading"]
    assert f"{n_all:,} customers." in "".join(_rendered(shown).text)


def test_names_from_the_data_are_drawn_as_written_not_as_tex(sample_tx):
    # a region named like TeX math broke the company report's Cox chart (matplotlib's
    # ParseFatalException at drawing) and "$1M – $2M" lost its dollar signs
    import io

    from kamresearch import churn

    tx = sample_tx.copy()
    tx["region"] = tx["region"].replace({"West": r"$\undefined$", "East": "a $1M – $2M b"})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lt = churn.customer_lifetimes(tx, as_of=tx["date"].max())
        ax = churn.plot_hazard_ratios(churn.hazard_ratio_table(lt, covariates=["region"]))
        ax.figure.savefig(io.BytesIO(), format="png")  # draws: no ParseFatalException
    labels = {t.get_text() for t in ax.get_yticklabels()}
    assert any(r"$\undefined$" in t for t in labels) and any("$1M – $2M" in t for t in labels)


def test_a_region_without_lines_gets_a_sentence_in_every_section(shown, sample_tx, tmp_path):
    rep = rs.RegionReport(RegionData(sample_tx.iloc[:0], "R", sample_tx["date"].max()))
    for name in SECTIONS:
        before = len(shown)
        getattr(rep, name)()  # never raises
        assert len(shown) > before, f"{name} showed nothing"
    text = " ".join("".join(_rendered(shown).text).split())
    assert "No transactions for region R up to" in text
    assert "Insufficient data for revenue bridge in this report: no transaction up to" in text
    assert rep.headline().empty and rep.save(tmp_path, "R")["headline"].exists()


def test_long_account_lists_show_the_top_and_summarise_the_rest(shown, sample_tx):
    """A client reads the largest accounts; the rest is one line pointing at the workbook."""
    data = RegionData(sample_tx, None, sample_tx["date"].max())
    rep = rs.RegionReport(data)
    cards = rep.cards  # 30 key accounts on the sample, largest first
    rep.account_cards(charts=8, top=10)
    fig = next(o for o in shown if type(o).__name__ == "Figure")
    assert sum(ax.axison for ax in fig.axes) == 8
    texts = [o.data for o in shown if type(o).__name__ in ("HTML", "Markdown")]
    assert any("The 8 largest of the 30 key accounts are charted" in t for t in texts)
    table = next(t for t in texts if "<table" in t)
    assert table.count("<tr") == 1 + 10  # header + the 10 largest
    assert "Account cards: the 10 largest key accounts" in table
    rest = cards.iloc[10:]
    assert all(cid in table for cid in cards["customer_id"].head(10))
    assert not any(cid in table for cid in rest["customer_id"])
    total = format_money(float(rest["revenue_12m"].sum()), rep.currency)
    assert any(
        f"… and 20 more accounts (Revenue, last 12 months: {total} together)" in t
        and "“Account cards”" in t
        for t in texts
    )
    # the default shows every card of the sample: no line about the rest
    shown.clear()
    rep.account_cards()
    assert not any("more accounts" in getattr(o, "data", "") for o in shown)
    # the scorecard's named accounts likewise
    shown.clear()
    rep.scorecard(top=2)
    period = rep._last_full_period()
    moves = rep.scorecard_moves[rep.scorecard_moves["period"] == period]
    grown = moves[moves["movement"].isin(("grown", "shrunk"))]
    assert len(grown) > 2
    texts = [o.data for o in shown if type(o).__name__ in ("HTML", "Markdown")]
    table = next(t for t in texts if "largest revenue change first" in t)
    assert table.count("<tr") == 1 + 2
    assert any(
        f"… and {len(grown) - 2} more accounts" in t and "“Scorecard accounts”" in t for t in texts
    )
