// AS-SET fields and names: the forms networks write (several sets, SOURCE::SET, SOURCE:SET,
// hierarchical AS714:AS-APPLE, ipv4:/ipv6: prefixes, an empty field), and hostile input
// (quotes, newlines, shell text, unicode, very long) refused with one sentence and a hint.
import { describe, expect, it } from "vitest";
import { parseAsSets, validateSetName, validateSources } from "../../core/irr/sets.js";

const HINT = "give an ASN such as AS714 or an AS-SET such as AS-HURRICANE.";

describe("parseAsSets", () => {
  it.each<[string, number, string[], string[]]>([
    ["", 714, ["AS714"], []],
    ["   ", 6939, ["AS6939"], []],
    ["AS-HURRICANE", 6939, ["AS-HURRICANE"], []],
    ["as-hurricane", 6939, ["AS-HURRICANE"], []],
    ["AS6939", 6939, ["AS6939"], []],
    ["RIPE::AS-FOO", 1, ["AS-FOO"], ["RIPE"]],
    ["RADB:AS-BAR", 1, ["AS-BAR"], ["RADB"]],
    ["RIPE::AS-FOO RADB:AS-BAR", 1, ["AS-FOO", "AS-BAR"], ["RIPE", "RADB"]],
    ["ripe::as-foo, radb::as-bar", 1, ["AS-FOO", "AS-BAR"], ["RIPE", "RADB"]],
    ["AS-FOO AS-BAR", 1, ["AS-FOO", "AS-BAR"], []],
    ["AS-FOO,AS-BAR", 1, ["AS-FOO", "AS-BAR"], []],
    ["AS-FOO / AS-BAR", 1, ["AS-FOO", "AS-BAR"], []],
    ["AS-FOO&AS-BAR", 1, ["AS-FOO", "AS-BAR"], []],
    ["AS-FOO,,  ,AS-BAR", 1, ["AS-FOO", "AS-BAR"], []],
    ["AS714:AS-APPLE", 714, ["AS714:AS-APPLE"], []],
    ["RIPE::AS714:AS-APPLE", 714, ["AS714:AS-APPLE"], ["RIPE"]],
    ["AS-FOO:AS-BAR", 1, ["AS-FOO:AS-BAR"], []],
    ["AS-FOO:AS204001:AS-CUST", 1, ["AS-FOO:AS204001:AS-CUST"], []],
    ["ipv4:AS-FOO ipv6:AS-FOO6", 1, ["AS-FOO", "AS-FOO6"], []],
    ["IPV6:RIPE::AS-FOO", 1, ["AS-FOO"], ["RIPE"]],
    ["AS-FOO AS-foo RIPE::AS-FOO RIPE::as-bar", 1, ["AS-FOO", "AS-BAR"], ["RIPE"]],
    ["AS-B AS-A AS-C", 1, ["AS-B", "AS-A", "AS-C"], []],
    ["ARIN-NONAUTH::AS-FOO", 1, ["AS-FOO"], ["ARIN-NONAUTH"]],
    ["AS-FOO\u00a0AS-BAR", 1, ["AS-FOO", "AS-BAR"], []],
  ])("reads %j (AS%i)", (field, asn, sets, sources) => {
    expect(parseAsSets(field, asn)).toEqual({ sets, sources });
  });

  it.each<[string, RegExp]>([
    ['"AS-FOO"', /is not a valid ASN or AS-SET name/],
    ["AS-FOO'", /is not a valid ASN or AS-SET name/],
    ["AS-FOO; rm -rf /", /"AS-FOO;" is not a valid ASN or AS-SET name/],
    ["AS-FOO$(reboot)", /is not a valid ASN or AS-SET name/],
    ["AS-FOO`id`", /is not a valid ASN or AS-SET name/],
    ["AS-FOO\nAS-BAR", /control character/],
    ["AS-FOO\u0000", /control character/],
    ["AS-FOO\u202eRAB", /control character/],
    ["AS-FÖÖ", /is not a valid ASN or AS-SET name/],
    ["AS-\u0424OO", /is not a valid ASN or AS-SET name/],
    ["AS-", /is not a valid ASN or AS-SET name/],
    ["AS99999999999", /out of range/],
    ["AS0", /out of range/],
    ["FOO", /is not a valid ASN or AS-SET name/],
    ["-h", /is not a valid ASN or AS-SET name/],
    ["RIPE::", /An empty name/],
    ["ipv4:", /An empty name/],
    ["RI PE::AS-FOO", /is not a valid ASN or AS-SET name/],
    ["BAD_SOURCE::AS-FOO", /"BAD_SOURCE" in "BAD_SOURCE::AS-FOO" is not an IRR source name/],
    ["AS714:AS715", /one part must start with AS-/],
    ["AS-" + "A".repeat(200), /longer than 100 characters/],
    ["AS-A ".repeat(300), /longer than 1000 characters/],
    [Array.from({ length: 21 }, (_, i) => `AS-S${i}`).join(" "), /more than 20 sets/],
  ])("refuses %j with one sentence and a hint", (field, why) => {
    const r = parseAsSets(field, 714);
    expect(r).toHaveProperty("error");
    const error = (r as { error: string }).error;
    expect(error).toMatch(why);
    expect(error.endsWith(HINT)).toBe(true);
    expect(error).not.toMatch(/[\n\r\u0000-\u001f\u202e]/);
    expect(error.length).toBeLessThan(250);
  });

  it("refuses an ASN that is not one", () => {
    for (const asn of [0, -1, 1.5, 4_294_967_296, Number.NaN])
      expect(parseAsSets("", asn)).toHaveProperty("error");
    expect(parseAsSets("", 4_294_967_295)).toEqual({ sets: ["AS4294967295"], sources: [] });
  });
});

describe("validateSetName", () => {
  it.each([
    "AS714",
    "as714",
    "AS1",
    "AS4294967295",
    "AS-HURRICANE",
    "AS-HE_NET-V6",
    "AS714:AS-APPLE",
    "AS-FOO:AS-BAR",
    "AS204001:AS-CUST:AS204002",
    "AS-" + "A".repeat(97),
  ])("accepts %j", (name) => {
    expect(validateSetName(name)).toBeNull();
  });

  it.each<[string, RegExp]>([
    ["", /^An empty name is not an ASN or AS-SET/],
    ["AS-", /is not a valid ASN or AS-SET name/],
    ["AS-FOO-", /is not a valid ASN or AS-SET name/],
    ["AS99999999999", /^"AS99999999999" is out of range \(AS1 to AS4294967295\)/],
    ["AS4294967296", /out of range/],
    ["AS0", /out of range/],
    ["AS0714", /leading zero/],
    ["AS 714", /is not a valid ASN or AS-SET name/],
    ["AS-FOO BAR", /is not a valid ASN or AS-SET name/],
    ['AS-"FOO"', /is not a valid ASN or AS-SET name/],
    ["AS-FOO\r", /control character/],
    ["AS-FOO\t", /control character/],
    ["AS-FOO;rm", /is not a valid ASN or AS-SET name/],
    ["AS-FOO|cat", /is not a valid ASN or AS-SET name/],
    ["AS-FOO::AS-BAR", /is not a valid ASN or AS-SET name/],
    [":AS-FOO", /is not a valid ASN or AS-SET name/],
    ["AS714:", /is not a valid ASN or AS-SET name/],
    ["AS714:AS99999999999:AS-X", /"AS99999999999" is out of range/],
    ["RS-FOO", /is not a valid ASN or AS-SET name/],
    ["AS-😀", /is not a valid ASN or AS-SET name/],
    ["AS-" + "A".repeat(98), /longer than 100 characters/],
    ["x".repeat(100_000), /longer than 100 characters/],
  ])("refuses %j", (name, why) => {
    const error = validateSetName(name);
    expect(error).toMatch(why);
    expect(error!.endsWith(`: ${HINT}`) || error!.endsWith(`; ${HINT}`)).toBe(true);
    expect(error!.length).toBeLessThan(250);
    expect(error).not.toMatch(/[\n\r\t\u0000-\u001f]/);
  });
});

describe("validateSources", () => {
  it.each<[string, string[]]>([
    ["RIPE", ["RIPE"]],
    ["ripe,radb", ["RIPE", "RADB"]],
    [" RIPE , RADB ,", ["RIPE", "RADB"]],
    ["RIPE,RIPE,ripe", ["RIPE"]],
    ["ARIN-NONAUTH,NTTCOM", ["ARIN-NONAUTH", "NTTCOM"]],
    ["", []],
  ])("reads %j", (s, want) => {
    expect(validateSources(s)).toEqual(want);
  });

  it.each<[string, RegExp]>([
    ["RIPE;RADB", /"RIPE;RADB" is not an IRR source name/],
    ["RIPE RADB", /is not an IRR source name/],
    ["RIPE\nRADB", /control character/],
    ['"RIPE"', /is not an IRR source name/],
    ["A".repeat(21), /is not an IRR source name/],
    ["RIPÉ", /is not an IRR source name/],
    ["-h", /is not an IRR source name/],
    ["R".repeat(300), /longer than 200 characters/],
    [Array.from({ length: 21 }, (_, i) => `S${i}`).join(","), /More than 20 IRR sources/],
  ])("refuses %j", (s, why) => {
    const r = validateSources(s);
    expect(r).toHaveProperty("error");
    expect((r as { error: string }).error).toMatch(why);
    expect((r as { error: string }).error).toMatch(
      /: give IRR sources separated by commas, such as RIPE,RADB\.$/,
    );
  });
});
