"""The shapes data set: render -> augment -> train -> probe."""

#: The factors of variation that the probes read, in the order of every table.
FACTORS = ("shape", "color", "location")
