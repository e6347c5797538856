// createServices: the one place the service bag is assembled, for every peerbot process
// (`start`, `worker`, `console`, `seed-demo`, through bot/runtime.ts) and for the tests. It
// picks the implementations of core's ports: the router driver factory, the PeeringDB client,
// the message tracker. The database, the queue and the notifier come from the caller, who
// owns their lifetimes.
import { messageTracker } from "../commands/messages.js";
import type { Config } from "../core/config.js";
import type { SecretBox } from "../core/crypto.js";
import type { Database } from "../core/db.js";
import type { Logger } from "../core/log.js";
import {
  systemClock,
  type Clock,
  type DriverFactory,
  type Mailer,
  type JobQueue,
  type Notifier,
} from "../core/ports.js";
import type { Services } from "../core/services.js";
import { createMailer } from "../drivers/mail/index.js";
import { peeringDbClientFromConfig } from "../drivers/peeringdb/client.js";
import { createBgpq4Fetcher } from "../drivers/irr/bgpq4.js";
import type { IrrFetcher } from "../core/irr/types.js";
import { createDriverFactory } from "../drivers/router/factory.js";
import type { IxApiClientFactory } from "../core/ixapi/port.js";

export interface ServiceParts {
  db: Database;
  config: Config;
  jobs: JobQueue;
  log: Logger;
  secrets?: SecretBox;
  notifier?: Notifier;
  clock?: Clock;
  /** Base folder of file routers' configurations (default PEERBOT_DATA_DIR). */
  dataDir?: string;
  /** Another driver factory (a test's own routers). */
  drivers?: DriverFactory;
  /** Another mailer (a test's own). */
  mailer?: Mailer;
  /** Another IRR client (a test's own). */
  irr?: IrrFetcher;
  /** Another IX-API client factory (a test's own). */
  ixapi?: IxApiClientFactory;
}

export function createServices(p: ServiceParts): Services {
  return {
    db: p.db,
    config: p.config,
    clock: p.clock ?? systemClock,
    jobs: p.jobs,
    notifier: p.notifier,
    secrets: p.secrets,
    log: p.log,
    drivers:
      p.drivers ??
      createDriverFactory({ secrets: p.secrets, dataDir: p.dataDir ?? p.config.PEERBOT_DATA_DIR }),
    messages: messageTracker(p.db),
    peeringdb: () => peeringDbClientFromConfig(p.config, p.log),
    // The outbox (no SMTP) lives under the same data folder as file routers' configurations.
    mailer:
      p.mailer ??
      createMailer({ ...p.config, PEERBOT_DATA_DIR: p.dataDir ?? p.config.PEERBOT_DATA_DIR }, p.log),
    irr:
      p.irr ??
      createBgpq4Fetcher({
        host: p.config.PEERBOT_IRR_HOST,
        timeoutMs: p.config.PEERBOT_IRR_TIMEOUT,
        bin: p.config.PEERBOT_BGPQ4,
        argsV4: p.config.PEERBOT_IRR_ARGS_IPV4.split(" "),
        argsV6: p.config.PEERBOT_IRR_ARGS_IPV6.split(" "),
      }),
    // Each IX-API endpoint's client is made when used: its key and secret resolved then (from
    // the environment or stored encrypted), its tokens kept encrypted in its row.
    ixapi: p.ixapi ?? lazyIxApi(p),
  };
}

/**
 * The IX-API client factory, its module (and undici with it, about 10 MB of a worker's RSS)
 * loaded on the first use: most processes never speak to an exchange's API.
 */
function lazyIxApi(p: ServiceParts): IxApiClientFactory {
  let made: Promise<IxApiClientFactory> | undefined;
  return async (endpointId) => {
    made ??= import("../drivers/ixapi/index.js").then((m) =>
      m.createIxApiClientFactory({
        db: p.db,
        secrets: p.secrets,
        timeoutMs: p.config.PEERBOT_IXAPI_TIMEOUT,
        logger: p.log,
      }),
    );
    return (await made)(endpointId);
  };
}
