"""RNN and LSTM layers: forward against NumPy, gradients numerically, truncated BPTT."""

from __future__ import annotations

from typing import Any

import numpy as np

import plugrad.layers as L  # DeZero's convention
from plugrad import Variable


def _sigmoid(a: Any) -> Any:
    return 1.0 / (1.0 + np.exp(-a))


def _affine(layer: L.Linear, x: Any) -> Any:
    out = x @ layer.W.data.astype(np.float64)
    return out if layer.b is None else out + layer.b.data


def test_rnn_matches_numpy() -> None:
    np.random.seed(0)
    rnn = L.RNN(4, in_size=3)
    xs = np.random.randn(3, 2, 3)
    h = None
    for x in xs:
        y = rnn(x)
        a = _affine(rnn.x2h, x)
        h = np.tanh(a if h is None else a + _affine(rnn.h2h, h))
        np.testing.assert_allclose(y.data, h, rtol=1e-5, atol=1e-6)
    rnn.reset_state()
    assert rnn.h is None
    np.testing.assert_allclose(rnn(xs[0]).data, np.tanh(_affine(rnn.x2h, xs[0])), rtol=1e-5)


def _lstm_numpy(lstm: L.LSTM, xs: Any) -> list[Any]:
    h = c = None
    out: list[Any] = []
    for x in xs:

        def gate(x2: L.Linear, h2: L.Linear, x: Any = x, h: Any = h) -> Any:
            a = _affine(x2, x)
            return a if h is None else a + _affine(h2, h)

        f = _sigmoid(gate(lstm.x2f, lstm.h2f))
        i = _sigmoid(gate(lstm.x2i, lstm.h2i))
        o = _sigmoid(gate(lstm.x2o, lstm.h2o))
        u = np.tanh(gate(lstm.x2u, lstm.h2u))
        c = i * u if c is None else f * c + i * u
        h = o * np.tanh(c)
        out.append(h)
    return out


def test_lstm_matches_numpy() -> None:
    np.random.seed(1)
    lstm = L.LSTM(5)  # in_size inferred
    xs = np.random.randn(4, 2, 3)
    got = [lstm(x).data for x in xs]
    for y, expected in zip(got, _lstm_numpy(lstm, xs), strict=True):
        np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-6)


def test_lstm_gradients_match_numerical() -> None:
    np.random.seed(2)
    lstm = L.LSTM(3, in_size=2)
    for p in lstm.params():
        p.data = p.data.astype(np.float64)
        if p.name == "b":
            p.data = np.random.randn(*p.data.shape) * 0.5
    xs = np.random.randn(3, 2, 2)
    weights = np.random.randn(3, 2, 3)

    def loss() -> Variable:
        lstm.reset_state()
        total: Variable | None = None
        for x, w in zip(xs, weights, strict=True):
            term = (lstm(x) * w).sum()
            total = term if total is None else total + term
        assert total is not None
        return total

    lstm.cleargrads()
    loss().backward()
    for name, param in lstm.named_params():
        assert param.grad is not None, name
        numeric = np.zeros_like(param.data)
        for index in np.ndindex(param.data.shape):
            original = param.data[index]
            param.data[index] = original + 1e-6
            up = float(loss().data)
            param.data[index] = original - 1e-6
            down = float(loss().data)
            param.data[index] = original
            numeric[index] = (up - down) / 2e-6
        np.testing.assert_allclose(param.grad.data, numeric, rtol=1e-5, atol=1e-7, err_msg=name)


def test_truncated_bptt_with_unchain_backward() -> None:
    """After loss.unchain_backward(), the next backward reaches only the newer steps: the
    gradients equal those of a fresh run that starts from the carried state as a constant."""
    np.random.seed(3)
    lstm = L.LSTM(3, in_size=2)
    xs = [Variable(np.random.randn(1, 2)) for _ in range(5)]

    loss = None
    for x in xs[:3]:
        term = lstm(x).sum()
        loss = term if loss is None else loss + term
    assert loss is not None
    loss.backward()
    loss.unchain_backward()
    first_x_grad = xs[0].grad.data.copy() if xs[0].grad is not None else None
    assert first_x_grad is not None
    assert lstm.h is not None
    assert lstm.h.creator is None  # the state is a leaf now
    assert lstm.c is not None
    carried_h, carried_c = lstm.h.data.copy(), lstm.c.data.copy()

    lstm.cleargrads()
    loss2 = lstm(xs[3]).sum() + lstm(xs[4]).sum()
    loss2.backward()
    got = {name: p.grad.data.copy() for name, p in lstm.named_params() if p.grad is not None}
    assert xs[0].grad is not None
    np.testing.assert_array_equal(xs[0].grad.data, first_x_grad)  # nothing flowed back

    lstm.cleargrads()
    lstm.h, lstm.c = Variable(carried_h), Variable(carried_c)
    fresh = lstm(xs[3].data).sum() + lstm(xs[4].data).sum()
    fresh.backward()
    for name, p in lstm.named_params():
        assert p.grad is not None
        np.testing.assert_allclose(got[name], p.grad.data, rtol=1e-12, err_msg=name)
