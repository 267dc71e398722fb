"""WaveStack: self-hosted creator automation."""

__version__ = "0.1.0"
