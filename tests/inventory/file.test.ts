// Inventory as code, as an engineer uses it: `peerbot inventory export` writes the demo network
// (plus groups, direct sessions, contacts and attachments) as YAML; applying that file is a
// no-op; applying it to an empty database recreates the inventory byte for byte; typos are
// refused with their line; a dry run changes nothing; a failure late in the apply rolls back
// everything; --prune deletes only when asked (and never what an open change carries); no
// secret ever reaches the file. The CLI runs in a child process against a test database.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dispatch } from "../../commands/dispatch.js";
import { buildRegistry } from "../../commands/index.js";
import { processAuthor } from "../../core/history.js";
import { applyInventory, exportInventory } from "../../core/inventory-file/index.js";
import { runSync } from "../../core/peeringdb/sync.js";
import { bundledPeeringDb } from "../../drivers/peeringdb/static-source.js";
import { runPeerbot, type CliResult } from "../helpers/cli.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { seedDemoDb } from "../helpers/demo.js";
import { dbUrl } from "../helpers/pg.js";
import { fingerprint, testServices, type TestServices } from "../helpers/services.js";

let db: TestDatabase;
let services: TestServices;
let dataDir: string;

const author = () => processAuthor("cli:tester", "file", "tester");
const apply = (text: string, opts: { dryRun?: boolean; prune?: boolean; on?: TestDatabase } = {}) =>
  applyInventory(opts.on ?? db, text, { filename: "inventory.yaml", author: author(), ...opts });

/** The 1-based line of the first line of `text` that contains `needle`. */
function lineOf(text: string, needle: string, from = 0): number {
  const at = text.indexOf(needle, from);
  if (at < 0) throw new Error(`"${needle}" is not in the file`);
  return text.slice(0, at).split("\n").length;
}

/** Groups, a direct session with a password variable, contacts and attachments on top of the demo. */
const EXTRAS = `
policies:
  - { slug: transit-in, kind: import, family: ipv4, weight: 10 }
  - { slug: transit-out, kind: export }
communities:
  - { slug: from-transit, name: From transit, value: "64500:200" }
  - { slug: big-one, value: "64500:1:2" }
groups:
  - slug: transit
    name: Transit
    import_policies: [transit-in]
    export_policies: [transit-out]
    communities: [from-transit]
autonomous_systems:
  - asn: 174
    name: Cogent
    irr_as_set: AS-COGENT
    ipv4_max_prefixes: 100000
    ipv6_max_prefixes: 50000
    policy: Open
    peeringdb_id: null
    sync: { max_prefixes: false }
    comments: "Transit, contract 2026-17.\\nSecond line."
    communities: [big-one]
    contacts:
      - { name: Cogent NOC, role: noc, email: noc@cogent.example, phone: "+1 555 0100" }
      - { email: peering@cogent.example, role: policy }
direct_sessions:
  - router: edge1.fra
    ip: 192.0.2.1
    asn: 174
    local_ip: 192.0.2.2
    relationship: transit
    status: enabled
    group: transit
    password: env:COGENT_BGP_PASSWORD
    multihop_ttl: 2
    bfd: true
    import_policies: [transit-in]
`;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), "peerbot-invfile-"));
  db = await createTestDatabase(import.meta.filename);
  services = testServices(db, {}, dataDir);
  await seedDemoDb(db, dataDir);
  const r = await apply(EXTRAS);
  expect(r.errors).toEqual([]);
  expect(r.status).toBe("applied");
}, 120_000);
afterAll(async () => {
  await db?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** What the demo network holds, per kind (the file's counts and its history rows alike). */
const DEMO_COUNTS = { router: 2, ixp: 3, connection: 3, "ixp-session": 16, "direct-session": 1, contact: 2 };

describe("inventory export and apply", () => {
  it("export -> apply of the demo network is a no-op, and the same database exports the same bytes", async () => {
    const first = await exportInventory(db);
    expect(first.counts).toMatchObject({ ...DEMO_COUNTS, group: 1 });
    expect(first.yaml).toContain("  - name: edge1.lon\n    hostname: edge1.lon.example.net");
    expect(first.yaml).toMatch(
      /- \{router: edge1\.fra, ip: "?192\.0\.2\.1"?, asn: 174, .*relationship: transit_provider, status: enabled, group: transit, password: env:COGENT_BGP_PASSWORD/,
    );
    expect(first.yaml).toContain('value: "64500:200"');
    const before = await fingerprint(db);
    const r = await apply(first.yaml);
    expect(r.status).toBe("no-changes");
    expect(r.text).toContain("No changes: the database matches inventory.yaml.");
    expect(await fingerprint(db)).toBe(before);
    const again = await exportInventory(db);
    expect(again.yaml).toBe(first.yaml);
  });

  it("export -> apply on an empty database with the PeeringDB mirror recreates the inventory, byte for byte", async () => {
    const empty = await createTestDatabase("inventory_file_empty");
    try {
      const report = await runSync(empty, bundledPeeringDb(), undefined, { full: true });
      expect(report.ok).toBe(true);
      const src = await exportInventory(db);
      const r = await apply(src.yaml, { on: empty });
      expect(r.errors).toEqual([]);
      expect(r.status).toBe("applied");
      expect(r.text).toMatch(/^Plan: \d+ to create, 0 to update, 0 to delete\.$/m);
      expect(r.text).toContain("+ router edge1.fra (junos, edge1.fra.example.net)");
      const copy = await exportInventory(empty);
      expect(copy.yaml).toBe(src.yaml);
      // One history row per object, all from the file, by the shell user.
      const rows = await empty.prisma.objectChange.groupBy({
        by: ["objectType", "via", "actor"],
        _count: true,
      });
      const per = Object.fromEntries(rows.map((x) => [x.objectType, x._count]));
      expect(per).toMatchObject(DEMO_COUNTS);
      expect(new Set(rows.map((x) => `${x.via} ${x.actor}`))).toEqual(new Set(["file cli:tester"]));
      // A second apply of the same file changes nothing.
      expect((await apply(src.yaml, { on: empty })).status).toBe("no-changes");

      // A hand-written file may name a network by its ASN alone: PeeringDB fills in the rest.
      const more = await apply("autonomous_systems:\n  - asn: 3356\n", { on: empty });
      expect(more.errors).toEqual([]);
      const lumen = await empty.prisma.autonomousSystem.findUniqueOrThrow({ where: { asn: 3356n } });
      const net = (await empty.pool.query(`select id, name from pdb_net where asn = 3356`)).rows[0];
      expect(lumen).toMatchObject({ name: net.name, peeringdbNetId: net.id });
    } finally {
      await empty.drop();
    }
  }, 120_000);

  it("a typo in a field name or an enum value is refused with its file, line and field, and nothing changes", async () => {
    const { yaml } = await exportInventory(db);
    const before = await fingerprint(db);
    const typo = yaml.replace("    platform: junos\n", "    platfrom: junos\n");
    const r1 = await apply(typo);
    expect(r1.status).toBe("invalid");
    const line = lineOf(typo, "platfrom: junos");
    expect(r1.errors).toContain(
      `inventory.yaml:${line}: routers[0].platfrom: unknown field (did you mean platform?)`,
    );
    expect(r1.errors).toContain(
      `inventory.yaml:${line - 2}: routers[0].platform: required: one of junos, iosxr, eos, bird2, frr, file`,
    );
    expect(r1.text).toMatch(/2 problems; nothing was changed\.\n$/);

    const enumTypo = yaml.replace("    platform: junos\n", "    platform: cisco\n");
    const r2 = await apply(enumTypo);
    expect(r2.errors).toEqual([
      `inventory.yaml:${lineOf(enumTypo, "platform: cisco")}: routers[0].platform: expected one of junos, iosxr, eos, bird2, frr, file`,
    ]);
    const status = yaml.replace("status: enabled}", "status: up}");
    expect((await apply(status)).errors[0]).toMatch(
      new RegExp(
        `^inventory\\.yaml:${lineOf(status, "status: up}")}: connections\\[0\\]\\.sessions\\[0\\]\\.status: expected one of requested, provisioning, enabled,`,
      ),
    );
    const broken = `routers:\n  - name: "edge1.lon\n    hostname: x\n`;
    expect((await apply(broken)).errors[0]).toMatch(/^inventory\.yaml:\d+: Missing closing "quote$/);
    expect(await fingerprint(db)).toBe(before);
  });

  it("references the file and the database lack are refused with their line", async () => {
    const before = await fingerprint(db);
    const text = [
      "groups:",
      "  - slug: transit",
      "    import_policies: [transit-in, no-such-policy]",
      "connections:",
      "  - ixp: linx-lon1",
      "    router: edge9.nowhere",
      "    ipv4: 10.1.2.3/22",
      "    sessions:",
      "      - { asn: 4200000001, ip: 195.66.224.200, status: enabled }",
      "      - { asn: 15169, ip: 10.1.2.3, status: enabled }",
      "",
    ].join("\n");
    const r = await apply(text);
    expect(r.status).toBe("invalid");
    expect(r.errors).toEqual(
      expect.arrayContaining([
        "inventory.yaml:3: groups[0].import_policies: there is no policy no-such-policy in the file or the database",
        "inventory.yaml:6: connections[0].router: there is no router edge9.nowhere in the file or the database",
        "inventory.yaml:7: connections[0].ipv4: 10.1.2.3 is not in LINX LON1's peering LAN (195.66.224.0/22)",
        "inventory.yaml:9: connections[0].sessions[0].asn: there is no AS4200000001 in the file or the database (add `- asn: 4200000001` under autonomous_systems: PeeringDB fills in the rest)",
        "inventory.yaml:10: connections[0].sessions[1].ip: 10.1.2.3 is our own address on this connection, not a peer's",
      ]),
    );
    expect(await fingerprint(db)).toBe(before);
  });

  it("--dry-run prints the plan and changes nothing; the same file applied records every change in the history", async () => {
    const { yaml } = await exportInventory(db);
    const edited = yaml
      .replace("ipv4_max_prefixes: 210000", "ipv4_max_prefixes: 250000")
      .replace("routers:\n", "routers:\n  - { name: edge2.lon, hostname: 192.0.2.10, platform: bird2 }\n")
      .replace(
        "  - {asn: 15169, ip: 195.66.224.125, status: enabled}",
        "  - {asn: 15169, ip: 195.66.224.125, status: disabled, bfd: true}",
      );
    expect(edited).not.toBe(yaml);
    const before = await fingerprint(db);
    const dry = await apply(edited, { dryRun: true });
    expect(dry.status).toBe("planned");
    expect(dry.text).toContain("  ~ AS6939\n      ipv4_max_prefixes: 210000 -> 250000\n");
    expect(dry.text).toContain("  + router edge2.lon (bird2, 192.0.2.10)\n");
    expect(dry.text).toContain(
      '  ~ IXP session AS15169 linx-lon1 195.66.224.125\n      status: "enabled" -> "disabled"\n      bfd: false -> true\n',
    );
    expect(dry.text).toContain("Plan: 1 to create, 2 to update, 0 to delete.");
    expect(dry.text).toMatch(/Dry run: nothing was changed\.\n$/);
    expect(await fingerprint(db)).toBe(before);

    const real = await apply(edited);
    expect(real.status).toBe("applied");
    expect(real.text).toContain("Applied: created 1 router; updated 1 AS, 1 IXP session.");
    const rows = await db.prisma.objectChange.findMany({
      where: { via: "file", objectRepr: { in: ["edge2.lon", "AS6939", "LINX LON1 195.66.224.125"] } },
      orderBy: { id: "asc" },
    });
    expect(rows.map((r) => `${r.action} ${r.objectRepr}`)).toEqual([
      "update AS6939",
      "create edge2.lon",
      "update LINX LON1 195.66.224.125",
    ]);
    expect(rows[0]!.before).toMatchObject({ ipv4MaxPrefixes: 210000 });
    expect(rows[0]!.after).toMatchObject({ ipv4MaxPrefixes: 250000 });
    expect(rows.every((r) => r.actor === "cli:tester" && r.requestId === rows[0]!.requestId)).toBe(true);
    // Back as it was, for the tests after this one: the new router goes with --prune.
    const back = await apply(yaml, { prune: true });
    expect(back.text).toContain("  - router edge2.lon\n");
    expect(back.status).toBe("applied");
  });

  it("a failure late in the apply (the last statement) rolls back the whole apply", async () => {
    const { yaml } = await exportInventory(db);
    const edited = yaml
      .replace("routers:\n", "routers:\n  - { name: edge9.lon, hostname: 192.0.2.19, platform: frr }\n")
      .replace("ipv4_max_prefixes: 15000", "ipv4_max_prefixes: 16000");
    // History rows are written last; this one refuses the router's.
    await db.pool.query(
      `alter table "ObjectChange" add constraint test_late_failure check ("objectRepr" <> 'edge9.lon')`,
    );
    try {
      const before = await fingerprint(db);
      const r = await apply(edited);
      expect(r.status).toBe("refused");
      expect(r.text).toMatch(/^The database refused the apply, and nothing was changed: /);
      expect(await fingerprint(db)).toBe(before);
      expect(await db.prisma.router.findUnique({ where: { name: "edge9.lon" } })).toBeNull();
    } finally {
      await db.pool.query(`alter table "ObjectChange" drop constraint test_late_failure`);
    }
  });

  it("--prune deletes only when asked, never what the file still uses or an open change carries", async () => {
    const { yaml } = await exportInventory(db);
    const session = "      - {asn: 702, ip: 195.66.225.4, status: enabled}\n";
    const community = '  - slug: big-one\n    value: "64500:1:2"\n';
    expect(yaml).toContain(session);
    expect(yaml).toContain(community);
    const without = yaml.replace(session, "").replace(community, "");
    const before = await fingerprint(db);

    const kept = await apply(without);
    expect(kept.status).toBe("no-changes");
    expect(kept.text).toContain(
      "Not in the file, kept (--prune deletes them):\n  1 community: community big-one\n  1 IXP session: IXP session AS702 linx-lon1 195.66.225.4\n",
    );
    expect(await fingerprint(db)).toBe(before);

    // AS174 still names the community, and an open change carries the session: refused, with the reasons.
    const s = await db.prisma.ixpSession.findFirstOrThrow({ where: { ipAddress: "195.66.225.4" } });
    const router = await db.prisma.router.findUniqueOrThrow({ where: { name: "edge1.lon" } });
    const change = await db.prisma.changeRequest.create({
      data: {
        routerId: router.id,
        summary: "test change",
        requestedBy: "console:alice",
        config: "",
        configSha256: "",
        baseSha256: "",
        diff: "",
        diffSha256: "",
        effects: [{ kind: "ixp", id: s.id, onDeploy: "disabled", onRevert: "enabled" }],
        expiresAt: new Date(Date.now() + 3_600_000),
      },
    });
    const withChange = await fingerprint(db);
    const refused = await apply(without, { prune: true });
    expect(refused.status).toBe("invalid");
    expect(refused.errors).toEqual([
      `IXP session AS702 linx-lon1 195.66.225.4 cannot be deleted: change #${change.id} (pending) carries it; reject it, or let it deploy, first.`,
      `inventory.yaml:${lineOf(without, "communities: [big-one]")}: autonomous_systems[0].communities: community big-one is not in the file, and --prune deletes it`,
    ]);
    expect(await fingerprint(db)).toBe(withChange);
    await db.prisma.changeRequest.update({ where: { id: change.id }, data: { status: "rejected" } });

    const pruned = await apply(without.replace("    communities: [big-one]\n", ""), { prune: true });
    expect(pruned.status).toBe("applied");
    expect(pruned.text).toContain("  ~ AS174\n      communities: [big-one] -> []\n");
    expect(pruned.text).toContain("  - community big-one\n");
    expect(pruned.text).toContain("  - IXP session AS702 linx-lon1 195.66.225.4\n");
    expect(pruned.text).toContain("Plan: 0 to create, 1 to update, 2 to delete.");
    expect(await db.prisma.ixpSession.count({ where: { ipAddress: "195.66.225.4" } })).toBe(0);
    const gone = await db.prisma.objectChange.findFirstOrThrow({
      where: { action: "delete", objectType: "ixp-session" },
    });
    expect(gone).toMatchObject({ objectRepr: "LINX LON1 195.66.225.4", via: "file" });
    expect(gone.before).toMatchObject({ ipAddress: "195.66.225.4", status: "enabled" });
    // Put them back.
    expect((await apply(yaml)).status).toBe("applied");
  });

  it("no secret reaches the file: passwords, keys and their ciphertexts stay in the database", async () => {
    const box = services.secrets!;
    const routerPw = "router-secret-Zq81";
    const key = "-----BEGIN OPENSSH PRIVATE KEY-----\nkey-material-Xy42\n-----END OPENSSH PRIVATE KEY-----";
    const sessionPw = "bgp-md5-secret-Pk77";
    const r = await db.prisma.router.update({
      where: { name: "edge1.fra" },
      data: {
        passwordEnc: box.encrypt(routerPw),
        privateKeyEnc: box.encrypt(key),
        hostKeyFingerprint: `SHA256:${"A".repeat(43)}`,
      },
    });
    const s = await db.prisma.ixpSession.update({
      where: {
        connectionId_ipAddress: {
          connectionId: (await db.prisma.connection.findFirstOrThrow({ where: { routerId: r.id } })).id,
          ipAddress: "80.81.192.172",
        },
      },
      data: { passwordEnc: box.encrypt(sessionPw) },
    });
    const { yaml } = await exportInventory(db);
    for (const secret of [
      routerPw,
      "key-material-Xy42",
      sessionPw,
      r.passwordEnc!,
      r.privateKeyEnc!,
      s.passwordEnc!,
    ])
      expect(yaml).not.toContain(secret);
    expect(yaml).toMatch(
      /- name: edge1\.fra\n(?: {4}.*\n)*? {4}credential: stored\n {4}private_key: stored\n {4}host_key: SHA256:A{43}\n/,
    );
    expect(yaml).toContain("{asn: 6939, ip: 80.81.192.172, status: enabled, password: stored}");
    // Applying it keeps the stored secrets as they are.
    expect((await apply(yaml)).status).toBe("no-changes");
    expect((await db.prisma.router.findUniqueOrThrow({ where: { id: r.id } })).passwordEnc).toBe(
      r.passwordEnc,
    );

    // A password written in clear is refused, with its line, and never repeated.
    const clear = yaml
      .replace("password: stored}", "password: hunter2}")
      .replace("    credential: stored\n", "    credential: hunter2\n");
    const bad = await apply(clear);
    expect(bad.errors).toEqual([
      `inventory.yaml:${lineOf(clear, "credential: hunter2")}: routers[0].credential: the SSH password is never written in the file: give env:VARIABLE, stored or none`,
      `inventory.yaml:${lineOf(clear, "password: hunter2")}: connections[1].sessions[1].password: a BGP password is never written in the file: give stored or none`,
    ]);
    expect(bad.text).not.toContain("hunter2");
    // A variable instead of the stored password: the stored one is dropped, the history says "(set)" -> null.
    const env = yaml.replace("    credential: stored\n", "    credential: env:EDGE1_FRA_PASSWORD\n");
    const switched = await apply(env);
    expect(switched.text).toContain('      credential: "stored" -> "env:EDGE1_FRA_PASSWORD"\n');
    const after = await db.prisma.router.findUniqueOrThrow({ where: { id: r.id } });
    expect(after).toMatchObject({
      passwordEnc: null,
      credentialEnv: "EDGE1_FRA_PASSWORD",
      privateKeyEnc: r.privateKeyEnc,
    });
    const h = await db.prisma.objectChange.findFirstOrThrow({
      where: { objectType: "router", objectRepr: "edge1.fra" },
      orderBy: { id: "desc" },
    });
    expect(JSON.stringify(h, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v))).not.toContain(
      routerPw,
    );
    expect(h.before).toMatchObject({ passwordEnc: "(set)", credentialEnv: "" });
    expect(h.after).toMatchObject({ passwordEnc: null, credentialEnv: "EDGE1_FRA_PASSWORD" });
  });

  it("in chat, inventory export attaches the YAML with counts per type; apply is for the shell", async () => {
    const registry = buildRegistry();
    const run = (user: string, text: string) =>
      dispatch(registry, services, {
        actor: { platform: "console", userId: user, userName: user },
        channel: "console",
        text,
      });
    const { reply, outcome } = await run("alice", "inventory export");
    expect(outcome).toBe("ok");
    expect(reply.code).toMatchObject({ language: "yaml", filename: "inventory.yaml" });
    expect(reply.code!.content).toBe((await exportInventory(db)).yaml);
    expect(reply.text).toMatch(
      /^\d+ policies, \d+ communities, 1 group, \d+ ASes, 2 contacts, 3 IXPs, 2 routers, 3 connections, 16 IXP sessions, 1 direct session\.$/,
    );
    const viewer = await run("carol", "inventory export");
    expect(viewer.outcome).toBe("denied");
    const applyInChat = await run("alice", "inventory apply");
    expect(applyInChat.outcome).toBe("user_error");
    expect(applyInChat.reply.text).toMatch(
      /^A file is applied from the shell, where its plan can be read first: `peerbot inventory apply inventory\.yaml --dry-run`\.\nUsage: inventory export$/,
    );
  });
});

/** `peerbot` on this test's database and data directory. */
function peerbot(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runPeerbot(args, {
    cwd: dataDir,
    env: { PEERBOT_DATA_DIR: dataDir, DATABASE_URL: dbUrl(db.name), ...env },
  });
}

describe("peerbot inventory (the CLI)", () => {
  it("exports to a file, plans with --dry-run, applies, and exits 0, 1 or 2", async () => {
    const file = path.join(dataDir, "inventory.yaml");
    const exp = await peerbot(["inventory", "export", "--file", file]);
    expect(exp.err).toMatch(/^Wrote .*inventory\.yaml: \d+ policies, /m);
    expect(exp.code).toBe(0);
    const text = readFileSync(file, "utf8");
    expect(text).toBe((await exportInventory(db)).yaml);

    const same = await peerbot(["inventory", "apply", file]);
    expect(same).toMatchObject({ code: 0 });
    expect(same.out).toContain(`No changes: the database matches ${file}.`);

    writeFileSync(file, text.replace("ipv6_max_prefixes: 180000", "ipv6_max_prefixes: 190000"));
    const before = await fingerprint(db);
    const dry = await peerbot(["inventory", "apply", file, "--dry-run"]);
    expect(dry.code).toBe(0);
    expect(dry.out).toContain("  ~ AS6939\n      ipv6_max_prefixes: 180000 -> 190000\n");
    expect(await fingerprint(db)).toBe(before);
    const real = await peerbot(["inventory", "apply", file]);
    expect(real.code).toBe(0);
    expect(real.out).toContain("Applied: updated 1 AS.");
    const h = await db.prisma.objectChange.findFirstOrThrow({
      where: { objectRepr: "AS6939" },
      orderBy: { id: "desc" },
    });
    expect(h).toMatchObject({ via: "file", actor: `cli:${os.userInfo().username}` });

    writeFileSync(file, "routers:\n  - name: edge1.lon\n    platform: cisco\n");
    const bad = await peerbot(["inventory", "apply", file]);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain(
      `${file}:3: routers[0].platform: expected one of junos, iosxr, eos, bird2, frr, file`,
    );
    expect((await peerbot(["inventory", "apply"])).code).toBe(2);
    expect((await peerbot(["inventory", "frobnicate"])).code).toBe(2);
    expect((await peerbot(["inventory", "apply", file, "--force"])).code).toBe(2);
    const stdout = await peerbot(["inventory", "export"]);
    expect(stdout.out).toBe((await exportInventory(db)).yaml);
  }, 180_000);
});
