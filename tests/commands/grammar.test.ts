import { describe, expect, it } from "vitest";
import { parseArgs, splitCommand, tokenize } from "../../commands/grammar.js";
import { parseAsn } from "../../core/asn.js";

const peerSpec = {
  positional: ["asn", "ixp"],
  rest: true,
  flags: ["v4", "v6"],
  keywords: [{ name: "router" }],
};

describe("the text grammar", () => {
  it.each([
    ["peer AS714 at LINX", "AS714", "LINX"],
    ["peer as714 linx", "as714", "linx"],
    ['peer 714 @ "LINX LON1"', "714", "LINX LON1"],
    ["peer AS 714 at linx lon1", "AS714", "linx lon1"],
    ["PEER AS714 AT “LINX LON1”", "AS714", "LINX LON1"],
    ["/peer AS714 on LINX", "AS714", "LINX"],
  ])("reads %s", (line, asn, ixp) => {
    const { name, words } = splitCommand(line);
    expect(name).toBe("peer");
    const a = parseArgs(words, peerSpec);
    expect(a.asn).toBe(asn);
    expect(a.ixp).toBe(ixp);
    expect(parseAsn(a.asn as string)).toBe(714);
  });

  it("picks out flags, keywords and options wherever they stand", () => {
    const a = parseArgs(tokenize("AS714 v6 at LINX router edge1.lon"), peerSpec);
    expect(a).toMatchObject({ asn: "AS714", ixp: "LINX", v6: true, router: "edge1.lon" });
    const s = parseArgs(tokenize("linx status:enabled page:2"), {
      positional: ["target"],
      rest: true,
      options: ["status", "page"],
    });
    expect(s).toMatchObject({ target: "linx", status: "enabled", page: "2" });
  });

  it("keeps an IPv6 address whole rather than reading it as an option", () => {
    const a = parseArgs(tokenize("2001:7f8:4::1b1b:1"), { positional: ["ip"], options: ["status"] });
    expect(a.ip).toBe("2001:7f8:4::1b1b:1");
  });

  it("reports words it did not expect", () => {
    expect(parseArgs(tokenize("64500 extra words"), { positional: ["asn"] })._extra).toBe("extra words");
  });

  it("reads ASNs in the forms people write them, and refuses the rest", () => {
    expect(parseAsn("AS4200000000")).toBe(4_200_000_000);
    expect(parseAsn("4294967295")).toBe(4_294_967_295);
    expect(parseAsn("4294967296")).toBeNull();
    expect(parseAsn("AS0")).toBeNull();
    expect(parseAsn("ASx")).toBeNull();
    expect(parseAsn("99999999999")).toBeNull();
  });
});
