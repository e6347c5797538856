// Communities have a direction, as in Peering Manager: ingress ones tag the routes we
// receive (import), egress ones the routes we send (export). BIRD's and FRR's own parsers
// accept both.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SecretBox, newSecretKey } from "../../core/crypto.js";
import { renderRouterConfig } from "../../core/render/index.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { birdMainConfig, birdParse, frrDryRun, scratch } from "./daemons.js";
import { seedRouter, seedShared, type Shared } from "./seed.js";

let db: TestDatabase;
let shared: Shared;
const box = SecretBox.fromString(newSecretKey());

beforeAll(async () => {
  db = await createTestDatabase(import.meta.filename);
  shared = await seedShared(db);
  const sent = await db.prisma.community.create({
    data: {
      name: "announced at LINX",
      slug: "announced-at-linx",
      value: "64500:777",
      kind: "standard",
      direction: "egress",
    },
  });
  await db.prisma.internetExchange.update({
    where: { id: shared.linx },
    data: { communities: { connect: [{ id: sent.id }] } },
  });
});
afterAll(async () => {
  await db?.drop();
});

const render = async (platform: "bird2" | "frr" | "junos") => {
  const id = await seedRouter(db, shared, platform, box, { name: `cd-${platform}` });
  return (await renderRouterConfig(db, id, { secretBox: box, templatesDir: null })).config;
};

describe("community direction", () => {
  it("BIRD adds an egress community in the export filter only, and bird -p accepts it", async () => {
    const conf = await render("bird2");
    const exportFilters = conf.split(/\nfilter /).filter((f) => f.startsWith("pb_out_"));
    expect(exportFilters.some((f) => f.includes("bgp_community.add((64500,777))"))).toBe(true);
    const importFilters = conf.split(/\nfilter /).filter((f) => f.startsWith("pb_in_"));
    expect(importFilters.some((f) => f.includes("(64500,777)"))).toBe(false);
    const s = scratch();
    try {
      const inc = path.join(s.dir, "peerbot.conf");
      writeFileSync(inc, conf);
      const policies = [
        ...new Set([...conf.matchAll(/\b(policy_[a-z0-9_]+)\(\)/g)].map((m) => m[1] as string)),
      ];
      const main = path.join(s.dir, "bird.conf");
      writeFileSync(main, birdMainConfig(inc, policies));
      const r = birdParse(main);
      expect(r.output).toBe(r.ok ? r.output : "bird -p accepted it");
    } finally {
      s.done();
    }
  });

  it("FRR sets it in an outbound route-map, and vtysh --dryrun accepts the file", async () => {
    const conf = await render("frr");
    expect(conf).toMatch(
      /route-map pb-out-[0-9a-f]+ permit \d+\n(?: [^\n]*\n)*? set community 64500:777 additive/,
    );
    const s = scratch();
    try {
      const f = path.join(s.dir, "frr.conf");
      writeFileSync(f, conf);
      const r = frrDryRun(f);
      expect(r.output).toBe(r.ok ? r.output : "vtysh --dryrun accepted it");
    } finally {
      s.done();
    }
  });
});
