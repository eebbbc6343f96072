"""flipbot: keeps a FLIP knowledge-broker network in dialogue between meetings."""

__version__ = "0.1.0"
