import { describe, expect, it } from "vitest";
import {
  asSets,
  checkPassword,
  checkStructure,
  dialectFor,
  identifier,
  maskSecrets,
  parseCommunity,
  quoted,
  RenderError,
  safeText,
  PLATFORM_DIALECTS,
} from "../../core/render/escape.js";
import { parseIp } from "../../core/render/ip.js";

const HOSTILE = [
  '"; delete protocols bgp; "',
  "evil\nprotocol bgp evil { neighbor 6.6.6.6 as 666; }",
  "} protocol bgp evil {",
  "!\nrouter bgp 666",
  "# comment",
  "*/ /* x",
  'back\\slash \\" quote',
  "tab\there\r\nCRLF\u2028LS\u2029PS\u0085NEL\u000bVT\u0000NUL",
  "Ünïcödé Türk Telekom 東京 🚀 \u202eRTL",
  "x".repeat(10_000),
  "$9$abcdef ? | ` ~ ^ [x] <y>",
];

describe("safeText", () => {
  it("keeps ordinary names as they are", () => {
    for (const d of PLATFORM_DIALECTS) {
      expect(safeText("Hurricane Electric LLC", d)).toBe("Hurricane Electric LLC");
      expect(safeText("Cloudflare, Inc.", d)).toBe("Cloudflare, Inc.");
      expect(safeText("AS-FOO (v4/v6) 100% & co @ LINX = +1", d)).toBe(
        "AS-FOO (v4/v6) 100% & co @ LINX = +1",
      );
    }
  });

  it("leaves nothing that can end a statement, a string or a line, in every dialect", () => {
    for (const d of [...PLATFORM_DIALECTS, "generic" as const]) {
      for (const h of HOSTILE) {
        const t = safeText(h, d);
        expect(t).toMatch(/^[A-Za-z0-9 .,:/()'+&@=_%-]*$/);
        expect(t).not.toMatch(/^ | $| {2}/);
        expect(t.length).toBeLessThanOrEqual(d === "junos" || d === "bird2" ? 255 : 80);
        expect(t).not.toContain("/*");
      }
    }
  });

  it("stays readable", () => {
    expect(safeText('"; delete protocols bgp; "', "junos")).toBe("', delete protocols bgp, '");
    expect(safeText("Türk Telekom", "frr")).toBe("Turk Telekom");
    expect(safeText("Yahoo!", "eos")).toBe("Yahoo.");
    expect(safeText("line one\nline two", "bird2")).toBe("line one line two");
    expect(safeText("東京", "iosxr")).toBe("__");
    expect(safeText(null, "junos")).toBe("");
  });

  it("quotes where the dialect quotes", () => {
    expect(quoted('a "b"', "junos")).toBe(`"a 'b'"`);
    expect(quoted('a "b"', "bird2")).toBe(`"a 'b'"`);
    expect(quoted('a "b"', "frr")).toBe("a 'b'");
  });
});

describe("identifiers, passwords, AS-SETs", () => {
  it("refuses invalid identifiers", () => {
    expect(identifier("peering-in_v4", "policy")).toBe("peering-in_v4");
    for (const bad of ["", "a b", "a;b", "-x", "x".repeat(64), 'a"', "a\nb", "ü"])
      expect(() => identifier(bad, "policy")).toThrow(RenderError);
  });

  it("accepts passwords every router can carry and refuses the others without echoing them", () => {
    expect(checkPassword("s3cret-HE%&()*+,./:<=>@[]^_~", "x")).toBe("s3cret-HE%&()*+,./:<=>@[]^_~");
    for (const bad of [
      "",
      "with space",
      'quo"te',
      "semi;colon",
      "brace{",
      "hash#",
      "bang!",
      "$9$x",
      "x".repeat(81),
      "né",
    ]) {
      let err: unknown;
      try {
        checkPassword(bad, "the session AS1 at X (192.0.2.1)");
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(RenderError);
      expect((err as Error).message).toContain("AS1 at X");
      if (bad.length > 2) expect((err as Error).message).not.toContain(bad);
    }
  });

  it("keeps valid AS-SETs and drops the rest", () => {
    expect(asSets("AS-HURRICANE")).toEqual(["AS-HURRICANE"]);
    expect(asSets("RIPE::AS-FOO AS13335:AS-CLOUDFLARE, ARIN::AS-BAR")).toEqual([
      "RIPE::AS-FOO",
      "AS13335:AS-CLOUDFLARE",
      "ARIN::AS-BAR",
    ]);
    expect(asSets('AS-FOO"; delete')).toEqual([]);
    expect(asSets("not an as-set!")).toEqual([]);
  });

  it("derives the dialect from the template, then the platform", () => {
    expect(dialectFor("file", "bird2")).toBe("bird2");
    expect(dialectFor("frr", "")).toBe("frr");
    expect(dialectFor("junos", "junos-edge")).toBe("junos");
    expect(dialectFor("eos", "custom")).toBe("eos");
    expect(dialectFor("file", "custom")).toBe("generic");
  });
});

describe("communities", () => {
  it("parses each kind and refuses malformed values", () => {
    expect(parseCommunity("64500:1", "standard", "c").bird).toBe("(64500,1)");
    expect(parseCommunity("no-export", "standard", "c").text).toBe("65535:65281");
    expect(parseCommunity("64500:1:2", "large", "c").junos).toBe("large:64500:1:2");
    const rt = parseCommunity("target:64500:100", "extended", "c");
    expect([rt.text, rt.bird, rt.junos]).toEqual(["rt 64500:100", "(rt,64500,100)", "target:64500:100"]);
    expect(parseCommunity("soo:192.0.2.1:7", "extended", "c").bird).toBe("(ro,192.0.2.1,7)");
    for (const [v, k] of [
      ["65536:1", "standard"],
      ["1:2:3", "standard"],
      ["1:2", "large"],
      ["4294967296:1:1", "large"],
      ["rt:70000:70000", "extended"],
      ["64500:1; delete", "standard"],
    ] as const)
      expect(() => parseCommunity(v, k, "c")).toThrow(RenderError);
  });
});

describe("parseIp", () => {
  it("canonicalises and refuses", () => {
    expect(parseIp("2001:DB8:0:0:0:0:0:1")?.address).toBe("2001:db8::1");
    expect(parseIp("1:0:0:2:0:0:0:3")?.address).toBe("1:0:0:2::3");
    expect(parseIp("195.66.224.21")?.family).toBe(4);
    for (const bad of ["01.2.3.4", "1.2.3", "1::2::3", "fe80::1%eth0", "1.2.3.4; x", "", "::g"])
      expect(parseIp(bad)).toBeNull();
  });

  it("sorts numerically", () => {
    const keys = ["10.0.0.10", "10.0.0.9", "2001:db8::a", "2001:db8::9", "9.255.255.255"].map((a) =>
      parseIp(a)!,
    );
    keys.sort((a, b) => (a.sortKey < b.sortKey ? -1 : 1));
    expect(keys.map((k) => k.address)).toEqual([
      "9.255.255.255",
      "10.0.0.9",
      "10.0.0.10",
      "2001:db8::9",
      "2001:db8::a",
    ]);
  });
});

describe("maskSecrets", () => {
  const configs: Record<string, string> = {
    junos: '    neighbor 192.0.2.1 {\n        authentication-key "s3cret-1";\n    }\n',
    junosShown: '        authentication-key "$9$abcdEFGH"; ## SECRET-DATA\n',
    bird2: '  password "s3cret-1";\n',
    frr: " neighbor 192.0.2.1 password s3cret-1\n",
    eos: "   neighbor 192.0.2.1 password 0 s3cret-1\n   neighbor 192.0.2.2 password 7 ENCRYPTED==\n",
    iosxr: "  password clear s3cret-1\n  password encrypted 0822455D0A16\n",
  };
  it("hides the password on every platform and in diffs", () => {
    for (const [platform, text] of Object.entries(configs)) {
      for (const t of [text, text.replace(/^/gm, "+"), text.replace(/^/gm, "-")]) {
        const masked = maskSecrets(t, platform);
        expect(masked).not.toMatch(/s3cret-1|9\$abcd|ENCRYPTED|0822455D/);
        expect(masked).toContain("********");
      }
    }
  });
  it("leaves other lines alone", () => {
    const t = " neighbor 192.0.2.1 description Password Inc\n neighbor 192.0.2.1 remote-as 1\n";
    expect(maskSecrets(t, "frr")).toBe(t);
  });
});

describe("checkStructure", () => {
  it("refuses unbalanced braces, open strings and control characters", () => {
    expect(() => checkStructure('a { b "x}"; # }\n c; /* } */ }\n', "junos")).not.toThrow();
    expect(() => checkStructure("a { b;\n", "junos")).toThrow(/open/);
    expect(() => checkStructure("a { } }\n", "bird2")).toThrow(/closing brace without a block on line 1/);
    expect(() => checkStructure('a "open\n";\n', "bird2")).toThrow(/unterminated string/);
    expect(() => checkStructure("x\u0000y\n", "frr")).toThrow(/control character on line 1/);
    expect(() => checkStructure("ok\n\u2028\n", "eos")).toThrow(/line 2/);
    expect(() => checkStructure('a "x\\"\n";\n', "junos")).toThrow(/unterminated string on line 1/);
    expect(() => checkStructure("/* open\n{\n", "junos")).toThrow(/unterminated comment/);
    expect(() => checkStructure("a; # } {\nb { /* }\n */ }\n", "bird2")).not.toThrow();
    expect(checkStructure("a \nb\n", "frr").trailingSpace).toBe(true);
    expect(checkStructure("a\nb\n", "junos").trailingSpace).toBe(false);
  });
});
