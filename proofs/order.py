"""The homework's question ids, in its order, with the points of each (25 in all)."""

#: (id, points) in the order of the problem set; q4d is optional and ungraded.
QUESTIONS: tuple[tuple[str, float], ...] = (
    ("q1", 1.0), ("q2", 1.0), ("q3", 0.5),
    ("q4a", 2.0), ("q4b", 1.0), ("q4c", 1.0), ("q4d", 0.0),
    ("q4e.i", 0.5), ("q4e.ii", 0.5), ("q4e.iii.A", 0.5), ("q4e.iii.B", 0.5),
    ("q4f.1", 0.5), ("q4f.2", 0.5),
    ("q5.1", 1.0), ("q5.2a", 0.5), ("q5.2b", 0.5),
    ("q6.1", 1.0), ("q6.2", 0.5),
    ("q7a.i", 0.5), ("q7a.ii", 0.5), ("q7a.iii", 0.5), ("q7a.iv", 0.5), ("q7a.v", 0.5),
    ("q7a.vi", 0.5), ("q7b", 1.0), ("q7c", 1.0), ("q7d", 1.0),
    ("q8a", 1.0), ("q8b.A", 1.0), ("q8b.B", 1.0), ("q8b.C", 1.0), ("q8c", 1.0), ("q8d", 1.0),
)

QUESTION_ORDER: tuple[str, ...] = tuple(q for q, _ in QUESTIONS)
POINTS: dict[str, float] = dict(QUESTIONS)

#: The two parts of the problem set: (title, points, first question id).
PARTS: tuple[tuple[str, float, str], ...] = (
    ("Similarity-based learning: self-supervised and supervised", 13.0, "q1"),
    ("Reconstruction and similarities in representation learning", 12.0, "q7a.i"),
)

#: Said once at the top of the key: what our copy of the problem set lacks.
SOURCE_NOTE = ("The four plots of Question 4a, the data-set figures and the augmentation rows are not in "
               "our copy of the problem set. Question 4a is answered for four illustrative configurations, "
               "with the exact checker (`companion accuracy FILE`) to apply to the homework's own plots; "
               "the data-set and augmentation figures are redrawn from our renderer.")

#: The options of the homework's choice questions.
YES_NO = ("Yes", "No")
YES_NO_MAYBE = ("Yes", "No", "Maybe")
SMALLER_LARGER = ("smaller", "larger")
