# pragma version 0.4.3
# pragma evm-version cancun
"""
@title Trusted issuers registry with Merkle batch anchors
@notice A root (the RootTAO) manages authorities (TAOs, e.g. a quality-assurance agency);
        an authority accredits issuers for a period and a scope; an issuer accredited at the
        current block time anchors one Merkle root per batch of credentials.
@dev History is append-only: every change appends an Entry stamped with the block time, so
     isAccreditedAt(issuer, t) is answered on-chain from the entry in force at t. A change is
     never retroactive: an accreditation recorded today with a validFrom last year does not
     make the issuer accredited last year, which is what stops back-dated anchors.
"""

STATUS_ACTIVE: constant(uint8) = 1
STATUS_SUSPENDED: constant(uint8) = 2
STATUS_REVOKED: constant(uint8) = 3

MAX_HISTORY: constant(uint256) = 256
MAX_DID_LENGTH: constant(uint256) = 512

# Packed anchor slot: issuer (160 bits) | timestamp (48 bits) | block number (48 bits).
# One storage write per anchor keeps its gas low and independent of the batch size.
TIMESTAMP_SHIFT: constant(uint256) = 160
BLOCK_SHIFT: constant(uint256) = 208
MASK_48: constant(uint256) = 2**48 - 1


struct Grant:
    didHash: bytes32
    authority: address
    eqfLevels: uint256
    credentialType: bytes32


struct Entry:
    changedAt: uint256
    status: uint8
    validFrom: uint256
    validUntil: uint256
    grantIndex: uint256


struct AuthorityChange:
    changedAt: uint256
    active: bool


event AuthorityChanged:
    authority: indexed(address)
    active: bool
    timestamp: uint256

event Accredited:
    issuer: indexed(address)
    authority: indexed(address)
    didHash: indexed(bytes32)
    did: String[MAX_DID_LENGTH]
    validFrom: uint256
    validUntil: uint256
    eqfLevels: uint256
    credentialType: bytes32
    timestamp: uint256

event AccreditationChanged:
    issuer: indexed(address)
    authority: indexed(address)
    status: uint8
    validUntil: uint256
    timestamp: uint256

event Anchored:
    root: indexed(bytes32)
    issuer: indexed(address)
    timestamp: uint256
    blockNumber: uint256


root: public(address)
authorityHistory: HashMap[address, DynArray[AuthorityChange, MAX_HISTORY]]
grants: HashMap[address, DynArray[Grant, MAX_HISTORY]]
history: HashMap[address, DynArray[Entry, MAX_HISTORY]]
anchors: HashMap[bytes32, uint256]


@deploy
def __init__():
    self.root = msg.sender


# -- authorities (root only) -----------------------------------------------------------------


@external
def addAuthority(authority: address):
    assert msg.sender == self.root, "only the root can manage authorities"
    assert authority != empty(address), "authority address is zero"
    assert not self._isAuthorityNow(authority), "already an authority"
    self._recordAuthority(authority, True)


@external
def removeAuthority(authority: address):
    assert msg.sender == self.root, "only the root can manage authorities"
    assert self._isAuthorityNow(authority), "not an authority"
    self._recordAuthority(authority, False)


@view
@external
def isAuthorityAt(authority: address, time: uint256) -> bool:
    return self._isAuthorityAt(authority, time)


# -- accreditations (the accrediting authority) ----------------------------------------------


@external
def accredit(
    issuer: address,
    did: String[MAX_DID_LENGTH],
    validFrom: uint256,
    validUntil: uint256,
    eqfLevels: uint256,
    credentialType: bytes32,
):
    assert self._isAuthorityNow(msg.sender), "caller is not an authority"
    assert issuer != empty(address), "issuer address is zero"
    assert len(did) > 0, "issuer DID is empty"
    assert validFrom < validUntil, "validFrom must be before validUntil"
    assert eqfLevels != 0 and eqfLevels < 256, "EQF levels must be a non-empty bitmask of 1-8"
    status: uint8 = self._currentStatus(issuer)
    assert status == 0 or status == STATUS_REVOKED, "issuer already accredited; renew instead"
    self.grants[issuer].append(
        Grant(
            didHash=keccak256(did),
            authority=msg.sender,
            eqfLevels=eqfLevels,
            credentialType=credentialType,
        )
    )
    self.history[issuer].append(
        Entry(
            changedAt=block.timestamp,
            status=STATUS_ACTIVE,
            validFrom=validFrom,
            validUntil=validUntil,
            grantIndex=len(self.grants[issuer]) - 1,
        )
    )
    log Accredited(
        issuer=issuer,
        authority=msg.sender,
        didHash=keccak256(did),
        did=did,
        validFrom=validFrom,
        validUntil=validUntil,
        eqfLevels=eqfLevels,
        credentialType=credentialType,
        timestamp=block.timestamp,
    )


@external
def renew(issuer: address, validUntil: uint256):
    last: Entry = self._managedEntry(issuer)
    assert last.status != STATUS_REVOKED, "accreditation is revoked"
    assert last.validFrom < validUntil, "validUntil must be after validFrom"
    self._change(issuer, last, last.status, validUntil)


@external
def suspend(issuer: address):
    last: Entry = self._managedEntry(issuer)
    assert last.status == STATUS_ACTIVE, "accreditation is not active"
    self._change(issuer, last, STATUS_SUSPENDED, last.validUntil)


@external
def reinstate(issuer: address):
    last: Entry = self._managedEntry(issuer)
    assert last.status == STATUS_SUSPENDED, "accreditation is not suspended"
    self._change(issuer, last, STATUS_ACTIVE, last.validUntil)


@external
def revoke(issuer: address):
    last: Entry = self._managedEntry(issuer)
    assert last.status != STATUS_REVOKED, "accreditation is already revoked"
    self._change(issuer, last, STATUS_REVOKED, last.validUntil)


@view
@external
def isAccreditedAt(issuer: address, time: uint256) -> bool:
    return self._isAccreditedAt(issuer, time)


@view
@external
def historyLength(issuer: address) -> uint256:
    return len(self.history[issuer])


@view
@external
def historyAt(issuer: address, index: uint256) -> Entry:
    return self.history[issuer][index]


@view
@external
def grantAt(issuer: address, index: uint256) -> Grant:
    return self.grants[issuer][index]


# -- anchors (accredited issuers) ------------------------------------------------------------


@external
def anchor(root: bytes32):
    assert root != empty(bytes32), "root is zero"
    assert self.anchors[root] == 0, "root already anchored"
    assert self._isAccreditedAt(msg.sender, block.timestamp), "issuer not accredited now"
    self.anchors[root] = (
        convert(msg.sender, uint256)
        | (block.timestamp << TIMESTAMP_SHIFT)
        | (block.number << BLOCK_SHIFT)
    )
    log Anchored(root=root, issuer=msg.sender, timestamp=block.timestamp, blockNumber=block.number)


@view
@external
def anchorOf(root: bytes32) -> (address, uint256, uint256):
    packed: uint256 = self.anchors[root]
    return (
        convert(convert(packed & convert(max_value(uint160), uint256), uint160), address),
        (packed >> TIMESTAMP_SHIFT) & MASK_48,
        (packed >> BLOCK_SHIFT) & MASK_48,
    )


# -- internals -------------------------------------------------------------------------------


@internal
def _recordAuthority(authority: address, active: bool):
    self.authorityHistory[authority].append(
        AuthorityChange(changedAt=block.timestamp, active=active)
    )
    log AuthorityChanged(authority=authority, active=active, timestamp=block.timestamp)


@view
@internal
def _isAuthorityNow(authority: address) -> bool:
    count: uint256 = len(self.authorityHistory[authority])
    if count == 0:
        return False
    return self.authorityHistory[authority][count - 1].active


@view
@internal
def _isAuthorityAt(authority: address, time: uint256) -> bool:
    count: uint256 = len(self.authorityHistory[authority])
    for offset: uint256 in range(count, bound=MAX_HISTORY):
        change: AuthorityChange = self.authorityHistory[authority][count - 1 - offset]
        if change.changedAt <= time:
            return change.active
    return False


@view
@internal
def _currentStatus(issuer: address) -> uint8:
    count: uint256 = len(self.history[issuer])
    if count == 0:
        return 0
    return self.history[issuer][count - 1].status


@view
@internal
def _managedEntry(issuer: address) -> Entry:
    count: uint256 = len(self.history[issuer])
    assert count > 0, "issuer was never accredited"
    last: Entry = self.history[issuer][count - 1]
    grant: Grant = self.grants[issuer][last.grantIndex]
    assert msg.sender == grant.authority, "only the accrediting authority can change this"
    assert self._isAuthorityNow(msg.sender), "caller is not an authority"
    return last


@internal
def _change(issuer: address, last: Entry, status: uint8, validUntil: uint256):
    self.history[issuer].append(
        Entry(
            changedAt=block.timestamp,
            status=status,
            validFrom=last.validFrom,
            validUntil=validUntil,
            grantIndex=last.grantIndex,
        )
    )
    log AccreditationChanged(
        issuer=issuer,
        authority=msg.sender,
        status=status,
        validUntil=validUntil,
        timestamp=block.timestamp,
    )


@view
@internal
def _isAccreditedAt(issuer: address, time: uint256) -> bool:
    # Newest first: the entry in force at `time` is the last one recorded at or before it.
    count: uint256 = len(self.history[issuer])
    for offset: uint256 in range(count, bound=MAX_HISTORY):
        entry: Entry = self.history[issuer][count - 1 - offset]
        if entry.changedAt <= time:
            if entry.status != STATUS_ACTIVE:
                return False
            if time < entry.validFrom or time >= entry.validUntil:
                return False
            grant: Grant = self.grants[issuer][entry.grantIndex]
            return self._isAuthorityAt(grant.authority, time)
    return False
