import { OptionError } from '../errors.js';
import { proxyUrl } from '../config/values.js';
import type { ProxySettings } from '../types.js';

function checkedProxyUrl(value: string, where: string): string {
  try {
    return proxyUrl(value);
  } catch (err) {
    throw new OptionError(where, `${where}: ${(err as Error).message}`);
  }
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
    http = https = checkedProxyUrl(flag.trim(), '--proxy');
  } else {
    const h = pick('http_proxy', 'HTTP_PROXY');
    const s = pick('https_proxy', 'HTTPS_PROXY');
    if (h !== undefined) http = checkedProxyUrl(h, 'HTTP_PROXY');
    if (s !== undefined) https = checkedProxyUrl(s, 'HTTPS_PROXY');
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
