// Discord specifics of the Discord renderer: embeds, their colours and budget, custom_id
// encoding. What every renderer promises alike (limits, overflow notes and attachments, buttons,
// escaping, pagination, every fixture) is in render-contract.test.ts.
import { describe, expect, it } from "vitest";
import type { DiscordMessage } from "../../bot/discord/render.js";
import {
  DISCORD_COLORS,
  checkDiscordMessage,
  parseDiscordCustomId,
  renderDiscord,
} from "../../bot/discord/render.js";
import {
  BIG_FIELDS,
  DEPLOY_FAILED,
  EMOJI_TITLE,
  HOSTILE_MARKDOWN,
  LONG_LINE,
  REPEATED_IDS_CONFIRM,
  WIDE_UNICODE,
  bigReply,
} from "./render-fixtures.js";

const allButtons = (m: DiscordMessage) => m.components.flatMap((r) => r.components);

describe("renderDiscord", () => {
  it("lays the big reply's buttons out in 4 rows of 5 and a pagination row, the page in the footer", () => {
    const msg = renderDiscord(bigReply());
    expect(msg.components.map((r) => r.components.length)).toEqual([5, 5, 5, 5, 2]);
    expect(msg.content).toContain("… and 10 more buttons — full message attached (message.txt)");
    expect(
      allButtons(msg)
        .slice(-2)
        .map((b) => b.custom_id),
    ).toEqual(["page|cmd:peers linx page:1", "page|cmd:peers linx page:3"]);
    expect(msg.embeds[msg.embeds.length - 1]?.footer?.text).toBe("requested by alice · change 42 · page 2/5");
    expect(msg.allowed_mentions).toEqual({ parse: [] });
  });

  it("renders an ordinary reply as expected", () => {
    const msg = renderDiscord(DEPLOY_FAILED);
    expect(msg.content).toBe("");
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

  it("escapes markdown and mentions with backslashes, pings nobody", () => {
    const msg = renderDiscord(HOSTILE_MARKDOWN);
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
    expect(msg.allowed_mentions).toEqual({ parse: [] });
  });

  it("cuts a 10 kB line to one description ending in the note", () => {
    const d = renderDiscord({ text: LONG_LINE }).embeds[0]?.description ?? "";
    expect(d.length).toBeLessThanOrEqual(4096);
    expect(d.startsWith("xxxx")).toBe(true);
    expect(d).toMatch(/… \(line cut\) — full message attached \(message\.txt\)$/);
  });

  it("keeps the 6,000-character budget with many large fields, announcing the rest", () => {
    const msg = renderDiscord(BIG_FIELDS);
    const shown = msg.embeds[0]?.fields?.length ?? 0;
    expect(shown).toBeGreaterThan(0);
    expect(msg.content).toContain(`… and ${40 - shown} more fields — full message attached (message.txt)`);
  });

  it("counts the confirm| marker against the 100-character custom_id", () => {
    const confirm = { title: "t", text: "x" };
    expect(() =>
      renderDiscord({ buttons: [{ label: "x", actionId: "a".repeat(92), confirm }] }),
    ).not.toThrow();
    expect(() => renderDiscord({ buttons: [{ label: "x", actionId: "a".repeat(93), confirm }] })).toThrow(
      /limit is 100/,
    );
  });

  it("encodes repeated action ids after the confirm| and page| markers", () => {
    const ids = allButtons(renderDiscord(REPEATED_IDS_CONFIRM)).map((b) => b.custom_id);
    expect(ids).toEqual(["cmd:peers", "confirm|~2|cmd:peers", "page|~3|cmd:peers"]);
    expect(ids.map((id) => parseDiscordCustomId(id))).toEqual([
      { actionId: "cmd:peers", confirm: false, page: false },
      { actionId: "cmd:peers", confirm: true, page: false },
      { actionId: "cmd:peers", confirm: false, page: true },
    ]);
  });

  it("keeps button labels and unicode within limits", () => {
    const msg = renderDiscord(WIDE_UNICODE);
    expect(allButtons(msg)[0]?.label.length).toBeLessThanOrEqual(80);
    expect(msg.embeds[0]?.description).toMatch(/— full message attached \(message\.txt\)$/);
    const titleOnly = renderDiscord(EMOJI_TITLE);
    expect(titleOnly.embeds[0]?.title).toBe("😀".repeat(127) + "…");
    expect(titleOnly.content).toBe("Some text was shortened — full message attached (message.txt)");
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
