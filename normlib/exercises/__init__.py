"""Exercise checkers, one module per notebook. Each runs the student's answer on cases of its own
and explains the mistake it finds, rather than only saying right or wrong; each returns the
feedback as text for the notebook to print."""

from .overview import NORM_AXES, check_axes                 # notebook 00
from .standardization import check_standardize              # notebook 01
from .ics import check_percentiles                          # notebook 02

__all__ = ["NORM_AXES", "check_axes", "check_standardize", "check_percentiles"]
