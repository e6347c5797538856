// Console specifics: the exact text, kind prefixes, numbered choices, column alignment. What
// every renderer promises alike (limits, overflow, buttons, escaping, pagination, every fixture)
// is in render-contract.test.ts.
import { describe, expect, it } from "vitest";
import { consoleChoices, renderConsole } from "../../bot/console/render.js";
import { BUTTONS, CHANGE_READY, EMPTY_TABLE, FIRST_PAGE, PAGED, bigReply } from "./render-fixtures.js";

describe("renderConsole", () => {
  it("renders a small reply: title, text, fields, table, code, context, buttons", () => {
    expect(renderConsole(CHANGE_READY)).toBe(
      [
        "Change 42",
        "Ready to deploy.",
        "",
        "Router: lon1-rtr1",
        "Sessions: 2",
        "",
        "ASN     Prefixes  State",
        "------  --------  -----",
        "AS714         12  up",
        "AS6939    180000  idle",
        "",
        "-old line",
        "+new line",
        "",
        "requested by alice",
        "",
        "  [1] Approve  (change.approve:42)",
        "  [2] Deploy  (change.deploy:42)  (asks: Deploys to 2 routers.)",
      ].join("\n"),
    );
  });

  it("prefixes errors and warnings, and shows pagination as page n/m with numbered prev/next", () => {
    expect(renderConsole({ kind: "error", text: "Unknown IXP 'FOO'.\nTry: ixps" })).toBe(
      "Error: Unknown IXP 'FOO'.\nTry: ixps",
    );
    const out = renderConsole(PAGED);
    expect(out).toContain("Warning: Peers");
    expect(out).toContain(
      "page 2/5\n  [1] Refresh  (cmd:peers linx)\n  [2] « Prev  (cmd:peers linx page:1)\n  [3] Next »  (cmd:peers linx page:3)",
    );
    expect(consoleChoices(PAGED).map((c) => [c.n, c.actionId])).toEqual([
      [1, "cmd:peers linx"],
      [2, "cmd:peers linx page:1"],
      [3, "cmd:peers linx page:3"],
    ]);
    // First page: no prev.
    expect(renderConsole(FIRST_PAGE)).toBe("page 1/2\n  [1] Next »  (n)");
  });

  it("numbers all 30 buttons of the big reply, then its prev/next", () => {
    const out = renderConsole(bigReply());
    for (let i = 0; i < BUTTONS; i++)
      expect(out).toContain(`  [${i + 1}] Approve #${i}  (change.approve:${i})`);
    expect(out).toContain(`  [${BUTTONS + 2}] Next »  (cmd:peers linx page:3)`);
  });

  it("aligns right-aligned columns and wide characters", () => {
    const out = renderConsole({
      table: {
        columns: ["Name", "N"],
        rows: [
          ["日本", "1"],
          ["ab", "100"],
        ],
        alignRight: [1],
      },
    });
    expect(out.split("\n")).toEqual(["Name    N", "----  ---", "日本    1", "ab    100"]);
  });

  it("renders an empty table with a note and an empty reply as nothing", () => {
    expect(renderConsole(EMPTY_TABLE)).toBe("ASN\n---\n(no rows)");
    expect(renderConsole({})).toBe("");
  });
});
