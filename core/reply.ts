// The platform-neutral answer of every command. bot/<platform>/render.ts turns it into
// console text, Slack Block Kit or a Discord message; nothing here knows a platform.

export type ButtonStyle = "primary" | "danger" | "default";

export interface Button {
  /** Shown on the button. */
  label: string;
  /**
   * What a press does, as "<action>:<argument>", e.g. "change.approve:42" or
   * "cmd:peer AS6939 at linx". It carries ids only; every press is authorised again.
   */
  actionId: string;
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
  language: "diff" | "text" | "junos" | "bird" | "json";
  content: string;
  /** Attachment name when the block is too large to show inline. */
  filename?: string;
}

export interface Pagination {
  page: number;
  pages: number;
  /** Action ids of the previous/next buttons, when there is a page there. */
  prev?: string;
  next?: string;
}

export type ReplyKind = "info" | "success" | "warning" | "error";

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
