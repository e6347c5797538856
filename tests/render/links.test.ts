// Policies and communities reach a session from every level Peering Manager has (the session,
// its AS, its IXP or BGP group), whichever way the session is attached, and only from
// objects this router uses: the link query semi-joins each link table to the router's own
// sessions, ASes, IXPs and groups.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newSecretKey, SecretBox } from "../../core/crypto.js";
import { renderRouterConfig } from "../../core/render/index.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";

let db: TestDatabase;
const box = SecretBox.fromString(newSecretKey());

beforeAll(async () => {
  db = await createTestDatabase(import.meta.filename);
});
afterAll(async () => {
  await db?.drop();
});

/** The lines of one Junos neighbor block. */
function neighbor(config: string, address: string): string[] {
  const lines = config.split("\n");
  const at = lines.findIndex((l) => l.trim().startsWith(`neighbor ${address} {`));
  expect(at, `neighbor ${address} in\n${config}`).toBeGreaterThanOrEqual(0);
  const end = lines.findIndex((l, i) => i > at && l === lines[at]!.replace(/neighbor.*/, "}"));
  return lines.slice(at, end + 1).map((l) => l.trim());
}

describe("policy and community links", () => {
  it("come from the session, its AS and its IXP or BGP group, and never from another router's objects", async () => {
    const p = db.prisma;
    const policy = (slug: string, kind: "import" | "export") =>
      p.routingPolicy.create({ data: { name: slug, slug, kind } });
    const asIn = await policy("as-only-direct-in", "import");
    const asOut = await policy("as-only-direct-out", "export");
    const sessOut = await policy("session-out", "export");
    const groupIn = await policy("group-in", "import");
    const ixpIn = await policy("ixp-in", "import");
    const otherIn = await policy("other-router-in", "import");
    const otherIxpIn = await policy("other-ixp-in", "import");
    const sessTag = await p.community.create({
      data: { name: "session tag", slug: "session-tag", value: "64500:42" },
    });
    const us = await p.autonomousSystem.create({ data: { asn: 64500n, name: "Us", affiliated: true } });
    // Peered only through a direct session: its AS-level policies must still apply.
    const direct = await p.autonomousSystem.create({
      data: {
        asn: 65010n,
        name: "Direct Only",
        importPolicies: { connect: [{ id: asIn.id }] },
        exportPolicies: { connect: [{ id: asOut.id }] },
      },
    });
    const ixPeer = await p.autonomousSystem.create({ data: { asn: 65020n, name: "IX Peer" } });
    const group = await p.bgpGroup.create({
      data: { name: "Private", slug: "private", importPolicies: { connect: [{ id: groupIn.id }] } },
    });
    const ix = await p.internetExchange.create({
      data: {
        name: "Test IX",
        slug: "test-ix",
        localAsId: us.id,
        importPolicies: { connect: [{ id: ixpIn.id }] },
      },
    });
    const otherIx = await p.internetExchange.create({
      data: {
        name: "Other IX",
        slug: "other-ix",
        localAsId: us.id,
        importPolicies: { connect: [{ id: otherIxpIn.id }] },
      },
    });
    const router = await p.router.create({
      data: { name: "links-r1", hostname: "r1", platform: "junos", localAsId: us.id },
    });
    const other = await p.router.create({
      data: { name: "links-r2", hostname: "r2", platform: "junos", localAsId: us.id },
    });
    const conn = await p.connection.create({
      data: { ixpId: ix.id, routerId: router.id, ipv4Address: "192.0.2.1/24" },
    });
    const otherConn = await p.connection.create({
      data: { ixpId: otherIx.id, routerId: other.id, ipv4Address: "198.51.100.1/24" },
    });
    await p.directSession.create({
      data: {
        autonomousSystemId: direct.id,
        routerId: router.id,
        bgpGroupId: group.id,
        ipAddress: "203.0.113.2",
        localIpAddress: "203.0.113.1",
        status: "enabled",
        exportPolicies: { connect: [{ id: sessOut.id }] },
        communities: { connect: [{ id: sessTag.id }] },
      },
    });
    await p.ixpSession.create({
      data: {
        autonomousSystemId: ixPeer.id,
        connectionId: conn.id,
        ipAddress: "192.0.2.20",
        status: "enabled",
      },
    });
    // The same IX peer on the other router, with a session policy of its own.
    await p.ixpSession.create({
      data: {
        autonomousSystemId: ixPeer.id,
        connectionId: otherConn.id,
        ipAddress: "198.51.100.20",
        status: "enabled",
        importPolicies: { connect: [{ id: otherIn.id }] },
      },
    });

    const { config } = await renderRouterConfig(db, router.id, { secretBox: box, templatesDir: null });
    const d = neighbor(config, "203.0.113.2");
    // Import: session (none), AS, group, in Peering Manager's order; the session community first.
    expect(d).toContain("import [ pb-session-tag as-only-direct-in group-in ];");
    expect(d).toContain("export [ session-out as-only-direct-out ];");
    const x = neighbor(config, "192.0.2.20");
    expect(x).toContain("import [ ixp-in ];");
    expect(x).toContain("export [ pb-deny ];");
    expect(config).not.toContain("other-router-in");
    expect(config).not.toContain("other-ixp-in");
    expect(config).not.toContain("198.51.100");
  });
});
