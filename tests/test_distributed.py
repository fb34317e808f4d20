"""The teacher's jobs on a real Dask cluster give the model a local fit gives."""

import collections
import re

import joblib
import numpy as np
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

distributed = pytest.importorskip(
    "distributed", reason="needs dask[distributed] (pip install 'tabkd[dask]')"
)

import tabkd  # noqa: E402
from tabkd import DistilledClassifier, LightGBMStudent  # noqa: E402
from tabkd import _estimator, _parallel  # noqa: E402

from conftest import fast_params, fast_teacher  # noqa: E402

# joblib names a Dask task after the function of the calls it batches.
_TASK_KEY = re.compile(r"^(?:mixed_)?batch_of_(?P<func>.+)_(?P<calls>\d+)_calls-")


def _tabkd_file():
    import tabkd

    return tabkd.__file__


@pytest.fixture(scope="module")
def dask_client():
    """Two single-threaded worker processes, as small as a CI runner allows."""
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True,
        dashboard_address=None,
    )
    client = distributed.Client(cluster)
    try:
        # Workers inherit the test process's sys.path; if another tabkd came
        # first there, the comparison below would test the wrong code.
        assert set(client.run(_tabkd_file).values()) == {tabkd.__file__}
        yield client
    finally:
        client.close()
        cluster.close()


def _calls_per_function(task_stream):
    calls = collections.Counter()
    for task in task_stream:
        match = _TASK_KEY.match(task["key"])
        name = match["func"] if match else task["key"]
        calls[name] += int(match["calls"]) if match else 1
    return dict(calls)


def _params():
    # Members that call joblib themselves are in the teacher on purpose: under
    # the Dask backend, which ignores n_jobs, a forest's trees, a column
    # transformer's columns and k-NN's query chunks would each go out as
    # tasks of their own, were they not kept inside tabkd's jobs.
    scaled_knn = make_pipeline(
        ColumnTransformer([("scale", StandardScaler(), slice(0, None))]),
        KNeighborsClassifier(n_neighbors=15),
    )
    teacher = [
        *fast_teacher(),
        ("forest", RandomForestClassifier(n_estimators=10, random_state=0, n_jobs=1)),
        ("knn", scaled_knn),
    ]
    return fast_params(teacher=teacher, student=_one_thread_student(),
                       augmentation="munge", n_synthetic=1.0)


def _one_thread_student():
    # As in a local fit with n_jobs=1: under the Dask backend the student
    # would get this machine's cores, and LightGBM's OpenMP threads on a busy
    # 2-core runner were measured taking 20 s for a 0.2 s fit.
    return LightGBMStudent(n_estimators=60, min_child_samples=5, n_jobs=1)


def test_dask_fit_equals_local_fit_and_runs_on_the_workers(
    dask_client, breast_cancer_split, monkeypatch
):
    X_train, X_test, y_train, _ = breast_cancer_split
    # 426 synthetic rows in batches of 100: five labelling batches.
    monkeypatch.setattr(_estimator, "_LABEL_BATCH", 100)
    local = DistilledClassifier(**_params(), n_jobs=1).fit(X_train, y_train)

    with distributed.get_task_stream(client=dask_client) as stream, \
            joblib.parallel_backend("dask"):
        remote = DistilledClassifier(**_params()).fit(X_train, y_train)

    # 4 members x (3 folds + refit) fits; the five labelling batches run as
    # one job per worker. Nothing else: no nested call escaped tabkd's jobs.
    assert _calls_per_function(stream.data) == {"_fit_job": 16,
                                                 "_label_batches": 2}
    np.testing.assert_allclose(remote.teacher_.predict_proba(X_test),
                               local.teacher_.predict_proba(X_test),
                               rtol=0, atol=1e-12)
    np.testing.assert_allclose(remote.predict_proba(X_test),
                               local.predict_proba(X_test), rtol=0, atol=1e-12)


def test_dask_backend_receives_the_training_rows_once(
    dask_client, breast_cancer_split, monkeypatch
):
    X_train, _, y_train, _ = breast_cancer_split
    scattered = []
    scatter = dask_client.scatter

    def recording_scatter(data, *args, **kwargs):
        scattered.append(data)
        return scatter(data, *args, **kwargs)

    # joblib's Dask backend scatters a large argument through the client's
    # scatter, once per object and Parallel call (joblib/_dask.py).
    monkeypatch.setattr(dask_client, "scatter", recording_scatter)
    params = fast_params(student=_one_thread_student())
    with joblib.parallel_backend("dask"):
        DistilledClassifier(**params).fit(X_train, y_train)

    shapes = collections.Counter(np.shape(data) for data in scattered)
    n_rows, n_columns = X_train.shape
    # The whole table and the labels once; each fold's training and held-out
    # row indices once; no per-job slices of the table.
    assert shapes[(n_rows, n_columns)] == 1
    assert shapes[(n_rows,)] == 1
    assert sum(count for shape, count in shapes.items()
               if len(shape) == 2 and shape != (n_rows, n_columns)) == 0
    assert sum(count for shape, count in shapes.items()
               if len(shape) == 1 and shape[0] < n_rows) == 2 * 3


def test_student_threads_are_capped_at_the_local_cores(dask_client, monkeypatch):
    with joblib.parallel_backend("dask"):
        # The cluster's two threads, as joblib counts them...
        assert joblib.effective_n_jobs(None) == 2
        monkeypatch.setattr(_parallel, "cpu_count", lambda: 1)
        # ...are not this machine's, where the student trains.
        assert _parallel.local_threads(None) == 1
