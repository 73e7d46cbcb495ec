/** A level of {@link Logger}. */
export type LogLevel = 'info' | 'warn' | 'error';

/** Where the BFF writes its log lines. Every field passes through {@link redact} first. */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /**
   * Optional: `false` for a level this logger drops, so that the BFF does not prepare (and redact)
   * lines nobody writes, e.g. the access log line of every request. Pino's has this name. Without
   * it every level counts as written.
   */
  isLevelEnabled?(level: LogLevel): boolean;
}

const REDACTED = '[redacted]';
// Keys whose values are credentials whatever they look like.
const SECRET_KEY = /token|secret|password|authorization|cookie|code_verifier|^code$|assertion|credential|session_?id/i;
// JWS/JWE compact serialisations (three or five base64url parts, header starting with `{"`).
const JWT_SHAPE = /eyJ[\w-]*\.[\w-]*\.[\w-]*(?:\.[\w-]*\.[\w-]*)?/g;
// Iron seals (`Fe26.2*…`) and bearer credentials inside free text.
const SEAL_SHAPE = /Fe26\.2\*[^\s"';,]+/g;
const BEARER_SHAPE = /\b(Bearer|Basic)\s+[\w\-.~+/]+=*/gi;

/** Replaces token-shaped substrings and credential-named fields, recursively. */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') {
    return value.replace(JWT_SHAPE, REDACTED).replace(SEAL_SHAPE, REDACTED).replace(BEARER_SHAPE, `$1 ${REDACTED}`);
  }
  if (value instanceof Error) {
    // The cause chain too (messages only: a cause that is a plain object may be a response body).
    const cause = value.cause instanceof Error && depth < 5 ? { cause: redact(value.cause, depth + 1) } : {};
    return { name: value.name, message: redact(value.message, depth + 1), ...('code' in value ? { code: value.code } : {}), ...cause };
  }
  if (depth > 5 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, SECRET_KEY.test(key) ? REDACTED : redact(item, depth + 1)]));
}

/** The default logger: one JSON line per event on stdout/stderr (the BFF redacts before it writes). */
export const consoleLogger: Logger = {
  info: (message, fields) => console.log(line('info', message, fields)),
  warn: (message, fields) => console.warn(line('warn', message, fields)),
  error: (message, fields) => console.error(line('error', message, fields)),
};

function line(level: string, message: string, fields?: Record<string, unknown>): string {
  return JSON.stringify({ level, time: new Date().toISOString(), msg: message, ...fields });
}

/**
 * Wraps any logger so that nothing reaches it unredacted; a level it has disabled costs nothing (no
 * redaction). Its `isLevelEnabled` is always there.
 */
export function redactingLogger(logger: Logger): Logger & Required<Pick<Logger, 'isLevelEnabled'>> {
  const isLevelEnabled = (level: LogLevel) => logger.isLevelEnabled?.(level) ?? true;
  const wrap = (level: LogLevel): Logger['info'] => {
    const write = logger[level].bind(logger);
    return (message, fields) => {
      if (isLevelEnabled(level)) write(redact(message) as string, fields && (redact(fields) as Record<string, unknown>));
    };
  };
  return { info: wrap('info'), warn: wrap('warn'), error: wrap('error'), isLevelEnabled };
}
