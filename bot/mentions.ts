// The people of a reply (Reply.mentions, core/people.ts) as each platform shows them. A
// renderer calls `prepareMentions` first: every token that will not become a mention here is
// replaced by plain text ("Alice (Slack U123)") before the renderer escapes and measures the
// texts, so names are escaped like any other text. The tokens left are of people on this
// platform, in the places where the platform draws mentions; after escaping, `finish` turns
// them into `<@U…>`, `<@id>`, `<!subteam^S…>` or `<@&id>`. A token is longer than the mention it
// becomes, so the renderer's limits still hold.
//
// Who is notified: the mentions marked `notify` lead the message in `pingLine` (Discord pings
// only from `content` and only the ids in allowed_mentions; Slack from any text). A group of
// another platform appears nowhere.
import { personText, replaceTokens, type Mention } from "../core/people.js";
import type { Reply } from "../core/reply.js";

export type MentionPlatform = "slack" | "discord" | "console";

const SLACK_ID = /^[A-Z0-9]{2,20}$/;
const DISCORD_ID = /^\d{5,20}$/;

/** True when `m` can be mentioned on `platform` (its own, with an id of that platform's shape). */
export function mentionable(m: Mention, platform: MentionPlatform): boolean {
  if (m.platform !== platform) return false;
  if (platform === "slack") return SLACK_ID.test(m.id);
  if (platform === "discord") return DISCORD_ID.test(m.id);
  return false;
}

/** The platform's mention syntax for `m` (only for a mentionable one). */
function syntax(m: Mention, platform: MentionPlatform): string {
  if (platform === "slack") return m.kind === "group" ? `<!subteam^${m.id}>` : `<@${m.id}>`;
  return m.kind === "group" ? `<@&${m.id}>` : `<@${m.id}>`;
}

/** What a token becomes in plain text: the person's name and id; a group nothing. */
const plain = (m: Mention): string | undefined => (m.kind === "user" ? personText(m) : undefined);

export interface PreparedMentions {
  /** The reply with tokens that won't be mentions here replaced by plain text. */
  reply: Reply;
  /** After escaping: the remaining tokens as mentions (anything else that looks like one: nothing). */
  finish(s: string): string;
  /** The mentions of the people to notify, space-separated ("" when none here). */
  pingLine: string;
  /** The same, one by one. */
  pings: string[];
  /** Ids to allow in Discord's allowed_mentions. */
  users: string[];
  roles: string[];
}

/**
 * Prepares a reply's people for one platform. `mentionIn` names the parts where this platform
 * draws mentions (Slack: text, fields, context; Discord: text and fields, not the footer); in
 * every other part, and everywhere on the console, a person is plain text.
 */
export function prepareMentions(
  reply: Reply,
  platform: MentionPlatform,
  mentionIn: { text: boolean; fields: boolean; context: boolean } = {
    text: false,
    fields: false,
    context: false,
  },
): PreparedMentions {
  const list = reply.mentions ?? [];
  const here = (m: Mention) => mentionable(m, platform);
  const toPlain = (s: string) => replaceTokens(s, list, plain);
  // Keep the tokens of people shown here; everything else becomes plain (or nothing).
  const keep = (s: string) => replaceTokens(s, list, (m, token) => (here(m) ? token : plain(m)));
  const inText = mentionIn.text ? keep : toPlain;
  const inFields = mentionIn.fields ? keep : toPlain;
  const inContext = mentionIn.context ? keep : toPlain;

  const r: Reply = { ...reply };
  if (r.title !== undefined) r.title = toPlain(r.title);
  if (r.text !== undefined) r.text = inText(r.text);
  if (r.fields) r.fields = r.fields.map((f) => ({ ...f, label: toPlain(f.label), value: inFields(f.value) }));
  if (r.table)
    r.table = {
      ...r.table,
      columns: r.table.columns.map(toPlain),
      rows: r.table.rows.map((row) => row.map(toPlain)),
    };
  if (r.code) r.code = { ...r.code, content: toPlain(r.code.content) };
  if (r.context !== undefined) r.context = inContext(r.context);
  if (r.buttons)
    r.buttons = r.buttons.map((b) => ({
      ...b,
      label: toPlain(b.label),
      ...(b.confirm
        ? { confirm: { ...b.confirm, title: toPlain(b.confirm.title), text: toPlain(b.confirm.text) } }
        : {}),
    }));
  // The console (and the message.txt a platform attaches) draws everything plain.
  r.mentions = platform === "console" ? [] : list;

  const ping = list.filter((m) => m.notify && here(m));
  return {
    reply: r,
    finish: (s) => replaceTokens(s, list, (m) => (here(m) ? syntax(m, platform) : undefined)),
    pingLine: ping.map((m) => syntax(m, platform)).join(" "),
    pings: ping.map((m) => syntax(m, platform)),
    users: ping.filter((m) => m.kind === "user").map((m) => m.id),
    roles: ping.filter((m) => m.kind === "group").map((m) => m.id),
  };
}
