"""W3C Bitstring Status List: bitstrings, ``credentialStatus`` entries, list credentials, checks.

Pure: no I/O. Signing a list credential (``microcred.proofs.add_proof``) and fetching one
are the caller's job; ``check_status`` verifies the list's own proofs.
"""

from microcred.status._bitstring import (
    MAX_DECODED_BYTES,
    MIN_LIST_SIZE,
    Bitstring,
    decode_list,
    encode_list,
)
from microcred.status._check import StatusCheck, StatusOutcome, check_status
from microcred.status._documents import (
    STATUS_MESSAGES,
    STATUS_PURPOSES,
    StatusPurpose,
    revocation_and_suspension_bits,
    revocation_and_suspension_entry,
    status_entry,
    status_list_credential,
)
from microcred.status._revisions import (
    RevisionMarker,
    read_revision_marker,
    revision_marker,
)

__all__ = [
    "MAX_DECODED_BYTES",
    "MIN_LIST_SIZE",
    "STATUS_MESSAGES",
    "STATUS_PURPOSES",
    "Bitstring",
    "RevisionMarker",
    "StatusCheck",
    "StatusOutcome",
    "StatusPurpose",
    "check_status",
    "decode_list",
    "encode_list",
    "read_revision_marker",
    "revision_marker",
    "revocation_and_suspension_bits",
    "revocation_and_suspension_entry",
    "status_entry",
    "status_list_credential",
]
