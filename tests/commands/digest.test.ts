// The PeeringDB digest, through the real sync: the demo network, a fake PeeringDB API on
// loopback serving the same bundled records, `sync` run as a job, and the digest posted by the
// console notifier. The first sync records a baseline; a sync that changes nothing posts
// nothing; one that adds an open network at LINX, removes a peer's port there and changes a
// peer's max-prefix posts exactly one message listing the three, with its buttons.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readSeed } from "../../core/demo.js";
import { PDB_TYPES } from "../../core/peeringdb/types.js";
import { registerAllWorkers } from "../../jobs/index.js";
import { FakePeeringDb } from "../fakes/peeringdb-server.js";
import { createChat, type Chat } from "../helpers/chat.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { seedDemoDb } from "../helpers/demo.js";
import { testServices, type TestServices } from "../helpers/services.js";

let db: TestDatabase;
let fake: FakePeeringDb;
let services: TestServices;
let chat: Chat;
let dataDir: string;

type Raw = Record<string, unknown>;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), "peerbot-digest-"));
  db = await createTestDatabase(import.meta.filename);
  const data: Record<string, Raw[]> = {};
  for (const t of PDB_TYPES) data[t] = readSeed<Raw>(t);
  fake = await FakePeeringDb.start({ data });
  services = testServices(
    db,
    { PEERINGDB_URL: fake.url, PEERINGDB_REQUEST_SPACING: "0", PEERBOT_DIGEST_CHANNEL: "console:noc" },
    dataDir,
  );
  registerAllWorkers(services.queue, services);
  chat = createChat(services);
  services.notifier = chat.session("admin").notifier;
  await seedDemoDb(db, dataDir);
});
afterAll(async () => {
  await fake?.close();
  await db?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

const digests = (text: string) => text.match(/PeeringDB digest/g)?.length ?? 0;

describe("the PeeringDB digest", () => {
  it("records a baseline on the first sync, and posts nothing after a sync that changes nothing", async () => {
    let out = await chat.say("admin", "sync");
    expect(out).toMatch(/PeeringDB sync finished/);
    expect(digests(out)).toBe(0);
    expect(await db.prisma.digestRun.count()).toBe(1);
    out = await chat.say("admin", "sync");
    expect(out).toMatch(/PeeringDB sync finished/);
    expect(digests(out)).toBe(0);
    const runs = await db.prisma.digestRun.findMany({ orderBy: { id: "asc" } });
    expect(runs).toHaveLength(2);
    expect(runs[1]!.posted).toBe(false);
  });

  it("posts one message for a network that joined, a peer that left and a max-prefix that changed", async () => {
    const linx = await db.prisma.internetExchange.findUniqueOrThrow({ where: { slug: "linx-lon1" } });
    // An open network of the mirror, not at LINX LON1 yet, that PeeringDB now shows there.
    const atLinx = new Set(
      fake
        .rows("netixlan")
        .filter((n) => n.ixlan_id === linx.peeringdbIxlanId)
        .map((n) => n.asn),
    );
    const ours = new Set((await db.prisma.autonomousSystem.findMany()).map((a) => Number(a.asn)));
    const joiner = fake
      .rows("net")
      .find(
        (n) =>
          n.policy_general === "Open" &&
          n.status === "ok" &&
          !atLinx.has(n.asn) &&
          !ours.has(Number(n.asn)) &&
          Number(n.asn) < 64496,
      )!;
    expect(joiner).toBeDefined();
    fake.put("netixlan", {
      ...fake.rows("netixlan").find((n) => n.ixlan_id === linx.peeringdbIxlanId)!,
      id: 990_714,
      net_id: joiner.id,
      asn: joiner.asn,
      ipaddr4: "195.66.227.14",
      ipaddr6: null,
      status: "ok",
      operational: true,
    });
    // AS702 leaves LINX LON1 (we have sessions with it there).
    for (const n of fake
      .rows("netixlan")
      .filter((n) => n.asn === 702 && n.ixlan_id === linx.peeringdbIxlanId))
      fake.remove("netixlan", Number(n.id));
    // Google's IPv4 max-prefix grows.
    const google = fake.rows("net").find((n) => n.asn === 15169)!;
    fake.update("net", Number(google.id), { info_prefixes4: Number(google.info_prefixes4 ?? 0) + 5000 });

    const out = await chat.say("admin", "sync");
    expect(digests(out), out).toBe(1);
    const post = out.slice(out.indexOf("PeeringDB digest"));
    expect(post).toMatch(new RegExp(`joined +AS${joiner.asn} `));
    expect(post).toMatch(/left +AS702 /);
    expect(post).toMatch(/abandoned +AS702 /);
    expect(post).toMatch(
      new RegExp(
        `changed +AS15169 .*IPv4 max-prefix ${google.info_prefixes4} -> ${Number(google.info_prefixes4) + 5000}`,
      ),
    );
    expect(post).toContain(`(cmd:peer AS${joiner.asn} at linx-lon1)`);
    expect(post).toContain("(cmd:cleanup linx-lon1)");
    const last = await db.prisma.digestRun.findFirstOrThrow({ orderBy: { id: "desc" } });
    expect(last.posted).toBe(true);
    // The sessions with AS702 are now abandoned: the next digest says so once, then not again.
    const next = await chat.say("admin", "sync");
    expect(digests(next)).toBe(0);
  });
});
