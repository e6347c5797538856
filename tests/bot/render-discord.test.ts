import { describe, expect, it } from "vitest";
import type { DiscordMessage } from "../../bot/discord/render.js";
import {
  DISCORD_COLORS,
  checkDiscordMessage,
  parseDiscordCustomId,
  renderDiscord,
} from "../../bot/discord/render.js";
import { MessageRenderError } from "../../bot/render-util.js";
import {
  BUTTONS,
  HOSTILE,
  LONG_LINE,
  ROWS,
  allStrings,
  bigDiff,
  bigReply,
  randomReply,
  rng,
  wellFormed,
} from "./render-fixtures.js";

/** The test's own walk over the JSON: every limit of the brief, numerically. */
function discordViolations(msg: DiscordMessage): string[] {
  const v: string[] = [];
  const over = (what: string, n: number, max: number): void => {
    if (n > max) v.push(`${what}: ${n} > ${max}`);
  };
  over("content", msg.content.length, 2000);
  over("embeds", msg.embeds.length, 10);
  let total = 0;
  for (const e of msg.embeds) {
    over("title", e.title?.length ?? 0, 256);
    over("description", e.description?.length ?? 0, 4096);
    over("fields", e.fields?.length ?? 0, 25);
    for (const f of e.fields ?? []) {
      over("field name", f.name.length, 256);
      over("field value", f.value.length, 1024);
      if (!f.name || !f.value) v.push("empty field");
      total += f.name.length + f.value.length;
    }
    over("footer", e.footer?.text.length ?? 0, 2048);
    total += (e.title?.length ?? 0) + (e.description?.length ?? 0) + (e.footer?.text.length ?? 0);
  }
  over("all embeds", total, 6000);
  over("rows", msg.components.length, 5);
  for (const row of msg.components) {
    if (row.type !== 1) v.push("row type");
    over("buttons per row", row.components.length, 5);
    for (const b of row.components) {
      if (b.type !== 2) v.push("button type");
      over("custom_id", b.custom_id.length, 100);
      over("label", b.label.length, 80);
    }
  }
  for (const s of allStrings(msg)) if (!wellFormed(s)) v.push("lone surrogate");
  return v;
}

const descriptions = (m: DiscordMessage): string[] =>
  m.embeds.flatMap((e) => (e.description ? [e.description] : []));
const allButtons = (m: DiscordMessage) => m.components.flatMap((r) => r.components);

describe("renderDiscord", () => {
  it("renders 300 rows, a 50 kB diff and 30 buttons within every limit, with the overflow visible", () => {
    const msg = renderDiscord(bigReply());
    expect(discordViolations(msg)).toEqual([]);
    expect(checkDiscordMessage(msg)).toEqual([]);

    const tableDesc = descriptions(msg).filter((d) => d.startsWith("```\nASN"));
    expect(tableDesc.length).toBeGreaterThan(0);
    const shownRows = tableDesc.flatMap((d) => d.split("\n").filter((l) => /^AS\d+ /.test(l)));
    expect(shownRows.length).toBeGreaterThan(20);
    const all = descriptions(msg).join("\n");
    expect(all).toContain(
      `… and ${ROWS - shownRows.length} more rows — full table attached (table.txt, 300 rows)`,
    );
    expect(msg.attachments.find((a) => a.filename === "table.txt")?.content.split("\n")).toHaveLength(
      ROWS + 2,
    );

    const diff = bigDiff();
    const diffLines = diff.split("\n").length - 1;
    const diffDesc = descriptions(msg).filter((d) => d.startsWith("```diff\n"));
    expect(diffDesc.length).toBeGreaterThan(0);
    const shownDiff = diffDesc.flatMap((d) => d.split("```")[1]!.split("\n").slice(1, -1));
    expect(shownDiff.join("\n")).toBe(diff.split("\n").slice(0, shownDiff.length).join("\n"));
    expect(all).toContain(
      `… and ${diffLines - shownDiff.length} more lines — full diff attached (diff.txt, ${diffLines} lines)`,
    );
    expect(msg.attachments.find((a) => a.filename === "diff.txt")?.content).toBe(diff);

    // 4 rows of 5 buttons, then the pagination row; the other 10 are announced and attached.
    expect(msg.components.map((r) => r.components.length)).toEqual([5, 5, 5, 5, 2]);
    expect(
      allButtons(msg)
        .slice(-2)
        .map((b) => b.custom_id),
    ).toEqual(["page|cmd:peers linx page:1", "page|cmd:peers linx page:3"]);
    expect(msg.content).toContain(`… and ${BUTTONS - 20} more buttons — full message attached (message.txt)`);
    const message = msg.attachments.find((a) => a.filename === "message.txt")?.content ?? "";
    for (let i = 0; i < BUTTONS; i++) expect(message).toContain(`(change.approve:${i})`);
    expect(msg.embeds[msg.embeds.length - 1]?.footer?.text).toBe("requested by alice · change 42 · page 2/5");
    expect(msg.allowed_mentions).toEqual({ parse: [] });
  });

  it("renders an ordinary reply as expected", () => {
    const msg = renderDiscord({
      kind: "error",
      title: "Deploy failed",
      text: "Router lon1 refused the config.",
      fields: [
        { label: "Router", value: "lon1", inline: true },
        { label: "Change", value: "42", inline: true },
      ],
      code: { language: "junos", content: "error: syntax error\n" },
      context: "change 42",
      buttons: [
        { label: "Retry", actionId: "change.deploy:42", style: "primary" },
        {
          label: "Roll back",
          actionId: "change.rollback:42",
          style: "danger",
          confirm: { title: "Sure?", text: "Roll back lon1." },
        },
        { label: "Details", actionId: "cmd:change 42" },
      ],
    });
    expect(checkDiscordMessage(msg)).toEqual([]);
    expect(msg.content).toBe("");
    expect(msg.attachments).toEqual([]);
    expect(msg.embeds).toEqual([
      {
        color: DISCORD_COLORS.error,
        title: "Deploy failed",
        description: "Router lon1 refused the config.",
        fields: [
          { name: "Router", value: "lon1", inline: true },
          { name: "Change", value: "42", inline: true },
        ],
      },
      {
        color: DISCORD_COLORS.error,
        description: "```\nerror: syntax error\n```",
        footer: { text: "change 42" },
      },
    ]);
    expect(msg.components).toEqual([
      {
        type: 1,
        components: [
          { type: 2, style: 1, label: "Retry", custom_id: "change.deploy:42" },
          { type: 2, style: 4, label: "Roll back", custom_id: "confirm|change.rollback:42" },
          { type: 2, style: 2, label: "Details", custom_id: "cmd:change 42" },
        ],
      },
    ]);
    expect(parseDiscordCustomId("confirm|change.rollback:42")).toEqual({
      actionId: "change.rollback:42",
      confirm: true,
      page: false,
    });
    expect(parseDiscordCustomId("cmd:change 42")).toEqual({
      actionId: "cmd:change 42",
      confirm: false,
      page: false,
    });
    expect(parseDiscordCustomId("page|~2|cmd:x page:2")).toEqual({
      actionId: "cmd:x page:2",
      confirm: false,
      page: true,
    });
  });

  it("colours embeds by kind", () => {
    for (const kind of ["info", "success", "warning", "error"] as const) {
      expect(renderDiscord({ kind, text: "x" }).embeds[0]?.color).toBe(DISCORD_COLORS[kind]);
    }
    expect(renderDiscord({ text: "x" }).embeds[0]?.color).toBe(DISCORD_COLORS.info);
  });

  it("escapes markdown and mentions, keeps code fences closed, pings nobody", () => {
    const msg = renderDiscord({
      title: "*bold* <@here>",
      text: HOSTILE.join("\n"),
      fields: [{ label: "<@&123>", value: "`tick` ||x||" }],
      table: { columns: ["name"], rows: HOSTILE.map((h) => [h]) },
      code: { language: "diff", content: "```\n+<@here>\n````````" },
    });
    expect(discordViolations(msg)).toEqual([]);
    expect(msg.embeds[0]?.title).toBe("\\*bold\\* \\<@here\\>");
    const d = msg.embeds[0]?.description ?? "";
    expect(d).toContain("\\<@here\\>");
    expect(d).toContain(
      "\\*bold\\* \\_it\\_ \\~strike\\~ \\|\\|spoiler\\|\\| \\[link\\](https://evil.example)",
    );
    expect(d).not.toMatch(/(^|[^\\])[<*`]/);
    expect(msg.embeds[0]?.fields?.[0]).toEqual({
      name: "\\<@&123\\>",
      value: "\\`tick\\` \\|\\|x\\|\\|",
      inline: false,
    });
    for (const desc of descriptions(msg).filter((x) => x.startsWith("```"))) {
      expect(desc.match(/```/g)).toHaveLength(2);
    }
    expect(msg.allowed_mentions).toEqual({ parse: [] });
  });

  it("cuts a 10 kB line to one description with a note and attaches the whole message", () => {
    const msg = renderDiscord({ text: LONG_LINE });
    expect(discordViolations(msg)).toEqual([]);
    const d = msg.embeds[0]?.description ?? "";
    expect(d.length).toBeLessThanOrEqual(4096);
    expect(d.startsWith("xxxx")).toBe(true);
    expect(d).toMatch(/… \(line cut\) — full message attached \(message\.txt\)$/);
    expect(msg.attachments.find((a) => a.filename === "message.txt")?.content).toBe(LONG_LINE);
  });

  it("keeps the 6,000-character budget with many large fields, announcing the rest", () => {
    const msg = renderDiscord({
      title: "t".repeat(300),
      fields: Array.from({ length: 40 }, (_, i) => ({
        label: `field ${i} ${"n".repeat(300)}`,
        value: "v".repeat(2000),
      })),
      context: "c".repeat(3000),
    });
    expect(discordViolations(msg)).toEqual([]);
    const shown = msg.embeds[0]?.fields?.length ?? 0;
    expect(shown).toBeGreaterThan(0);
    expect(msg.content).toContain(`… and ${40 - shown} more fields — full message attached (message.txt)`);
    expect(msg.embeds[0]?.title?.endsWith("…")).toBe(true);
    expect(msg.attachments.find((a) => a.filename === "message.txt")?.content).toContain("t".repeat(300));
  });

  it("refuses custom_ids too long for Discord instead of truncating them", () => {
    expect(() => renderDiscord({ buttons: [{ label: "x", actionId: "a".repeat(101) }] })).toThrow(
      MessageRenderError,
    );
    expect(() => renderDiscord({ buttons: [{ label: "x", actionId: "a".repeat(100) }] })).not.toThrow();
    const confirm = { title: "t", text: "x" };
    expect(() =>
      renderDiscord({ buttons: [{ label: "x", actionId: "a".repeat(92), confirm }] }),
    ).not.toThrow();
    expect(() => renderDiscord({ buttons: [{ label: "x", actionId: "a".repeat(93), confirm }] })).toThrow(
      /limit is 100/,
    );
  });

  it("makes repeated action ids unique and recovers the canonical id", () => {
    const msg = renderDiscord({
      buttons: [
        { label: "A", actionId: "cmd:peers" },
        { label: "B", actionId: "cmd:peers", confirm: { title: "t", text: "x" } },
      ],
      pagination: { page: 1, pages: 2, next: "cmd:peers" },
    });
    const ids = allButtons(msg).map((b) => b.custom_id);
    expect(ids).toEqual(["cmd:peers", "confirm|~2|cmd:peers", "page|~3|cmd:peers"]);
    expect(ids.map((id) => parseDiscordCustomId(id))).toEqual([
      { actionId: "cmd:peers", confirm: false, page: false },
      { actionId: "cmd:peers", confirm: true, page: false },
      { actionId: "cmd:peers", confirm: false, page: true },
    ]);
  });

  it("keeps button labels and unicode within limits", () => {
    const msg = renderDiscord({
      title: "😀".repeat(200),
      text: "日本語 ".repeat(2000),
      buttons: [{ label: "😀".repeat(100), actionId: "cmd:x" }],
    });
    expect(discordViolations(msg)).toEqual([]);
    expect(allButtons(msg)[0]?.label.length).toBeLessThanOrEqual(80);
    expect(msg.embeds[0]?.description).toMatch(/— full message attached \(message\.txt\)$/);
    const titleOnly = renderDiscord({ title: "😀".repeat(200) });
    expect(titleOnly.embeds[0]?.title).toBe("😀".repeat(127) + "…");
    expect(titleOnly.content).toBe("Some text was shortened — full message attached (message.txt)");
  });

  it("keeps random replies within limits (property test)", () => {
    const r = rng(6939);
    for (let i = 0; i < 60; i++) {
      const reply = randomReply(r);
      const msg = renderDiscord(reply);
      expect(discordViolations(msg)).toEqual([]);
      expect(checkDiscordMessage(msg)).toEqual([]);
      const buttonsShown = allButtons(msg).length - (reply.pagination ? 2 : 0);
      const total = reply.buttons?.length ?? 0;
      if (buttonsShown < total) expect(msg.content).toContain(`${total - buttonsShown} more button`);
    }
  });

  it("its checker catches violations", () => {
    const errs = checkDiscordMessage({
      content: "c".repeat(2001),
      embeds: [
        ...Array.from({ length: 10 }, () => ({ description: "d".repeat(700) })),
        { title: "t".repeat(257), fields: [{ name: "", value: "v".repeat(1025) }] },
      ],
      components: Array.from({ length: 6 }, () => ({
        type: 1,
        components: Array.from({ length: 6 }, () => ({
          type: 2,
          style: 2,
          label: "l".repeat(81),
          custom_id: "same",
        })),
      })),
    }).join("\n");
    expect(errs).toMatch(/content: length 2001/);
    expect(errs).toMatch(/embeds: 11 > 10/);
    expect(errs).toMatch(/title: length 257/);
    expect(errs).toMatch(/name: length 0/);
    expect(errs).toMatch(/value: length 1025/);
    expect(errs).toMatch(/characters in all > 6000/);
    expect(errs).toMatch(/6 rows > 5/);
    expect(errs).toMatch(/6 buttons not in 1..5/);
    expect(errs).toMatch(/label: length 81/);
    expect(errs).toMatch(/duplicate/);
  });
});
