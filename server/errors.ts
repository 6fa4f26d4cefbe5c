/**
 * The one catalogue of error codes. Each code has the HTTP status the server answers
 * with and, for codes a sync can record in channelState, the admin hint the widget
 * shows (translated in app/translations). A test keeps README.md, the widget's
 * translations and this table in step.
 */
export const ERROR_CATALOGUE = {
  // Requests Desk (or anyone) sends us.
  BAD_JSON: { status: 400, hint: 'The request body is not valid JSON.' },
  BAD_REQUEST: { status: 400, hint: 'The request is not well-formed HTTP or its URL cannot be read.' },
  REQUEST_TIMEOUT: { status: 408, hint: 'The request was not received in time.' },
  HEADERS_TOO_LARGE: { status: 431, hint: "The request's headers are larger than the server accepts." },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, hint: 'Send the body as application/json.' },
  BODY_TOO_LARGE: { status: 413, hint: 'The request body is larger than the server accepts.' },
  INVALID_QUERY: { status: 400, hint: 'A query parameter is missing or malformed.' },
  INVALID_BODY: { status: 400, hint: "The body does not match Desk's documented format." },
  BAD_KEY: { status: 401, hint: 'The URL key does not match DESK_URL_KEY.' },
  BAD_HASH: { status: 401, hint: 'The HASH header does not match the extension secret.' },
  NOT_FOUND: { status: 404, hint: 'No such route.' },
  METHOD_NOT_ALLOWED: { status: 405, hint: 'This route does not take that method.' },
  // An upstream's webhook deliveries (server/deliveries).
  BAD_SIGNATURE: { status: 401, hint: "The delivery's signature header is missing or does not match the hook's secret." },
  BAD_HOOK_URL: { status: 404, hint: "The delivery's URL was not made by this server (or under another EXTENSION_SECRET)." },
  WRONG_REPOSITORY: { status: 422, hint: 'The delivery is about another source than the hook it arrived at.' },
  DELIVERY_OVERLOAD: { status: 503, hint: 'Too many deliveries at once: this one is dropped and the next pull brings its items.' },
  DESK_IMPORT_REFUSED: { status: 502, hint: "Desk's import refused a delivery's items: the next pull brings them." },
  INTERNAL: { status: 500, hint: 'An unexpected error; the server log has the details.' },
  // channelState that names what this server never wrote (forged, or damaged): ignored, logged.
  STATE_INVALID: { status: 400, hint: 'channelState names a source or hook this server did not write: it is ignored and nothing upstream is touched.' },
  // Configuration of an installation (config params).
  CONFIG_INVALID: { status: 400, hint: 'Check the extension settings: repositories must be owner/repo, comma separated.' },
  // Replies (push).
  REPLY_EMPTY: { status: 422, hint: 'The reply has no text to post.' },
  REPLY_TOO_LONG: { status: 422, hint: 'The reply is longer than the upstream accepts: shorten it or split it.' },
  REPLY_TOO_DEEP: { status: 422, hint: "The reply's formatting is nested too deeply to convert: simplify it (fewer nested lists or quotes)." },
  REPLY_TARGET_INVALID: { status: 422, hint: 'The reply names no upstream item of this channel.' },
  ISSUE_LOCKED: { status: 409, hint: 'The upstream item is locked: unlock it there to reply.' },
  ISSUE_NOT_FOUND: { status: 410, hint: 'The upstream item no longer exists or was moved.' },
  // The upstream, as a sync or a reply meets it. These are recorded in channelState; each connector words them for its service (ConnectorModule.hints).
  UPSTREAM_UNAUTHORIZED: { status: 502, hint: "The upstream is not authorised: open the extension's Connections and authorise it." },
  UPSTREAM_FORBIDDEN: { status: 502, hint: 'The upstream refused access: the authorised account needs read access to the source (and write access to reply).' },
  SOURCE_NOT_FOUND: { status: 502, hint: 'The source does not exist or the authorised account cannot see it: check the settings.' },
  SOURCE_DISABLED: { status: 502, hint: 'The source is switched off upstream: switch it on there.' },
  UPSTREAM_RATE_LIMITED: { status: 503, hint: "The upstream's rate limit is used up: the sync waits for the reset and resumes by itself." },
  UPSTREAM_UNAVAILABLE: { status: 502, hint: 'The upstream did not answer: the sync retries by itself at the next pull.' },
  UPSTREAM_BAD_RESPONSE: { status: 502, hint: "The upstream's answer could not be read: the sync retries by itself at the next pull." },
  // Desk's Invoke API, in production the way every upstream call leaves.
  DESK_INVOKE_REFUSED: { status: 502, hint: "Desk refused the server's call: check that EXTENSION_SECRET matches the extension's secret." },
  DESK_CONTEXT_EXPIRED: { status: 502, hint: "Desk's security context expired: the next pull brings a fresh one." },
  DESK_UNAVAILABLE: { status: 502, hint: "Desk's Invoke API did not answer: the sync retries by itself at the next pull." },
  // Desk's ticket API, as the escalation loop calls it (server/escalation).
  DESK_API_REFUSED: {
    status: 502,
    hint: "Desk's ticket API refused a call of the escalation loop (credits used up, a status that does not exist, a missing field): the next pull tries again.",
  },
} as const satisfies Record<string, { status: number; hint: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** Codes a pull records in channelState (the widget has a translated hint for each). */
export const SYNC_ERROR_CODES = [
  'CONFIG_INVALID',
  'UPSTREAM_UNAUTHORIZED',
  'UPSTREAM_FORBIDDEN',
  'SOURCE_NOT_FOUND',
  'SOURCE_DISABLED',
  'UPSTREAM_RATE_LIMITED',
  'UPSTREAM_UNAVAILABLE',
  'UPSTREAM_BAD_RESPONSE',
  'DESK_INVOKE_REFUSED',
  'DESK_CONTEXT_EXPIRED',
  'DESK_UNAVAILABLE',
  'INTERNAL',
] as const satisfies readonly ErrorCode[];

/** A failure with a stable code; the HTTP layer maps the code to a status. */
export class AppError extends Error {
  readonly code: ErrorCode;
  /** Seconds the caller should wait before trying again (rate limits). */
  readonly retryAfter: number | undefined;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; retryAfter?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.retryAfter = options.retryAfter;
  }

  get status(): number {
    return ERROR_CATALOGUE[this.code].status;
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}

/** Where a fallback says what it gave up: the request's logger (warn), or nobody in a test. */
interface WarnLog {
  warn(obj: object, msg: string): void;
}

/**
 * A catch handler that carries on with `fallback` but first logs what was given up, with
 * its code and cause (never a silent `.catch(() => …)`).
 */
export function loggedFallback<T>(log: WarnLog | undefined, what: string, fallback: T | (() => T)): (err: unknown) => T {
  return (err) => {
    log?.warn({ code: isAppError(err) ? err.code : 'INTERNAL', err }, what);
    return typeof fallback === 'function' ? (fallback as () => T)() : fallback;
  };
}
