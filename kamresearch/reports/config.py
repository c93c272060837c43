"""Options of a report run: defaults, a TOML config file, arguments; the template.

:func:`resolve_options` merges the three layers (arguments override the config
file, which overrides the defaults) and validates every value, raising
:class:`~kamresearch.ConfigError` with the option's name, so that
``kamresearch report`` exits 2 with a plain message before any work starts.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

from ..errors import ConfigError

__all__ = [
    "TEMPLATE_PARAMETERS",
    "CONFIG_KEYS",
    "READ_OPTIONS",
    "default_template",
    "load_config",
    "resolve_options",
]

#: The names of the template's ``parameters`` cell (papermill injects them).
TEMPLATE_PARAMETERS = (
    "data_path",
    "mapping",
    "region",
    "as_of",
    "inactivity_days",
    "freq",
    "cohort_freq",
    "key_share",
    "major_share",
    "key_min_revenue",
    "major_min_revenue",
    "order_band_edges",
    "output_dir",
    "output_name",
    "lang",
    "previous",
    "previous_mismatch",
)
#: Keys accepted in a TOML config file (top level or a ``[report]`` table).
CONFIG_KEYS = (
    "data",
    "mapping",
    "regions",
    "as_of",
    "out",
    "jobs",
    "force",
    "key_share",
    "major_share",
    "key_min_revenue",
    "major_min_revenue",
    "order_band_edges",
    "inactivity_days",
    "freq",
    "previous",
    "template",
    "params",
    "sheet",
    "keep_duplicates",
    "dayfirst",
    "decimal",
    "unify_ids",
    "unify_regions",
    "tz",
    "outlying_dates",
    "force_as_of",
    "header_row",
    "unit",
    "amount_basis",
    "returns_from",
    "timeout",
    "lang",
    "engine",
)
_PATH_KEYS = ("data", "out", "template")
#: Values of ``previous`` that mean "no monthly review" (besides false).
_NO_PREVIOUS = ("none", "off", "false")
#: Period lengths a run may use for every region (month, quarter, year).
FREQS = ("M", "Q", "Y")
#: Options passed to :func:`kamresearch.read_transactions` by the report run.
READ_OPTIONS = ("sheet", "keep_duplicates", "dayfirst", "decimal", "unify_ids", "unify_regions",
                "tz", "outlying_dates", "header_row", "unit", "amount_basis",
                "returns_from")  # fmt: skip


def default_template() -> Path:
    """The report template: ``notebooks/region_report.ipynb`` of a source checkout,
    else the copy packaged under ``kamresearch/templates/``."""
    here = Path(__file__).resolve().parent.parent
    for cand in (
        here.parent / "notebooks" / "region_report.ipynb",
        here / "templates" / "region_report.ipynb",
    ):
        if cand.exists():
            return cand
    raise ConfigError("the report template region_report.ipynb was not found; pass template=")


def load_config(path) -> dict:
    """Read report options from a TOML file.

    Keys (top level or under ``[report]``): ``data``, ``mapping``, ``regions``
    (a list, or ``"all"``), ``as_of``, ``out``, ``jobs``, ``force``, ``key_share``,
    ``major_share``, ``key_min_revenue`` and ``major_min_revenue`` (tier thresholds in the
    currency instead of shares), ``order_band_edges``, ``inactivity_days``, ``freq`` (``"M"``, ``"Q"`` or ``"Y"``: the
    period of every region; default chosen from the whole data), ``previous`` (the
    run folder the monthly review compares with; ``false``: none; default the newest
    earlier run beside ``out``), ``template``, ``params``
    (a table of extra notebook parameters), ``timeout`` (seconds per notebook cell),
    ``lang`` (the report language: ``"en"``, the default, or ``"zh"``), ``engine``
    (``"duckdb"``, the default, or ``"spark"``: where the input is scanned), and the reading
    options of :func:`kamresearch.read_transactions` ``sheet`` (a name, a list or
    ``"all"``), ``keep_duplicates``, ``dayfirst``, ``header_row``, ``unit``,
    ``amount_basis``, ``returns_from``, ``decimal``, ``unify_ids``, ``unify_regions``,
    ``tz``, ``outlying_dates``, and ``force_as_of`` (accept an ``as_of`` more than
    :data:`kamresearch.engine.AS_OF_MAX_DAYS_AFTER` days after the data). Relative paths
    are relative to the config file's folder.

    Raises
    ------
    ConfigError
        When the file is missing, is not valid TOML or has unknown keys.
    """
    import tomllib

    path = Path(path)
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file {path} not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    if isinstance(doc.get("report"), dict):
        doc = doc["report"]
    if "region" in doc and "regions" not in doc:
        doc["regions"] = doc.pop("region")
    unknown = sorted(set(doc) - set(CONFIG_KEYS))
    if unknown:
        raise ConfigError(
            f"config file {path}: unknown key(s) {unknown}; allowed: {list(CONFIG_KEYS)}"
        )
    for key in (*_PATH_KEYS, "previous"):
        if key == "previous" and str(doc.get(key)).lower() in _NO_PREVIOUS:
            continue
        if isinstance(doc.get(key), str):
            doc[key] = (
                str((path.parent / doc[key]).resolve())
                if not Path(doc[key]).is_absolute()
                else doc[key]
            )
    return doc


def resolve_options(data=None, *, config=None, **given) -> dict:
    """The effective options of a run: defaults, overridden by ``config``, then by ``given``.

    Parameters
    ----------
    data : str, path or DataFrame, optional
        The input; overrides ``config["data"]``.
    config : str, path or dict, optional
        A TOML file (:func:`load_config`) or a dict of :data:`CONFIG_KEYS`.
    **given
        Options of :func:`run`; None means "not given".

    Returns
    -------
    dict
        Every key of :data:`CONFIG_KEYS`, validated: ``regions`` is ``"all"`` or a list,
        ``as_of`` a Timestamp or None.

    Raises
    ------
    ConfigError
        Unknown option, no data, or an invalid value (the message names the option).
    """
    cfg = load_config(config) if isinstance(config, (str, os.PathLike)) else dict(config or {})
    unknown = sorted((set(cfg) | set(given)) - set(CONFIG_KEYS))
    if unknown:
        raise ConfigError(f"unknown option(s) {unknown}; allowed: {list(CONFIG_KEYS)}")
    return _options(data, cfg, given)


def _check_thresholds(opts: dict) -> None:
    """Tier thresholds in the currency (both or neither, 0 < major <= key) and the
    order-band edges (positive, increasing; a list or ``"1000,10000"``)."""
    from ..keyaccounts.orders import check_edges

    key, major = opts["key_min_revenue"], opts["major_min_revenue"]
    if (key is None) != (major is None):
        raise ConfigError("give both key_min_revenue and major_min_revenue, or neither")
    if key is not None:
        for k in ("key_min_revenue", "major_min_revenue"):
            if isinstance(opts[k], bool) or not isinstance(opts[k], (int, float)):
                raise ConfigError(f"{k} must be a number, got {opts[k]!r}")
        if not 0 < major <= key:
            raise ConfigError(
                f"need 0 < major_min_revenue <= key_min_revenue, got {major!r}, {key!r}"
            )
        opts["key_min_revenue"], opts["major_min_revenue"] = float(key), float(major)
    if opts["order_band_edges"] is not None:
        opts["order_band_edges"] = list(check_edges(opts["order_band_edges"]))


def _options(data, cfg: dict, given: dict) -> dict:
    opts = {
        "data": None,
        "mapping": None,
        "regions": "all",
        "as_of": None,
        "out": "reports",
        "jobs": 1,
        "force": False,
        "key_share": 0.01,
        "major_share": 0.20,
        "key_min_revenue": None,
        "major_min_revenue": None,
        "order_band_edges": None,
        "inactivity_days": None,
        "freq": None,
        "previous": None,
        "template": None,
        "params": {},
        "timeout": None,
        "sheet": None,
        "keep_duplicates": False,
        "dayfirst": None,
        "decimal": None,
        "unify_ids": False,
        "unify_regions": False,
        "tz": None,
        "outlying_dates": "raise",
        "force_as_of": False,
        "header_row": None,
        "unit": None,
        "amount_basis": None,
        "returns_from": None,
        "lang": "en",
        "engine": "duckdb",
    }
    opts.update({k: v for k, v in cfg.items() if v is not None})
    opts.update({k: v for k, v in given.items() if v is not None})
    if data is not None:
        opts["data"] = data
    if opts["data"] is None:
        raise ConfigError("no input data: pass data (--data FILE) or set data in the config")
    jobs = opts["jobs"]
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ConfigError(f"jobs must be a positive integer, got {jobs!r}")
    for k in ("key_share", "major_share"):
        if isinstance(opts[k], bool) or not isinstance(opts[k], (int, float)):
            raise ConfigError(f"{k} must be a number, got {opts[k]!r}")
    if not 0 < opts["key_share"] <= opts["major_share"] <= 1:
        raise ConfigError(
            "tier thresholds must satisfy 0 < key_share <= major_share <= 1, got "
            f"{opts['key_share']}, {opts['major_share']}"
        )
    _check_thresholds(opts)
    sheet = opts["sheet"]
    if isinstance(sheet, tuple):
        opts["sheet"] = sheet = list(sheet)
    if sheet is not None and not (
        isinstance(sheet, str)
        or (isinstance(sheet, list) and all(isinstance(s, str) for s in sheet))
    ):
        raise ConfigError(f"sheet must be a sheet name, a list of them or 'all', got {sheet!r}")
    row = opts["header_row"]
    if row is not None and (isinstance(row, bool) or not isinstance(row, int) or row < 1):
        raise ConfigError(f"header_row must be a row number (1 = first row), got {row!r}")
    if opts["amount_basis"] not in (None, "net", "gross"):
        raise ConfigError(f"amount_basis must be 'net' or 'gross', got {opts['amount_basis']!r}")
    if not isinstance(opts["keep_duplicates"], bool):
        raise ConfigError(f"keep_duplicates must be true or false, got {opts['keep_duplicates']!r}")
    if opts["dayfirst"] is not None and not isinstance(opts["dayfirst"], bool):
        raise ConfigError(f"dayfirst must be true, false or unset, got {opts['dayfirst']!r}")
    for k in ("unify_ids", "unify_regions", "force_as_of"):
        if not isinstance(opts[k], bool):
            raise ConfigError(f"{k} must be true or false, got {opts[k]!r}")
    if opts["decimal"] not in (None, ".", ","):
        raise ConfigError(f"decimal must be '.' or ',', got {opts['decimal']!r}")
    if opts["outlying_dates"] not in ("raise", "drop", "keep"):
        raise ConfigError(
            f"outlying_dates must be 'raise', 'drop' or 'keep', got {opts['outlying_dates']!r}"
        )
    if opts["tz"] is not None and not isinstance(opts["tz"], str):
        raise ConfigError(f"tz must be a time zone name, got {opts['tz']!r}")
    days = opts["inactivity_days"]
    if days is not None and (isinstance(days, bool) or not isinstance(days, int) or days < 1):
        raise ConfigError(f"inactivity_days must be a positive integer, got {days!r}")
    prev = opts["previous"]
    if isinstance(prev, str) and prev.lower() in _NO_PREVIOUS:
        opts["previous"] = prev = False
    if prev is not None and not isinstance(prev, (bool, str, os.PathLike)):
        raise ConfigError(f"previous must be a run folder or false, got {prev!r}")
    if prev is True:
        opts["previous"] = None  # true: the default, the newest earlier run beside out
    if opts["freq"] is not None:
        if not isinstance(opts["freq"], str) or opts["freq"].upper() not in FREQS:
            raise ConfigError(f"freq must be one of {list(FREQS)}, got {opts['freq']!r}")
        opts["freq"] = opts["freq"].upper()
    timeout = opts["timeout"]
    if timeout is not None:
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
            raise ConfigError(f"timeout must be a positive number of seconds, got {timeout!r}")
        opts["timeout"] = max(1, math.ceil(timeout))  # nbclient takes whole seconds
    from ..engine.scan import ENGINES

    if opts["engine"] not in ENGINES:
        raise ConfigError(f"engine must be one of {list(ENGINES)}, got {opts['engine']!r}")
    from ..i18n import check_language

    opts["lang"] = check_language(opts["lang"])  # ConfigError naming the languages there are
    regions = opts["regions"]
    if isinstance(regions, str):
        regions = [regions]
    if (
        not isinstance(regions, (list, tuple))
        or not regions
        or not all(isinstance(r, str) for r in regions)
    ):
        raise ConfigError(
            f"regions must be 'all' or a non-empty list of region names, got {regions!r}"
        )
    # "all" (lower case) is the keyword; "All" is the whole-company report.
    regions = "all" if "all" in regions else list(dict.fromkeys(regions))
    opts["regions"] = regions
    if not isinstance(opts["params"], dict):
        raise ConfigError(
            f"params must be a table/dict of notebook parameters, got {opts['params']!r}"
        )
    clash = sorted(set(opts["params"]) & set(TEMPLATE_PARAMETERS))
    if clash:
        raise ConfigError(f"params may not set the run's own parameters {clash}")
    if opts["as_of"] is not None:
        from ..engine.facts import parse_date

        ts = parse_date(opts["as_of"])
        if ts is None:
            raise ConfigError(
                f"as_of={opts['as_of']!r} is not a date written year-first; use YYYY-MM-DD "
                "(01/02/2011 could be 1 February or 2 January)"
            )
        opts["as_of"] = ts.normalize()
    return opts
