// The IX-API driver's entry: a factory that makes a client for an IxApiEndpoint row, with the
// URL, credentials, account and stored session core/ixapi/session.ts reads from the row.
import type { SecretBox } from "../../core/crypto.js";
import type { Database } from "../../core/db.js";
import type { IxApiClient, IxApiClientFactory } from "../../core/ixapi/port.js";
import { endpointSession } from "../../core/ixapi/session.js";
import type { Logger } from "../../core/log.js";
import { createIxApiClient, DEFAULT_TIMEOUT_MS, type IxApiClientOptions } from "./client.js";

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

/** Makes the client for an endpoint row: credentials resolved, session kept in the row. */
export function createIxApiClientFactory(opts: IxApiFactoryOptions): IxApiClientFactory {
  return async (endpointId: number): Promise<IxApiClient> => {
    const session = await endpointSession(opts.db, endpointId, { secrets: opts.secrets, env: opts.env });
    return createIxApiClient({
      timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      logger: opts.logger,
      ...opts.client,
      ...session,
    });
  };
}
