"""The shapes data set: render -> augment -> train -> probe."""
