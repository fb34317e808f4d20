"""Version stamps on saved models, and secure saving through skops.

Pickles (``joblib.dump``) of a :class:`~tabkd.DistilledClassifier` or a
student carry the versions of the libraries that fitted them. Loading under
different versions gives one :class:`VersionMismatchWarning` that lists every
difference (once per process for the same differences): tree models and
encoders may predict differently across versions, and a warning at load is
cheaper than a silent shift in production.

Loading a pickle runs code chosen by whoever wrote the file, so load pickles
only from sources you trust. :func:`save` and :func:`load` use the ``skops``
format instead, which refuses types that are not explicitly trusted.
"""

import importlib
import warnings

# The libraries whose version can change what a saved model predicts.
_TRACKED = ("tabkd", "sklearn", "lightgbm", "xgboost", "numpy")
# Types a fitted tabkd model holds beyond skops' default trusted set. The
# LightGBM booster is rebuilt from its model text, the rest from plain
# attribute dictionaries: none runs code chosen by the file.
_TRUSTED = [
    "lightgbm.basic.Booster",
    "numpy.dtype",
    "sklearn.neural_network._stochastic_optimizers.AdamOptimizer",
    "sklearn.neural_network._stochastic_optimizers.SGDOptimizer",
    "tabkd._estimator.DistilledClassifier",
    "tabkd._schema.TableSchema",
    "tabkd.students._lightgbm.LightGBMStudent",
    "tabkd.students._mlp.MLPStudent",
]


class VersionMismatchWarning(UserWarning):
    """A model saved under other library versions was loaded."""


# Differences already reported in this process. A fitted estimator pickles
# its student too, and both carry stamps: without this, one load would warn
# once per object instead of once.
_reported = set()


def library_versions():
    """Versions of the libraries a saved model depends on.

    Returns
    -------
    dict
        Library name to version string (``None`` when not installed).
    """
    versions = {}
    for name in _TRACKED:
        try:
            versions[name] = importlib.import_module(name).__version__
        except ImportError:
            versions[name] = None
    return versions


class VersionedStateMixin:
    """Record library versions in the pickled state; warn once on mismatch.

    scikit-learn's own ``InconsistentVersionWarning`` for this object is
    replaced by the one tabkd warning, which covers scikit-learn too.
    """

    def __getstate__(self):
        state = super().__getstate__()
        if type(state) is dict:
            state = dict(state, _tabkd_versions=library_versions())
        return state

    def __setstate__(self, state):
        if isinstance(state, dict) and "_tabkd_versions" in state:
            state = dict(state)
            saved = state.pop("_tabkd_versions")
            current = library_versions()
            changed = {
                name: (saved.get(name), current[name])
                for name in current
                if saved.get(name) != current[name]
            }
            key = tuple(sorted(changed.items()))
            if changed and key not in _reported:
                _reported.add(key)
                listed = ", ".join(
                    f"{name} {old} -> {new}" for name, (old, new) in changed.items()
                )
                warnings.warn(
                    "A tabkd model saved under other library versions was loaded "
                    f"({listed}); its predictions may differ. Refit it or pin "
                    "the versions it was saved with.",
                    VersionMismatchWarning,
                    stacklevel=2,
                )
            # Covered by the warning above, so scikit-learn need not repeat it.
            state.pop("_sklearn_version", None)
        super().__setstate__(state)


def _skops_io():
    try:
        return importlib.import_module("skops.io")
    except ImportError as exc:
        raise ImportError(
            "Secure saving needs skops: pip install 'tabkd[persist]'."
        ) from exc


def save(model, path):
    """Write a fitted model in the skops format (no pickle code on load).

    Parameters
    ----------
    model : DistilledClassifier or BaseStudent
        Fitted. A ``DistilledClassifier`` is written whole, teacher included
        when it was kept; fit with ``keep_teacher=False`` to ship only the
        schema and the student.
    path : str or path-like
    """
    _skops_io().dump(model, path)


def load(path, trusted=None):
    """Load a model written by :func:`save`, refusing untrusted types.

    Parameters
    ----------
    path : str or path-like
    trusted : list of str, default=None
        Type names to trust beyond skops' defaults and the types of a fitted
        tabkd model without its teacher. A file holding any other type (for
        example a kept teacher's XGBoost members) raises; list the types
        reported by ``skops.io.get_untrusted_types(file=path)`` here after
        reviewing them.

    Returns
    -------
    DistilledClassifier or BaseStudent
    """
    return _skops_io().load(path, trusted=_TRUSTED + list(trusted or []))
