// Routing policies, communities and BGP groups from chat, on the demo network: added by an
// operator, attached at each level the render resolves (AS, IXP, group, session), seen in the
// router's rendered diff, listed with where they are attached, and recorded in the object
// history; every bad input answered in one sentence with nothing changed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newChange, sayRefused, type Chat } from "../helpers/chat.js";
import type { TestDatabase } from "../helpers/db.js";
import { demoChat } from "../helpers/demo-chat.js";

let db: TestDatabase;
let chat: Chat;
let close: (() => Promise<void>) | undefined;
const say = (user: string, line: string) => chat.say(user, line);

/** Says a line that must be refused: one sentence and a hint, and not a row changed. */
const refused = (line: string, sentence: RegExp, user = "alice") =>
  sayRefused(chat, db, user, line, sentence);

/** The added lines of `diff <router>`. */
async function addedLines(router: string): Promise<string[]> {
  const t = await say("alice", `diff ${router}`);
  return t.split("\n").filter((l) => /^\+(?!\+\+)/.test(l));
}

const historyOf = (objectType: string) =>
  db.prisma.objectChange.findMany({ where: { objectType }, orderBy: { id: "asc" } });

beforeAll(async () => {
  ({ db, chat, close } = await demoChat(import.meta.filename));
  // Deploy the demo first, so that later diffs show only what the policies change.
  const id = newChange(await say("alice", "deploy edge1.lon"));
  expect(await say("bob", `approve ${id}`)).toContain("Status: deployed.");
});
afterAll(() => close?.());

describe("policy add and attach", () => {
  it("adds an import policy with its weight, family and name, recorded in the history", async () => {
    const t = await say("alice", "policy add peering-in import weight 200 family v4 name Peering in");
    expect(t).toContain("Routing policy peering-in added: import, IPv4, weight 200.");
    const p = await db.prisma.routingPolicy.findUniqueOrThrow({ where: { slug: "peering-in" } });
    expect(p).toMatchObject({ name: "Peering in", kind: "import", addressFamily: "ipv4", weight: 200 });
    const h = await historyOf("policy");
    expect(h.at(-1)).toMatchObject({
      action: "create",
      objectRepr: "peering-in",
      actor: "console:alice",
      via: "chat",
    });
    expect(h.at(-1)?.after).toMatchObject({ slug: "peering-in", kind: "import", weight: 200 });
  });

  it("attaches it to an AS: the router that has sessions with it renders the policy in its import", async () => {
    const t = await say("alice", "policy attach peering-in to AS 15169");
    expect(t).toContain("The policy peering-in is attached to AS15169 as import.");
    expect(t).toContain("It changes the configuration of edge1.lon: `diff edge1.lon` shows it");
    const added = await addedLines("edge1.lon");
    expect(added.some((l) => l.includes("policy_peering_in();"))).toBe(true);
    // The IPv4 session takes it, not the IPv6 one (family v4): one new import filter.
    expect(added.filter((l) => /^\+filter pb_in_/.test(l))).toHaveLength(1);
    const row = (await historyOf("as")).at(-1);
    expect(row).toMatchObject({ action: "update", objectRepr: "AS15169" });
    expect(row?.before).toEqual({ importPolicies: [], exportPolicies: [] });
    expect(row?.after).toEqual({ importPolicies: ["peering-in"], exportPolicies: [] });
  });

  it("an export policy attached to an IXP goes into every session's export there", async () => {
    await say("alice", "policy add peering-out export");
    const t = await say("alice", "policy attach peering-out to IXP LINX");
    expect(t).toContain("The policy peering-out is attached to IXP LINX LON1 as export.");
    const added = await addedLines("edge1.lon");
    expect(added.some((l) => l.includes("policy_peering_out();"))).toBe(true);
    const linx = await db.prisma.internetExchange.findUniqueOrThrow({
      where: { slug: "linx-lon1" },
      include: { exportPolicies: true, importPolicies: true },
    });
    expect(linx.exportPolicies.map((p) => p.slug).sort()).toEqual(["export-own", "peering-out"]);
    expect(linx.importPolicies.map((p) => p.slug)).toEqual(["import-peers"]);
  });

  it("a both-ways policy goes into both lists, or one of them when told", async () => {
    await say("alice", "policy add rpki both weight 1000");
    expect(await say("alice", "policy attach rpki to IXP AMS-IX")).toContain("as import and export.");
    expect(await say("alice", "policy attach rpki to AS15169 import")).toContain(
      "attached to AS15169 as import.",
    );
    const as = await db.prisma.autonomousSystem.findUniqueOrThrow({
      where: { asn: 15169n },
      include: { importPolicies: true, exportPolicies: true },
    });
    expect(as.importPolicies.map((p) => p.slug).sort()).toEqual(["peering-in", "rpki"]);
    expect(as.exportPolicies).toEqual([]);
  });

  it("attaches to one session, found by its AS, its IXP or router, and its address", async () => {
    const s = await db.prisma.ixpSession.findFirstOrThrow({
      where: { autonomousSystem: { asn: 15169n }, connection: { ixp: { slug: "linx-lon1" } } },
      orderBy: { id: "asc" },
    });
    const ip = s.ipAddress.replace(/\/\d+$/, "");
    const t = await say("alice", `policy attach peering-out to session AS15169 at LINX ${ip}`);
    expect(t).toContain(`attached to session AS15169 at LINX LON1 ${ip} as export.`);
    const on = await say("alice", `policy detach peering-out from session AS15169 on edge1.lon ${ip}`);
    expect(on).toContain(`detached from session AS15169 at LINX LON1 ${ip} as export.`);
    expect((await historyOf("ixp-session")).slice(-2).map((r) => r.action)).toEqual(["update", "update"]);
  });

  it("a group takes policies and communities", async () => {
    const t = await say("alice", "group add Transit providers description Our upstreams");
    expect(t).toContain("BGP group transit-providers added.");
    expect(await say("alice", "policy attach peering-in to group transit-providers")).toContain(
      "No router renders a session there yet",
    );
    const g = await say("alice", "groups");
    expect(g).toMatch(/^transit-providers +Transit providers \(Our upstreams\) +enabled +0 +— +peering-in /m);
    expect(g).toContain("peering-in");
  });

  it("`policies` lists each policy with where it is attached", async () => {
    const t = await say("alice", "policies");
    expect(t).toMatch(
      /rpki .*import and export .*IPv4 and IPv6 .*1000 .*AS15169 \(import\), AMS-IX[^|]*\(import, export\)/,
    );
    expect(t).toMatch(
      /peering-in .*Peering in .*import .*IPv4 .*200 .*AS15169 \(import\), group transit-providers \(import\)/,
    );
    expect(t).toMatch(/peering-out .*export .*LINX LON1 \(export\)/);
  });

  it("detaching and removing: a policy still attached is not removed, and says where", async () => {
    const t = await refused(
      "policy remove peering-out",
      /^The routing policy peering-out is still attached to LINX LON1 \(export\)\./,
    );
    expect(t).toContain("Detach it first");
    expect(await say("alice", "policy detach peering-out from IXP linx")).toContain(
      "detached from IXP LINX LON1 as export.",
    );
    expect(await say("alice", "policy remove peering-out")).toContain("Routing policy peering-out removed.");
    expect(await db.prisma.routingPolicy.findUnique({ where: { slug: "peering-out" } })).toBeNull();
    expect((await historyOf("policy")).at(-1)).toMatchObject({ action: "delete", objectRepr: "peering-out" });
  });
});

describe("communities", () => {
  it("infers the kind of a standard, an extended and a large community", async () => {
    expect(await say("alice", "community add learned-at-linx-rs 64500:200")).toContain(
      "Community learned-at-linx-rs added: standard 64500:200, ingress",
    );
    expect(await say("alice", "community add rt-customers rt:64500:42 egress")).toContain(
      "Community rt-customers added: extended target:64500:42, egress",
    );
    expect(await say("alice", 'community add "From transit" large:64500:1:300')).toContain(
      "Community from-transit added: large 64500:1:300",
    );
    expect(await say("alice", "community add site-of-origin origin:192.0.2.1:7")).toContain(
      "extended origin:192.0.2.1:7",
    );
    expect(await say("alice", "community add gshut graceful-shutdown egress")).toContain("standard 65535:0");
    const rows = await db.prisma.community.findMany({ orderBy: { slug: "asc" } });
    expect(rows.map((c) => [c.slug, c.kind, c.value])).toEqual([
      ["from-transit", "large", "64500:1:300"],
      ["gshut", "standard", "65535:0"],
      ["learned-at-ixp", "standard", "64500:100"],
      ["learned-at-linx-rs", "standard", "64500:200"],
      ["rt-customers", "extended", "target:64500:42"],
      ["site-of-origin", "extended", "origin:192.0.2.1:7"],
    ]);
  });

  it("an ingress community attached to an IXP tags what the router receives there", async () => {
    const t = await say("alice", "community attach learned-at-linx-rs to IXP LINX");
    expect(t).toContain("The community learned-at-linx-rs is attached to IXP LINX LON1.");
    const added = await addedLines("edge1.lon");
    expect(added.some((l) => l.includes("bgp_community.add((64500,200));"))).toBe(true);
    expect(await say("alice", "communities")).toMatch(
      /learned-at-linx-rs .*standard .*64500:200 .*ingress .*LINX LON1/,
    );
  });

  it("an egress large community attached to an AS tags what we send it", async () => {
    await say("alice", "community add to-google 64500:2:15169 egress");
    await say("alice", "community attach to-google to AS15169");
    const added = await addedLines("edge1.lon");
    expect(added.some((l) => l.includes("bgp_large_community.add((64500,2,15169));"))).toBe(true);
  });

  it("a community that does not parse is refused in one sentence", async () => {
    await refused(
      "community add bad 65000:70000",
      /^"65000:70000" is not a standard community: its second part must be a number from 0 to 65535, e\.g\. 65000:100\.\nUsage: community add <name> <value> \[ingress\|egress\]\n$/,
    );
    await refused(
      "community add bad 65000:1:4294967296",
      /^"65000:1:4294967296" is not a large community: its third part must be a number from 0 to 4294967295/,
    );
    await refused(
      "community add bad target:70000:70000",
      /^"target:70000:70000" is not an extended community/,
    );
    await refused("community add bad hello", /^"hello" is not a standard community/);
    await refused(
      "community add bad 1:2:3:4",
      /^"1:2:3:4" is not a community value: a standard community is two numbers/,
    );
    await refused("community add bad", /^Say the community's value after its name/);
    await refused("community add learned at linx 64500:1", /^Put a name with spaces in quotes/);
    await refused(
      "community add learned-at-linx-rs 64500:9",
      /^There is already a community called learned-at-linx-rs \(64500:200\)\./,
    );
    await refused(
      "community add bad 64500:1 ingress egress",
      /^Say ingress \(tags routes we receive\) or egress/,
    );
  });
});

describe("bad input changes nothing", () => {
  it("a router has no policies of its own: the levels that exist are named", async () => {
    const t = await refused(
      "policy attach peering-in to router edge1.lon",
      /^Policies and communities attach to an AS, an IXP, a BGP group or a session: peerbot has no router-level ones\./,
    );
    expect(t).toContain("attach it to their BGP group or IXP instead");
    await refused("community attach gshut to router edge1.lon", /no router-level ones/);
  });

  it("an import policy cannot be attached as export", async () => {
    await refused(
      "policy attach peering-in to AS15169 export",
      /^peering-in is an import policy: it cannot be attached as export\./,
    );
  });

  it("attaching twice, detaching what is not attached", async () => {
    await refused(
      "policy attach peering-in to AS15169",
      /^peering-in is already attached to AS15169 as import\./,
    );
    await refused("policy detach peering-in from IXP LINX", /^peering-in is not attached to IXP LINX LON1\./);
    await refused("community detach gshut from AS15169", /^The community gshut is not attached to AS15169\./);
  });

  it("unknown objects and targets", async () => {
    await refused(
      "policy attach nope to AS15169",
      /^There is no routing policy called "nope"\.\nKnown: .*peering-in/,
    );
    await refused("policy attach peering-in to group nope", /^There is no BGP group called "nope"\./);
    await refused("policy attach peering-in to IXP Nowhere", /^No IXP is called "Nowhere"\./);
    await refused(
      "policy attach peering-in to planet mars",
      /^"planet" is not something a policy or community attaches to/,
    );
    await refused("policy attach peering-in", /^Say what to attach it to: AS <asn>, IXP <name>/);
    await refused(
      "policy attach peering-in to session AS15169 on edge1.lon 192.0.2.99",
      /^There is no session on 192\.0\.2\.99 on edge1\.lon\./,
    );
    const s = await db.prisma.ixpSession.findFirstOrThrow({
      where: { autonomousSystem: { asn: 8075n }, connection: { ixp: { slug: "linx-lon1" } } },
    });
    const ip = s.ipAddress.replace(/\/\d+$/, "");
    await refused(
      `policy attach peering-in to session AS15169 at LINX ${ip}`,
      new RegExp(`^The session on ${ip.replace(/\./g, "\\.")} at LINX LON1 is with AS8075, not AS15169\\.`),
    );
  });

  it("policy add: a kind, a weight, a family and a slug the routers can use", async () => {
    await refused("policy add x", /^Say whether the policy is for import, export or both/);
    await refused("policy add x import export", /^Say one of import, export or both, not several\./);
    await refused(
      "policy add x import weight 99999",
      /^"99999" is not a weight: a whole number from 0 to 32767/,
    );
    await refused(
      "policy add x import family v5",
      /^"v5" is not an address family: say family v4, v6 or both\./,
    );
    await refused(
      'policy add "bad slug" import',
      /^"bad slug" cannot name a routing policy: use letters, digits, "-" and "_"/,
    );
    await refused("policy add 'it\"s' import", /cannot name a routing policy/);
    await refused("policy add peering-in export", /^There is already a routing policy called peering-in\./);
    await refused(
      "policy add peering_in import",
      /^The routing policy peering-in already exists, and peering_in would have the same name on a router \(policy_peering_in in BIRD\)\./,
    );
    await refused("policy frobnicate x", /^A policy can be: add, attach, detach, remove/);
    await refused(
      "policy attach peering-in to AS15169 family v4",
      /^family, weight and name are for `policy add`\./,
    );
  });

  it("group add and remove", async () => {
    await refused("group add transit providers", /^There is already a BGP group called transit-providers\./);
    await refused('group add "!!!"', /^peerbot cannot make a configuration name out of "!!!"/);
    await refused("group remove nope", /^There is no BGP group called "nope"\./);
  });

  it("a viewer may list but not add", async () => {
    const t = await refused("policy add y import", /You need the operator role/, "viewer");
    expect(t).not.toContain("added");
    expect(await say("viewer", "policies")).toContain("peering-in");
  });
});

describe("help", () => {
  it("lists the new commands with examples", async () => {
    const t = await say("alice", "help");
    for (const c of [
      "policy add <slug>",
      "community add <name> <value>",
      "group add <name>",
      "policies",
      "communities",
      "groups",
    ])
      expect(t).toContain(c);
    expect(await say("alice", "help community")).toContain(
      "community add rt-customers target:64500:42 egress",
    );
  });
});
