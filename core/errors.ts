import type { Reply } from "./reply.js";

/**
 * A mistake the user can fix: answered in one sentence with a usage hint, audited as
 * `user_error`, never logged with a stack.
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
    /** A fuller answer (e.g. candidates as buttons) to show instead of the plain sentence. */
    readonly reply?: Reply,
  ) {
    super(message);
    this.name = "UserError";
  }
}

/** Refused for want of a role; audited as `denied`. */
export class PermissionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PermissionError";
  }
}
