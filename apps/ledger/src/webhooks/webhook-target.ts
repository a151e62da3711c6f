import { BlockList, isIP } from 'node:net';

/**
 * SPEC §8: webhook targets are http(s) only; private and loopback addresses are refused — at
 * registration (a literal address or a local name in the url) and again at delivery, after name
 * resolution (a public name may resolve to a private address) — unless LEDGER_WEBHOOK_ALLOW_PRIVATE.
 */
const PRIVATE = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  PRIVATE.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 127], // :: and ::1
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  PRIVATE.addSubnet(net, prefix, 'ipv6');

/** True for loopback, private, link-local, shared, multicast and reserved addresses (IPv4-mapped IPv6 too). */
export function isPrivateAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped !== null) return PRIVATE.check(mapped[1], 'ipv4');
  const family = isIP(bare);
  if (family === 4) return PRIVATE.check(bare, 'ipv4');
  if (family === 6) return PRIVATE.check(bare, 'ipv6');
  return false;
}

/** The problem with a target url at registration (400 naming `url`), or null. */
export function webhookUrlProblem(url: string, allowPrivate: boolean): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'must be an absolute http(s) url';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return 'must be an http or https url';
  if (parsed.username !== '' || parsed.password !== '') return 'must not carry credentials';
  if (allowPrivate) return null;
  // A fully qualified name's final dot ("localhost.") names the same host.
  const host = parsed.hostname.toLowerCase().replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost') || isPrivateAddress(host)) {
    return 'must not point at a private or loopback address (LEDGER_WEBHOOK_ALLOW_PRIVATE=true allows it)';
  }
  return null;
}

export type Lookup = (hostname: string) => Promise<readonly { readonly address: string }[]>;

/** At delivery: every address the name resolves to must be public (or private allowed). */
export async function deliveryTargetProblem(
  url: string,
  allowPrivate: boolean,
  lookup: Lookup,
): Promise<string | null> {
  const problem = webhookUrlProblem(url, allowPrivate);
  if (problem !== null || allowPrivate) return problem;
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) !== 0) return null;
  const addresses = await lookup(host);
  if (addresses.length === 0) return `${host} does not resolve`;
  const blocked = addresses.find((a) => isPrivateAddress(a.address));
  return blocked === undefined
    ? null
    : `${host} resolves to a private or loopback address (${blocked.address})`;
}
