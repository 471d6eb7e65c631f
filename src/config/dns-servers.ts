import { isIP } from 'node:net';
import { shown } from './values.js';

/**
 * One `--dns-server` value: an IP address with an optional port, IPv6 in brackets when a port is
 * given (`[::1]:5353`; a bare `::1:53` is itself an IPv6 address). Returned in the form c-ares's
 * `setServers` takes; port 53 is left implicit.
 */
export function dnsServerAddress(value: unknown): string {
  const fail = (): never => {
    throw new Error(`must be an IP address with an optional port (127.0.0.1:5353, [::1]:5353), got ${shown(value)}`);
  };
  if (typeof value !== 'string') return fail();
  const text = value.trim();
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(text);
  let address: string;
  let port: string | undefined;
  if (bracketed !== null) [, address = '', port] = bracketed;
  else if (isIP(text) !== 0) address = text;
  else {
    const colon = text.lastIndexOf(':');
    if (colon === -1) return fail();
    address = text.slice(0, colon);
    port = text.slice(colon + 1);
  }
  const family = isIP(address);
  // A port after an unbracketed IPv6 address cannot be told from the address itself.
  if (family === 0 || (family === 6 && bracketed === null && port !== undefined)) return fail();
  if (port === undefined) return address;
  const n = /^\d{1,5}$/.test(port) ? Number(port) : Number.NaN;
  if (!(n >= 1 && n <= 65535)) return fail();
  return family === 6 ? `[${address}]:${n}` : `${address}:${n}`;
}

/** `dnsServers`: a list (or one) of {@link dnsServerAddress} values, at least one. */
export function dnsServerList(value: unknown): readonly string[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) throw new Error('must name at least one server');
  return Object.freeze(list.map(dnsServerAddress));
}
