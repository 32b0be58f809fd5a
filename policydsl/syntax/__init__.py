"""The syntax layer: the only code that knows about lark."""
