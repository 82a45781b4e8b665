"""The ingest bus: settings, partitioning, the wire form of a fix, and the JetStream objects.

Everything both sides agree on lives here, so the edge (``qorgau serve``) and the workers
(``qorgau worker``) cannot drift apart:

* :class:`IngestSettings` — ``QORGAU_INGEST_*`` environment variables (``QORGAU_INGEST_URL`` switches
  ``qorgau serve`` from the embedded mode to the bus);
* :func:`partition_of` — a stable hash of the device identifier modulo the partition count, so one
  device's fixes always travel on one subject and are processed in order by one worker;
* :func:`encode_fix` / :func:`decode_fix` — the JSON body of a message, and :func:`message_id` — the
  ``Nats-Msg-Id`` header (device and fix time) that JetStream de-duplicates within its window;
* :func:`ensure_stream`, :func:`ensure_leases` — the stream (file storage, subjects
  ``<prefix>.<partition>``) and the key-value bucket of partition leases, created or updated.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from typing import Any

from nats.aio.client import Client as NATS
from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, KeyValueConfig, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import BadRequestError, NotFoundError
from nats.js.kv import KeyValue
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from qorgau.monitoring.domain.protocols import DecodedFix

SOURCE_HEADER = "Qorgau-Source"
LIVE_ALERTS = "qorgau.live.alerts"
LIVE_POSITIONS = "qorgau.live.positions"


class IngestSettings(BaseSettings):
    """Settings of the ingest bus, from ``QORGAU_INGEST_*`` environment variables.

    With ``url`` unset (the default) nothing here is used: ``qorgau serve`` stores fixes itself
    (the embedded mode). ``partitions`` must be the same on every edge and worker of one stream; it
    bounds how many workers can share the load (one partition is never split).
    """

    model_config = SettingsConfigDict(env_prefix="QORGAU_INGEST_", extra="ignore", frozen=True)

    url: str | None = Field(default=None, description="NATS server URL(s), comma-separated; none: embedded.")
    partitions: int = Field(default=16, ge=1, le=1024)
    stream: str = Field(default="QORGAU_FIXES", pattern=r"^[A-Za-z0-9_-]+$")
    subject_prefix: str = Field(default="qorgau.fixes", pattern=r"^[a-z0-9_]+(\.[a-z0-9_]+)*$")
    group: str = Field(
        default="qorgau",
        pattern=r"^[A-Za-z0-9_-]+$",
        description="Worker group: names its consumers and its lease bucket (two groups read one stream "
        "independently, e.g. a replay into another database).",
    )
    duplicate_window_s: float = Field(default=600.0, gt=0, description="JetStream de-duplication window.")
    max_age_days: float = Field(default=7.0, gt=0, description="How long the stream keeps fixes.")
    replicas: int = Field(default=1, ge=1, le=5, description="Stream and bucket replicas (3 in a cluster).")
    lease_s: float = Field(default=10.0, gt=0, description="A partition lease lives this long unrenewed.")
    batch: int = Field(default=500, ge=1, le=10_000, description="Fixes per worker transaction, at most.")
    ack_wait_s: float = Field(default=60.0, gt=0)
    timer_interval_s: float = Field(
        default=5.0, gt=0, description="A worker sweeps its rule timers this often."
    )
    retry_max_s: float = Field(default=5.0, gt=0, description="Longest pause between retries of a store.")
    publish_timeout_s: float = Field(default=5.0, gt=0)

    @property
    def servers(self) -> list[str]:
        return [part.strip() for part in (self.url or "").split(",") if part.strip()]

    @property
    def lease_bucket(self) -> str:
        return f"{self.group}_leases"

    def subject(self, partition: int) -> str:
        return f"{self.subject_prefix}.{partition}"

    def consumer(self, partition: int) -> str:
        return f"{self.group}-p{partition}"


def partition_of(device_id: str, partitions: int) -> int:
    """The partition of a device: stable across processes, machines and Python versions
    (``hash()`` is salted per process, so it would not do).

    >>> partition_of("860000000000001", 16) == partition_of("860000000000001", 16)
    True
    >>> 0 <= partition_of("x", 16) < 16
    True
    """
    digest = hashlib.blake2b(device_id.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % partitions


def _time(value: dt.datetime | None) -> str | None:
    return None if value is None else value.astimezone(dt.UTC).isoformat()


def message_id(fix: DecodedFix) -> str:
    """The JetStream de-duplication id: device and fix time (the store's own idempotency key)."""
    return f"{fix.device_id}@{_time(fix.time)}"


def _number(value: float | None) -> float | None:
    # JSON has no NaN; implausible values were rejected at the edge already.
    return value if value is None or math.isfinite(value) else None


def encode_fix(fix: DecodedFix) -> bytes:
    """The message body: the fix as compact JSON (times ISO 8601 UTC)."""
    data: dict[str, Any] = {
        "device": fix.device_id,
        "time": _time(fix.time),
        "lat": _number(fix.lat),
        "lon": _number(fix.lon),
        "valid": fix.valid,
        "speed_kmh": _number(fix.speed_kmh),
        "course": _number(fix.course),
        "altitude": _number(fix.altitude),
        "accuracy_m": _number(fix.accuracy_m),
        "battery": _number(fix.battery),
        "charging": fix.charging,
        "event": fix.event,
        "attributes": fix.attributes,
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def decode_fix(body: bytes) -> DecodedFix:
    """The fix of a message body written by :func:`encode_fix`; raises ``ValueError`` on garbage."""
    data = json.loads(body)
    if not isinstance(data, dict) or not isinstance(data.get("device"), str):
        raise ValueError("not a fix message")
    time = data.get("time")
    return DecodedFix(
        device_id=data["device"],
        time=dt.datetime.fromisoformat(time) if time else None,
        lat=data.get("lat"),
        lon=data.get("lon"),
        valid=bool(data.get("valid")),
        speed_kmh=data.get("speed_kmh"),
        course=data.get("course"),
        altitude=data.get("altitude"),
        accuracy_m=data.get("accuracy_m"),
        battery=data.get("battery"),
        charging=data.get("charging"),
        event=data.get("event"),
        attributes=dict(data.get("attributes") or {}),
    )


async def connect(settings: IngestSettings, name: str, **options: Any) -> NATS:
    """A NATS connection that keeps reconnecting for ever (a restart of the server is routine)."""
    import nats

    if not settings.servers:
        raise ValueError("QORGAU_INGEST_URL is not set")
    defaults: dict[str, Any] = {
        "name": name,
        "max_reconnect_attempts": -1,
        "reconnect_time_wait": 0.5,
        "connect_timeout": 2,
        "allow_reconnect": True,
    }
    defaults.update(options)
    return await nats.connect(servers=settings.servers, **defaults)


async def ensure_stream(js: JetStreamContext, settings: IngestSettings) -> None:
    """Create the fix stream (file storage, limits retention) or bring its settings up to date."""
    config = StreamConfig(
        name=settings.stream,
        subjects=[f"{settings.subject_prefix}.>"],
        storage=StorageType.FILE,
        retention=RetentionPolicy.LIMITS,
        discard=DiscardPolicy.OLD,
        max_age=settings.max_age_days * 86_400.0,
        duplicate_window=settings.duplicate_window_s,
        num_replicas=settings.replicas,
    )
    try:
        await js.stream_info(settings.stream)
    except NotFoundError:
        try:
            await js.add_stream(config)
            return
        except BadRequestError:
            pass  # created meanwhile by another process
    await js.update_stream(config)


async def ensure_leases(js: JetStreamContext, settings: IngestSettings) -> KeyValue:
    """The lease bucket: every key lives ``lease_s`` unless renewed (the bucket's TTL), so the
    partitions of a dead worker become free by themselves."""
    try:
        return await js.key_value(settings.lease_bucket)
    except Exception:
        pass
    try:
        return await js.create_key_value(
            KeyValueConfig(
                bucket=settings.lease_bucket,
                history=1,
                ttl=settings.lease_s,
                storage=StorageType.FILE,
                replicas=settings.replicas,
            )
        )
    except BadRequestError:
        return await js.key_value(settings.lease_bucket)
