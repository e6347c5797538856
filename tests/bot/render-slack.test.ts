// Block Kit specifics of the Slack renderer. What every renderer promises alike (limits, overflow
// notes and attachments, buttons, escaping, pagination, every fixture) is in render-contract.test.ts.
import { describe, expect, it } from "vitest";
import type { SlackMessage } from "../../bot/slack/render.js";
import { checkSlackMessage, renderSlack, slackActionId } from "../../bot/slack/render.js";
import {
  HOSTILE_MENTIONS,
  LONG_LINE,
  MANY_FIELDS_AND_BUTTONS,
  SESSION_UP,
  bigReply,
} from "./render-fixtures.js";

type J = Record<string, unknown>;

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

describe("renderSlack", () => {
  it("puts the big reply's buttons in actions blocks of 25, pagination in its own, the page in a context", () => {
    const msg = renderSlack(bigReply());
    expect(
      msg.blocks
        .filter((b) => b.type === "actions")
        .map((b) => (b.type === "actions" ? b.elements.length : 0)),
    ).toEqual([25, 5, 2]);
    expect(contexts(msg)).toContain("page 2/5");
  });

  it("renders an ordinary reply as expected", () => {
    const msg = renderSlack(SESSION_UP);
    expect(msg.text).toBe("Session up");
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

  it("escapes &, < and > in every mrkdwn text and the fallback text", () => {
    const msg = renderSlack(HOSTILE_MENTIONS);
    for (const t of mrkdwnTexts(msg)) {
      expect(t).not.toMatch(/[<>]/);
      expect(t.replace(/&(amp|lt|gt);/g, "")).not.toContain("&");
    }
    expect(sections(msg)[0]).toContain("&lt;@here&gt;");
    expect(sections(msg)[0]).toContain("*bold*"); // no escape exists in mrkdwn: shown as formatting
    expect(msg.text).toBe("&lt;!here&gt; &amp; *bold*");
  });

  it("splits a 10 kB line over four sections", () => {
    expect(sections(renderSlack({ text: LONG_LINE })).length).toBe(4);
  });

  it("moves fields beyond its block budget (8 sections of 10) out with a visible note", () => {
    const msg = renderSlack(MANY_FIELDS_AND_BUTTONS);
    expect(contexts(msg)).toContain("… and 20 more fields — full message attached (message.txt)");
  });

  it("reads the canonical action id back from a made-unique action_id", () => {
    expect(slackActionId({ action_id: "~2|cmd:peers" })).toBe("cmd:peers");
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
