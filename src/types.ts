/**
 * The shapes that flow through fetch-many, one way:
 * target input → {@link Target} → engine → {@link Result} → reporters.
 */

/** A header list kept in the order the user gave it. Names keep their case. */
export type HeaderList = ReadonlyArray<readonly [name: string, value: string]>;

/** One header field of a result's `responseHeaders` / `requestHeaders`: `[name, value]`. */
export type HeaderPair = [name: string, value: string];

/**
 * What a user may write for one target in a JSON file, JSON lines on stdin, or pass to
 * {@link fetchMany}. Either `url`, or `host` (with optional `port` and `path`; `url` then means the
 * path, as in the original `{host, port, method, url, data, timeout}` design).
 */
export interface TargetObject {
  /** Absolute `http://` / `https://` URL, shorthand `host[:port][/path]`, or — when `host` is set — the path. */
  url?: string;
  host?: string;
  port?: number | string;
  path?: string;
  /** @default "GET" (or the `--method` flag) */
  method?: string;
  headers?: Record<string, string | number>;
  /** Request body, sent with `Content-Length`. */
  body?: string;
  /** Alias of `body`. */
  data?: string;
  /**
   * A file whose bytes are the request body, streamed as it is sent (as `--data-binary @file`);
   * not with `body`/`data`. A relative path resolves against the target file's folder (stdin and
   * the library: the working directory).
   */
  bodyFile?: string;
  /** Whole-request timeout for this target: a {@link Duration} (`"2s"`, or a number of milliseconds). */
  timeout?: string | number;
  /** A label shown instead of the URL in reports. */
  name?: string;
  /** What counts as ok for this target (see README, "Expectations"). */
  expect?: ExpectObject;
}

/** A target's own expectation, as written in a JSON target file. */
export interface ExpectObject {
  /** Status spec, e.g. `"200,204"`, `"200-299"`, `"2xx,3xx"`. */
  status?: string | number;
  /** Longest acceptable total time: a {@link Duration} (`"500ms"`, or a number of milliseconds). */
  maxTime?: string | number;
  /** A string the body must contain. */
  bodyIncludes?: string;
  /**
   * Response headers that must be present, by name (case-insensitive). A string value matches
   * the field value exactly, or — when it has no `;` — the field value up to its first `;`
   * (`"application/json"` matches `application/json; charset=utf-8`; media types ignore case).
   * `{ "includes": "…" }` requires a substring, `{ "matches": "regex" }` a regular expression.
   */
  header?: Record<string, string | number | { includes: string } | { matches: string }>;
  /** HTTPS only: the server certificate must be valid for at least this many more days. */
  certDaysLeft?: number;
  /**
   * JSONPath (the subset in docs/bodies.md) → the JSON value it must select, or one of
   * `{"matches": "<regex>"}`, `{"exists": true|false}`, `{"equals": <value>}`.
   */
  json?: Record<string, unknown>;
  /** A JavaScript regular expression the body text must match: `"pattern"` or `"/pattern/flags"`. */
  bodyMatches?: string;
}

/** Anything {@link fetchMany} accepts as one target. */
export type TargetInput = string | TargetObject;

/** A place in a local file: where a target was read from (1-based line). */
export interface SourceLocation {
  file: string;
  line: number;
}

/**
 * Where a target came from, carried unchanged onto its {@link Result}: the file and line it was
 * found on (`--links`), every such place when the same URL was found in several (it is fetched
 * once), and the page that linked to it (`--crawl`). Each absent when it does not apply.
 */
export interface TargetOrigin {
  /** The (first) place the URL was found in a local file. */
  source?: SourceLocation;
  /** Every place the URL was found, in the order read; only when there are two or more. */
  sources?: SourceLocation[];
  /** The page (or sitemap) whose content listed this URL. */
  from?: string;
}

/** Digest algorithms of `hash`. */
export type HashAlgorithm = 'sha256' | 'sha1' | 'md5';

/**
 * Where a target was written: the file as it was named (on the command line, or the path a
 * library caller gave) and the 1-based line the target starts on. Absent for targets given as
 * arguments, on stdin or to {@link fetchMany} directly.
 */
export interface SourceLocation {
  file: string;
  line: number;
}

/** A target after validation: everything the engine needs, nothing it must check again. */
export interface Target extends TargetOrigin {
  /** 0-based position in the input. */
  index: number;
  /** The target as given: the string, or the JSON text of the object. */
  input: string;
  /** The file and line it came from; absent for arguments and stdin. */
  source?: SourceLocation;
  name?: string;
  /** Normalized absolute URL. */
  url: string;
  protocol: 'http:' | 'https:';
  /** Host name or IP literal, without IPv6 brackets. */
  hostname: string;
  port: number;
  /** Path and query, starting with `/` (origin-form request target). */
  path: string;
  /** Upper-case method token. */
  method: string;
  /** Extra request headers (the user's), validated: no CR, LF or NUL. */
  headers: HeaderList;
  /** In memory, or streamed from files (`-d @file`, `--data-binary @file`, `bodyFile`); null: none. */
  body: Buffer | FileBody | null;
  /** Whole-request timeout in ms; overrides the run's `timeout`. */
  timeout?: number;
  // Its compiled expectation, `expect`, is added by src/expect/types.ts: the compiled form is
  // internal, so it stays out of this file, whose declarations are the public ones.
  /**
   * Headers bound to origins (`--header-for`, `--user-for`, a file's `defaults.origins`): every
   * request of the target, each redirect hop included, carries those of its own origin and no
   * other's. Absent when the run binds none.
   */
  bound?: BoundHeaders;
}

/** See {@link Target.bound}. `headers` is built from these for the target's own origin. */
export interface BoundHeaders {
  /** Origin (`https://host:443`: lower case, port written out) → the headers bound to it. */
  readonly byOrigin: ReadonlyMap<string, HeaderList>;
  /** The target's headers without any origin's bound ones: what each hop's headers start from. */
  readonly unbound: HeaderList;
  /** Lower-case names of the target's own headers, which win over a bound header. */
  readonly own: ReadonlySet<string>;
}

/**
 * A request body read from files as it is sent, never held whole: each request (and each retry or
 * redirect that resends it) opens the files again. `length` is known before the first request.
 */
export interface FileBody {
  readonly kind: 'file';
  /** In order: bytes sent as they are, and files. */
  readonly parts: readonly (Buffer | FileBodyPart)[];
  /** Bytes sent in all: the Content-Length. */
  readonly length: number;
}

export interface FileBodyPart {
  readonly path: string;
  /** Carriage returns and line feeds left out (curl's `-d @file`). */
  readonly strip: boolean;
  /** Bytes this part sends (after stripping). */
  readonly length: number;
  /**
   * A target's `bodyFile` as written (relative to its target file's folder), when `path` is that
   * resolved: what identifies the body across runs (`requestBodySha256`), wherever the list lives.
   */
  readonly written?: string;
}

/**
 * A target that failed validation; the engine turns it into an `invalid_target` result — or, with
 * `code: 'input'`, an input that could not be read (a sitemap that does not parse).
 */
export interface InvalidTarget extends TargetOrigin {
  index: number;
  input: string;
  source?: SourceLocation;
  name?: string;
  invalid: string;
  /** @default "invalid_target" */
  code?: 'invalid_target' | 'input';
}

export type PreparedTarget = Target | InvalidTarget;

/** Stable error codes. Tell errors apart by these, never by message text. */
export type ErrorCode =
  | 'invalid_target'
  | 'dns'
  | 'refused'
  | 'reset'
  | 'timeout'
  | 'tls'
  | 'protocol'
  | 'truncated'
  | 'too_large'
  | 'cancelled'
  | 'connect'
  | 'too_many_redirects'
  | 'proxy'
  /** The body could not be written under `outputDir` (disk full, permission denied…). */
  | 'write'
  /** Never sent: its origin reached `maxHostErrors` connection errors or timeouts in a row. */
  | 'skipped'
  /** An input (a sitemap, a file of links, a crawled page) could not be read or parsed. */
  | 'input';

/** The phase a timeout happened in. */
export type TimeoutPhase = 'connect' | 'tls' | 'headers' | 'body';

export interface ResultError {
  code: ErrorCode;
  /** Only on `timeout`: the phase that ran out of time. */
  phase?: TimeoutPhase;
  /** One line naming the host, port and the number that mattered. */
  message: string;
}

/**
 * Milliseconds from the moment the request left the queue. `null` for a phase that did not
 * happen: a reused connection has no dns/connect/tls; an IP literal or a name already resolved
 * in this run has no dns; plain http has no tls; a request that failed before the first response
 * byte has no firstByte.
 */
export interface Timings {
  /**
   * Name resolution: the lookup's own duration. Time spent waiting for a free lookup slot
   * (`dnsConcurrency`) is queue time, counted in none of these.
   */
  dns: number | null;
  /** TCP connect, after DNS: the whole Happy Eyeballs race when the name has several addresses. */
  connect: number | null;
  /** TLS handshake, after TCP connect. */
  tls: number | null;
  /** From leaving the queue to the first byte of the response. */
  firstByte: number | null;
  /** From leaving the queue to the end of the body (or the error). */
  total: number;
}

/** One honest result per target. `source`, `sources`, `from`: see {@link TargetOrigin}. */
export interface Result extends TargetOrigin {
  /** 0-based input position. */
  index: number;
  /** The target as given. */
  input: string;
  /** The target's `name`, when it has one. */
  name?: string;
  /** The file and line the target came from; absent for arguments and stdin. */
  source?: SourceLocation;
  /** Normalized absolute URL, or null when the target was invalid. */
  url: string | null;
  method: string;
  /** Final status code, or null when no response head arrived. */
  status: number | null;
  /** True when there was no error and every expectation held. */
  ok: boolean;
  /** Body bytes received, after removing chunked framing. */
  bytes: number;
  timings: Timings;
  /**
   * True when the request ran on a connection opened for an earlier request (a kept-alive HTTP/1.1
   * connection, or an HTTP/2 connection already carrying streams).
   */
  reused: boolean;
  /** HTTP version of the response: `"1.0"`, `"1.1"` or `"2"`; null when no response head arrived. */
  httpVersion: HttpVersion | null;
  error: ResultError | null;
  /** Expectations that did not hold, each a short sentence; empty when all held. */
  failures: string[];
  /** Attempts made: 1, plus each retry (`--retries`). The result reports the last attempt. */
  attempts: number;
  /**
   * What went wrong on each attempt that was tried again, in order; present only when there were
   * retries. `attempts - 1` long — `attempts` when a cancelled run cut the wait for the next one.
   */
  retried?: AttemptFailure[];
  /**
   * True when the target ended ok after more than one attempt: a pass that needed retries.
   * Present exactly when `retried` is (false then: the last attempt failed too).
   */
  flaky?: boolean;
  /** Redirects followed (`--follow`), in order, each with the status and the URL it came from; [] when none. */
  redirects: RedirectHop[];
  /** URL of the final response: `url` unless redirects were followed; null for an invalid target. */
  finalUrl: string | null;
  /** Address of the server (or proxy) the last attempt connected to; null when no connection was made. */
  remoteAddress: string | null;
  /** The TLS session of the last attempt (HTTPS); null for http or when no handshake completed. */
  tls: TlsInfo | null;
  /** Body bytes after content decoding (`--compressed` and an encoded response); null otherwise. */
  decodedBytes: number | null;
  /**
   * Where the body was saved (`outputDir`), relative to that directory, `/`-separated; null when
   * nothing was saved (no `outputDir`, or the request failed).
   */
  savedTo: string | null;
  /**
   * Hex digest of the body as the user sees it (decoded with `compressed`); only the field named
   * by `hash` is present, null when the body did not complete.
   */
  sha256?: string | null;
  sha1?: string | null;
  md5?: string | null;
  /**
   * Only with the `responseHeaders` option (the CLI's `-i`): the final response's header fields,
   * `[name, value]` in the order they came, names lower-cased; [] when no response head arrived.
   * Absent on an invalid target (nothing was sent). Reports show credential headers as `***`.
   */
  responseHeaders?: HeaderPair[];
  /**
   * Only with the `requestHeaders` option (the CLI's `-v`): the header fields of the last request
   * as sent (HTTP/2: `:method`, `:scheme`, `:authority`, `:path` first); [] when it was never sent.
   */
  requestHeaders?: HeaderPair[];
  /**
   * Hex SHA-256 of the request body the target sent, when it sent one (CLI results only): part of
   * the target's identity across runs (`--baseline`, `diff`, `--state`, `--cache`), so two POSTs
   * to one URL with different bodies are told apart. For a body streamed from a file (`@file`)
   * it covers the file's path and size, not its bytes. Absent for a request without a body.
   */
  requestBodySha256?: string;
  /**
   * How this result compares with the baseline (`--baseline`, `fetch-many diff`); absent without
   * one. `gone` marks a baseline result whose target this run did not have (listed after every
   * result, never counted in the summary's totals).
   */
  change?: Change;
  /**
   * True for a result taken from `--cache` instead of fetched: its figures are the earlier
   * run's, and its timings count in no percentile. Absent for a fetched result.
   */
  cached?: true;
}

/**
 * One failed attempt that was tried again: its error, or the status that asked to come back
 * later (429, 502, 503, 504) with the expectations it failed.
 */
export interface AttemptFailure {
  /** The attempt's response status, or null when no response head arrived. */
  status: number | null;
  error: ResultError | null;
  /** Expectations that did not hold (`status 503 not in 200-399`); empty with an error. */
  failures: string[];
}

/** See {@link Result.change}. */
export type Change = 'new-failure' | 'still-failing' | 'fixed' | 'ok' | 'new' | 'gone';

/** One hop of a followed redirect: the status that sent us on, and the URL it was sent from. */
export interface RedirectHop {
  status: number;
  url: string;
}

/** HTTP version of a response. */
export type HttpVersion = '1.0' | '1.1' | '2';

/** What the TLS handshake established (HTTPS targets). */
export interface TlsInfo {
  /** e.g. `TLSv1.3`. */
  protocol: string | null;
  /** e.g. `TLS_AES_256_GCM_SHA384`. */
  cipher: string | null;
  /** Certificate subject, e.g. `CN=api.example.com`. */
  subject: string | null;
  issuer: string | null;
  /** Certificate expiry, ISO 8601. */
  validTo: string | null;
  /** Whole days from now until expiry (negative when expired). */
  daysLeft: number | null;
  /** The handshake resumed a session from an earlier connection to the origin (no full handshake). */
  resumed: boolean;
}

/** A rate: `count` requests per `perMs` milliseconds. */
export interface Rate {
  count: number;
  perMs: number;
}

/** An HTTP proxy and the hosts that bypass it. */
export interface ProxySettings {
  /** Proxy for http:// targets (absolute-form requests), e.g. `http://127.0.0.1:3128`. */
  http?: string;
  /** Proxy for https:// targets (CONNECT tunnels). */
  https?: string;
  /** NO_PROXY entries: host names (a leading `.` or `*.` matches subdomains), `host:port`, or `*`. */
  noProxy?: readonly string[];
}

/**
 * A duration: a number of **milliseconds** (as Node's timeouts), or a string with its unit —
 * `"250ms"`, `"2s"`, `"1.5m"`, `"1h"`. The same in the options and in a target object. A string
 * without a unit (`"2"`) is refused, and so is a timeout or `maxTime` under 10 given as a number
 * (most likely meant in seconds; write `"5ms"` on purpose). See docs/targets.md#durations.
 */
export type Duration = number | string;

/**
 * Options for a run. Every field is optional; each is checked before anything runs, and an
 * unknown key or an unusable value (`concurrency: 0`, `timeout: "soon"`) throws an `OptionError`.
 */
export interface RunOptions {
  /** Requests in flight at once. @default 50 */
  concurrency?: number;
  /**
   * Requests in flight at once per origin (scheme, host, port): HTTP/1.1 connections, HTTP/2
   * streams. When set, the cap from the start. Unset: `concurrency`, but an origin that has not
   * answered yet (no response of any status in this run) may hold only `ceil(concurrency / 2)`,
   * so an origin that never answers cannot take every slot; a single slow host runs at half
   * width until its first response.
   * @default `concurrency` (half of it until the origin first answers)
   */
  perHost?: number;
  /**
   * Up to this many idempotent requests (GET, HEAD, OPTIONS, TRACE, PUT, DELETE) written back
   * to back on one kept-alive HTTP/1.1 connection, answered in order (RFC 9112 §9.3.2). Each
   * still counts against `concurrency`. See docs/http-features.md, "Pipelining". @default 1 (off)
   */
  pipeline?: number;
  /** DNS + TCP + TLS budget: ms, or a duration string (see {@link Duration}). @default 10000 */
  connectTimeout?: Duration;
  /** Whole-request budget from leaving the queue to the end of the body. @default 30000 (30 s) */
  timeout?: Duration;
  /** Skip TLS certificate verification. @default false */
  insecure?: boolean;
  /** Largest response header section accepted, bytes. @default 65536 */
  maxHeaderBytes?: number;
  /** Stop reading a body past this many bytes (error `too_large`). @default unlimited */
  maxBytes?: number;
  /**
   * Run-wide expectation, used for targets that carry none: a status spec (`"2xx"`), or an object
   * as a target's `expect` (`{ status: "200-299", maxTime: "1s" }`).
   * @default status 200-399
   */
  expect?: ExpectObject | string;
  /** Abort the run: stop taking targets; those already taken but not finished are reported `cancelled`. Targets not yet read from the input get no result. */
  signal?: AbortSignal;
  /** Value of the User-Agent header. @default "fetch-many/<version>" */
  userAgent?: string;
  /** Follow 301/302/303/307/308 redirects. @default false */
  follow?: boolean;
  /** Hops followed before error `too_many_redirects`. @default 10 */
  maxRedirects?: number;
  /** Extra attempts after a connection error, timeout, 429, 502, 503 or 504. @default 0 */
  retries?: number;
  /**
   * After this many connection errors or timeouts in a row on one origin (`dns`, `refused`,
   * `reset`, `connect`, `tls`, `timeout`, `truncated`; any response starts the count again), its
   * remaining targets are reported at once with error `skipped`, naming those errors (httpx's
   * `-maxhr`). @default off
   */
  maxHostErrors?: number;
  /** Base of the exponential backoff between attempts (full jitter). @default 1000 (1 s, as curl) */
  retryDelay?: Duration;
  /** Longest wait between attempts, also the cap on a server's Retry-After. @default 30000 */
  retryMaxDelay?: Duration;
  /** Retry non-idempotent methods (POST, PATCH) too. @default false */
  retryAllMethods?: boolean;
  /** Requests started per time unit, over the whole run: `{count, perMs}` or `"50/s"`, `"600/m"`. @default unlimited */
  rate?: Rate | string;
  /** Requests started per time unit, per origin. @default unlimited */
  ratePerHost?: Rate | string;
  /** PEM certificates added to the trusted roots. */
  ca?: string[] | string;
  /** PEM client certificate and its key, for servers that ask for one. */
  cert?: string;
  key?: string;
  /**
   * Speak HTTP/1.1 only: https targets offer just `http/1.1` in ALPN (curl's `--http1.1`).
   * @default false (https offers `h2, http/1.1`, and speaks HTTP/2 where the server picks it)
   */
  http1Only?: boolean;
  /** Speak HTTP/2 on http targets without an upgrade (h2c, RFC 9113 §3.3; curl's `--http2-prior-knowledge`). @default false */
  http2PriorKnowledge?: boolean;
  /** TLS server name (SNI and certificate check) to use instead of the URL's host. */
  servername?: string;
  /**
   * `host:port` → addresses used instead of DNS (curl's --resolve): one, several comma-separated,
   * or a list. Several are raced as DNS answers are (Happy Eyeballs).
   */
  resolve?: Record<string, string | readonly string[]>;
  /**
   * DNS servers asked instead of resolv.conf's: `127.0.0.1`, `127.0.0.1:5353`, `[::1]:5353`.
   * The hosts file and resolv.conf's search list still apply. @default resolv.conf's servers
   */
  dnsServers?: readonly string[];
  /** DNS lookups in flight at once, run-wide; more wait (as queue time). @default 256 */
  dnsConcurrency?: number;
  /** Send requests through an HTTP proxy. */
  proxy?: ProxySettings;
  /** Ask for gzip, deflate or br and decode the body, counting `decodedBytes`. @default false */
  compressed?: boolean;
  /**
   * Save every final response body to a file under this directory (created if missing), named
   * from the URL (docs/bodies.md); the result's `savedTo` says where. @default no saving
   */
  outputDir?: string;
  /** Layout of saved files under `outputDir`, with `{index}`, `{host}`, `{path}`, `{name}`, `{status}`, `{ext}`. @default "{host}/{path}" */
  outputTemplate?: string;
  /** Add the body's digest to each result, in a field named after the algorithm. @default none */
  hash?: HashAlgorithm;
  /** Most body bytes held in memory for `expect.json` / `expect.bodyMatches`. @default 1048576 (1 MiB) */
  maxBodyBuffer?: number;
  /** Add each final response's header fields to its result (`responseHeaders`). @default false */
  responseHeaders?: boolean;
  /** Add the header fields of each request as sent to its result (`requestHeaders`). @default false */
  requestHeaders?: boolean;
}
