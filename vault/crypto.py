"""Client-side envelope encryption for the vault.

* Each owner has a 256-bit AES-GCM **data key**, stored only *wrapped* by a key-encryption key (KEK) that
  a :class:`KeyProvider` holds (a local key file in development; a KMS/HSM in production).
* Objects are encrypted in chunks (a STREAM construction, Hoang–Reyhanitabar–Rogaway–Vizár 2015): every
  chunk is sealed with AES-256-GCM under a nonce made of a random per-object prefix and the chunk counter,
  and the associated data binds the object context (object name, owner, document id), the chunk counter and
  a "last chunk" flag. So a chunk cannot be reordered, dropped, truncated at a chunk boundary or moved to
  another object or owner without decryption failing. Memory use is one chunk, whatever the object size.

Blob layout (version 1)::

    b"SHV1" | version (1 byte) | chunk size (4 bytes, BE) | nonce prefix (7 bytes) | chunk* ...
    chunk = AES-GCM(data key, nonce = prefix || counter (4 bytes BE) || last (1 byte), plaintext, aad)
"""

from __future__ import annotations

import hashlib
import io
import os
import queue
import secrets
import struct
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"SHV1"
FORMAT_VERSION = 1
DEFAULT_CHUNK_SIZE = 1024 * 1024
TAG_SIZE = 16
_HEADER = struct.Struct(">4sBI7s")
HEADER_SIZE = _HEADER.size


class DecryptionError(Exception):
    """The blob does not decrypt under this key and context: wrong owner, moved object, or tampering."""


class KeyUnavailableError(Exception):
    """A data key cannot be unwrapped: the owner was erased (crypto-shredded) or the KEK is missing."""


@dataclass(frozen=True)
class WrappedKey:
    """A data key wrapped by a key-encryption key; safe to store in the index."""

    kek_id: str
    ciphertext: bytes


class KeyProvider(Protocol):
    """Holds key-encryption keys; never hands them out, only wraps and unwraps data keys.

    ``current_id`` names the KEK new wraps use; ``rotate`` makes a new current KEK while the previous ones
    stay available for unwrapping (so re-wrapping can proceed owner by owner and reads never stop);
    ``owns`` tells whether a KEK id is one of this provider's.
    """

    @property
    def current_id(self) -> str: ...

    def wrap(self, data_key: bytes, context: bytes) -> WrappedKey: ...

    def unwrap(self, wrapped: WrappedKey, context: bytes) -> bytes: ...

    def rotate(self) -> str: ...

    def owns(self, kek_id: str) -> bool: ...


def _dek_aad(context: bytes) -> bytes:
    return b"sohoa-dek|" + context


class LocalKeyFileProvider:
    """Development key provider: a 256-bit KEK in a local file (created 0600 when missing).

    The key id is derived from the key, so a rotated KEK gets a new id and wrapped keys name the KEK
    that wrapped them. :meth:`rotate` moves the current KEK file into a ``<name>.retired/`` folder beside
    it and writes a new one; retired KEKs stay loaded for unwrapping (and are re-read when a KEK id is not
    known yet, so a long-running worker follows a rotation made by another process).
    """

    PREFIX = "local:"

    def __init__(self, current: Path, previous: tuple[Path, ...] = ()) -> None:
        self._keys: dict[str, bytes] = {}
        self._current_path = current
        self._previous = previous
        self.current_id = self._load(current, create=True)
        for path in previous:
            self._load(path, create=False)
        self._load_retired()

    @property
    def retired_dir(self) -> Path:
        return self._current_path.with_name(self._current_path.name + ".retired")

    def _load_retired(self) -> None:
        if self.retired_dir.is_dir():
            for path in sorted(self.retired_dir.glob("*.key")):
                self._load(path, create=False)

    def _load(self, path: Path, *, create: bool) -> str:
        if not path.exists():
            if not create:
                raise KeyUnavailableError("a previous key-encryption key file is missing")
            _write_new_key(path)
        key = path.read_bytes()
        if len(key) != 32:
            raise KeyUnavailableError("the key-encryption key file does not hold a 256-bit key")
        kek_id = _local_kek_id(key)
        self._keys[kek_id] = key
        return kek_id

    def owns(self, kek_id: str) -> bool:
        return kek_id.startswith(self.PREFIX)

    def wrap(self, data_key: bytes, context: bytes) -> WrappedKey:
        nonce = secrets.token_bytes(12)
        sealed = AESGCM(self._keys[self.current_id]).encrypt(nonce, data_key, _dek_aad(context))
        return WrappedKey(self.current_id, nonce + sealed)

    def unwrap(self, wrapped: WrappedKey, context: bytes) -> bytes:
        key = self._keys.get(wrapped.kek_id)
        if key is None:
            self._load_retired()
            if self._current_path.exists():
                self._load(self._current_path, create=False)
            key = self._keys.get(wrapped.kek_id)
        if key is None:
            raise KeyUnavailableError("the key-encryption key that wrapped this data key is not loaded")
        try:
            return AESGCM(key).decrypt(wrapped.ciphertext[:12], wrapped.ciphertext[12:], _dek_aad(context))
        except InvalidTag as exc:
            raise KeyUnavailableError("the data key does not unwrap under its key-encryption key") from exc

    def rotate(self) -> str:
        """A new current KEK; the previous one is retired (kept for unwrapping until re-wrapping is done)."""
        self.retired_dir.mkdir(mode=0o700, exist_ok=True)
        fresh = self._current_path.with_name(self._current_path.name + ".new")
        fresh.unlink(missing_ok=True)
        _write_new_key(fresh)
        retired = self.retired_dir / (self.current_id.removeprefix(self.PREFIX) + ".key")
        if not retired.exists():
            os.link(self._current_path, retired)
        os.replace(fresh, self._current_path)
        self.current_id = self._load(self._current_path, create=False)
        return self.current_id

    def destroy(self, kek_id: str) -> None:
        """Delete a retired KEK (after every data key it wrapped was re-wrapped)."""
        if kek_id == self.current_id:
            raise ValueError("the current key-encryption key cannot be destroyed")
        path = self.retired_dir / (kek_id.removeprefix(self.PREFIX) + ".key")
        path.unlink(missing_ok=True)
        self._keys.pop(kek_id, None)


def _local_kek_id(key: bytes) -> str:
    return LocalKeyFileProvider.PREFIX + hashlib.sha256(b"sohoa-kek-id" + key).hexdigest()[:16]


def _write_new_key(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(secrets.token_bytes(32))
        handle.flush()
        os.fsync(handle.fileno())


class KeyRing:
    """Several providers behind one: new wraps go to ``current``; an unwrap goes to whichever provider owns
    the KEK id. Lets a deployment move from one provider to another (local file → HSM) by rotating."""

    def __init__(self, current: KeyProvider, *others: KeyProvider) -> None:
        self.current = current
        self.providers = (current, *others)

    @property
    def current_id(self) -> str:
        return self.current.current_id

    def owns(self, kek_id: str) -> bool:
        return any(p.owns(kek_id) for p in self.providers)

    def wrap(self, data_key: bytes, context: bytes) -> WrappedKey:
        return self.current.wrap(data_key, context)

    def unwrap(self, wrapped: WrappedKey, context: bytes) -> bytes:
        for provider in self.providers:
            if provider.owns(wrapped.kek_id):
                return provider.unwrap(wrapped, context)
        raise KeyUnavailableError("no key provider holds the key-encryption key of this data key")

    def rotate(self) -> str:
        return self.current.rotate()


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def object_context(object_name: str, owner_ref: str, document_id: str) -> bytes:
    """Associated data binding a blob to its object name, owner and document."""
    return "\x1f".join(("sohoa-object-v1", object_name, owner_ref, document_id)).encode()


def ciphertext_length(plaintext_length: int, chunk_size: int = DEFAULT_CHUNK_SIZE) -> int:
    chunks = max(1, -(-plaintext_length // chunk_size))
    return HEADER_SIZE + plaintext_length + chunks * TAG_SIZE


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    return prefix + struct.pack(">IB", counter, 1 if last else 0)


def _chunk_aad(context: bytes, counter: int, last: bool) -> bytes:
    return context + struct.pack(">IB", counter, 1 if last else 0)


def encrypt_chunks(
    data_key: bytes, context: bytes, source: BinaryIO, chunk_size: int = DEFAULT_CHUNK_SIZE
) -> Iterator[bytes]:
    """Yield the header and the sealed chunks of ``source``; reads one chunk ahead, never more."""
    aead = AESGCM(data_key)
    prefix = secrets.token_bytes(7)
    yield _HEADER.pack(MAGIC, FORMAT_VERSION, chunk_size, prefix)
    counter = 0
    current = source.read(chunk_size)
    while True:
        following = source.read(chunk_size) if len(current) == chunk_size else b""
        last = not following
        yield aead.encrypt(_nonce(prefix, counter, last), current, _chunk_aad(context, counter, last))
        if last:
            return
        counter += 1
        current = following


def decrypt_chunks(
    data_key: bytes, context: bytes, source: BinaryIO, *, prefetch: int = 0
) -> Iterator[bytes]:
    """Yield plaintext chunks; raises :class:`DecryptionError` on any mismatch or truncation.

    With ``prefetch`` > 0 a thread reads up to that many sealed chunks ahead while this one decrypts
    (AES-GCM releases the GIL), so a large download and its decryption overlap; memory grows by that many
    chunks."""
    header = _read_exact(source, HEADER_SIZE)
    if len(header) != HEADER_SIZE:
        raise DecryptionError("blob too short for a vault header")
    magic, version, chunk_size, prefix = _HEADER.unpack(header)
    if magic != MAGIC or version != FORMAT_VERSION or chunk_size <= 0:
        raise DecryptionError("not a vault blob of a known version")
    aead = AESGCM(data_key)
    sealed_size = chunk_size + TAG_SIZE
    blocks = _prefetched(source, sealed_size, prefetch) if prefetch > 0 else _sequential(source, sealed_size)
    try:
        counter = 0
        current = next(blocks, b"")
        while True:
            following = next(blocks, b"") if len(current) == sealed_size else b""
            last = not following
            if len(current) < TAG_SIZE:
                raise DecryptionError("blob truncated")
            try:
                yield aead.decrypt(_nonce(prefix, counter, last), current, _chunk_aad(context, counter, last))
            except InvalidTag as exc:
                raise DecryptionError("blob does not decrypt under this key and context") from exc
            if last:
                return
            counter += 1
            current = following
    finally:
        close = getattr(blocks, "close", None)
        if close is not None:
            close()


def _sequential(source: BinaryIO, size: int) -> Iterator[bytes]:
    while True:
        block = _read_exact(source, size)
        yield block
        if len(block) < size:
            return


def _prefetched(source: BinaryIO, size: int, depth: int) -> Iterator[bytes]:
    ready: queue.Queue[bytes | BaseException] = queue.Queue(depth)
    stop = threading.Event()

    def put(item: bytes | BaseException) -> None:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def run() -> None:
        try:
            for block in _sequential(source, size):
                if stop.is_set():
                    return
                put(block)
        except BaseException as exc:  # handed to the consumer
            put(exc)

    reader = threading.Thread(target=run, name="vault-prefetch", daemon=True)
    reader.start()
    try:
        while True:
            item = ready.get()
            if isinstance(item, BaseException):
                raise item
            yield item
            if len(item) < size:
                return
    finally:
        stop.set()
        reader.join(timeout=5)


def _read_exact(source: BinaryIO, size: int) -> bytes:
    parts = []
    remaining = size
    while remaining:
        part = source.read(remaining)
        if not part:
            break
        parts.append(part)
        remaining -= len(part)
    return b"".join(parts)


class EncryptingReader(io.RawIOBase):
    """A file-like view of the ciphertext of ``source``, for streaming uploads of known length.

    ``read(n)`` returns up to ``n`` bytes in one piece, however many sealed chunks they span (one copy; an
    uploader that asks for a whole multipart part gets it at once, not chunk by chunk)."""

    def __init__(
        self, data_key: bytes, context: bytes, source: BinaryIO, chunk_size: int = DEFAULT_CHUNK_SIZE
    ):
        self._chunks = encrypt_chunks(data_key, context, source, chunk_size)
        self._current = memoryview(b"")

    def readable(self) -> bool:
        return True

    def _pieces(self, size: int) -> list[memoryview]:
        pieces = []
        while size > 0:
            if not self._current:
                try:
                    self._current = memoryview(next(self._chunks))
                except StopIteration:
                    break
            piece = self._current[:size]
            self._current = self._current[len(piece) :]
            pieces.append(piece)
            size -= len(piece)
        return pieces

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            return b"".join([*self._pieces(len(self._current)), *(memoryview(c) for c in self._chunks)])
        return b"".join(self._pieces(size))

    def readinto(self, target: bytearray | memoryview) -> int:  # type: ignore[override]
        offset = 0
        for piece in self._pieces(len(target)):
            target[offset : offset + len(piece)] = piece
            offset += len(piece)
        return offset


def encrypt_bytes(
    data_key: bytes, context: bytes, plaintext: bytes, chunk_size: int = DEFAULT_CHUNK_SIZE
) -> bytes:
    return b"".join(encrypt_chunks(data_key, context, io.BytesIO(plaintext), chunk_size))


def decrypt_bytes(data_key: bytes, context: bytes, blob: bytes) -> bytes:
    return b"".join(decrypt_chunks(data_key, context, io.BytesIO(blob)))


def seal_small(data_key: bytes, context: bytes, plaintext: bytes) -> bytes:
    """Seal a small value (e.g. extracted fields kept in the index) under the owner's data key."""
    nonce = secrets.token_bytes(12)
    return nonce + AESGCM(data_key).encrypt(nonce, plaintext, b"sohoa-field|" + context)


def open_small(data_key: bytes, context: bytes, sealed: bytes) -> bytes:
    try:
        return AESGCM(data_key).decrypt(sealed[:12], sealed[12:], b"sohoa-field|" + context)
    except InvalidTag as exc:
        raise DecryptionError("sealed value does not decrypt under this key and context") from exc
