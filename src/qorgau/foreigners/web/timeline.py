"""Layout of a person's visual timeline: stays, documents, registrations and statuses as bars and
marks on one time axis, in percent of the width (the template draws them as inline SVG).

Presentation only: every date and decision comes from the service's :class:`Timeline`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from qorgau.foreigners.service import Timeline

LANES = ("stays", "documents", "registration", "status")
_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Bar:
    lane: str
    start: dt.date
    end: dt.date  # inclusive
    kind: str  # css class: lawful, unlawful, open, document, status
    label: str
    x: float = 0.0
    width: float = 0.0


@dataclass(frozen=True)
class Mark:
    lane: str
    day: dt.date
    kind: str  # registration, host_notification, address_change, last_lawful_day
    label: str
    x: float = 0.0


@dataclass(frozen=True)
class Tick:
    day: dt.date
    x: float


@dataclass
class Layout:
    start: dt.date
    end: dt.date
    on_x: float
    window_x: float  # the start of the 180-day window ending on the date
    bars: list[Bar] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)


def layout(timeline: Timeline, labels: dict[str, str]) -> Layout:
    """Place every record of ``timeline``; ``labels`` are the translated words used in tooltips
    (keys: ``lawful``, ``unlawful``, ``registration``, ``host_notification``, ``address_change``,
    ``last_lawful_day`` and each status and document kind)."""
    on = timeline.on
    records = timeline.records
    days: list[dt.date] = [on - dt.timedelta(days=180), on + dt.timedelta(days=30)]
    if records is not None:
        days += [c.entry for c in records.crossings]
        days += [p.valid_from for p in records.permits]
        days += [r.registered_on for r in records.registrations]
        days += [s.valid_from for s in records.statuses]
    start = min(days)
    start = max(start, on - dt.timedelta(days=5 * 365))  # keep the axis readable: five years back
    end = max([on + dt.timedelta(days=30)] + [s.last_lawful_day for s in timeline.stays if s.last_lawful_day])
    end = min(end, on + dt.timedelta(days=365))
    span = max((end - start).days + 1, 1)

    def x(day: dt.date) -> float:
        return round(100.0 * min(max((day - start).days, 0), span) / span, 3)

    def width(first: dt.date, last: dt.date) -> float:
        return round(max(x(last + _DAY) - x(first), 0.25), 3)

    result = Layout(start=start, end=end, on_x=x(on), window_x=x(on - dt.timedelta(days=179)))
    for stay in timeline.stays:
        row = stay.row
        if row.entry > end:
            continue
        last = row.exit if row.exit is not None and row.exit <= on else on
        last = max(last, row.entry)
        first_unlawful = row.first_unlawful_day
        if first_unlawful is not None and first_unlawful <= last:
            if first_unlawful > row.entry:
                lawful_end = first_unlawful - _DAY
                result.bars.append(
                    _bar(
                        "stays",
                        row.entry,
                        lawful_end,
                        "lawful",
                        f"{labels['lawful']}: {row.entry} – {lawful_end}",
                    )
                )
            result.bars.append(
                _bar(
                    "stays",
                    first_unlawful,
                    last,
                    "unlawful",
                    f"{labels['unlawful']}: {first_unlawful} – {last}",
                )
            )
        else:
            kind = "open" if row.exit is None else "lawful"
            result.bars.append(
                _bar("stays", row.entry, last, kind, f"{labels['lawful']}: {row.entry} – {last}")
            )
        if row.exit is None and stay.last_lawful_day is not None and stay.last_lawful_day >= on:
            result.marks.append(
                Mark(
                    "stays",
                    stay.last_lawful_day,
                    "last_lawful_day",
                    f"{labels['last_lawful_day']}: {stay.last_lawful_day}",
                )
            )
    if records is not None:
        for permit in records.permits:
            until = permit.valid_until or end
            label = (
                f"{labels.get(permit.kind, permit.kind)}: {permit.valid_from} – {permit.valid_until or '…'}"
            )
            result.bars.append(_bar("documents", permit.valid_from, until, "document", label))
        for registration in records.registrations:
            where = registration.address or ""
            result.marks.append(
                Mark(
                    "registration",
                    registration.registered_on,
                    "registration",
                    f"{labels['registration']}: {registration.registered_on} {where}".strip(),
                )
            )
        for notification in records.host_notifications:
            result.marks.append(
                Mark(
                    "registration",
                    notification.notified_on,
                    "host_notification",
                    f"{labels['host_notification']}: {notification.notified_on}",
                )
            )
        for change in records.address_changes:
            result.marks.append(
                Mark(
                    "registration",
                    change.changed_on,
                    "address_change",
                    f"{labels['address_change']}: {change.changed_on} {change.address or ''}".strip(),
                )
            )
        statuses = records.statuses
        for index, status in enumerate(statuses):
            first = start if index == 0 else status.valid_from
            last = statuses[index + 1].valid_from - _DAY if index + 1 < len(statuses) else end
            if last < first:
                continue
            result.bars.append(
                _bar("status", first, last, f"status status-{status.status}", labels[status.status])
            )
    result.bars = [replace_x(bar, x(bar.start), width(bar.start, bar.end)) for bar in result.bars]
    result.marks = [
        Mark(m.lane, m.day, m.kind, m.label, x(m.day)) for m in result.marks if start <= m.day <= end
    ]
    result.ticks = [Tick(day, x(day)) for day in _ticks(start, end)]
    return result


def _bar(lane: str, first: dt.date, last: dt.date, kind: str, label: str) -> Bar:
    return Bar(lane, first, last, kind, label)


def replace_x(bar: Bar, x: float, width: float) -> Bar:
    return Bar(bar.lane, bar.start, bar.end, bar.kind, bar.label, x, width)


def _ticks(start: dt.date, end: dt.date) -> list[dt.date]:
    """First days of months (every month on a short axis, every quarter or year on longer ones)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    step = 1 if months <= 14 else 3 if months <= 40 else 12
    day = dt.date(start.year, start.month, 1)
    ticks = []
    while day <= end:
        if day >= start and (day.month - 1) % step == 0:
            ticks.append(day)
        day = dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return ticks
