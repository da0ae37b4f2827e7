"""Rotation of the JWT signing key (ES256, P-256), one step per call of Secrets Manager's rotation protocol.

createSecret makes a new key pair as the AWSPENDING version; setSecret publishes its public key beside the
current one; testSecret signs and verifies with it; finishSecret makes it AWSCURRENT. Tokens signed with the
previous key stay verifiable, because its public key is published until the next rotation.
"""

import uuid
from enum import StrEnum

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jose import jwt

from shared.dal import key_store
from shared.errors import DomainError

SIGNING_ALGORITHM = "ES256"


class RotationStep(StrEnum):
    CREATE = "createSecret"
    SET = "setSecret"
    TEST = "testSecret"
    FINISH = "finishSecret"


class RotationFailed(DomainError):
    status_code = 500
    code = "rotation_failed"


def new_signing_key() -> key_store.SigningKey:
    private_key = ec.generate_private_key(ec.SECP256R1())
    pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return key_store.SigningKey(kid=uuid.uuid4().hex, private_key_pem=pem)


def public_key_pem(private_key_pem: str) -> str:
    private_key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
    return (
        private_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def rotate(step: RotationStep, secret_id: str, token: str) -> None:
    if step == RotationStep.CREATE:
        if key_store.version_of_token(secret_id, token) is None:  # a retried step must not make a second key
            key_store.put_pending(secret_id, token, new_signing_key())
    elif step == RotationStep.SET:
        pending = _pending(secret_id, token)
        public_keys = {pending.kid: public_key_pem(pending.private_key_pem)}
        current = key_store.secret_version(secret_id, key_store.CURRENT)
        if current is not None and current[0] != token:
            public_keys[current[1]["kid"]] = public_key_pem(current[1]["private_key_pem"])
        key_store.publish_verification_keys(public_keys)
    elif step == RotationStep.TEST:
        pending = _pending(secret_id, token)
        probe = jwt.encode({"probe": token}, pending.private_key_pem, algorithm=SIGNING_ALGORITHM)
        key_store.clear_cache()
        published = key_store.verification_keys().get(pending.kid)
        if published is None or jwt.decode(probe, published, algorithms=[SIGNING_ALGORITHM]) != {"probe": token}:
            raise RotationFailed("the new verification key is not published")
    elif step == RotationStep.FINISH:
        key_store.make_current(secret_id, token)


def _pending(secret_id: str, token: str) -> key_store.SigningKey:
    value = key_store.version_of_token(secret_id, token)
    if value is None:
        raise RotationFailed("no pending key for this rotation")
    return key_store.SigningKey(kid=value["kid"], private_key_pem=value["private_key_pem"])


def rotate_now(secret_id: str) -> str:
    """All four steps at once: the local cloud and the tests start with a real key this way."""
    token = str(uuid.uuid4())
    for step in RotationStep:
        rotate(step, secret_id, token)
    return token
