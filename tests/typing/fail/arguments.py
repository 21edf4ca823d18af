"""Arguments the run time refuses (waits on core/variable.py and the op modules)."""

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
