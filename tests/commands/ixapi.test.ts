// `ixapi` and the IX-API part of `ix` end to end: the real client (drivers/ixapi, undici) asks
// the fake IX-API v2 server on loopback (tests/fakes/ixapi.ts), peerbot stores the pass and joins
// it with our connections. Endpoints added (bad URL and typed secrets refused), linked,
// refreshed; discrepancies and route servers shown; Import connection once, by an admin only;
// a failed refresh keeps the last snapshot; outside text escaped; the refresh job.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { renderSlack } from "../../bot/slack/render.js";
import { buildRegistry } from "../../commands/index.js";
import { routeServersOf } from "../../core/ixapi/route-servers.js";
import { refreshAllSnapshots } from "../../core/ixapi/snapshot.js";
import type { IxApiPass } from "../../core/ixapi/port.js";
import { startFakeIxApi, type FakeIxApi } from "../fakes/ixapi.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { createFakeIxp, ixapiTestServices } from "../helpers/ixapi.js";
import { sayAs } from "../helpers/say.js";
import { fingerprint, type TestServices } from "../helpers/services.js";

let db: TestDatabase;
let fake: FakeIxApi;
let services: TestServices;
let ixpId: number;
const registry = buildRegistry();
const KEY_VAR = "PEERBOT_TEST_FAKEIX_KEY";
const SECRET_VAR = "PEERBOT_TEST_FAKEIX_SECRET";

const say = (user: string, text: string, action?: string) => sayAs(registry, services, user, text, action);
/** The whole reply as one string: title, text, rows, fields, context, button labels. */
const shown = (r: Awaited<ReturnType<typeof say>>) =>
  [
    r.reply.title ?? "",
    r.all,
    r.context,
    ...(r.reply.buttons ?? []).map((b) => `[${b.label}] ${b.actionId ?? ""}`),
  ].join("\n");

const importButtons = (r: Awaited<ReturnType<typeof say>>) =>
  (r.reply.buttons ?? []).filter((b) => b.actionId?.startsWith("ixapi.import:"));

beforeAll(async () => {
  db = await createTestDatabase(import.meta.filename);
  // Four configs on one exchange LAN (ns-1: PeeringDB ix 1000, 10.10.0.0/16, 2001:db8:1::/64):
  // nsc-1 port, nsc-2 dot1q 101, nsc-3 qinq 202/10, nsc-4 port; an IPv4, an IPv6 and a MAC each.
  fake = await startFakeIxApi({ generate: { configs: 4, ips: 8, macs: 4, services: 1 } });
  // The generator gives each config two IPs of one family; make the second one of the other.
  const second: Record<string, [4 | 6, string, number]> = {
    "ip-5": [6, "2001:db8:1::e", 64],
    "ip-6": [4, "10.10.0.15", 16],
    "ip-7": [6, "2001:db8:1::10", 64],
    "ip-8": [4, "10.10.0.17", 16],
  };
  for (const ip of fake.state.ips) {
    const to = second[ip.id];
    if (to) [ip.version, ip.address, ip.prefix_length] = to;
  }
  services = ixapiTestServices(db, fake, { keyVar: KEY_VAR, secretVar: SECRET_VAR });
  ixpId = await createFakeIxp(db);
  await db.prisma.connection.createMany({
    data: [
      // nsc-1 by IPv4; its MAC differs.
      {
        ixpId,
        name: "port-a",
        ipv4Address: "10.10.0.10/16",
        ipv6Address: "2001:db8:1::e/64",
        macAddress: "02:00:5e:00:00:99",
      },
      // nsc-2 by IPv6 only: our IPv4 is another.
      {
        ixpId,
        name: "port-b",
        ipv4Address: "10.10.0.99/16",
        ipv6Address: "2001:db8:1::b/64",
        vlan: 101,
        macAddress: "02:00:5e:00:00:01",
      },
      // nsc-4, with a VLAN the IXP does not have.
      {
        ixpId,
        name: "port-d",
        ipv4Address: "10.10.0.17/16",
        ipv6Address: "2001:db8:1::d/64",
        vlan: 300,
        macAddress: "02:00:5e:00:00:03",
      },
      // A connection the IXP has no config for.
      { ixpId, name: "port-old", ipv4Address: "10.10.0.50/16" },
    ],
  });
});

afterAll(async () => {
  await services?.queue.close?.();
  await fake?.close();
  await db?.drop();
});

beforeEach(() => fake.clearFaults());

describe("ixapi add", () => {
  it("refuses a URL that is not https (except on loopback) and changes nothing", async () => {
    const before = await fingerprint(db);
    for (const [url, why] of [
      ["http://api.example-ix.net/api/v2", /must use https/],
      ["ftp://127.0.0.1/api/v2", /must use https/],
      ["notaurl", /is not a URL/],
      ["https://user:pw@api.example-ix.net/api/v2", /must not carry a user or password/],
      ["https://api.example-ix.net/api/v2?token=x", /without a query/],
    ] as const) {
      const r = await say("admin", `ixapi add bad ${url} key-env ${KEY_VAR} secret-env ${SECRET_VAR}`);
      expect(r.outcome, url).toBe("user_error");
      expect(r.text, url).toMatch(why);
      expect(
        r.text
          .split("\n")[0]!
          .replace(/e\.g\. /g, "")
          .match(/[.!?](\s|$)/g)?.length,
        r.text,
      ).toBe(1);
    }
    expect(await fingerprint(db)).toBe(before);
  });

  it("refuses a key or secret typed into chat, without repeating it, and changes nothing", async () => {
    const before = await fingerprint(db);
    for (const line of [
      `ixapi add fake ${fake.url} key ${fake.apiKey} secret ${fake.apiSecret}`,
      `ixapi add fake ${fake.url} key-env ${KEY_VAR} secret ${fake.apiSecret}`,
      `ixapi add fake ${fake.url} api-key ${fake.apiKey} secret-env ${SECRET_VAR}`,
      `ixapi add fake ${fake.url} key-env ${KEY_VAR} secret-env ${SECRET_VAR} secret=${fake.apiSecret}`,
    ]) {
      const r = await say("admin", line);
      expect(r.outcome, line).toBe("user_error");
      expect(r.text).toMatch(/^peerbot never takes an IX-API key or secret typed into chat: .*key-env <VAR>/);
      expect(JSON.stringify(r.reply)).not.toContain(fake.apiSecret);
      expect(JSON.stringify(r.reply)).not.toContain(fake.apiKey);
    }
    // A value that is no variable name (a pasted key) is refused without being echoed.
    const r = await say("admin", `ixapi add fake ${fake.url} key-env ${KEY_VAR} secret-env s3cr3t-VALUE/x`);
    expect(r.text).toMatch(/The secret-env value is not an environment variable name/);
    expect(r.text).not.toContain("s3cr3t-VALUE");
    expect(await fingerprint(db)).toBe(before);
    // The audit log kept no typed secret either (dispatch masks the word after key/secret).
    const audit = await db.prisma.auditEvent.findMany({ where: { command: "ixapi" } });
    expect(JSON.stringify(audit, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v))).not.toContain(
      fake.apiSecret,
    );
  });

  it("is for admins", async () => {
    const r = await say("alice", `ixapi add fake ${fake.url} key-env ${KEY_VAR} secret-env ${SECRET_VAR}`);
    expect(r.outcome).toBe("denied");
  });

  it("adds an endpoint on loopback http with its variables' names, and records it", async () => {
    const r = await say(
      "admin",
      `ixapi add fake ${fake.url}/ key-env ${KEY_VAR} secret-env ${SECRET_VAR} account ${fake.state.accountId}`,
    );
    expect(r.outcome, r.text).toBe("ok");
    expect(r.text).toContain(`IX-API endpoint fake added (${fake.url})`);
    const row = await db.prisma.ixApiEndpoint.findUniqueOrThrow({ where: { name: "fake" } });
    expect(row).toMatchObject({ url: fake.url, keyEnv: KEY_VAR, secretEnv: SECRET_VAR, keyEnc: null });
    const history = await db.prisma.objectChange.findMany({ where: { objectType: "ixapi-endpoint" } });
    expect(history.map((h) => h.action)).toEqual(["create"]);
    const again = await say(
      "admin",
      `ixapi add fake ${fake.url} key-env ${KEY_VAR} secret-env ${SECRET_VAR}`,
    );
    expect(again.text).toMatch(/already an IX-API endpoint called fake/);
    const list = await say("alice", "ixapi list");
    expect(list.rows.join("\n")).toMatch(
      new RegExp(`^fake \\| ${fake.url} \\| \\$${KEY_VAR} \\(not set\\)`, "m"),
    );
  });
});

describe("ixapi link and refresh", () => {
  it("links an IXP to the endpoint, with a history row", async () => {
    const r = await say("admin", "ixapi link Fake IX fake");
    expect(r.outcome, r.text).toBe("ok");
    expect(r.text).toMatch(/Fake IX is linked to IX-API endpoint fake, its exchange-LAN service found by/);
    const x = await db.prisma.internetExchange.findUniqueOrThrow({ where: { id: ixpId } });
    expect(x.ixapiEndpointId).not.toBeNull();
    expect((await say("admin", "ixapi link fake-ix fake")).text).toMatch(/already\.$/);
    const rows = await db.prisma.objectChange.findMany({
      where: { objectType: "ixp", objectId: String(ixpId) },
    });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.after).toMatchObject({ ixapiEndpointId: x.ixapiEndpointId, ixapiServiceId: "" });
    const unknown = await say("admin", "ixapi link fake-ix nowhere");
    expect(unknown.text).toMatch(/There is no IX-API endpoint called "nowhere"/);
  });

  it("shows that nothing was fetched yet", async () => {
    const r = await say("carol", "ix fake-ix");
    expect(shown(r)).toMatch(/IX-API: fake: not fetched yet; `ixapi refresh fake` fetches it\./);
  });

  it("refreshes by IXP name: the pass stored as an IxApiPass, with its request count", async () => {
    fake.resetCounts();
    const r = await say("alice", "ixapi refresh fake-ix");
    expect(r.outcome, r.text).toBe("ok");
    expect(r.reply.kind).toBe("success");
    expect(r.text).toMatch(
      /^IX-API snapshot of fake refreshed: 4 configs, 1 network service, 2 features \(2 route servers\), 8 IPs, 4 MACs in \d+ requests\.$/,
    );
    const n = Number(/in (\d+) requests/.exec(r.text)![1]);
    expect(n).toBe(fake.counts.requests);
    const snap = await db.prisma.ixApiSnapshot.findFirstOrThrow();
    const data = snap.data as unknown as IxApiPass;
    expect(data.configs.map((c) => c.id).sort()).toEqual(["nsc-1", "nsc-2", "nsc-3", "nsc-4"]);
    expect(data.accountId).toBe(fake.state.accountId);
    expect(snap.requests).toBe(n);
    expect(snap.error).toBe("");
    expect(snap.fetchedAt).toBeInstanceOf(Date);
  });
});

describe("ix <name> with IX-API", () => {
  it("shows each config with its discrepancies, the connection the IXP lacks, and the route servers", async () => {
    const r = await say("carol", "ix fake-ix");
    expect(r.outcome, r.text).toBe("ok");
    const text = shown(r);
    expect(text).toMatch(
      /fake: fetched \d{4}-\d\d-\d\d \d\d:\d\d UTC \(less than a minute ago\), \d+ requests\./,
    );
    expect(text).toMatch(
      /Exchange LAN: FAKE-IX LAN 1 \(ns-1\), found by PeeringDB ix id; ⚠ 5 discrepancies\./,
    );
    // nsc-1 by IPv4, with its MAC.
    expect(text).toMatch(
      /nsc-1 · production · untagged · 10\.10\.0\.10\/16, 2001:db8:1::e\/64 · 02:00:5e:00:00:00 · → connection #\d+ \(by IPv4\)\n {2}⚠ MAC: the IXP has 02:00:5e:00:00:00; we record 02:00:5e:00:00:99\./,
    );
    // nsc-2 by IPv6 only: the IPv4 differs.
    expect(text).toMatch(
      /nsc-2 · production · dot1q 101 · .* → connection #\d+ \(by IPv6\)\n {2}⚠ IPv4: the IXP has 10\.10\.0\.15\/16; we have 10\.10\.0\.99\/16\./,
    );
    expect(text).toMatch(
      /nsc-3 · production · qinq 202\/10 · .* → no connection of ours\n {2}⚠ We have no connection/,
    );
    expect(text).toMatch(/nsc-4 .*\n {2}⚠ VLAN: untagged at the IXP; VLAN 300 here\./);
    expect(text).toMatch(/⚠ Connection #\d+ \(10\.10\.0\.50\) has no config at the IXP\./);
    expect(text).toContain(
      "AS64500 rs1.lan1.fake-ix.net · 10.10.0.1, 2001:db8:1::1 · af_inet/af_inet6 · public sessions",
    );
    expect(text).toContain("AS64500 rs2.lan1.fake-ix.net");
    // A viewer gets no Import button; an admin does, for the config we lack only.
    expect(importButtons(r)).toEqual([]);
    const asAdmin = await say("admin", "ix fake-ix");
    expect(importButtons(asAdmin).map((b) => b.actionId)).toEqual([`ixapi.import:${ixpId}:nsc-3`]);
  });

  it("gives `peer rs` the route servers of the pass it stored, with the IX-API's ASN and addresses", async () => {
    const ixp = await db.prisma.internetExchange.findUniqueOrThrow({ where: { id: ixpId } });
    const rs = await routeServersOf(db, ixp);
    expect(rs.map((r) => [r.source, r.asn, r.fqdn, r.addresses.join(" ")])).toEqual([
      ["ix-api", 64500, "rs1.lan1.fake-ix.net", "10.10.0.1 2001:db8:1::1"],
      ["ix-api", 64500, "rs2.lan1.fake-ix.net", "10.10.0.2 2001:db8:1::2"],
    ]);
  });

  it("finds the service by subnet when the IXP has no PeeringDB id", async () => {
    await db.prisma.internetExchange.update({ where: { id: ixpId }, data: { peeringdbIxId: null } });
    try {
      const r = await say("carol", "ix fake-ix");
      expect(shown(r)).toMatch(/Exchange LAN: FAKE-IX LAN 1 \(ns-1\), found by subnet/);
    } finally {
      await db.prisma.internetExchange.update({ where: { id: ixpId }, data: { peeringdbIxId: 1000 } });
    }
  });
});

describe("Import connection", () => {
  it("is refused to a non-admin press, and changes nothing", async () => {
    const before = await fingerprint(db);
    for (const user of ["carol", "alice", "bob"]) {
      const r = await say(user, "", `ixapi.import:${ixpId}:nsc-3`);
      expect(r.outcome, user).toBe("denied");
      expect(r.text).toMatch(/You need the admin role to import a connection from IX-API/);
    }
    expect(await fingerprint(db)).toBe(before);
  });

  it("refuses a stale or forged button in one sentence", async () => {
    for (const action of [`ixapi.import:${ixpId}:nsc-99`, "ixapi.import:999999:nsc-3", "ixapi.import:x"]) {
      const r = await say("admin", "", action);
      expect(r.outcome, action).toBe("user_error");
    }
  });

  it("creates the connection once: addresses, VLAN, MAC, speed, config id, no router; history rows", async () => {
    await db.prisma.connection.count({ where: { ixpId } });
    fake.mutateConfig("nsc-3", (c) => {
      c.capacity = 10_000;
    });
    expect((await say("alice", "ixapi refresh fake")).reply.kind).toBe("success");
    const r = await say("admin", "", `ixapi.import:${ixpId}:nsc-3`);
    expect(r.outcome, r.text).toBe("ok");
    expect(r.text).toMatch(
      /^Connection #(\d+) \(10\.10\.0\.12\/16, 2001:db8:1::10\/64\) at Fake IX imported from IX-API config nsc-3; it has no router yet\./,
    );
    const c = await db.prisma.connection.findFirstOrThrow({ where: { ixapiConfigId: "nsc-3" } });
    expect(c).toMatchObject({
      ixpId,
      routerId: null,
      ipv4Address: "10.10.0.12/16",
      ipv6Address: "2001:db8:1::10/64",
      vlan: 202,
      macAddress: "02:00:5e:00:00:02",
      speed: 10_000,
    });
    const history = await db.prisma.objectChange.findMany({
      where: { objectType: "connection", objectId: String(c.id) },
      orderBy: { id: "asc" },
    });
    expect(history.map((h) => h.action)).toEqual(["create", "update"]);
    expect(history[0]!.actor).toBe("console:admin");

    const again = await say("admin", "", `ixapi.import:${ixpId}:nsc-3`);
    expect(again.outcome).toBe("ok");
    expect(again.text).toMatch(new RegExp(`^Connection #${c.id} .* exists already for IX-API config nsc-3`));
    expect(await db.prisma.connection.count({ where: { ixapiConfigId: "nsc-3" } })).toBe(1);
    // Two presses at once: still one.
    await db.prisma.connection.delete({ where: { id: c.id } });
    await Promise.all([1, 2].map(() => say("admin", "", `ixapi.import:${ixpId}:nsc-3`)));
    expect(await db.prisma.connection.count({ where: { ixapiConfigId: "nsc-3" } })).toBe(1);
    const view = await say("admin", "ix fake-ix");
    expect(shown(view)).toMatch(/nsc-3 · .* → connection #\d+\n/);
    expect(importButtons(view)).toEqual([]);
  });
});

describe("a failed refresh", () => {
  it("keeps the last good snapshot and shows the error, in one sentence", async () => {
    const before = await db.prisma.ixApiSnapshot.findFirstOrThrow();
    fake.setFault({ kind: "status", status: 500, times: 1000 });
    const r = await say("alice", "ixapi refresh fake");
    fake.clearFaults();
    expect(r.outcome, r.text).toBe("ok");
    expect(r.reply.kind).toBe("error");
    expect(r.text).toMatch(/^IX-API refresh of fake failed: .*500/);
    expect(r.text.split("\n")).toHaveLength(1);
    const after = await db.prisma.ixApiSnapshot.findFirstOrThrow();
    expect(after.data).toEqual(before.data);
    expect(after.fetchedAt).toEqual(before.fetchedAt);
    expect(after.error).toMatch(/500/);
    expect(after.errorAt).toBeInstanceOf(Date);
    const ix = await say("carol", "ix fake-ix");
    const text = shown(ix);
    expect(text).toMatch(
      /⚠ The last refresh failed at .* UTC: .*500.* The snapshot shown is the last good one\./,
    );
    expect(text).toContain("nsc-1 · production");
    for (const s of [fake.apiKey, fake.apiSecret, ...fake.issuedTokens])
      expect(JSON.stringify([r.reply, ix.reply, after.error])).not.toContain(s);
    // The next good pass clears the error.
    expect((await say("alice", "ixapi refresh fake")).reply.kind).toBe("success");
    expect((await db.prisma.ixApiSnapshot.findFirstOrThrow()).error).toBe("");
  });
});

describe("text from the IX-API", () => {
  it("is escaped and kept on one line in the reply", async () => {
    const rs = fake.state.features[0]!;
    const service = fake.state.services[0]!;
    const [fqdn, name] = [rs.fqdn, service.name];
    rs.fqdn = "<!channel> *rs1*\n\u001b[31mevil\u0007.example";
    service.name = "LAN `x` <@U123>\r\n@everyone \u202eRTL";
    try {
      expect((await say("alice", "ixapi refresh fake")).reply.kind).toBe("success");
      const r = await say("carol", "ix fake-ix");
      const text = shown(r);
      expect(text).toContain("<!channel> *rs1* [31mevil .example");
      expect(text).toContain("Exchange LAN: LAN `x` <@U123> @everyone RTL (ns-1)");
      expect(JSON.stringify(r.reply)).not.toMatch(/\\u001b|\\u0007|\\u202e|\\r/);
      const slack = JSON.stringify(renderSlack(r.reply));
      expect(slack).not.toContain("<!channel>");
      expect(slack).not.toContain("<@U123>");
      expect(slack).toContain("&lt;!channel&gt;");
    } finally {
      rs.fqdn = fqdn;
      service.name = name;
    }
  });
});

describe("the refresh of every endpoint", () => {
  it("runs as the ixapi-refresh job (`ixapi refresh all`), one at a time", async () => {
    expect((await say("alice", "ixapi refresh all")).outcome).toBe("denied");
    const t0 = (await db.prisma.ixApiSnapshot.findFirstOrThrow()).fetchedAt!;
    await new Promise((r) => setTimeout(r, 5));
    const r = await say("admin", "ixapi refresh all");
    expect(r.outcome, r.text).toBe("ok");
    expect(r.text).toMatch(/IX-API refresh of every endpoint queued/);
    const t1 = (await db.prisma.ixApiSnapshot.findFirstOrThrow()).fetchedAt!;
    expect(t1.getTime()).toBeGreaterThan(t0.getTime());
    // While one runs, another is skipped.
    const [a, b] = await Promise.all([refreshAllSnapshots(services), refreshAllSnapshots(services)]);
    expect([a.skipped, b.skipped].filter(Boolean)).toEqual(["another IX-API refresh is running"]);
    expect([a, b].find((x) => !x.skipped)).toMatchObject({ endpoints: 1, ok: 1, failed: 0 });
  });
});

describe("objects that fail validation", () => {
  it("are left out of the pass, and the refresh says so", async () => {
    fake.injectRaw("macs", { id: "mac-bad", address: "not a mac\n<!here>" });
    try {
      const r = await say("alice", "ixapi refresh fake");
      expect(r.reply.kind, r.text).toBe("warning");
      expect(r.text).toMatch(
        /4 MACs in \d+ requests\.\n⚠ 1 object the exchange sent failed validation and was left out: .*mac-bad/,
      );
      expect(r.text.split("\n")).toHaveLength(2);
    } finally {
      fake.state.raw.macs.length = 0;
    }
  });
});

describe("ixapi remove", () => {
  it("removes the endpoint with its snapshot and unlinks its IXP", async () => {
    expect((await say("alice", "ixapi remove fake")).outcome).toBe("denied");
    const r = await say("admin", "ixapi remove fake");
    expect(r.outcome, r.text).toBe("ok");
    expect(r.text).toBe("IX-API endpoint fake removed with its snapshot; 1 IXP unlinked.");
    expect(await db.prisma.ixApiSnapshot.count()).toBe(0);
    const x = await db.prisma.internetExchange.findUniqueOrThrow({ where: { id: ixpId } });
    expect([x.ixapiEndpointId, x.ixapiServiceId]).toEqual([null, ""]);
    expect(shown(await say("carol", "ix fake-ix"))).not.toContain("IX-API");
  });

  it("is listed by help", async () => {
    const r = await say("carol", "help");
    expect(
      r.rows.some((row) => row.startsWith("ixapi add <name> <url> [key-env <VAR> secret-env <VAR>]")),
    ).toBe(true);
  });
});
