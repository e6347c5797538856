import { describe, expect, it } from "vitest";
import { consoleChoices, renderConsole } from "../../bot/console/render.js";
import type { Reply } from "../../core/reply.js";
import { BUTTONS, HOSTILE, ROWS, bigDiff, bigReply } from "./render-fixtures.js";

describe("renderConsole", () => {
  it("renders a small reply: title, text, fields, table, code, context, buttons", () => {
    const out = renderConsole({
      kind: "success",
      title: "Change 42",
      text: "Ready to deploy.",
      fields: [
        { label: "Router", value: "lon1-rtr1" },
        { label: "Sessions", value: "2", inline: true },
      ],
      table: {
        columns: ["ASN", "Prefixes", "State"],
        rows: [
          ["AS714", "12", "up"],
          ["AS6939", "180000", "idle"],
        ],
        alignRight: [1],
      },
      code: { language: "diff", content: "-old line\n+new line\n" },
      context: "requested by alice",
      buttons: [
        { label: "Approve", actionId: "change.approve:42", style: "primary" },
        {
          label: "Deploy",
          actionId: "change.deploy:42",
          style: "danger",
          confirm: { title: "Deploy?", text: "Deploys to 2 routers." },
        },
      ],
    });
    expect(out).toBe(
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
    const r: Reply = {
      kind: "warning",
      title: "Peers",
      buttons: [{ label: "Refresh", actionId: "cmd:peers linx" }],
      pagination: { page: 2, pages: 5, prev: "cmd:peers linx page:1", next: "cmd:peers linx page:3" },
    };
    const out = renderConsole(r);
    expect(out).toContain("Warning: Peers");
    expect(out).toContain(
      "page 2/5\n  [1] Refresh  (cmd:peers linx)\n  [2] « Prev  (cmd:peers linx page:1)\n  [3] Next »  (cmd:peers linx page:3)",
    );
    expect(consoleChoices(r).map((c) => [c.n, c.actionId])).toEqual([
      [1, "cmd:peers linx"],
      [2, "cmd:peers linx page:1"],
      [3, "cmd:peers linx page:3"],
    ]);
    // First page: no prev.
    expect(renderConsole({ pagination: { page: 1, pages: 2, next: "n" } })).toBe(
      "page 1/2\n  [1] Next »  (n)",
    );
  });

  it("prints a 300-row table in full, the 50 kB diff raw and all 30 buttons", () => {
    const reply = bigReply();
    const out = renderConsole(reply);
    for (const row of reply.table!.rows) expect(out).toMatch(new RegExp(`^${row[0]}  `, "m"));
    expect(out.split("\n").filter((l) => /^AS\d+ /.test(l))).toHaveLength(ROWS);
    expect(out).toContain(bigDiff().replace(/\n$/, ""));
    for (let i = 0; i < BUTTONS; i++)
      expect(out).toContain(`  [${i + 1}] Approve #${i}  (change.approve:${i})`);
    expect(out).toContain(`  [${BUTTONS + 2}] Next »  (cmd:peers linx page:3)`);
    expect(out).not.toContain("more rows");
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

  it("has no ANSI colours and neutralises control characters from untrusted text", () => {
    const out = renderConsole({
      title: "\u001b[31mred\u001b[0m",
      text: [...HOSTILE, "bell\u0007"].join("\n"),
      table: { columns: ["a"], rows: [["x\ny\tz"]] },
    });
    expect(out).not.toContain("\u001b");
    expect(out).not.toContain("\u0007");
    expect(out).toContain("\\x1b[31mred\\x1b[0m");
    expect(out).toContain("<@here>"); // the console shows text literally
    expect(out).toContain("x y z");
  });

  it("renders an empty table with a note and an empty reply as nothing", () => {
    expect(renderConsole({ table: { columns: ["ASN"], rows: [] } })).toBe("ASN\n---\n(no rows)");
    expect(renderConsole({})).toBe("");
  });
});
