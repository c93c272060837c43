"""Tests of kamresearch.cohorts.

Expected values come from (a) hand computations on tiny tables, written out in
the comments, and (b) an independent implementation in this file: plain Python
dicts and loops over the lines of small random data, following the definitions
in the module's docstrings (not its numpy code).
"""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
import pandas as pd
import pytest

from kamresearch import cohorts
from kamresearch.errors import ConfigError, DataError
from kamresearch.pareto import customer_tiers

BRIDGE_COLS = ["opening", "new", "expansion", "contraction", "churned", "reactivated", "closing"]


def make_tx(rows):
    """Canonical frame from (customer_id, date, amount) tuples."""
    tx = pd.DataFrame(rows, columns=["customer_id", "date", "amount"])
    tx["date"] = pd.to_datetime(tx["date"])
    tx["amount"] = tx["amount"].astype(float)
    tx["region"] = "All"
    return tx


# --------------------------------------------------------------------------------------
# The tiny table (yearly): every expected number below is computed by hand from it.
#   net revenue     2021   2022   2023
#   A (buys)         100    150    120
#   B (reactivated)  200      0     50    no line in 2022, buys again in 2023
#   C (return-only)   50    -20      0    2022 is a return-only period
#   D                  0     80     70    cohort 2022; 2023 = 80 bought - 10 returned
#   E (returns only)   0    -30      0    never buys -> never in a cohort
#   F                  0     40      0    cohort 2022, churns in 2023
#   total            350    220    240
# --------------------------------------------------------------------------------------
TINY = [
    ("A", "2021-01-15", 100), ("A", "2022-03-10", 150), ("A", "2023-05-05", 120),
    ("B", "2021-01-20", 200), ("B", "2023-07-01", 50),
    ("C", "2021-01-25", 50), ("C", "2022-06-15", -20),
    ("D", "2022-02-01", 80), ("D", "2023-02-01", 80), ("D", "2023-04-01", -10),
    ("E", "2022-09-09", -30),
    ("F", "2022-11-11", 40),
]  # fmt: skip


@pytest.fixture(scope="module")
def tiny():
    return make_tx(TINY)


def test_retention_matrix_customers_tiny(tiny):
    m = cohorts.retention_matrix(tiny, freq="Y", as_of="2023-12-31")
    assert list(m.columns) == ["cohort_size", 0, 1, 2]
    assert [str(p) for p in m.index] == ["2021", "2022"]  # no 2023 cohort; E never enters
    assert m.index.name == "cohort"
    assert m["cohort_size"].tolist() == [3, 2]  # {A, B, C}, {D, F}
    # 2021: 2022 only A is active (C's period is return-only), 2023 A and B -> 1/3, 2/3
    assert m.loc["2021", [0, 1, 2]].tolist() == pytest.approx([1, 1 / 3, 2 / 3])
    # 2022: D active in 2023 -> 1/2; 2024 is after as_of -> NaN, not 0
    assert m.loc["2022", [0, 1]].tolist() == pytest.approx([1, 0.5])
    assert math.isnan(m.loc["2022", 2])
    assert m.attrs["metric"] == "customers" and m.attrs["partial_period"] is None


def test_retention_matrix_revenue_tiny(tiny):
    m = cohorts.retention_matrix(tiny, freq="Y", metric="revenue", as_of="2023-12-31")
    assert list(m.columns) == ["cohort_size", "cohort_revenue", 0, 1, 2]
    # 2021 cohort: 350 in 2021, 150 + 0 - 20 = 130 in 2022, 120 + 50 + 0 = 170 in 2023
    assert m.loc["2021", "cohort_revenue"] == pytest.approx(350)
    assert m.loc["2021", [0, 1, 2]].tolist() == pytest.approx([1, 130 / 350, 170 / 350])
    # 2022 cohort: 80 + 40 = 120, then 70 (D: 80 - 10), then after as_of
    assert m.loc["2022", [0, 1]].tolist() == pytest.approx([1, 70 / 120])
    assert math.isnan(m.loc["2022", 2])


def test_retention_matrix_as_of_cuts_lines_and_gives_nan(tiny):
    # as_of 2022-12-31: 2023 lines are ignored; the 2022 cohort's period 1 is after as_of
    m = cohorts.retention_matrix(tiny, freq="Y", as_of="2022-12-31")
    assert list(m.columns) == ["cohort_size", 0, 1]
    assert m.loc["2021", 1] == pytest.approx(1 / 3)
    assert math.isnan(m.loc["2022", 1])
    # mid-year as_of: 2023 is included but partial; B's 2023-07-01 line is after it
    m = cohorts.retention_matrix(tiny, freq="Y", as_of="2023-06-30")
    assert m.attrs["partial_period"] == pd.Period("2023", freq="Y")
    assert m.loc["2021", 2] == pytest.approx(1 / 3)  # only A active in 2023 up to June


def test_retention_matrix_zero_cell_is_zero_not_nan(tiny):
    # monthly: the 2021-01 cohort {A, B, C} buys nothing in 2021-02 -> 0.0 (before as_of)
    m = cohorts.retention_matrix(tiny, freq="M", as_of="2023-12-31")
    assert m.loc["2021-01", 1] == 0.0
    assert m.loc["2021-01", "cohort_size"] == 3
    # the 2022-11 cohort (F) has 13 observed periods (2022-11 .. 2023-12), NaN after
    row = m.loc["2022-11"]
    assert row[13] == 0.0 and math.isnan(row[14])


def test_revenue_bridge_tiny(tiny):
    br = cohorts.revenue_bridge(tiny, freq="Y", as_of="2023-12-31")
    assert list(br.columns) == [*BRIDGE_COLS, "partial"]
    assert br.index.name == "period"
    expected = pd.DataFrame(
        {
            # 2021: everything new (A 100 + B 200 + C 50)
            "2021": [0, 350, 0, 0, 0, 0, 350],
            # 2022: new D 80 + F 40; expansion A +50; churned B 200 + C 50;
            # contraction: C's net return 20 + E's return-only first line 30
            "2022": [350, 120, 50, 50, 250, 0, 220],
            # 2023: contraction A 30 + D 10; churned F 40; reactivated B 50;
            # expansion: reversal of the net returns of C (+20) and E (+30)
            "2023": [220, 0, 50, 40, 40, 50, 240],
        },
        index=BRIDGE_COLS,
    ).T
    np.testing.assert_allclose(br[BRIDGE_COLS].to_numpy(), expected.to_numpy(dtype=float))
    # the data start on 2021-01-15, not 1 January: 2021 is partly covered, and so is
    # 2022's change (its opening is 2021); 2023 ends on as_of
    assert br["partial"].tolist() == [True, True, False]
    assert br.attrs["partial_first_period"] == pd.Period("2021", freq="Y")


def test_revenue_retention_tiny(tiny):
    rr = cohorts.revenue_retention(tiny, freq="Y", as_of="2023-12-31")
    assert list(rr.columns) == [
        "start_customers", "start_revenue", "churned_customers", "churned", "contraction",
        "expansion", "reactivated", "grr", "nrr", "partial",
    ]  # fmt: skip
    assert [str(p) for p in rr.index] == ["2022", "2023"]
    y22, y23 = rr.loc["2022"], rr.loc["2023"]
    # 2022: base A 100, B 200, C 50 = 350; churned B and C (C's return-only period: its
    # retained revenue is floored at 0, the -20 does not count) = 250; expansion A 50
    assert (y22.start_customers, y22.start_revenue) == (3, 350)
    assert (y22.churned_customers, y22.churned, y22.contraction, y22.expansion) == (2, 250, 0, 50)
    assert y22.grr == pytest.approx(100 / 350)
    assert y22.nrr == pytest.approx(150 / 350)
    # 2023: base A 150, D 80, F 40 = 270 (C's -20 keeps it out); churned F 40;
    # contraction A 30 + D 10; reactivated B 50 (outside the base, not in NRR by default)
    assert (y23.start_customers, y23.start_revenue, y23.churned) == (3, 270, 40)
    assert (y23.contraction, y23.expansion, y23.reactivated) == (40, 0, 50)
    assert y23.grr == pytest.approx(190 / 270)
    assert y23.nrr == pytest.approx(190 / 270)
    with_react = cohorts.revenue_retention(
        tiny, freq="Y", as_of="2023-12-31", include_reactivation=True
    )
    assert with_react.loc["2023", "nrr"] == pytest.approx(240 / 270)
    assert with_react.loc["2023", "grr"] == pytest.approx(190 / 270)
    assert with_react.attrs["include_reactivation"] is True


def test_full_return_nets_float_noise_and_counts_as_churn():
    # a and b each bought 100 in 2022; in 2023 a bought 0.1 + 0.2 and returned 0.3
    # (net 5.55e-17 in floating point), b bought 0.5 and returned 0.5 (net exactly 0).
    # Both kept nothing: by definition both churned, 200 churned, no contraction.
    rows = [
        ("a", "2022-03-01", 100.0), ("b", "2022-03-01", 100.0),
        ("a", "2023-03-01", 0.1), ("a", "2023-03-02", 0.2), ("a", "2023-03-03", -0.3),
        ("b", "2023-03-01", 0.5), ("b", "2023-03-03", -0.5),
    ]  # fmt: skip
    tx = pd.DataFrame(rows, columns=["customer_id", "date", "amount"])
    tx = tx.assign(date=pd.to_datetime(tx["date"]), region="R")
    assert 0.1 + 0.2 - 0.3 != 0  # the noise the rule is about
    y23 = cohorts.revenue_retention(tx, freq="Y", as_of="2023-12-31").loc["2023"]
    assert (y23.start_customers, y23.churned_customers) == (2, 2)
    assert (y23.churned, y23.contraction, y23.grr) == (200, 0, 0)
    b23 = cohorts.revenue_bridge(tx, freq="Y", as_of="2023-12-31").loc["2023"]
    assert (b23.churned, b23.contraction) == (200, 0)
    # and a previous period netting noise is not a retention base
    noise = tx[tx["date"].dt.year == 2023].assign(date=lambda d: d["date"] - pd.DateOffset(years=1))
    later = pd.DataFrame({"customer_id": ["a"], "date": pd.to_datetime(["2023-05-01"]),
                          "amount": [10.0], "region": "R"})  # fmt: skip
    rr = cohorts.revenue_retention(pd.concat([noise, later]), freq="Y", as_of="2023-12-31")
    assert rr.loc["2023", "start_customers"] == 0


def test_partial_last_period_flag(tiny):
    # default as_of = last date 2023-07-01, inside 2023 -> the 2023 rows are partial
    # (the data start on 2021-01-15, so 2021 and 2022's change are partial too)
    br = cohorts.revenue_bridge(tiny, freq="Y")
    assert br["partial"].tolist() == [True, True, True]
    assert br.attrs["partial_period"] == pd.Period("2023", freq="Y")
    # data from 1 January: only the last year is partial
    jan1 = tiny.assign(date=tiny["date"].where(tiny["date"] != "2021-01-15", "2021-01-01"))
    br = cohorts.revenue_bridge(jan1, freq="Y")
    assert br["partial"].tolist() == [False, False, True]
    assert br.attrs["partial_first_period"] is None
    rr = cohorts.revenue_retention(tiny, freq="Q", as_of="2023-06-30")  # quarter end: full
    assert rr.attrs["partial_period"] is None
    # retention rows start at 2021Q2 (2021Q1 has no base); 2021Q1 covers 15 January on,
    # so 2021Q2's retention (measured on it) is flagged, and nothing else
    assert [str(p) for p in rr.index[rr["partial"]]] == ["2021Q2"]


def test_tier_migration_and_key_flow_tiny(tiny):
    # tiers per year among active customers (key = top ceil(1% of n) = 1 customer,
    # major = top ceil(20% of n) = 1 as well for n = 3, so no major):
    #   2021: B key (200), A, C general; 2022: A key (150), D, F general;
    #   2023: A key (120), B, D general
    mig = cohorts.tier_migration(tiny, freq="Y", as_of="2023-12-31")
    assert list(mig.columns) == ["period", "from_tier", "to_tier", "customers", "partial"]
    assert len(mig) == 2 * 15  # 4 x 4 pairs minus (new, lost), per period
    got = {
        (str(r.period), r.from_tier, r.to_tier): r.customers
        for r in mig.itertuples()
        if r.customers
    }
    assert got == {
        ("2022", "key", "lost"): 1,  # B
        ("2022", "general", "key"): 1,  # A
        ("2022", "general", "lost"): 1,  # C (return-only period: not active)
        ("2022", "new", "general"): 2,  # D, F
        ("2023", "key", "key"): 1,  # A
        ("2023", "general", "general"): 1,  # D
        ("2023", "general", "lost"): 1,  # F
        ("2023", "new", "general"): 1,  # B, back after a year without purchase
    }
    mat = cohorts.migration_matrix(mig, period="2022")
    assert list(mat.index) == ["new", "key", "major", "general"]
    assert list(mat.columns) == ["key", "major", "general", "lost"]
    assert mat.loc["general", "key"] == 1 and mat.to_numpy().sum() == 5
    assert cohorts.migration_matrix(mig).to_numpy().sum() == 9  # both years

    flow = cohorts.key_account_flow(tiny, freq="Y", as_of="2023-12-31")
    assert list(flow.columns) == [
        "start", "entered_new", "entered_upgraded", "left_downgraded", "left_lost", "end",
        "net_change", "flow", "partial",
    ]  # fmt: skip
    # 2022: B (key) lost, A upgraded -> 1 + 0 + 1 - 0 - 1 = 1; 2023: A stays
    assert flow.loc["2022", ["start", "entered_upgraded", "left_lost", "end"]].tolist() == [
        1, 1, 1, 1,
    ]  # fmt: skip
    assert flow["flow"].tolist() == ["balanced", "balanced"]


def test_key_flow_reservoir_and_funnel():
    # key = major = 0.5: among n active customers the top ceil(n / 2) are key
    # 2021: X 100, Y 10 -> X key; 2022: X 5, Y 50, Z 60, W 1 -> Z, Y key (X downgraded)
    # 2023: W 3 only -> W key; Z and Y lost
    tx = make_tx([
        ("X", "2021-03-01", 100), ("Y", "2021-03-01", 10),
        ("X", "2022-03-01", 5), ("Y", "2022-03-01", 50), ("Z", "2022-03-01", 60),
        ("W", "2022-03-01", 1), ("W", "2023-03-01", 3),
    ])  # fmt: skip
    flow = cohorts.key_account_flow(tx, freq="Y", as_of="2023-12-31", key=0.5, major=0.5)
    assert flow.loc["2022"].drop(["flow", "partial"]).tolist() == [1, 1, 1, 1, 0, 2, 1]
    assert flow.loc["2022", "flow"] == "reservoir"  # entered 2 > left 1
    assert flow.loc["2023"].drop(["flow", "partial"]).tolist() == [2, 0, 1, 0, 2, 1, -1]
    assert flow.loc["2023", "flow"] == "funnel"  # entered 1 < left 2


# --------------------------------------------------------------------------------------
# Independent implementation on random data
# --------------------------------------------------------------------------------------


def random_tx(seed=7, n_customers=200):
    """~200 customers over 2 years with returns, return-only periods, return-only customers."""
    rng = np.random.default_rng(seed)
    rows = []
    t0 = pd.Timestamp("2022-01-01")
    for i in range(n_customers):
        cid = f"K{i:03d}"
        start = int(rng.integers(0, 700))
        end = int(rng.integers(start + 1, 731))
        n = int(rng.integers(1, 25))
        for _ in range(n):
            day = int(rng.integers(start, end))
            hour = int(rng.integers(0, 24))
            amount = round(float(rng.lognormal(4, 1)), 2)
            if rng.random() < 0.15:
                amount = -round(amount * float(rng.uniform(0.2, 1.5)), 2)
            rows.append((cid, t0 + pd.Timedelta(days=day, hours=hour), amount))
        if i % 25 == 0:  # some customers with returns only
            rows.append((f"R{i:03d}", t0 + pd.Timedelta(days=int(rng.integers(0, 730))), -12.5))
    return make_tx(rows)


class Reference:
    """Plain-Python cohort bookkeeping from the documented definitions."""

    def __init__(self, tx, freq, as_of):
        self.freq = freq
        cut = pd.Timestamp(as_of) + pd.Timedelta(days=1)
        self.net = defaultdict(float)  # (customer, period) -> net revenue
        self.active = set()  # (customer, period) with a purchase
        customers = set()
        for cid, date, amount in zip(tx["customer_id"], tx["date"], tx["amount"], strict=True):
            if date >= cut:
                continue
            per = pd.Period(date, freq=freq)
            self.net[(cid, per)] += amount
            customers.add(cid)
            if amount > 0:
                self.active.add((cid, per))
        self.customers = sorted(customers)
        first = min(per for _, per in self.net)
        self.periods = list(pd.period_range(first, pd.Period(as_of, freq=freq), freq=freq))
        self.cohort = {}
        for cid, per in self.active:
            if cid not in self.cohort or per < self.cohort[cid]:
                self.cohort[cid] = per

    def r(self, cid, per):
        return self.net.get((cid, per), 0.0)

    def matrix(self, metric):
        members = defaultdict(list)
        for cid, per in self.cohort.items():
            members[per].append(cid)
        last = self.periods[-1]
        out = {}
        for c in sorted(members):
            row = {"cohort_size": len(members[c])}
            base = sum(self.r(cid, c) for cid in members[c])
            for k in range(len(self.periods)):
                per = c + k
                if per > last:
                    row[k] = np.nan
                elif metric == "customers":
                    row[k] = sum((cid, per) in self.active for cid in members[c]) / len(members[c])
                elif base <= 0:  # documented: no period-0 base to compare with
                    row[k] = np.nan
                else:
                    row[k] = sum(self.r(cid, per) for cid in members[c]) / base
            out[c] = row
        return pd.DataFrame(out).T

    def bridge_row(self, per):
        prev = per - 1
        row = dict.fromkeys(BRIDGE_COLS, 0.0)
        for cid in self.customers:
            p, c = self.r(cid, prev), self.r(cid, per)
            row["opening"] += p
            row["closing"] += c
            if self.cohort.get(cid) == per:
                if c >= p:
                    row["new"] += c - p
                else:
                    row["contraction"] += p - c
            elif p > 0 and c <= 0:
                row["churned"] += p
                row["contraction"] += -c
            elif p <= 0 and c > 0:
                row["reactivated"] += c - p
            elif c >= p:
                row["expansion"] += c - p
            else:
                row["contraction"] += p - c
        return row

    def retention_row(self, per, include_reactivation):
        prev = per - 1
        start = retained = expanded = react = 0.0
        for cid in self.customers:
            p, c = self.r(cid, prev), self.r(cid, per)
            if p > 0:
                start += p
                retained += min(max(c, 0.0), p)
                expanded += max(c - p, 0.0)
            elif c > 0 and self.cohort[cid] < per:
                react += c - p
        grow = expanded + (react if include_reactivation else 0.0)
        return {"start_revenue": start, "grr": retained / start, "nrr": (retained + grow) / start}


@pytest.fixture(scope="module")
def rnd():
    return random_tx()


CASES = [("M", "2023-08-15"), ("Q", "2023-11-30"), ("Y", "2023-12-31")]


@pytest.fixture(scope="module", params=CASES, ids=[f for f, _ in CASES])
def ref(request, rnd):
    freq, as_of = request.param
    return freq, as_of, Reference(rnd, freq, as_of)


@pytest.mark.parametrize("metric", ["customers", "revenue"])
def test_retention_matrix_matches_reference(rnd, ref, metric):
    freq, as_of, R = ref
    got = cohorts.retention_matrix(rnd, freq=freq, metric=metric, as_of=as_of)
    want = R.matrix(metric)
    assert list(got.index) == list(want.index)
    assert got["cohort_size"].tolist() == want["cohort_size"].astype(int).tolist()
    ks = [c for c in got.columns if isinstance(c, int)]
    assert ks == list(range(len(ks)))
    np.testing.assert_allclose(
        got[ks].to_numpy(dtype=float), want[ks].to_numpy(dtype=float), rtol=1e-9, atol=1e-12
    )


def test_revenue_bridge_matches_reference(rnd, ref):
    freq, as_of, R = ref
    got = cohorts.revenue_bridge(rnd, freq=freq, as_of=as_of)
    assert list(got.index) == R.periods
    want = pd.DataFrame([R.bridge_row(p) for p in R.periods], index=R.periods)
    np.testing.assert_allclose(got[BRIDGE_COLS].to_numpy(), want[BRIDGE_COLS].to_numpy(), atol=1e-6)
    assert (got[BRIDGE_COLS[1:-1]] >= -1e-9).all().all()  # the steps are never negative


@pytest.mark.parametrize("include_reactivation", [False, True])
def test_revenue_retention_matches_reference(rnd, ref, include_reactivation):
    freq, as_of, R = ref
    got = cohorts.revenue_retention(
        rnd, freq=freq, as_of=as_of, include_reactivation=include_reactivation
    )
    want = pd.DataFrame(
        [R.retention_row(p, include_reactivation) for p in R.periods[1:]], index=R.periods[1:]
    )
    assert list(got.index) == R.periods[1:]
    np.testing.assert_allclose(got["start_revenue"], want["start_revenue"], atol=1e-6)
    np.testing.assert_allclose(got["grr"], want["grr"], rtol=1e-9)
    np.testing.assert_allclose(got["nrr"], want["nrr"], rtol=1e-9)
    assert (got["grr"] <= 1 + 1e-12).all() and (got["grr"] >= 0).all()


def test_bridge_and_retention_share_churn_and_reactivation(rnd):
    br = cohorts.revenue_bridge(rnd, freq="Q")
    rr = cohorts.revenue_retention(rnd, freq="Q")
    np.testing.assert_allclose(br["churned"].iloc[1:], rr["churned"], atol=1e-9)
    np.testing.assert_allclose(br["reactivated"].iloc[1:], rr["reactivated"], atol=1e-9)
    assert (br["expansion"].iloc[1:] >= rr["expansion"] - 1e-9).all()
    assert (br["contraction"].iloc[1:] >= rr["contraction"] - 1e-9).all()


def test_tier_migration_matches_reference(rnd):
    # reference: tiers per quarter from customer_tiers on a dict-built revenue series
    freq, as_of = "Q", "2023-12-31"
    R = Reference(rnd, freq, as_of)
    tiers = {}
    for per in R.periods:
        rev = pd.Series({cid: R.r(cid, per) for cid in R.customers if (cid, per) in R.active})
        tiers[per] = customer_tiers(rev).to_dict() if len(rev) else {}
    want = defaultdict(int)
    for per in R.periods[1:]:
        before, now = tiers[per - 1], tiers[per]
        for cid in set(before) | set(now):
            want[(per, before.get(cid, "new"), now.get(cid, "lost"))] += 1
    mig = cohorts.tier_migration(rnd, freq=freq, as_of=as_of)
    got = {(r.period, r.from_tier, r.to_tier): r.customers for r in mig.itertuples() if r.customers}
    assert got == dict(want)
    flow = cohorts.key_account_flow(rnd, freq=freq, as_of=as_of)
    entered = flow["entered_new"] + flow["entered_upgraded"]
    left = flow["left_downgraded"] + flow["left_lost"]
    assert (flow["start"] + entered - left == flow["end"]).all()
    for per in R.periods[1:]:
        assert flow.loc[per, "end"] == sum(t == "key" for t in tiers[per].values())


def test_revenue_by_cohort_matches_reference(rnd):
    R = Reference(rnd, "Y", "2023-12-31")
    got = cohorts.revenue_by_cohort(rnd, freq="Y", as_of="2023-12-31")
    for per in R.periods:
        for coh in got.columns:
            want = sum(R.r(cid, per) for cid, c in R.cohort.items() if c == coh and per >= coh)
            assert got.loc[per, coh] == pytest.approx(want, abs=1e-6)


def test_inputs_not_mutated(rnd):
    before = rnd.copy()
    cohorts.retention_matrix(rnd, freq="M")
    cohorts.revenue_bridge(rnd, freq="M")
    cohorts.tier_migration(rnd, freq="Y")
    pd.testing.assert_frame_equal(rnd, before)


# --------------------------------------------------------------------------------------
# Reconciliation to the cent: built-in sample and real data
# --------------------------------------------------------------------------------------


def assert_bridge_reconciles(tx, freq):
    br = cohorts.revenue_bridge(tx, freq=freq)
    gap = (
        br["opening"] + br["new"] + br["expansion"] - br["contraction"] - br["churned"]
        + br["reactivated"] - br["closing"]
    )  # fmt: skip
    assert gap.abs().max() < 0.005
    # closing = the period's net revenue over all lines (plain pandas groupby)
    as_of = br.attrs["as_of"]
    kept = tx[tx["date"] < as_of + pd.Timedelta(days=1)]
    net = kept.groupby(kept["date"].dt.to_period(freq))["amount"].sum()
    net = net.reindex(br.index, fill_value=0.0)
    assert (br["closing"] - net).abs().max() < 0.005
    assert (br["opening"].iloc[1:].to_numpy() == br["closing"].iloc[:-1].to_numpy()).all()
    assert br["opening"].iloc[0] == 0


@pytest.mark.parametrize("freq", ["M", "Q", "Y"])
def test_bridge_reconciles_on_sample(sample_tx, freq):
    assert_bridge_reconciles(sample_tx, freq)


@pytest.mark.parametrize("freq", ["M", "Q", "Y"])
def test_bridge_reconciles_on_real_data(real_tx, freq):
    assert_bridge_reconciles(real_tx, freq)


def test_sample_sanity(sample_tx):
    m = cohorts.retention_matrix(sample_tx, freq="Q")
    assert (m[0] == 1).all()
    assert m["cohort_size"].sum() == sample_tx.loc[sample_tx["amount"] > 0, "customer_id"].nunique()
    rr = cohorts.revenue_retention(sample_tx, freq="Y")
    assert ((rr["grr"] > 0) & (rr["grr"] <= 1)).all()


# --------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------


def test_bad_freq(tiny):
    with pytest.raises(ConfigError, match="freq='W'"):
        cohorts.retention_matrix(tiny, freq="W")
    with pytest.raises(ConfigError, match="freq='X'"):
        cohorts.revenue_bridge(tiny, freq="X")
    with pytest.raises(ConfigError, match="freq"):
        cohorts.key_account_flow(tiny, freq="D")


def test_freq_spellings(tiny):
    a = cohorts.revenue_bridge(tiny, freq="YE", as_of="2023-12-31")
    b = cohorts.revenue_bridge(tiny, freq="y", as_of="2023-12-31")
    pd.testing.assert_frame_equal(a, b)


def test_bad_metric(tiny):
    with pytest.raises(ConfigError, match="metric='logos'"):
        cohorts.retention_matrix(tiny, metric="logos")


def test_not_canonical():
    with pytest.raises(DataError, match="lacks the canonical column"):
        cohorts.revenue_bridge(pd.DataFrame({"customer_id": ["a"], "amount": [1.0]}))
    with pytest.raises(DataError, match="must be a pandas DataFrame"):
        cohorts.retention_matrix([("a", "2021-01-01", 1.0)])


def test_as_of_before_data(tiny):
    with pytest.raises(DataError, match="as_of 2020-01-01 is before the first date in the data"):
        cohorts.revenue_retention(tiny, as_of="2020-01-01")


def test_bad_tier_shares(tiny):
    with pytest.raises(ConfigError, match="tier thresholds"):
        cohorts.tier_migration(tiny, key=0.5, major=0.1)


def test_migration_matrix_unknown_period(tiny):
    mig = cohorts.tier_migration(tiny, freq="Y")
    with pytest.raises(DataError, match="period '2030' is not in the migration table"):
        cohorts.migration_matrix(mig, period="2030")


# --------------------------------------------------------------------------------------
# Plots
# --------------------------------------------------------------------------------------


def test_plot_retention_heatmap(tiny):
    from matplotlib.axes import Axes

    m = cohorts.retention_matrix(tiny, freq="Y", as_of="2023-12-31")
    ax = cohorts.plot_retention_heatmap(m)
    assert isinstance(ax, Axes)
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["100%", "33%", "67%", "100%", "50%"]  # NaN cell left blank
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "2021 (3 customers)",
        "2022 (2 customers)",
    ]
    mr = cohorts.retention_matrix(tiny, freq="Y", metric="revenue", as_of="2023-12-31")
    assert len(cohorts.plot_retention_heatmap(mr, annotate=False).texts) == 0


def test_plot_revenue_bridge(tiny):
    import matplotlib.pyplot as plt

    br = cohorts.revenue_bridge(tiny, freq="Y", as_of="2023-12-31")
    _, ax0 = plt.subplots()
    ax = cohorts.plot_revenue_bridge(br, period="2022", ax=ax0)
    assert ax is ax0
    heights = [p.get_height() for p in ax.patches]
    # opening, +new, +expansion, +reactivated, -contraction, -churned, closing (2022)
    assert heights == pytest.approx([350, 120, 50, 0, -50, -250, 220])
    assert "2022" in ax.get_title()
    ax = cohorts.plot_revenue_bridge(br)  # default: last period
    assert "2023" in ax.get_title()
    with pytest.raises(DataError, match="period '2030' is not in the bridge"):
        cohorts.plot_revenue_bridge(br, period="2030")


def test_plot_layer_cake(rnd):
    ax = cohorts.plot_layer_cake(rnd, freq="Y", as_of="2023-12-31")
    assert len(ax.collections) == 2  # one layer per cohort (2022, 2023)


def test_plot_key_account_flow(tiny):
    flow = cohorts.key_account_flow(tiny, freq="Y", as_of="2023-12-31")
    ax = cohorts.plot_key_account_flow(flow)
    assert len(ax.patches) == 4 * len(flow)
    assert [t.get_text() for t in ax.texts] == ["balanced", "balanced"]
    with pytest.raises(DataError, match="key-account flow is empty"):
        cohorts.plot_key_account_flow(flow.iloc[:0])


def test_single_period():
    # one year of data: no previous period, so retention and key flow are empty tables
    tx = make_tx([("A", "2021-01-05", 10), ("B", "2021-01-20", 5), ("B", "2021-02-01", -2)])
    br = cohorts.revenue_bridge(tx, freq="Y")
    # 2021: new A 10 + B 3 (B's return in its cohort period is netted: 5 - 2)
    assert br[BRIDGE_COLS].iloc[0].tolist() == pytest.approx([0, 13, 0, 0, 0, 0, 13])
    assert br["partial"].tolist() == [True]  # as_of = 2021-02-01, inside 2021
    assert br.attrs["freq"] == "Y" and isinstance(br.index, pd.PeriodIndex)
    rr = cohorts.revenue_retention(tx, freq="Y")
    assert rr.empty and "nrr" in rr.columns
    flow = cohorts.key_account_flow(tx, freq="Y")
    assert flow.empty and "flow" in flow.columns
    m = cohorts.retention_matrix(tx, freq="Y")
    assert list(m.columns) == ["cohort_size", 0] and m.iloc[0].tolist() == [2, 1.0]
