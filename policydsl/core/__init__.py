"""The core types and settings every layer reads: sources and spans, diagnostics, units,
keywords, limits, the AST and the IR, the calendar, and text made safe to show."""
