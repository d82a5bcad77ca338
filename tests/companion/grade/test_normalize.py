"""Reading a choice: obvious variants are the option, anything else is not."""

import pytest

from companion.grade.normalize import canonical, field_name, read_choice

YNM = ("Yes", "No", "Maybe")


@pytest.mark.parametrize("raw", ["Yes", "yes", "YES", "yes.", " Yes! ", "'yes'", '"Yes."', True])
def test_variants_of_yes_read_as_yes(raw):
    assert read_choice(raw, YNM) == "Yes"


@pytest.mark.parametrize("raw", ["No", "no.", False, "NO;"])
def test_variants_of_no_read_as_no(raw):
    assert read_choice(raw, YNM) == "No"


@pytest.mark.parametrize("raw, want", [("(ii)", "ii"), ("ii)", "ii"), ("II", "ii"), ("iii.", "iii"), ("i", "i")])
def test_roman_numerals_with_parentheses_and_case(raw, want):
    assert read_choice(raw, ("i", "ii", "iii")) == want


@pytest.mark.parametrize("raw", ["Yess", "y", "yes no", "", None, ["Yes"], {"a": "Yes"}, "perhaps"])
def test_anything_else_is_not_an_option(raw):
    assert read_choice(raw, YNM) is None


def test_spacing_inside_an_option_does_not_matter():
    opts = ("S_1, ..., S_N", "X", "{x} for each x in X")
    assert read_choice("S_1,...,S_N", opts) == "S_1, ..., S_N"
    assert read_choice("{x} for each x in X.", opts) == "{x} for each x in X"


def test_british_spellings_are_the_keys():
    assert field_name("Colour") == field_name("color") == "color"
    assert canonical("grey colours") == canonical("gray colors")


def test_options_that_read_the_same_are_refused():
    with pytest.raises(ValueError, match="cannot be told apart"):
        read_choice("yes", ("Yes", "yes."))


def test_smaller_larger_and_verdicts():
    assert read_choice("Larger.", ("smaller", "larger")) == "larger"
    assert read_choice("SENSITIVE", ("invariant", "sensitive")) == "sensitive"
