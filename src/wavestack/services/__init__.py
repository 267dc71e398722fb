"""One folder per seed service; each exposes its public functions from its package."""
