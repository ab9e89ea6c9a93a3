"""Issuance: the issuer's profile and keys, batch building, signing and writing."""

from microcred.issuer.batch import (
    DEFAULT_FORMATS,
    FORMATS,
    Batch,
    IssuedCredential,
    issue_batch,
    make_awards,
)
from microcred.issuer.locks import BatchBusy
from microcred.issuer.output import OutputError, finish_batch, read_manifest, write_batch
from microcred.issuer.profile import (
    Issuer,
    init_issuer,
    load_issuer,
    read_did_document,
    read_profile,
)

__all__ = [
    "DEFAULT_FORMATS",
    "FORMATS",
    "Batch",
    "BatchBusy",
    "IssuedCredential",
    "Issuer",
    "OutputError",
    "finish_batch",
    "init_issuer",
    "issue_batch",
    "load_issuer",
    "make_awards",
    "read_did_document",
    "read_manifest",
    "read_profile",
    "write_batch",
]
