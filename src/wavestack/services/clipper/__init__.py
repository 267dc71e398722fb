"""Clipper: FFmpeg clips of stream highlights as durable, cancelable jobs."""
