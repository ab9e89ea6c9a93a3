"""Bundled JSON-LD contexts and the offline document loader.

Every context a microcred credential may cite ships inside the package (see SOURCES.md);
the loader never touches the network, and an unknown URL is an error that names it.
"""

from microcred.contexts._loader import (
    BITSTRING_STATUS_V1,
    BUNDLED_CONTEXTS,
    CREDENTIALS_V1,
    CREDENTIALS_V2,
    DATA_INTEGRITY_V2,
    EDC_AP,
    KNOWN_CONTEXT_SEQUENCES,
    MULTIKEY_V1,
    OB_V3P0,
    OB_V3P0_EXTENSIONS,
    OfflineDocumentLoader,
    load_context,
    offline_loader,
)

__all__ = [
    "BITSTRING_STATUS_V1",
    "BUNDLED_CONTEXTS",
    "CREDENTIALS_V1",
    "CREDENTIALS_V2",
    "DATA_INTEGRITY_V2",
    "EDC_AP",
    "KNOWN_CONTEXT_SEQUENCES",
    "MULTIKEY_V1",
    "OB_V3P0",
    "OB_V3P0_EXTENSIONS",
    "OfflineDocumentLoader",
    "load_context",
    "offline_loader",
]
