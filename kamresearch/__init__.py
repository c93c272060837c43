"""kamresearch: key account research from transaction data.

How concentrated a company's revenue is in a few key accounts
(:mod:`kamresearch.pareto`), how long accounts last
(:mod:`kamresearch.churn`), whether acquisition cohorts grow or leak
(:mod:`kamresearch.cohorts`), whether the data support the key-account claims
(:mod:`kamresearch.evidence`), per sales region (:mod:`kamresearch.reports`).

Start with::

    import kamresearch as kam
    tx = kam.read_transactions("sales.xlsx")        # or kam.load_sample()
    kam.quality_summary(tx)                          # a table; describe_quality(tx): in words

The canonical transaction table is documented in :mod:`kamresearch.schema`.
"""

from . import churn, cohorts, datasets, engine, keyaccounts, narrative, pareto, plotting, schema
from .datasets import load_sample, simulate
from .engine import facts
from .engine.scan import scan_transactions
from .errors import ConfigError, DataError, DataWarning, InsufficientDataWarning, KamError
from .io import PRESETS, describe_quality, quality_summary, read_transactions

__version__ = "0.1.0"

__all__ = [
    "read_transactions",
    "scan_transactions",
    "quality_summary",
    "describe_quality",
    "PRESETS",
    "load_sample",
    "simulate",
    "KamError",
    "DataError",
    "ConfigError",
    "DataWarning",
    "InsufficientDataWarning",
    "schema",
    "engine",
    "facts",
    "datasets",
    "pareto",
    "churn",
    "cohorts",
    "keyaccounts",
    "plotting",
    "narrative",
    "reports",
    "evidence",
    "__version__",
]


def __getattr__(name):
    # kamresearch.reports pulls in papermill and nbconvert, kamresearch.evidence statsmodels:
    # imported on first use only
    if name in ("reports", "evidence"):
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'kamresearch' has no attribute {name!r}")
