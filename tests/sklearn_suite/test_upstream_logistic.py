"""scikit-learn's own logistic regression tests (linear_model/tests/test_logistic.py), on ours.

Ours defaults to one-vs-rest (the course's model); scikit-learn's is multinomial since
1.5, and its tests assume that, so they run on ours set to multinomial. Tests of what we
do not offer are skipped in upstream_skips.py, each with its reason.
"""

from neuronlab.models import LogisticRegression as _Ours

from . import _upstream


class LogisticRegression(_Ours):
    """Our logistic regression with scikit-learn's multi-class default: multinomial."""

    def __init__(
        self,
        C=1.0,
        multi_class="multinomial",
        fit_intercept=True,
        max_iter=500,
        tol=1e-4,
        callback=None,
        *,
        solver="lbfgs",
        random_state=None,
        warm_start=False,
        verbose=0,
    ):
        super().__init__(
            C=C,
            multi_class=multi_class,
            fit_intercept=fit_intercept,
            max_iter=max_iter,
            tol=tol,
            callback=callback,
            solver=solver,
            random_state=random_state,
            warm_start=warm_start,
            verbose=verbose,
        )


_module = _upstream.load(
    "linear_model/tests/test_logistic.py",
    {("sklearn.linear_model", "LogisticRegression"): LogisticRegression},
)
globals().update(_upstream.tests_of(_module))
