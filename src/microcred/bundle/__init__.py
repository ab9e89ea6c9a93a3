"""Trust bundles: what offline verification needs from the outside world, signed and dated.

``export_bundle`` reads a ledger (accredited issuers and their full history, authorities,
anchors with their transactions) and published status lists, and signs them with a detached
JWS; ``load_bundle`` checks the signer is trusted and the signature holds, and returns a
``TrustBundle`` whose ``ledger`` and ``status_lists`` plug into ``VerificationPolicy``. See
docs/trust-bundle.md.
"""

from microcred.bundle._export import (
    DEFAULT_VALIDITY,
    dump_bundle,
    export_bundle,
    missing_did_documents,
    read_status_lists,
)
from microcred.bundle._load import (
    DEFAULT_MAX_BUNDLE_BYTES,
    FRESHNESS_STEP,
    TrustBundle,
    load_bundle,
    load_bundle_file,
)
from microcred.bundle._views import BundleLedger, BundleStatusLists
from microcred.bundle.errors import BundleError, UntrustedBundleSigner

__all__ = [
    "DEFAULT_MAX_BUNDLE_BYTES",
    "DEFAULT_VALIDITY",
    "FRESHNESS_STEP",
    "BundleError",
    "BundleLedger",
    "BundleStatusLists",
    "TrustBundle",
    "UntrustedBundleSigner",
    "dump_bundle",
    "export_bundle",
    "load_bundle",
    "load_bundle_file",
    "missing_did_documents",
    "read_status_lists",
]
