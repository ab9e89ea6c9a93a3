"""The issuer's records: SQLAlchemy models, migrations, status index allocation and changes.

SQLite by default (a file in the issuer home), PostgreSQL by URL. ``open_store`` migrates
to the latest schema; every other function takes the ``Session`` of a
``Store.transaction()`` so the caller decides what commits together.
"""

from microcred.store._allocation import (
    DEFAULT_MAX_FILL,
    StatusSlot,
    allocate_indices,
    allocate_slots,
    existing_slots,
    open_status_list,
)
from microcred.store._engine import DATABASE_FILE_NAME, Store, default_store_url, open_store
from microcred.store._errors import StatusChangeRejected, StoreError
from microcred.store._models import (
    BATCH_STATES,
    CREDENTIAL_FORMATS,
    Anchor,
    Base,
    Batch,
    Credential,
    Specification,
    StatusAllocation,
    StatusEvent,
    StatusList,
    StatusListVersion,
)
from microcred.store._publication import (
    record_publication,
    status_list_bits,
    version_in_force,
)
from microcred.store._records import forget_learner
from microcred.store._status_changes import (
    CredentialStatus,
    StatusAction,
    current_status,
    set_status,
    status_history,
)

__all__ = [
    "BATCH_STATES",
    "CREDENTIAL_FORMATS",
    "DATABASE_FILE_NAME",
    "DEFAULT_MAX_FILL",
    "Anchor",
    "Base",
    "Batch",
    "Credential",
    "CredentialStatus",
    "Specification",
    "StatusAction",
    "StatusAllocation",
    "StatusChangeRejected",
    "StatusEvent",
    "StatusList",
    "StatusListVersion",
    "StatusSlot",
    "Store",
    "StoreError",
    "allocate_indices",
    "allocate_slots",
    "current_status",
    "default_store_url",
    "existing_slots",
    "forget_learner",
    "open_status_list",
    "open_store",
    "record_publication",
    "set_status",
    "status_history",
    "status_list_bits",
    "version_in_force",
]
