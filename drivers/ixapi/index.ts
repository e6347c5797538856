// The IX-API driver's entry: a factory that makes a client for an IxApiEndpoint row. The API
// key and secret come from the environment variables the row names (keyEnv, secretEnv) or,
// when those are unset or empty, from keyEnc/secretEnc decrypted with the secret box. The
// session (access and refresh JWTs) is kept in the row, AES-GCM encrypted with the same box
// (accessTokenEnc/accessExpiresAt, refreshTokenEnc/refreshExpiresAt), so that a restart goes on
// with it until its `exp` instead of logging in again. Without a secret box nothing is stored:
// the session lives in the client's memory only, never in plain text.
import type { SecretBox } from "../../core/crypto.js";
import type { Database } from "../../core/db.js";
import { IxApiError, type IxApiClient, type IxApiClientFactory } from "../../core/ixapi/port.js";
import type { Logger } from "../../core/log.js";
import {
  createIxApiClient,
  DEFAULT_TIMEOUT_MS,
  type IxApiClientOptions,
  type IxApiTokens,
  type IxApiTokenStore,
} from "./client.js";

export * from "./client.js";
export { normalizeMac } from "./schemas.js";

export interface IxApiFactoryOptions {
  db: Database;
  /** The box made from PEERBOT_SECRET_KEY; without it tokens stay in memory and keyEnc cannot be read. */
  secrets?: SecretBox;
  /** Where keyEnv and secretEnv are looked up (default process.env). */
  env?: Record<string, string | undefined>;
  /** Bound on each request in ms (PEERBOT_IXAPI_TIMEOUT; default 10 s). */
  timeoutMs?: number;
  logger?: Logger;
  /** More client options for every client (tests: a clock, the backoff). */
  client?: Partial<
    Omit<
      IxApiClientOptions,
      "baseUrl" | "apiKey" | "apiSecret" | "accountId" | "tokenStore" | "onAccountDiscovered"
    >
  >;
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

/** Makes the client for an endpoint row: credentials resolved, session kept in the row. */
export function createIxApiClientFactory(opts: IxApiFactoryOptions): IxApiClientFactory {
  const env = opts.env ?? process.env;
  return async (endpointId: number): Promise<IxApiClient> => {
    const row = await opts.db.prisma.ixApiEndpoint.findUnique({ where: { id: endpointId } });
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
    return createIxApiClient({
      timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      logger: opts.logger,
      ...opts.client,
      baseUrl: row.url,
      apiKey,
      apiSecret,
      accountId: row.accountId || undefined,
      tokenStore: endpointTokenStore(opts.db, row.id, opts.secrets),
      onAccountDiscovered: async (accountId) => {
        await opts.db.prisma.ixApiEndpoint.updateMany({
          where: { id: row.id, accountId: "" },
          data: { accountId },
        });
      },
    });
  };
}
