"""The data dir's household key, and the keyed hash that replaces household codes at the door.

A household code never reaches storage: each is replaced by HMAC-SHA256(key, code), so the same
household matches across years while its code cannot be recovered from the data dir without
the key. The key is 32 random bytes in ``<data dir>/household.key`` (mode 0600), made once, the
first time household rows are stored, and never printed. The warehouse records a fingerprint of
it (an HMAC of a fixed text): once household rows are stored, a missing or different key stops
ingest instead of silently hashing the same households into new keys.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass

import duckdb
import polars as pl

from ntm.store.paths import DataDir
from ntm.store.warehouse import Warehouse, sql

_KEY_BYTES = 32
_BLOCK = 64  # SHA-256's block size, for HMAC's padding
_CHECK = b"ntm household key check"


class HouseholdKeyError(Exception):
    """The household key is missing or is not the one the warehouse was built with."""


@dataclass(frozen=True)
class HouseholdKey:
    secret: bytes

    @property
    def fingerprint(self) -> str:
        return hmac.new(self.secret, _CHECK, hashlib.sha256).hexdigest()

    def __repr__(self) -> str:  # never print the secret, even in a traceback's locals
        return "HouseholdKey(<secret>)"

    def hash_codes(self, frame: pl.DataFrame) -> pl.DataFrame:
        """``frame`` with its ``household_code`` column replaced by ``household_key``, the
        HMAC-SHA256 of the code (hex), in one vectorised statement."""
        padded = self.secret.ljust(_BLOCK, b"\0")
        inner = bytes(b ^ 0x36 for b in padded)
        outer = bytes(b ^ 0x5C for b in padded)
        with duckdb.connect() as con:
            con.register("households", frame)
            hashed: pl.DataFrame = con.sql(
                sql("hash_household_codes"), params={"inner": inner, "outer": outer}
            ).pl()
        return hashed


def household_key(data_dir: DataDir, warehouse: Warehouse) -> HouseholdKey:
    """The data dir's key: read, or made now when the warehouse holds no household rows yet."""
    path = data_dir.household_key
    fingerprint, holds_rows = warehouse.household_key_state()
    if path.exists():
        key = HouseholdKey(bytes.fromhex(path.read_text(encoding="ascii").strip()))
        if fingerprint is not None and not hmac.compare_digest(fingerprint, key.fingerprint):
            raise HouseholdKeyError(
                f"{path} is not the key the warehouse's household rows were hashed with: "
                "restore the household.key backed up with this warehouse"
            )
        return key
    if fingerprint is not None or holds_rows:
        raise HouseholdKeyError(
            f"{path} is missing, but the warehouse already holds household rows hashed with "
            "it: restore the household.key backed up with this warehouse (a new key would "
            "make every household a new one)"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_bytes(_KEY_BYTES)
    # O_EXCL: two processes never both make a key; 0600: readable by its owner only.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(secret.hex() + "\n")
    return HouseholdKey(secret)
