"""Spark for the engine: is it usable here, and a local session set up for kamresearch.

Spark is optional (``pip install kamresearch[spark]`` installs pyspark and Ibis's
pyspark backend) and needs Java 17 or later. Nothing here starts a JVM on import;
the default path (DuckDB in process) never touches this module.

On a cluster (Databricks and the like) a session already exists: pass its tables to
:func:`kamresearch.scan_transactions` and leave this module alone. On one machine,
:func:`local_session` starts a local Spark with settings that suit kamresearch's
small reductions (few shuffle partitions, no web UI, quiet logs, UTC session time).
"""

from __future__ import annotations

import functools
import logging
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

__all__ = ["MIN_JAVA", "java_version", "spark_unavailable_reason", "local_session"]

logger = logging.getLogger("kamresearch")

#: The oldest Java that pyspark 4 runs on.
MIN_JAVA = 17

_LOG4J2 = """\
rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{yy/MM/dd HH:mm:ss} %p %c{1}: %m%n
"""


def _java_binary() -> str | None:
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").exists():
        return str(Path(home) / "bin" / "java")
    return shutil.which("java")


@functools.cache
def java_version() -> int | None:
    """The major version of the Java that Spark would start (``JAVA_HOME``, else ``java``
    on the path), or None when there is none or it does not answer. Asked once per
    process (``java -version`` takes a moment).

    Examples
    --------
    >>> v = java_version()
    >>> v is None or v >= 8
    True
    """
    java = _java_binary()
    if java is None:
        return None
    try:
        done = subprocess.run(
            [java, "-version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    # `java -version` writes e.g. 'openjdk version "17.0.15" 2025-04-15' (or "1.8.0_392")
    m = re.search(r'version "(\d+)(?:\.(\d+))?', done.stderr + done.stdout)
    if m is None:
        return None
    major = int(m.group(1))
    return int(m.group(2) or 0) if major == 1 else major


def spark_unavailable_reason() -> str | None:
    """Why Spark cannot run here (a sentence), or None when it can.

    Checks that pyspark and Ibis's pyspark backend import and that Java
    :data:`MIN_JAVA` or later is installed; starts no JVM.
    """
    try:
        import pyspark
    except ImportError:
        return "pyspark is not installed (pip install 'kamresearch[spark]')"
    try:
        import ibis.backends.pyspark  # noqa: F401
    except ImportError as exc:
        return f"Ibis's pyspark backend does not import ({exc}); pip install 'kamresearch[spark]'"
    version = java_version()
    if version is None:
        return f"no Java found (pyspark {pyspark.__version__} needs Java {MIN_JAVA} or later)"
    if version < MIN_JAVA:
        return f"Java {version} found; pyspark {pyspark.__version__} needs Java {MIN_JAVA} or later"
    return None


def local_session(
    *,
    master: str = "local[2]",
    shuffle_partitions: int = 4,
    driver_memory: str = "2g",
    app_name: str = "kamresearch",
    local_dir=None,
    java_options: str = "",
):
    """A local SparkSession for kamresearch (or the running one, if any).

    Parameters
    ----------
    master : str
        Spark master URL; ``"local[2]"`` uses two cores of this machine.
    shuffle_partitions : int
        ``spark.sql.shuffle.partitions``. Spark's default of 200 is meant for a
        cluster; the reductions here have few rows after the first aggregation.
    driver_memory : str
        JVM heap of the driver (which runs everything in local mode); Spark spills
        to disk beyond it.
    app_name : str
        The application's name.
    local_dir : path, optional
        Spark's scratch folder (``spark.local.dir``); default the system temp folder.
    java_options : str, optional
        More options for the driver's JVM (``spark.driver.extraJavaOptions``), e.g.
        ``"-XX:TieredStopAtLevel=1"``: only the quick JIT compiler, which nearly
        halves the CPU time of a short session of small queries (the tests) but
        slows long runs over many lines.

    Returns
    -------
    pyspark.sql.SparkSession
        With the web UI and console progress off, session time zone UTC (dates
        without a zone are read as they are written), log level ERROR.

    Raises
    ------
    ConfigError
        When Spark cannot run here (the reason of :func:`spark_unavailable_reason`).

    Notes
    -----
    A JVM holds one SparkSession: when one is already running, ``getOrCreate``
    returns it and its settings stay as they were.
    """
    from ..errors import ConfigError

    reason = spark_unavailable_reason()
    if reason is not None:
        raise ConfigError(f"Spark is not available: {reason}")
    from pyspark.sql import SparkSession

    # Spark warns when the host name resolves to a loopback address; a local session
    # needs no network interface.
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    conf_dir = Path(tempfile.gettempdir()) / "kamresearch-spark"
    conf_dir.mkdir(exist_ok=True)
    log_conf = conf_dir / "log4j2.properties"
    if not log_conf.exists() or log_conf.read_text() != _LOG4J2:
        log_conf.write_text(_LOG4J2)
    builder = (
        SparkSession.builder.master(master)
        .appName(app_name)
        .config("spark.sql.shuffle.partitions", str(shuffle_partitions))
        .config("spark.default.parallelism", str(shuffle_partitions))
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        # results come back through Arrow (small tables, but many of them)
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.driver.memory", driver_memory)
        .config(
            "spark.driver.extraJavaOptions",
            f"-Dlog4j2.configurationFile={log_conf.as_uri()} {java_options}".strip(),
        )
    )
    if local_dir is not None:
        builder = builder.config("spark.local.dir", str(local_dir))
    logger.info("starting a local Spark session (%s)", master)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session
