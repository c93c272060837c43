"""Human labels and one-line definitions of the column identifiers a client may see.

Tables keep their snake_case identifiers (``n_customers``) in code; what a
client sees is :func:`label` in the report's language, with
:func:`definition` as a tooltip or in the appendix. Add your columns to
:data:`LABELS` (a section per area keeps parallel edits apart) and their
Chinese text to a catalog in ``locale/zh/LC_MESSAGES/``; a test fails when a
label or a definition has no translation.
"""

from __future__ import annotations

import logging
import re

import pandas as pd

from .catalogs import N_, gettext

__all__ = ["LABELS", "VALUES", "label", "definition", "label_columns", "unlabelled",
           "register_labels", "value_label"]  # fmt: skip

log = logging.getLogger("kamresearch")

#: identifier -> (label, definition or ""), both in English (the msgids of the catalogs).
LABELS: dict[str, tuple[str, str]] = {
    # --- generic
    "customer_id": (N_("Customer"), ""),
    "region": (N_("Region"), ""),
    "tier": (N_("Tier"), N_("Key: top 1% of customers by revenue; major: the rest of the top 20%; general: everyone else")),
    "class": (N_("Class"), N_("The customer's class in the customer pyramid")),
    "rank": (N_("Rank"), N_("Position by net revenue, largest first")),
    "period": (N_("Period"), ""),
    "cohort": (N_("Cohort"), N_("Customers whose first purchase falls in the period")),
    "group": (N_("Group"), ""),
    "measure": (N_("Measure"), ""),
    "value": (N_("Value"), ""),
    "item": (N_("Item"), ""),
    "figure": (N_("Figure"), ""),
    "label": (N_("Figure"), ""),
    "display": (N_("Shown as"), N_("The figure as the report shows it")),
    "reading": (N_("Reading"), N_("What the figure says, in one line")),
    "status": (N_("Status"), ""),
    "reason": (N_("Reason"), ""),
    "partial": (N_("Partial period"), N_("The period ends after the analysis date: not comparable with a full period")),
    "section": (N_("Section"), ""),
    "note": (N_("Note"), ""),
    # --- concentration (pareto)
    "n_customers": (N_("Customers"), N_("Customers with positive net revenue")),
    "customers": (N_("Customers"), N_("Customers with positive net revenue")),
    "n_nonpositive": (N_("Customers without positive revenue"), N_("Customers whose net revenue is zero or negative (returns, credit notes)")),
    "revenue": (N_("Net revenue"), N_("Sales less returns, VAT-exclusive")),
    "gross_revenue": (N_("Gross revenue"), N_("Sales before returns")),
    "share": (N_("Share of revenue"), ""),
    "cumulative_share": (N_("Cumulative share"), N_("Share of revenue of this customer and all larger ones")),
    "revenue_share": (N_("Share of revenue"), ""),
    "revenue_per_customer": (N_("Revenue per customer"), ""),
    "top1_share": (N_("Largest customer's share"), N_("Revenue share of the single largest customer")),
    "top5_share": (N_("Top-5 customers' share"), N_("Revenue share of the 5 largest customers")),
    "top10_share": (N_("Top-10 customers' share"), N_("Revenue share of the 10 largest customers")),
    "top20_share": (N_("Top-20 customers' share"), N_("Revenue share of the 20 largest customers")),
    "top1pct_share": (N_("Top 1% customers' share"), N_("Revenue share of the largest 1% of customers")),
    "top20pct_share": (N_("Top 20% customers' share"), N_("Revenue share of the largest 20% of customers (the 80/20 rule)")),
    "customers_for_80pct": (N_("Customers for 80% of revenue"), N_("The fewest customers whose revenue adds up to 80% of the total")),
    "hhi": (N_("HHI"), N_("Herfindahl–Hirschman index: sum of squared revenue shares × 10,000; 10,000 = one customer")),
    "hhi_band": (N_("Concentration band"), N_("Low below 1,500, moderate to 2,500, high above (US merger guidelines)")),
    "gini": (N_("Gini"), N_("Inequality of revenue across customers: 0 = all equal, 1 = one customer has everything")),
    "theil": (N_("Theil index"), N_("Entropy-based inequality: 0 = all equal")),
    "n_major_customers": (N_("Customers with 10% or more"), N_("Customers with at least 10% of revenue (disclosed under ASC 280)")),
    # --- key-account profile
    "n_orders": (N_("Orders"), ""),
    "avg_order_value": (N_("Average order value"), N_("Net revenue per order (volume)")),
    "price_premium": (N_("Price premium"), N_("Unit price paid ÷ the product's median unit price")),
    "months_with_purchase": (N_("Months with a purchase"), ""),
    "months_observed": (N_("Months observed"), N_("Months from the first purchase to the analysis date")),
    "orders_per_active_month": (N_("Orders per active month"), N_("Orders ÷ months with a purchase (repurchase)")),
    "purchase_month_share": (N_("Share of months with a purchase"), N_("Months with a purchase ÷ months observed (repurchase)")),
    # --- survival and churn
    "n": (N_("Customers"), ""),
    "n_observable": (N_("Observable customers"), N_("Customers acquired long enough ago to see whether they churned")),
    "events": (N_("Churned"), N_("Customers with no purchase for longer than the inactivity window")),
    "censored": (N_("Still active"), N_("Observable customers not churned by the analysis date (censored)")),
    "median_lifetime_days": (N_("Median lifetime (days)"), N_("Kaplan–Meier median time from first purchase to churn")),
    "median_ci_low": (N_("Median, lower 95% bound (days)"), ""),
    "median_ci_high": (N_("Median, upper 95% bound (days)"), ""),
    "survival_1y": (N_("Still buying after 1 year"), N_("Kaplan–Meier share of customers not churned one year after their first purchase")),
    "survival_2y": (N_("Still buying after 2 years"), ""),
    "survival_3y": (N_("Still buying after 3 years"), ""),
    "rmst_days": (N_("Mean lifetime (days)"), N_("Restricted mean survival time: the mean lifetime over the horizon shown")),
    "max_followup_days": (N_("Longest follow-up (days)"), ""),
    "covariate": (N_("Variable"), ""),
    "level": (N_("Level"), ""),
    "baseline": (N_("Compared with"), N_("The level the hazard ratio is measured against")),
    "hr": (N_("Hazard ratio"), N_("Above 1: churns faster than the baseline; below 1: slower")),
    "hr_low": (N_("Hazard ratio, lower 95% bound"), ""),
    "hr_high": (N_("Hazard ratio, upper 95% bound"), ""),
    "p": (N_("p-value"), N_("Chance of a difference this large if there were none")),
    "ph_p": (N_("Proportional-hazards test p-value"), N_("Below 0.05: the hazard ratio changes over time, read it with care")),
    "ph_ok": (N_("Proportional hazards hold"), ""),
    "last_purchase": (N_("Last purchase"), ""),
    "days_since_last": (N_("Days since last purchase"), ""),
    "median_gap_days": (N_("Usual gap (days)"), N_("The account's median number of days between purchases")),
    "threshold_days": (N_("Silent after (days)"), N_("Days without a purchase after which the account counts as at risk")),
    "revenue_12m": (N_("Revenue, last 12 months"), ""),
    # --- cohorts, retention and the revenue bridge
    "start_customers": (N_("Customers at start"), N_("Accounts with positive net revenue in the previous period")),
    "start_revenue": (N_("Revenue at start"), N_("Previous-period revenue of those accounts")),
    "churned_customers": (N_("Customers lost"), ""),
    "churned": (N_("Churned"), N_("Revenue of accounts that stopped buying")),
    "contraction": (N_("Contraction"), N_("Revenue lost from accounts that kept buying but less")),
    "expansion": (N_("Expansion"), N_("Revenue gained from accounts that bought more")),
    "reactivated": (N_("Reactivated"), N_("Revenue from accounts that came back after a break")),
    "new": (N_("New"), N_("Revenue from first-time customers")),
    "opening": (N_("Opening revenue"), ""),
    "closing": (N_("Closing revenue"), ""),
    "grr": (N_("Gross revenue retention"), N_("Revenue kept from last period's accounts, without expansion (at most 100%)")),
    "nrr": (N_("Net revenue retention"), N_("Revenue kept from last period's accounts, with expansion")),
    "cohort_size": (N_("Cohort size"), N_("Customers in the cohort")),
    # --- key-account pool
    "start": (N_("Key accounts at start"), ""),
    "entered_new": (N_("Entered: new customers"), ""),
    "entered_upgraded": (N_("Entered: upgraded"), N_("Existing customers that grew into the key tier")),
    "left_downgraded": (N_("Left: downgraded"), N_("Key accounts that fell to a lower tier")),
    "left_lost": (N_("Left: lost"), N_("Key accounts that stopped buying")),
    "end": (N_("Key accounts at end"), ""),
    "net_change": (N_("Net change"), ""),
    "flow": (N_("Pool"), N_("Reservoir: more key accounts came in than left; funnel: more left")),
    "key_pool": (N_("Key-account pool"), ""),
    "at_risk": (N_("At-risk accounts"), N_("Live key and major accounts silent for longer than their usual rhythm")),
    "median_lifetime_major": (N_("Median lifetime, major accounts"), ""),
    "median_lifetime_general": (N_("Median lifetime, general accounts"), ""),
    "entry_tier": (N_("Entry tier"), N_("The account's tier in its first 12 months, the fair basis to compare lifetimes")),
    "open_key_revenue": (N_("Opening key-account revenue"), N_("Previous-period revenue of the opening key accounts")),
    "orders": (N_("Orders"), ""),
    "order_share": (N_("Share of orders"), N_("The band's orders ÷ all orders of the period")),
    "month": (N_("Month"), ""),
    "last_month": (N_("Month reported"), N_("The month of the analysis date")),
    "revenue_prior_12m": (N_("Revenue, prior 12 months"), N_("Revenue in the 12 months before the last 12")),
    "leak_rate": (N_("Leak rate of the key pool"), N_("Opening key accounts that left ÷ opening key accounts")),
}  # fmt: skip

#: Category values the analyses write into their tables (tiers, bands, statuses ...),
#: shown to the client in the report's language; data values (customers, regions) are not.
VALUES: dict[str, str] = {
    "key": N_("key"),
    "major": N_("major"),
    "general": N_("general"),
    "other": N_("other"),
    "all": N_("all"),
    "unconcentrated": N_("unconcentrated"),
    "moderately concentrated": N_("moderately concentrated"),
    "highly concentrated": N_("highly concentrated"),
    "ok": N_("ok"),
    "insufficient data": N_("insufficient data"),
    "no churn events in this level": N_("no churn events in this level"),
    "reservoir": N_("reservoir"),
    "funnel": N_("funnel"),
    "balanced": N_("balanced"),
    "leaking": N_("leaking"),
    "per unit": N_("per unit"),
}


def value_label(value, *, lang: str | None = None) -> str:
    """A category value of :data:`VALUES` (``"key"``, ``"highly concentrated"``) in the
    current language; any other value (a customer, a region) is returned as text unchanged.

    >>> value_label("key", lang="zh"), value_label("North", lang="zh")
    ('大客户', 'North')
    """
    from .language import use_language

    text = VALUES.get(value) if isinstance(value, str) else None
    if text is None:
        return str(value)
    with use_language(lang):
        return gettext(text)


_unlabelled: set[str] = set()


def register_labels(labels: dict[str, tuple[str, str]]) -> None:
    """Add ``identifier -> (label, definition)`` pairs (msgids marked with ``N_``)."""
    LABELS.update(labels)


def _humanise(name: str) -> str:
    text = re.sub(r"_+", " ", name).strip()
    return text[:1].upper() + text[1:]


def label(name, *, lang: str | None = None) -> str:
    """The client-facing label of a column identifier, in the current language.

    Unknown identifiers are shown without underscores (``"foo_bar"`` -> ``"Foo bar"``)
    and remembered in :func:`unlabelled`, which tests keep empty. Non-text names
    (``0``, a Period) are returned as text unchanged.

    >>> from kamresearch.i18n import use_language
    >>> label("n_customers")
    'Customers'
    >>> with use_language("zh"):
    ...     label("n_customers")
    '客户数'
    """
    from .language import use_language

    if not isinstance(name, str):
        return str(name)
    entry = LABELS.get(name)
    with use_language(lang):
        if entry is None:
            if "_" in name or name.islower():
                _unlabelled.add(name)
                log.debug("no label for %r", name)
            return gettext(_humanise(name)) if "_" in name else name
        return gettext(entry[0])


def definition(name: str, *, lang: str | None = None) -> str:
    """The one-line definition of a column identifier ("" when its label says it all)."""
    from .language import use_language

    entry = LABELS.get(name)
    if not entry or not entry[1]:
        return ""
    with use_language(lang):
        return gettext(entry[1])


def label_columns(table: pd.DataFrame, *, index: bool = True) -> pd.DataFrame:
    """A copy of ``table`` with its column (and index) names replaced by their labels."""
    out = table.rename(columns={c: label(c) for c in table.columns})
    if index:
        names = [label(n) if n is not None else None for n in out.index.names]
        out.index = out.index.set_names(names if out.index.nlevels > 1 else names[0])
    return out


def unlabelled() -> set[str]:
    """Identifiers :func:`label` was asked for that have no entry in :data:`LABELS`."""
    return set(_unlabelled)
