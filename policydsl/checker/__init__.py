"""The checker: names resolved, types and units checked, the AST turned into the IR."""
