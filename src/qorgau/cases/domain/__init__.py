"""The pure domain of the electronic criminal case: no database, no web, no files.

- :mod:`.facts` — the case facts and their strict parsing; :mod:`.categories` — offence categories;
- :mod:`.forms` and :mod:`.agreements` — which forms of pre-trial proceedings and which procedural
  agreements are open, with reasons; :mod:`.assessment` — both in one call;
- :mod:`.deadlines` — time limits from registration, suspensions and extensions;
  :mod:`.agreements` — also the lifecycle of an agreement;
- :mod:`.erdr` — ERDR registration numbers;
- :mod:`.merkle`, :mod:`.checkpoint`, :mod:`.bundle` — the tamper-evident case file.
"""
