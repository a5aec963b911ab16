"""Which of scikit-learn's own tests do not apply to our estimators, and why: the one list.

Keys are patterns on a test's name with its parameters, in which ``*`` stands for any
text and everything else for itself, e.g. ``test_warm_start[*-newton-cg-*]``; the first
matching pattern gives the reason.
"""

from __future__ import annotations

# Reasons shared by several tests.
NOT_OURS = "runs scikit-learn's own MLPRegressor: Neuron Lab has no regressor"
LBFGS = "solver='lbfgs' is not offered for the MLP: only 'adam' and 'sgd' (mini-batches)"
SCHEDULE = "learning_rate schedules ('invscaling', 'adaptive') are not offered: constant only"
MULTILABEL = "multi-label targets are not offered: one digit per image"
SPARSE = "sparse input is not offered: images are dense arrays"
FLOAT32 = "computes in float32 by design: float64 input gives float32 weights (documented)"

MLP: dict[str, str] = {
    "*MLPRegressor*": NOT_OURS,
    "test_lbfgs_regression*": NOT_OURS,
    "test_multioutput_regression": NOT_OURS,
    "test_partial_fit_regression": NOT_OURS,
    "test_nonfinite_params": NOT_OURS,
    "test_mlp_regressor_dtypes_casting": NOT_OURS,
    "test_mlp_vs_poisson_glm_equivalent*": NOT_OURS,
    "test_gradient": LBFGS,
    "test_lbfgs_*": LBFGS,
    "test_warm_start": LBFGS,
    "test_partial_fit_errors": LBFGS + " (it checks that lbfgs has no partial_fit)",
    "test_mlp_warm_start_no_convergence[lbfgs-*": LBFGS,
    "test_learning_rate_warmstart": SCHEDULE,
    "test_adaptive_learning_rate": SCHEDULE,
    "test_multilabel_classification": MULTILABEL,
    "test_predict_proba_multilabel": MULTILABEL,
    "test_sparse_matrices*": SPARSE,
    "test_mlp_param_dtypes[MLPClassifier-float64]": FLOAT32,
    "test_preserve_feature_names[MLPClassifier]": (
        "fits a single class, which ours refuses as there is nothing to learn"
    ),
}

CV = "runs scikit-learn's own LogisticRegressionCV: Neuron Lab has no cross-validated estimator"
SOLVERS = "solvers other than 'lbfgs' are not offered: ours is L-BFGS only"
PENALTY = "penalties other than L2 (penalty=, l1_ratio, elastic net) are not offered"
PATH = "tests scikit-learn's private _logistic_regression_path, not an estimator"
ARRAY_API = "array API inputs (torch, array_api_strict) are not offered: NumPy arrays only"
CALLBACK = (
    "scikit-learn's callback protocol (set_callbacks) is not offered: our callback is a "
    "function of EpochInfo"
)

LOGISTIC: dict[str, str] = {
    "*LogisticRegressionCV*": CV,
    "test_logistic_cv*": CV,
    "test_multinomial_cv_iris*": CV,
    "test_logistic_regressioncv_*": CV,
    "test_logisticregressioncv_*": CV,
    "test_logistic_regression_cv_refit*": CV,
    "test_lr_cv_*": CV,
    "test_lr_scoring_warns": CV,
    "test_get_default_scorer": CV,
    "test_passing_params_without_enabling_metadata_routing": CV,
    "test_logistic_regression_sample_weights[*cv*": CV,
    "*liblinear*": SOLVERS,
    "*newton*": SOLVERS,
    "*saga*": SOLVERS,
    "*[sag]": SOLVERS,
    "*[sag-*": SOLVERS,
    "*-sag-*": SOLVERS,
    "*-sag]": SOLVERS,
    "test_warm_start_converge_LR*": SOLVERS + " (it uses solver='sag')",
    "test_check_solver_option*": SOLVERS + " (it checks solver/penalty combinations)",
    "*elastic*": PENALTY,
    "*l1*": PENALTY,
    "test_penalty_*": PENALTY + "; no penalty is written C=np.inf here",
    "*class_weight*": "class_weight is not offered (sample_weight is)",
    "test_logreg_intercept_scaling_zero": "intercept_scaling (a liblinear option) is not offered",
    "test_logisticregression_warns_with_n_jobs": "n_jobs is not offered (one BLAS thread)",
    "test_consistency_path*": PATH,
    "test_logistic_regression_path_*": PATH,
    "*csr*": SPARSE,
    "*coo*": SPARSE,
    "test_sparsify*": SPARSE,
    "test_large_sparse_matrix*": SPARSE,
    "*array_api*": ARRAY_API,
    "*callback*": CALLBACK,
    "test_dtype_match*": FLOAT32,
    "test_logistic_glmnet[lbfgs]": (
        "asks tol=1e-8 with ConvergenceWarning as an error: below float32's resolution of the "
        "loss there, where ours warns (as documented) instead of reaching it"
    ),
    "test_logistic_regression_sample_weights[*lbfgs-single]": (
        "asks weighted and repeated fits at tol=1e-8 to agree to 1e-5: below float32's "
        "resolution both stop where rounding leaves them, about 1e-5 apart (our own test "
        "checks the same equivalence at a tol float32 can meet)"
    ),
    "test_multinomial_identifiability_on_iris*": (
        "asks sum(coef_) = 0 to 1e-10: float32 weights fitted to tol=1e-4 are ~1e-4 from it"
    ),
    "test_logistic_regression_solvers*": SOLVERS + " (it compares them with each other)",
    "test_multinomial_logistic_regression_string_inputs": "class_weight is not offered",
    "test_sample_weight_not_modified*": "class_weight is not offered",
    "test_logreg_predict_proba_multinomial*": "uses scikit-learn's private _predict_proba_lr",
}

SKIPS = {"test_upstream_mlp": MLP, "test_upstream_logistic": LOGISTIC}
