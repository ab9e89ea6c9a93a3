"""Controller documents a verifier is given for https:// verification methods (test helper).

1EdTech's samples name methods like ``https://example.com/issuers/876543#z6Mk…``. Nothing is
published at those example URLs, so a test that wants them verified supplies the controller
document a real issuer would publish, listing that key under ``assertionMethod``.
"""

from __future__ import annotations

from typing import Any


def controller_document(vm_id: str, public_key_multibase: str) -> dict[str, Any]:
    """A controller document authorising ``vm_id`` (``<controller URL>#<fragment>``)."""
    controller = vm_id.partition("#")[0]
    return {
        "@context": ["https://www.w3.org/ns/cid/v1"],
        "id": controller,
        "verificationMethod": [
            {
                "id": vm_id,
                "type": "Multikey",
                "controller": controller,
                "publicKeyMultibase": public_key_multibase,
            }
        ],
        "assertionMethod": [vm_id],
    }
