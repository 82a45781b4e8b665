"""Ingest past one machine: NATS JetStream between the device listeners and a group of workers.

The embedded mode (the default) stores each fix in the process that received it. With
``QORGAU_INGEST_URL=nats://host:4222`` set, the work splits::

    devices ─→ qorgau serve (listeners, plausibility) ─→ JetStream stream QORGAU_FIXES
                  ↑ live alerts/positions                   subjects qorgau.fixes.<partition>
                  │ (core NATS qorgau.live.*)                     │ one durable consumer each
                  └──────── qorgau worker × N ←── leases (KV) ────┘
                               └─→ PostgreSQL (positions, presence, alerts, rule states)

* the edge (:mod:`.edge`) acknowledges a device only once JetStream has the fix on disk;
* a fix's partition is a stable hash of its device, so one device's fixes are processed in order
  by one worker at a time (:func:`.bus.partition_of`);
* workers (:mod:`.worker`) share the partitions through leases that expire when a worker dies;
  each runs the very pipeline of the embedded mode (``MonitoringCenter.ingest``) and acknowledges
  a message only after its transaction committed — at-least-once delivery over an idempotent store
  is exactly-once in the store;
* JetStream drops a fix re-sent within ``QORGAU_INGEST_DUPLICATE_WINDOW_S`` (``Nats-Msg-Id`` =
  device and fix time), the store drops it at any later time.

Settings (``QORGAU_INGEST_*``, :class:`.bus.IngestSettings`): ``URL``, ``PARTITIONS`` (16; the same
everywhere; the most workers that can share the load), ``STREAM``, ``GROUP``, ``LEASE_S`` (10),
``BATCH`` (500), ``DUPLICATE_WINDOW_S`` (600), ``MAX_AGE_DAYS`` (7), ``REPLICAS`` (1; 3 in a cluster).

Commands: ``qorgau worker`` (:mod:`.cli`; also ``python -m qorgau.ingest worker``).
Capacity model and deployment: ``docs/scale.md``.
"""

from qorgau.ingest.bus import IngestSettings, decode_fix, encode_fix, message_id, partition_of

__all__ = ["IngestSettings", "decode_fix", "encode_fix", "message_id", "partition_of"]
