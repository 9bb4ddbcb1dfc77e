"""The package version, in a module of its own so that any stage can name it (a reader's User-Agent,
the report's footer) without importing the package facade, which imports every stage."""

__version__ = "0.1.0"
