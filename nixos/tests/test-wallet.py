# A Stellar wallet for the VM test's client: a fixed test key that signs the server's
# challenge as a SEP-53 wallet does (ed25519 over sha256("Stellar Signed Message:\n" + m)).
#
#   test-wallet address          prints the account id (G...)
#   test-wallet sign < message   prints the signature, base64
import base64
import binascii
import hashlib
import sys

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

# Test-only key: never a real wallet's.
SEED = bytes(range(32))
KEY = Ed25519PrivateKey.from_private_bytes(SEED)


def account_id(public_key):
    payload = bytes([6 << 3]) + public_key
    crc = binascii.crc_hqx(payload, 0)
    checksum = bytes([crc & 0xFF, crc >> 8])
    return base64.b32encode(payload + checksum).decode().rstrip("=")


def main():
    if sys.argv[1:] == ["address"]:
        public = KEY.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        print(account_id(public))
    elif sys.argv[1:] == ["sign"]:
        message = sys.stdin.buffer.read()
        digest = hashlib.sha256(b"Stellar Signed Message:\n" + message).digest()
        print(base64.b64encode(KEY.sign(digest)).decode())
    else:
        sys.exit("usage: test-wallet address | test-wallet sign < message")


main()
