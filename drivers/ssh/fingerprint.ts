// SSH host key fingerprints as OpenSSH prints them (`ssh-keygen -lf`): "SHA256:" followed by
// the unpadded base64 of the SHA-256 of the public key blob (RFC 4253 wire format).
import { createHash } from "node:crypto";

export function sshFingerprint(publicKeyBlob: Buffer): string {
  return "SHA256:" + createHash("sha256").update(publicKeyBlob).digest("base64").replace(/=+$/, "");
}

/** The algorithm name at the start of a public key blob ("ssh-ed25519", "ecdsa-sha2-nistp256", ...). */
export function keyTypeOfBlob(publicKeyBlob: Buffer): string {
  if (publicKeyBlob.length < 4) return "unknown";
  const len = publicKeyBlob.readUInt32BE(0);
  if (len <= 0 || len > 64 || 4 + len > publicKeyBlob.length) return "unknown";
  return publicKeyBlob.subarray(4, 4 + len).toString("latin1");
}

/**
 * Normalises what an admin pastes: tolerates surrounding blanks, a missing "SHA256:" prefix
 * and trailing base64 padding. Returns "" for an empty input.
 */
export function normalizeFingerprint(input: string): string {
  const t = input.trim();
  if (!t) return "";
  const body = t.replace(/^SHA256:/i, "").replace(/=+$/, "");
  return "SHA256:" + body;
}

export function fingerprintsEqual(a: string, b: string): boolean {
  const na = normalizeFingerprint(a);
  const nb = normalizeFingerprint(b);
  return na !== "" && na === nb;
}
