"""Misuses of the public type aliases in ``plugrad.typing``."""

import numpy as np

from plugrad import Variable
from plugrad._typing import Array as OldArray  # type: ignore[import-not-found]  # pyright: ignore[reportMissingImports, reportUnknownVariableType, reportUnusedImport]  # now plugrad.typing
from plugrad.typing import Array, Operand, Shape, V

shape: Shape = [2, 3]  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]
operand: Operand = "2.0"  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]
operand_list: Operand = [1.0, 2.0]  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]
array: Array = Variable(np.ones(2))  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]
variable: Variable = np.ones(2)  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]
rule_value: V = np.ones(2)  # type: ignore[valid-type]  # pyright: ignore[reportGeneralTypeIssues]  # V belongs in a rule's signature
