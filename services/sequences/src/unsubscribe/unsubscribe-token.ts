import { createHash, randomBytes } from 'node:crypto';

/*
 * An unsubscribe token is `<workspace id>.<32 random bytes, base64url>`: the gateway reads the
 * workspace from it to scope its call here, and only the SHA-256 of the random part is stored, so
 * the database never holds a working link.
 */

const TOKEN = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.([A-Za-z0-9_-]{43})$/i;

const hashOf = (secret: string): Buffer => createHash('sha256').update(secret).digest();

export function newUnsubscribeToken(workspaceId: string): { token: string; hash: Buffer } {
  const secret = randomBytes(32).toString('base64url');
  return { token: `${workspaceId}.${secret}`, hash: hashOf(secret) };
}

/** The token's workspace and the hash it is stored under; undefined when it is not a token. */
export function parseUnsubscribeToken(token: string): { workspaceId: string; hash: Buffer } | undefined {
  const match = TOKEN.exec(token);
  return match ? { workspaceId: match[1].toLowerCase(), hash: hashOf(match[2]) } : undefined;
}

export function unsubscribeUrl(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/v1/unsubscribe/${token}`;
}
