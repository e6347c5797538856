// `peerbot import peering-manager` against a fake Peering Manager on loopback that answers with
// the real JSON shapes and pagination: what comes in, per type; what does not, in one sentence
// each; a second run and a dry run change nothing; the token never shows; a bad token and an
// unreachable instance are one sentence; and a router's rendered configuration after the import
// is the one made by hand from the same data.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { importSubcommand } from "../../bot/cli-import.js";
import { newSecretKey, type SecretBox } from "../../core/crypto.js";
import { diffConfigs } from "../../core/diff.js";
import { loadEmailTemplate } from "../../core/email/templates.js";
import { applySnapshot, importPeeringManager } from "../../core/migrate/peering-manager/import.js";
import { readSnapshot, type PmSnapshot } from "../../core/migrate/peering-manager/source.js";
import { formatSummary, type ImportSummary } from "../../core/migrate/peering-manager/summary.js";
import { renderRouterConfig } from "../../core/render/index.js";
import { PeeringManagerClient, PeeringManagerError } from "../../drivers/peering-manager/client.js";
import { FakePeeringManager } from "../fakes/peering-manager.js";
import { runPeerbot, type CliResult } from "../helpers/cli.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { fingerprint, testConfig, testServices, type TestServices } from "../helpers/services.js";
import { buildByHand } from "./fixtures/by-hand.js";
import { network, TOKEN } from "./fixtures/network.js";

let fake: FakePeeringManager;
let db: TestDatabase;
let s: TestServices;
let box: SecretBox;
let tmp: string;
let first: ImportSummary;

const client = (opts: { token?: string; url?: string } = {}) =>
  new PeeringManagerClient({
    baseUrl: opts.url ?? fake.url,
    token: opts.token ?? TOKEN,
    logger: s.log,
    backoffMs: 10,
    timeoutMs: 5000,
  });

async function runImport(opts: { dryRun?: boolean; into?: TestDatabase; secrets?: SecretBox | null } = {}) {
  const c = client();
  try {
    return await importPeeringManager(opts.into ?? db, c, {
      dryRun: opts.dryRun,
      actor: "cli:tester",
      actorName: "tester",
      secrets: opts.secrets === null ? undefined : (opts.secrets ?? box),
      templatesDir: tmp,
      templatesDirInUse: true,
    });
  } finally {
    await c.close();
  }
}

const counts = (sum: ImportSummary) =>
  Object.fromEntries(
    Object.entries(sum.counts).map(([k, c]) => [k, [c.created, c.updated, c.unchanged, c.skipped]]),
  );

beforeAll(async () => {
  fake = await FakePeeringManager.start({ token: TOKEN, data: network, maxPageSize: 4 });
  db = await createTestDatabase(import.meta.filename);
  s = testServices(db);
  box = s.secrets!;
  tmp = mkdtempSync(path.join(os.tmpdir(), "peerbot-pm-"));
});
afterAll(async () => {
  await fake?.close();
  await db?.drop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe("import peering-manager", () => {
  it("--dry-run prints the summary and changes nothing", async () => {
    const before = await fingerprint(db);
    const sum = await runImport({ dryRun: true });
    expect(await fingerprint(db)).toBe(before);
    expect(sum.counts.as.created).toBe(12);
    expect(sum.counts["ixp-session"].created).toBe(15);
    expect(sum.files).toEqual([path.join(tmp, "email", "peering-request.txt.hbs")]);
    expect(existsSync(path.join(tmp, "email"))).toBe(false);
    const text = formatSummary(sum);
    expect(text).toMatch(/^Dry run: Peering Manager 1\.11\.0 at 127\.0\.0\.1:\d+, read in \d+ requests\.$/m);
    expect(text).toMatch(/Dry run: nothing was changed \(\d+ objects would be created or updated\)\.$/);
  });

  it("brings in every type, with a summary per type and one sentence per thing it could not map", async () => {
    fake.requests.length = 0;
    first = await runImport();
    //                         created updated unchanged skipped
    expect(counts(first)).toEqual({
      as: [12, 0, 0, 0],
      ixp: [2, 0, 0, 0],
      router: [2, 0, 0, 1],
      connection: [3, 0, 0, 0],
      group: [2, 0, 0, 0],
      policy: [6, 0, 0, 0],
      community: [6, 0, 0, 1],
      "ixp-session": [15, 0, 0, 0],
      "direct-session": [6, 0, 0, 0],
      contact: [4, 0, 0, 2],
      "email-template": [1, 0, 0, 2],
    });
    const p = db.prisma;
    expect(await p.autonomousSystem.count()).toBe(12);
    expect(await p.ixpSession.count()).toBe(15);
    expect(await p.directSession.count()).toBe(6);
    expect(await p.community.count()).toBe(6);

    const text = formatSummary(first);
    for (const sentence of [
      /- Router edge3\.par was not brought in: the platform "Cisco IOS" \(NAPALM driver ios\) has no peerbot driver \(peerbot drives Junos, IOS-XR, EOS, BIRD 2 and FRR\); its connections and direct sessions come in without a router/,
      /- Community Bogus: "not:a:community:x" is not a valid standard community, so it was not brought in\./,
      /- Customer routes has no type in Peering Manager and came in as ingress/,
      /- Large tag is both ingress and egress in Peering Manager; peerbot keeps one community per direction/,
      /- peerbot's routing policies carry no communities: the communities of transit-out were not attached to them/,
      /- AMS-IX on edge3\.par Gi0\/1 came in without a router, because its router was not brought in\./,
      /- The direct session AS3356 4\.68\.2\.1 came in without a router/,
      /- Peering Manager's Jinja2 configuration templates are not brought in \(edge1\.lon \(Junos peering\)\)/,
      /- peerbot attaches no communities to routers: the router communities of edge1\.ams were left out/,
      /- peerbot keeps contacts per autonomous system only: LINX Support \(peering\.internetexchange\) was left out\./,
      /- The contact Nobody has no e-mail address peerbot can write to \("not-an-email"\) and no phone number, so it was not brought in\./,
      /- The e-mail template "Sessions configured" was not brought in: \{% for %\} over "for s in autonomous_system \| missing_sessions\(local_as\)" has no Handlebars counterpart/,
      /- "Welcome" is an e-mail template with no peerbot counterpart/,
    ])
      expect(text).toMatch(sentence);
    // Every note is one sentence on one line.
    for (const n of first.notes) expect(n).toMatch(/^[^\n]+[.)]$/);
    expect(text).toContain("peerbot secret set router edge1.lon");
    expect(text).toContain("peerbot secret set router edge1.ams");
    expect(text).toMatch(
      /^Imported: 59 created, 0 updated; `history` shows each change \(via peering-manager\)\.$/m,
    );

    // Lists span pages, and every request carried the token.
    const sessionsPages = fake.requests.filter(
      (r) => r.path === "/api/peering/internet-exchange-peering-sessions/",
    );
    expect(sessionsPages.map((r) => r.query.offset)).toEqual(["0", "4", "8", "12"]);
    expect(sessionsPages[0]!.query.fields).toContain("ip_address");
    expect(fake.requests.every((r) => r.authorization === `Token ${TOKEN}`)).toBe(true);
    expect(first.requests).toBe(fake.requests.length);
  });

  it("maps the objects as a network engineer would expect", async () => {
    const p = db.prisma;
    const lon = await p.router.findUniqueOrThrow({
      where: { name: "edge1.lon" },
      include: { localAs: true },
    });
    expect(lon).toMatchObject({
      platform: "junos",
      hostname: "edge1.lon.example.net",
      port: 22,
      username: "peerbot",
    });
    expect(lon.localAs.asn).toBe(64500n);
    expect([lon.passwordEnc, lon.privateKeyEnc, lon.credentialEnv]).toEqual([null, null, ""]);
    expect((await p.router.findUniqueOrThrow({ where: { name: "edge1.ams" } })).platform).toBe("bird2");
    expect(await p.router.findUnique({ where: { name: "edge3.par" } })).toBeNull();

    const linx = await p.internetExchange.findUniqueOrThrow({ where: { slug: "linx-lon1" } });
    expect(linx).toMatchObject({ peeringdbIxlanId: 18, prefixes: ["195.66.224.0/22", "2001:7f8:4::/64"] });
    const conn = await p.connection.findUniqueOrThrow({ where: { peeringdbNetixlanId: 10001 } });
    expect(conn).toMatchObject({
      ipv4Address: "195.66.224.10/22",
      ipv6Address: "2001:7f8:4::fc00:1/64",
      macAddress: "00:1b:21:3a:4c:5d",
    });

    const he = await p.ixpSession.findFirstOrThrow({ where: { ipAddress: "195.66.224.21" } });
    expect(he.passwordEnc).toMatch(/^v1:/);
    expect(box.decrypt(he.passwordEnc!)).toBe("s3cret-HE");
    const statuses = await p.ixpSession.findMany({ orderBy: { id: "asc" }, select: { status: true } });
    expect(statuses.map((x) => x.status)).toEqual([
      "enabled",
      "enabled",
      "enabled",
      "maintenance",
      "enabled",
      "enabled",
      "disabled",
      "enabled",
      "requested",
      "decommissioned",
      "provisioning",
      "enabled",
      "enabled",
      "maintenance",
      "enabled",
    ]);
    const rs = await p.ixpSession.findFirstOrThrow({ where: { ipAddress: "195.66.225.222" } });
    expect(rs).toMatchObject({ isRouteServer: true, bfd: true });

    const cogent = await p.directSession.findFirstOrThrow({
      where: { ipAddress: "38.1.1.1" },
      include: { bgpGroup: true, router: true },
    });
    expect(cogent).toMatchObject({
      relationship: "transit_provider",
      localIpAddress: "38.1.1.2",
      localAsn: null,
    });
    expect(cogent.bgpGroup?.slug).toBe("transit");
    expect(cogent.router?.name).toBe("edge1.lon");
    const lumen = await p.directSession.findFirstOrThrow({ where: { ipAddress: "4.68.1.1" } });
    expect(lumen).toMatchObject({ multihopTtl: 2, bfd: true });
    const pni = await p.directSession.findFirstOrThrow({
      where: { ipAddress: "10.10.10.1" },
      include: { importPolicies: true },
    });
    expect(pni.relationship).toBe("private_peering");
    expect(pni.importPolicies.map((x) => x.slug)).toEqual(["peering-in"]);
    expect(pni.comments).toBe("Service reference: PNI-GOOGLE-AMS-1");

    const large = await p.community.findMany({ where: { value: "64500:1:2" }, orderBy: { id: "asc" } });
    expect(large.map((c) => [c.slug, c.kind, c.direction])).toEqual([
      ["large-tag", "large", "ingress"],
      ["large-tag-egress", "large", "egress"],
    ]);
    const heAs = await p.autonomousSystem.findUniqueOrThrow({
      where: { asn: 6939n },
      include: { communities: true, importPolicies: true },
    });
    expect(heAs.communities.map((c) => c.slug).sort()).toEqual(["large-tag", "large-tag-egress"]);
    expect(heAs.importPolicies.map((x) => x.slug)).toEqual(["v6-strict-in"]);
    expect(heAs).toMatchObject({ irrAsSet: "AS-HURRICANE", ipv4MaxPrefixes: 150000, syncName: true });
    expect((await p.autonomousSystem.findUniqueOrThrow({ where: { asn: 64500n } })).affiliated).toBe(true);

    const contacts = await p.contact.findMany({
      orderBy: { id: "asc" },
      include: { autonomousSystem: true },
    });
    expect(contacts.map((c) => [Number(c.autonomousSystem.asn), c.role, c.email])).toEqual([
      [64500, "noc", "noc@example.net"],
      [6939, "policy", "peering@he.net"],
      [13335, "technical", "peering@cloudflare.com"],
      [13335, "policy", "peering@cloudflare.com"],
    ]);

    // Objects are keyed by their Peering Manager id.
    const refs = await p.externalRef.findMany({ where: { objectType: "ixp-session" } });
    expect(refs).toHaveLength(15);
    expect(refs[0]!.source).toMatch(/^peering-manager:127\.0\.0\.1:\d+$/);

    // The e-mail template override, in Handlebars.
    const tpl = readFileSync(path.join(tmp, "email", "peering-request.txt.hbs"), "utf8");
    expect(tpl).toContain("subject: Peering request: AS{{local.asn}} and AS{{peer.asn}}");
    expect(tpl).toContain("Dear {{peer.name}},");
    expect(tpl).toContain(
      'IXPs:{{#each sharedIxps}}\n  - {{name}}: {{join ours.ipv6 ", "}} {{join ours.ipv4 ", "}}{{/each}}\n{{#if',
    );
    expect(tpl).toContain("{{#if peer.irrAsSet}}We will filter on {{peer.irrAsSet}}.{{/if}}");
    expect(tpl).not.toContain("{%");
    // ... that peerbot's e-mail templates load and render.
    const loaded = loadEmailTemplate("peering-request", tmp);
    expect(loaded.label).toBe("override/peering-request");
    const mail = loaded.render({
      local: { asn: 64500, name: "Example Networks" },
      peer: { asn: 6939, name: "Hurricane Electric", irrAsSet: "AS-HURRICANE" },
      sharedIxps: [{ name: "LINX LON1", ours: { ipv4: ["195.66.224.10"], ipv6: ["2001:7f8:4::fc00:1"] } }],
    });
    expect(mail.subject).toBe("Peering request: AS64500 and AS6939");
    expect(mail.text).toContain("Dear Hurricane Electric,");
    expect(mail.text).toContain(
      "IXPs:\n  - LINX LON1: 2001:7f8:4::fc00:1 195.66.224.10\nWe will filter on AS-HURRICANE.",
    );
  });

  it("records every object in the history via peering-manager, secrets masked", async () => {
    const rows = await db.prisma.objectChange.findMany({ where: { via: "peering-manager" } });
    // Every object but the e-mail template, which is a file.
    expect(rows).toHaveLength(58);
    expect(new Set(rows.map((r) => r.requestId)).size).toBe(1);
    expect(rows.every((r) => r.actor === "cli:tester" && r.action === "create")).toBe(true);
    const heRow = rows.find(
      (r) => r.objectType === "ixp-session" && r.objectRepr === "LINX LON1 195.66.224.21",
    );
    expect((heRow!.after as Record<string, unknown>).password).toBe("(set)");
    const all = JSON.stringify(rows.map((r) => [r.before, r.after]));
    for (const secret of ["s3cret-HE", "tr4nsit-pw", "n4palm-Secret!", TOKEN])
      expect(all).not.toContain(secret);
  });

  it("never shows the token or a password: not in the summary, the log or the database", async () => {
    const text = formatSummary(first);
    const logs = s.logLines.join("\n");
    for (const secret of [TOKEN, "s3cret-HE", "tr4nsit-pw", "n4palm-Secret!"]) {
      expect(text).not.toContain(secret);
      expect(logs).not.toContain(secret);
    }
    const dump = await fingerprintText(db);
    expect(dump).not.toContain("n4palm");
    expect(dump).not.toContain("s3cret-HE");
  });

  it("a second run changes nothing and says so", async () => {
    const before = await fingerprint(db);
    const again = await runImport();
    expect(await fingerprint(db)).toBe(before);
    expect(again.changed).toBe(0);
    expect(again.counts["ixp-session"]).toEqual({ created: 0, updated: 0, unchanged: 15, skipped: 0 });
    expect(formatSummary(again)).toMatch(
      /Nothing to change: peerbot already has everything \(\d+ objects unchanged\)\.$/,
    );
  });

  it("a change in Peering Manager comes in as an update, with its before and after", async () => {
    const asTable = fake.table("peering/autonomous-systems");
    const cf = asTable.find((r) => r.asn === 13335)!;
    cf.name = "Cloudflare";
    cf.ipv4_max_prefixes = 2500;
    const sess = fake.table("peering/internet-exchange-peering-sessions").find((r) => r.id === 3)!;
    sess.status = { value: "disabled", label: "Disabled" };
    const sum = await runImport();
    expect(sum.counts.as).toEqual({ created: 0, updated: 1, unchanged: 11, skipped: 0 });
    expect(sum.counts["ixp-session"].updated).toBe(1);
    const row = await db.prisma.objectChange.findFirstOrThrow({
      where: { objectType: "as", objectRepr: "AS13335", action: "update" },
    });
    expect(row.before).toMatchObject({ name: "Cloudflare, Inc.", ipv4MaxPrefixes: 2000 });
    expect(row.after).toMatchObject({ name: "Cloudflare", ipv4MaxPrefixes: 2500 });
    cf.name = "Cloudflare, Inc.";
    cf.ipv4_max_prefixes = 2000;
    sess.status = { value: "enabled", label: "Enabled" };
    const back = await runImport();
    expect(back.changed).toBe(2);
  });

  it("an object gone from Peering Manager is left in peerbot, and said so", async () => {
    const sessions = fake.table("peering/internet-exchange-peering-sessions");
    const at = sessions.findIndex((r) => r.id === 10);
    const [gone] = sessions.splice(at, 1);
    try {
      const before = await fingerprint(db);
      const sum = await runImport();
      expect(await fingerprint(db)).toBe(before);
      expect(sum.notes).toContain(
        "1 IXP session imported earlier from this instance is no longer in Peering Manager; peerbot left it as it is (remove what you no longer want by hand).",
      );
    } finally {
      sessions.splice(at, 0, gone!);
    }
  });

  it("a router's rendered configuration after the import is the one made by hand from the same data", async () => {
    // Two fresh databases, so that both hand out the same ids (BIRD's protocol names carry the
    // session's id; a dry run, like any rolled-back insert, moves PostgreSQL's sequences on).
    const [imported, hand] = await Promise.all([
      createTestDatabase(`${import.meta.filename}-render`),
      createTestDatabase(`${import.meta.filename}-hand`),
    ]);
    try {
      await runImport({ into: imported });
      const byHand = await buildByHand(hand, box);
      for (const [name, handId] of [
        ["edge1.lon", byHand.lon],
        ["edge1.ams", byHand.ams],
      ] as const) {
        const router = await imported.prisma.router.findUniqueOrThrow({ where: { name } });
        const a = await renderRouterConfig(imported, router.id, { secretBox: box, templatesDir: null });
        const b = await renderRouterConfig(hand, handId, { secretBox: box, templatesDir: null });
        expect(a.sessions, name).toBeGreaterThan(4);
        expect(a.config, name).toBe(b.config);
        // The diff a first deploy would show, from an empty router, is the same too.
        expect(diffConfigs("", a.config).diff).toBe(diffConfigs("", b.config).diff);
        if (name === "edge1.lon") expect(a.config).toContain("s3cret-HE");
      }
    } finally {
      await Promise.all([imported.drop(), hand.drop()]);
    }
  });

  it("adopts what peerbot already has under the same ASN or name; without a secret key it keeps no password", async () => {
    const other = await createTestDatabase(`${import.meta.filename}-adopt`);
    try {
      const us = await other.prisma.autonomousSystem.create({
        data: { asn: 64500n, name: "Example (typed in chat)", affiliated: true },
      });
      await other.prisma.router.create({
        data: {
          name: "edge1.lon",
          hostname: "10.0.0.1",
          platform: "junos",
          localAsId: us.id,
          credentialEnv: "EDGE1_PW",
        },
      });
      const sum = await runImport({ into: other, secrets: null });
      expect(sum.adopted).toEqual(expect.arrayContaining(["AS64500", "edge1.lon"]));
      expect(sum.counts.as).toEqual({ created: 11, updated: 1, unchanged: 0, skipped: 0 });
      expect(sum.counts.router).toEqual({ created: 1, updated: 1, unchanged: 0, skipped: 1 });
      expect(await other.prisma.autonomousSystem.count({ where: { asn: 64500n } })).toBe(1);
      const r = await other.prisma.router.findUniqueOrThrow({ where: { name: "edge1.lon" } });
      expect(r).toMatchObject({ hostname: "edge1.lon.example.net", credentialEnv: "EDGE1_PW" });
      // Its credential is set: only the other router is named for the admin.
      expect(sum.credentials).toEqual(["edge1.ams"]);
      expect(await other.prisma.ixpSession.count({ where: { passwordEnc: { not: null } } })).toBe(0);
      expect(await other.prisma.directSession.count({ where: { passwordEnc: { not: null } } })).toBe(0);
      expect(formatSummary(sum)).toMatch(
        /- peerbot has no PEERBOT_SECRET_KEY, so the BGP passwords of LINX LON1 195\.66\.224\.21 and edge1\.lon 38\.1\.1\.1 were not brought in \(the sessions were\): set the key and import again before deploying, or the sessions lose their password\./,
      );
    } finally {
      await other.drop();
    }
  });

  it("a bad token is one sentence, and nothing changes", async () => {
    const before = await fingerprint(db);
    const c = client({ token: "wrong-token-0000" });
    const err = await importPeeringManager(db, c, { actor: "cli:tester" }).catch((e: unknown) => e);
    await c.close();
    expect(err).toBeInstanceOf(PeeringManagerError);
    const msg = (err as Error).message;
    expect(msg).toMatch(
      /^Peering Manager at 127\.0\.0\.1:\d+ refused the API token \(HTTP 401: Invalid token\); check the token and that its user may read \/api\/status\/\.$/,
    );
    expect(msg).not.toContain("wrong-token-0000");
    expect(await fingerprint(db)).toBe(before);
  });

  it("an unreachable instance is one sentence", async () => {
    const closed = await FakePeeringManager.start({ token: TOKEN, data: network });
    const url = closed.url;
    await closed.close();
    const c = client({ url });
    const err = await readSnapshot(c).catch((e: unknown) => e);
    await c.close();
    expect((err as Error).message).toMatch(
      /^Peering Manager at 127\.0\.0\.1:\d+ cannot be reached: the connection was refused\.$/,
    );
  });

  it("retries a server error, and reads the 1.10 layout (routing policies under /api/peering/)", async () => {
    const old = await FakePeeringManager.start({
      token: TOKEN,
      data: network,
      layout: "1.10",
      version: "1.10.1",
    });
    try {
      old.failNext = 1;
      const c = client({ url: old.url });
      let snap: PmSnapshot;
      try {
        snap = await readSnapshot(c);
      } finally {
        await c.close();
      }
      expect(snap.version).toBe("1.10.1");
      expect(snap["routing-policies"].path).toBe("/api/peering/routing-policies/");
      expect(snap["routing-policies"].records).toHaveLength(6);
      expect(old.requests.some((r) => r.path === "/api/bgp/routing-policies/" && r.status === 404)).toBe(
        true,
      );
    } finally {
      await old.close();
    }
  });

  it("a record with a shape peerbot does not read is skipped on its own, with the reason", async () => {
    const snap = await (async () => {
      const c = client();
      try {
        return await readSnapshot(c);
      } finally {
        await c.close();
      }
    })();
    snap["ixp-sessions"].invalid.push({ id: 99, why: "ip_address: not an IP address" });
    const sum = await applySnapshot(db, snap, { actor: "cli:tester", secrets: box, dryRun: true });
    expect(sum.counts["ixp-session"].skipped).toBe(1);
    expect(formatSummary(sum)).toContain(
      "- One IXP session from /api/peering/internet-exchange-peering-sessions/ does not have the shape peerbot reads and was skipped (#99: ip_address: not an IP address).",
    );
  });
});

describe("peerbot import peering-manager (the command)", () => {
  /** The subcommand run in this process, with what it writes to stderr. */
  async function inProcess(opts: Record<string, string | boolean>, positionals: string[]) {
    let err = "";
    const spy = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
      err += chunk.toString();
      return true;
    });
    try {
      const code = await importSubcommand.run(opts, testConfig(), positionals);
      return { code, err };
    } finally {
      spy.mockRestore();
    }
  }

  it("refuses, in one sentence and before anything else, a missing token, URL or source", async () => {
    delete process.env.PEERBOT_TEST_NO_SUCH_TOKEN;
    const noToken = await inProcess(
      { url: "http://127.0.0.1:1", "token-env": "PEERBOT_TEST_NO_SUCH_TOKEN" },
      ["peering-manager"],
    );
    expect(noToken.code).toBe(2);
    expect(noToken.err).toBe(
      "peerbot import: the environment variable PEERBOT_TEST_NO_SUCH_TOKEN is not set: it should hold a Peering Manager API token (Peering Manager: your profile, API tokens; a read-only token is enough).\n",
    );
    const noUrl = await inProcess({}, ["peering-manager"]);
    expect(noUrl.code).toBe(2);
    expect(noUrl.err).toMatch(/^peerbot import: give the Peering Manager's base URL with --url\.\nUsage: /);
    const other = await inProcess({ url: "http://x" }, ["netbox"]);
    expect(other.code).toBe(2);
    expect(other.err).toMatch(
      /^peerbot import: there is nothing to import from "netbox"; peerbot imports from peering-manager\./,
    );
    process.env.PEERBOT_TEST_PM_TOKEN = TOKEN;
    try {
      const badUrl = await inProcess({ url: "ftp://pm.example.net", "token-env": "PEERBOT_TEST_PM_TOKEN" }, [
        "peering-manager",
      ]);
      expect(badUrl).toEqual({
        code: 1,
        err: "peerbot import: The Peering Manager URL must start with http:// or https://, not ftp://.\n",
      });
    } finally {
      delete process.env.PEERBOT_TEST_PM_TOKEN;
    }
  });

  const peerbot = (args: string[], env: Record<string, string>): Promise<CliResult> =>
    runPeerbot(args, { env: { USER: "alice", ...env } });

  it("imports into the configured database, and a bad token is one line on stderr", async () => {
    const target = await createTestDatabase(`${import.meta.filename}-cli`);
    const dataDir = mkdtempSync(path.join(os.tmpdir(), "peerbot-pm-cli-"));
    try {
      const env = {
        DATABASE_URL: target.url,
        PEERBOT_DATA_DIR: dataDir,
        PEERBOT_SECRET_KEY: newSecretKey(),
        PEERBOT_LOG_LEVEL: "debug",
        PM_TOKEN: TOKEN,
      };
      const [ok, bad] = await Promise.all([
        peerbot(["import", "peering-manager", "--url", `${fake.url}/api/`, "--token-env", "PM_TOKEN"], env),
        peerbot(["import", "peering-manager", "--url", fake.url, "--token-env", "PM_TOKEN"], {
          ...env,
          PM_TOKEN: "nope-nope",
        }),
      ]);
      expect(ok.code, ok.err).toBe(0);
      expect(ok.out).toMatch(/^IXP sessions +15 +0 +0 +0$/m);
      expect(ok.out).toContain("peerbot secret set router edge1.lon");
      expect(ok.out + ok.err).not.toContain(TOKEN);
      expect(await target.prisma.directSession.count()).toBe(6);
      const hist = await target.prisma.objectChange.findFirstOrThrow({ where: { objectType: "router" } });
      expect(hist).toMatchObject({ actor: "cli:alice", via: "peering-manager" });
      // PEERBOT_TEMPLATES_DIR is not set: the override goes under the data folder, and the summary says how to use it.
      expect(existsSync(path.join(dataDir, "templates", "email", "peering-request.txt.hbs"))).toBe(true);
      expect(ok.out).toContain(
        `set PEERBOT_TEMPLATES_DIR=${path.join(dataDir, "templates")} to use the imported ones.`,
      );

      expect(bad.code).toBe(1);
      expect(bad.err).toMatch(
        /^peerbot import: Peering Manager at 127\.0\.0\.1:\d+ refused the API token \(HTTP 401: Invalid token\); [^\n]+\.$/m,
      );
      expect(bad.err).not.toContain("nope-nope");
      expect(bad.out).toBe("");
    } finally {
      await target.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);
});

/** Every row of every table as text, to look for a secret anywhere in the database. */
async function fingerprintText(d: TestDatabase): Promise<string> {
  const { rows } = await d.pool.query<{ table_name: string }>(
    `select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`,
  );
  let out = "";
  for (const { table_name } of rows) {
    const r = await d.pool.query(`select t::text as row from "${table_name}" t`);
    out += r.rows.map((x: { row: string }) => x.row).join("\n");
  }
  return out;
}
