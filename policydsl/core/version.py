"""The tool's version, in one place: the package, provenance blocks and replays read it here."""

__version__ = "0.1.0"
