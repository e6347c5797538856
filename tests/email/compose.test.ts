// Composing e-mails against the demo network and its PeeringDB mirror: who they go to (local
// contacts first, then PeeringDB by role, invalid addresses named, overrides, configured CC and
// BCC), what they say (both sides' addresses at every IXP we share, the sessions we have and
// the ones really missing), the sender, the three kinds of message, the bulk paths with a
// fixed number of queries, and every mistake answered in one sentence with nothing changed.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  composeBulk,
  composeEmail,
  composeMaintenance,
  type ComposeInput,
  type Composed,
} from "../../core/email/compose.js";
import { UserError } from "../../core/errors.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { seedDemoDb } from "../helpers/demo.js";
import { fingerprint, testServices, type TestServices } from "../helpers/services.js";

let db: TestDatabase;
let s: TestServices;
const ixp: Record<string, { id: number; ixlanId: number }> = {};
const requester = { id: "console:alice", name: "Alice Example" };

beforeAll(async () => {
  db = await createTestDatabase(import.meta.filename);
  await seedDemoDb(db);
  s = testServices(db);
  for (const x of await db.prisma.internetExchange.findMany())
    ixp[x.slug] = { id: x.id, ixlanId: x.peeringdbIxlanId! };
});
afterAll(async () => {
  await db?.drop();
});

/** A network in the PeeringDB mirror only, at an exchange, with contacts. */
let nextId = 900_000;
async function mirrorNetwork(opts: {
  asn: number;
  name: string;
  at?: { ixlanId: number; ipv4?: string | null; ipv6?: string | null; operational?: boolean }[];
  pocs?: { role: string; email: string; name?: string }[];
  policyUrl?: string;
}): Promise<void> {
  const netId = nextId++;
  const now = new Date();
  await db.pool.query(
    `insert into pdb_net (id, org_id, name, asn, policy_url, status, created, updated) values ($1, 1, $2, $3, $4, 'ok', $5, $5)`,
    [netId, opts.name, opts.asn, opts.policyUrl ?? "", now],
  );
  for (const a of opts.at ?? [])
    await db.pool.query(
      `insert into pdb_netixlan (id, net_id, ix_id, ixlan_id, asn, ipaddr4, ipaddr6, operational, status, created, updated)
       values ($1, $2, $3, $3, $4, $5, $6, $7, 'ok', $8, $8)`,
      [nextId++, netId, a.ixlanId, opts.asn, a.ipv4 ?? null, a.ipv6 ?? null, a.operational ?? true, now],
    );
  for (const p of opts.pocs ?? [])
    await db.pool.query(
      `insert into pdb_poc (id, net_id, role, visible, name, email, status, created, updated)
       values ($1, $2, $3, 'Public', $4, $5, 'ok', $6, $6)`,
      [nextId++, netId, p.role, p.name ?? "", p.email, now],
    );
}

/** composeEmail, proving it wrote nothing. */
async function compose(input: Partial<ComposeInput> & { peerAsn: bigint }, services = s): Promise<Composed> {
  const before = await fingerprint(db);
  try {
    return await composeEmail(services, { kind: "peering_request", requester, ...input });
  } finally {
    expect(await fingerprint(db), "composing changed nothing").toBe(before);
  }
}

async function refused(input: Partial<ComposeInput> & { peerAsn: bigint }, services = s): Promise<UserError> {
  const err = await compose(input, services).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UserError);
  const u = err as UserError;
  // One sentence: no line breaks, no stack.
  expect(u.message).not.toMatch(/\n|\bat .*\.ts:\d+/);
  return u;
}

describe("a peering request from the demo network", () => {
  it("goes to Hurricane Electric's PeeringDB contact and lists LINX LON1 with both sides' addresses", async () => {
    const c = await compose({ peerAsn: 6939n, ixpId: ixp["linx-lon1"]!.id });
    expect(c.to).toEqual(["peering@he.net"]);
    expect(c.recipientSource).toBe("peeringdb");
    expect(c.details.recipientRole).toBe("Technical");
    expect(c.cc).toEqual([]);
    expect(c.bcc).toEqual([]);
    expect(c.from).toBe("peerbot <peerbot@localhost>");
    expect(c.replyTo).toBeUndefined();
    expect(c.template).toBe("peering-request");
    expect(c.localAs).toMatchObject({ asn: 64500n, name: "peerbot demo network" });
    expect(c.peer).toMatchObject({ asn: 6939n, name: "Hurricane Electric", inDatabase: true });
    expect(c.ixpId).toBe(ixp["linx-lon1"]!.id);
    expect(c.subject).toBe(
      "Peering request: AS64500 peerbot demo network and AS6939 Hurricane Electric at LINX LON1",
    );
    expect(c.text).toContain(
      "LINX LON1\n  Our addresses:   195.66.226.250, 2001:7f8:4::fbf4:1\n  Your addresses:  195.66.224.21, 2001:7f8:4::1b1b:1",
    );
    expect(c.text).toContain("IPv4: AS64500 195.66.226.250 <-> AS6939 195.66.224.21");
    expect(c.text).toContain("IPv6: AS64500 2001:7f8:4::fbf4:1 <-> AS6939 2001:7f8:4::1b1b:1");
    expect(c.text).toContain("PeeringDB:       https://www.peeringdb.com/asn/64500");
    expect(c.text).toContain("Max prefixes:    IPv4 10, IPv6 5");
    expect(c.text).toMatch(/Best regards,\nAlice Example\nAS64500 peerbot demo network\n/);
    expect(c.html).toContain("AS6939 195.66.224.21");
    expect(c.html).toContain("<!DOCTYPE html>");
    expect(c.details.missing).toEqual([
      expect.objectContaining({
        ixp: "LINX LON1",
        family: "IPv4",
        ours: "195.66.226.250",
        theirs: "195.66.224.21",
      }),
      expect.objectContaining({
        ixp: "LINX LON1",
        family: "IPv6",
        ours: "2001:7f8:4::fbf4:1",
        theirs: "2001:7f8:4::1b1b:1",
      }),
    ]);
    // JSON-safe for the journal.
    expect(JSON.parse(JSON.stringify(c.details))).toEqual(c.details);
  });

  it("lists the sessions we already have (DE-CIX) as existing, not as missing", async () => {
    const c = await compose({ peerAsn: 6939n });
    expect(c.ixpId).toBeUndefined();
    expect(c.text).toContain(
      "We already have these sessions with you:\n" +
        "  - DE-CIX Frankfurt, IPv4: AS64500 80.81.199.250 <-> AS6939 80.81.192.172\n" +
        "  - DE-CIX Frankfurt, IPv6: AS64500 2001:7f8::fbf4:0:1 <-> AS6939 2001:7f8::1b1b:0:1\n",
    );
    const missing = c.details.missing as { ixp: string }[];
    expect(missing.map((m) => m.ixp)).toEqual(["LINX LON1", "LINX LON1"]);
    expect(c.details.sharedIxps).toEqual(["DE-CIX Frankfurt", "LINX LON1"]);
  });

  it("counts an address as covered when a session is on it, whatever its prefix length, except requested ones", async () => {
    const he = await db.prisma.autonomousSystem.findUniqueOrThrow({ where: { asn: 6939n } });
    const conn = await db.prisma.connection.findFirstOrThrow({ where: { ixpId: ixp["linx-lon1"]!.id } });
    const v4 = await db.prisma.ixpSession.create({
      data: {
        autonomousSystemId: he.id,
        connectionId: conn.id,
        ipAddress: "195.66.224.21/22",
        status: "enabled",
      },
    });
    const v6 = await db.prisma.ixpSession.create({
      data: {
        autonomousSystemId: he.id,
        connectionId: conn.id,
        ipAddress: "2001:7f8:4::1b1b:1",
        status: "requested",
      },
    });
    try {
      const c = await compose({ peerAsn: 6939n, ixpId: ixp["linx-lon1"]!.id });
      expect(c.details.missing).toEqual([
        expect.objectContaining({ family: "IPv6", theirs: "2001:7f8:4::1b1b:1" }),
      ]);
      expect(c.text).toContain("  - LINX LON1, IPv4: AS64500 195.66.226.250 <-> AS6939 195.66.224.21\n");
      await db.prisma.ixpSession.update({ where: { id: v6.id }, data: { status: "provisioning" } });
      const e = await refused({ peerAsn: 6939n, ixpId: ixp["linx-lon1"]!.id });
      expect(e.message).toBe(
        "We already have sessions with AS6939 (Hurricane Electric) on every address at LINX LON1.",
      );
    } finally {
      await db.prisma.ixpSession.deleteMany({ where: { id: { in: [v4.id, v6.id] } } });
    }
  });

  it("refuses an IXP where we already peer on every address, or where they are not", async () => {
    expect((await refused({ peerAsn: 6939n, ixpId: ixp["de-cix-frankfurt"]!.id })).message).toBe(
      "We already have sessions with AS6939 (Hurricane Electric) on every address at DE-CIX Frankfurt.",
    );
    const e = await refused({ peerAsn: 6939n, ixpId: ixp["ams-ix"]!.id });
    expect(e.message).toBe("AS6939 (Hurricane Electric) is not at AMS-IX according to PeeringDB.");
    expect(e.hint).toBe("`as 6939` shows where they are.");
    expect((await refused({ peerAsn: 6939n, ixpId: 99_999 })).message).toBe("There is no IXP with id 99999.");
    await mirrorNetwork({
      asn: 64_498,
      name: "Idle Port Networks",
      at: [{ ixlanId: ixp["linx-lon1"]!.ixlanId, ipv4: "195.66.227.202", operational: false }],
      pocs: [{ role: "Policy", email: "peering@idle.example" }],
    });
    expect((await refused({ peerAsn: 64_498n, ixpId: ixp["linx-lon1"]!.id })).message).toBe(
      "AS64498 (Idle Port Networks) has no operational port at LINX LON1: PeeringDB marks its port there not operational.",
    );
  });

  it("refuses an unknown network, one of ours and a private ASN", async () => {
    const e = await refused({ peerAsn: 4_199_999_999n });
    expect(e.message).toBe("AS4199999999 is neither in peerbot's database nor in the PeeringDB mirror.");
    expect(e.hint).toMatch(/sync/);
    expect((await refused({ peerAsn: 64500n })).message).toBe(
      "AS64500 is one of ours; peerbot does not write to itself.",
    );
    await mirrorNetwork({
      asn: 65_000,
      name: "Private Lab",
      at: [{ ixlanId: ixp["linx-lon1"]!.ixlanId, ipv4: "195.66.227.201" }],
    });
    expect((await refused({ peerAsn: 65_000n })).message).toBe(
      "AS65000 is a private AS number (RFC 6996): peerbot does not ask it to peer.",
    );
  });

  it("says who has no contact, with the way out", async () => {
    const e = await refused({ peerAsn: 6762n, ixpId: ixp["linx-lon1"]!.id });
    expect(e.message).toBe("AS6762 (Telecom Italia Sparkle) has no e-mail contact peerbot can write to.");
    expect(e.hint).toBe(
      "Add one with `contact add AS6762 <e-mail> [role <r>]` or give `to:<address>`; PeeringDB shows some contacts to registered users only: set PEERINGDB_API_KEY and run `sync full` to mirror them.",
    );
    const keyed = testServices(db, { PEERINGDB_API_KEY: "k" });
    expect((await refused({ peerAsn: 6762n, ixpId: ixp["linx-lon1"]!.id }, keyed)).hint).toBe(
      "Add one with `contact add AS6762 <e-mail> [role <r>]` or give `to:<address>`.",
    );
  });
});

describe("recipients", () => {
  it("puts the AS's local contacts first, de-duplicated case-insensitively, and names the invalid ones", async () => {
    const he = await db.prisma.autonomousSystem.findUniqueOrThrow({ where: { asn: 6939n } });
    const made = await db.prisma.contact.createManyAndReturn({
      data: [
        { autonomousSystemId: he.id, name: "Peering desk", role: "policy", email: "Peering-Desk@HE.net" },
        { autonomousSystemId: he.id, name: "Again", role: "technical", email: "peering-desk@he.NET" },
        { autonomousSystemId: he.id, name: "Broken", role: "noc", email: "noc at he.net" },
        { autonomousSystemId: he.id, name: "Sales", role: "sales", email: "sales@he.net" },
      ],
    });
    try {
      const withCc = testServices(db, {
        PEERBOT_EMAIL_CC: "peering-desk@he.net, team@demo.example",
        PEERBOT_EMAIL_BCC: "archive@demo.example, TEAM@demo.example",
      });
      const c = await compose({ peerAsn: 6939n, ixpId: ixp["linx-lon1"]!.id }, withCc);
      expect(c.recipientSource).toBe("local");
      expect(c.to).toEqual(["Peering-Desk@he.net"]);
      expect(c.cc).toEqual(["team@demo.example"]);
      expect(c.bcc).toEqual(["archive@demo.example"]);
      expect(c.dropped).toEqual([{ address: "noc at he.net", reason: "local contact (noc): it has no @" }]);
    } finally {
      await db.prisma.contact.deleteMany({ where: { id: { in: made.map((m) => m.id) } } });
    }
  });

  it("writes to PeeringDB before a local contact whose role is not one peerbot writes to", async () => {
    const he = await db.prisma.autonomousSystem.findUniqueOrThrow({ where: { asn: 6939n } });
    const sales = await db.prisma.contact.create({
      data: { autonomousSystemId: he.id, name: "Sales", role: "Sales", email: "sales@he.net" },
    });
    try {
      expect((await compose({ peerAsn: 6939n })).to).toEqual(["peering@he.net"]);
      // With no PeeringDB contact at all, the operator's own contact beats none.
      const c = await compose({ peerAsn: 6939n }, testServices(db, { PEERBOT_EMAIL_ROLES: "Policy" }));
      expect(c).toMatchObject({ to: ["sales@he.net"], recipientSource: "local" });
    } finally {
      await db.prisma.contact.delete({ where: { id: sales.id } });
    }
  });

  it("follows the configured role order, compared case-insensitively", async () => {
    const c = await compose({ peerAsn: 6939n }, testServices(db, { PEERBOT_EMAIL_ROLES: "noc, technical" }));
    expect(c.to).toEqual(["noc@he.net"]);
    expect(c.details.recipientRole).toBe("noc");
    const e = await refused({ peerAsn: 6939n }, testServices(db, { PEERBOT_EMAIL_ROLES: "Policy" }));
    expect(e.message).toBe(
      "AS6939 (Hurricane Electric) has no e-mail contact peerbot can write to (PeeringDB lists only Technical, NOC contacts, and peerbot writes to Policy).",
    );
  });

  it("takes to: instead of the resolved list and adds cc:, and refuses an invalid one", async () => {
    const c = await compose({
      peerAsn: 6762n,
      ixpId: ixp["linx-lon1"]!.id,
      to: ["Sparkle Peering <peering@sparkle.example>"],
      cc: ["me@demo.example", "PEERING@sparkle.example"],
    });
    expect(c).toMatchObject({
      to: ["peering@sparkle.example"],
      cc: ["me@demo.example"],
      recipientSource: "override",
    });
    const e = await refused({ peerAsn: 6939n, to: ["peering@he.net\r\nBcc: x@evil.example"] });
    expect(e.message).toBe(
      "peering@he.net Bcc: x@evil.example is not a valid e-mail address: it contains control characters or line breaks.",
    );
    expect((await refused({ peerAsn: 6939n, cc: ["nobody"] })).message).toBe(
      "nobody is not a valid e-mail address: it has no @.",
    );
  });

  it("writes to a network that is only in the PeeringDB mirror, and adds nothing to the database", async () => {
    await mirrorNetwork({
      asn: 64_496,
      name: "Mirror Only Networks",
      policyUrl: "https://mirror.example/peering",
      at: [{ ixlanId: ixp["linx-lon1"]!.ixlanId, ipv4: "195.66.227.200", ipv6: "2001:7f8:4::fbf0:1" }],
      pocs: [
        { role: "NOC", email: "noc@mirror.example" },
        { role: "Policy", email: "not-an-address" },
        { role: "Policy", email: "peering@mirror.example; peering2@mirror.example" },
      ],
    });
    const c = await compose({ peerAsn: 64_496n, ixpId: ixp["linx-lon1"]!.id });
    expect(c.peer).toEqual({ asn: 64_496n, name: "Mirror Only Networks", inDatabase: false });
    expect(c.to).toEqual(["peering@mirror.example", "peering2@mirror.example"]);
    expect(c.dropped).toEqual([
      { address: "not-an-address", reason: "PeeringDB contact (Policy): it has no @" },
    ]);
    expect(c.text).toContain("IPv4: AS64500 195.66.226.250 <-> AS64496 195.66.227.200");
    expect(await db.prisma.autonomousSystem.count({ where: { asn: 64_496n } })).toBe(0);
  });
});

describe("the sender", () => {
  it("comes from the configuration, or from our AS's own override", async () => {
    const conf = testServices(db, {
      PEERBOT_EMAIL_FROM: '"Demo, Peering" <peering@demo.example>',
      PEERBOT_EMAIL_REPLY_TO: "noc@demo.example",
    });
    const c = await compose({ peerAsn: 6939n }, conf);
    expect(c.from).toBe('"Demo, Peering" <peering@demo.example>');
    expect(c.replyTo).toBe("noc@demo.example");
    await db.prisma.autonomousSystem.update({
      where: { asn: 64500n },
      data: { emailFrom: "AS64500 Peering <peering@as64500.example>", emailReplyTo: "reply@as64500.example" },
    });
    try {
      const o = await compose({ peerAsn: 6939n }, conf);
      expect(o.from).toBe("AS64500 Peering <peering@as64500.example>");
      expect(o.replyTo).toBe("reply@as64500.example");
    } finally {
      await db.prisma.autonomousSystem.update({
        where: { asn: 64500n },
        data: { emailFrom: "", emailReplyTo: "" },
      });
    }
  });

  it("refuses a sender or a configured copy that is not an address", async () => {
    const e = await refused({ peerAsn: 6939n }, testServices(db, { PEERBOT_EMAIL_FROM: "peerbot" }));
    expect(e.message).toBe(
      "PEERBOT_EMAIL_FROM is not valid: peerbot is not a valid e-mail address: it has no @.",
    );
    const b = await refused({ peerAsn: 6939n }, testServices(db, { PEERBOT_EMAIL_BCC: "archive@" }));
    expect(b.message).toBe(
      "PEERBOT_EMAIL_BCC holds an address that is not valid: archive@ is not a valid e-mail address: it has no domain after the @.",
    );
  });
});

describe("sessions configured", () => {
  async function deployedChange(status: "deployed" | "pending", sessionIds: number[]) {
    const router = await db.prisma.router.findUniqueOrThrow({ where: { name: "edge1.fra" } });
    return db.prisma.changeRequest.create({
      data: {
        routerId: router.id,
        summary: "peer AS6939 at DE-CIX Frankfurt",
        requestedBy: "console:alice",
        status,
        config: "",
        configSha256: "",
        baseSha256: "",
        diff: "",
        diffSha256: "",
        effects: sessionIds.map((id) => ({ kind: "ixp", id, onDeploy: "enabled", onRevert: "delete" })),
        expiresAt: new Date(Date.now() + 86_400_000),
      },
    });
  }

  it("announces the sessions a deployed change brought up, with both sides' addresses", async () => {
    const he = await db.prisma.autonomousSystem.findUniqueOrThrow({ where: { asn: 6939n } });
    const sessions = await db.prisma.ixpSession.findMany({
      where: { autonomousSystemId: he.id },
      orderBy: { id: "asc" },
    });
    const change = await deployedChange(
      "deployed",
      sessions.map((x) => x.id),
    );
    const c = await compose({ kind: "sessions_configured", peerAsn: 6939n, changeId: change.id });
    expect(c.kind).toBe("sessions_configured");
    expect(c.template).toBe("sessions-configured");
    expect(c.routerId).toBe(change.routerId);
    expect(c.ixpId).toBe(ixp["de-cix-frankfurt"]!.id);
    expect(c.subject).toBe(
      "BGP sessions configured: AS64500 peerbot demo network and AS6939 Hurricane Electric at DE-CIX Frankfurt",
    );
    expect(c.text).toContain("We have configured 2 BGP sessions with AS6939 on our side:");
    expect(c.text).toContain("  - DE-CIX Frankfurt, IPv4: AS64500 80.81.199.250 <-> AS6939 80.81.192.172\n");
    expect(c.text).toContain(
      "  - DE-CIX Frankfurt, IPv6: AS64500 2001:7f8::fbf4:0:1 <-> AS6939 2001:7f8::1b1b:0:1\n",
    );
    expect(c.details).toMatchObject({
      changeId: change.id,
      sessions: [{ id: sessions[0]!.id }, { id: sessions[1]!.id }],
    });
    const pending = await deployedChange("pending", [sessions[0]!.id]);
    expect(
      (await refused({ kind: "sessions_configured", peerAsn: 6939n, changeId: pending.id })).message,
    ).toBe(`Change #${pending.id} is not deployed (it is pending), so its sessions are not up to announce.`);
    expect((await refused({ kind: "sessions_configured", peerAsn: 6939n, changeId: 99_999 })).message).toBe(
      "There is no change #99999.",
    );
    expect(
      (await refused({ kind: "sessions_configured", peerAsn: 8075n, changeId: change.id })).message,
    ).toBe(`Change #${change.id} configured no session with AS8075 (Microsoft).`);
  });
});

describe("maintenance notices", () => {
  const inDays = (d: number, h = 0) => new Date(Date.now() + d * 86_400_000 + h * 3_600_000);

  it("makes one notice per AS with enabled sessions on the router, listing that AS's sessions, NOC first", async () => {
    const router = await db.prisma.router.findUniqueOrThrow({ where: { name: "edge1.lon" } });
    const before = await fingerprint(db);
    const start = new Date(Date.UTC(2031, 0, 15, 22, 0));
    const end = new Date(Date.UTC(2031, 0, 16, 1, 30));
    const r = await composeMaintenance(s, {
      scope: { routerId: router.id },
      window: { start, end, reason: "Line card\nreplacement" },
      requester,
    });
    expect(await fingerprint(db)).toBe(before);
    const by = Object.fromEntries(r.composed.map((c) => [String(c.peer.asn), c]));
    // Microsoft and Verizon at LINX have contacts; Google (LINX) and Deutsche Telekom (AMS-IX) do not.
    expect(Object.keys(by).sort()).toEqual(["702", "8075"]);
    expect(r.skipped.map((k) => [k.asn, k.reason])).toEqual(
      expect.arrayContaining([
        [15169n, "AS15169 (Google LLC) has no e-mail contact peerbot can write to."],
        [3320n, "AS3320 (Deutsche Telekom) has no e-mail contact peerbot can write to."],
      ]),
    );
    const ms = by["8075"]!;
    expect(ms.to).toEqual(["ioc@microsoft.com"]);
    // Verizon lists only a Policy contact: it still hears of the work.
    expect(by["702"]!.to).toEqual(["peering@verizon.com"]);
    expect(ms.routerId).toBe(router.id);
    expect(ms.subject).toBe(
      "Maintenance notice: AS64500 edge1.lon, 2031-01-15 22:00 UTC to 2031-01-16 01:30 UTC",
    );
    expect(ms.text).toContain("  Start:     2031-01-15 22:00 UTC (2031-01-15T22:00:00.000Z)\n");
    expect(ms.text).toContain("  Duration:  3 h 30 min\n  Reason:    Line card replacement\n");
    expect(ms.text).toContain("Your 2 BGP sessions with us may go down during the window:");
    expect(ms.text).toContain("  - LINX LON1, IPv4: AS64500 195.66.226.250 <-> AS8075 195.66.224.140\n");
    expect(ms.text).not.toContain("AS15169");
    expect(ms.details).toMatchObject({
      window: { start: "2031-01-15T22:00:00.000Z", end: "2031-01-16T01:30:00.000Z" },
      reason: "Line card replacement",
      scope: { kind: "router", id: router.id, name: "edge1.lon" },
    });
    expect((ms.details.sessions as unknown[]).length).toBe(2);
  });

  it("at an IXP, only the networks with sessions there", async () => {
    const r = await composeMaintenance(s, {
      scope: { ixpId: ixp["de-cix-frankfurt"]!.id },
      window: { start: inDays(3), end: inDays(3, 2), reason: "" },
      requester,
    });
    const asns = [...r.composed.map((c) => c.peer.asn), ...r.skipped.map((k) => k.asn)].sort();
    expect(asns).toEqual([13030n, 3303n, 6939n].sort());
    const he = r.composed.find((c) => c.peer.asn === 6939n)!;
    expect(he.to).toEqual(["noc@he.net"]);
    expect(he.ixpId).toBe(ixp["de-cix-frankfurt"]!.id);
    expect(he.text).toContain("on our connection to DE-CIX Frankfurt.");
    expect(he.text).not.toContain("Reason:");
  });

  it("refuses a window in the past or one that ends before it starts, and a place with no session", async () => {
    const router = await db.prisma.router.findUniqueOrThrow({ where: { name: "edge1.lon" } });
    const go = (
      start: Date,
      end: Date,
      scope: { routerId: number } | { ixpId: number } = { routerId: router.id },
    ) =>
      composeMaintenance(s, { scope, window: { start, end, reason: "x" }, requester }).then(
        () => null,
        (e: unknown) => e as UserError,
      );
    expect((await go(inDays(-2), inDays(-1)))?.message).toMatch(
      /^The maintenance would start in the past \(\d{4}-\d\d-\d\d \d\d:\d\d UTC\)\.$/,
    );
    expect((await go(inDays(2), inDays(1)))?.message).toMatch(
      /^The maintenance would end \(.*\) before it starts \(.*\)\.$/,
    );
    const empty = await db.prisma.internetExchange.create({
      data: {
        name: "Empty IX",
        slug: "empty-ix",
        localAsId: (await db.prisma.autonomousSystem.findUniqueOrThrow({ where: { asn: 64500n } })).id,
      },
    });
    try {
      expect((await go(inDays(1), inDays(1, 1), { ixpId: empty.id }))?.message).toBe(
        "There are no enabled sessions on Empty IX, so nobody needs to be told.",
      );
    } finally {
      await db.prisma.internetExchange.delete({ where: { id: empty.id } });
    }
  });

  it("composeEmail makes the notice for one network", async () => {
    const router = await db.prisma.router.findUniqueOrThrow({ where: { name: "edge1.lon" } });
    const c = await compose({
      kind: "maintenance",
      peerAsn: 8075n,
      maintenance: { start: inDays(1), end: inDays(1, 1), reason: "Software upgrade", routerId: router.id },
    });
    expect(c.kind).toBe("maintenance");
    expect(c.to).toEqual(["ioc@microsoft.com"]);
    expect(c.text).toContain("Reason:    Software upgrade");
    expect((await refused({ kind: "maintenance", peerAsn: 8075n })).message).toBe(
      "A maintenance notice needs its window.",
    );
  });
});

describe("bulk", () => {
  /** Every statement sent to PostgreSQL while `fn` runs (Prisma's and the pool's). */
  async function countQueries<T>(fn: () => Promise<T>): Promise<{ result: T; queries: number }> {
    const proto = pg.Client.prototype as unknown as { query: (...a: unknown[]) => unknown };
    const original = proto.query;
    let queries = 0;
    proto.query = function (this: unknown, ...a: unknown[]) {
      queries++;
      return original.apply(this, a);
    };
    try {
      return { result: await fn(), queries };
    } finally {
      proto.query = original;
    }
  }

  it("drafts one request per available network at LINX, skips the ones without a contact, in a fixed number of queries", async () => {
    const { rows } = await db.pool.query<{ asn: string }>(
      `select distinct asn::text as asn from pdb_netixlan where ixlan_id = $1 and status = 'ok' order by 1`,
      [ixp["linx-lon1"]!.ixlanId],
    );
    const all = rows.map((r) => BigInt(r.asn)).filter((a) => a !== 64500n);
    const before = await fingerprint(db);
    const few = await countQueries(() =>
      composeBulk(s, {
        kind: "peering_request",
        ixpId: ixp["linx-lon1"]!.id,
        peerAsns: all.slice(0, 3),
        requester,
      }),
    );
    const many = await countQueries(() =>
      composeBulk(s, { kind: "peering_request", ixpId: ixp["linx-lon1"]!.id, peerAsns: all, requester }),
    );
    expect(await fingerprint(db)).toBe(before);
    expect(many.queries).toBe(few.queries);
    const { composed, skipped } = many.result;
    expect(composed.length + skipped.length).toBe(all.length);
    const he = composed.find((c) => c.peer.asn === 6939n)!;
    expect(he.to).toEqual(["peering@he.net"]);
    expect(he.text).toContain("IPv4: AS64500 195.66.226.250 <-> AS6939 195.66.224.21");
    // The networks we peer with at LINX are skipped with the reason, as are those without a contact.
    expect(skipped.find((k) => k.asn === 8075n)?.reason).toBe(
      "We already have sessions with AS8075 (Microsoft) on every address at LINX LON1.",
    );
    expect(skipped.find((k) => k.asn === 6762n)?.reason).toBe(
      "AS6762 (Telecom Italia Sparkle) has no e-mail contact peerbot can write to.",
    );
    // The same request one at a time says the same.
    const one = await compose({ peerAsn: 6939n, ixpId: ixp["linx-lon1"]!.id });
    expect({ ...one }).toEqual({ ...he });
  });

  it("stops on an IXP where we have no usable connection", async () => {
    const conn = await db.prisma.connection.findFirstOrThrow({ where: { ixpId: ixp["ams-ix"]!.id } });
    await db.prisma.connection.update({ where: { id: conn.id }, data: { status: "maintenance" } });
    try {
      const e = await composeBulk(s, {
        kind: "peering_request",
        ixpId: ixp["ams-ix"]!.id,
        peerAsns: [6939n],
        requester,
      }).then(
        () => null,
        (x: unknown) => x as UserError,
      );
      expect(e?.message).toBe(
        "We have no enabled connection with a router at AMS-IX, so there is nothing to offer there.",
      );
    } finally {
      await db.prisma.connection.update({ where: { id: conn.id }, data: { status: "enabled" } });
    }
  });
});
