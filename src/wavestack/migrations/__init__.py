"""Alembic migrations, one linear history, run by `wavestack migrate` and `wavestack up`."""
