// IX-API benchmarks: one refresh pass (core/ixapi/snapshot.ts refreshSnapshot, what the
// ixapi-refresh job runs per endpoint) through the real client (drivers/ixapi, undici) against
// the fake IX-API v2 server on loopback: the version check (/health, /implementation), the five
// lists (configs, services, route servers, IPs, MACs), every object zod-checked, the IPs joined
// to their configs, and the pass stored in IxApiSnapshot.
// - a pass for an account with 50 network-service configs, 200 IPs and 100 MACs (target:
//   <= 500 ms): with the session stored in the endpoint row (the usual pass), logging in again
//   (no session, account looked up), and the first pass of the process (cold);
// - the HTTP requests of one pass, which must not grow with the number of objects.
// Each against the same pass for a small account (5 configs, 20 IPs, 10 MACs) in the same run.
import { newSecretKey, SecretBox } from "../../core/crypto.js";
import type { HistoryAuthor } from "../../core/history.js";
import { addEndpoint, linkIxp } from "../../core/ixapi/endpoints.js";
import { refreshSnapshot, type RefreshOutcome } from "../../core/ixapi/snapshot.js";
import { createIxApiClientFactory } from "../../drivers/ixapi/index.js";
import { startFakeIxApi, type FakeGenerate, type FakeIxApi } from "../fakes/ixapi.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { median, round, timeMedian, withRatio, type BenchResult } from "./result.js";

const BIG: FakeGenerate = { configs: 50, ips: 200, macs: 100 };
const SMALL: FakeGenerate = { configs: 5, ips: 20, macs: 10 };
const TARGET_MS = 500;
const RUNS = 15;
const LOGIN_RUNS = 7;

const author: HistoryAuthor = {
  actor: "cli:bench",
  actorName: "bench",
  via: "cli",
  requestId: "bench-ixapi",
};

interface Account {
  label: string;
  gen: FakeGenerate;
  fake: FakeIxApi;
  endpointId: number;
  pass: () => Promise<RefreshOutcome>;
}

const describe = (g: FakeGenerate) => `${g.configs} configs / ${g.ips} IPs / ${g.macs} MACs`;

/** An exchange (its fake API, an endpoint row, an IXP linked to it) and its refresh pass. */
async function account(
  db: TestDatabase,
  secrets: SecretBox,
  label: string,
  gen: FakeGenerate,
  localAsId: number,
): Promise<Account> {
  const fake = await startFakeIxApi({ generate: gen });
  const keyEnv = `PEERBOT_BENCH_${label.toUpperCase()}_KEY`;
  const secretEnv = `PEERBOT_BENCH_${label.toUpperCase()}_SECRET`;
  const env = { [keyEnv]: fake.apiKey, [secretEnv]: fake.apiSecret };
  const { endpoint } = await addEndpoint(
    db,
    author,
    { name: `bench-${label}`, url: fake.url, keyEnv, secretEnv },
    env,
  );
  const ixp = await db.prisma.internetExchange.create({
    data: { name: `Bench IX ${label}`, slug: `bench-ix-${label}`, peeringdbIxId: 1000, localAsId },
  });
  await linkIxp(db, author, ixp.id, endpoint.name);
  // As production builds it: credentials from the variables the row names, the session kept
  // encrypted in the row (so a pass after the first goes on with its token), default timeout.
  const s = { db, ixapi: createIxApiClientFactory({ db, secrets, env }) };
  const pass = async () => {
    const r = await refreshSnapshot(s, endpoint.id);
    if (!r.ok) throw new Error(`${label}: the IX-API pass failed: ${r.error}`);
    if (r.configs !== gen.configs || r.ips !== gen.ips || r.macs !== gen.macs || r.invalid)
      throw new Error(
        `${label}: the pass read ${r.configs} configs, ${r.ips} IPs, ${r.macs} MACs (${r.invalid} invalid), not ${describe(gen)}`,
      );
    return r;
  };
  return { label, gen, fake, endpointId: endpoint.id, pass };
}

/** Wipes the stored session and the account id from an endpoint row: its next pass logs in. */
async function forget(db: TestDatabase, endpointId: number): Promise<void> {
  await db.prisma.ixApiEndpoint.update({
    where: { id: endpointId },
    data: {
      accountId: "",
      accessTokenEnc: null,
      accessExpiresAt: null,
      refreshTokenEnc: null,
      refreshExpiresAt: null,
    },
  });
}

/** One pass with its HTTP requests as the fake counted them (and as the pass recorded them). */
async function countedPass(a: Account): Promise<{ ms: number; requests: number; logins: number }> {
  a.fake.resetCounts();
  const t = performance.now();
  const r = await a.pass();
  const ms = performance.now() - t;
  const { requests, logins, refreshes } = a.fake.counts;
  if (r.requests !== requests)
    throw new Error(`${a.label}: the pass recorded ${r.requests} requests, the fake counted ${requests}`);
  const perObject = a.fake.requests.filter((q) => q.method === "GET" && q.path.split("/").length > 2);
  if (perObject.length)
    throw new Error(
      `${a.label}: the pass read ${perObject.length} objects one by one (${perObject[0]!.path})`,
    );
  return { ms, requests, logins: logins + refreshes };
}

export async function benchIxapi(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const db = await createTestDatabase("bench_ixapi");
  const accounts: Account[] = [];
  try {
    const secrets = SecretBox.fromString(newSecretKey());
    const us = await db.prisma.autonomousSystem.create({
      data: { asn: 64496n, name: "Peerbot Bench Networks", affiliated: true },
    });
    const big = await account(db, secrets, "big", BIG, us.id);
    accounts.push(big);
    const small = await account(db, secrets, "small", SMALL, us.id);
    accounts.push(small);

    // The first pass of each: no session yet (a login) and no account id (GET /accounts).
    const bigFirst = await countedPass(big);
    const smallFirst = await countedPass(small);
    if (bigFirst.logins !== 1 || smallFirst.logins !== 1)
      throw new Error(`a first pass logged in ${bigFirst.logins} and ${smallFirst.logins} times, not once`);
    const row = await db.prisma.ixApiEndpoint.findUniqueOrThrow({ where: { id: big.endpointId } });
    if (!row.accountId || !row.accessTokenEnc)
      throw new Error("the first pass stored neither the account id nor the session in the endpoint row");

    // Then with the stored session: one pass each, counted, and a logged-in pass never again.
    const bigWarm = await countedPass(big);
    const smallWarm = await countedPass(small);
    if (bigWarm.logins || smallWarm.logins)
      throw new Error("a pass with a live stored session logged in or refreshed again");

    // Medians, the two accounts taking turns so that neither runs on a warmer process alone.
    const bigMs: number[] = [];
    const smallMs: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      bigMs.push(await timeMedian(big.pass, 1, i === 0 ? 3 : 0));
      smallMs.push(await timeMedian(small.pass, 1, i === 0 ? 3 : 0));
    }
    for (const a of accounts)
      if (a.fake.counts.logins || a.fake.counts.refreshes)
        throw new Error(`${a.label}: a timed pass logged in or refreshed its session`);

    // A pass that logs in again (no session stored, no account id) on a warm process: the
    // session and the account id are wiped from the row before each, outside the timing.
    const loginBig: number[] = [];
    const loginSmall: number[] = [];
    for (let i = 0; i < LOGIN_RUNS; i++) {
      for (const [a, xs] of [
        [big, loginBig],
        [small, loginSmall],
      ] as const) {
        await forget(db, a.endpointId);
        const r = await countedPass(a);
        if (r.logins !== 1 || r.requests !== bigFirst.requests)
          throw new Error(
            `${a.label}: a pass without a session took ${r.requests} requests, ${r.logins} logins`,
          );
        xs.push(r.ms);
      }
    }

    results.push(
      withRatio({
        name: `one IX-API pass, ${describe(BIG)}: version check, five lists, checked, joined and stored (median, stored session)`,
        value: round(median(bigMs), 1),
        unit: "ms",
        target: TARGET_MS,
        baseline: round(median(smallMs), 1),
        note: `baseline: the same pass for ${describe(SMALL)}; ${RUNS} passes each, taking turns, over loopback to the fake IX-API; each pass makes its client (endpoint row read, session decrypted), asks /health and /implementation, reads the five lists at once and upserts the snapshot`,
      }),
      withRatio({
        name: `one IX-API pass, ${describe(BIG)}, logging in (no stored session, account looked up; median)`,
        value: round(median(loginBig), 1),
        unit: "ms",
        target: TARGET_MS,
        baseline: round(median(loginSmall), 1),
        note: `baseline: the same for ${describe(SMALL)}; ${LOGIN_RUNS} passes each after the session and account id were wiped from the endpoint row; each adds POST /auth/token and GET /accounts and stores both back`,
      }),
      {
        name: `first IX-API pass of the process, ${describe(BIG)}: login and account lookup included`,
        value: round(bigFirst.ms, 1),
        unit: "ms",
        note: `no target (the login pass above is the one held to ${TARGET_MS} ms): cold, the first use in this process of undici, the zod schemas and Prisma's upsert of the snapshot's JSON, so it swings with the machine's load; the small account's first pass, run just after it, took ${round(smallFirst.ms, 1)} ms`,
      },
      withRatio({
        name: `HTTP requests of one IX-API pass, ${describe(BIG)} (stored session)`,
        value: bigWarm.requests,
        unit: "requests",
        baseline: smallWarm.requests,
        targetRatio: 1,
        note: `baseline: the same pass for ${describe(SMALL)}; counted by the fake, equal to what the pass records, none of them a GET of one object; a pass that logs in takes ${bigFirst.requests} (${smallFirst.requests} for the small account): POST /auth/token and GET /accounts more`,
      }),
    );
  } finally {
    for (const a of accounts) await a.fake.close();
    await db.drop();
  }
  return results;
}
