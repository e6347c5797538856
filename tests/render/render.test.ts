import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newSecretKey, SecretBox } from "../../core/crypto.js";
import {
  loadRenderContext,
  maskSecrets,
  renderContext,
  RenderError,
  renderRouterConfig,
  type RenderResult,
} from "../../core/render/index.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import {
  birdMainConfig,
  birdParse,
  frrDryRun,
  frrLoadedNeighbors,
  haveBird,
  haveFrr,
  scratch,
  write,
} from "./daemons.js";
import { seedRouter, seedShared, type Shared } from "./seed.js";

const box = SecretBox.fromString(newSecretKey());
const PLATFORMS = ["junos", "iosxr", "eos", "bird2", "frr"] as const;
let db: TestDatabase;
let shared: Shared;
const routers: Record<string, number> = {};
const out: Record<string, RenderResult> = {};
let tmp: string;

beforeAll(async () => {
  db = await createTestDatabase(import.meta.filename);
  shared = await seedShared(db);
  let octet = 10;
  for (const p of PLATFORMS) routers[p] = await seedRouter(db, shared, p, box, { octet: octet++ });
  for (const p of PLATFORMS)
    out[p] = await renderRouterConfig(db, routers[p]!, { secretBox: box, templatesDir: null });
  tmp = mkdtempSync(path.join(tmpdir(), "peerbot-tpl-"));
});
afterAll(async () => {
  await db?.drop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const lines = (p: string) => out[p]!.config.split("\n");
const has = (p: string, line: string) => expect(lines(p)).toContain(line);

describe("every platform", () => {
  it("renders enabled, provisioning, disabled and maintenance sessions and leaves requested/decommissioned out", () => {
    for (const p of PLATFORMS) {
      const c = out[p]!.config;
      for (const a of [
        "195.66.224.21",
        "2001:7f8:4::1b1b:1",
        "195.66.225.179",
        "2001:7f8:4::3417:1",
        "195.66.225.222",
        "80.249.209.150",
        "38.1.1.1",
      ])
        expect(c, `${p} ${a}`).toContain(a);
      expect(c).not.toContain("195.66.226.1");
      expect(c).not.toContain("195.66.226.2");
      expect(out[p]!.sessions).toBe(7);
      expect(out[p]!.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(out[p]!.dialect).toBe(p);
    }
  });

  it("is deterministic", async () => {
    for (const p of PLATFORMS) {
      const again = await renderRouterConfig(db, routers[p]!, { secretBox: box, templatesDir: null });
      expect(again.config).toBe(out[p]!.config);
      expect(again.sha256).toBe(out[p]!.sha256);
    }
  });

  it("reports the AS-SET it could not use", () => {
    expect(out.junos!.warnings.some((w) => w.includes("AS174"))).toBe(true);
  });

  it("puts the password in the configuration and maskSecrets takes it out", () => {
    for (const p of PLATFORMS) {
      expect(out[p]!.config).toContain("s3cret-HE");
      const masked = maskSecrets(out[p]!.config, p);
      expect(masked).not.toContain("s3cret-HE");
      expect(masked).toContain("********");
    }
  });
});

describe("junos", () => {
  it("groups per IXP and family with the meaningful statements", () => {
    const c = out.junos!.config;
    for (const l of [
      "        group pb-linx-lon1-v4 {",
      "        group pb-linx-lon1-v6 {",
      "        group pb-linx-lon1-rs-v4 {",
      "        group pb-ams-ix-v4 {",
      "        group pb-transit-v4 {",
      '            description "LINX LON1 IPv4";',
      "            local-address 195.66.224.10;",
      "            local-as 64501;",
      "            neighbor 195.66.224.21 {",
      '                description "AS6939 Hurricane Electric";',
      "                peer-as 6939;",
      "                import [ pb-he-large pb-linx-learned strict-in peering-in ];",
      "                export [ peering-out ];",
      '                authentication-key "s3cret-HE";',
      "                            maximum 150000;",
      "            inactive: neighbor 195.66.225.179 {",
      "            inactive: neighbor 2001:7f8:4::3417:1 {",
      "                import [ pb-he-large pb-linx-learned strict-in v6-only-in peering-in ];",
      "                export [ pb-deny ];",
      "                bfd-liveness-detection {",
      "                    ttl 2;",
      "                passive;",
      "    community pb-linx-learned members 64500:1001;",
      "    community pb-he-large members large:64500:1:2;",
      "    community pb-transit-rt members target:64500:100;",
      "        then community add pb-linx-learned;",
      "    policy-statement pb-deny {",
    ])
      expect(c.split("\n"), l).toContain(l);
    // Group order: by IXP slug, then family; route servers after.
    const order = [
      "pb-ams-ix-v4",
      "pb-linx-lon1-v4",
      "pb-linx-lon1-v6",
      "pb-linx-lon1-rs-v4",
      "pb-transit-v4",
    ].map((g) => c.indexOf(`group ${g} {`));
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });
});

describe("bird2", () => {
  it("defines filters, templates and protocols", () => {
    const c = out.bird2!.config;
    expect(c).toMatch(/^protocol bgp pb_linx_lon1_as6939_i\d+ from pb_linx_lon1_v4 \{$/m);
    expect(c).toMatch(/^protocol bgp pb_linx_lon1_as8714_i\d+ from pb_linx_lon1_rs_v4 \{$/m);
    expect(c).toMatch(/^protocol bgp pb_transit_as174_d\d+ from pb_transit_v4 \{$/m);
    for (const l of [
      "template bgp pb_linx_lon1_v4 {",
      "  local 195.66.224.13 as 64500;",
      "  local 80.249.208.13 as 64501;",
      "  neighbor 195.66.224.21 as 6939;",
      '  password "s3cret-HE";',
      "  bfd on;",
      "  multihop 2;",
      "  passive on;",
      "    receive limit 150000 action restart;",
      "    export none;",
      "  bgp_large_community.add((64500,1,2));",
      "  bgp_community.add((64500,1001));",
      "  bgp_ext_community.add((rt,64500,100));",
      "  policy_strict_in();",
      "  policy_peering_in();",
      "#   policy_peering_in() for peering in",
    ])
      has("bird2", l);
    expect(c.match(/^ {2}disabled yes;$/gm)).toHaveLength(2);
    expect(c).toMatch(/^ {4}import filter pb_in_[0-9a-f]{8};$/m);
  });
});

describe("frr", () => {
  it("renders one router bgp block with peer-groups and address families", () => {
    for (const l of [
      "router bgp 64500",
      " no bgp default ipv4-unicast",
      " neighbor pb-linx-lon1-v4 peer-group",
      " neighbor pb-linx-lon1-v4 update-source 195.66.224.14",
      " neighbor 195.66.224.21 remote-as 6939",
      " neighbor 195.66.224.21 peer-group pb-linx-lon1-v4",
      " neighbor 195.66.224.21 description AS6939 Hurricane Electric",
      " neighbor 195.66.224.21 password s3cret-HE",
      " neighbor 195.66.225.179 shutdown",
      " neighbor 2001:7f8:4::3417:1 shutdown",
      " neighbor 80.249.209.150 local-as 64501",
      " neighbor 195.66.225.222 bfd",
      " neighbor 38.1.1.1 ebgp-multihop 2",
      " neighbor 38.1.1.1 passive",
      " address-family ipv4 unicast",
      "  neighbor pb-linx-lon1-v4 activate",
      "  neighbor 195.66.224.21 maximum-prefix 150000",
      "  neighbor 195.66.224.21 route-map peering-out out",
      "  neighbor 80.249.209.150 route-map pb-deny out",
      " address-family ipv6 unicast",
      "  neighbor pb-linx-lon1-v6 activate",
      "route-map pb-deny deny 10",
      " call strict-in",
      " on-match next",
      " set community 64500:1001 additive",
      " set large-community 64500:1:2 additive",
      " set extcommunity rt 64500:100",
    ])
      has("frr", l);
    expect(out.frr!.config).toMatch(/^ {2}neighbor 195\.66\.224\.21 route-map pb-in-[0-9a-f]{8} in$/m);
  });
});

describe("eos", () => {
  it("renders peer groups, neighbors and route-maps", () => {
    for (const l of [
      "router bgp 64500",
      "   neighbor pb-linx-lon1-v4 peer group",
      "   neighbor 195.66.224.21 peer group pb-linx-lon1-v4",
      "   neighbor 195.66.224.21 remote-as 6939",
      "   neighbor 195.66.224.21 password 0 s3cret-HE",
      "   neighbor 195.66.224.21 maximum-routes 150000",
      "   neighbor 2001:7f8:4::3417:1 maximum-routes 0",
      "   neighbor 195.66.225.179 shutdown",
      "   neighbor 80.249.209.150 local-as 64501 no-prepend replace-as",
      "   neighbor 195.66.225.222 bfd",
      "   neighbor 38.1.1.1 ebgp-multihop 2",
      "   neighbor 38.1.1.1 passive",
      "   address-family ipv6",
      "      neighbor pb-linx-lon1-v6 activate",
      "route-map pb-deny deny 10",
      "   sub-route-map strict-in",
      "   set community 64500:1001 additive",
      "   set extcommunity rt 64500:100 additive",
    ])
      has("eos", l);
  });
});

describe("iosxr", () => {
  it("renders neighbor-groups, neighbors and route-policies", () => {
    for (const l of [
      "router bgp 64500",
      " neighbor-group pb-linx-lon1-v4",
      " neighbor 195.66.224.21",
      "  remote-as 6939",
      "  use neighbor-group pb-linx-lon1-v4",
      "  password clear s3cret-HE",
      "  shutdown",
      "  local-as 64501",
      "  bfd fast-detect",
      "  ebgp-multihop 2",
      "  session-open-mode passive-only",
      "   maximum-prefix 150000 90",
      "   route-policy pb-deny out",
      "route-policy pb-deny",
      "  drop",
      "end-policy",
      "  apply strict-in",
      "  set community (64500:1001) additive",
      "  set large-community (64500:1:2) additive",
    ])
      has("iosxr", l);
  });
});

describe("the daemons accept every feature the templates use", () => {
  const strict = process.env.PEERBOT_SKIP_DAEMON_CHECKS !== "1";
  it.runIf(strict || haveBird())(
    "bird -p: communities of each kind, BFD, multihop, passive, disabled",
    async () => {
      expect(haveBird(), "bird2 is not installed: run .ci/install-routing.sh").toBe(true);
      const ctx = await loadRenderContext(db, routers.bird2!, { secretBox: box });
      const { dir, done } = scratch();
      try {
        const include = write(path.join(dir, "peerbot.conf"), out.bird2!.config);
        const main = write(
          path.join(dir, "bird.conf"),
          birdMainConfig(
            include,
            ctx.policies.map((p) => p.symbol),
          ),
        );
        const r = birdParse(main);
        expect(r.ok, r.output).toBe(true);
        // The contract: a policy function the main configuration lacks is an error, not a pass.
        const missing = write(
          path.join(dir, "missing.conf"),
          birdMainConfig(
            include,
            ctx.policies.slice(1).map((p) => p.symbol),
          ),
        );
        expect(birdParse(missing).ok).toBe(false);
      } finally {
        done();
      }
    },
  );

  it.runIf(strict || haveFrr())(
    "vtysh --dryrun and bgpd: route-maps, large and extended communities, local-as",
    () => {
      expect(haveFrr(), "frr is not installed: run .ci/install-routing.sh").toBe(true);
      const { dir, done } = scratch();
      try {
        const file = write(path.join(dir, "frr.conf"), `frr defaults traditional\n${out.frr!.config}`);
        const r = frrDryRun(file);
        expect(r.ok, r.output).toBe(true);
        const loaded = frrLoadedNeighbors(file, dir);
        expect(loaded.neighbors.map((n) => n.address).sort()).toEqual(
          [
            "195.66.224.21",
            "2001:7f8:4::1b1b:1",
            "195.66.225.179",
            "2001:7f8:4::3417:1",
            "195.66.225.222",
            "80.249.209.150",
            "38.1.1.1",
          ].sort(),
        );
        expect(loaded.shutdown.sort()).toEqual(["195.66.225.179", "2001:7f8:4::3417:1"].sort());
      } finally {
        done();
      }
    },
  );
});

describe("context", () => {
  it("inherits status, merges policies session -> AS -> IXP and filters by family", async () => {
    const ctx = await loadRenderContext(db, routers.frr!, { secretBox: box });
    const by = (a: string) => ctx.sessions.find((s) => s.address === a)!;
    expect(by("195.66.225.179").effectiveStatus).toBe("disabled");
    expect(by("2001:7f8:4::3417:1").effectiveStatus).toBe("maintenance");
    expect(by("80.249.209.150").status).toBe("provisioning");
    expect(by("80.249.209.150").shutdown).toBe(false);
    expect(by("195.66.225.179").importPolicies.map((p) => p.slug)).toEqual(["strict-in", "peering-in"]);
    expect(by("195.66.224.21").importPolicies.map((p) => p.slug)).toEqual(["strict-in", "peering-in"]);
    expect(by("2001:7f8:4::1b1b:1").importPolicies.map((p) => p.slug)).toEqual([
      "strict-in",
      "v6-only-in",
      "peering-in",
    ]);
    expect(by("80.249.209.150").exportChain.deny).toBe(true);
    expect(by("195.66.224.21").maxPrefixes).toBe(150000);
    expect(by("2001:7f8:4::1b1b:1").maxPrefixes).toBe(100000);
    expect(ctx.families.map((f) => f.afi)).toEqual(["ipv4", "ipv6"]);
    expect(ctx.groups.map((g) => g.name)).toEqual([
      "pb-ams-ix-v4",
      "pb-linx-lon1-v4",
      "pb-linx-lon1-v6",
      "pb-linx-lon1-rs-v4",
      "pb-transit-v4",
    ]);
  });

  it("follows the status of the connection and the IXP", async () => {
    const conn = await db.prisma.connection.findFirstOrThrow({
      where: { routerId: routers.frr!, ixpId: shared.ams },
    });
    await db.prisma.connection.update({ where: { id: conn.id }, data: { status: "maintenance" } });
    try {
      const r = await renderRouterConfig(db, routers.frr!, { secretBox: box, templatesDir: null });
      expect(r.config.split("\n")).toContain(" neighbor 80.249.209.150 shutdown");
    } finally {
      await db.prisma.connection.update({ where: { id: conn.id }, data: { status: "enabled" } });
    }
  });
});

describe("errors a user can fix", () => {
  it("refuses a router that does not exist", async () => {
    await expect(renderRouterConfig(db, 999_999)).rejects.toThrow(RenderError);
  });

  it("needs the secret key to render passwords", async () => {
    await expect(
      renderRouterConfig(db, routers.junos!, { secretBox: null, templatesDir: null }),
    ).rejects.toThrow(/BGP password but no secret key/);
    const other = SecretBox.fromString(newSecretKey());
    await expect(
      renderRouterConfig(db, routers.junos!, { secretBox: other, templatesDir: null }),
    ).rejects.toThrow(/cannot be decrypted/);
  });

  it("refuses a password no router can carry, without showing it", async () => {
    const s = await db.prisma.ixpSession.findFirstOrThrow({
      where: { ipAddress: "195.66.224.21", connection: { routerId: routers.eos! } },
    });
    await db.prisma.ixpSession.update({
      where: { id: s.id },
      data: { passwordEnc: box.encrypt('bad"pass; word') },
    });
    try {
      const err = await renderRouterConfig(db, routers.eos!, { secretBox: box, templatesDir: null }).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(RenderError);
      expect((err as Error).message).toContain("AS6939 at LINX LON1 (195.66.224.21)");
      expect((err as Error).message).not.toContain("bad");
    } finally {
      await db.prisma.ixpSession.update({
        where: { id: s.id },
        data: { passwordEnc: box.encrypt("s3cret-HE") },
      });
    }
  });

  it("refuses an invalid identifier", async () => {
    const p = await db.prisma.routingPolicy.findUniqueOrThrow({ where: { slug: "peering-out" } });
    await db.prisma.routingPolicy.update({ where: { id: p.id }, data: { slug: "peering out; delete" } });
    try {
      await expect(
        renderRouterConfig(db, routers.bird2!, { secretBox: box, templatesDir: null }),
      ).rejects.toThrow(/is not a valid name/);
    } finally {
      await db.prisma.routingPolicy.update({ where: { id: p.id }, data: { slug: "peering-out" } });
    }
  });

  it("needs a template for a file router, and uses the dialect the template names", async () => {
    const plain = await seedRouter(db, shared, "file", box, { name: "files-plain", octet: 40 });
    await expect(renderRouterConfig(db, plain, { secretBox: box, templatesDir: null })).rejects.toThrow(
      /set its template/,
    );
    const bird = await seedRouter(db, shared, "file", box, {
      name: "files-bird",
      template: "bird2",
      octet: 41,
    });
    const r = await renderRouterConfig(db, bird, { secretBox: box, templatesDir: null });
    expect(r.dialect).toBe("bird2");
    expect(r.config).toContain("neighbor 195.66.224.21 as 6939;");
    await expect(
      renderRouterConfig(db, bird, { secretBox: box, templatesDir: null, template: "nope" }),
    ).rejects.toThrow(/no router template called nope/);
    await expect(
      renderRouterConfig(db, bird, { secretBox: box, templatesDir: null, template: "../../etc/passwd" }),
    ).rejects.toThrow(/not a valid template name/);
  });
});

describe("templates from PEERBOT_TEMPLATES_DIR", () => {
  it("replaces a partial, then a template, and notices edits", async () => {
    const dir = path.join(tmp, "override");
    mkdirSync(path.join(dir, "router", "partials"), { recursive: true });
    const partial = path.join(dir, "router", "partials", "frr-neighbor.hbs");
    writeFileSync(partial, " neighbor {{address}} remote-as {{remoteAsn}} ! custom\n");
    const r1 = await renderRouterConfig(db, routers.frr!, { secretBox: box, templatesDir: dir });
    expect(r1.config).toContain(" neighbor 195.66.224.21 remote-as 6939 ! custom");
    expect(r1.config).not.toContain("password s3cret-HE");
    expect(r1.config).toContain(" address-family ipv4 unicast");

    writeFileSync(partial, " neighbor {{address}} remote-as {{remoteAsn}} ! edited\n");
    utimesSync(partial, new Date(), new Date(Date.now() + 5_000));
    const r2 = await renderRouterConfig(db, routers.frr!, { secretBox: box, templatesDir: dir });
    expect(r2.config).toContain("! edited");

    writeFileSync(path.join(dir, "router", "frr.hbs"), "{{#each sessions}}{{address}}\n{{/each}}");
    const r3 = await renderRouterConfig(db, routers.frr!, { secretBox: box, templatesDir: dir });
    expect(r3.config.split("\n")[0]).toBe("80.249.209.150");
    expect(r3.templateFile).toBe(path.join(dir, "router", "frr.hbs"));

    // Without the override directory the built-in templates come back.
    const r4 = await renderRouterConfig(db, routers.frr!, { secretBox: box, templatesDir: null });
    expect(r4.config).toBe(out.frr!.config);
  });

  it("reads the directory from PEERBOT_TEMPLATES_DIR and offers the helpers", async () => {
    const dir = path.join(tmp, "env");
    mkdirSync(path.join(dir, "router"), { recursive: true });
    writeFileSync(
      path.join(dir, "router", "custom.hbs"),
      [
        "{{#each ixps}}",
        "ixp {{slug}} {{quote name}} v4={{ipv4 connections}} v6={{ipv6 connections}}",
        "{{#each (sessions this 6)}}",
        "  v6 {{address}} {{is_ipv6 address}} max={{max_prefix this}} status={{inherited_status this}}",
        "{{/each}}",
        '{{#each (iterate_policies this "import")}}  ixp-import {{slug}}\n{{/each}}',
        '{{#each (communities this "ingress")}}  community {{value}}\n{{/each}}',
        "{{/each}}",
        '{{#indent 4}}indented {{text "a\\"b"}}{{/indent}}',
        "json {{json sessions.[0].peer}}",
        "pw {{json sessions.[1]}}",
      ].join("\n"),
    );
    const prev = process.env.PEERBOT_TEMPLATES_DIR;
    process.env.PEERBOT_TEMPLATES_DIR = dir;
    try {
      const r = await renderRouterConfig(db, routers.junos!, { secretBox: box, template: "custom" });
      const l = r.config.split("\n");
      expect(l).toContain(`ixp linx-lon1 "LINX LON1" v4=195.66.224.10 v6=2001:7f8:4::fc00:10`);
      expect(l).toContain("  v6 2001:7f8:4::3417:1 true max=0 status=maintenance");
      expect(l).toContain("  v6 2001:7f8:4::1b1b:1 true max=100000 status=enabled");
      expect(l).toContain("  ixp-import peering-in");
      expect(l).toContain("  community 64500:1001");
      expect(l).toContain("    indented a'b");
      expect(r.config).toContain('"asn":6939');
      expect(r.config).not.toContain("s3cret-HE");
      expect(r.config).toContain('"password":"<secret>"');
    } finally {
      if (prev === undefined) delete process.env.PEERBOT_TEMPLATES_DIR;
      else process.env.PEERBOT_TEMPLATES_DIR = prev;
    }
  });

  it("reports template mistakes as RenderError", async () => {
    const dir = path.join(tmp, "broken");
    mkdirSync(path.join(dir, "router"), { recursive: true });
    writeFileSync(path.join(dir, "router", "syntax.hbs"), "{{#each sessions}}\n");
    writeFileSync(path.join(dir, "router", "typo.hbs"), "{{#each sessions}}{{adress}}\n{{/each}}");
    writeFileSync(
      path.join(dir, "router", "escape.hbs"),
      "protocol bgp x {\n{{#each sessions}}x }\n{{/each}}",
    );
    const ctx = await loadRenderContext(db, routers.bird2!, { secretBox: box });
    expect(() => renderContext(ctx, { template: "syntax", templatesDir: dir })).toThrow(/does not compile/);
    expect(() => renderContext(ctx, { template: "typo", templatesDir: dir })).toThrow(/"adress" not defined/);
    expect(() => renderContext(ctx, { template: "escape", templatesDir: dir })).toThrow(
      /closing brace without a block/,
    );
  });
});
