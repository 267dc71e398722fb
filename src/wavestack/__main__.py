"""`python -m wavestack` runs the CLI."""

from wavestack.cli import main

main()
