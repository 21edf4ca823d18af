"""Every op plugrad itself registers goes through the test kit (first and second order,
arity, shapes, dtypes, no mutation): the one-liner plugin authors use, on the built-ins."""

from plugrad.testing import op_tests

test_builtin_op = op_tests(distribution="plugrad")
