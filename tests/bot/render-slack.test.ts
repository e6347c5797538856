import { describe, expect, it } from "vitest";
import type { SlackMessage } from "../../bot/slack/render.js";
import { checkSlackMessage, renderSlack, slackActionId } from "../../bot/slack/render.js";
import { MessageRenderError } from "../../bot/render-util.js";
import type { Reply } from "../../core/reply.js";
import {
  BUTTONS,
  HOSTILE,
  LONG_LINE,
  ROWS,
  allStrings,
  bigDiff,
  bigReply,
  buttons,
  randomReply,
  rng,
  wellFormed,
} from "./render-fixtures.js";

type J = Record<string, unknown>;

/**
 * The test's own walk over the JSON (independent of the renderer's checker): every limit of
 * the brief, numerically.
 */
function slackViolations(msg: SlackMessage): string[] {
  const v: string[] = [];
  const over = (what: string, n: number, max: number): void => {
    if (n > max) v.push(`${what}: ${n} > ${max}`);
  };
  const text = (t: unknown): string => String((t as J).text);
  over("blocks", msg.blocks.length, 50);
  for (const raw of msg.blocks) {
    const b = raw as J;
    if (b.type === "header") over("header", text(b.text).length, 150);
    if (b.type === "section") {
      if (b.text) over("section text", text(b.text).length, 3000);
      const fields = (b.fields ?? []) as unknown[];
      over("fields per section", fields.length, 10);
      for (const f of fields) over("field text", text(f).length, 2000);
    }
    if (b.type === "context") {
      const els = b.elements as unknown[];
      over("context elements", els.length, 10);
      for (const e of els) over("context text", text(e).length, 3000);
    }
    if (b.type === "actions") {
      const els = b.elements as J[];
      over("actions elements", els.length, 25);
      for (const e of els) {
        over("button text", text(e.text).length, 75);
        over("action_id", String(e.action_id).length, 255);
        over("value", String(e.value).length, 2000);
        const c = e.confirm as J | undefined;
        if (c) {
          over("confirm title", text(c.title).length, 100);
          over("confirm text", text(c.text).length, 300);
          over("confirm confirm", text(c.confirm).length, 30);
          over("confirm deny", text(c.deny).length, 30);
        }
      }
    }
  }
  for (const s of allStrings(msg.blocks)) if (!wellFormed(s)) v.push("lone surrogate");
  return v;
}

function mrkdwnTexts(msg: SlackMessage): string[] {
  const out: string[] = [];
  const visit = (x: unknown): void => {
    if (Array.isArray(x)) x.forEach(visit);
    else if (x && typeof x === "object") {
      const o = x as J;
      if (o.type === "mrkdwn") out.push(String(o.text));
      Object.values(o).forEach(visit);
    }
  };
  visit(msg.blocks);
  return out;
}

const sections = (msg: SlackMessage): string[] =>
  msg.blocks.flatMap((b) => (b.type === "section" && b.text ? [b.text.text] : []));
const contexts = (msg: SlackMessage): string[] =>
  msg.blocks.flatMap((b) => (b.type === "context" ? b.elements.map((e) => e.text) : []));
const actionButtons = (msg: SlackMessage) =>
  msg.blocks.flatMap((b) => (b.type === "actions" ? b.elements : []));
const unescape = (s: string): string => s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");

describe("renderSlack", () => {
  it("renders 300 rows, a 50 kB diff and 30 buttons within every limit, with the overflow visible", () => {
    const reply = bigReply();
    const msg = renderSlack(reply);
    expect(slackViolations(msg)).toEqual([]);
    expect(checkSlackMessage(msg)).toEqual([]);

    // Table: rows shown + "… and N more rows" = 300, full table attached.
    const tableSections = sections(msg).filter((s) => s.startsWith("```\nASN"));
    expect(tableSections.length).toBeGreaterThan(1);
    const shownRows = tableSections.flatMap((s) => s.split("\n").filter((l) => /^AS\d+ /.test(l)));
    expect(shownRows.length).toBeGreaterThan(50);
    const tableNote = contexts(msg).find((c) => c.includes("more rows"));
    expect(tableNote).toBe(
      `… and ${ROWS - shownRows.length} more rows — full table attached (table.txt, 300 rows)`,
    );
    const table = msg.attachments.find((a) => a.filename === "table.txt");
    expect(table?.content.split("\n")).toHaveLength(ROWS + 2);
    expect(table?.content).toContain("AS64799  Peer 299 & <co>");

    // Diff: fenced sections, "… and N more lines", full diff attached unchanged.
    const diff = bigDiff();
    const diffLines = diff.split("\n").length - 1;
    const diffSections = sections(msg).filter((s) => /^```\n[+-] /.test(s));
    expect(diffSections.length).toBeGreaterThan(1);
    const shownDiff = diffSections.flatMap((s) => s.split("\n").slice(1, -1));
    expect(contexts(msg)).toContain(
      `… and ${diffLines - shownDiff.length} more lines — full diff attached (diff.txt, ${diffLines} lines)`,
    );
    expect(msg.attachments.find((a) => a.filename === "diff.txt")?.content).toBe(diff);
    expect(unescape(shownDiff.join("\n"))).toBe(diff.split("\n").slice(0, shownDiff.length).join("\n"));

    // All 30 buttons fit (25 per actions block), pagination has its own block.
    const btns = actionButtons(msg);
    expect(btns.map((b) => b.value)).toEqual([
      ...buttons().map((b) => b.actionId),
      "cmd:peers linx page:1",
      "cmd:peers linx page:3",
    ]);
    expect(
      msg.blocks
        .filter((b) => b.type === "actions")
        .map((b) => (b.type === "actions" ? b.elements.length : 0)),
    ).toEqual([25, 5, 2]);
    expect(contexts(msg)).toContain("page 2/5");
  });

  it("renders an ordinary reply as expected", () => {
    const msg = renderSlack({
      kind: "success",
      title: "Session up",
      text: "AS714 at LINX is established.",
      fields: [
        { label: "ASN", value: "AS714", inline: true },
        { label: "IXP", value: "LINX", inline: true },
        { label: "Note", value: "long note" },
      ],
      context: "by bob",
      buttons: [
        { label: "Approve", actionId: "change.approve:42", style: "primary" },
        {
          label: "Reject",
          actionId: "change.reject:42",
          style: "danger",
          confirm: { title: "Reject?", text: "Sure?" },
        },
        { label: "Later", actionId: "cmd:peer AS714 at linx" },
      ],
    });
    expect(msg.text).toBe("Session up");
    expect(msg.attachments).toEqual([]);
    expect(msg.blocks[0]).toEqual({
      type: "header",
      text: { type: "plain_text", text: ":white_check_mark: Session up", emoji: true },
    });
    expect(msg.blocks[1]).toEqual({
      type: "section",
      text: { type: "mrkdwn", text: "AS714 at LINX is established.", verbatim: true },
    });
    expect(msg.blocks[2]).toEqual({
      type: "section",
      fields: [
        { type: "mrkdwn", text: "*ASN*\nAS714", verbatim: true },
        { type: "mrkdwn", text: "*IXP*\nLINX", verbatim: true },
      ],
    });
    expect(msg.blocks[3]).toEqual({
      type: "section",
      text: { type: "mrkdwn", text: "*Note*\nlong note", verbatim: true },
    });
    expect(msg.blocks[4]).toEqual({
      type: "context",
      elements: [{ type: "mrkdwn", text: "by bob", verbatim: true }],
    });
    const [approve, reject, later] = actionButtons(msg);
    expect(approve).toEqual({
      type: "button",
      text: { type: "plain_text", text: "Approve", emoji: true },
      action_id: "change.approve:42",
      value: "change.approve:42",
      style: "primary",
    });
    expect(reject?.style).toBe("danger");
    expect(reject?.confirm).toEqual({
      title: { type: "plain_text", text: "Reject?", emoji: true },
      text: { type: "plain_text", text: "Sure?", emoji: true },
      confirm: { type: "plain_text", text: "Confirm", emoji: true },
      deny: { type: "plain_text", text: "Cancel", emoji: true },
      style: "danger",
    });
    expect(later).not.toHaveProperty("style");
    expect(msg.blocks).toHaveLength(6);
  });

  it("puts the kind's emoji on the text when there is no title, and a small table in one fenced section", () => {
    const msg = renderSlack({
      kind: "error",
      text: "Unknown IXP 'FOO'.",
      table: { columns: ["ASN", "N"], rows: [["AS1", "5"]], alignRight: [1] },
    });
    expect(sections(msg)).toEqual([":x: Unknown IXP 'FOO'.", "```\nASN  N\n---  -\nAS1  5\n```"]);
    expect(msg.text).toBe("Unknown IXP 'FOO'.");
  });

  it("escapes hostile text and keeps code fences closed", () => {
    const reply: Reply = {
      title: "<!here> & *bold*",
      text: HOSTILE.join("\n"),
      fields: [{ label: "<@U123>", value: "<https://evil|click>", inline: true }],
      table: { columns: ["name"], rows: HOSTILE.map((h) => [h]) },
      code: { language: "text", content: "```\n<@here>\n````````" },
      context: "<!channel>",
      buttons: [{ label: "<@here>", actionId: "cmd:x" }],
    };
    const msg = renderSlack(reply);
    expect(slackViolations(msg)).toEqual([]);
    for (const t of mrkdwnTexts(msg)) {
      expect(t).not.toMatch(/[<>]/);
      expect(t.replace(/&(amp|lt|gt);/g, "")).not.toContain("&");
    }
    expect(sections(msg)[0]).toContain("&lt;@here&gt;");
    expect(sections(msg)[0]).toContain("*bold*"); // no escape exists in mrkdwn: shown as formatting
    for (const s of sections(msg).filter((x) => x.startsWith("```"))) {
      expect(s.match(/```/g)).toHaveLength(2); // only our own fences
    }
    expect(msg.text).toBe("&lt;!here&gt; &amp; *bold*");
  });

  it("splits a 10 kB line over sections without losing or breaking anything", () => {
    const msg = renderSlack({ text: LONG_LINE });
    expect(slackViolations(msg)).toEqual([]);
    const s = sections(msg);
    expect(s.length).toBe(4);
    expect(unescape(s.join(""))).toBe(LONG_LINE);
    expect(msg.attachments).toEqual([]);
  });

  it("cuts text beyond five sections with a note and attaches the whole message", () => {
    const text = Array.from({ length: 2000 }, (_, i) => `line ${i} ${"z".repeat(20)}`).join("\n");
    const msg = renderSlack({ text });
    expect(slackViolations(msg)).toEqual([]);
    const shown = sections(msg).join("\n").split("\n").length;
    expect(contexts(msg)).toContain(`… and ${2000 - shown} more lines — full message attached (message.txt)`);
    expect(msg.attachments.find((a) => a.filename === "message.txt")?.content).toBe(text);
  });

  it("keeps titles, labels and confirm texts within limits", () => {
    const msg = renderSlack({
      title: "T".repeat(400),
      buttons: [
        {
          label: "L".repeat(200),
          actionId: "change.deploy:1",
          style: "danger",
          confirm: {
            title: "c".repeat(300),
            text: "x".repeat(1000),
            confirm: "y".repeat(99),
            deny: "n".repeat(99),
          },
        },
      ],
    });
    expect(slackViolations(msg)).toEqual([]);
    const header = msg.blocks[0];
    expect(header?.type === "header" && header.text.text.endsWith("…")).toBe(true);
    expect(msg.attachments.map((a) => a.filename)).toEqual(["message.txt"]);
    expect(msg.attachments[0]?.content).toContain("T".repeat(400));
    expect(contexts(msg)).toContain("Some text was shortened — full message attached (message.txt)");
  });

  it("moves fields and buttons beyond its block budget out with a visible note", () => {
    const msg = renderSlack({
      fields: Array.from({ length: 100 }, (_, i) => ({ label: `f${i}`, value: "v", inline: true })),
      buttons: buttons(130),
    });
    expect(slackViolations(msg)).toEqual([]);
    expect(contexts(msg)).toContain("… and 20 more fields — full message attached (message.txt)");
    expect(contexts(msg)).toContain("… and 30 more buttons — full message attached (message.txt)");
    expect(actionButtons(msg)).toHaveLength(100);
    expect(msg.attachments.find((a) => a.filename === "message.txt")?.content).toContain(
      "(change.approve:129)",
    );
  });

  it("refuses an action id too long for Slack instead of truncating it", () => {
    expect(() => renderSlack({ buttons: [{ label: "x", actionId: `cmd:${"a".repeat(300)}` }] })).toThrow(
      MessageRenderError,
    );
    expect(() => renderSlack({ buttons: [{ label: "x", actionId: "a".repeat(255) }] })).not.toThrow();
    expect(() => renderSlack({ pagination: { page: 1, pages: 2, next: "n".repeat(256) } })).toThrow(
      /limit is 255/,
    );
  });

  it("makes repeated action ids unique and recovers the canonical id", () => {
    const msg = renderSlack({
      buttons: [
        { label: "A", actionId: "cmd:peers" },
        { label: "B", actionId: "cmd:peers" },
      ],
      pagination: { page: 1, pages: 2, next: "cmd:peers" },
    });
    const ids = actionButtons(msg).map((b) => b.action_id);
    expect(new Set(ids).size).toBe(3);
    expect(actionButtons(msg).map((b) => slackActionId(b))).toEqual(["cmd:peers", "cmd:peers", "cmd:peers"]);
    expect(slackActionId({ action_id: "~2|cmd:peers" })).toBe("cmd:peers");
    expect(checkSlackMessage(msg)).toEqual([]);
  });

  it("keeps random replies within limits (property test)", () => {
    const r = rng(714);
    for (let i = 0; i < 60; i++) {
      const reply = randomReply(r);
      const msg = renderSlack(reply);
      expect(slackViolations(msg)).toEqual([]);
      expect(checkSlackMessage(msg)).toEqual([]);
      expect(msg.text.length).toBeGreaterThan(0);
      const rows = reply.table?.rows.length ?? 0;
      const note = contexts(msg).find((c) => / more rows /.test(c));
      if (note) expect(msg.attachments.some((a) => a.filename === "table.txt")).toBe(true);
      if (rows === 0) expect(note).toBeUndefined();
    }
  });

  it("its checker catches violations", () => {
    const bad = {
      text: "x",
      blocks: [
        ...Array.from({ length: 51 }, () => ({ type: "divider" })),
        { type: "section", text: { type: "mrkdwn", text: "x".repeat(3001) } },
        { type: "section", fields: Array.from({ length: 11 }, () => ({ type: "mrkdwn", text: "f" })) },
        { type: "header", text: { type: "plain_text", text: "h".repeat(151) } },
        {
          type: "actions",
          elements: Array.from({ length: 26 }, () => ({
            type: "button",
            text: { type: "plain_text", text: "b".repeat(76) },
            action_id: "same",
          })),
        },
      ],
    };
    const errs = checkSlackMessage(bad).join("\n");
    expect(errs).toMatch(/blocks: 55 > 50/);
    expect(errs).toMatch(/3001 > 3000/);
    expect(errs).toMatch(/fields: 11 > 10/);
    expect(errs).toMatch(/151 > 150/);
    expect(errs).toMatch(/elements: 26 > 25/);
    expect(errs).toMatch(/76 > 75/);
    expect(errs).toMatch(/duplicate/);
  });
});

describe("renderSlack buttons count", () => {
  it("shows every one of the 30 buttons", () => {
    expect(actionButtons(renderSlack({ buttons: buttons(BUTTONS) }))).toHaveLength(BUTTONS);
  });
});
