"""Grading student submissions against the verified key (``companion grade``).

Terms used throughout:

- **item**: one gradable question of the key, named by its claim id (``q7a.iv``, ``q8b.B``).
- **choice**: an answer that is one of a few words (Yes / No / Maybe, smaller / larger, i / ii /
  iii, invariant / sensitive).  A *choice item* is a claim with declared ``options``; a *field
  item* is a claim whose answer is a mapping of fields to choices (``q8b.B``: shape, location,
  color), scored field by field.
- **gradable**: an item this package scores by machine.  :mod:`.key` decides which are, and
  says why each other claim is not (formulas, code, open text, figures, measurements that
  depend on a student's own training run).
- **reason**: the one line a wrong answer gets, taken from the key's own evidence
  (:mod:`.reasons`).
- **case**: one property test of a code answer, with its share of the question's points
  (:mod:`.properties`); **signature**: the behaviour by which a known mistake is named.

Modules: :mod:`.key` (what is gradable), :mod:`.normalize` (reading a choice), :mod:`.reasons`,
:mod:`.answers` (reading and scoring short answers), :mod:`.reports` (Markdown, CSV, figure),
:mod:`.properties` (code cases and signatures, torch only), :mod:`.runner` (one submission, in
a child process), :mod:`.sandbox` (the child process: time limit, output cap), :mod:`.code`
(``grade code``), :mod:`.otter_export` (otter-grader test files).
"""
