"""Synthetic row generators for the distillation transfer set.

``make_augmenter`` turns the estimator's ``augmentation`` parameter into a
generator; the classes can also be used on their own::

    aug = MUNGE(p=0.5).fit(X)
    X_new = aug.sample(10_000, random_state=0)
"""

from ._augmentation import (
    AUGMENTERS,
    MUNGE,
    BaseAugmenter,
    ConditionalResampler,
    Interpolation,
    MarginalPerturbation,
    make_augmenter,
)

__all__ = [
    "AUGMENTERS",
    "BaseAugmenter",
    "ConditionalResampler",
    "Interpolation",
    "MUNGE",
    "MarginalPerturbation",
    "make_augmenter",
]
