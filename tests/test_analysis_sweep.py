"""hidden_sweep trains one network per size and seed, in parallel processes."""

from __future__ import annotations

import numpy as np
import pytest

from neuronlab.analysis import hidden_sweep


@pytest.fixture(scope="module")
def digits(mnist_small):
    small = mnist_small.subset(n_train=600, n_test=300)
    return small.X_train(), small.train_labels, small.X_test(), small.test_labels


def test_two_tiny_sizes_two_seeds_sorted(digits):
    results = hidden_sweep(*digits, sizes=(9, 4), seeds=2, n_jobs=2)
    assert [(r.hidden, r.seed) for r in results] == [(4, 0), (4, 1), (9, 0), (9, 1)]
    for r in results:
        assert 0 <= r.train_accuracy <= 1 and 0 <= r.test_accuracy <= 1
        assert r.test_accuracy > 0.2  # well above the 10 % of guessing
        assert r.coefs0.shape == (784, r.hidden)
        assert r.epochs >= 1 and r.fit_seconds > 0
    assert not np.array_equal(results[0].coefs0, results[1].coefs0)


def test_same_seed_same_network_in_one_process(digits):
    first = hidden_sweep(*digits, sizes=(4,), seeds=[3], n_jobs=1)
    again = hidden_sweep(*digits, sizes=(4,), seeds=[3], n_jobs=1)
    assert first[0].seed == 3
    np.testing.assert_array_equal(first[0].coefs0, again[0].coefs0)
    assert first[0].test_accuracy == again[0].test_accuracy


def test_on_result_streams_each_fit_largest_first(digits):
    seen = []
    results = hidden_sweep(*digits, sizes=(4, 9), seeds=2, n_jobs=1, on_result=seen.append)
    # one process runs the fits in the order they start: largest networks first
    assert [(r.hidden, r.seed) for r in seen] == [(9, 0), (9, 1), (4, 0), (4, 1)]
    assert [(r.hidden, r.seed) for r in results] == [(4, 0), (4, 1), (9, 0), (9, 1)]
    assert {id(r) for r in seen} == {id(r) for r in results}


def test_on_result_is_called_as_each_parallel_fit_finishes(digits):
    seen = []
    results = hidden_sweep(*digits, sizes=(4, 100), n_jobs=2, on_result=seen.append)
    # the 100-unit fit starts first but the 4-unit one, several times faster, is reported first
    assert [r.hidden for r in seen] == [4, 100]
    assert [r.hidden for r in results] == [4, 100]
