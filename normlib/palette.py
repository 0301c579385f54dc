"""The course's colours: the Okabe–Ito palette (colour-blind safe), by name, and one fixed colour
per normalization used by every notebook and explorer.

Under deuteranopia orange and vermillion look alike, and so do bluish green and reddish purple: no
two normalizations that a figure compares get colours from one of those pairs.
"""

from types import SimpleNamespace

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]

COLORS = SimpleNamespace(blue="#0072B2", orange="#E69F00", green="#009E73", purple="#CC79A7",
                         sky="#56B4E9", vermilion="#D55E00", yellow="#F0E442", black="#000000",
                         grey="#7F7F7F")

# One colour per normalization, the same in every figure of the course.
NORM_COLORS = {"none": COLORS.black, "bn": COLORS.orange, "ln": COLORS.blue, "in": COLORS.green,
               "gn": COLORS.sky, "rms": COLORS.purple}

NORM_NAMES = {"none": "no normalization", "bn": "batch norm", "ln": "layer norm",
              "in": "instance norm", "gn": "group norm", "rms": "RMSNorm"}
