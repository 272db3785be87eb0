// A throwaway Stellar key pair for the tests, and SEP-53 message signing (what Freighter's
// signMessage does): ed25519 over sha256("Stellar Signed Message:\n" + message), base64.
import { createHash, generateKeyPairSync, sign } from "node:crypto";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const ACCOUNT_ID_VERSION = 6 << 3; // 'G'

function crc16xmodem(bytes) {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

function base32(bytes) {
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/// The StrKey account id ("G...") of a raw ed25519 public key.
export function accountId(publicKey) {
  const payload = Buffer.concat([Buffer.from([ACCOUNT_ID_VERSION]), publicKey]);
  const crc = crc16xmodem(payload);
  return base32(Buffer.concat([payload, Buffer.from([crc & 0xff, crc >> 8])]));
}

export function newTestKey() {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const raw = Buffer.from(publicKey.export({ format: "jwk" }).x, "base64url");
  return {
    address: accountId(raw),
    signMessage(message) {
      const digest = createHash("sha256").update(`Stellar Signed Message:\n${message}`).digest();
      return sign(null, digest, privateKey).toString("base64");
    },
  };
}
