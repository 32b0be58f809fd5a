"""Fixtures for the Chifeng tests: the policy, loaded once."""

from __future__ import annotations

import pytest
from chifeng_records import POLICY

import policydsl


@pytest.fixture(scope="session")
def chifeng():
    """The checked Chifeng policy."""
    return policydsl.load(POLICY)
