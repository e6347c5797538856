// What the IX-API tests share: test services whose IX-API client is the real one (undici)
// pointed at a fake server on loopback, with its key and secret in variables of an explicit
// environment (never the developer's), and our network with one exchange to link to it.
import { createIxApiClientFactory } from "../../drivers/ixapi/index.js";
import { registerAllWorkers } from "../../jobs/index.js";
import type { FakeIxApi } from "../fakes/ixapi.js";
import type { TestDatabase } from "./db.js";
import { testServices, type TestServices } from "./services.js";

/** Services with the real IX-API client; the fake's key and secret in `keyVar` and `secretVar`. */
export function ixapiTestServices(
  db: TestDatabase,
  fake: FakeIxApi,
  vars: { keyVar: string; secretVar: string },
): TestServices {
  const services = testServices(db, { PEERBOT_IXAPI_TIMEOUT: "2s" });
  services.ixapi = createIxApiClientFactory({
    db,
    secrets: services.secrets,
    env: { [vars.keyVar]: fake.apiKey, [vars.secretVar]: fake.apiSecret },
    timeoutMs: 2_000,
    client: { backoffMs: 5, maxBackoffMs: 20 },
  });
  registerAllWorkers(services.queue, services);
  return services;
}

/**
 * Our AS 64496 and "Fake IX" (slug fake-ix, PeeringDB ix 1000, the fake's first exchange-LAN
 * subnets 10.10.0.0/16 and 2001:db8:1::/64); returns the IXP's id.
 */
export async function createFakeIxp(db: TestDatabase): Promise<number> {
  const us = await db.prisma.autonomousSystem.create({
    data: { asn: 64496n, name: "Peerbot Test Networks", affiliated: true },
  });
  const ixp = await db.prisma.internetExchange.create({
    data: {
      name: "Fake IX",
      slug: "fake-ix",
      peeringdbIxId: 1000,
      localAsId: us.id,
      prefixes: ["10.10.0.0/16", "2001:db8:1::/64"],
    },
  });
  return ixp.id;
}
