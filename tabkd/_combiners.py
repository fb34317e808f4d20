"""Combiners: how the members' probabilities become the teacher's.

All three learn from out-of-fold member probabilities only, so no combiner
sees a prediction that a member made on its own training rows.

- stacking: a logistic-regression meta-learner over floored
  log-probabilities;
- voting: the plain mean;
- selection: greedy forward ensemble selection with replacement (Caruana et
  al., 2004), optimising log loss; the weights are selection counts.
"""

import numpy as np
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

COMBINERS = ("stacking", "voting", "selection")
# Member probabilities are floored before the log in the stacking features
# and in the selection objective.
LOG_FLOOR = 1e-6
_SELECTION_ITERATIONS = 100
_SELECTION_INIT = 3


def stack_features(member_probas):
    """Stacking meta-features: floored log-probabilities of every member."""
    return np.hstack([np.log(np.clip(p, LOG_FLOOR, None)) for p in member_probas])


def make_meta_learner():
    """The stacking combiner, unfitted."""
    return LogisticRegression(C=1.0, max_iter=2000)


def stacking_weights(meta_learner, names, n_classes):
    """Summarise a fitted meta-learner as one non-negative share per member.

    A member's share is the sum of the absolute coefficients on its
    ``n_classes`` log-probability columns, over all the meta-learner's
    outputs, divided by the total. It says how much the combiner leans on a
    member, not in which direction.
    """
    coef = np.abs(np.atleast_2d(meta_learner.coef_))
    per_member = coef.reshape(coef.shape[0], len(names), n_classes).sum(axis=(0, 2))
    total = per_member.sum()
    shares = per_member / total if total > 0 else np.full(len(names), 1 / len(names))
    return {name: float(w) for name, w in zip(names, shares)}


def _log_loss(proba, y_codes):
    picked = proba[np.arange(len(y_codes)), y_codes]
    return float(-np.mean(np.log(np.clip(picked, LOG_FLOOR, None))))


def ensemble_selection(member_probas, y_codes, *, n_iterations=None, n_init=None,
                       sample_weight=None):
    """Greedy forward selection with replacement, optimising log loss.

    The ensemble starts as the ``n_init`` members with the lowest log loss,
    one after another; then, ``n_iterations`` times, the member whose
    addition gives the lowest log loss of the running average is added again
    (a member may be picked many times, which is how weights arise). Among
    every prefix of that sequence the one with the lowest log loss is kept,
    so the result is never worse on these rows than the best single member.

    Parameters
    ----------
    member_probas : list of ndarray of shape (n_samples, n_classes)
        Out-of-fold probabilities of every member.
    y_codes : ndarray of int
    n_iterations : int, default=100
    n_init : int, default=3
        Capped at the number of members.
    sample_weight : ndarray or None
        Row weights of the objective.

    Returns
    -------
    counts : ndarray of int of shape (n_members,)
        How many times each member was selected; weights are
        ``counts / counts.sum()``.
    log_loss : float
        Log loss of the kept ensemble on these rows.
    """
    n_iterations = _SELECTION_ITERATIONS if n_iterations is None else n_iterations
    n_init = _SELECTION_INIT if n_init is None else n_init
    probas = np.stack(member_probas)
    n_members, n_rows = probas.shape[0], probas.shape[1]
    weight = np.ones(n_rows) if sample_weight is None else np.asarray(sample_weight)
    weight = weight / weight.sum()
    # Only the probability of the true class enters the log loss, which
    # keeps each candidate evaluation O(n_rows).
    picked = probas[:, np.arange(n_rows), y_codes]

    def loss(p_true):
        return float(-np.sum(weight * np.log(np.clip(p_true, LOG_FLOOR, None))))

    single = np.array([loss(picked[m]) for m in range(n_members)])
    # Ties go to the lower index, so the order of members decides them.
    order = np.argsort(single, kind="stable")
    sequence = list(order[:max(1, min(n_init, n_members))])
    running = picked[sequence].sum(axis=0)
    best_len, best_loss = 1, single[order[0]]
    for length in range(2, len(sequence) + 1):
        prefix_loss = loss(picked[sequence[:length]].mean(axis=0))
        if prefix_loss < best_loss:
            best_len, best_loss = length, prefix_loss
    for _ in range(n_iterations):
        size = len(sequence) + 1
        candidates = (running[None, :] + picked) / size
        losses = np.array([loss(c) for c in candidates])
        chosen = int(np.argmin(losses))
        sequence.append(chosen)
        running = running + picked[chosen]
        if losses[chosen] < best_loss:
            best_len, best_loss = size, float(losses[chosen])
    counts = np.bincount(sequence[:best_len], minlength=n_members)
    return counts, best_loss


def combine(kind, member_probas, *, meta_learner=None, weights=None):
    """Teacher probabilities from member probabilities.

    Parameters
    ----------
    kind : {"stacking", "voting", "selection", "single"}
    member_probas : list of ndarray
    meta_learner : fitted LogisticRegression, for stacking
    weights : ndarray, for selection

    Returns
    -------
    ndarray of shape (n_samples, n_classes)
    """
    if kind == "stacking":
        meta = meta_learner.predict_proba(stack_features(member_probas))
        n_classes = member_probas[0].shape[1]
        proba = np.zeros((meta.shape[0], n_classes))
        proba[:, meta_learner.classes_.astype(int)] = meta
        return proba
    if kind == "selection":
        return np.tensordot(weights, np.stack(member_probas), axes=1)
    return np.mean(member_probas, axis=0)


def fit_combiner(combiner, oof_members, y_codes, folds, names, *,
                 sample_weight=None):
    """Fit a combiner on out-of-fold member probabilities.

    The one place where a combiner learns, shared by :func:`fit_teacher
    <tabkd._teachers.fit_teacher>` and by recombining a bagged teacher's
    members under another combiner (:func:`tabkd._teachers.recombine`), so
    the two cannot drift apart.

    Parameters
    ----------
    combiner : {"stacking", "voting", "selection", "single"}
    oof_members : list of ndarray of shape (n_samples, n_classes) or None
        Out-of-fold probabilities of every member; ``None`` when no folds
        were run (voting or a single member without out-of-fold targets).
    y_codes : ndarray of int
    folds : list of (train_idx, valid_idx)
        The folds the out-of-fold probabilities came from.
    names : list of str
        Member names, in the order of ``oof_members``.
    sample_weight : ndarray or None
        Row weights of the selection objective.

    Returns
    -------
    meta_learner : LogisticRegression or None
        Fitted on all rows, for stacking.
    weights : ndarray or None
        Selection weights, summing to one.
    oof_proba : ndarray of shape (n_samples, n_classes) or None
        The combiner's own out-of-fold probabilities: for stacking and
        selection, refitted on each fold's training rows, because the
        combiner fitted on all rows has seen every row's label.
    report : dict
        ``"kind"``, ``"weights"`` per member and, for selection, the counts
        and the selected ensemble's log loss.
    """
    meta_learner, weights, oof_proba = None, None, None
    report = {"kind": combiner}
    if combiner == "stacking":
        n_classes = oof_members[0].shape[1]
        features = stack_features(oof_members)
        meta_learner = make_meta_learner()
        # The combiner's own out-of-fold predictions, over the same folds,
        # keep the students' targets honest: no row is scored by a combiner
        # that saw that row's label.
        oof_proba = np.zeros((len(y_codes), n_classes))
        for train_idx, valid_idx in folds:
            fold_classes = np.unique(y_codes[train_idx])
            if len(fold_classes) == 1:
                # A fold that holds one class (rarer than cv): logistic
                # regression refuses it, and that class with certainty is
                # what it would say.
                oof_proba[valid_idx, fold_classes[0]] = 1.0
                continue
            fold_meta = _fit_one_blas_thread(
                clone(meta_learner), features[train_idx], y_codes[train_idx]
            )
            oof_proba[np.ix_(valid_idx, fold_meta.classes_.astype(int))] = (
                fold_meta.predict_proba(features[valid_idx])
            )
        _fit_one_blas_thread(meta_learner, features, y_codes)
        report["weights"] = stacking_weights(meta_learner, names, n_classes)
    elif combiner == "selection":
        counts, selected_loss = ensemble_selection(
            oof_members, y_codes, sample_weight=sample_weight
        )
        weights = counts / counts.sum()
        # Refitted on each fold's training rows for the same reason as
        # stacking's meta-learner.
        oof_proba = np.zeros_like(oof_members[0])
        for train_idx, valid_idx in folds:
            fold_counts, _ = ensemble_selection(
                [p[train_idx] for p in oof_members], y_codes[train_idx],
                sample_weight=None if sample_weight is None
                else sample_weight[train_idx],
            )
            oof_proba[valid_idx] = combine(
                "selection", [p[valid_idx] for p in oof_members],
                weights=fold_counts / fold_counts.sum(),
            )
        report["weights"] = {n: float(w) for n, w in zip(names, weights)}
        report["counts"] = {n: int(c) for n, c in zip(names, counts)}
        report["selected_log_loss"] = selected_loss
    else:
        if oof_members is not None:
            oof_proba = np.mean(oof_members, axis=0)
        report["weights"] = {n: 1.0 / len(names) for n in names}
    return meta_learner, weights, oof_proba, report


def _fit_one_blas_thread(estimator, X, y):
    """Fit ``estimator`` (the stacking meta-learner) with one BLAS thread.

    L-BFGS makes hundreds of tiny BLAS calls on an ``n × members·classes``
    matrix, too small to share across threads. With the default thread
    pool, on a 2-core machine that was busy, each call waited for a
    descheduled thread: at 10,000 rows of diamonds one fit took 19.8 s
    instead of 1.5 s with one thread, at the same iteration count. One
    thread also makes the result independent of the machine's core count.
    """
    with threadpool_limits(limits=1, user_api="blas"):
        return estimator.fit(X, y)
