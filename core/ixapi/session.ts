// An IX-API endpoint's row as its client needs it (core/ixapi/port.ts IxApiClient, made by
// drivers/ixapi): the base URL, the key and secret from the environment variables the row
// names (keyEnv, secretEnv) or, when those are unset or empty, keyEnc/secretEnc decrypted with
// the secret box; our account; and the session (access and refresh JWTs) kept in the row,
// AES-GCM encrypted with the same box (accessTokenEnc/accessExpiresAt, refreshTokenEnc/
// refreshExpiresAt), so that a restart goes on with it until its `exp` instead of logging in
// again. Without a secret box nothing is stored: the session lives in the client's memory only,
// never in plain text.
import type { SecretBox } from "../crypto.js";
import type { Database } from "../db.js";
import { IxApiError, type IxApiTokens, type IxApiTokenStore } from "./port.js";

export interface EndpointSession {
  baseUrl: string;
  apiKey: string;
  apiSecret: string;
  accountId?: string;
  tokenStore: IxApiTokenStore;
  /** Records the account a client looked up, on a row that named none. */
  onAccountDiscovered: (accountId: string) => Promise<void>;
}

/** The session of endpoint `endpointId`, kept encrypted in its row; a no-op store without a box. */
export function endpointTokenStore(db: Database, endpointId: number, secrets?: SecretBox): IxApiTokenStore {
  return {
    async load(): Promise<IxApiTokens | null> {
      if (!secrets) return null;
      const row = await db.prisma.ixApiEndpoint.findUnique({
        where: { id: endpointId },
        select: {
          accessTokenEnc: true,
          accessExpiresAt: true,
          refreshTokenEnc: true,
          refreshExpiresAt: true,
        },
      });
      if (!row || (!row.accessTokenEnc && !row.refreshTokenEnc)) return null;
      try {
        const access = row.accessTokenEnc && row.accessExpiresAt ? secrets.decrypt(row.accessTokenEnc) : "";
        const refresh = row.refreshTokenEnc ? secrets.decrypt(row.refreshTokenEnc) : null;
        return {
          // No access token kept (or no time for it): an expired one, so the refresh token is used.
          accessToken: access,
          accessExpiresAt: access ? row.accessExpiresAt! : new Date(0),
          refreshToken: refresh,
          refreshExpiresAt: refresh ? row.refreshExpiresAt : null,
        };
      } catch {
        // Encrypted with another key (PEERBOT_SECRET_KEY changed): log in again.
        return null;
      }
    },
    async save(t: IxApiTokens): Promise<void> {
      if (!secrets) return;
      await db.prisma.ixApiEndpoint.update({
        where: { id: endpointId },
        data: {
          accessTokenEnc: secrets.encrypt(t.accessToken),
          accessExpiresAt: t.accessExpiresAt,
          refreshTokenEnc: t.refreshToken ? secrets.encrypt(t.refreshToken) : null,
          refreshExpiresAt: t.refreshToken ? t.refreshExpiresAt : null,
        },
      });
    },
  };
}

/** What a client of endpoint `endpointId` is made with, or one sentence saying what is missing. */
export async function endpointSession(
  db: Database,
  endpointId: number,
  opts: { secrets?: SecretBox; env?: Record<string, string | undefined> } = {},
): Promise<EndpointSession> {
  const env = opts.env ?? process.env;
  const row = await db.prisma.ixApiEndpoint.findUnique({ where: { id: endpointId } });
  if (!row) throw new IxApiError(`There is no IX-API endpoint with id ${endpointId}.`);
  const name = row.name.slice(0, 60);
  const credential = (what: string, envName: string, stored: string | null): string => {
    const fromEnv = envName ? env[envName] : undefined;
    if (fromEnv) return fromEnv;
    if (stored) {
      if (!opts.secrets)
        throw new IxApiError(
          `The IX-API ${what} of ${name} is stored encrypted and PEERBOT_SECRET_KEY is not set, so it cannot be read.`,
        );
      try {
        return opts.secrets.decrypt(stored);
      } catch {
        throw new IxApiError(
          `The stored IX-API ${what} of ${name} does not decrypt with this PEERBOT_SECRET_KEY: store it again.`,
        );
      }
    }
    throw new IxApiError(
      envName
        ? `The IX-API ${what} of ${name} should be in the environment variable ${envName.slice(0, 60)}, which is not set.`
        : `The IX-API endpoint ${name} has no ${what}: name an environment variable for it or store it encrypted.`,
    );
  };
  const apiKey = credential("key", row.keyEnv, row.keyEnc);
  const apiSecret = credential("secret", row.secretEnv, row.secretEnc);
  return {
    baseUrl: row.url,
    apiKey,
    apiSecret,
    accountId: row.accountId || undefined,
    tokenStore: endpointTokenStore(db, row.id, opts.secrets),
    onAccountDiscovered: async (accountId) => {
      await db.prisma.ixApiEndpoint.updateMany({
        where: { id: row.id, accountId: "" },
        data: { accountId },
      });
    },
  };
}
