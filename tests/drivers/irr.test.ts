// The bgpq4 driver with the REAL bgpq4 binary against a fake IRRd on loopback
// (tests/fakes/irrd.ts): nested sets for both families with and without the `!a` query,
// a loop, IRR sources, unknown sets, a slow server (timeout, child killed), a 200,000-prefix
// set, origin ASNs, a server that answers garbage or hangs up, and a missing binary.
import { createServer, type AddressInfo, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IrrError, type IrrPrefix } from "../../core/irr/types.js";
import {
  bgpq4Args,
  createBgpq4Fetcher,
  DEFAULT_ARGS_V4,
  DEFAULT_ARGS_V6,
  firstStderrLine,
  toIrrPrefix,
} from "../../drivers/irr/bgpq4.js";
import { bigPrefixesV4, defaultIrrdData, FakeIrrd, frame, manySets } from "../fakes/irrd.js";

const withA = new FakeIrrd({ delayMs: { "AS-SLOW": 3000 } });
const withoutA = new FakeIrrd({ supportA: false, delayMs: { "AS-SLOW": 3000 } });

beforeAll(async () => {
  await Promise.all([withA.start(), withoutA.start()]);
});
afterAll(async () => {
  await Promise.all([withA.close(), withoutA.close()]);
});

/** The IrrError a call throws (fails the test when it resolves). */
async function irrFailure(p: Promise<unknown>): Promise<IrrError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, "the call should have failed").toBeInstanceOf(IrrError);
  return err as IrrError;
}

const prefixesOf = (list: IrrPrefix[]) => list.map((p) => p.prefix).sort();

const NESTED_V4 = [
  "185.101.0.0/22",
  "185.102.0.0/22",
  "185.103.0.0/22",
  "23.150.40.0/24",
  "45.129.10.0/24",
  "45.129.16.0/24",
  "45.129.18.0/24",
  "45.129.24.0/24",
  "45.129.26.0/24",
  "45.129.8.0/24",
];
const NESTED_V6 = [
  "2602:fd50:10::/44",
  "2a0c:9a40:4::/48",
  "2a0c:9a40:6::/48",
  "2a0c:9a40:8::/48",
  "2a0c:9a40:a::/48",
  "2a0c:9a40:c::/48",
  "2a0c:9a40:e::/48",
];

describe.each([
  ["answering !a", withA],
  ["without !a (fallback to !i and !g/!6)", withoutA],
])("bgpq4 against an IRRd %s", (_name, irrd) => {
  it("expands a set nested three levels deep for IPv4, with ranges from -r/-R", async () => {
    const f = createBgpq4Fetcher({ host: irrd.host });
    const before = irrd.commands.length;
    const list = await f.prefixes({ sets: ["AS-PBTEST-A"], sources: [], family: 4 });
    expect(prefixesOf(list)).toEqual(NESTED_V4);
    expect(list).toContainEqual({ prefix: "45.129.8.0/24", exact: true });
    expect(list).toContainEqual({ prefix: "185.101.0.0/22", exact: false, "less-equal": 24 });
    const sent = irrd.commands.slice(before);
    if (irrd === withA) expect(sent).toContain("!a4AS-PBTEST-A");
    else expect(sent).toEqual(expect.arrayContaining(["!iAS-PBTEST-A,1", "!gas204003", "!gas396901"]));
  });

  it("expands the same set for IPv6", async () => {
    const f = createBgpq4Fetcher({ host: irrd.host });
    const before = irrd.commands.length;
    const list = await f.prefixes({ sets: ["AS-PBTEST-A"], sources: [], family: 6 });
    expect(prefixesOf(list)).toEqual(NESTED_V6);
    expect(list).toContainEqual({ prefix: "2602:fd50:10::/44", exact: false, "less-equal": 48 });
    expect(list).toContainEqual({ prefix: "2a0c:9a40:4::/48", exact: true });
    const sent = irrd.commands.slice(before);
    if (irrd === withA) expect(sent).toContain("!a6AS-PBTEST-A");
    else expect(sent).toContain("!6as204001");
  });

  it("ends on a loop of sets", async () => {
    const f = createBgpq4Fetcher({ host: irrd.host, timeoutMs: 10_000 });
    const list = await f.prefixes({ sets: ["AS-LOOP1"], sources: [], family: 4 });
    // AS204004 and AS204005: three prefixes each.
    expect(prefixesOf(list)).toEqual(
      [
        "45.129.32.0/24",
        "45.129.34.0/24",
        "185.104.0.0/22",
        "45.129.40.0/24",
        "45.129.42.0/24",
        "185.105.0.0/22",
      ].sort(),
    );
  });

  it("honours the IRR sources: a RADB-only set is empty with RIPE and present with RADB", async () => {
    const f = createBgpq4Fetcher({ host: irrd.host });
    expect(await f.prefixes({ sets: ["AS-RADBONLY"], sources: ["RIPE"], family: 4 })).toEqual([]);
    expect(await f.prefixes({ sets: ["AS-RADBONLY"], sources: [], family: 4 })).toEqual([]);
    const before = irrd.commands.length;
    const radb = await f.prefixes({ sets: ["AS-RADBONLY"], sources: ["RADB"], family: 4 });
    expect(prefixesOf(radb)).toEqual(["185.106.0.0/22", "45.129.48.0/24", "45.129.50.0/24"]);
    expect(irrd.commands.slice(before)).toContain("!sRADB");
  });

  it("merges several sets, hierarchical names included", async () => {
    const f = createBgpq4Fetcher({ host: irrd.host });
    const list = await f.prefixes({ sets: ["AS204001:AS-PBTEST-CUST", "AS204002"], sources: [], family: 4 });
    expect(prefixesOf(list)).toEqual(
      [
        "45.129.16.0/24",
        "45.129.18.0/24",
        "185.102.0.0/22",
        "45.129.64.0/24",
        "45.129.66.0/24",
        "185.108.0.0/22",
      ].sort(),
    );
  });

  it("returns [] for a set the server does not know (bgpq4 exits 0 with an empty list)", async () => {
    const f = createBgpq4Fetcher({ host: irrd.host });
    expect(await f.prefixes({ sets: ["AS-DOES-NOT-EXIST"], sources: [], family: 4 })).toEqual([]);
    expect(await f.prefixes({ sets: ["AS-EMPTY"], sources: [], family: 6 })).toEqual([]);
    expect(await f.asns({ sets: ["AS-DOES-NOT-EXIST"], sources: [] })).toEqual([]);
  });

  it("lists the origin ASNs of sets (bgpq4 -f)", async () => {
    const f = createBgpq4Fetcher({ host: irrd.host });
    const asns = await f.asns({ sets: ["AS-PBTEST-A", "AS-LOOP1"], sources: [] });
    // AS64512 is a member of AS-PBTEST-C: bgpq4 drops private ASNs (stderr "Invalid AS number"), exit 0.
    expect([...asns].sort((a, b) => a - b)).toEqual([204001, 204002, 204003, 204004, 204005, 396901]);
    expect(await f.asns({ sets: ["AS-RADBONLY"], sources: ["RADB"] })).toEqual([204006]);
  });
});

describe("bgpq4 failures", () => {
  it("times out a slow server, kills the child and says so in one sentence", async () => {
    const f = createBgpq4Fetcher({ host: withA.host, timeoutMs: 700 });
    const started = Date.now();
    const err = await irrFailure(f.prefixes({ sets: ["AS-SLOW"], sources: [], family: 4 }));
    expect(Date.now() - started).toBeLessThan(2500);
    expect(err.message).toBe(`The IRR server at ${withA.host} did not answer within 0.7 s.`);
    // The killed bgpq4's connection is closed by the kernel: the fake sees no open connection.
    await expect.poll(() => withA.openConnections, { timeout: 2000 }).toBe(0);
  });

  it("gives bgpq4's first stderr line for an unknown source", async () => {
    const f = createBgpq4Fetcher({ host: withA.host });
    const err = await irrFailure(f.prefixes({ sets: ["AS-PBTEST-A"], sources: ["NOSUCH"], family: 4 }));
    expect(err.message).toMatch(/^bgpq4 failed \(exit code 1\) asking 127\.0\.0\.1:\d+: Invalid source\(s\)/);
    expect(err.message).toContain("NOSUCH");
  });

  it("fails clearly when nothing listens at the host", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", () => r()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const f = createBgpq4Fetcher({ host: `127.0.0.1:${port}`, timeoutMs: 10_000 });
    const err = await irrFailure(f.prefixes({ sets: ["AS-PBTEST-A"], sources: [], family: 4 }));
    expect(err.message).toMatch(
      /^bgpq4 failed \(exit code 1\) asking 127\.0\.0\.1:\d+: All attempts to connect/,
    );
  });

  it("says bgpq4 is missing when the binary is not there", async () => {
    const f = createBgpq4Fetcher({ host: withA.host, bin: "/nonexistent/bgpq4" });
    const err = await irrFailure(f.prefixes({ sets: ["AS-PBTEST-A"], sources: [], family: 4 }));
    expect(err.message).toBe(
      "bgpq4 is not installed here: /nonexistent/bgpq4 was not found (install the bgpq4 package or set the path to it).",
    );
    await irrFailure(f.asns({ sets: ["AS-PBTEST-A"], sources: [] }));
  });

  /** A server that answers each query line with `reply(line)` ("close": hang up there). */
  async function rawServer(reply: (line: string) => string): Promise<{ host: string; server: Server }> {
    const server = createServer((s) => {
      s.on("error", () => undefined);
      s.on("data", (d) => {
        for (const line of d.toString("utf8").split("\n")) {
          if (!line || line === "!!" || s.destroyed) continue;
          const r = line === "!q" ? "close" : reply(line);
          if (r === "close") s.destroy();
          else if (r.endsWith("<close>")) {
            s.write(r.slice(0, -"<close>".length));
            s.destroy();
          } else s.write(r);
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    return { host: `127.0.0.1:${(server.address() as AddressInfo).port}`, server };
  }

  /** Answers as IRRd would until the prefix query, then `last`. */
  const untilPrefixes = (last: string) => (line: string) =>
    line.startsWith("!a4")
      ? last
      : line === "!a"
        ? "F Missing required set name for A query\n"
        : line === "!s-lc"
          ? frame("RIPE")
          : "C\n";

  it.each([
    ["a wrong length and a non-prefix", () => "A3\nnot a prefix at all\nC\n"],
    ["text that is not the protocol", () => "hello, this is not IRRd\n"],
    ["the connection closed at once", () => "close"],
    ["the connection closed in the middle of an answer", untilPrefixes("A5000\n45.129.8.0/24 45.1<close>")],
    ["a prefix that is not one", untilPrefixes(frame("45.129.8.0/24 999.1.2.0/24"))],
    ["an unknown reply code", untilPrefixes("X what\n")],
    ["an error", untilPrefixes("F Internal error\n")],
  ])("turns a server that answers with %s into an IrrError", async (_n, reply) => {
    const { host, server } = await rawServer(reply);
    try {
      const f = createBgpq4Fetcher({ host, timeoutMs: 5000 });
      for (const sources of [["RIPE"], []]) {
        const started = Date.now();
        const err = await irrFailure(f.prefixes({ sets: ["AS-PBTEST-A"], sources, family: 4 }));
        // bgpq4 itself fails (exit 1, or a crash on SIGSEGV/SIGABRT): never our timeout.
        expect(err.message).toMatch(
          /^(bgpq4 failed \(exit code \d+\)|bgpq4 stopped on SIG[A-Z]+|bgpq4 reported an error) asking 127\.0\.0\.1:\d+/,
        );
        expect(Date.now() - started).toBeLessThan(4000);
        expect(err.message).not.toMatch(/[\n\r\u0000-\u001f]/);
        expect(err.message.length).toBeLessThan(300);
      }
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it("refuses a set name that bgpq4 could read as an option, before running it", async () => {
    const f = createBgpq4Fetcher({ host: withA.host });
    const before = withA.connections;
    await irrFailure(f.prefixes({ sets: ["-h"], sources: [], family: 4 }));
    await irrFailure(f.prefixes({ sets: ["AS-FOO; rm -rf /"], sources: [], family: 4 }));
    await irrFailure(f.prefixes({ sets: ["AS-FOO"], sources: ["RIPE,RADB"], family: 4 }));
    await irrFailure(f.asns({ sets: [], sources: [] }));
    expect(withA.connections).toBe(before);
    for (const host of ["-S RADB", "", "rr.ntt.net\n-h"]) {
      const bad = createBgpq4Fetcher({ host });
      const err = await irrFailure(bad.prefixes({ sets: ["AS-PBTEST-A"], sources: [], family: 4 }));
      expect(err.message).toMatch(
        /is not an IRR server name: give a host such as rr\.ntt\.net or host:port\.$/,
      );
      await irrFailure(bad.asns({ sets: ["AS-PBTEST-A"], sources: [] }));
    }
  });
});

describe("the 200,000-prefix set", () => {
  it("is read whole, every entry checked", async () => {
    const f = createBgpq4Fetcher({ host: withA.host, timeoutMs: 60_000 });
    const started = Date.now();
    const list = await f.prefixes({ sets: ["AS-BIG"], sources: [], family: 4 });
    const ms = Date.now() - started;
    expect(list).toHaveLength(200_000);
    const got = new Set(list.map((p) => p.prefix));
    expect(got.size).toBe(200_000);
    for (const p of ["20.0.0.0/24", "20.0.2.0/24", "21.0.0.0/24", "26.26.126.0/24"])
      expect(got.has(p)).toBe(true);
    expect(got.has("20.0.1.0/24")).toBe(false);
    expect(list.every((p) => p.exact)).toBe(true);
    expect(new Set(bigPrefixesV4())).toEqual(got);
    const v6 = await f.prefixes({ sets: ["AS-BIG"], sources: [], family: 6 });
    expect(v6).toHaveLength(100);
    // Loose: bgpq4 and the parse take well under a second here; a minute is the test's limit.
    console.log(`AS-BIG: 200,000 IPv4 prefixes in ${ms} ms`);
  });
});

describe("bgpq4 arguments and output checks", () => {
  it("builds Peering Manager's arguments", () => {
    expect(DEFAULT_ARGS_V4).toEqual(["-4", "-A", "-r", "8", "-R", "24"]);
    expect(DEFAULT_ARGS_V6).toEqual(["-6", "-A", "-r", "16", "-R", "48"]);
    expect(
      bgpq4Args(
        { host: "rr.ntt.net" },
        { sets: ["AS-A", "AS-B"], sources: ["RIPE", "RADB"], family: 6 },
        "prefixes",
      ),
    ).toEqual([
      ...DEFAULT_ARGS_V6,
      "-h",
      "rr.ntt.net",
      "-S",
      "RIPE,RADB",
      "-j",
      "-l",
      "peerbot",
      "AS-A",
      "AS-B",
    ]);
    expect(
      bgpq4Args({ host: "h:43", extraArgs: ["-m", "24"] }, { sets: ["AS1"], sources: [] }, "asns"),
    ).toEqual(["-m", "24", "-h", "h:43", "-j", "-f", "1", "-l", "peerbot", "AS1"]);
  });

  it.each([
    [{ prefix: "192.0.2.0/33", exact: true }],
    [{ prefix: "300.0.2.0/24", exact: true }],
    [{ prefix: "2001:db8::/48", exact: true }],
    [{ prefix: "192.0.2.0/24" }],
    [{ prefix: "192.0.2.0/24", exact: "yes" }],
    [{ prefix: "192.0.2.0/24", exact: false, "less-equal": "24" }],
    [{ prefix: "192.0.2.0/24", exact: false, "less-equal": 20 }],
    [{ prefix: "192.0.2.0/24", exact: false, "greater-equal": 40 }],
    ["192.0.2.0/24"],
    [null],
  ])("refuses the IPv4 entry %j", (entry) => {
    expect(() => toIrrPrefix(entry, 4)).toThrow(IrrError);
  });

  it("accepts what bgpq4 prints", () => {
    expect(
      toIrrPrefix({ prefix: "192.0.2.0/22", exact: false, "less-equal": 24, "greater-equal": 23 }, 4),
    ).toEqual({
      prefix: "192.0.2.0/22",
      exact: false,
      "less-equal": 24,
      "greater-equal": 23,
    });
    expect(toIrrPrefix({ prefix: "2001:db8::/32", exact: false, "less-equal": 48 }, 6)).toEqual({
      prefix: "2001:db8::/32",
      exact: false,
      "less-equal": 48,
    });
    expect(() => toIrrPrefix({ prefix: "2001:db8::1::/32", exact: true }, 6)).toThrow(IrrError);
  });

  it("cleans bgpq4's stderr for a person", () => {
    expect(firstStderrLine("\n\nERROR:bad \u001b[31mthing\u0007\nsecond line\n")).toBe("ERROR:bad [31mthing");
    expect(firstStderrLine("x".repeat(500))).toHaveLength(200);
    expect(firstStderrLine("")).toBe("");
  });
});

describe("the fake IRRd", () => {
  it("frames replies as IRRd does and resolves loops", () => {
    expect(frame("AS1 AS2")).toBe("A8\nAS1 AS2\nC\n");
    const irrd = new FakeIrrd();
    const st = { sources: ["RIPE", "ARIN"] };
    expect(irrd.answer("!iAS-LOOP1,1", st)).toBe(frame("AS204004 AS204005"));
    expect(irrd.answer("!iAS-LOOP1", st)).toBe(frame("AS204004 AS-LOOP2"));
    expect(irrd.answer("!iAS-NOPE,1", st)).toBe("D\n");
    expect(irrd.answer("!iAS-RADBONLY,1", st)).toBe("D\n");
    expect(irrd.answer("!gAS999999", st)).toBe("C\n");
    expect(irrd.answer("!s-lc", st)).toBe(frame("RIPE,ARIN"));
    expect(irrd.answer("!sRADB", st)).toBe("C\n");
    expect(irrd.answer("!iAS-RADBONLY,1", st)).toBe(frame("AS204006"));
    expect(irrd.answer("!xyz", st)).toMatch(/^F /);
  });

  it("builds many small sets for a benchmark", async () => {
    const data = manySets(50, defaultIrrdData());
    expect(Object.keys(data.sets).filter((k) => k.startsWith("AS-MANY"))).toHaveLength(50);
    const irrd = new FakeIrrd({ data });
    await irrd.start();
    try {
      const f = createBgpq4Fetcher({ host: irrd.host });
      const list = await f.prefixes({ sets: ["AS-MANY7"], sources: [], family: 4 });
      expect(list).toHaveLength(2);
      expect(await f.prefixes({ sets: ["AS-MANY7"], sources: [], family: 6 })).toHaveLength(1);
    } finally {
      await irrd.close();
    }
  });
});
