"""Spark as the engine's second backend: detection of Java, the local session.

The comparisons of every analysis across pandas, DuckDB and Spark are in the engine's
"three ways in" tests; here only what :mod:`kamresearch.engine.spark` itself does.
"""

from __future__ import annotations

import subprocess

import pytest

from kamresearch import ConfigError
from kamresearch.engine import spark as kspark


@pytest.fixture
def fake_java(monkeypatch):
    """Make ``java -version`` print ``text`` (on stderr, as the JDK does)."""

    def install(text):
        kspark.java_version.cache_clear()
        monkeypatch.setattr(kspark, "_java_binary", lambda: "/opt/java/bin/java")

        def run(cmd, **kwargs):
            return subprocess.CompletedProcess(cmd, 0, stdout="", stderr=text)

        monkeypatch.setattr(kspark.subprocess, "run", run)

    yield install
    kspark.java_version.cache_clear()


@pytest.mark.parametrize(
    "text, major",
    [
        ('openjdk version "17.0.15" 2025-04-15\nOpenJDK Runtime Environment', 17),
        ('java version "21" 2023-09-19 LTS', 21),
        ('openjdk version "1.8.0_392"\nOpenJDK Runtime Environment', 8),
        ('openjdk version "11.0.2" 2019-01-15', 11),
        ("something else entirely", None),
    ],
)
def test_java_version_reads_the_major_version(fake_java, text, major):
    # the version strings of OpenJDK 8 ("1.8.0_x", major 8), 11, 17 and Oracle's 21
    fake_java(text)
    assert kspark.java_version() == major


def test_old_java_is_a_reason_and_local_session_says_so(fake_java):
    pytest.importorskip("pyspark")
    pytest.importorskip("ibis")
    fake_java('openjdk version "11.0.2" 2019-01-15')
    reason = kspark.spark_unavailable_reason()
    assert "Java 11 found" in reason and "17 or later" in reason
    with pytest.raises(ConfigError, match="Spark is not available: Java 11 found"):
        kspark.local_session()


def test_no_java_is_a_reason(monkeypatch):
    pytest.importorskip("pyspark")
    pytest.importorskip("ibis")
    kspark.java_version.cache_clear()
    monkeypatch.setattr(kspark, "_java_binary", lambda: None)
    try:
        assert "no Java found" in kspark.spark_unavailable_reason()
    finally:
        kspark.java_version.cache_clear()


def test_local_session_is_local_quiet_and_utc(spark_session):
    conf = spark_session.sparkContext.getConf()
    assert spark_session.sparkContext.master == "local[2]"
    assert conf.get("spark.ui.enabled") == "false"
    assert spark_session.conf.get("spark.sql.session.timeZone") == "UTC"
    assert spark_session.conf.get("spark.sql.shuffle.partitions") == "2"
    # conftest's java_options reach the driver JVM, beside the quiet-log setting
    options = conf.get("spark.driver.extraJavaOptions").split()
    assert "-XX:TieredStopAtLevel=1" in options
    assert any(o.startswith("-Dlog4j2.configurationFile=") for o in options)
    jvm = spark_session.sparkContext._jvm
    args = jvm.java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()
    assert "-XX:TieredStopAtLevel=1" in list(args)


def test_spark_backend_round_trips_a_small_table(spark_backend, spark_session):
    # a naive timestamp comes back as written (session time zone UTC), and a group-by
    # gives the hand-counted sums: a = 1.5 + 2.25, b = -3
    import pandas as pd

    df = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b"],
            "date": pd.to_datetime(["2024-01-01 23:30", "2024-01-05 00:00", "2024-02-01 00:00"]),
            "amount": [1.5, 2.25, -3.0],
        }
    )
    spark_session.createDataFrame(df).createOrReplaceTempView("kam_smoke")
    t = spark_backend.table("kam_smoke")
    out = (
        t.group_by("customer_id")
        .aggregate(n=t.count(), revenue=t.amount.sum(), first=t.date.min())
        .order_by("customer_id")
        .execute()
    )
    assert out["n"].tolist() == [2, 1]
    assert out["revenue"].tolist() == [3.75, -3.0]
    assert out["first"].tolist() == [pd.Timestamp("2024-01-01 23:30"), pd.Timestamp("2024-02-01")]
