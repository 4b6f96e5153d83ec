"""Feature extractors and the cached :func:`extract` runner."""
from .base import Extractor, FeatureSet, MissingWeightsError, extract

__all__ = ["Extractor", "FeatureSet", "MissingWeightsError", "extract"]
