// IRR prefix lists in every platform's configuration: a session whose import policy filters
// by IRR gets its peer's cached list (IrrPrefixList rows, as core/irr stores bgpq4's JSON)
// checked before its policies, in the platform's own syntax; BIRD and FRR read the result with
// their own parsers (`bird -p`, `vtysh --dryrun`), Junos, IOS-XR and EOS are checked
// structurally. A list that cannot be used (missing, stale, over the cap, hostile) gets the
// policy's fallback, and the warnings name the sessions.
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newSecretKey, SecretBox } from "../../core/crypto.js";
import { loadRenderContext, renderRouterConfig, type RenderResult } from "../../core/render/index.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { birdMainConfig, birdParse, frrDryRun, haveBird, haveFrr, scratch, write } from "./daemons.js";
import {
  birdNeighbors,
  eosNeighbors,
  frrNeighbors,
  iosxrNeighbors,
  junosNeighbors,
  parseBraces,
} from "./parsers.js";
import { seedRouter, seedShared, type Shared } from "./seed.js";

const box = SecretBox.fromString(newSecretKey());
const PLATFORMS = ["junos", "iosxr", "eos", "bird2", "frr"] as const;
let db: TestDatabase;
let shared: Shared;
const routers: Record<string, number> = {};
const out: Record<string, RenderResult> = {};

// Hurricane Electric's list as bgpq4 -j -A -R 24 prints entries: exact, upto, ranges.
const HE_V4 = [
  { prefix: "64.62.128.0/18", exact: false, "less-equal": 24 },
  { prefix: "65.19.128.0/18", exact: true },
  { prefix: "66.160.128.0/18", exact: false, "greater-equal": 20, "less-equal": 24 },
  { prefix: "184.104.0.0/15", exact: false, "less-equal": 24 },
  { prefix: "216.218.128.0/17", exact: true },
];
const HE_V6 = [
  { prefix: "2001:470::/32", exact: false, "less-equal": 48 },
  { prefix: "2620:0:50c0::/48", exact: true },
];

async function putList(asId: number, family: 4 | 6, prefixes: unknown[], extra: object = {}) {
  await db.prisma.irrPrefixList.upsert({
    where: { key_family: { key: `as:${asId}`, family } },
    create: {
      key: `as:${asId}`,
      autonomousSystemId: asId,
      family,
      prefixes: prefixes as never,
      prefixCount: prefixes.length,
      sets: ["AS-HURRICANE"],
      sources: ["RADB"],
      fetchedAt: new Date(),
      ...extra,
    },
    update: { prefixes: prefixes as never, prefixCount: prefixes.length, fetchedAt: new Date(), ...extra },
  });
}

async function renderAll() {
  for (const p of PLATFORMS)
    out[p] = await renderRouterConfig(db, routers[p]!, { secretBox: box, templatesDir: null });
}

beforeAll(async () => {
  db = await createTestDatabase(import.meta.filename);
  shared = await seedShared(db);
  let octet = 10;
  for (const p of PLATFORMS) routers[p] = await seedRouter(db, shared, p, box, { octet: octet++ });
  // strict-in (HE's AS-level import policy, and one Cloudflare session's) filters by IRR.
  await db.prisma.routingPolicy.update({ where: { slug: "strict-in" }, data: { irrFilter: true } });
  await putList(shared.he, 4, HE_V4);
  await putList(shared.he, 6, HE_V6);
  await renderAll();
});
afterAll(async () => {
  await db?.drop();
});

const lines = (p: string) => out[p]!.config.split("\n");
const POLICY_FUNCTIONS = [
  "strict_in",
  "v6_only_in",
  "peering_in",
  "peering_out",
  "transit_in",
  "transit_out",
].map((p) => `policy_${p}`);

describe("an IRR-filtered session", () => {
  it("gets its peer's list in front of its import policies, on every platform", async () => {
    const ctx = await loadRenderContext(db, routers.frr!, { secretBox: box });
    const he4 = ctx.sessions.find((s) => s.address === "195.66.224.21")!;
    expect(he4.irr?.name).toBe("pb-irr-as6939-v4");
    expect(he4.importChain.irr?.count).toBe(5);
    expect(he4.importChain.generated).toBe(true);
    expect(ctx.irrLists.map((l) => l.name)).toEqual(["pb-irr-as6939-v4", "pb-irr-as6939-v6"]);
    // The direct transit session has no IRR policy: untouched.
    expect(ctx.sessions.find((s) => s.address === "38.1.1.1")!.irr).toBeNull();

    const frr = lines("frr");
    expect(frr).toContain("ip prefix-list pb-irr-as6939-v4 seq 10 permit 64.62.128.0/18 le 24");
    expect(frr).toContain("ip prefix-list pb-irr-as6939-v4 seq 30 permit 66.160.128.0/18 ge 20 le 24");
    expect(frr).toContain("ipv6 prefix-list pb-irr-as6939-v6 seq 20 permit 2620:0:50c0::/48");
    const chain = he4.importChain.name;
    expect(out.frr!.config).toContain(
      `route-map ${chain} permit 5\n match ip address prefix-list pb-irr-as6939-v4\n on-match goto 10\nexit\n!\nroute-map ${chain} deny 6\n`,
    );
    expect(frr).toContain(`  neighbor 195.66.224.21 route-map ${chain} in`);

    const eos = out.eos!.config;
    expect(eos).toContain("ip prefix-list pb-irr-as6939-v4\n   seq 10 permit 64.62.128.0/18 le 24\n");
    expect(eos).toMatch(
      /route-map pb-in-[0-9a-f]{8} permit 5\n {3}match ip address prefix-list pb-irr-as6939-v4\n {3}continue 10\n!\n/,
    );
    expect(eos).toContain("ipv6 prefix-list pb-irr-as6939-v6\n   seq 10 permit 2001:470::/32 le 48\n");

    const xr = out.iosxr!.config;
    expect(xr).toContain(
      "prefix-set pb-irr-as6939-v4\n  64.62.128.0/18 le 24,\n  65.19.128.0/18,\n  66.160.128.0/18 ge 20 le 24,\n  184.104.0.0/15 le 24,\n  216.218.128.0/17\nend-set\n",
    );
    expect(xr).toMatch(
      /route-policy pb-in-[0-9a-f]{8}\n {2}if not destination in pb-irr-as6939-v4 then\n {4}drop\n {2}endif\n/,
    );

    const junos = lines("junos");
    expect(junos).toContain("                route-filter 64.62.128.0/18 upto /24;");
    expect(junos).toContain("                route-filter 65.19.128.0/18 exact;");
    expect(junos).toContain("                route-filter 66.160.128.0/18 prefix-length-range /20-/24;");
    expect(junos.some((l) => /import \[ pb-irr-as6939-v4 .*strict-in.* \];/.test(l))).toBe(true);

    const bird = out.bird2!.config;
    expect(bird).toContain(
      "define pb_irr_as6939_v4 = [\n  64.62.128.0/18{18,24},\n  65.19.128.0/18,\n  66.160.128.0/18{20,24},",
    );
    expect(bird).toMatch(/filter pb_in_[0-9a-f]{8} \{\n {2}if ! \(net ~ pb_irr_as6939_v4\) then reject;\n/);
  });

  it("is read by the structural parsers of Junos, IOS-XR, EOS and BIRD with the same neighbors as before", () => {
    for (const [p, parse] of [
      ["junos", junosNeighbors],
      ["iosxr", iosxrNeighbors],
      ["eos", eosNeighbors],
      ["bird2", birdNeighbors],
    ] as const) {
      const n = parse(out[p]!.config);
      expect(
        n.map((x) => x.address),
        p,
      ).toContain("195.66.224.21");
    }
    // The Junos IRR policy: one term passing what the list matches, then reject.
    const po = parseBraces(out.junos!.config).find((n) => n.words[0] === "policy-options")!;
    const irr = po.children!.find((n) => n.words.join(" ") === "policy-statement pb-irr-as6939-v4")!;
    expect(irr.children!.map((c) => c.words.join(" "))).toEqual(["term irr", "then reject"]);
    const from = irr.children![0]!.children!.find((c) => c.words[0] === "from")!;
    expect(from.children!.length).toBe(5);
  });

  it("passes bird -p with the prefix sets and the guarded filters", () => {
    expect(haveBird(), "bird2 is not installed: run .ci/install-routing.sh").toBe(true);
    const { dir, done } = scratch();
    try {
      const include = write(path.join(dir, "peerbot.conf"), out.bird2!.config);
      const main = write(path.join(dir, "bird.conf"), birdMainConfig(include, POLICY_FUNCTIONS));
      const r = birdParse(main);
      expect(r.ok, r.output).toBe(true);
      // An IPv6 prefix in the IPv4 set is BIRD's parse error: the check bites.
      const mixed = write(
        path.join(dir, "mixed.conf"),
        out.bird2!.config.replace("64.62.128.0/18{18,24}", "2001:470::/32{32,48}"),
      );
      const bad = write(path.join(dir, "bad.conf"), birdMainConfig(mixed, POLICY_FUNCTIONS));
      expect(birdParse(bad).ok).toBe(false);
    } finally {
      done();
    }
  });

  it("passes vtysh --dryrun with the prefix-lists and route-maps", () => {
    expect(haveFrr(), "frr is not installed: run .ci/install-routing.sh").toBe(true);
    const { dir, done } = scratch();
    try {
      const file = write(path.join(dir, "frr.conf"), `frr defaults traditional\n${out.frr!.config}`);
      const r = frrDryRun(file);
      expect(r.ok, r.output).toBe(true);
      const broken = write(
        path.join(dir, "broken.conf"),
        `frr defaults traditional\n${out.frr!.config.replace("seq 10 permit 64.62.128.0/18 le 24", "seq 10 permit 64.62.128.0/18 le 99")}`,
      );
      expect(frrDryRun(broken).ok).toBe(false);
    } finally {
      done();
    }
  });
});

describe("a list that cannot be used", () => {
  it("makes the session refuse all routes by default, and says which sessions", async () => {
    // Cloudflare's disabled IPv4 session has strict-in of its own and no list was fetched.
    const ctx = await loadRenderContext(db, routers.frr!, { secretBox: box });
    const cf = ctx.sessions.find((s) => s.address === "195.66.225.179")!;
    expect(cf.irrProblem).toBe("missing");
    expect(cf.importChain.name).toBe("pb-deny");
    expect(ctx.warnings).toContain(
      "AS13335 IPv4: the IRR list has not been fetched (1 session refusing all its routes)",
    );
  });

  it("accepts unfiltered with a warning when the policy says so, written on every platform", async () => {
    await db.prisma.routingPolicy.update({ where: { slug: "strict-in" }, data: { irrFallback: "accept" } });
    try {
      const ctx = await loadRenderContext(db, routers.bird2!, { secretBox: box });
      const cf = ctx.sessions.find((s) => s.address === "195.66.225.179")!;
      expect(cf.importChain.name).not.toBe("pb-deny");
      expect(cf.importChain.irr).toBeNull();
      expect(ctx.warnings).toContain(
        "AS13335 IPv4: the IRR list has not been fetched (1 session accepting them unfiltered)",
      );
      const r = await renderRouterConfig(db, routers.bird2!, { secretBox: box, templatesDir: null });
      expect(r.config).toContain("  # IRR list missing: accepting routes unfiltered\n");
      expect(r.warnings.join("\n")).toContain("AS13335 IPv4");
      // Each platform writes the warning where its running configuration keeps it.
      const note = "IRR list for AS13335 IPv4 missing: accepting routes unfiltered";
      expect(cf.importChain.comment).toBe(note);
      const all: Record<string, string> = {};
      for (const p of PLATFORMS)
        all[p] = (await renderRouterConfig(db, routers[p]!, { secretBox: box, templatesDir: null })).config;
      expect(all.frr).toMatch(new RegExp(`route-map pb-in-[0-9a-f]{8} permit 10\n description ${note}\n`));
      expect(all.eos).toMatch(new RegExp(`route-map pb-in-[0-9a-f]{8} permit 10\n {3}description ${note}\n`));
      expect(all.iosxr).toMatch(new RegExp(`route-policy pb-in-[0-9a-f]{8}\n {2}# ${note}\n`));
      expect(all.bird2).toMatch(new RegExp(`filter pb_in_[0-9a-f]{8} \\{\n {2}# ${note}\n`));
      expect(all.junos).toContain(
        `                /* ${note} */\n                import [ pb-linx-learned strict-in peering-in ];`,
      );
      for (const [p, parse] of [
        ["junos", junosNeighbors],
        ["iosxr", iosxrNeighbors],
        ["eos", eosNeighbors],
        ["bird2", birdNeighbors],
        ["frr", frrNeighbors],
      ] as const)
        expect(
          parse(all[p]!).map((x) => x.address),
          p,
        ).toContain("195.66.225.179");
      const { dir, done } = scratch();
      try {
        const file = write(path.join(dir, "frr.conf"), `frr defaults traditional\n${all.frr}`);
        const dry = frrDryRun(file);
        expect(dry.ok, dry.output).toBe(true);
        const include = write(path.join(dir, "peerbot.conf"), all.bird2!);
        const main = write(path.join(dir, "bird.conf"), birdMainConfig(include, POLICY_FUNCTIONS));
        const b = birdParse(main);
        expect(b.ok, b.output).toBe(true);
      } finally {
        done();
      }
    } finally {
      await db.prisma.routingPolicy.update({ where: { slug: "strict-in" }, data: { irrFallback: "reject" } });
    }
  });

  it("treats a list older than the limit, one over the cap, and one with a hostile entry as unusable", async () => {
    const old = new Date(Date.now() - 8 * 86_400_000);
    await putList(shared.he, 4, HE_V4, { fetchedAt: old, stale: true });
    let ctx = await loadRenderContext(db, routers.frr!, { secretBox: box });
    expect(ctx.sessions.find((s) => s.address === "195.66.224.21")!.irrProblem).toBe("stale");
    // Within a longer limit the same list is used.
    ctx = await loadRenderContext(db, routers.frr!, { secretBox: box, irrStaleAfterMs: 30 * 86_400_000 });
    expect(ctx.sessions.find((s) => s.address === "195.66.224.21")!.irr?.stale).toBe(true);

    await putList(shared.he, 4, [], { overCap: true, prefixCount: 250_000, stale: false });
    ctx = await loadRenderContext(db, routers.frr!, { secretBox: box });
    expect(ctx.sessions.find((s) => s.address === "195.66.224.21")!.irrProblem).toBe("over the cap");

    for (const hostile of [
      { prefix: "192.0.2.0/24\nrouter bgp 1", exact: true },
      { prefix: "192.0.2.0/24; reject", exact: true },
      { prefix: "192.0.2.1/24", exact: true },
      { prefix: "192.0.2.0/24", exact: false, "less-equal": "24 }" },
      { prefix: "2001:db8::/32", exact: true },
    ]) {
      await putList(shared.he, 4, [...HE_V4, hostile], { overCap: false });
      ctx = await loadRenderContext(db, routers.frr!, { secretBox: box });
      expect(
        ctx.sessions.find((s) => s.address === "195.66.224.21")!.irrProblem,
        JSON.stringify(hostile),
      ).toBe("invalid");
      const r = await renderRouterConfig(db, routers.junos!, { secretBox: box, templatesDir: null });
      expect(r.config).not.toContain("router bgp 1");
      expect(r.config).not.toContain("192.0.2.");
    }
    await putList(shared.he, 4, HE_V4);
  });

  it("follows the session's own setting over its policies", async () => {
    const s = await db.prisma.ixpSession.findFirstOrThrow({
      where: { ipAddress: "195.66.224.21", connection: { routerId: routers.frr! } },
    });
    await db.prisma.ixpSession.update({ where: { id: s.id }, data: { irrFilter: false } });
    let ctx = await loadRenderContext(db, routers.frr!, { secretBox: box });
    expect(ctx.sessions.find((x) => x.id === s.id)!.irr).toBeNull();
    // Turned on by hand on a session whose policies do not filter: the transit's direct session.
    const d = await db.prisma.directSession.findFirstOrThrow({ where: { routerId: routers.frr! } });
    await db.prisma.directSession.update({ where: { id: d.id }, data: { irrFilter: true } });
    ctx = await loadRenderContext(db, routers.frr!, { secretBox: box });
    const transit = ctx.sessions.find((x) => x.id === d.id)!;
    expect(transit.irrProblem).toBe("missing");
    expect(transit.importChain.name).toBe("pb-deny");
    await db.prisma.ixpSession.update({ where: { id: s.id }, data: { irrFilter: null } });
    await db.prisma.directSession.update({ where: { id: d.id }, data: { irrFilter: null } });
  });

  it("is not read at all when nothing on the router filters by IRR", async () => {
    await db.prisma.routingPolicy.update({ where: { slug: "strict-in" }, data: { irrFilter: false } });
    try {
      const r = await renderRouterConfig(db, routers.frr!, { secretBox: box, templatesDir: null });
      expect(r.config).not.toContain("prefix-list pb-irr");
      expect(r.warnings.join("\n")).not.toContain("IRR");
    } finally {
      await db.prisma.routingPolicy.update({ where: { slug: "strict-in" }, data: { irrFilter: true } });
    }
  });
});
