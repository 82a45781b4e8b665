"""Pure domain of the foreigners module: facts, dated rules applied to them, and their explanations.

No I/O, no database, no web: every function takes the facts and a :class:`Rulebook` (the shipped
one by default) and returns immutable results with ``to_dict()``.

- :mod:`.facts` — statuses, crossings, registrations, permits; input parsing with named errors.
- :mod:`.calendar` — working days with Kazakhstan's holidays, carryovers and transfers.
- :mod:`.stay` — days in the 180-day window, overstay, last lawful day.
- :mod:`.registration` — registration, host notification and re-registration duties by date.
- :mod:`.status_rights` — rights, restrictions and duties of a status on a date.
- :mod:`.participants` — interpreter and consular notification for proceedings.
- :mod:`.assessment` — the migration officer's assessment (the ``assess`` contract).
"""
