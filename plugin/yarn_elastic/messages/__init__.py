"""The shim <-> core messages of docs/interface.md (schema 2): `schema` (frozen, typed
dataclasses), `decode` and `encode`.

Decoding is strict where the contract says so (missing field, wrong type, empty curve, other
schema) and lenient where it says so (unknown fields are ignored). Every error names the field by
its JSON path, e.g. `nodes[0].capacity: curve 0 (cpu_vcores) is empty`, so whoever reads the
log line on either side knows which producer to fix.
"""

from yarn_elastic.messages.decode import (
    decode_curves,
    decode_message,
    decode_request,
    message_type,
    parse_json,
)
from yarn_elastic.messages.encode import encode_curves, encode_message, encode_reply
from yarn_elastic.messages.schema import (
    CAPABILITIES,
    CAPABILITY_RESIZE,
    HELLO_STATUSES,
    REPLY_STATUSES,
    REQUEST_KINDS,
    RESOURCE_NAMES,
    SCHEMA,
    SUPPORTED_SCHEMAS,
    App,
    Ask,
    Container,
    Curves,
    CycleReply,
    CycleRequest,
    Hello,
    HelloReply,
    Locality,
    MemoryKill,
    Message,
    MessageError,
    Node,
    Placement,
    Reply,
    Request,
    Resize,
    flat,
    is_am_container,
)

__all__ = [
    "CAPABILITIES", "CAPABILITY_RESIZE", "MemoryKill", "SUPPORTED_SCHEMAS", "Resize",
    "HELLO_STATUSES", "REPLY_STATUSES", "REQUEST_KINDS", "RESOURCE_NAMES", "SCHEMA", "App", "Ask",
    "Container", "Curves", "CycleReply", "CycleRequest", "Hello", "HelloReply", "Locality",
    "Message", "MessageError", "Node", "Placement", "Reply", "Request", "decode_curves",
    "decode_message", "decode_request", "encode_curves", "encode_message", "encode_reply", "flat",
    "is_am_container", "message_type", "parse_json",
]
