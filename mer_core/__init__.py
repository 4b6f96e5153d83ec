"""MER Companion core: datasets, audio, features, models and evaluation for the book."""
__version__ = "0.1.0"
