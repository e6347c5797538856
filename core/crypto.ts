// Secrets at rest: AES-256-GCM with a 32-byte key from PEERBOT_SECRET_KEY.
// Stored form: "v1:<iv base64>:<tag base64>:<ciphertext base64>".
import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, type KeyObject } from "node:crypto";

export class SecretBox {
  // A KeyObject made once: passing the raw Buffer makes node import the key on every call
  // (a render decrypts every session password).
  private readonly key: KeyObject;

  constructor(key: Buffer) {
    if (key.length !== 32) throw new Error("the secret key must be 32 bytes");
    this.key = createSecretKey(key);
  }

  /** Accepts 64 hex characters or base64 of 32 bytes. */
  static fromString(s: string): SecretBox {
    const t = s.trim();
    const key = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, "hex") : Buffer.from(t, "base64");
    return new SecretBox(key);
  }

  encrypt(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    const ct = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
    return ["v1", iv.toString("base64"), cipher.getAuthTag().toString("base64"), ct.toString("base64")].join(
      ":",
    );
  }

  decrypt(stored: string): string {
    const [v, iv, tag, ct] = stored.split(":");
    if (v !== "v1" || !iv || !tag || ct === undefined) throw new Error("not a peerbot ciphertext");
    const d = createDecipheriv("aes-256-gcm", this.key, Buffer.from(iv, "base64"));
    d.setAuthTag(Buffer.from(tag, "base64"));
    return Buffer.concat([d.update(Buffer.from(ct, "base64")), d.final()]).toString("utf8");
  }
}

export function newSecretKey(): string {
  return randomBytes(32).toString("base64");
}
