"""The public functions of `policydsl` stay functions after any part of the package loads."""

import policydsl


def test_check_is_still_the_function_after_load():
    policydsl.load("policies/chifeng_2023.pol")  # loads the checker's modules
    assert callable(policydsl.check)
    assert isinstance(policydsl.check("policies/chifeng_2023.pol"), list)
