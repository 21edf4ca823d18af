"""Every op this package registers goes through plugrad's test kit: first and second order
gradients, shapes, dtypes, no mutation, forward against math-module references."""

from plugrad.testing import op_tests

test_special_op = op_tests(distribution="plugrad-special")
