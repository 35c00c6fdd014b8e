"""citecheck: verify the sources cited in policy briefs."""

__version__ = "0.1.0"
