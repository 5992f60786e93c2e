import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures, Stripe-style, one scheme both ways: senders sign the webhooks they post to
 * the gateway's intake (`POST /v1/hooks/:token`) with it, and the notification service signs the
 * webhooks it delivers to subscribers with it:
 *
 *   X-500Leads-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 *
 * The HMAC key is the secret string as shown at creation (`whsec_…`), UTF-8. Several `v1=`
 * entries may be sent (one per secret while the sender rotates); one matching any currently
 * valid secret of the source is enough. Entries of other schemes (`v0=`, future `v2=`) are
 * ignored. The timestamp must be within the tolerance of our clock, both ways, which bounds
 * replays of a captured request.
 */
export const SIGNATURE_HEADER = 'x-500leads-signature';
export const SIGNATURE_TOLERANCE_SECONDS = 5 * 60;

/** Bounds the work an unauthenticated header can cause: length, and HMAC comparisons. */
const MAX_HEADER_LENGTH = 2048;
const MAX_SIGNATURES = 8;
const HEX_SHA256 = /^[0-9a-f]{64}$/i;
const UNIX_SECONDS = /^\d{1,12}$/;

export type SignatureFailure = 'missing' | 'malformed' | 'expired' | 'mismatch';
export type SignatureVerdict = { valid: true } | { valid: false; reason: SignatureFailure };

export interface VerifySignatureOptions {
  /** Our clock, in unix seconds (default: now). */
  now?: number;
  toleranceSeconds?: number;
}

export interface ParsedSignature {
  timestamp: number;
  signatures: Buffer[];
}

/** `t=…,v1=…[,v1=…]` → the timestamp and the v1 signatures; undefined when malformed. */
export function parseSignatureHeader(header: string): ParsedSignature | undefined {
  if (header.length > MAX_HEADER_LENGTH) return undefined;
  let timestamp: number | undefined;
  const signatures: Buffer[] = [];
  for (const item of header.split(',')) {
    const separator = item.indexOf('=');
    if (separator < 0) return undefined;
    const key = item.slice(0, separator).trim();
    const value = item.slice(separator + 1).trim();
    if (key === 't') {
      if (timestamp !== undefined || !UNIX_SECONDS.test(value)) return undefined;
      timestamp = Number(value);
    } else if (key === 'v1') {
      if (!HEX_SHA256.test(value) || signatures.length === MAX_SIGNATURES) return undefined;
      signatures.push(Buffer.from(value, 'hex'));
    }
  }
  if (timestamp === undefined || signatures.length === 0) return undefined;
  return { timestamp, signatures };
}

/** The hex v1 signature of a payload sent at `timestamp` (unix seconds). */
export function computeSignature(secret: string, timestamp: number, rawBody: Buffer | string): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');
}

/** The header a sender puts on a request: what our docs and tests use. */
export function signatureHeader(secrets: string | readonly string[], rawBody: Buffer | string, timestamp = nowSeconds()): string {
  const list = typeof secrets === 'string' ? [secrets] : secrets;
  return [`t=${timestamp}`, ...list.map((secret) => `v1=${computeSignature(secret, timestamp, rawBody)}`)].join(',');
}

/**
 * Checks a signature header against every currently valid secret, comparing HMACs in constant
 * time. Reasons are for the 401's detail; none of them reveals a secret.
 */
export function verifySignature(
  header: string | undefined,
  rawBody: Buffer,
  secrets: readonly string[],
  options: VerifySignatureOptions = {},
): SignatureVerdict {
  if (header === undefined || header.trim() === '') return { valid: false, reason: 'missing' };
  const parsed = parseSignatureHeader(header);
  if (!parsed) return { valid: false, reason: 'malformed' };
  const now = options.now ?? nowSeconds();
  const tolerance = options.toleranceSeconds ?? SIGNATURE_TOLERANCE_SECONDS;
  if (Math.abs(now - parsed.timestamp) > tolerance) return { valid: false, reason: 'expired' };
  let matched = false;
  for (const secret of secrets) {
    const expected = Buffer.from(computeSignature(secret, parsed.timestamp, rawBody), 'hex');
    for (const signature of parsed.signatures) {
      // Every pair is compared: how long this takes does not depend on which one matched.
      if (timingSafeEqual(expected, signature)) matched = true;
    }
  }
  return matched ? { valid: true } : { valid: false, reason: 'mismatch' };
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
