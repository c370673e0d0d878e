"""Exceptions with messages meant for users (the CLI prints them without a traceback)."""


class SpectralSSLError(Exception):
    """Base class: a problem the user can fix (bad input, bad config, diverged run)."""


class ConfigError(SpectralSSLError, ValueError):
    """A configuration key or value is invalid."""


class DataError(SpectralSSLError, ValueError):
    """Input arrays are malformed (NaN/Inf, wrong shapes, too few samples)."""


class RelationError(SpectralSSLError, ValueError):
    """A relation graph G (edge list) violates an assumption (asymmetry, self loops, ...)."""


class ArtifactError(SpectralSSLError, OSError):
    """An artifact file is missing, truncated, corrupted or cannot be written."""


class TrainingDivergedError(SpectralSSLError, FloatingPointError):
    """A loss term became NaN or Inf during training."""
