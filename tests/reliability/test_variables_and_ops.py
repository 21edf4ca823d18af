"""Variables and ops: every bad argument is refused by name, and legitimate ones keep working.

Integer data: int64 (NumPy's default integer) follows NumPy; arithmetic whose result would be a
narrower or unsigned integer, or a boolean, is refused, since it wraps around silently.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import plugrad.functions as F  # DeZero's convention
from plugrad import Function, Variable
from plugrad.typing import Array
from tests.reliability._table import bad, dtype_is, good, run_bad, run_good, untyped, values


def v(*shape: int, dtype: type[np.generic] = np.float64) -> Variable:
    """A Variable of ones."""
    return Variable(np.ones(shape, dtype=dtype))


def ints(value: int, dtype: type[np.generic]) -> Variable:
    return Variable(np.array([value], dtype=dtype))


def none() -> Variable:
    return Variable(None)


def matrix() -> np.ndarray:
    with warnings.catch_warnings():  # NumPy discourages np.matrix; users still have them
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        return np.asmatrix(np.ones((2, 2)))


# -- Variable itself --------------------------------------------------------------------------

VARIABLE_BAD = [
    bad("name int", lambda: Variable(np.ones(2), name=untyped(5)), TypeError, "name", "str", "int"),
    bad("name bytes", lambda: Variable(np.ones(2), name=untyped(b"x")), TypeError, "name", "bytes"),
    bad(
        "datetime64",
        lambda: Variable(np.array(["2024-01-01"], dtype="M8[D]")),
        TypeError,
        "datetime64",
    ),
    bad("timedelta64", lambda: Variable(np.array([1], dtype="m8[s]")), TypeError, "timedelta64"),
    bad("bytes array", lambda: Variable(np.array([b"a"])), TypeError, "S1", "astype"),
    bad("record array", lambda: Variable(np.zeros(2, dtype=[("a", "f8")])), TypeError, "astype"),
    bad(
        "clongdouble",
        lambda: Variable(np.ones(2, dtype=np.clongdouble)),
        TypeError,
        "complex",
        ".real",
    ),
    bad(
        "numpy scalar",
        lambda: Variable(untyped(np.float64(1.0))),
        TypeError,
        "float64",
        "numpy.array",
    ),
    bad("set", lambda: Variable(untyped({1.0})), TypeError, "set"),
    bad("dict", lambda: Variable(untyped({"a": 1.0})), TypeError, "dict"),
    bad("tuple", lambda: Variable(untyped((1.0, 2.0))), TypeError, "tuple", "numpy.array"),
    bad("len of 0-d", lambda: len(Variable(np.array(1.0))), TypeError, "0-d", "len"),
    bad("len of placeholder", lambda: len(none()), TypeError, "Variable(None)"),
    bad("shape of placeholder", lambda: none().shape, AttributeError, "Variable(None)", "shape"),
    bad("ndim of placeholder", lambda: none().ndim, AttributeError, "Variable(None)", "ndim"),
    bad("dtype of placeholder", lambda: none().dtype, AttributeError, "Variable(None)", "dtype"),
    bad("reshape str", lambda: v(2, 3).reshape(untyped("23")), TypeError, "reshape", "str"),
    bad("reshape floats", lambda: v(2, 3).reshape(untyped(2.0), 3), TypeError, "reshape", "float"),
    bad("reshape bool", lambda: v(1).reshape(True), TypeError, "reshape", "bool"),
    bad("reshape two -1", lambda: v(2, 3).reshape(-1, -1), ValueError, "reshape", "-1"),
    bad("reshape -2", lambda: v(2, 3).reshape(-2, 3), ValueError, "reshape", "-2"),
    bad("reshape size", lambda: v(2, 3).reshape(4, 2), ValueError, "reshape", "(2, 3)", "(4, 2)"),
    bad("transpose repeated", lambda: v(2, 3).transpose(0, 0), ValueError, "transpose", "twice"),
    bad("transpose str", lambda: v(2, 3).transpose(untyped("ab")), TypeError, "transpose", "str"),
    bad(
        "transpose float",
        lambda: v(2, 3).transpose(untyped(1.0), 0),
        TypeError,
        "transpose",
        "float",
    ),
    bad("transpose short", lambda: v(2, 3).transpose((0,)), ValueError, "transpose", "(2, 3)"),
    bad("transpose range", lambda: v(2, 3).transpose(2, 0), ValueError, "transpose", "axis 2"),
    bad("sum axis out of range", lambda: v(2, 3).sum(axis=5), ValueError, "sum", "5", "(2, 3)"),
    bad(
        "grad of a list",
        lambda: setattr(v(2), "grad", [1.0, 2.0]),
        TypeError,
        "list",
        "Variable(array)",
    ),
    bad("to_gpu", lambda: v(2).to_gpu(), RuntimeError, "NumPy only"),
    bad("backward of placeholder", lambda: none().backward(), ValueError, "None"),
]

VARIABLE_GOOD = [
    good("int64 scalar (DeZero)", lambda: Variable(np.array(2)) ** 3, values(8, np.int64)),
    good("int64 plus int", lambda: Variable(np.array([1, 2])) + 1, values([2, 3], np.int64)),
    good("uint8 over a float", lambda: ints(255, np.uint8) / 255.0, values([1.0], np.float64)),
    good("uint8 times a float", lambda: ints(3, np.uint8) * 2.0, values([6.0], np.float64)),
    good("int8 plus a float", lambda: ints(100, np.int8) + 0.5, values([100.5])),
    good("int8 to a float power", lambda: ints(100, np.int8) ** 2.0, values([10000.0])),
    good(
        "bool mask times a float",
        lambda: Variable(np.array([True, False])) * 1.0,
        values([1.0, 0.0]),
    ),
    good("float32 times an int", lambda: v(2, dtype=np.float32) * 2, dtype_is(np.float32)),
    good("float32 plus a float", lambda: v(2, dtype=np.float32) + 0.5, dtype_is(np.float32)),
    good("float16 square", lambda: F.square(v(2, dtype=np.float16)), dtype_is(np.float16)),
    good("reshape list", lambda: v(2, 3).reshape([3, 2]).shape, lambda s: s == (3, 2)),
    good(
        "reshape numpy ints",
        lambda: v(2, 3).reshape(untyped(np.int64(3)), untyped(np.int32(2))).shape,
        lambda s: s == (3, 2),
    ),
    good("reshape -1", lambda: v(2, 3).reshape(-1).shape, lambda s: s == (6,)),
    good(
        "transpose negative", lambda: v(2, 3, 4).transpose(-1, 0, 1).shape, lambda s: s == (4, 2, 3)
    ),
    good("transpose list", lambda: v(2, 3).transpose([1, 0]).shape, lambda s: s == (3, 2)),
    good("T", lambda: v(2, 3).T.shape, lambda s: s == (3, 2)),
    good("name str", lambda: Variable(np.ones(1), name="x").name, lambda n: n == "x"),
    good("len", lambda: len(v(4, 2)), lambda n: n == 4),
    good("placeholder repr", lambda: repr(none()), lambda r: r == "variable(None)"),
    good("empty array", lambda: F.sum(v(0, 3)), values(0.0)),
]


@pytest.mark.parametrize(("call", "error", "words"), VARIABLE_BAD)
def test_variable_refuses(
    call: Callable[[], object], error: type[Exception], words: list[str]
) -> None:
    run_bad(call, error, words)


@pytest.mark.parametrize(("call", "check"), VARIABLE_GOOD)
def test_variable_accepts(call: Callable[[], object], check: Callable[[Any], object]) -> None:
    run_good(call, check)


# -- arithmetic -----------------------------------------------------------------------------

ARITHMETIC_BAD = [
    bad("add str", lambda: v(3) + untyped("2"), TypeError, "add", "str"),
    bad("sub str", lambda: v(3) - untyped("2"), TypeError, "sub", "str"),
    bad("mul str", lambda: v(3) * untyped("2"), TypeError, "mul", "str"),
    bad("div str", lambda: v(3) / untyped("2"), TypeError, "div", "str"),
    bad("rdiv str", lambda: untyped("2") / v(3), TypeError, "div", "str"),
    bad("rsub str", lambda: untyped("2") - v(3), TypeError, "sub", "str"),
    bad("add list", lambda: v(3) + untyped([1, 2, 3]), TypeError, "add", "list", "numpy.array"),
    bad("mul tuple", lambda: v(3) * untyped((1, 2, 3)), TypeError, "mul", "tuple", "numpy.array"),
    bad("add None", lambda: v(3) + untyped(None), TypeError, "add", "None"),
    bad("div None", lambda: v(3) / untyped(None), TypeError, "div", "None"),
    bad("add complex", lambda: v(3) + untyped(1j), TypeError, "add", "complex"),
    bad(
        "mul numpy complex", lambda: v(3) * untyped(np.complex128(1j)), TypeError, "mul", "complex"
    ),
    bad("div complex", lambda: v(3) / untyped(1j), TypeError, "div", "complex"),
    bad(
        "div numpy complex", lambda: v(3) / untyped(np.complex64(1)), TypeError, "div", "complex64"
    ),
    bad("add bool", lambda: v(3) + untyped(True), TypeError, "add", "bool"),
    # bool is an int to Python; every operand position refuses it alike.
    bad("bool plus x", lambda: untyped(True) + v(3), TypeError, "add", "bool"),
    bad("x minus bool", lambda: v(3) - untyped(True), TypeError, "sub", "bool"),
    bad("bool minus x", lambda: untyped(True) - v(3), TypeError, "sub", "bool"),
    bad("x times bool", lambda: v(3) * untyped(False), TypeError, "mul", "bool"),
    bad("bool times x", lambda: untyped(True) * v(3), TypeError, "mul", "bool"),
    bad("x over bool", lambda: v(3) / untyped(True), TypeError, "div", "bool"),
    bad("bool over x", lambda: untyped(True) / v(3), TypeError, "div", "bool"),
    bad("x to a bool power", lambda: v(3) ** untyped(True), TypeError, "pow", "bool"),
    bad("mul numpy bool first", lambda: F.mul(untyped(np.True_), v(3)), TypeError, "mul", "bool"),
    bad("div numpy bool", lambda: F.div(v(3), untyped(np.True_)), TypeError, "div", "bool"),
    bad("exp of bool", lambda: F.exp(untyped(True)), TypeError, "exp", "bool"),
    bad(
        "add complex array",
        lambda: v(3) + np.ones(3, dtype=complex),
        TypeError,
        "add",
        "complex128",
    ),
    bad("mul object array", lambda: v(3) * np.array([object()] * 3), TypeError, "mul", "object"),
    bad("add shapes", lambda: v(3) + v(2, 2), ValueError, "add", "(3,)", "(2, 2)"),
    bad("sub shapes", lambda: v(3) - v(2), ValueError, "sub", "(3,)", "(2,)"),
    bad("mul shapes", lambda: v(3) * np.ones(4), ValueError, "mul", "(3,)", "(4,)"),
    bad("div shapes", lambda: v(2, 3) / v(3, 2), ValueError, "div", "(2, 3)", "(3, 2)"),
    bad("pow str", lambda: v(3) ** untyped("2"), TypeError, "pow", "str"),
    bad("pow None", lambda: v(3) ** untyped(None), TypeError, "pow", "None"),
    bad("pow list", lambda: v(3) ** untyped([2]), TypeError, "pow", "list"),
    bad("pow Variable", lambda: v(3) ** untyped(v(3)), TypeError, "pow", "exp(c * log(x))"),
    bad("pow array", lambda: v(3) ** untyped(np.ones(3)), TypeError, "pow", "number"),
    bad(
        "int to a negative int power",
        lambda: Variable(np.array([2])) ** -1,
        ValueError,
        "pow",
        "int64",
        "astype",
    ),
    bad(
        "uint8 minus too much", lambda: ints(1, np.uint8) - 300, TypeError, "sub", "uint8", "astype"
    ),
    bad(
        "bool minus bool",
        lambda: Variable(np.array([True])) - Variable(np.array([False])),
        TypeError,
        "sub",
        "bool",
    ),
    bad("neg bool", lambda: -Variable(np.array([True])), TypeError, "neg", "bool"),
    bad("placeholder plus 1", lambda: none() + 1, ValueError, "add_constant", "None"),
    bad("placeholder times x", lambda: none() * v(1), ValueError, "mul", "input 0", "None"),
    bad("x times placeholder", lambda: v(1) * none(), ValueError, "mul", "input 1", "None"),
    bad("placeholder power", lambda: none() ** 2, ValueError, "pow", "None"),
    bad("placeholder neg", lambda: -none(), ValueError, "neg", "None"),
    bad("exp of placeholder", lambda: F.exp(none()), ValueError, "exp", "None"),
    bad("exp of str", lambda: F.exp(untyped("a")), TypeError, "exp", "str"),
    bad("exp of list", lambda: F.exp(untyped([1.0])), TypeError, "exp", "list", "numpy.array"),
    bad("exp of None", lambda: F.exp(untyped(None)), TypeError, "exp", "None"),
    bad("sin of str array", lambda: F.sin(np.array(["a"])), TypeError, "sin", "<U1"),
    bad(
        "cos of numpy complex",
        lambda: F.cos(untyped(np.complex128(1))),
        TypeError,
        "cos",
        "complex128",
    ),
    bad("tanh of a matrix", lambda: F.tanh(matrix()), TypeError, "tanh", "numpy.matrix"),
]

# Each dtype that wraps around (or changes meaning) under arithmetic, through each op.
WRAPPING = [np.int8, np.int16, np.int32, np.uint8, np.uint16, np.uint32, np.uint64, np.bool_]
WRAPPING_OPS: list[tuple[str, Callable[[Variable], object]]] = [
    ("x ** 2", lambda x: x**2),
    ("square", F.square),
    ("x * x", lambda x: x * x),
    ("x + x", lambda x: x + x),
    ("x * 3", lambda x: x * 3),
    ("x + 3", lambda x: x + 3),
]


def _wrapping_row(label: str, op: Callable[[Variable], object], dtype: type[np.generic]) -> object:
    name = np.dtype(dtype).name
    return bad(f"{label} on {name}", lambda: op(ints(1, dtype)), TypeError, name, "astype")


def _wrapping_rows() -> list[object]:
    rows: list[object] = []
    for dtype in WRAPPING:
        for label, op in WRAPPING_OPS:
            if dtype is np.bool_ and label in ("x * 3", "x + 3"):
                continue  # a bool with an int is int64: no wrapping
            rows.append(_wrapping_row(label, op, dtype))
    return rows


ARITHMETIC_GOOD = [
    good("int64 square", lambda: F.square(Variable(np.array([3_000_000]))), values([9 * 10**12])),
    good(
        "int64 times int64",
        lambda: Variable(np.array([3])) * Variable(np.array([4])),
        values([12], np.int64),
    ),
    good("int64 minus a float", lambda: Variable(np.array([3])) - 0.5, values([2.5])),
    good("uint8 over uint8", lambda: ints(3, np.uint8) / ints(2, np.uint8), values([1.5])),
    good("bool times float", lambda: Variable(np.array([True])) * v(1), values([1.0])),
    good(
        "float32 times float32",
        lambda: v(2, dtype=np.float32) * v(2, dtype=np.float32),
        dtype_is(np.float32),
    ),
    good("float32 power", lambda: v(2, dtype=np.float32) ** 3, dtype_is(np.float32)),
    good("negative float power", lambda: Variable(np.array([2.0])) ** -1, values([0.5])),
    good("broadcast add", lambda: (v(2, 3) + v(3)).shape, lambda s: s == (2, 3)),
    good("numpy scalar constant", lambda: v(2) * np.float32(2.0), values([2.0, 2.0])),
    good("numpy int constant", lambda: v(2) + np.int64(1), values([2.0, 2.0])),
    good("ndarray on the left", lambda: np.ones(2) + v(2), values([2.0, 2.0])),
    good("number on the left", lambda: 2.0 - v(2), values([1.0, 1.0])),
    good(
        "seed example",
        lambda: F.add(F.square(Variable(np.array(2.0))), F.square(Variable(np.array(3.0)))),
        values(13.0),
    ),
]


@pytest.mark.parametrize(("call", "error", "words"), ARITHMETIC_BAD + _wrapping_rows())
def test_arithmetic_refuses(
    call: Callable[[], object], error: type[Exception], words: list[str]
) -> None:
    run_bad(call, error, words)


@pytest.mark.parametrize(("call", "check"), ARITHMETIC_GOOD)
def test_arithmetic_accepts(call: Callable[[], object], check: Callable[[Any], object]) -> None:
    run_good(call, check)


def test_int8_would_have_wrapped_around() -> None:
    # Why narrow integers are refused: NumPy computes 100 ** 2 in int8 as 16, silently.
    assert int((np.array([100], dtype=np.int8) ** 2)[0]) == 16
    run_bad(lambda: ints(100, np.int8) ** 2, TypeError, ["pow", "int8", "16"])


# -- elementwise, shape, indexing, linear algebra -------------------------------------------

OPS_BAD = [
    bad(
        "clip str bound", lambda: F.clip(v(3), untyped("a"), 1.0), TypeError, "clip", "x_min", "str"
    ),
    bad(
        "clip None bound",
        lambda: F.clip(v(3), 0.0, untyped(None)),
        TypeError,
        "clip",
        "x_max",
        "numpy.inf",
    ),
    bad("clip NaN bound", lambda: F.clip(v(3), np.nan, 1.0), ValueError, "clip", "x_min", "NaN"),
    bad(
        "clip NaN upper",
        lambda: F.clip(v(3), 0.0, float("nan")),
        ValueError,
        "clip",
        "x_max",
        "NaN",
    ),
    bad("clip reversed", lambda: F.clip(v(3), 1.0, 0.0), ValueError, "clip", "greater"),
    bad("clip complex", lambda: F.clip(v(3), untyped(1j), 2.0), TypeError, "clip", "complex"),
    bad(
        "clip array bound",
        lambda: F.clip(v(3), untyped(np.zeros(3)), 1.0),
        TypeError,
        "clip",
        "ndarray",
    ),
    bad("reshape str", lambda: F.reshape(v(2, 3), untyped("6")), TypeError, "reshape", "str"),
    bad("reshape float", lambda: F.reshape(v(2, 3), untyped(6.0)), TypeError, "reshape", "float"),
    bad(
        "reshape float in tuple",
        lambda: F.reshape(v(2, 3), untyped((2, "3"))),
        TypeError,
        "reshape",
        "'3'",
    ),
    bad("reshape None", lambda: F.reshape(v(2, 3), untyped(None)), TypeError, "reshape", "None"),
    bad(
        "reshape float array",
        lambda: F.reshape(v(2, 3), untyped(np.array([2.0, 3.0]))),
        TypeError,
        "reshape",
    ),
    bad("reshape size", lambda: F.reshape(v(2, 3), (4,)), ValueError, "reshape", "(2, 3)", "(4,)"),
    bad("reshape placeholder", lambda: F.reshape(none(), (2,)), AttributeError, "Variable(None)"),
    bad(
        "broadcast_to shape",
        lambda: F.broadcast_to(v(2, 3), (3, 3)),
        ValueError,
        "broadcast_to",
        "(2, 3)",
        "(3, 3)",
    ),
    bad(
        "broadcast_to -1",
        lambda: F.broadcast_to(v(3), (-1, 3)),
        ValueError,
        "broadcast_to",
        "at least 0",
    ),
    bad(
        "broadcast_to str",
        lambda: F.broadcast_to(v(3), untyped("33")),
        TypeError,
        "broadcast_to",
        "str",
    ),
    bad("sum_to shape", lambda: F.sum_to(v(2, 3), (5,)), ValueError, "sum_to", "(2, 3)", "(5,)"),
    bad("sum_to str", lambda: F.sum_to(v(2, 3), untyped(("a",))), TypeError, "sum_to", "str"),
    bad(
        "transpose repeated",
        lambda: F.transpose(v(2, 3), (0, 0)),
        ValueError,
        "transpose",
        "(0, 0)",
        "twice",
    ),
    bad(
        "transpose range",
        lambda: F.transpose(v(2, 3), (0, 5)),
        ValueError,
        "transpose",
        "axis 5",
        "(2, 3)",
    ),
    bad(
        "transpose short",
        lambda: F.transpose(v(2, 3, 4), (1, 0)),
        ValueError,
        "transpose",
        "(2, 3, 4)",
    ),
    bad("transpose int", lambda: F.transpose(v(2, 3), untyped(1)), TypeError, "transpose", "int"),
    bad(
        "transpose floats",
        lambda: F.transpose(v(2, 3), untyped((1.0, 0.0))),
        TypeError,
        "transpose",
        "tuple",
    ),
    bad(
        "expand_dims float",
        lambda: F.expand_dims(v(3), untyped(1.5)),
        TypeError,
        "expand_dims",
        "float",
    ),
    bad(
        "expand_dims range", lambda: F.expand_dims(v(3), 5), ValueError, "expand_dims", "5", "(3,)"
    ),
    bad("flatten 0-d", lambda: F.flatten(Variable(np.array(1.0))), ValueError, "flatten", "0-d"),
    bad("concat nothing", lambda: F.concat([]), ValueError, "concat", "no inputs"),
    bad("concat str", lambda: F.concat(untyped("ab")), TypeError, "concat", "str"),
    bad(
        "concat one array",
        lambda: F.concat(untyped(np.ones((2, 3)))),
        TypeError,
        "concat",
        "(2, 3)",
    ),
    bad(
        "concat shapes",
        lambda: F.concat([v(2, 3), v(3, 2)], axis=0),
        ValueError,
        "concat",
        "(2, 3)",
        "(3, 2)",
    ),
    bad(
        "concat axis float",
        lambda: F.concat([v(2), v(2)], axis=untyped(0.5)),
        TypeError,
        "concat",
        "axis",
    ),
    bad(
        "concat axis range", lambda: F.concat([v(2), v(2)], axis=3), ValueError, "concat", "axis 3"
    ),
    bad("index float", lambda: v(2, 3)[1.5], IndexError, "get_item", "(2, 3)"),  # type: ignore[index]  # the point
    bad("index str", lambda: v(2, 3)["a"], IndexError, "get_item", "(2, 3)"),  # type: ignore[index]  # the point
    bad("index out of range", lambda: v(2, 3)[5], IndexError, "get_item", "5", "(2, 3)"),
    bad("index list out of range", lambda: v(3)[[0, 7]], IndexError, "get_item", "7"),
    bad("index mask length", lambda: v(3)[np.array([True, False])], IndexError, "get_item", "(3,)"),
    bad(
        "index float Variable",
        lambda: v(3)[Variable(np.array([0.5]))],
        IndexError,
        "get_item",
        "integer",
    ),
    bad(
        "embed_id float ids",
        lambda: F.embed_id(np.array([0.5]), v(5, 2)),
        TypeError,
        "embed_id",
        "float64",
        "int64",
    ),
    bad(
        "embed_id negative id",
        lambda: F.embed_id(np.array([-1]), v(5, 2)),
        IndexError,
        "embed_id",
        "[0, 5)",
        "-1",
    ),
    bad(
        "embed_id id too large",
        lambda: F.embed_id(np.array([5]), v(5, 2)),
        IndexError,
        "embed_id",
        "[0, 5)",
        "5",
    ),
    bad("matmul 1-D", lambda: F.matmul(v(3), v(3)), ValueError, "matmul", "(3,)"),
    bad("matmul shapes", lambda: F.matmul(v(2, 3), v(2, 3)), ValueError, "matmul", "(2, 3)"),
    bad(
        "matmul int8",
        lambda: F.matmul(v(1, 2, dtype=np.int8), v(2, 1, dtype=np.int8)),
        TypeError,
        "matmul",
        "int8",
    ),
    bad(
        "matmul uint8 by float",
        lambda: F.matmul(v(1, 2, dtype=np.uint8), v(2, 1, dtype=np.uint8)),
        TypeError,
        "uint8",
    ),
    bad("matmul str", lambda: F.matmul(v(2, 2), untyped("a")), TypeError, "matmul", "str"),
    bad(
        "linear bias",
        lambda: F.linear(v(4, 3), v(3, 2), v(3)),
        ValueError,
        "linear",
        "bias",
        "(2,)",
    ),
    bad("linear W 1-D", lambda: F.linear(v(4, 3), v(3), v(1)), ValueError, "linear", "(3,)"),
    bad(
        "linear sizes",
        lambda: F.linear(v(4, 2), v(3, 2), v(2)),
        ValueError,
        "linear",
        "(4, 2)",
        "(3, 2)",
    ),
    bad(
        "linear int16",
        lambda: F.linear(v(1, 2, dtype=np.int16), v(2, 1, dtype=np.int16), v(1, dtype=np.int16)),
        TypeError,
        "linear",
        "int16",
    ),
    bad(
        "sum axis out of range",
        lambda: F.sum(v(2, 3), axis=2),
        ValueError,
        "sum",
        "axis 2",
        "(2, 3)",
    ),
    bad(
        "max axis out of range", lambda: F.max(v(2, 3), axis=-3), ValueError, "max", "-3", "(2, 3)"
    ),
    bad("max of empty", lambda: F.max(v(0)), ValueError, "max", "empty"),
    bad("min of empty", lambda: F.min(v(0, 2)), ValueError, "min", "empty"),
    bad("logsumexp axis", lambda: F.logsumexp(v(2, 3), axis=4), ValueError, "logsumexp", "4"),
]

OPS_GOOD = [
    good(
        "clip to infinity",
        lambda: F.clip(Variable(np.array([-5.0, 5.0])), -np.inf, 1.0),
        values([-5.0, 1.0]),
    ),
    good("clip equal bounds", lambda: F.clip(v(2), 0.5, 0.5), values([0.5, 0.5])),
    good(
        "clip numpy bounds",
        lambda: F.clip(v(2), untyped(np.float32(0)), untyped(np.int64(2))),
        values([1.0, 1.0]),
    ),
    good(
        "reshape ndarray shape",
        lambda: F.reshape(v(2, 3), untyped(np.array([3, 2]))).shape,
        lambda s: s == (3, 2),
    ),
    good("reshape int", lambda: F.reshape(v(2, 3), 6).shape, lambda s: s == (6,)),
    good("reshape to 0 elements", lambda: F.reshape(v(0, 3), (3, 0)).shape, lambda s: s == (3, 0)),
    good("broadcast_to", lambda: F.broadcast_to(v(3), (2, 3)).shape, lambda s: s == (2, 3)),
    good("sum_to", lambda: F.sum_to(v(2, 3), (1, 3)), values([[2.0, 2.0, 2.0]])),
    good("transpose None", lambda: F.transpose(v(2, 3)).shape, lambda s: s == (3, 2)),
    good("expand_dims -1", lambda: F.expand_dims(v(3), -1).shape, lambda s: s == (3, 1)),
    good("concat tuple", lambda: F.concat((v(1, 2), v(2, 2))).shape, lambda s: s == (3, 2)),
    good(
        "index mask",
        lambda: Variable(np.arange(3.0))[np.array([True, False, True])],
        values([0.0, 2.0]),
    ),
    good("index list", lambda: Variable(np.arange(3.0))[[2, 0]], values([2.0, 0.0])),
    good("index negative int", lambda: Variable(np.arange(3.0))[-1], values(2.0)),
    good(
        "embed_id",
        lambda: F.embed_id(np.array([4, 0]), Variable(np.arange(10.0).reshape(5, 2))),
        values([[8.0, 9.0], [0.0, 1.0]]),
    ),
    good(
        "matmul int64",
        lambda: F.matmul(Variable(np.array([[2]])), Variable(np.array([[3]]))),
        values([[6]], np.int64),
    ),
    good(
        "matmul float32",
        lambda: F.matmul(v(1, 2, dtype=np.float32), v(2, 1, dtype=np.float32)),
        dtype_is(np.float32),
    ),
    good(
        "matmul uint8 by float", lambda: F.matmul(v(1, 2, dtype=np.uint8), v(2, 1)), values([[2.0]])
    ),
    good(
        "linear uint8 images",
        lambda: F.linear(np.full((1, 2), 200, dtype=np.uint8), v(2, 1), v(1)),
        values([[401.0]]),
    ),
    good("sum tuple axes", lambda: F.sum(v(2, 3, 4), axis=(0, 2)), values([8.0, 8.0, 8.0])),
    good("sum negative axis", lambda: F.sum(v(2, 3), axis=-1), values([3.0, 3.0])),
    good(
        "sum of uint8 is not wrapped",
        lambda: F.sum(Variable(np.full(300, 255, dtype=np.uint8))),
        values(76500),
    ),
]


@pytest.mark.parametrize(("call", "error", "words"), OPS_BAD)
def test_op_refuses(call: Callable[[], object], error: type[Exception], words: list[str]) -> None:
    run_bad(call, error, words)


@pytest.mark.parametrize(("call", "check"), OPS_GOOD)
def test_op_accepts(call: Callable[[], object], check: Callable[[Any], object]) -> None:
    run_good(call, check)


def test_a_refused_op_records_nothing() -> None:
    # The refusal happens before the graph is linked: the input gains no consumer.
    x = ints(100, np.int8)
    with pytest.raises(TypeError):
        _ = x**2
    assert x.grad is None
    y = v(3)
    with pytest.raises(TypeError):
        _ = y + untyped("a")
    z = y * 2.0
    z.backward()
    assert y.grad is not None
    assert y.grad.data.tolist() == [2.0, 2.0, 2.0]


class _ComplexPair(Function[Array]):
    """A plugin's bug: two outputs, one of them complex."""

    def forward(self, x: Array) -> tuple[Array, Array]:
        return x * 2.0, x * 1j


class _ComplexScalar(Function[Array]):
    """A plugin's bug: a Python complex number as the output."""

    def forward(self, x: Array) -> Any:
        return complex(1.0, 2.0)


class _TextOutput(Function[Array]):
    """A plugin's bug: one of two outputs is text."""

    def forward(self, x: Array) -> tuple[Array, Array]:
        return x, np.array(["a"])


OUTPUTS_BAD = [
    bad(
        "complex second output",
        lambda: _ComplexPair()(v(2)),
        TypeError,
        "_ComplexPair",
        "complex128",
    ),
    bad(
        "complex number output",
        lambda: _ComplexScalar()(v(2)),
        TypeError,
        "_ComplexScalar",
        "complex",
    ),
    bad("text output", lambda: _TextOutput()(v(2)), TypeError, "_TextOutput", "<U1"),
]


@pytest.mark.parametrize(("call", "error", "words"), OUTPUTS_BAD)
def test_an_op_returning_a_non_real_output_is_named(
    call: Callable[[], object], error: type[Exception], words: list[str]
) -> None:
    run_bad(call, error, words)
