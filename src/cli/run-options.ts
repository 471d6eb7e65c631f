import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { UsageError } from '../errors.js';
import { cannotRead } from '../targets/sources.js';
import type { ProxySettings, Rate, RunOptions } from '../types.js';

/** `50`, `50/s`, `600/m` → a rate. A bare number is per second. */
export function parseRate(value: string, flag: string): Rate {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?:\/\s*(s|sec|second|m|min|minute))?\s*$/i.exec(value);
  const count = m ? Number(m[1]) : NaN;
  if (!m || !(count > 0) || !Number.isFinite(count)) {
    throw new UsageError(`${flag} must look like 50, 50/s or 600/m, got "${value}"`);
  }
  const perMinute = (m[2] ?? 's').toLowerCase().startsWith('m');
  return { count, perMs: perMinute ? 60_000 : 1000 };
}

/**
 * curl's `--resolve host:port:addr`: the address may be an IPv6 literal, with or without
 * brackets (`example.com:443:[::1]`).
 */
export function parseResolve(specs: readonly string[]): Record<string, string> {
  const map: Record<string, string> = {};
  for (const spec of specs) {
    const m = /^([^:\s]+):(\d{1,5}):(.+)$/.exec(spec.trim());
    const port = m ? Number(m[2]) : NaN;
    const addr = m ? m[3]!.replace(/^\[(.*)\]$/, '$1') : '';
    if (!m || port < 1 || port > 65535 || isIP(addr) === 0) {
      throw new UsageError(`--resolve must be host:port:address with an IP address, got "${spec}"`);
    }
    map[`${m[1]!.toLowerCase()}:${port}`] = addr;
  }
  return map;
}

function readPem(path: string, flag: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw cannotRead(path, err, flag);
  }
  if (!text.includes('-----BEGIN ')) throw new UsageError(`${flag}: ${path} holds no PEM block (-----BEGIN …)`);
  return text;
}

function validProxyUrl(value: string, where: string): string {
  let url: URL;
  try {
    url = new URL(value.includes('://') ? value : `http://${value}`);
  } catch {
    throw new UsageError(`${where}: "${value}" is not a proxy URL (use http://host:port)`);
  }
  if (url.protocol !== 'http:')
    throw new UsageError(`${where}: only http:// proxies are supported, got "${url.protocol}"`);
  return url.href;
}

/**
 * `--proxy` wins over the environment; otherwise HTTP_PROXY / HTTPS_PROXY (lower-case spellings
 * first, as curl reads them) and NO_PROXY. An empty `--proxy ""` turns proxies off.
 */
export function proxySettings(
  flag: string | undefined,
  noproxy: string | undefined,
  env: NodeJS.ProcessEnv,
): ProxySettings | undefined {
  const pick = (...names: string[]): string | undefined => {
    for (const n of names) {
      const v = env[n];
      if (v !== undefined && v.trim() !== '') return v.trim();
    }
    return undefined;
  };
  let http: string | undefined;
  let https: string | undefined;
  if (flag !== undefined) {
    if (flag.trim() === '') return undefined;
    http = https = validProxyUrl(flag.trim(), '--proxy');
  } else {
    const h = pick('http_proxy', 'HTTP_PROXY');
    const s = pick('https_proxy', 'HTTPS_PROXY');
    if (h !== undefined) http = validProxyUrl(h, 'HTTP_PROXY');
    if (s !== undefined) https = validProxyUrl(s, 'HTTPS_PROXY');
  }
  if (http === undefined && https === undefined) return undefined;
  const list = noproxy ?? pick('no_proxy', 'NO_PROXY') ?? '';
  const noProxy = list
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
  return {
    ...(http === undefined ? {} : { http }),
    ...(https === undefined ? {} : { https }),
    ...(noProxy.length === 0 ? {} : { noProxy }),
  };
}

export interface TlsFiles {
  cacert?: string;
  cert?: string;
  key?: string;
}

/** Reads the PEM files named by --cacert/--cert/--key, now, so a bad path is a usage error before any request. */
export function tlsOptions(files: TlsFiles): Pick<RunOptions, 'ca' | 'cert' | 'key'> {
  if ((files.cert === undefined) !== (files.key === undefined)) {
    throw new UsageError('--cert and --key go together: give both');
  }
  return {
    ...(files.cacert === undefined ? {} : { ca: [readPem(files.cacert, '--cacert')] }),
    ...(files.cert === undefined ? {} : { cert: readPem(files.cert, '--cert') }),
    ...(files.key === undefined ? {} : { key: readPem(files.key, '--key') }),
  };
}
