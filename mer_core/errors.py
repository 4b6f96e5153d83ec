"""The one exception hierarchy of the project.

Every error a user can cause (a missing or malformed dataset, an unreadable clip, absent
pretrained weights, a bad parameter) is a :class:`MerError`, so scripts catch one type and
the ``mer`` command prints it as a one-line error; any other exception is a bug and keeps
its traceback.
"""
from __future__ import annotations


class MerError(Exception):
    """Base of every error a user can cause and fix."""


class ParameterError(MerError, ValueError):
    """An argument outside its documented domain (like librosa's ``ParameterError``)."""


class DatasetError(MerError):
    """A dataset that is missing or does not match its published layout."""


class AudioError(MerError):
    """A clip that cannot be used: unreadable, empty, or silent. ``path`` names the file."""

    def __init__(self, path, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{path}: {reason}")


class WeightsError(MerError):
    """Pretrained weights that are absent, corrupt or of the wrong layout."""


class MissingWeightsError(WeightsError):
    """A pretrained extractor whose real weights are not on disk. Never replaced by random weights."""
