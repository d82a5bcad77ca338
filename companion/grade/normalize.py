"""Reading a student's choice: the obvious variants of an option are the option.

The **comparison form** of a text (:func:`canonical`) ignores what does not change the
answer: letter case, surrounding whitespace and quotes, trailing punctuation (``"Yes."``),
parentheses around a numeral (``"(ii)"``), whitespace inside (``"S_1,...,S_N"``), and British
spellings (``colour`` is ``color``).  A text is an option when their comparison forms are
equal; :func:`read_choice` refuses option sets that this would make ambiguous.

YAML reads an unquoted ``Yes`` / ``No`` as a boolean: ``True`` is ``"Yes"`` and ``False``
``"No"``.
"""

from __future__ import annotations

import re

#: British spellings and the key's (American) ones, compared word by word.
SPELLINGS = {"colour": "color", "colours": "colors", "grey": "gray"}
_TRAILING = ".,;:!?"
_QUOTES = "\"'`"
_WORDS = re.compile(r"[a-z]+")


def as_text(raw) -> str | None:
    """A scalar answer as text (YAML booleans as Yes / No); None for a list, mapping or null."""
    if isinstance(raw, bool):
        return "Yes" if raw else "No"
    if isinstance(raw, (int, float)):
        return str(raw)
    if isinstance(raw, str):
        return raw
    return None


def canonical(text: str) -> str:
    """The comparison form of ``text`` (module docstring)."""
    s = str(text).strip()
    while True:
        before = s
        s = s.strip().strip(_QUOTES).rstrip(_TRAILING).strip()
        if s.startswith("(") and s.endswith(")") and "(" not in s[1:-1]:
            s = s[1:-1]
        elif s.endswith(")") and "(" not in s and re.fullmatch(r"[ivxIVX0-9]+\)", s):
            s = s[:-1]
        if s == before:
            break
    s = s.casefold()
    s = _WORDS.sub(lambda m: SPELLINGS.get(m.group(0), m.group(0)), s)
    return re.sub(r"\s+", "", s)


def option_table(options) -> dict[str, str]:
    """``{comparison form: option}``; raises ValueError when two options read the same."""
    table: dict[str, str] = {}
    for o in options:
        c = canonical(o)
        if c in table and table[c] != o:
            raise ValueError(f"options {table[c]!r} and {o!r} cannot be told apart once normalized")
        table[c] = o
    return table


def read_choice(raw, options) -> str | None:
    """The option that ``raw`` names, or None when it names none of them."""
    text = as_text(raw)
    if text is None:
        return None
    return option_table(options).get(canonical(text))


def field_name(name) -> str:
    """A field name's comparison form (``"Colour"`` is ``"color"``)."""
    return canonical(str(name))
