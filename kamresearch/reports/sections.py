"""The content of a region report: one method per section, one call per template cell.

:class:`RegionReport` computes each analysis once (lazily) for one region and
renders the report's sections -- figures, formatted tables, plain-language
readings, and a clear note instead of an error when a region is too small for
a section. ``notebooks/region_report.ipynb`` holds only calls to it, so the
report's logic is tested here like the rest of the package.

Rendering rules: tables become plain HTML (deterministic, so nbval can compare
them), shares are shown as 62%, money as 1.2M; warnings raised inside a section
are captured (too-little-data warnings become notes, others go to the
``kamresearch`` logger) so the client-ready HTML shows no warning text.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import logging
import warnings
from functools import cached_property

import pandas as pd

from .. import churn, cohorts, keyaccounts, narrative, pareto
from ..engine import date_bounds, n_customers, up_to
from ..engine import n_lines as count_lines
from ..errors import ConfigError, DataError, InsufficientDataWarning, KamError
from ..i18n import (
    N_,
    _,
    check_language,
    format_date,
    format_number,
    ngettext,
    use_language,
)
from ..keyaccounts.orders import check_edges
from ..plotting import apply_style, format_pct
from ..schema import COMPANY
from .display import (  # noqa: F401  (re-exported: kamresearch.reports.sections.format_table ...)
    _fmt_value,
    _warning_text,
    escape_markdown,
    format_table,
    label_table,
    label_tables,
    show_note,
    show_table,
    table_html,
)
from .sections_evidence import EvidenceSections  # evidence sections, at-risk list
from .sections_review import ReviewSections  # "Since the last review"
from .sections_story import StorySections

__all__ = [
    "RegionReport",
    "INDEX_FIGURES",
    "format_table",
    "show_table",
    "show_note",
    "escape_markdown",
    "choose_freq",
]

log = logging.getLogger("kamresearch")

#: How churn is inferred, in a client's words (:data:`kamresearch.churn.CENSORING_CONVENTION`
#: is the analyst's statement of the same rule).
CHURN_CONVENTION = N_(
    "A customer counts as lost (churned) when it has made no purchase in the {w} days up to "
    "the analysis date; its lifetime runs from its first to its last purchase. A customer "
    "still buying is counted up to the last day on which its loss could have been seen (the "
    "analysis date minus {w} days), so that survival is not overstated. Customers acquired "
    "within the last {w} days cannot be judged yet and are left out of the estimates. A "
    "customer that comes back after a gap longer than {w} days counts as a reactivation."
)
#: Headline figures carried to the run's index page (the Excel headline sheet has them all).
INDEX_FIGURES = ("largest_loss", "failure", "revenue", "customers", "top10_share", "top20pct_share", "hhi",
                 "n_major_customers", "nrr", "grr", "key_pool", "median_lifetime_general",
                 "at_risk")  # fmt: skip


def choose_freq(tx: pd.DataFrame, *, as_of=None, purpose: str = "bridge") -> str:
    """The period length a report uses for ``tx``'s time span.

    The span runs from the first day with data to ``as_of`` (default: the last
    day with data), both days included, and is measured in calendar years:
    2021-01-01 to 2023-12-31 is three years, 2024-01-01 to 2024-12-31 one.

    ``purpose="bridge"`` (revenue bridge, GRR/NRR, tier flows): ``"Y"`` for at
    least three years of data, ``"Q"`` for at least a year, else ``"M"``.
    ``purpose="cohort"`` (retention heatmaps): ``"Q"`` for more than two years,
    else ``"M"``.

    >>> tx = pd.DataFrame({"date": pd.to_datetime(["2021-01-01", "2023-12-31"])})
    >>> choose_freq(tx), choose_freq(tx, as_of="2022-12-31"), choose_freq(tx, purpose="cohort")
    ('Y', 'Q', 'Q')
    """
    start, last = date_bounds(tx)[:2]
    end = pd.Timestamp(as_of) if as_of is not None else last
    if (
        start is None or end is None or pd.isna(start) or pd.isna(end)
    ):  # no data: the shortest periods
        return "M"
    start, end = start.normalize(), end.normalize()
    after = end + pd.Timedelta(days=1)  # the span ends at the close of its last day

    def years(n: int) -> pd.Timestamp:  # the day n calendar years after the first day
        return start + pd.DateOffset(years=n)

    if purpose == "cohort":
        return "Q" if years(2) < after else "M"
    return "Y" if years(3) <= after else "Q" if years(1) <= after else "M"


def _display(obj):
    from IPython.display import display

    display(obj)


def _show_figure(fig):
    import matplotlib.pyplot as plt

    fig.tight_layout()
    _display(fig)
    plt.close(fig)


class RegionReport(StorySections, EvidenceSections, ReviewSections):
    """The analyses and sections of one region report.

    Parameters
    ----------
    data : RegionData
        From :func:`kamresearch.reports.load_region` (transactions of the
        region's customers, region name, as-of date, quality summary).
    inactivity_days : int, optional
        Churn window; default :func:`kamresearch.churn.suggest_inactivity_window`.
    freq, cohort_freq : str, optional
        Period length of the period tables (bridge, retention, scorecard) and of the
        cohort tables. The report run chooses them once for every region (one
        yardstick); default :func:`choose_freq` on this report's data.
    key_share, major_share : float
        Customer pyramid thresholds (:func:`kamresearch.pareto.customer_tiers`).
    key_min_revenue, major_min_revenue : float, optional
        Tier thresholds in the data's currency instead of shares (both or neither):
        an account is key when its revenue in the period (or over the window) is at
        least ``key_min_revenue``, major from ``major_min_revenue``; the same in
        every region and period (:meth:`kamresearch.keyaccounts.TierStandard.from_thresholds`).
    order_band_edges : sequence of float, optional
        Order-value band edges in the data's currency; default scaled to the data
        (:func:`kamresearch.keyaccounts.default_band_edges`).
    currency : str
        Symbol shown before money amounts ("$", "¥", ...).
    lang : str
        The report's language, ``"en"`` (default) or ``"zh"``: every section, table
        header, chart and reading is written in it (each public method runs in
        :func:`kamresearch.i18n.use_language`).

    Examples
    --------
    >>> import kamresearch as kam
    >>> rep = kam.reports.RegionReport.load(None, "North")   # doctest: +SKIP
    >>> rep.executive_summary()                               # doctest: +SKIP
    """

    def __init__(self, data, *, inactivity_days=None, key_share: float = 0.01,
                 major_share: float = 0.20, currency: str = "", lang: str = "en",
                 freq: str | None = None, cohort_freq: str | None = None,
                 key_min_revenue: float | None = None, major_min_revenue: float | None = None,
                 order_band_edges=None):  # fmt: skip
        self.lang = check_language(lang or "en")
        # the style (fonts with the CJK fallback) before any figure: a Text takes its font
        # family when created, so a figure made before the style shows Chinese as boxes
        apply_style()
        if (key_min_revenue is None) != (major_min_revenue is None):
            raise ConfigError("give both key_min_revenue and major_min_revenue, or neither")
        self.thresholds = (
            None if key_min_revenue is None else (float(key_min_revenue), float(major_min_revenue))
        )
        self.order_band_edges = None if order_band_edges is None else check_edges(order_band_edges)
        self.data = data
        self.region = data.region
        self.as_of = pd.Timestamp(data.as_of)
        self.tx = up_to(data.tx, self.as_of)
        self.inactivity_days = inactivity_days
        self.key_share = float(key_share)
        self.major_share = float(major_share)
        self.currency = currency
        self.freq, self._cohort_freq = freq, cohort_freq
        self.notes: list[str] = []

    @classmethod
    def load(cls, data_path=None, region: str | None = COMPANY, *, mapping=None, as_of=None,
             **options) -> RegionReport:  # fmt: skip
        """Load a region's data with :func:`kamresearch.reports.load_region` and wrap it.

        A report run's store stays in the engine (``lazy=True``: the sections reduce a
        LazyTable over the region's lines, nothing is materialised in pandas).
        """
        from .tables import load_region

        data = load_region(data_path, region, mapping=mapping, as_of=as_of, lazy=True)
        return cls(data, **options)

    def _show(self, obj):  # how the evidence mixin displays (tests capture _display)
        _display(obj)

    # ------------------------------------------------------------------ analyses (lazy)
    @cached_property
    def summary(self) -> pd.Series:
        return pareto.concentration_summary(self.tx)

    @cached_property
    def classes(self) -> pd.DataFrame:
        c = pareto.classify_customers(self.tx, method="pyramid",
                                      thresholds=(self.key_share, self.major_share))  # fmt: skip
        c["class"] = c["tier"] = self.company_tiers(c["revenue"])  # one company standard
        return c

    @cached_property
    def profile(self) -> pd.DataFrame:
        p = pareto.key_account_profile(self.tx, tiers=(self.key_share, self.major_share))
        p["tier"] = self.company_tiers(p["revenue"])
        return p

    @cached_property
    def bridge_freq(self) -> str:
        return self.freq or choose_freq(self.tx, as_of=self.as_of, purpose="bridge")

    @cached_property
    def cohort_freq(self) -> str:
        return self._cohort_freq or choose_freq(self.tx, as_of=self.as_of, purpose="cohort")

    @cached_property
    def trend(self) -> pd.DataFrame:
        # the report's window ends at as_of, as in the cohort tables: a region whose last
        # sale is earlier still has its last period judged full or partial against as_of
        return pareto.concentration_trend(self.tx, freq=self.bridge_freq, end=self.period_as_of)

    @cached_property
    def retention(self) -> pd.DataFrame:
        return cohorts.revenue_retention(self.tx, freq=self.bridge_freq, as_of=self.period_as_of)

    @cached_property
    def bridge(self) -> pd.DataFrame:
        return cohorts.revenue_bridge(self.tx, freq=self.bridge_freq, as_of=self.period_as_of)

    @cached_property
    def key_flow(self) -> pd.DataFrame:
        # the key pool of the scorecard: company tier standard, leak rate, last period on rhythm
        from ..keyaccounts import key_pool_flow

        return key_pool_flow(self.scorecard_table)

    @cached_property
    def lifetimes(self) -> pd.DataFrame:
        lt = churn.customer_lifetimes(self.tx, as_of=self.as_of,
                                      inactivity_days=self.inactivity_days,
                                      tier_thresholds=(self.key_share, self.major_share))  # fmt: skip
        lt["tier"] = self.company_tiers(lt["revenue"])
        return lt

    @cached_property
    def survival(self):
        return churn.survival_curves(self.lifetimes, by="tier")

    @cached_property
    def at_risk(self) -> pd.DataFrame:
        return churn.at_risk_accounts(self.tx, as_of=self.as_of, tiers=("key", "major"),
                                      inactivity_days=self.lifetimes.attrs["inactivity_days"],
                                      tier_thresholds=(self.key_share, self.major_share))  # fmt: skip

    @cached_property
    def cox_table(self) -> pd.DataFrame:
        """Hazard ratios by tier and region (the covariates with two or more levels here)."""
        covs = self._cox_covariates()
        if not covs:
            raise InsufficientData(_("no covariate (tier, region) with two levels in this report"))
        # too few observable customers or churn events: fit_cox raises a DataError saying so
        return churn.hazard_ratio_table(self.lifetimes, covariates=covs)

    def _require_revenue(self) -> None:
        """Raise :class:`InsufficientData` when no customer has positive net revenue.

        A region whose lines are all returns, credit notes or zero amounts has no
        revenue to rank, stack or retain: its sections say so in a sentence instead of
        drawing empty or negative charts.
        """
        if count_lines(self.tx) == 0:
            raise InsufficientData(_("no transaction up to {date}").format(
                date=format_date(self.as_of)))  # fmt: skip
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            n = int(self.summary["n_customers"])
        if n == 0:
            raise InsufficientData(_("no customer has positive net revenue (the lines are "
                                     "returns, credit notes or zero amounts)"))  # fmt: skip

    def _cox_covariates(self) -> list[str]:
        lt = self.lifetimes[self.lifetimes["observable"]]
        return [c for c in ("tier", "region") if c in lt.columns and lt[c].nunique() > 1]

    # ------------------------------------------------------------------ section machinery
    @contextlib.contextmanager
    def section(self, name: str):
        """Run a section: too little data or a data problem becomes a note, not an error.

        ``name`` is the section's English name (a msgid, marked with ``N_``): the note
        and the appendix show it in the report's language.
        """
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                yield
            except (DataError, InsufficientData) as exc:
                reason = getattr(exc, "reason", None) or str(exc)
                self.notes.append(f"{name}: {reason}")
                _display(show_note(_("Insufficient data for {section} in this report: "
                                     "{reason}").format(section=_(name).lower(), reason=reason)))  # fmt: skip
        for w in caught:
            if issubclass(w.category, InsufficientDataWarning):
                _display(show_note(_warning_text(str(w.message), name)))
            else:
                log.debug("%s: %s: %s", name, w.category.__name__, w.message)

    def _readings(self) -> pd.DataFrame:
        # the largest loss and the dominant failure lead; a region without lines has none
        parts = self._story_readings() if count_lines(self.tx) else []
        for build in (
            lambda: narrative.concentration_readings(self.summary),
            # no revenue (only returns): no retention to read, only the note above
            lambda: self._require_revenue() or narrative.retention_readings(self.retention),
            self._churn_readings,
        ):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    parts.append(build())
            except (KamError, InsufficientData) as exc:
                log.info("headline figure skipped: %s", exc)
        return narrative.combine(*parts)

    def _churn_readings(self):
        return narrative.churn_readings(self.survival.summary, self.at_risk)

    @cached_property
    def readings(self) -> pd.DataFrame:
        """Every headline figure with its reading (:mod:`kamresearch.narrative`)."""
        return self._readings()

    # ------------------------------------------------------------------ sections
    def overview(self):
        """The opening line: region, as-of date, window, lines and customers."""
        from IPython.display import Markdown

        company = self.region is COMPANY
        if count_lines(self.tx) == 0:
            who = _("the whole company") if company else _("region {region}").format(
                region=self.region)  # fmt: skip
            _display(show_note(_("No transactions for {who} up to {date}.").format(
                who=who, date=format_date(self.as_of))))  # fmt: skip
            return
        who = (
            _("the whole company")
            if company
            else _("region {region}").format(region=f"**{escape_markdown(self.region)}**")
        )
        n_lines = count_lines(self.tx)
        first, last = date_bounds(self.tx)[:2]
        _display(Markdown(
            ngettext("Report for {who}, as of **{date}**: {n} transaction line from {first} "
                     "to {last}, {customers}.",
                     "Report for {who}, as of **{date}**: {n} transaction lines from {first} "
                     "to {last}, {customers}.", n_lines).format(
                who=who, date=format_date(self.as_of), n=format_number(n_lines),
                first=format_date(first), last=format_date(last),
                customers=narrative.customers_phrase(n_customers(self.tx)))
        ))  # fmt: skip

    def executive_summary(self):
        """Headline figures, each with its one-line reading."""
        from IPython.display import Markdown

        with self.section(N_("Executive summary")):
            r = self.readings
            r = r[~r.index.str.startswith("key_accounts_")]  # per-year counts: index page only
            if r.empty:
                raise InsufficientData(_("no headline figure could be computed"))
            lines = [f"- **{escape_markdown(row.display)}** — {escape_markdown(row.reading)}"
                     for row in r.itertuples()]  # fmt: skip
            _display(Markdown("\n".join(lines)))

    def concentration(self, *, top: int = 20):
        """Pareto and Lorenz charts, largest customers, pyramid, >= 10% customers, trend."""
        import matplotlib.pyplot as plt

        with self.section(N_("Concentration")):
            self._require_revenue()
            s = self.summary
            fig, axes = plt.subplots(1, 2, figsize=(13, 4.5), width_ratios=[1.6, 1])
            pareto.plot_pareto(self.tx, top=min(top, int(s["n_customers"])), ax=axes[0],
                               currency=self.currency)  # fmt: skip
            pareto.plot_lorenz(self.tx, ax=axes[1])
            _show_figure(fig)
            cols = ["n_customers", "revenue", "top1_share", "top10_share", "top20pct_share",
                    "customers_for_80pct", "hhi", "hhi_band", "gini", "n_major_customers"]  # fmt: skip
            measures = pd.DataFrame({"measure": cols,
                                     "value": [_fmt_value(c, s[c]) for c in cols]})  # fmt: skip
            _display(show_table(measures, caption=_("Concentration measures (customers with "
                                                    "positive net revenue)")))  # fmt: skip
            small = narrative.small_base_note(int(s["n_customers"]))
            if small:  # too few customers: the shares above say little (narrative.FEW_CUSTOMERS)
                _display(show_note(small))

    def largest_customers(self, *, top: int = 15):
        """The largest customers, and those with 10% or more of revenue."""
        with self.section(N_("Largest customers")):
            self._require_revenue()
            c = self.classes
            cols = [x for x in ("rank", "customer_id", "region", "tier", "revenue", "share",
                                "cumulative_share") if x in c.reset_index().columns]  # fmt: skip
            table = c.reset_index()[cols].head(top)
            _display(show_table(table, caption=_("Top {n} customers by net revenue").format(
                n=min(top, len(c)))))  # fmt: skip
            major = c.reset_index()
            major = major[major["share"] >= 0.10 - 1e-12]
            if len(major):
                _display(show_table(major[cols], caption=_("Customers with 10% or more of "
                                                           "revenue (disclose under ASC 280)")))  # fmt: skip
            else:
                _display(show_note(_("No customer makes 10% or more of revenue.")))

    def pyramid(self):
        """The customer pyramid (key / major / general) and its concentration trend."""
        with self.section(N_("Customer pyramid")):
            self._require_revenue()
            comp = pareto.key_account_comparison(self.profile)
            rows = [t for t in ("key", "major", "general", "all") if t in comp.index]
            cols = ["n_customers", "revenue", "revenue_share", "revenue_per_customer"]
            _display(show_table(comp.loc[rows, cols], index=True,
                                caption=_("Customer pyramid: key = top {key}, major = rest of "
                                          "the top {major} of the company's customers (one tier "
                                          "standard for every region)").format(
                                    key=format_pct(self.key_share),
                                    major=format_pct(self.major_share))))  # fmt: skip
        with self.section(N_("Concentration trend")):
            self._require_revenue()
            trend = self.trend
            if len(trend) < 2:
                raise InsufficientData(_("fewer than two periods of data"))
            ax = pareto.plot_concentration_trend(trend)
            _show_figure(ax.figure)
            cols = ["n_customers", "revenue", "top10_share", "top20pct_share", "hhi", "gini"]
            _display(show_table(trend[cols], index=True, caption=_("Concentration per period")))

    def key_accounts(self):
        """Volume, price premium and repurchase: key accounts against the rest."""
        with self.section(N_("Key-account profile")):
            self._require_revenue()
            comp = pareto.key_account_comparison(self.profile)
            rows = [t for t in ("key", "other", "all") if t in comp.index]
            cols = [c for c in ("n_customers", "avg_order_value", "price_premium",
                                "orders_per_active_month", "purchase_month_share")
                    if c in comp.columns]  # fmt: skip
            table = comp.loc[rows, cols]
            _display(show_table(table, index=True, caption=_(
                "Medians per group: average order value (volume), price paid / product median "
                "(premium), orders per active month and share of months with a purchase "
                "(repurchase)")))  # fmt: skip

    def churn_convention(self):
        """How churn is inferred: the window used, the censoring rule and the counts."""
        from IPython.display import Markdown

        with self.section(N_("Churn")):
            lt = self.lifetimes
            w = int(lt.attrs["inactivity_days"])
            obs = lt[lt["observable"]]
            _display(Markdown(
                _("**Inactivity window: {w} days.** {convention}").format(
                    w=format_number(w), convention=_(CHURN_CONVENTION).format(
                        w=format_number(w))) + "\n\n"
                + _("Customers: {n}; observable {obs} ({churned} churned, {active} still active "
                    "and censored); {recent} acquired within the last {w} days and not yet "
                    "observable; {reactivations} reactivations.").format(
                    n=format_number(len(lt)), obs=format_number(len(obs)),
                    churned=format_number(int(obs["churned"].sum())),
                    active=format_number(int((~obs["churned"]).sum())),
                    recent=format_number(int((~lt["observable"]).sum())), w=format_number(w),
                    reactivations=format_number(int(lt["n_reactivations"].sum())))
            ))  # fmt: skip

    def survival_by_tier(self):
        """Kaplan–Meier curves by tier with the number at risk, medians and survival at 1/2 years."""
        with self.section(N_("Survival by tier")):
            curves = self.survival
            ok = curves.summary[curves.summary["status"] == "ok"]
            if ok.empty:
                raise InsufficientData(
                    _("fewer than 20 observable customers or 5 churn events in every tier")
                )
            ax = churn.plot_survival(curves)
            _show_figure(ax.figure)
            cols = ["n_observable", "events", "censored", "median_lifetime_days", "survival_1y",
                    "survival_2y", "rmst_days", "status"]  # fmt: skip
            _display(show_table(curves.summary[cols], index=True, caption=_(
                "Lifetimes by tier (mean lifetime over the first {days} days)").format(
                days=format_number(curves.horizon_days))))  # fmt: skip

    def hazard_ratios(self):
        """Cox model: hazard ratios by tier and region, with the proportional-hazards check."""
        with self.section(N_("Cox hazard ratios")):
            table = self.cox_table
            ax = churn.plot_hazard_ratios(table)
            _show_figure(ax.figure)
            _display(
                show_table(
                    table,
                    caption=_(
                        "Hazard ratios (above 1: churns faster than the baseline level; "
                        "proportional hazards hold: the check passed)"
                    ),
                )
            )

    def cohort_retention(self):
        """Logo and revenue retention heatmaps by acquisition cohort."""
        import matplotlib.pyplot as plt

        with self.section(N_("Cohort retention")):
            self._require_revenue()
            logos = cohorts.retention_matrix(self.tx, freq=self.cohort_freq, as_of=self.as_of)
            if len(logos) < 2:
                raise InsufficientData(_("fewer than two acquisition cohorts"))
            revenue = cohorts.retention_matrix(self.tx, freq=self.cohort_freq, as_of=self.as_of,
                                               metric="revenue")  # fmt: skip
            size = max(6.0, min(14.0, 0.45 * len(logos) + 3))
            fig, axes = plt.subplots(1, 2, figsize=(2 * size, size * 0.7))
            cohorts.plot_retention_heatmap(logos, ax=axes[0])
            axes[0].set_title(_("Share of the cohort buying"))
            cohorts.plot_retention_heatmap(revenue, ax=axes[1])
            axes[1].set_title(_("Cohort revenue / first-period revenue"))
            _show_figure(fig)

    def revenue_dynamics(self):
        """GRR/NRR, the revenue bridge waterfall and the layer cake."""
        import matplotlib.pyplot as plt

        with self.section(N_("Revenue retention")):
            self._require_revenue()
            rr = self.retention.dropna(subset=["nrr"])
            if rr.empty:
                raise InsufficientData(_("no period with revenue in the previous period"))
            cols = [c for c in ("start_customers", "start_revenue", "churned", "contraction",
                                "expansion", "reactivated", "grr", "nrr", "partial")
                    if c in rr.columns]  # fmt: skip
            _display(show_table(rr[cols], index=True, caption=_(
                "Gross and net revenue retention of the accounts with positive net revenue in "
                "the previous period")))  # fmt: skip
        with self.section(N_("Revenue bridge")):
            self._require_revenue()
            b = self.bridge
            full = b[~b["partial"]] if "partial" in b.columns else b
            cols = ["opening", "new", "expansion", "contraction", "churned", "reactivated",
                    "closing"]  # fmt: skip
            moving = full[full[cols].abs().sum(axis=1) > 0]
            if len(full) < 2 or moving.empty:
                raise InsufficientData(_("fewer than two complete periods with revenue"))
            fig, axes = plt.subplots(1, 2, figsize=(13, 4.5))
            cohorts.plot_revenue_bridge(b, period=moving.index[-1], ax=axes[0],
                                        currency=self.currency)  # fmt: skip
            cohorts.plot_layer_cake(self.tx, freq=self.cohort_freq, as_of=self.as_of, ax=axes[1],
                                    currency=self.currency)  # fmt: skip
            _show_figure(fig)
            _display(
                show_table(
                    b[cols],
                    index=True,
                    caption=_(
                        "Revenue bridge: opening + new + expansion − contraction − "
                        "churned + reactivated = closing"
                    ),
                )
            )

    def key_account_pool(self):
        """The key-account pool per period: reservoir or funnel."""
        with self.section(N_("Key-account pool")):
            self._require_revenue()
            flow = self.key_flow
            if flow.empty:
                raise InsufficientData(_("fewer than two periods"))
            ax = cohorts.plot_key_account_flow(flow)
            _show_figure(ax.figure)
            _display(show_table(flow, index=True, caption=_("Key accounts per period")))

    def data_quality(self):
        """The data-quality appendix: what was read, kept and dropped, as sentences and a
        labelled table (:mod:`kamresearch.reports.quality`), with the analysis date."""
        from IPython.display import Markdown

        from .quality import quality_sentences, quality_table

        q = dict(self.data.quality or {})
        opts = {"as_of": self.as_of, "currency": self.currency}
        if q:
            text = " ".join(escape_markdown(line) for line in quality_sentences(q, **opts))
            _display(Markdown(text))
            _display(show_table(quality_table(q, **opts),
                                caption=_("Data quality of the whole input")))  # fmt: skip
        else:
            _display(show_note(_("No data-quality summary is available for this input; the "
                                 "analysis date is {date}.").format(
                date=format_date(self.as_of))))  # fmt: skip
        if self.notes:
            parts = [n.split(": ", 1) for n in self.notes]
            _display(show_table(pd.DataFrame({"section": [_(p[0]) for p in parts],
                                              "note": [p[-1] for p in parts]}),
                                caption=_("Sections with too little data")))  # fmt: skip

    # ------------------------------------------------------------------ outputs
    def headline(self) -> pd.DataFrame:
        """The headline figures of the index page (:data:`INDEX_FIGURES` that exist here).

        Index ``figure``; columns ``label``, ``value``, ``display``, ``reading``.
        """
        r = self.readings
        years = [f for f in r.index if str(f).startswith("key_accounts_")]
        return r.loc[[f for f in INDEX_FIGURES if f in r.index] + years]

    def tables(self) -> dict:
        """The report's key tables for its Excel file (sections without data are left out).

        Sheets: Headline, Concentration, Top customers, Pyramid, Key-account profile (key and
        major accounts),
        Concentration trend, Survival by tier, Hazard ratios, At-risk accounts,
        Revenue retention, Revenue bridge, Key-account pool, Logo retention.
        """
        builders = {
            N_("Headline"): lambda: self.readings.reset_index(),
            N_("Scorecard"): lambda: self.scorecard_table,
            N_("Scorecard accounts"): lambda: self.scorecard_moves,
            N_("Lost key accounts"): lambda: self.lost,
            N_("Account cards"): lambda: self.cards,
            N_("Order bands"): lambda: keyaccounts.order_bands(self.tx, freq=self.bridge_freq,
                                                           as_of=self.as_of),
            N_("Account cards monthly"): lambda: self.cards.attrs["months"],
            N_("Concentration"): lambda: self.summary.to_frame("value").rename_axis("measure"),
            N_("Top customers"): lambda: self.classes.reset_index().head(100),
            N_("Pyramid"): lambda: pareto.key_account_comparison(self.profile),
            N_("Key-account profile"): lambda: self.profile[self.profile["tier"] != "general"],
            N_("Concentration trend"): lambda: self.trend,
            N_("Survival by tier"): lambda: self.survival.summary,
            N_("Hazard ratios"): lambda: self.cox_table,
            N_("At-risk accounts"): lambda: self.at_risk,
            N_("Revenue retention"): lambda: self.retention,
            N_("Revenue bridge"): lambda: self.bridge,
            N_("Key-account pool"): lambda: self.key_flow,
            N_("Logo retention"): lambda: cohorts.retention_matrix(
                self.tx, freq=self.cohort_freq, as_of=self.as_of),
        }  # fmt: skip
        out = {}
        for name, build in builders.items():
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    table = build()
            except (KamError, InsufficientData) as exc:
                log.info("table %r skipped: %s", name, exc)
                continue
            if table is not None and len(table):
                out[name] = table
        return out

    def save(self, output_dir=None, output_name=None) -> dict:
        """Write the headline JSON and the Excel tables (nothing when ``output_dir`` is None).

        Returns the paths written, as :func:`kamresearch.reports.save_outputs`.
        """
        from .tables import save_outputs

        if output_dir is None:
            return {}
        self._save_review(output_dir, output_name)  # the next run's monthly review reads it
        return save_outputs(
            self.headline(),
            label_tables(self.tables()),  # sheet and column names in the report's language
            output_dir=output_dir,
            output_name=output_name,
            region=self.region,
            as_of=self.as_of,
        )


def _speaking(method):
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with use_language(getattr(self, "lang", None)):
            return method(self, *args, **kwargs)

    wrapper._speaking = True
    return wrapper


def _in_report_language(cls):
    """Run every public method of ``cls`` (its mixins' too) in the report's language."""
    for name in dir(cls):
        if name.startswith("_"):
            continue
        attr = inspect.getattr_static(cls, name)
        if inspect.isfunction(attr) and not getattr(attr, "_speaking", False):
            setattr(cls, name, _speaking(attr))
    return cls


_in_report_language(RegionReport)


class InsufficientData(KamError):
    """A section of a report cannot be computed for this region (shown as a note)."""

    @property
    def reason(self) -> str:
        return str(self)
