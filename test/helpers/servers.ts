/**
 * The test server kit, one import for tests: well-behaved servers, hostile ones, and the
 * plumbing to build more. Every server listens on 127.0.0.1 port 0 and is torn down by
 * `close()`, which destroys any socket still open.
 */
export type { ConnectionContext, TestServer } from './raw-server.js';
export { pump, rawServer, send } from './raw-server.js';
export type { ServerRequest } from './request-reader.js';
export { onRequests, RequestReader, RequestSyntaxError } from './request-reader.js';
export type { ResponseHeaders } from './response.js';
export { chunk, head, patternBytes, response } from './response.js';
export type { HttpServerOptions, HttpsServerOptions, RouteHandler, Routes } from './http-server.js';
export { startHttpServer, startHttpsServer, startTlsServer } from './http-server.js';
export type { CloseMidPoint, Endless1xxOptions, SlowLorisOptions } from './hostile.js';
export {
  garbage,
  startCloseMidServer,
  startDoubleResponseServer,
  startEndless1xxServer,
  startEndlessBodyServer,
  startEndlessChunkedServer,
  startEndlessHeadersServer,
  startGarbageServer,
  startKeepAliveRaceServer,
  startOverlongBodyServer,
  startOversizeHeadersServer,
  startRefusedPort,
  startResetServer,
  startSilentServer,
  startSlowLorisServer,
  startStallAfterStatusServer,
  startTlsStallServer,
} from './hostile.js';
export type { TlsCertName } from './certs.js';
