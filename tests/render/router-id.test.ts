// peerbot owns the whole "router bgp" block on FRR, EOS and IOS-XR: the router's BGP router
// id must be in it, or a deploy would drop the operator's and reset every session.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SecretBox, newSecretKey } from "../../core/crypto.js";
import { renderRouterConfig } from "../../core/render/index.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { seedRouter, seedShared, type Shared } from "./seed.js";

let db: TestDatabase;
let shared: Shared;
const box = SecretBox.fromString(newSecretKey());

beforeAll(async () => {
  db = await createTestDatabase(import.meta.filename);
  shared = await seedShared(db);
});
afterAll(async () => {
  await db?.drop();
});

describe("BGP router id", () => {
  it.each([
    ["frr", /^router bgp 64500\n bgp router-id 192\.0\.2\.254$/m],
    ["eos", /^router bgp 64500\n {3}router-id 192\.0\.2\.254$/m],
    ["iosxr", /^router bgp 64500\n bgp router-id 192\.0\.2\.254$/m],
  ] as const)("is rendered first in the %s router bgp block", async (platform, re) => {
    const id = await seedRouter(db, shared, platform, box, { name: `rid-${platform}` });
    const before = await renderRouterConfig(db, id, { secretBox: box, templatesDir: null });
    expect(before.config).not.toContain("router-id");
    await db.prisma.router.update({ where: { id }, data: { bgpRouterId: "192.0.2.254" } });
    const after = await renderRouterConfig(db, id, { secretBox: box, templatesDir: null });
    expect(after.config).toMatch(re);
  });

  it("refuses a router id that is not an IPv4 address, in one sentence", async () => {
    const id = await seedRouter(db, shared, "frr", box, { name: "rid-bad" });
    await db.prisma.router.update({
      where: { id },
      data: { bgpRouterId: "192.0.2.1\n neighbor 1.2.3.4 remote-as 1" },
    });
    await expect(renderRouterConfig(db, id, { secretBox: box, templatesDir: null })).rejects.toThrow(
      /BGP router id that is not an IPv4 address/,
    );
  });
});
