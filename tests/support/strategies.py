"""Hypothesis strategies for the plain formats the tests draw often.

Each draws exactly the strings of the regular expression beside it, built from ``st.text``
over an alphabet: ``st.from_regex`` draws the same strings several times slower, and a test
drawing a dozen identifiers per example spent most of its time there.
"""

import string

from hypothesis import strategies as st

ID_CHARS = string.ascii_letters + string.digits + "._:-"


def identifiers(max_size: int) -> st.SearchStrategy[str]:
    """``[A-Za-z0-9._:\\-]{1,max_size}``"""
    return st.text(ID_CHARS, min_size=1, max_size=max_size)


def amounts(whole_digits: int) -> st.SearchStrategy[str]:
    """``[0-9]{1,whole_digits}(\\.[0-9]{1,4})?``"""
    whole = st.text(string.digits, min_size=1, max_size=whole_digits)
    fraction = st.none() | st.text(string.digits, min_size=1, max_size=4)
    return st.builds(lambda w, f: w if f is None else f"{w}.{f}", whole, fraction)


def letters(size: int) -> st.SearchStrategy[str]:
    """``[A-Z]{size}``"""
    return st.text(string.ascii_uppercase, min_size=size, max_size=size)


def emails() -> st.SearchStrategy[str]:
    """``[a-z0-9._+-]{1,20}@[a-z0-9-]{1,20}\\.[a-z]{2,6}``"""
    low = string.ascii_lowercase + string.digits
    return st.builds(lambda user, domain, tld: f"{user}@{domain}.{tld}",
                     st.text(low + "._+-", min_size=1, max_size=20),
                     st.text(low + "-", min_size=1, max_size=20),
                     st.text(string.ascii_lowercase, min_size=2, max_size=6))
