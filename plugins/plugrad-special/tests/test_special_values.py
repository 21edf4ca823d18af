"""Closed-form values and derivatives, independent of the code under test."""

from __future__ import annotations

import math

import numpy as np
import plugrad_special.ops
import pytest
from plugrad_special import (
    digamma,
    erf,
    erfc,
    expit,
    gammaln,
    logsumexp,
    polygamma,
    softplus,
)

from plugrad import Variable
from plugrad.plugin import OpsPlugin

EULER_GAMMA = 0.5772156649015329

# mypy checks the module against plugrad's plugin protocol (hook name and signature).
_plugin: OpsPlugin = plugrad_special.ops


def value(x: Variable) -> float:
    return float(x.data)


def test_known_values() -> None:
    one, two = Variable(np.array(1.0)), Variable(np.array(2.0))
    assert value(erf(Variable(np.array(0.0)))) == 0.0
    assert value(erf(one)) == pytest.approx(math.erf(1.0))
    assert value(erfc(one)) == pytest.approx(1.0 - math.erf(1.0))
    assert value(gammaln(Variable(np.array(5.0)))) == pytest.approx(math.log(24.0))
    assert value(digamma(one)) == pytest.approx(-EULER_GAMMA)
    assert value(polygamma(1, one)) == pytest.approx(math.pi**2 / 6)
    assert value(polygamma(0, two)) == pytest.approx(1.0 - EULER_GAMMA)
    assert value(expit(Variable(np.array(0.0)))) == 0.5
    assert value(softplus(Variable(np.array(0.0)))) == pytest.approx(math.log(2.0))


def test_large_inputs_do_not_overflow() -> None:
    x = Variable(np.array([-800.0, 800.0]))
    assert np.allclose(softplus(x).data, [0.0, 800.0])
    assert np.allclose(expit(x).data, [0.0, 1.0])
    assert value(logsumexp(Variable(np.array([1000.0, 1000.0])))) == pytest.approx(
        1000.0 + math.log(2.0)
    )


def test_logsumexp_axis() -> None:
    data = np.arange(6.0).reshape(2, 3)
    y = logsumexp(Variable(data), axis=1)
    assert y.shape == (2,)
    assert np.allclose(y.data, np.log(np.exp(data).sum(axis=1)))
    assert logsumexp(Variable(data), axis=0, keepdims=True).shape == (1, 3)


def test_gammaln_derivatives_are_the_polygamma_chain() -> None:
    """d/dx gammaln = digamma, d2 = trigamma (pi^2/6 at 1), d3 = polygamma(2) (-2 zeta(3))."""
    x = Variable(np.array(1.0))
    y = gammaln(x)
    y.backward(create_graph=True)
    assert x.grad is not None
    first = x.grad
    assert value(first) == pytest.approx(-EULER_GAMMA)
    x.cleargrad()
    first.backward(create_graph=True)
    second = x.grad
    assert second is not None
    assert value(second) == pytest.approx(math.pi**2 / 6)
    x.cleargrad()
    second.backward()
    assert x.grad is not None
    assert value(x.grad) == pytest.approx(-2 * 1.2020569031595942)  # zeta(3) = 1.2020569...


def test_erf_second_derivative() -> None:
    """erf'' = -4x/sqrt(pi) exp(-x^2)."""
    x = Variable(np.array(0.7))
    erf(x).backward(create_graph=True)
    assert x.grad is not None
    first = x.grad
    x.cleargrad()
    first.backward()
    assert x.grad is not None
    assert value(x.grad) == pytest.approx(-4 * 0.7 / math.sqrt(math.pi) * math.exp(-0.49))


@pytest.mark.parametrize("fn", [erf, erfc, gammaln, digamma, expit, softplus, logsumexp])
def test_float32_stays_float32(fn: object) -> None:
    assert callable(fn)
    x = Variable(np.array([0.5, 1.5], dtype=np.float32))
    y = fn(x)
    assert isinstance(y, Variable)
    y.backward()
    assert y.dtype == np.float32
    assert x.grad is not None
    assert x.grad.dtype == np.float32


def test_polygamma_rejects_a_bad_order() -> None:
    with pytest.raises(ValueError, match="n must be an int >= 0"):
        polygamma(-1, Variable(np.array(1.0)))
