// The platform-neutral answer of every command. bot/<platform>/render.ts turns it into
// console text, Slack Block Kit or a Discord message; nothing here knows a platform.
import type { CHANGE_ACTIONS } from "./changes/refs.js";
import type { EMAIL_ACTIONS } from "./email/refs.js";
import type { Mention } from "./people.js";

export type ButtonStyle = "primary" | "danger" | "default";

/**
 * The commands core/ may ask a button to run, each with the types of its arguments. A press
 * runs the command as if it had been typed; commands/intents.ts writes its command line, and
 * must name a registered command for every entry here (tests/bot/intents.test.ts checks).
 */
export interface IntentCommands {
  /** `sessions <AS|IXP|router>` */
  sessions: [scope: IntentScope];
  /** `status <AS|IXP|router>` */
  status: [scope: IntentScope];
}

/** What a command's argument names: a network, an IXP (by slug) or a router (by name). */
export type IntentScope = { asn: number | bigint | string } | { ixp: string } | { router: string };

/** Run a command: `{ command: "sessions", args: [{ asn: 64501 }] }`. */
export type CommandIntent = {
  [K in keyof IntentCommands]: { command: K; args: IntentCommands[K] };
}[keyof IntentCommands];

/** The button actions core/ may name (core/changes/refs.ts owns their names). */
export type IntentAction =
  (typeof CHANGE_ACTIONS)[keyof typeof CHANGE_ACTIONS] | (typeof EMAIL_ACTIONS)[keyof typeof EMAIL_ACTIONS];

/** Run a registered button action on one object: `{ action: "change.approve", id: 42 }`. */
export interface ActionIntent {
  action: IntentAction;
  id: number | string;
}

/**
 * What a press should do, in core's words. No command line or action id crosses from core:
 * the dispatcher (on every reply) and the delivery (on every message a job posts) turn it into
 * the button's `actionId` through commands/intents.ts.
 */
export type Intent = CommandIntent | ActionIntent;

export interface Button {
  /** Shown on the button. */
  label: string;
  /**
   * What a press does, as "<action>:<argument>", e.g. "change.approve:42" or
   * "cmd:peer AS6939 at linx". It carries ids only; every press is authorised again.
   * Made in commands/ (or from core/changes/refs.ts); core/ gives `intent` instead, which is
   * turned into this before any renderer sees the button.
   */
  actionId?: string;
  /** What a press should do, for a button made in core/; see Intent. */
  intent?: Intent;
  style?: ButtonStyle;
  /** Ask "are you sure?" with this text before the press counts. */
  confirm?: { title: string; text: string; confirm?: string; deny?: string };
}

export interface Field {
  label: string;
  value: string;
  /** Fields are laid out two to a row where the platform can. */
  inline?: boolean;
}

export interface Table {
  columns: string[];
  rows: string[][];
  /** Right-align these columns (numbers). */
  alignRight?: number[];
}

export interface CodeBlock {
  /** "diff" colours +/- lines where the platform can; "text" or a config language otherwise. */
  language: "diff" | "text" | "junos" | "bird" | "json" | "yaml";
  content: string;
  /** Attachment name when the block is too large to show inline. */
  filename?: string;
  /** Attach it as a file whatever its size (an export to save), besides what fits inline. */
  attach?: boolean;
}

export interface Pagination {
  page: number;
  pages: number;
  /** Action ids of the previous/next buttons, when there is a page there. */
  prev?: string;
  next?: string;
}

export type ReplyKind = "info" | "success" | "warning" | "error";

/**
 * One input of a form. `name` keys its value in the submission (letters, digits, `_`, `-`;
 * at most 40 characters). A "line" is one line of text, a "text" several lines.
 */
export interface FormField {
  name: string;
  label: string;
  kind: "line" | "text";
  /** What the input holds when the form opens (the draft's current subject, say). */
  value?: string;
  placeholder?: string;
  /** The form cannot be submitted without it (platforms check it; the action checks it again). */
  required?: boolean;
  /** Longest value taken; a platform whose inputs take less cannot show the form. */
  maxLength?: number;
}

/**
 * A form for the user who pressed or typed: a Slack modal, a Discord modal, prompts in the
 * console. A reply that carries one opens the form *instead of* being posted; its other parts
 * (text above all) are the answer where the form cannot be shown (a Slack trigger that expired,
 * a Discord answer that had to be deferred, a form a platform's limits cannot hold), so they
 * should say how to do the same by command.
 *
 * Submitting runs `action` (a button's action id, "<prefix>:<argument>") with the values by
 * field name (Invocation.values), authorised again like any press. The action checks the
 * values itself (commands/forms.ts readForm); what it refuses comes back as a reply with
 * `formErrors`, shown in the form where the platform can (Slack), else as a message.
 */
export interface Form {
  /** The form's title (Slack shows 24 characters of it, Discord 45). */
  title: string;
  /** The submit button's label, "Submit" when absent (Discord has its own). */
  submitLabel?: string;
  /** The action id run on submit, e.g. "change.reject:42". */
  action: string;
  /** A line shown above the inputs where the platform can (Slack, console). */
  intro?: string;
  /** At most 5 (Discord's limit). */
  fields: FormField[];
}

export interface Reply {
  kind?: ReplyKind;
  title?: string;
  text?: string;
  fields?: Field[];
  table?: Table;
  code?: CodeBlock;
  /** A small grey line at the bottom: who, when, ids. */
  context?: string;
  buttons?: Button[];
  pagination?: Pagination;
  /**
   * An object whose state this message shows, e.g. "change:42": once posted, the platform
   * reports where, so that a job in any process can update the message later. Not rendered.
   */
  track?: string;
  /** Further messages to post after this one (e.g. one change per router), each tracked on its own. */
  followUps?: Reply[];
  /** Only the invoking user sees it (Slack ephemeral, Discord ephemeral); console ignores it. */
  ephemeral?: boolean;
  /** Open this form for the user instead of posting the reply (see Form). */
  form?: Form;
  /**
   * The answer to a form submission that was refused: a message by field name (Slack shows
   * each under its input). `text` says the same for platforms that show it as a message.
   */
  formErrors?: Record<string, string>;
  /**
   * The people (and groups) this message may mention: the tokens core/people.ts writes into
   * its texts become mentions for these only; any other text can mention nobody.
   */
  mentions?: Mention[];
  /**
   * What this state of a tracked message ended in (deployed, failed, e-mail sent …): when a
   * job redraws the message in this state, the outcome is also posted once in the message's
   * thread, so that the people it notifies hear of it. Its `track` names it ("outcome:…").
   */
  outcome?: Reply;
}

/** A file the renderer moved out of the message because it did not fit. */
export interface Attachment {
  filename: string;
  content: string;
}

export const reply = {
  error(text: string, hint?: string): Reply {
    return { kind: "error", text: hint ? `${text}\n${hint}` : text };
  },
  info(text: string): Reply {
    return { kind: "info", text };
  },
  success(text: string): Reply {
    return { kind: "success", text };
  },
};
