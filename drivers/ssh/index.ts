// The SSH transport: pinned host keys, password/key authentication, keepalive and timeouts,
// output limits, an interactive CLI with prompt detection, exec + SFTP, and a per-router
// connection pool. The router-driver bases built on it live in drivers/router/base/.
export {
  AuthenticationError,
  ConnectError,
  CredentialsError,
  DriverError,
  HostKeyError,
  OutputLimitError,
  REDACTED,
  Redactor,
  redactConfigSecrets,
  type ConnectFailure,
} from "./errors.js";
export { fingerprintsEqual, keyTypeOfBlob, normalizeFingerprint, sshFingerprint } from "./fingerprint.js";
export {
  DEFAULT_TIMEOUTS,
  MiB,
  SshConnection,
  probeHostKey,
  resolveTimeouts,
  targetKey,
  targetLabel,
  type ExecOptions,
  type ExecResult,
  type SshCredentials,
  type SshTarget,
  type SshTimeouts,
} from "./connection.js";
export {
  CliShell,
  normalizeTerminalText,
  stripEcho,
  type LineResult,
  type PromptSpec,
  type RunOptions,
  type RunResult,
  type ShellOptions,
} from "./shell.js";
export { SshPool, type SshLease, type SshPoolOptions } from "./pool.js";
export { CliRouterSession, type CliSessionOptions } from "./cli-session.js";
export { targetFromRouter, type RouterConnectionInfo } from "./target.js";
