"""A key provider on a PKCS#11 token (an HSM; SoftHSM2 in development and tests).

The key-encryption keys are AES-256 secret keys generated *inside* the token (sensitive, not extractable):
the application never sees them. A data key is wrapped by ``C_Encrypt`` with CKM_AES_GCM under the current
KEK, with the owner context as GCM associated data, and unwrapped by ``C_Decrypt``. KEKs are labelled
``<prefix>-0001``, ``<prefix>-0002``, …; the highest is current, :meth:`rotate` generates the next one.
The KEK id stored beside each wrapped data key is ``pkcs11:<token label>:<key label>``.

The PKCS#11 module is loaded once per process (a module can be initialised only once); sessions are not
shared between threads (a lock serialises use of this provider's session).
"""

from __future__ import annotations

import re
import secrets
import threading
from typing import Any

import pkcs11
from pkcs11 import Attribute, KeyType, Mechanism, MechanismFlag, ObjectClass
from pkcs11.exceptions import NoSuchKey, PKCS11Error, UserAlreadyLoggedIn
from pkcs11.mechanisms import GCMParams

from vault.crypto import KeyUnavailableError, WrappedKey

_LIBS: dict[str, Any] = {}
_LIBS_LOCK = threading.Lock()


def load_module(module: str) -> Any:
    """The PKCS#11 library at ``module``, loaded and initialised once per process."""
    with _LIBS_LOCK:
        lib = _LIBS.get(module)
        if lib is None:
            lib = _LIBS[module] = pkcs11.lib(module)
        return lib


def _aad(context: bytes) -> bytes:
    return b"sohoa-dek|" + context


class Pkcs11KeyProvider:
    PREFIX = "pkcs11:"

    def __init__(self, module: str, token_label: str, pin: str, label_prefix: str = "sohoa-kek") -> None:
        if not re.fullmatch(r"[A-Za-z0-9_\-]{1,24}", token_label) or not re.fullmatch(
            r"[A-Za-z0-9_\-]{1,24}", label_prefix
        ):
            raise ValueError("token label and key label prefix: 1-24 characters of A-Z a-z 0-9 _ -")
        self.token_label = token_label
        self.label_prefix = label_prefix
        self._lock = threading.Lock()
        lib = load_module(module)
        try:
            token = lib.get_token(token_label=token_label)
        except PKCS11Error as exc:  # NoSuchToken, or several tokens with that label
            raise KeyUnavailableError("the PKCS#11 token was not found (or is not unique)") from exc
        try:
            self._session = token.open(user_pin=pin, rw=True)
        except UserAlreadyLoggedIn:
            # Login is per application and token: another provider of this process is logged in already,
            # and a new session shares that login.
            self._session = token.open(rw=True)
        except PKCS11Error as exc:
            raise KeyUnavailableError("cannot log in to the PKCS#11 token") from exc
        self._keys: dict[str, Any] = {}
        labels = self._labels()
        if not labels:
            labels = [self._generate(f"{label_prefix}-0001")]
        self.current_id = self._kek_id(max(labels))

    # ---- helpers -----------------------------------------------------------------------------------
    def _kek_id(self, label: str) -> str:
        return f"{self.PREFIX}{self.token_label}:{label}"

    def _label(self, kek_id: str) -> str:
        prefix = f"{self.PREFIX}{self.token_label}:"
        if not kek_id.startswith(prefix):
            raise KeyUnavailableError("this key-encryption key is not on this PKCS#11 token")
        return kek_id[len(prefix) :]

    def _labels(self) -> list[str]:
        with self._lock:
            found = self._session.get_objects({Attribute.CLASS: ObjectClass.SECRET_KEY})
            labels = [str(obj[Attribute.LABEL]) for obj in found]
        pattern = re.compile(re.escape(self.label_prefix) + r"-\d{4}")
        return sorted(label for label in labels if pattern.fullmatch(label))

    def _generate(self, label: str) -> str:
        with self._lock:
            self._session.generate_key(
                KeyType.AES,
                256,
                label=label,
                store=True,
                capabilities=MechanismFlag.ENCRYPT | MechanismFlag.DECRYPT,
                template={Attribute.SENSITIVE: True, Attribute.EXTRACTABLE: False},
            )
        return label

    def _key(self, label: str) -> Any:
        key = self._keys.get(label)
        if key is None:
            try:
                key = self._session.get_key(
                    object_class=ObjectClass.SECRET_KEY, key_type=KeyType.AES, label=label
                )
            except NoSuchKey as exc:
                raise KeyUnavailableError("the key-encryption key is not on the PKCS#11 token") from exc
            self._keys[label] = key
        return key

    # ---- KeyProvider -------------------------------------------------------------------------------
    def owns(self, kek_id: str) -> bool:
        return kek_id.startswith(f"{self.PREFIX}{self.token_label}:")

    def wrap(self, data_key: bytes, context: bytes) -> WrappedKey:
        nonce = secrets.token_bytes(12)
        label = self._label(self.current_id)
        with self._lock:
            sealed = self._key(label).encrypt(
                data_key, mechanism=Mechanism.AES_GCM, mechanism_param=GCMParams(nonce, _aad(context))
            )
        return WrappedKey(self.current_id, nonce + bytes(sealed))

    def unwrap(self, wrapped: WrappedKey, context: bytes) -> bytes:
        label = self._label(wrapped.kek_id)
        nonce, sealed = wrapped.ciphertext[:12], wrapped.ciphertext[12:]
        with self._lock:
            key = self._key(label)
            try:
                return bytes(
                    key.decrypt(
                        sealed, mechanism=Mechanism.AES_GCM, mechanism_param=GCMParams(nonce, _aad(context))
                    )
                )
            except PKCS11Error as exc:
                raise KeyUnavailableError(
                    "the data key does not unwrap under its key-encryption key"
                ) from exc

    def rotate(self) -> str:
        labels = self._labels()
        number = int(max(labels).rsplit("-", 1)[1]) + 1 if labels else 1
        self.current_id = self._kek_id(self._generate(f"{self.label_prefix}-{number:04d}"))
        return self.current_id

    def destroy(self, kek_id: str) -> None:
        """Destroy a retired KEK on the token (after every data key it wrapped was re-wrapped)."""
        if kek_id == self.current_id:
            raise ValueError("the current key-encryption key cannot be destroyed")
        label = self._label(kek_id)
        with self._lock:
            self._key(label).destroy()
            self._keys.pop(label, None)

    def close(self) -> None:
        with self._lock:
            self._session.close()
