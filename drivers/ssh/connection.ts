// One SSH connection to one router, on ssh2.
//
// - The host key must match the fingerprint pinned for the router; an unknown or changed key
//   is refused with a HostKeyError that carries the presented fingerprint, so that an admin
//   can check it and accept it.
// - Password and/or private-key authentication (keyboard-interactive answered with the
//   password, as Junos, IOS-XR and EOS offer it). Credentials are handed in already decrypted
//   and never appear in an error: every message passes the connection's Redactor.
// - Keepalives, a handshake timeout, per-command timeouts, and a size limit on everything we
//   read (exec output, SFTP downloads; the CLI shell applies the same limit).
import type * as Ssh2 from "ssh2";
import type { Client as Ssh2Client, ClientChannel, ConnectConfig, PseudoTtyOptions, SFTPWrapper } from "ssh2";
import {
  AuthenticationError,
  ConnectError,
  DriverError,
  HostKeyError,
  OutputLimitError,
  Redactor,
} from "./errors.js";
import { fingerprintsEqual, keyTypeOfBlob, normalizeFingerprint, sshFingerprint } from "./fingerprint.js";

// ssh2 is loaded with the first connection, not at import: every process that can deploy
// imports this module, and an idle `peerbot worker` opens no connection.
let ssh2: Promise<typeof Ssh2> | undefined;
const loadClient = async () => (await (ssh2 ??= import("ssh2"))).Client;

export interface SshCredentials {
  password?: string;
  /** OpenSSH or PEM private key. */
  privateKey?: string | Buffer;
  passphrase?: string;
}

export interface SshTarget extends SshCredentials {
  /** Pool key: one pooled connection per key. Defaults to "user@host:port". */
  key?: string;
  /** For messages, e.g. the router's name; defaults to host:port. */
  label?: string;
  host: string;
  port?: number;
  username: string;
  /** The pinned host key, "SHA256:<base64>". Empty means none accepted yet: every key is refused. */
  hostKeyFingerprint: string;
}

export interface SshTimeouts {
  /** TCP connect + SSH handshake + authentication. */
  connectTimeoutMs: number;
  /** SSH-level keepalive; 0 disables. */
  keepaliveIntervalMs: number;
  /** Unanswered keepalives before the connection is declared dead. */
  keepaliveCountMax: number;
  /** Default time a command may take before the prompt (or exit status) comes back. */
  commandTimeoutMs: number;
  /** Largest answer we accept from one command or one file. */
  maxOutputBytes: number;
}

export const MiB = 1024 * 1024;

export const DEFAULT_TIMEOUTS: SshTimeouts = {
  connectTimeoutMs: 20_000,
  keepaliveIntervalMs: 10_000,
  keepaliveCountMax: 3,
  commandTimeoutMs: 120_000,
  maxOutputBytes: 16 * MiB,
};

export function resolveTimeouts(t?: Partial<SshTimeouts>): SshTimeouts {
  return { ...DEFAULT_TIMEOUTS, ...(t ?? {}) };
}

export function targetKey(t: SshTarget): string {
  return t.key ?? `${t.username}@${t.host}:${t.port ?? 22}`;
}

export function targetLabel(t: SshTarget): string {
  return t.label ?? `${t.host}:${t.port ?? 22}`;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  /** Exit status, or null when the command was ended by a signal or gave none. */
  code: number | null;
  signal?: string;
}

export interface ExecOptions {
  timeoutMs?: number;
  maxOutputBytes?: number;
  /** Written to the command's standard input, which is then closed. */
  stdin?: string | Buffer;
}

function formatBytes(n: number): string {
  return n >= MiB && n % MiB === 0 ? `${n / MiB} MiB` : n >= 1024 ? `${Math.round(n / 1024)} KiB` : `${n} B`;
}

export function outputLimitError(what: string, limit: number, redactor: Redactor): OutputLimitError {
  return new OutputLimitError(
    redactor.redact(
      `the answer to ${what} exceeded the ${formatBytes(limit)} output limit; it was refused rather than truncated`,
    ),
    limit,
  );
}

/** Builds the error for a connection that failed before it was ready. */
function connectError(
  err: Error & { level?: string; code?: string },
  target: SshTarget,
  presented: { fingerprint: string; keyType: string } | undefined,
  hostKeyOk: boolean,
  redactor: Redactor,
): DriverError {
  const where = targetLabel(target);
  if (presented && !hostKeyOk) {
    const pinned = normalizeFingerprint(target.hostKeyFingerprint);
    if (!pinned) {
      return new HostKeyError(
        `the SSH host key of ${where} is not accepted yet: it presented ${presented.keyType} ${presented.fingerprint}. ` +
          `Check it out of band and have an admin accept it before peerbot connects.`,
        presented.fingerprint,
        presented.keyType,
        "unknown",
        "",
      );
    }
    return new HostKeyError(
      `the SSH host key of ${where} has CHANGED: it presented ${presented.keyType} ${presented.fingerprint}, ` +
        `but ${pinned} is pinned. Refusing to connect (this may be a man-in-the-middle); ` +
        `an admin must verify and accept the new key.`,
      presented.fingerprint,
      presented.keyType,
      "changed",
      pinned,
    );
  }
  if (err.level === "client-authentication") {
    return new AuthenticationError(
      `SSH authentication failed for ${target.username}@${where}: the router rejected the configured credentials`,
    );
  }
  if (err.level === "client-timeout") {
    return new ConnectError(
      `timed out connecting to ${where} (SSH handshake did not complete)`,
      "timeout",
      true,
    );
  }
  const code = err.code ?? "";
  if (code === "ECONNREFUSED") return new ConnectError(`connection to ${where} was refused`, "refused", true);
  if (code === "EHOSTUNREACH" || code === "ENETUNREACH")
    return new ConnectError(`${where} is unreachable (${code})`, "unreachable", true);
  if (code === "ETIMEDOUT") return new ConnectError(`timed out connecting to ${where}`, "timeout", true);
  if (code === "ENOTFOUND" || code === "EAI_AGAIN")
    return new ConnectError(`cannot resolve the router's hostname for ${where}`, "dns", code === "EAI_AGAIN");
  if (/privateKey|private key|passphrase/i.test(err.message)) {
    return new ConnectError(
      `the private key for ${where} could not be used: ${redactor.redact(err.message)}`,
      "key",
      false,
    );
  }
  if (code === "ECONNRESET" || /closed during the handshake/.test(err.message)) {
    return new ConnectError(
      `${where} closed the connection before SSH was ready: ${redactor.redact(err.message)}`,
      "closed",
      true,
    );
  }
  return new DriverError(`SSH connection to ${where} failed: ${redactor.redact(err.message)}`, true);
}

export class SshConnection {
  private closedFlag = false;
  private readonly closeListeners = new Set<(err?: Error) => void>();
  private sftpSession: Promise<SFTPWrapper> | undefined;
  private lastError: Error | undefined;

  private constructor(
    private readonly client: Ssh2Client,
    readonly target: SshTarget,
    readonly timeouts: SshTimeouts,
    readonly redactor: Redactor,
    /** The fingerprint the server presented (and that matched the pin). */
    readonly fingerprint: string,
    readonly keyType: string,
  ) {
    client.on("error", (err) => {
      this.lastError = err;
    });
    client.on("close", () => {
      this.closedFlag = true;
      for (const l of this.closeListeners) l(this.lastError);
      this.closeListeners.clear();
    });
  }

  get key(): string {
    return targetKey(this.target);
  }

  get label(): string {
    return targetLabel(this.target);
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  onClose(listener: (err?: Error) => void): () => void {
    if (this.closedFlag) {
      listener(this.lastError);
      return () => {};
    }
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  /** Opens a connection; rejects with HostKeyError, AuthenticationError or DriverError. */
  static async connect(target: SshTarget, timeouts?: Partial<SshTimeouts>): Promise<SshConnection> {
    const Client = await loadClient();
    const t = resolveTimeouts(timeouts);
    const redactor = new Redactor([target.password, target.privateKey, target.passphrase]);
    const client = new Client();
    let presented: { fingerprint: string; keyType: string } | undefined;
    let hostKeyOk = false;

    const methods: Array<"publickey" | "password" | "keyboard-interactive"> = [];
    if (target.privateKey) methods.push("publickey");
    if (target.password !== undefined) methods.push("password", "keyboard-interactive");

    return new Promise<SshConnection>((resolve, reject) => {
      let settled = false;
      const fail = (err: Error & { level?: string; code?: string }) => {
        if (settled) return;
        settled = true;
        client.removeAllListeners("ready");
        client.end();
        reject(connectError(err, target, presented, hostKeyOk, redactor));
      };
      if (methods.length === 0) {
        settled = true;
        reject(
          new AuthenticationError(
            `no SSH credentials are configured for ${targetLabel(target)}`,
            "credentials",
          ),
        );
        return;
      }
      client.on("keyboard-interactive", (_name, _instructions, _lang, prompts, finish) => {
        // Answer password-looking prompts (no echo) with the password; nothing else.
        finish(prompts.map((p) => (p.echo ? "" : (target.password ?? ""))));
      });
      client.once("ready", () => {
        if (settled) return;
        settled = true;
        // CLI traffic is many small request/answer exchanges: Nagle's algorithm would add
        // a delayed-ACK wait to each of them.
        client.setNoDelay(true);
        client.removeListener("error", fail);
        resolve(new SshConnection(client, target, t, redactor, presented!.fingerprint, presented!.keyType));
      });
      client.on("error", fail);
      client.on("close", () => fail(Object.assign(new Error("the connection closed during the handshake"))));

      const config: ConnectConfig = {
        host: target.host,
        port: target.port ?? 22,
        username: target.username,
        readyTimeout: t.connectTimeoutMs,
        keepaliveInterval: t.keepaliveIntervalMs,
        keepaliveCountMax: t.keepaliveCountMax,
        authHandler: methods,
        tryKeyboard: target.password !== undefined,
        hostVerifier: (key: Buffer) => {
          presented = { fingerprint: sshFingerprint(key), keyType: keyTypeOfBlob(key) };
          hostKeyOk = fingerprintsEqual(presented.fingerprint, target.hostKeyFingerprint);
          return hostKeyOk;
        },
      };
      if (target.password !== undefined) config.password = target.password;
      if (target.privateKey) config.privateKey = target.privateKey;
      if (target.passphrase !== undefined) config.passphrase = target.passphrase;
      try {
        client.connect(config);
      } catch (err) {
        // ssh2 parses the private key synchronously; its message never contains the key,
        // but it still goes through the redactor.
        fail(err as Error);
      }
    });
  }

  /** Runs one command on an exec channel (for Linux hosts: birdc, vtysh, ...). */
  exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    const timeoutMs = opts.timeoutMs ?? this.timeouts.commandTimeoutMs;
    const limit = opts.maxOutputBytes ?? this.timeouts.maxOutputBytes;
    const what = `'${command}' on ${this.label}`;
    return new Promise<ExecResult>((resolve, reject) => {
      let done = false;
      let channel: ClientChannel | undefined;
      const finish = (err: Error | undefined, result?: ExecResult) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (err) {
          channel?.destroy();
          reject(err);
        } else resolve(result!);
      };
      const timer = setTimeout(
        () => finish(this.redactor.error(`timed out after ${timeoutMs} ms waiting for ${what}`, true)),
        timeoutMs,
      );
      const onOpen = (err: Error | undefined, ch: ClientChannel) => {
        if (err) return finish(this.channelError(err, what));
        channel = ch;
        const out: Buffer[] = [];
        const errOut: Buffer[] = [];
        let size = 0;
        let code: number | null = null;
        let signal: string | undefined;
        const take = (into: Buffer[]) => (chunk: Buffer) => {
          size += chunk.length;
          if (size > limit) return finish(outputLimitError(what, limit, this.redactor));
          into.push(chunk);
        };
        ch.on("error", (e: Error) => finish(this.channelError(e, what)));
        ch.on("data", take(out));
        ch.stderr.on("data", take(errOut));
        ch.on("exit", (c: number | null, sig?: string) => {
          code = c;
          signal = sig ?? undefined;
        });
        ch.on("close", () =>
          finish(undefined, {
            stdout: Buffer.concat(out).toString("utf8"),
            stderr: Buffer.concat(errOut).toString("utf8"),
            code,
            ...(signal ? { signal } : {}),
          }),
        );
        if (opts.stdin !== undefined) ch.end(opts.stdin);
        else ch.end();
      };
      try {
        this.client.exec(command, onOpen);
      } catch (err) {
        finish(this.channelError(err as Error, what));
      }
    });
  }

  /** Opens an interactive shell channel with a pseudo-terminal (see shell.ts for the CLI on top). */
  openShellChannel(pty: PseudoTtyOptions = {}): Promise<ClientChannel> {
    return new Promise<ClientChannel>((resolve, reject) => {
      const window: PseudoTtyOptions = { term: "vt100", rows: 200, cols: 511, ...pty };
      try {
        this.client.shell(window, (err, ch) => {
          if (err) reject(this.channelError(err, `a shell on ${this.label}`));
          else resolve(ch);
        });
      } catch (err) {
        reject(this.channelError(err as Error, `a shell on ${this.label}`));
      }
    });
  }

  /** The connection's SFTP session (opened once, reused). */
  sftp(): Promise<SFTPWrapper> {
    if (!this.sftpSession) {
      this.sftpSession = new Promise<SFTPWrapper>((resolve, reject) => {
        try {
          this.client.sftp((err, s) => {
            if (err) return reject(this.channelError(err, `SFTP on ${this.label}`));
            s.on("close", () => {
              this.sftpSession = undefined;
            });
            resolve(s);
          });
        } catch (err) {
          reject(this.channelError(err as Error, `SFTP on ${this.label}`));
        }
      });
      this.sftpSession.catch(() => {
        this.sftpSession = undefined;
      });
    }
    return this.sftpSession;
  }

  /** Reads a remote file, refusing files larger than the output limit. */
  async readFile(path: string, opts: { maxBytes?: number } = {}): Promise<Buffer> {
    const limit = opts.maxBytes ?? this.timeouts.maxOutputBytes;
    const sftp = await this.sftp();
    const what = `reading ${path} on ${this.label}`;
    const size = await new Promise<number>((resolve, reject) =>
      sftp.stat(path, (err, st) => (err ? reject(this.sftpError(err, what)) : resolve(st.size))),
    );
    if (size > limit) throw outputLimitError(what, limit, this.redactor);
    return new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let total = 0;
      const stream = sftp.createReadStream(path);
      const timer = setTimeout(() => {
        stream.destroy();
        reject(this.redactor.error(`timed out ${what}`, true));
      }, this.timeouts.commandTimeoutMs);
      stream.on("data", (c: Buffer) => {
        total += c.length;
        if (total > limit) {
          clearTimeout(timer);
          stream.destroy();
          reject(outputLimitError(what, limit, this.redactor));
          return;
        }
        chunks.push(c);
      });
      stream.on("error", (e: Error) => {
        clearTimeout(timer);
        reject(this.sftpError(e, what));
      });
      stream.on("end", () => {
        clearTimeout(timer);
        resolve(Buffer.concat(chunks));
      });
    });
  }

  /**
   * Writes a remote file. With `atomic` (the default) the data goes to a temporary file
   * beside it, which is then renamed over the target, so a reader never sees half a file.
   */
  async writeFile(
    path: string,
    data: string | Buffer,
    opts: { atomic?: boolean; mode?: number } = {},
  ): Promise<void> {
    const sftp = await this.sftp();
    const what = `writing ${path} on ${this.label}`;
    const atomic = opts.atomic ?? true;
    const dest = atomic ? `${path}.peerbot-${process.pid}-${Date.now()}.tmp` : path;
    await new Promise<void>((resolve, reject) =>
      sftp.writeFile(dest, data, { mode: opts.mode ?? 0o644 }, (err) =>
        err ? reject(this.sftpError(err, what)) : resolve(),
      ),
    );
    if (!atomic) return;
    const renamed = await new Promise<Error | undefined>((resolve) => {
      try {
        sftp.ext_openssh_rename(dest, path, (err) => resolve(err ?? undefined));
      } catch (err) {
        resolve(err as Error); // the server lacks posix-rename@openssh.com
      }
    });
    if (!renamed) return;
    // Plain SFTP rename refuses to overwrite: remove the old file first.
    await new Promise<void>((resolve) => sftp.unlink(path, () => resolve()));
    await new Promise<void>((resolve, reject) =>
      sftp.rename(dest, path, (err) => (err ? reject(this.sftpError(err, what)) : resolve())),
    );
  }

  async close(): Promise<void> {
    if (this.closedFlag) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.client.destroy();
        resolve();
      }, 2_000);
      this.onClose(() => {
        clearTimeout(timer);
        resolve();
      });
      this.client.end();
    });
  }

  private channelError(err: Error, what: string): DriverError {
    if (this.closedFlag || /not connected|no response/i.test(err.message)) {
      return this.redactor.error(`the SSH connection to ${this.label} is gone (opening ${what})`, true);
    }
    return this.redactor.error(`could not open ${what}: ${err.message}`, true);
  }

  private sftpError(err: Error & { code?: number }, what: string): DriverError {
    // SFTP status codes: 2 no such file, 3 permission denied: not worth retrying.
    const permanent = err.code === 2 || err.code === 3;
    return this.redactor.error(`${what} failed: ${err.message}`, !permanent);
  }
}

/**
 * Connects only far enough to see the server's host key, then hangs up. For the admin flow
 * "show me the fingerprint so that I can accept it"; never authenticates.
 */
export async function probeHostKey(
  host: string,
  port = 22,
  timeoutMs = 10_000,
): Promise<{ fingerprint: string; keyType: string }> {
  const Client = await loadClient();
  return new Promise((resolve, reject) => {
    const client = new Client();
    let seen: { fingerprint: string; keyType: string } | undefined;
    client.on("error", (err: Error & { code?: string }) => {
      if (seen) resolve(seen);
      else
        reject(new DriverError(`could not read the SSH host key of ${host}:${port}: ${err.message}`, true));
    });
    client.on("close", () => {
      if (seen) resolve(seen);
    });
    client.connect({
      host,
      port,
      username: "peerbot-probe",
      readyTimeout: timeoutMs,
      hostVerifier: (key: Buffer) => {
        seen = { fingerprint: sshFingerprint(key), keyType: keyTypeOfBlob(key) };
        return false;
      },
    });
  });
}
