"""kamresearch.evidence: each model against an independent computation, the engine panels
against customer_lifetimes, error branches. Recovery studies: test_evidence_recovery.py."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import kamresearch as kam
from kamresearch import evidence as ev
from kamresearch.engine import panels
from kamresearch.errors import ConfigError, DataError
from kamresearch.evidence import marks, trend


def _small_price_cells(seed=0, n_cust=40, n_prod=6):
    rng = np.random.default_rng(seed)
    rows = []
    tiers = np.array(["key"] * 8 + ["major"] * 12 + ["general"] * (n_cust - 20), dtype=object)
    for c in range(n_cust):
        for p in rng.choice(n_prod, size=rng.integers(2, n_prod + 1), replace=False):
            rows.append((f"c{c:02d}", f"p{p}", float(rng.integers(1, 20)),
                         np.log(10 + p) + 0.1 * (tiers[c] == "key") + rng.normal(0, 0.05)))  # fmt: skip
    cells = pd.DataFrame(rows, columns=["customer_id", "product_id", "quantity", "log_price"])
    return cells, pd.Series(tiers, index=[f"c{c:02d}" for c in range(n_cust)])


def _cluster_se(X, resid, w, groups):
    """Cluster-robust sandwich by hand (Liang–Zeger, statsmodels' small-sample factor)."""
    Xw = X * w[:, None]
    bread = np.linalg.inv(X.T @ Xw)
    g_codes = pd.factorize(groups)[0]
    G = g_codes.max() + 1
    scores = np.zeros((G, X.shape[1]))
    np.add.at(scores, g_codes, Xw * resid[:, None])
    meat = scores.T @ scores
    n, k = X.shape
    cov = bread @ meat @ bread * (G / (G - 1)) * ((n - 1) / (n - k))
    return np.sqrt(np.diag(cov))


def test_price_premium_equals_dummy_regression_by_lstsq():
    """Absorbed product effects = explicit product dummies (numpy weighted least squares);
    the clustered SE = a hand-written Liang–Zeger sandwich on the demeaned design."""
    cells, tiers = _small_price_cells()
    res = marks.premium_fit(cells, tiers)
    t = cells["customer_id"].map(tiers).to_numpy()
    D = pd.get_dummies(cells["product_id"]).to_numpy(float)
    X = np.column_stack([(t == "key"), (t == "major"), D]).astype(float)
    w = cells["quantity"].to_numpy()
    sw = np.sqrt(w)
    beta = np.linalg.lstsq(X * sw[:, None], cells["log_price"].to_numpy() * sw, rcond=None)[0]
    np.testing.assert_allclose(res.params, beta[:2], rtol=0, atol=1e-6)
    # SE: sandwich on the demeaned regressors (the FE are partialled out, FWL)
    codes = pd.factorize(cells["product_id"])[0]
    Xt = marks.absorb(X[:, :2], codes, w)
    yt = marks.absorb(cells["log_price"].to_numpy(), codes, w)
    se = _cluster_se(Xt, yt - Xt @ beta[:2], w, cells["customer_id"].to_numpy())
    np.testing.assert_allclose(res.bse, se, rtol=1e-6)


def test_order_size_cells_equal_order_level_ols():
    """Cells weighted by their orders give the order-level OLS with period dummies."""
    rng = np.random.default_rng(1)
    orders = pd.DataFrame({
        "customer_id": rng.choice([f"c{i}" for i in range(30)], 600),
        "period": rng.choice(["2021Q1", "2021Q2", "2021Q3"], 600),
    })  # fmt: skip
    tiers = pd.Series(["key"] * 5 + ["major"] * 10 + ["general"] * 15,
                      index=[f"c{i}" for i in range(30)])  # fmt: skip
    orders["logv"] = rng.normal(5, 1, 600) + 0.5 * (orders["customer_id"].map(tiers) == "key")
    cells = orders.groupby(["customer_id", "period"], as_index=False).agg(
        n_orders=("logv", "size"), mean_log_value=("logv", "mean")
    )
    res = marks.order_size_fit(cells, tiers)
    t = orders["customer_id"].map(tiers).to_numpy()
    X = np.column_stack([t == "key", t == "major",
                         pd.get_dummies(orders["period"]).to_numpy()]).astype(float)  # fmt: skip
    beta = np.linalg.lstsq(X, orders["logv"].to_numpy(), rcond=None)[0]
    np.testing.assert_allclose(res.params, beta[:2], atol=1e-6)


def test_repurchase_poisson_equals_hand_irls():
    """Poisson GLM with exposure = a hand-written IRLS (Newton on the log-likelihood)."""
    rng = np.random.default_rng(2)
    n = 200
    tiers = pd.Series(np.where(np.arange(n) < 20, "key", np.where(np.arange(n) < 60, "major",
                      "general")), index=[f"c{i}" for i in range(n)])  # fmt: skip
    expo = rng.uniform(1, 36, n)
    X = np.column_stack([np.ones(n), tiers == "key", tiers == "major"]).astype(float)
    y = rng.poisson(expo * np.exp(X @ [-1.0, 0.8, 0.3]))
    per = pd.DataFrame({"n_orders": y, "exposure_months": expo}, index=tiers.index)
    res = marks.repurchase_fit(per, tiers)
    b = np.zeros(3)
    for _ in range(50):
        mu = expo * np.exp(X @ b)
        b = b + np.linalg.solve(X.T @ (X * mu[:, None]), X.T @ (y - mu))
    np.testing.assert_allclose(res.params, b, atol=1e-6)
    # robust (HC0) SE by hand: bread^-1 meat bread^-1
    mu = expo * np.exp(X @ b)
    bread = np.linalg.inv(X.T @ (X * mu[:, None]))
    meat = (X * ((y - mu) ** 2)[:, None]).T @ X
    np.testing.assert_allclose(res.bse, np.sqrt(np.diag(bread @ meat @ bread)), rtol=1e-6)


def test_trend_slope_equals_lstsq_and_hand_newey_west():
    """OLS slope = numpy lstsq; SE = Newey–West with Bartlett weights and n/(n-2), by hand."""
    rng = np.random.default_rng(3)
    y = 0.3 + 0.01 * np.arange(20) + rng.normal(0, 0.02, 20)
    r = ev.linear_trend_test(y, periods_per_year=4)
    X = np.column_stack([np.ones(20), np.arange(20) / 4])
    beta = np.linalg.lstsq(X, y, rcond=None)[0]
    assert r["slope_per_year"] == pytest.approx(beta[1], abs=1e-9)
    e = y - X @ beta
    L = trend.newey_west_lags(20)
    S = (X * e[:, None]).T @ (X * e[:, None])
    for lag in range(1, L + 1):
        g = (X[lag:] * e[lag:, None]).T @ (X[:-lag] * e[:-lag, None])
        S += (1 - lag / (L + 1)) * (g + g.T)
    bread = np.linalg.inv(X.T @ X)
    cov = bread @ S @ bread * 20 / 18
    assert r["result"].bse[1] == pytest.approx(np.sqrt(cov[1, 1]), rel=1e-6)


def test_churn_glm_equals_hand_irls(sample_tx):
    """The churn-risk coefficients = a hand-written logistic IRLS on the same design (the
    account-periods that can reach the window); no event falls outside those rows."""
    m = ev.fit_churn_risk(sample_tx, inactivity_days=60)
    panel = panels.churn_panel(sample_tx, inactivity_days=60)
    hist = panel[panel["period_index"] <= 0]
    assert m.n_structural_events_ == 0
    hist = hist[ev.at_risk_rows(hist, 60)]
    X = m._X(hist).to_numpy()
    y = hist["event"].astype(bool).to_numpy().astype(float)
    b = np.zeros(X.shape[1])
    for _ in range(40):
        p = 1 / (1 + np.exp(-X @ b))
        b = b + np.linalg.solve(X.T @ (X * (p * (1 - p))[:, None]), X.T @ (y - p))
    np.testing.assert_allclose(m.params_.to_numpy(), b, atol=1e-6)
    assert m.n_events_ == int(y.sum())


def test_churn_panel_matches_customer_lifetimes(sample_tx):
    """One event per churned customer, in the period holding last purchase + W; the accounts
    scored now are exactly the live ones of customer_lifetimes."""
    for as_of in (None, "2023-06-17"):
        lt = kam.churn.customer_lifetimes(sample_tx, inactivity_days=60, as_of=as_of)
        p = panels.churn_panel(sample_tx, inactivity_days=60, as_of=as_of)
        ev_rows = p[p["event"].fillna(False).astype(bool)]
        assert ev_rows["customer_id"].is_unique
        churned = lt[lt["churned"]]
        # a customer churned within the first period after its first purchase period can't
        # be live at a period start; every other churned customer has its event
        assert set(ev_rows["customer_id"]) <= set(churned.index)
        missing = churned.index.difference(ev_rows["customer_id"])
        assert len(missing) <= 0.02 * len(churned)
        due = churned.loc[ev_rows["customer_id"], "last_purchase"] + pd.Timedelta(days=60)
        ends = ev_rows.set_index("customer_id")["period_end"]
        assert (due <= ends).all() and (due > ends - pd.DateOffset(months=1)).all()
        now = p[p["period_index"] == 1]
        assert set(now["customer_id"]) == set(lt.index[~lt["churned"]])
        dsl = now.set_index("customer_id")["days_since_last"]
        assert (dsl == lt.loc[dsl.index, "days_since_last"]).all()


def test_key_account_tests_shape_and_errors(sample_tx):
    t = ev.key_account_tests(sample_tx)
    assert list(t.columns) == list(ev.TEST_COLUMNS)
    assert list(t["mark"]) == ["price_premium"] * 2 + ["order_size"] * 2 + ["repurchase"] * 2
    with pytest.raises(ConfigError, match="key <= major"):
        ev.key_account_tests(sample_tx, tiers=(0.3, 0.2))
    no_price = sample_tx.drop(columns=["product_id", "quantity", "unit_price"])
    t2 = ev.key_account_tests(no_price)
    assert t2.loc[0, "estimate"] != t2.loc[0, "estimate"]  # NaN
    assert "no product_id" in t2.loc[0, "reading"]


def test_small_region_gets_a_sentence_not_a_number(sample_tx):
    small = sample_tx[sample_tx["customer_id"].isin(sample_tx["customer_id"].unique()[:300])]
    t = ev.key_account_tests(small)
    key = t[t["contrast"] == "key_vs_general"]
    assert key["estimate"].isna().all()
    assert key["reading"].str.contains("too few for a test").all()


def test_trend_test_refuses_short_series(sample_tx):
    with pytest.raises(DataError, match="at least 12 consecutive full periods"):
        ev.concentration_trend_test(sample_tx, freq="Y")
    with pytest.raises(ConfigError, match="not a concentration measure"):
        ev.concentration_trend_test(sample_tx, metric="revenue")


def test_churn_risk_list(sample_tx):
    m = ev.fit_churn_risk(sample_tx, inactivity_days=60)
    r = ev.churn_risk(m, sample_tx)
    assert list(r.columns) == list(ev.RISK_COLUMNS)
    assert r["revenue_at_risk"].is_monotonic_decreasing
    np.testing.assert_allclose(r["revenue_at_risk"], r["churn_probability"] * r["revenue_12m"])
    assert ((r["churn_probability"] >= 0) & (r["churn_probability"] <= 1)).all()
    # expected revenue: survival-weighted 12 months, never more than the trailing revenue
    assert (r["expected_revenue_12m"] <= r["revenue_12m"].clip(lower=0) + 1e-9).all()
    assert set(m.calibration_.columns) == {"n", "events", "predicted", "observed"}
    with pytest.raises(DataError, match="churn events"):
        ev.fit_churn_risk(sample_tx[sample_tx["date"] < "2021-04-01"], inactivity_days=60)


def test_auc_against_pairwise_count():
    rng = np.random.default_rng(4)
    s, y = rng.normal(size=60).round(1), rng.random(60) < 0.3
    pos, neg = s[y], s[~y]
    pairs = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    assert ev.auc(s, y) == pytest.approx(pairs / (len(pos) * len(neg)), abs=1e-12)


def test_singular_churn_risk_fit_is_a_data_error_and_a_note_in_the_report(sample_tx, monkeypatch):
    """North of the sample with a 180-day window: the logit's Hessian is singular on the
    training periods. A DataError naming the cause (shown as a note by the report), never
    numpy's LinAlgError."""
    from kamresearch.reports import sections as rs
    from kamresearch.reports.tables import RegionData

    north = sample_tx[sample_tx["region"] == "North"].reset_index(drop=True)
    with pytest.raises(kam.DataError, match="singular matrix"):
        ev.fit_churn_risk(north, inactivity_days=180)
    shown = []
    monkeypatch.setattr(rs, "_display", shown.append)
    rep = rs.RegionReport(RegionData(north, "North", sample_tx["date"].max()), inactivity_days=180)
    rep.at_risk_list()
    text = "".join(str(getattr(o, "data", o)) for o in shown)
    assert "cannot be estimated" in text


def _panel_by_hand(tx, w):
    """The churn panel (monthly, next period included) by plain loops over each
    customer's days: the definitions of churn_panel's docstring, nothing of its code."""
    as_of = tx["date"].max().normalize()
    ends = panels.panel_period_ends(tx["date"].min().normalize(), as_of, months=1)
    last_hist = len(ends) - 1
    ends = [*ends, as_of + pd.DateOffset(months=1)]

    def period(day):
        return next(k for k, e in enumerate(ends) if day <= e)

    regions = tx.groupby(["customer_id", "region"])["amount"].sum().reset_index()
    regions = regions.sort_values(
        ["customer_id", "amount", "region"], ascending=[True, False, True]
    )
    region = regions.drop_duplicates("customer_id").set_index("customer_id")["region"]
    rows = []
    for cid, g in tx.groupby("customer_id"):
        daily = g.groupby(g["date"].dt.normalize())["amount"].agg(["sum", "max"])
        buys = list(daily.index[daily["max"] > 0])
        if not buys:
            continue
        rev, ndays = {}, {}
        for day, r in daily["sum"].items():
            rev[period(day)] = rev.get(period(day), 0.0) + r
        for day in buys:
            ndays[period(day)] = ndays.get(period(day), 0) + 1
        first = period(buys[0])
        for t in range(first + 1, len(ends)):
            last_before = max(d for d in buys if d <= ends[t - 1])
            if (ends[t - 1] - last_before).days >= w:
                continue
            trailing = range(max(first, t - 12), t)
            recent = range(max(first, t - 3), t)
            rt = sum(rev.get(k, 0.0) for k in trailing)
            rr = sum(rev.get(k, 0.0) for k in recent)
            rt, rr = (0.0 if abs(x) < 1e-6 else x for x in (rt, rr))
            later = [k for k in ndays if k > t]
            row = {
                "customer_id": cid,
                "period_index": t - last_hist,
                "period_days": (ends[t] - ends[t - 1]).days,
                "region": region[cid],
                "days_since_last": (ends[t - 1] - last_before).days,
                "tenure_periods": t - first,
                "purchase_periods": sum(k in ndays for k in trailing),
                "purchase_days": sum(ndays.get(k, 0) for k in trailing),
                "revenue_trailing": rt,
                "revenue_recent": rr,
                "next_purchase_index": min(later) - last_hist if later else pd.NA,
            }
            if t <= last_hist:
                last_through = max(d for d in buys if d <= ends[t])
                gone = (ends[t] - last_through).days >= w
                row["live_at_end"] = not gone
                row["event"] = gone and last_through == buys[-1]
            rows.append(row)
    return pd.DataFrame(rows)


@pytest.mark.parametrize("w", [45, 120])
def test_churn_panel_equals_loops_over_days(sample_tx, w):
    """Every covariate and outcome of the panel = loops over each customer's days (a
    subset of 150 customers of the sample, with their returns); the revenue rank = a
    sort of the period's ranked rows by trailing revenue (to the millionth), then id."""
    ids = sample_tx["customer_id"].drop_duplicates().sort_values().iloc[::7][:150]
    tx = sample_tx[sample_tx["customer_id"].isin(ids)].reset_index(drop=True)
    p = panels.churn_panel(tx, inactivity_days=w)
    hand = _panel_by_hand(tx, w)
    assert len(p) == len(hand) > 500
    assert p[["customer_id", "period_index"]].equals(hand[["customer_id", "period_index"]])
    for c in hand.columns:
        got, want = p[c], hand[c]
        if c.startswith("revenue"):
            np.testing.assert_allclose(got.to_numpy(float), want.to_numpy(float), atol=1e-9)
        elif c in ("live_at_end", "event", "next_purchase_index"):
            assert [None if pd.isna(x) else x for x in got] == [
                None if pd.isna(x) else x for x in want
            ], c
        else:
            assert (got.to_numpy() == want.to_numpy()).all(), c
    ranked = p[p["revenue_trailing"] > 0].assign(
        key=lambda d: -np.round(d["revenue_trailing"] * 1e6)
    )
    ranked = ranked.sort_values(["period_index", "key", "customer_id"])
    expected = ranked.groupby("period_index").cumcount() + 1
    assert (ranked["revenue_rank"] == expected).all()
    assert p.loc[p["revenue_trailing"] <= 0, "revenue_rank"].isna().all()
    n = ranked.groupby("period_index").size()
    assert (p["n_ranked"] == p["period_index"].map(n).fillna(0)).all()


def test_customer_product_price_codes_are_the_ids(sample_tx):
    """The coded cells = customer_product_prices with each id replaced by its position
    among the sorted customers / products (quantities and log prices by pandas on the
    purchase lines); a customer missing from the list gets -1."""
    lines = sample_tx[(sample_tx["quantity"] > 0) & (sample_tx["unit_price"] > 0)]
    lines = lines.assign(lq=lines["quantity"] * np.log(lines["unit_price"]))
    want = lines.groupby(["customer_id", "product_id"]).agg(
        quantity=("quantity", "sum"), lq=("lq", "sum"), n_lines=("lq", "size")
    )
    want = want.reset_index()
    customers = np.sort(sample_tx["customer_id"].unique())
    products = np.sort(want["product_id"].unique())
    got = panels.customer_product_price_codes(sample_tx, customers=customers)
    assert list(got.columns) == ["customer", "product", "quantity", "log_price", "n_lines"]
    np.testing.assert_array_equal(got["customer"], np.searchsorted(customers, want["customer_id"]))
    np.testing.assert_array_equal(got["product"], np.searchsorted(products, want["product_id"]))
    np.testing.assert_allclose(got["quantity"], want["quantity"], rtol=1e-12)
    np.testing.assert_allclose(got["log_price"], want["lq"] / want["quantity"], rtol=1e-12)
    np.testing.assert_array_equal(got["n_lines"], want["n_lines"])
    part = panels.customer_product_price_codes(sample_tx, customers=customers[1:])
    assert (part["customer"] < 0).sum() == (want["customer_id"] == customers[0]).sum() > 0


def test_key_account_premium_equals_premium_fit_on_the_ids(sample_tx):
    """key_account_tests fits the premium on integer codes: the same estimate, CI and p as
    premium_fit on customer_product_prices with the tiers mapped by id."""
    t = ev.key_account_tests(sample_tx).set_index(["mark", "contrast"])
    revenue = panels.order_cells(sample_tx).groupby("customer_id")["revenue"].sum()
    tiers = kam.pareto.customer_tiers(revenue, key=0.01, major=0.20)
    res = marks.premium_fit(panels.customer_product_prices(sample_tx), tiers)
    for j, contrast in enumerate(["key_vs_general", "major_vs_general"]):
        row = t.loc[("price_premium", contrast)]
        np.testing.assert_allclose(row["estimate"], np.expm1(res.params[j]), rtol=1e-9)
        np.testing.assert_allclose(row["ci_low"], np.expm1(res.conf_int()[j][0]), rtol=1e-9)
        np.testing.assert_allclose(row["p_value"], res.pvalues[j], rtol=1e-6)


def test_clustered_wls_equals_statsmodels():
    """ClusteredWLS = statsmodels' WLS with cluster-robust covariance and t(G - 1)
    inference (the reference implementation), on unbalanced clusters."""
    import statsmodels.api as sm

    rng = np.random.default_rng(4)
    n = 3000
    g = rng.integers(0, 120, n)
    X = np.column_stack([(g < 10), (g >= 10) & (g < 40), rng.normal(size=n)]).astype(float)
    y = X @ [0.3, -0.1, 0.5] + rng.normal(size=120)[g] + rng.normal(size=n)
    w = rng.integers(1, 9, n).astype(float)
    ref = sm.WLS(y, X, weights=w).fit(cov_type="cluster", cov_kwds={"groups": g}, use_t=True)
    got = marks.ClusteredWLS(y, X, w, g)
    np.testing.assert_allclose(got.params, ref.params, rtol=1e-10)
    np.testing.assert_allclose(got.bse, ref.bse, rtol=1e-10)
    np.testing.assert_allclose(got.pvalues, ref.pvalues, rtol=1e-8)
    np.testing.assert_allclose(got.conf_int(), ref.conf_int(), rtol=1e-10)
    assert got.df_resid_inference == ref.df_resid_inference == 119
