"""The five modules, in the order their pages appear. ``app.py`` and ``cli.py`` register each."""

MODULES: tuple[str, ...] = ("monitoring", "cases", "foreigners", "protection", "image")
