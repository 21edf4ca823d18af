"""Where a book program's numbers depend on the order NumPy's global generator is drawn in,
plugrad draws as DeZero does (get_spiral is in tests/nn/test_data.py)."""

from __future__ import annotations

import numpy as np

import plugrad.layers as L  # DeZero's convention
from plugrad.datasets import SinCurve


def test_rnn_draws_its_weights_in_dezeros_order() -> None:
    """Step 59: RNN(hidden) then Linear(1); DeZero creates h2h's weight on the second step."""
    hidden = 5
    np.random.seed(0)
    rnn, fc = L.RNN(hidden), L.Linear(1)
    not_yet: object = rnn.h2h.W.data  # None until the second step
    assert not_yet is None
    x = np.ones((1, 1))
    fc(rnn(x))
    fc(rnn(x))
    np.random.seed(0)
    x2h = np.random.randn(1, hidden) * np.sqrt(1.0)
    fc_w = np.random.randn(hidden, 1) * np.sqrt(1.0 / hidden)
    h2h = np.random.randn(hidden, hidden) * np.sqrt(1.0 / hidden)
    np.testing.assert_allclose(rnn.x2h.W.data, x2h, rtol=1e-6)
    np.testing.assert_allclose(fc.W.data, fc_w, rtol=1e-6)
    np.testing.assert_allclose(rnn.h2h.W.data, h2h, rtol=1e-6)


def test_rnn_with_an_input_size_creates_both_weights_at_once() -> None:
    rnn = L.RNN(4, in_size=3)
    assert rnn.x2h.W.data.shape == (3, 4)
    assert rnn.h2h.W.data.shape == (4, 4)  # DeZero gives (3, 4) here, which cannot take h


def test_sin_curve_draws_its_noise_for_both_splits() -> None:
    np.random.seed(3)
    SinCurve(train=False)
    after = np.random.rand()
    np.random.seed(3)
    np.random.uniform(-0.05, 0.05, size=1000)
    assert after == np.random.rand()
