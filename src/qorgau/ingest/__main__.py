"""``python -m qorgau.ingest worker …`` — the worker command without the root ``qorgau`` command."""

from qorgau.ingest.cli import app

app()
