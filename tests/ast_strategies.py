from tests.strategies import *  # noqa: F403  (the AST strategies live in tests/strategies.py)
