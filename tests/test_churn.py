"""Tests of kamresearch.churn against independent implementations, hand cases and simulated truth.

Independent references used here (none calls kamresearch.churn's internals):
- ``_ref_facts``: per-customer purchase facts in plain pandas from the lines;
- the lifetimes package's ``summary_data_from_transaction_data`` (when installed);
- ``_ref_km``: the Kaplan–Meier product-limit estimator with Greenwood's log-log band in numpy;
- ``_ref_logrank``: the two-sample log-rank statistic in numpy;
- ``kamresearch.datasets.simulate``: lifetimes and hazard ratios known by construction.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import kamresearch as kam
from kamresearch import churn
from kamresearch.errors import ConfigError, DataError, InsufficientDataWarning
from kamresearch.pareto import customer_tiers

D0 = pd.Timestamp("2024-01-01")


def _tx(rows, region="North", **extra):
    """Canonical lines from (customer, day offset from D0, amount[, region]) tuples."""
    recs = []
    for r in rows:
        c, d, a = r[:3]
        recs.append(
            {
                "customer_id": c,
                "date": D0 + pd.Timedelta(days=d),
                "amount": float(a),
                "region": r[3] if len(r) > 3 else region,
            }
        )
    out = pd.DataFrame(recs)
    for k, v in extra.items():
        out[k] = v
    return out


def _ref_facts(tx, as_of, w):
    """Independent per-customer facts in pandas, following the documented definitions."""
    as_of = pd.Timestamp(as_of)
    t = tx[tx["date"] < as_of + pd.Timedelta(days=1)].copy()
    t["day"] = t["date"].dt.normalize()
    days = t.groupby(["customer_id", "day"]).agg(rev=("amount", "sum"), top=("amount", "max"))
    days = days.reset_index()
    p = days[days["top"] > 0].sort_values(["customer_id", "day"])
    p["gap"] = p.groupby("customer_id")["day"].diff().dt.days
    g = p.groupby("customer_id")
    out = pd.DataFrame(
        {
            "first_purchase": g["day"].min(),
            "last_purchase": g["day"].max(),
            "n_purchases": g.size(),
            "median_gap_days": g["gap"].median(),
            "longest_gap_days": g["gap"].max(),
            "n_reactivations": g["gap"].apply(lambda s: int((s > w).sum())),
        }
    )
    rep = p[p["gap"].notna()].groupby("customer_id")["rev"].mean()
    out["monetary_value"] = rep.reindex(out.index).fillna(0.0)
    out["frequency"] = out["n_purchases"] - 1
    out["recency"] = (out["last_purchase"] - out["first_purchase"]).dt.days
    out["T"] = (as_of - out["first_purchase"]).dt.days
    out["revenue"] = t.groupby("customer_id")["amount"].sum().reindex(out.index)
    since = as_of - pd.Timedelta(days=364)
    r12 = t[t["day"] >= since].groupby("customer_id")["amount"].sum()
    out["revenue_12m"] = r12.reindex(out.index).fillna(0.0)
    reg = t.groupby(["customer_id", "region"])["amount"].sum().reset_index()
    reg = reg.sort_values(["customer_id", "amount", "region"], ascending=[True, False, True])
    out["region"] = reg.drop_duplicates("customer_id").set_index("customer_id")["region"]
    cut = as_of - pd.Timedelta(days=w)
    out["days_since_last"] = (as_of - out["last_purchase"]).dt.days
    out["churned"] = out["last_purchase"] <= cut
    out["observable"] = out["first_purchase"] <= cut
    dur = np.where(
        out["churned"],
        (out["last_purchase"] - out["first_purchase"]).dt.days,
        (cut - out["first_purchase"]).dt.days,
    )
    out["duration_days"] = np.where(out["observable"], dur, np.nan)
    return out.sort_index()


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def sim():
    # 20k accounts: about 17.5k observable and 9k churn events, enough for 5% / 15% bounds
    return kam.simulate(n_customers=20_000, seed=1)


@pytest.fixture(scope="session")
def sim_lifetimes(sim):
    # W = 180 days: gamma(4) gaps of mean <= 40 days almost never exceed it (P < 1e-4)
    return churn.customer_lifetimes(sim.transactions, inactivity_days=180)


@pytest.fixture(scope="session")
def sample_lifetimes(sample_tx):
    return churn.customer_lifetimes(sample_tx, as_of="2024-06-30", inactivity_days=90)


# --------------------------------------------------------------------------- lifetimes facts


def test_columns_and_attrs(sample_lifetimes):
    lt = sample_lifetimes
    assert lt.index.name == "customer_id"
    assert list(lt.columns) == [
        "first_purchase", "last_purchase", "n_purchases", "revenue", "revenue_12m", "region",
        "tier", "days_since_last", "median_gap_days", "longest_gap_days", "n_reactivations",
        "churned", "observable", "duration_days", "frequency", "recency", "T",
        "monetary_value", "segment",
    ]  # fmt: skip
    assert lt.attrs["convention"] == churn.CENSORING_CONVENTION
    assert lt.attrs["inactivity_days"] == 90
    assert lt.attrs["n_observable"] + lt.attrs["n_not_observable"] == len(lt)
    # the sample runs to 2024-12-31: every line after 2024-06-30 is ignored and counted
    assert lt.attrs["lines_after_as_of"] > 0
    assert "duration_days = cut - first" in churn.customer_lifetimes.__doc__


def test_facts_match_independent_pandas(sample_tx, sample_lifetimes):
    ref = _ref_facts(sample_tx, "2024-06-30", 90)
    lt = sample_lifetimes
    assert list(lt.index) == list(ref.index)
    cols = [
        "first_purchase", "last_purchase", "n_purchases", "median_gap_days", "longest_gap_days",
        "n_reactivations", "frequency", "recency", "T", "monetary_value", "revenue",
        "revenue_12m", "region", "days_since_last", "churned", "observable", "duration_days",
    ]  # fmt: skip
    pd.testing.assert_frame_equal(lt[cols], ref[cols], check_dtype=False, check_names=False)
    # tier: the customer pyramid of the net revenue (pareto's contract, default 1% / 20%)
    pd.testing.assert_series_equal(lt["tier"], customer_tiers(ref["revenue"]), check_names=False)
    # attribute: the value on the customer's latest line up to as_of
    t = sample_tx[sample_tx["date"] <= "2024-06-30"].sort_values("date", kind="stable")
    seg = t.groupby("customer_id")["segment"].last()
    assert (lt["segment"] == seg.reindex(lt.index)).all()


def test_rfm_equals_lifetimes_package(sample_tx, sample_lifetimes):
    lifetimes_utils = pytest.importorskip("lifetimes.utils")
    t = sample_tx[sample_tx["date"] <= "2024-06-30"]
    # the lines of the purchase days (days with a positive line), same-day returns netted:
    # the documented input under which our RFM equals lifetimes' definitions
    day = t["date"].dt.normalize()
    on_pday = t.groupby([t["customer_id"], day])["amount"].transform("max") > 0
    ref = lifetimes_utils.summary_data_from_transaction_data(
        t[on_pday], "customer_id", "date", monetary_value_col="amount",
        observation_period_end="2024-06-30", freq="D",
    )  # fmt: skip
    lt = sample_lifetimes
    got = lt.loc[ref.index, ["frequency", "recency", "T", "monetary_value"]].astype(float)
    pd.testing.assert_frame_equal(
        got, ref[["frequency", "recency", "T", "monetary_value"]], check_names=False
    )
    assert len(ref) == len(lt)


def test_hand_case_censoring_convention():
    # as_of = day 100, W = 30, so cut = day 70
    rows = [
        ("A", 0, 10), ("A", 10, 5), ("A", 20, 5), ("A", 130, 99),  # churned; line after as_of
        ("B", 0, 10), ("B", 50, 10), ("B", 95, 10),  # active: censored at 70 - 0
        ("C", 80, 10), ("C", 90, 10),  # acquired after the cut: not observable
        ("D", 5, 10),  # one purchase, long ago: churned with duration 0
        ("E", 3, -10),  # returns only: no purchase, left out and counted
        ("F", 0, 10), ("F", 40, 10), ("F", 90, 10),  # gaps 40 and 50 > 30: two reactivations
        ("G", 10, 10), ("G", 70, 10), ("G", 72, -10),  # last purchase on the cut: churned
        ("H", 101, 10),  # only after as_of: ignored
    ]  # fmt: skip
    lt = churn.customer_lifetimes(_tx(rows), as_of=D0 + pd.Timedelta(days=100), inactivity_days=30)
    assert list(lt.index) == ["A", "B", "C", "D", "F", "G"]
    assert lt.attrs["lines_after_as_of"] == 2  # A's day-130 line and H's line
    assert lt.attrs["customers_without_purchase"] == 1  # E
    # expected values: the convention applied by hand
    exp = pd.DataFrame(
        {
            "churned": [True, False, False, True, False, True],
            "observable": [True, True, False, True, True, True],
            "duration_days": [20.0, 70.0, np.nan, 0.0, 70.0, 60.0],
            "n_reactivations": [0, 2, 0, 0, 2, 1],  # gaps > 30: B 50, 45; F 40, 50; G 60
            "n_purchases": [3, 3, 2, 1, 3, 2],
            "days_since_last": [80, 5, 10, 95, 10, 30],
            "frequency": [2, 2, 1, 0, 2, 1],
            "monetary_value": [5.0, 10.0, 10.0, 0.0, 10.0, 10.0],
            "revenue": [20.0, 30.0, 20.0, 10.0, 30.0, 10.0],  # G's return nets to 10
        },
        index=pd.Index(list("ABCDFG"), name="customer_id"),
    )
    pd.testing.assert_frame_equal(lt[exp.columns], exp, check_dtype=False)
    assert lt.attrs["n_observable"] == 5 and lt.attrs["n_churned"] == 3


def test_multi_region_customer_and_same_day_lines():
    rows = [
        ("A", 0, 100, "North"), ("A", 0, 30, "South"), ("A", 0, -20, "South"),
        ("A", 7, 50, "South"), ("A", 7, 40, "South"), ("A", 14, 10, "North"),
        ("B", 0, 5, "South"), ("B", 1, 5, "North"),  # tie 5 / 5: alphabetically first
    ]  # fmt: skip
    lt = churn.customer_lifetimes(
        _tx(rows, segment="x"), as_of=D0 + pd.Timedelta(days=20), inactivity_days=10
    )
    a = lt.loc["A"]
    # by hand: North 110 vs South 100 -> North; 3 purchase days; repeat days 90 and 10
    assert a["region"] == "North" and a["n_purchases"] == 3 and a["frequency"] == 2
    assert a["monetary_value"] == pytest.approx(50.0) and a["revenue"] == pytest.approx(210.0)
    assert a["median_gap_days"] == 7 and a["longest_gap_days"] == 7
    assert lt.loc["B", "region"] == "North"


def test_attribute_names_clashing_with_internal_names(sample_tx):
    # attribute columns called like the module's internal SQL names must not change anything
    t = sample_tx[sample_tx["date"] <= "2024-06-30"].iloc[:20_000]
    base = churn.customer_lifetimes(t, inactivity_days=90)
    odd = t.assign(day="x", rev=1.0, top="y", gap=0)
    got = churn.customer_lifetimes(odd, inactivity_days=90)
    pd.testing.assert_frame_equal(got[base.columns], base)
    assert (got["day"] == "x").all() and (got["gap"] == 0).all()


def test_as_of_default_and_errors(sample_tx):
    tx = _tx([("A", 0, 10), ("A", 30, 10), ("B", 10, 10)])
    lt = churn.customer_lifetimes(tx, inactivity_days=10)
    assert lt.attrs["as_of"] == D0 + pd.Timedelta(days=30)  # the last date in the data
    with pytest.raises(ConfigError, match="inactivity_days must be a positive"):
        churn.customer_lifetimes(tx, inactivity_days=0)
    with pytest.raises(ConfigError, match="0 < key <= major <= 1"):
        churn.customer_lifetimes(tx, inactivity_days=10, tier_thresholds=(0.5, 0.1))
    with pytest.raises(ConfigError, match="pair"):
        churn.customer_lifetimes(tx, inactivity_days=10, tier_thresholds=0.1)
    with pytest.raises(DataError, match="is before the first date in the data"):
        churn.customer_lifetimes(tx, as_of="2020-01-01", inactivity_days=10)
    with pytest.raises(DataError, match="pandas DataFrame"):
        churn.customer_lifetimes([1, 2], inactivity_days=10)
    with pytest.raises(DataError, match="no customer has two or more purchase days"):
        churn.customer_lifetimes(_tx([("A", 0, 10), ("B", 3, 10)]))


def test_tier_thresholds_passed_to_pyramid(sample_lifetimes, sample_tx):
    lt = churn.customer_lifetimes(
        sample_tx, as_of="2024-06-30", inactivity_days=90, tier_thresholds=(0.05, 0.3)
    )
    exp = customer_tiers(sample_lifetimes["revenue"], key=0.05, major=0.3)
    pd.testing.assert_series_equal(lt["tier"], exp, check_names=False)
    assert lt.attrs["tier_thresholds"] == (0.05, 0.3)


# --------------------------------------------------------------------------- inactivity window


def test_suggest_window_matches_numpy(sample_tx):
    w = churn.suggest_inactivity_window(sample_tx, as_of="2024-06-30")
    t = sample_tx[(sample_tx["date"] <= "2024-06-30") & (sample_tx["amount"] > 0)]
    days = t.assign(day=t["date"].dt.normalize())[["customer_id", "day"]].drop_duplicates()
    gaps = days.sort_values(["customer_id", "day"]).groupby("customer_id")["day"].diff()
    gaps = gaps.dt.days.dropna().to_numpy()
    q = np.quantile(gaps, [0.5, 0.75, 0.9, 0.95, 0.99])  # numpy's linear interpolation
    np.testing.assert_allclose(w.gap_percentiles.to_numpy(), q)
    assert w.gap_days == pytest.approx(q[2])
    assert w.days == min(max(int(np.ceil(q[2] / 30) * 30), 30), 730)  # documented rule
    assert int(w) == w.days and w.n_gaps == len(gaps)
    assert w.n_repeat_customers == int((days.groupby("customer_id").size() > 1).sum())
    assert "rounded up to a multiple of 30" in w.rule
    # bounds and percentile options
    assert churn.suggest_inactivity_window(sample_tx, min_days=400).days == 400
    assert churn.suggest_inactivity_window(sample_tx, max_days=45).days == 45
    w95 = churn.suggest_inactivity_window(sample_tx, percentile=0.95, round_to=7)
    assert w95.days % 7 == 0 and w95.days >= w95.gap_days > w95.days - 7


def test_suggest_window_errors(sample_tx):
    with pytest.raises(ConfigError, match="percentile must be between 0 and 1"):
        churn.suggest_inactivity_window(sample_tx, percentile=90)
    with pytest.raises(ConfigError, match="min_days <= max_days"):
        churn.suggest_inactivity_window(sample_tx, min_days=100, max_days=50)
    with pytest.raises(DataError, match="pass inactivity_days explicitly"):
        churn.suggest_inactivity_window(_tx([("A", 0, 10), ("B", 1, 10)]))


def test_default_window_is_the_suggestion(sample_tx):
    lt = churn.customer_lifetimes(sample_tx, as_of="2024-06-30")
    w = churn.suggest_inactivity_window(sample_tx, as_of="2024-06-30")
    assert lt.attrs["inactivity_days"] == w.days
    assert lt.attrs["inactivity_window"].days == w.days


# --------------------------------------------------------------------------- simulated truth


def test_simulated_truth_km_median_cox_hr_and_wrong_convention(sim, sim_lifetimes):
    from lifelines import KaplanMeierFitter

    lt = sim_lifetimes
    obs = lt[lt["observable"]]
    # truth: median active lifetime (last - first purchase over the whole simulated life)
    # of the customers used in the estimate
    truth = sim.customers.loc[obs.index, "active_lifetime_days"].median()
    km = churn.survival_curves(lt).summary.at["All", "median_lifetime_days"]
    assert abs(km / truth - 1) < 0.05

    # the wrong convention: active customers censored at as_of (not at as_of - W)
    as_of = lt.attrs["as_of"]
    wrong = np.where(obs["churned"], obs["duration_days"], (as_of - obs["first_purchase"]).dt.days)
    km_wrong = KaplanMeierFitter().fit(wrong, obs["churned"]).median_survival_time_
    assert abs(km_wrong / truth - 1) > 0.05  # misses the bound (overstates survival)
    assert km_wrong > truth

    # observed churned lifetimes are the true active lifetimes (no purchase after the window)
    ch = obs[obs["churned"]]
    same = ch["duration_days"] == sim.customers.loc[ch.index, "active_lifetime_days"]
    assert same.mean() > 0.999

    # Cox: segment hazard ratio with the latent tier and region as covariates
    lt2 = lt.join(sim.customers[["tier"]].rename(columns={"tier": "true_tier"}))
    cph = churn.fit_cox(
        lt2,
        covariates=["segment", "true_tier", "region"],
        baseline={"segment": "manufacturer", "true_tier": "general", "region": "North"},
    )
    true_hr = sim.params["hazard_ratios"]["segment"]["distributor"]  # 1.6
    assert abs(cph.hazard_ratios_["segment=distributor"] / true_hr - 1) < 0.15
    assert cph.kam_baselines_ == {"segment": "manufacturer", "true_tier": "general",
                                  "region": "North"}  # fmt: skip


# --------------------------------------------------------------------------- Kaplan–Meier


def _ref_km(d, e, alpha=0.05):
    """Product-limit estimate and Greenwood log-log band at the distinct times (numpy)."""
    d, e = np.asarray(d, float), np.asarray(e, bool)
    times = np.unique(np.concatenate([[0.0], d]))
    at_risk = np.array([(d >= t).sum() for t in times])
    deaths = np.array([((d == t) & e).sum() for t in times])
    cens = np.array([((d == t) & ~e).sum() for t in times])
    s = np.cumprod(1 - deaths / at_risk)
    with np.errstate(divide="ignore", invalid="ignore"):
        var = np.cumsum(deaths / (at_risk * (at_risk - deaths)))
        z = stats.norm.ppf(1 - alpha / 2)
        v = np.sqrt(var) / np.log(s)
        lo, hi = s ** np.exp(-z * v), s ** np.exp(z * v)
    return pd.DataFrame(
        {
            "timeline": times,
            "survival": s,
            "ci_low": lo,
            "ci_high": hi,
            "at_risk": at_risk,
            "events": deaths,
            "censored": cens,
        }  # fmt: skip
    )


def test_km_table_and_summary_match_reference(sample_lifetimes):
    cur = churn.survival_curves(sample_lifetimes, by="tier", horizon_days=365)
    assert list(cur.summary.index) == ["key", "major", "general"]
    assert list(cur.summary.columns) == list(churn.SUMMARY_COLUMNS)
    assert list(cur.table.columns) == list(churn.KM_COLUMNS)
    assert repr(cur).startswith("SurvivalCurves(by='tier'") and "<table" in cur._repr_html_()
    obs = sample_lifetimes[sample_lifetimes["observable"]]
    for g in ["major", "general"]:
        o = obs[obs["tier"] == g]
        ref = _ref_km(o["duration_days"], o["churned"])
        got = cur.table[cur.table["group"] == g].drop(columns="group").reset_index(drop=True)
        # lifelines sets the band to 1 where S = 1 (ours: NaN from log(1) = 0)
        ref[["ci_low", "ci_high"]] = ref[["ci_low", "ci_high"]].fillna(1.0)
        pd.testing.assert_frame_equal(got, ref, check_dtype=False, atol=1e-9)
        row = cur.summary.loc[g]
        assert row["n"] == (sample_lifetimes["tier"] == g).sum()
        assert row["n_observable"] == len(o) and row["events"] == o["churned"].sum()
        assert row["censored"] == len(o) - o["churned"].sum()
        below = ref[ref["survival"] <= 0.5]
        med = below["timeline"].iloc[0] if len(below) else np.nan  # first t with S(t) <= 0.5
        assert row["median_lifetime_days"] == pytest.approx(med, nan_ok=True)
        for col, t in (("survival_1y", 365), ("survival_2y", 730), ("survival_3y", 1095)):
            s_t = ref.loc[ref["timeline"] <= t, "survival"].iloc[-1]
            # beyond the longest follow-up (and S > 0 there) S(t) is not estimable: NaN
            exp = s_t if t <= o["duration_days"].max() else np.nan
            assert row[col] == pytest.approx(exp, nan_ok=True)
        # RMST = area under the step function up to the horizon
        t = np.append(ref["timeline"].to_numpy(), 365.0)
        t = np.minimum(t, 365.0)
        area = np.sum(ref["survival"].to_numpy() * np.diff(t))
        assert row["rmst_days"] == pytest.approx(area)
        assert row["status"] == "ok" and row["reason"] == ""
        assert row["max_followup_days"] == o["duration_days"].max()
        assert row["median_ci_low"] <= row["median_lifetime_days"] or np.isnan(med)


def test_small_groups_are_insufficient_not_errors(sample_lifetimes):
    lt = sample_lifetimes.copy()
    # 'tiny' has 10 observable customers; 'quiet' has 30 but only 3 events
    obs_ids = lt.index[lt["observable"]]
    lt["grp"] = "big"
    lt.loc[obs_ids[:10], "grp"] = "tiny"
    quiet = lt.index[lt["observable"] & ~lt["churned"]][20:50]
    quiet = quiet.append(lt.index[lt["observable"] & lt["churned"]][-3:])
    lt.loc[quiet, "grp"] = "quiet"
    with pytest.warns(InsufficientDataWarning, match="insufficient data for quiet.*tiny"):
        cur = churn.survival_curves(lt, by="grp")
    s = cur.summary
    assert s.loc["tiny", "status"] == "insufficient data"
    assert "10 observable customers (< 20)" in s.loc["tiny", "reason"]
    assert s.loc["quiet", "status"] == "insufficient data"
    assert "3 churn events (< 5)" in s.loc["quiet", "reason"]
    assert s.loc[["tiny", "quiet"], "median_lifetime_days"].isna().all()
    assert s.loc[["tiny", "quiet"], "rmst_days"].isna().all()
    assert set(cur.table["group"]) == {"big"} and set(cur.fitters) == {"big"}
    churn.plot_survival(cur)  # draws the sufficient group and names the others


def test_all_churned_none_churned_single_group():
    # all churned: every customer bought twice long before as_of (day 400, W = 60)
    rows = [(f"C{i:02d}", i, 10) for i in range(30)]
    rows += [(f"C{i:02d}", i + 10 * (i % 7), 10) for i in range(30)]
    rows += [("Z", 400, 1)]  # one late customer sets as_of, not observable
    lt = churn.customer_lifetimes(_tx(rows), as_of=D0 + pd.Timedelta(days=400), inactivity_days=60)
    obs = lt[lt["observable"]]
    assert obs["churned"].all() and len(obs) == 30
    cur = churn.survival_curves(lt)
    # every duration observed: KM = empirical survival, reaching 0 at the longest lifetime
    assert cur.table["survival"].iloc[-1] == 0.0
    d = np.sort(obs["duration_days"].to_numpy())
    assert cur.summary.at["All", "median_lifetime_days"] == d[14]  # S <= 0.5 at the 15th of 30
    assert cur.summary.at["All", "rmst_days"] == pytest.approx(np.minimum(d, 730).mean())

    # none churned: everyone bought within the last 60 days as well
    rows2 = [(f"C{i:02d}", i, 10) for i in range(30)] + [(f"C{i:02d}", 380, 10) for i in range(30)]
    lt2 = churn.customer_lifetimes(_tx(rows2), inactivity_days=60)
    assert not lt2["churned"].any()
    with pytest.warns(InsufficientDataWarning, match="0 churn events"):
        s = churn.survival_curves(lt2).summary
    assert s.at["All", "status"] == "insufficient data" and s.at["All", "events"] == 0
    cmp = churn.compare_groups(lt2, by="tier")
    assert cmp["status"].iloc[0] == "insufficient data: no churn event"
    with pytest.raises(DataError, match="insufficient data"):
        churn.fit_cox(lt2, covariates=["tier"])

    # a single group: one region only
    single = churn.survival_curves(lt, by="region")
    assert list(single.summary.index) == ["North"]
    cmp1 = churn.compare_groups(lt, by="region")
    assert len(cmp1) == 1 and cmp1["status"].iloc[0] == "insufficient data: one group"
    assert np.isnan(cmp1["p"].iloc[0])


def test_survival_curves_errors(sample_lifetimes):
    with pytest.raises(ConfigError, match="by='nope' is not a column"):
        churn.survival_curves(sample_lifetimes, by="nope")
    with pytest.raises(DataError, match="lacks column"):
        churn.survival_curves(sample_lifetimes.drop(columns="duration_days"))
    with pytest.raises(DataError, match="needs the DataFrame returned by customer_lifetimes"):
        churn.survival_curves("lifetimes")
    with pytest.raises(ConfigError, match="0 < alpha < 1"):
        churn.survival_curves(sample_lifetimes, alpha=5)


# --------------------------------------------------------------------------- log-rank


def _ref_logrank(d1, e1, d2, e2):
    """Two-sample log-rank chi-squared statistic (numpy)."""
    d = np.concatenate([d1, d2])
    e = np.concatenate([e1, e2]).astype(bool)
    g = np.r_[np.zeros(len(d1)), np.ones(len(d2))]
    o_e, var = 0.0, 0.0
    for t in np.unique(d[e]):
        n = (d >= t).sum()
        n1 = ((d >= t) & (g == 0)).sum()
        k = ((d == t) & e).sum()
        k1 = ((d == t) & e & (g == 0)).sum()
        o_e += k1 - k * n1 / n
        var += k * (n1 / n) * (1 - n1 / n) * (n - k) / (n - 1) if n > 1 else 0.0
    return o_e**2 / var


def test_compare_groups_matches_reference_logrank(sample_lifetimes):
    res = churn.compare_groups(sample_lifetimes, by="tier")
    assert list(res.columns) == ["test", "group_a", "group_b", "n_a", "n_b", "statistic", "df",
                                 "p", "p_bonferroni", "status"]  # fmt: skip
    assert res["test"].tolist() == ["multivariate"] + ["pairwise"] * 3
    obs = sample_lifetimes[sample_lifetimes["observable"]]
    row = res[(res["group_a"] == "major") & (res["group_b"] == "general")].iloc[0]
    a, b = obs[obs["tier"] == "major"], obs[obs["tier"] == "general"]
    stat = _ref_logrank(a["duration_days"], a["churned"], b["duration_days"], b["churned"])
    assert row["statistic"] == pytest.approx(stat, rel=1e-9)
    assert row["p"] == pytest.approx(stats.chi2.sf(stat, 1), rel=1e-9)
    assert row["p_bonferroni"] == pytest.approx(min(1.0, 3 * row["p"]))
    assert res["df"].iloc[0] == 2  # 3 groups
    # two groups: the multivariate test is the pairwise test
    two = obs[obs["tier"] != "key"]
    r2 = churn.compare_groups(two, by="tier")
    assert r2["statistic"].iloc[0] == pytest.approx(r2["statistic"].iloc[1])


# --------------------------------------------------------------------------- Cox


def _ph_frame(n=4000, seed=3):
    """Lifetimes-like frame: 'grp' has proportional hazards (HR 2); 'cross' does not."""
    rng = np.random.default_rng(seed)
    grp = rng.choice(["a", "b"], n)
    cross = rng.choice(["no", "yes"], n)
    base = np.where(grp == "b", 2.0, 1.0) / 300
    life = rng.exponential(1 / base)
    # 'cross': hazard x 4 for the first 100 days, then x 0.25 (hazards cross)
    early = rng.exponential(1 / (4 * base))
    late = 100 + rng.exponential(1 / (0.25 * base))
    life = np.where(cross == "yes", np.where(early < 100, early, late), life)
    follow = rng.uniform(200, 1200, n)
    return pd.DataFrame(
        {
            "duration_days": np.floor(np.minimum(life, follow)),
            "churned": life <= follow,
            "observable": True,
            "grp": grp,
            "cross": cross,
            "size": rng.normal(size=n),
        }
    )


def test_fit_cox_baselines_and_hazard_table():
    f = _ph_frame()
    cph = churn.fit_cox(f, covariates=["grp", "cross", "size"], baseline={"grp": "a"})
    # default baseline of 'cross': its most frequent level (ties: alphabetically first)
    n = f["cross"].value_counts()
    assert cph.kam_baselines_ == {"grp": "a", "cross": sorted(n.index[n == n.max()])[0]}
    tab = churn.hazard_ratio_table(cph)
    assert list(tab.columns) == ["covariate", "level", "baseline", "hr", "hr_low", "hr_high", "p",
                                 "ph_p", "ph_ok", "n", "events", "status"]  # fmt: skip
    g = tab.set_index(["covariate", "level"])
    assert g.loc[("grp", "b"), "baseline"] == "a"
    assert g.loc[("size", "per unit"), "baseline"] == ""
    np.testing.assert_allclose(tab["hr"], np.exp(cph.params_.to_numpy()))
    assert (tab["hr_low"] < tab["hr"]).all() and (tab["hr"] < tab["hr_high"]).all()
    # truth: grp HR 2 (proportional); size has no effect
    assert abs(g.loc[("grp", "b"), "hr"] / 2 - 1) < 0.15
    assert g.loc[("size", "per unit"), "p"] > 0.001
    # PH check as data: 'cross' violates it by construction, 'grp' does not
    assert bool(g.loc[("grp", "b"), "ph_ok"]) and g.loc[("grp", "b"), "ph_p"] > 0.05
    cross_row = g.xs("cross", level="covariate").iloc[0]
    assert not cross_row["ph_ok"] and cross_row["ph_p"] < 1e-6
    assert any(c.startswith("cross=") for c in tab.attrs["ph_failed"])
    # ph_ok is exactly ph_p >= 0.05
    assert (tab["ph_ok"] == (tab["ph_p"] >= 0.05)).all()


def test_hazard_table_from_lifetimes_and_strata(sample_lifetimes):
    tab = churn.hazard_ratio_table(sample_lifetimes, covariates=["tier"], ph_test=False)
    assert tab["level"].tolist() == ["key", "major"] and (tab["baseline"] == "general").all()
    # the check was not run: ph_ok is NA, not "passed"
    assert tab["ph_p"].isna().all() and tab["ph_ok"].isna().all()
    churn.plot_hazard_ratios(tab)  # NA is drawn as not failed, without error
    cph = churn.fit_cox(sample_lifetimes, covariates=["segment"], strata=["tier"])
    assert len(cph.params_) == 1 and cph.params_.index[0].startswith("segment=")
    assert cph.strata in ("tier", ["tier"])


@pytest.mark.filterwarnings("ignore::scipy.linalg.LinAlgWarning")
def test_fit_cox_errors(sample_lifetimes):
    with pytest.raises(ConfigError, match="must be columns of lifetimes"):
        churn.fit_cox(sample_lifetimes, covariates=["nope"])
    with pytest.raises(ConfigError, match="baseline 'vip' of 'tier'"):
        churn.fit_cox(sample_lifetimes, covariates=["tier"], baseline={"tier": "vip"})
    with pytest.raises(DataError, match="insufficient data"):
        churn.fit_cox(sample_lifetimes.iloc[:10], covariates=["tier"])
    twin = _ph_frame().assign(twin=lambda f: f["grp"])  # collinear: singular information matrix
    with pytest.raises(DataError, match="did not converge"):
        churn.fit_cox(twin, covariates=["grp", "twin"])
    with pytest.raises(ConfigError, match="fitted CoxPHFitter"):
        churn.hazard_ratio_table("model")
    from lifelines import CoxPHFitter

    plain = CoxPHFitter().fit(_ph_frame()[["duration_days", "churned", "size"]],
                              "duration_days", "churned")  # fmt: skip
    with pytest.raises(ConfigError, match="ph_test=False"):
        churn.hazard_ratio_table(plain)
    assert churn.hazard_ratio_table(plain, ph_test=False)["covariate"].tolist() == ["size"]


# --------------------------------------------------------------------------- at-risk accounts


def test_at_risk_accounts_matches_independent(sample_tx):
    as_of, w = "2024-06-30", 90
    got = churn.at_risk_accounts(sample_tx, as_of=as_of, inactivity_days=w)
    ref = _ref_facts(sample_tx, as_of, w)
    ref["tier"] = customer_tiers(ref["revenue"])
    live = ref[~ref["churned"] & ref["tier"].isin(["key", "major"])]
    q75 = live.groupby("tier")["days_since_last"].quantile(0.75)
    thr = np.maximum(2 * live["median_gap_days"], live["tier"].map(q75))
    late = live[(live["days_since_last"] > thr) & live["median_gap_days"].notna()]
    late = late.assign(threshold_days=thr).sort_values(["revenue_12m", "revenue"], ascending=False)
    assert len(late) > 0
    assert got["customer_id"].tolist() == late.index.tolist()
    assert list(got.columns) == ["customer_id", "region", "tier", "last_purchase",
                                 "days_since_last", "median_gap_days", "threshold_days",
                                 "revenue_12m", "revenue"]  # fmt: skip
    np.testing.assert_allclose(got["threshold_days"], late["threshold_days"])
    assert got.attrs["n_live_watched"] == len(live)
    assert (got["revenue_12m"].diff().dropna() <= 0).all()


def test_at_risk_hand_case_and_errors():
    # seven accounts buying every `gap` days up to day `last` (tier thresholds 0.5 / 1.0)
    rows = []
    for c, (gap, last) in {"A": (10, 60), "B": (10, 96), "C": (20, 98), "D": (5, 99),
                           "E": (30, 30), "F": (10, 100)}.items():  # fmt: skip
        rows += [(c, d, 100) for d in range(0, last + 1, gap)]
    rows += [("S", 99, 5000)]  # single purchase day: no rhythm, never listed
    tx = _tx(rows)
    got = churn.at_risk_accounts(tx, inactivity_days=60, tiers=("key", "major", "general"),
                                 tier_thresholds=(0.5, 1.0))  # fmt: skip
    # by hand: as_of = day 100, W = 60: E (last day 30) churned, the others live. Revenue
    # S 5000, D 2000, F 1100, B 1000, A 700, C 500, E 200 -> key S, D, F, B (ceil(3.5) = 4);
    # major A, C, E. Days since last / median gap: S 1 / -, D 5 / 5, F 0 / 10, B 10 / 10,
    # A 40 / 10, C 20 / 20. P75 of days since last among live key [0, 1, 5, 10] = 6.25,
    # among live major [20, 40] = 35. Thresholds: A max(20, 35) = 35 < 40 -> listed;
    # C max(40, 35) = 40 > 20; B 20 > 10; D 10 > 5; F 20 > 0; S has no rhythm.
    assert got["customer_id"].tolist() == ["A"]
    a = got.iloc[0]
    assert (a["tier"], a["days_since_last"], a["median_gap_days"], a["threshold_days"]) == (
        "major",
        40,
        10.0,
        35.0,
    )
    assert got.attrs["n_without_rhythm"] == 1
    # watching key accounts only: nobody is late
    assert churn.at_risk_accounts(tx, inactivity_days=60, tiers="key",
                                  tier_thresholds=(0.5, 1.0)).empty  # fmt: skip
    with pytest.raises(ConfigError, match="tiers must be among"):
        churn.at_risk_accounts(tx, tiers=("vip",), inactivity_days=60)
    with pytest.raises(ConfigError, match="gap_multiple > 0"):
        churn.at_risk_accounts(tx, gap_multiple=0, inactivity_days=60)


# --------------------------------------------------------------------------- plots


def test_plot_survival_at_risk_table(sample_lifetimes):
    import matplotlib.axes

    cur = churn.survival_curves(sample_lifetimes, by="tier")
    ax = churn.plot_survival(cur, xticks=[0, 180, 360])
    assert isinstance(ax, matplotlib.axes.Axes)
    assert len(ax.get_lines()) == 3  # one step curve per tier
    texts = [t.get_text() for t in ax.texts]
    obs = sample_lifetimes[sample_lifetimes["observable"]]
    # the at-risk numbers under the axis: customers whose duration is >= t
    for g in ["key", "major", "general"]:
        d = obs.loc[obs["tier"] == g, "duration_days"]
        for t in (0, 180, 360):
            assert f"{int((d >= t).sum()):,}" in texts
    assert "At risk" in texts
    with pytest.raises(ConfigError, match="survival_curves"):
        churn.plot_survival(pd.DataFrame())


def test_plot_hazard_ratios_forest():
    tab = churn.hazard_ratio_table(churn.fit_cox(_ph_frame(), covariates=["grp", "cross"]))
    ax = churn.plot_hazard_ratios(tab)
    assert ax.get_xscale() == "log"
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert len(labels) == len(tab) and any(lab.endswith("†") for lab in labels)
    with pytest.raises(ConfigError, match="hazard_ratio_table"):
        churn.plot_hazard_ratios(pd.DataFrame({"hr": [1.0]}))


def test_real_data_rfm_matches_lifetimes(real_tx):
    lifetimes_utils = pytest.importorskip("lifetimes.utils")
    lt = churn.customer_lifetimes(real_tx, inactivity_days=90)
    pos = real_tx[real_tx["amount"] > 0]
    # time of day present: lifetimes floors to days like we do
    ref = lifetimes_utils.summary_data_from_transaction_data(
        pos, "customer_id", "date", observation_period_end=lt.attrs["as_of"], freq="D"
    )
    got = lt.loc[ref.index, ["frequency", "recency", "T"]].astype(float)
    assert len(ref) == len(lt)
    pd.testing.assert_frame_equal(got, ref[["frequency", "recency", "T"]], check_names=False)


def test_cox_numeric_covariate_with_missing_values_is_a_data_error(sample_lifetimes):
    lt = sample_lifetimes.copy()
    lt["employees"] = np.arange(len(lt), dtype=float)
    gone = lt.index[lt["observable"]][[3, 7]]
    lt.loc[gone, "employees"] = np.nan
    with pytest.raises(DataError, match="employees") as err:
        churn.fit_cox(lt, covariates=["tier", "employees"])
    assert err.value.column == "employees"
    assert {r for r, _ in err.value.rows} == set(gone)


def test_level_without_churn_events_has_no_hazard_ratio():
    # 60 customers in 'a' (30 churn), 40 in 'b' and none of b churns: the partial
    # likelihood grows without bound as HR(b) -> 0, so there is no estimate to report
    rng = np.random.default_rng(3)
    n_a, n_b = 60, 40
    lt = pd.DataFrame(
        {
            "duration_days": np.r_[rng.integers(30, 900, n_a), rng.integers(30, 900, n_b)].astype(
                float
            ),
            "churned": np.r_[np.arange(n_a) % 2 == 0, np.zeros(n_b, bool)],
            "observable": True,
            "grp": ["a"] * n_a + ["b"] * n_b,
            "size": rng.normal(size=n_a + n_b),
        },
        index=pd.Index([f"c{i}" for i in range(n_a + n_b)], name="customer_id"),
    )
    tab = churn.hazard_ratio_table(lt, covariates=["grp", "size"], baseline={"grp": "a"})
    b = tab.set_index("level").loc["b"]
    assert (b["n"], b["events"], b["status"]) == (40, 0, "no churn events in this level")
    assert np.isnan([b["hr"], b["hr_low"], b["hr_high"], b["p"]]).all()
    size = tab.set_index("level").loc["per unit"]
    assert (size["n"], size["events"], size["status"]) == (100, 30, "ok")
    assert np.isfinite(size["hr"])
    # with b as the baseline, a's row is the one without an estimate
    flipped = churn.hazard_ratio_table(lt, covariates=["grp"], baseline={"grp": "b"})
    assert flipped.loc[0, "status"] == "no churn events in the baseline 'b'"
    ax = churn.plot_hazard_ratios(tab)
    assert any("(no estimate)" in t.get_text() for t in ax.get_yticklabels())
