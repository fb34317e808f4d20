"""One level of parallelism: tabkd's independent jobs through joblib.

The teacher's member × fold fits and the teacher's labelling batches are
independent jobs, run with ``joblib.Parallel`` under the estimator's
``n_jobs``. ``n_jobs=None`` leaves the choice to an active
``joblib.parallel_config`` (or ``parallel_backend``), so a user's
``with joblib.parallel_backend("dask"):`` sends the jobs to a Dask cluster.

Parallelism stays on that one level: inside a job, and in every member's
prediction wherever it runs, nested joblib calls (a forest's trees, a
``ColumnTransformer``'s columns, k-NN's chunks) run sequentially. Under the
Dask backend this matters beyond thread counts: that backend ignores
``n_jobs``, so a random forest with ``n_jobs=1`` inside a worker would
otherwise submit its trees to the cluster as tasks of their own. BLAS and
OpenMP threads are capped by the backends themselves (loky gives each worker
its share of the cores; Dask's nanny starts workers with
``OMP_NUM_THREADS=1``), and the built-in members are single-threaded on top
of that.
"""

import functools

from joblib import Parallel, cpu_count, delayed, effective_n_jobs, parallel_config


def one_level(job):
    """Make ``job`` run its nested joblib calls sequentially.

    Decorate job functions with it (module-level ones stay picklable by
    name, and a Dask task stream shows their names), and member methods
    that run in the caller's process.

    Parameters
    ----------
    job : callable

    Returns
    -------
    callable
    """

    @functools.wraps(job)
    def run(*args, **kwargs):
        # joblib's configuration is thread-local, so this is safe in a
        # multi-threaded worker and leaves the worker's other tasks alone.
        with parallel_config(backend="sequential"):
            return job(*args, **kwargs)

    return run


def parallel_map(job, arguments, n_jobs):
    """``job(*args)`` for every ``args`` in ``arguments``, in order.

    Parameters
    ----------
    job : callable
        A module-level function decorated with :func:`one_level`.
    arguments : iterable of tuple
        Positional arguments of each call, consumed lazily, a few calls
        ahead of the results. Pass large shared inputs as the same object in
        every tuple, at the top level: joblib's Dask backend then sends each
        such object to the cluster once, not once per call.
    n_jobs : int or None
        As for ``joblib.Parallel``; ``None`` defers to the active joblib
        configuration.

    Returns
    -------
    generator
        The results, in the order of ``arguments`` whatever ``n_jobs``.
    """
    return Parallel(n_jobs=n_jobs, return_as="generator")(
        delayed(job)(*args) for args in arguments
    )


def local_threads(n_jobs):
    """Threads for work that runs in this process, such as the student's fit.

    ``effective_n_jobs`` under the Dask backend counts the cluster's
    threads; the student trains here, so it is capped at this machine's
    cores.

    Parameters
    ----------
    n_jobs : int or None

    Returns
    -------
    int
    """
    return max(1, min(effective_n_jobs(n_jobs), cpu_count()))
