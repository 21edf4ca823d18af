"""Arguments the run time refuses, which both checkers report."""

import numpy as np

import plugrad.functions as F
from plugrad import Variable

x = Variable(np.arange(6.0).reshape(2, 3))
x["a"]  # type: ignore[index]  # pyright: ignore[reportArgumentType]
x[1.5]  # type: ignore[index]  # pyright: ignore[reportArgumentType]
F.get_item(x, "a")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
F.reshape(x, "23")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
F.reshape(x, [2.0, 3.0])  # type: ignore[list-item]  # pyright: ignore[reportArgumentType]
F.sum(x, axis="0")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
x ** "2"  # type: ignore[operator]  # pyright: ignore[reportOperatorIssue]
x**x  # type: ignore[operator]  # pyright: ignore[reportOperatorIssue]
F.clip(x, "0", 1)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
# bool is an int to the type system; the run time refuses it, and the operators say so.
x + True  # type: ignore[deprecated]  # pyright: ignore[reportDeprecated]
True + x  # type: ignore[deprecated]  # pyright: ignore[reportDeprecated]
x - False  # type: ignore[deprecated]  # pyright: ignore[reportDeprecated]
True - x  # type: ignore[deprecated]  # pyright: ignore[reportDeprecated]
x * True  # type: ignore[deprecated]  # pyright: ignore[reportDeprecated]
False * x  # type: ignore[deprecated]  # pyright: ignore[reportDeprecated]
x / True  # type: ignore[deprecated]  # pyright: ignore[reportDeprecated]
True / x  # type: ignore[deprecated]  # pyright: ignore[reportDeprecated]
x**True  # type: ignore[deprecated]  # pyright: ignore[reportDeprecated]
x + np.True_  # type: ignore[operator]  # pyright: ignore[reportOperatorIssue]
