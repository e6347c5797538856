// From a Router row (prisma/schema.prisma) and its decrypted credentials to an SshTarget.
// Decryption (core/crypto.ts SecretBox) and the credentialEnv lookup are the caller's job:
// this module only ever sees plain values, and never logs them.
import type { SshCredentials, SshTarget } from "./connection.js";

/** The Router columns the SSH transport needs. */
export interface RouterConnectionInfo {
  id?: number;
  name?: string;
  hostname: string;
  port: number;
  username: string;
  hostKeyFingerprint: string;
}

export function targetFromRouter(router: RouterConnectionInfo, credentials: SshCredentials): SshTarget {
  const target: SshTarget = {
    host: router.hostname,
    port: router.port || 22,
    username: router.username,
    hostKeyFingerprint: router.hostKeyFingerprint,
    label: router.name ? `${router.name} (${router.hostname}:${router.port || 22})` : undefined,
    // One pooled connection per router: keyed by id when there is one.
    key:
      router.id !== undefined
        ? `router:${router.id}`
        : `${router.username}@${router.hostname}:${router.port || 22}`,
  };
  if (credentials.password !== undefined) target.password = credentials.password;
  if (credentials.privateKey !== undefined) target.privateKey = credentials.privateKey;
  if (credentials.passphrase !== undefined) target.passphrase = credentials.passphrase;
  return target;
}
