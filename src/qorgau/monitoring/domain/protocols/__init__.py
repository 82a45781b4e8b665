"""Decoders of the device protocols a monitoring center ingests: OsmAnd HTTP, H02 and GT06.

Pure functions from bytes, strings and mappings to :class:`DecodedFix` reports, stream framers for
the TCP protocols and encoders of the acknowledgements the devices expect. No sockets: the
listeners live with the service and call these per request or per frame.
"""

from .gt06 import (
    GT06Framer,
    Gt06Message,
    crc_itu,
    decode_gt06,
    encode_gt06_alarm,
    encode_gt06_frame,
    encode_gt06_heartbeat,
    encode_gt06_location,
    encode_gt06_login,
    gt06_ack,
)
from .h02 import (
    H02Framer,
    H02Message,
    decode_h02,
    decode_h02_message,
    encode_h02_binary_location,
    encode_h02_heartbeat,
    encode_h02_location,
    h02_reply,
)
from .model import (
    EVENT_NAMES,
    ChecksumError,
    DecodedFix,
    MalformedFrame,
    ProtocolError,
    normalise_alarm,
    validate_fix,
)
from .osmand import decode_osmand_json, decode_osmand_query

__all__ = [
    "EVENT_NAMES",
    "ChecksumError",
    "DecodedFix",
    "GT06Framer",
    "Gt06Message",
    "H02Framer",
    "H02Message",
    "MalformedFrame",
    "ProtocolError",
    "crc_itu",
    "decode_gt06",
    "decode_h02",
    "decode_h02_message",
    "decode_osmand_json",
    "decode_osmand_query",
    "encode_gt06_alarm",
    "encode_gt06_frame",
    "encode_gt06_heartbeat",
    "encode_gt06_location",
    "encode_gt06_login",
    "encode_h02_binary_location",
    "encode_h02_heartbeat",
    "encode_h02_location",
    "gt06_ack",
    "h02_reply",
    "normalise_alarm",
    "validate_fix",
]
