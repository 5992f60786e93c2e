import { createHmac, randomBytes } from 'node:crypto';
import { queryDatabase, signUp, startStack, type Stack } from '@leads/testing';

/**
 * Signed webhooks through the real gateway process: sources are managed with an API key, the
 * public hook URL verifies `X-500Leads-Signature` and stores leads through the intake path.
 */

type Workspace = Awaited<ReturnType<typeof signUp>>;

let stack: Stack;
let owner: Workspace;
let stranger: Workspace;

beforeAll(async () => {
  stack = await startStack(['ingest'], { env: { SECRETS_KEY: randomBytes(32).toString('base64') } });
  [owner, stranger] = await Promise.all([signUp(stack.gateway), signUp(stack.gateway)]);
});

afterAll(async () => {
  await stack?.stop();
});

const db = <Row = Record<string, any>>(sql: string, params: unknown[] = []) => queryDatabase<Row>(stack.services.ingest.database.url, sql, params);
const uniqueEmail = (label: string) => `${label}-${randomBytes(4).toString('hex')}@example.com`;
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** What a sender computes: HMAC-SHA256(secret, "<t>.<raw body>"), hex. */
function sign(secret: string, body: string, timestamp = nowSeconds()): string {
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

async function api(workspace: Workspace, method: string, path: string, body?: unknown) {
  const response = await fetch(`${stack.gateway}${path}`, {
    method,
    headers: { ...workspace.auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

async function createSource(name = 'CRM', fieldMapping?: Record<string, string>) {
  const response = await api(owner, 'POST', '/v1/webhook-sources', { name, ...(fieldMapping ? { fieldMapping } : {}) });
  expect(response.status).toBe(201);
  return response.body as { id: string; name: string; token: string; secret: string; url: string; createdAt: string };
}

function deliver(url: string, body: string, headers: Record<string, string> = {}, contentType = 'application/json') {
  return fetch(url, { method: 'POST', headers: { 'content-type': contentType, ...headers }, body });
}

async function leadsWithEmail(email: string) {
  return db(`SELECT id, profile, custom_fields FROM leads WHERE email = $1`, [email]);
}

async function submissionsOf(sourceId: string) {
  return db(`SELECT lead_id, channel, source_id, fields FROM submissions WHERE source_id = $1 ORDER BY created_at`, [sourceId]);
}

describe('webhook sources', () => {
  it('creates a source with a hook URL and a secret shown once, stored sealed', async () => {
    const source = await createSource('Landing pages');
    expect(source).toEqual({
      id: expect.any(String),
      name: 'Landing pages',
      token: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/),
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9_-]{43}$/),
      url: `${stack.gateway}/v1/hooks/${source.token}`,
      fieldMapping: {},
      createdAt: expect.any(String),
    });

    const read = await api(owner, 'GET', `/v1/webhook-sources/${source.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual({ id: source.id, name: 'Landing pages', url: source.url, fieldMapping: {}, createdAt: source.createdAt });
    const listed = await api(owner, 'GET', '/v1/webhook-sources');
    expect(listed.body).toContainEqual(read.body);
    expect(JSON.stringify(listed.body)).not.toContain(source.secret);

    // Neither the secret nor the token is in the database in clear.
    const [row] = await db(`SELECT token_hash, token_sealed FROM webhook_sources WHERE id = $1`, [source.id]);
    const secrets = await db(`SELECT secret_sealed FROM webhook_source_secrets WHERE source_id = $1`, [source.id]);
    expect(secrets).toHaveLength(1);
    expect(secrets[0].secret_sealed.includes(Buffer.from(source.secret))).toBe(false);
    expect(secrets[0].secret_sealed.includes(Buffer.from(source.secret.slice(6)))).toBe(false);
    expect(row.token_sealed.includes(Buffer.from(source.token))).toBe(false);
    expect(row.token_hash.includes(Buffer.from(source.token))).toBe(false);
  });

  it('rejects an invalid source with problem details naming the field', async () => {
    const response = await api(owner, 'POST', '/v1/webhook-sources', { name: '', fieldMapping: { email: 42 } });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.body.errors.map((error: { field: string }) => error.field).sort()).toEqual(['fieldMapping.email', 'name']);
  });
});

describe('POST /v1/hooks/:token', () => {
  it('stores a lead from a well-signed JSON body: 202 {id, duplicate}', async () => {
    const source = await createSource();
    const email = uniqueEmail('signed');
    const body = JSON.stringify({ email, first_name: 'Ann', organization: 'Initech' });
    const response = await deliver(source.url, body, { 'x-500leads-signature': sign(source.secret, body) });
    expect(response.status).toBe(202);
    const result: any = await response.json();
    expect(result).toEqual({ id: expect.any(String), duplicate: false });

    const [lead] = await leadsWithEmail(email);
    expect(lead).toMatchObject({ id: result.id, profile: { email, firstName: 'Ann' }, custom_fields: { organization: 'Initech' } });
    expect(await submissionsOf(source.id)).toEqual([
      { lead_id: result.id, channel: 'webhook', source_id: source.id, fields: { email, first_name: 'Ann', organization: 'Initech' } },
    ]);

    // The same email again merges into the lead.
    const again = JSON.stringify({ email, phone: '+1 555 0100' });
    const second = await deliver(source.url, again, { 'x-500leads-signature': sign(source.secret, again) });
    expect(await second.json()).toEqual({ id: result.id, duplicate: true });
    expect((await leadsWithEmail(email))[0].profile).toEqual({ email, firstName: 'Ann', phone: '+1 555 0100' });
  });

  it.each([
    ['a wrong secret', (body: string) => ({ 'x-500leads-signature': sign(`whsec_${randomBytes(32).toString('base64url')}`, body) }), /No signature matches/],
    ['no signature header', () => ({}), /missing/],
    ['a malformed header', () => ({ 'x-500leads-signature': 'sha256=deadbeef' }), /malformed/],
    ['a signature of another body', (_: string, secret: string) => ({ 'x-500leads-signature': sign(secret, '{"email":"x@example.com"}') }), /No signature matches/],
    ['a timestamp 6 minutes old', (body: string, secret: string) => ({ 'x-500leads-signature': sign(secret, body, nowSeconds() - 360) }), /5 minutes/],
    ['a timestamp 6 minutes ahead', (body: string, secret: string) => ({ 'x-500leads-signature': sign(secret, body, nowSeconds() + 360) }), /5 minutes/],
  ])('answers 401 to %s and stores nothing', async (_, headers, detail) => {
    const source = await createSource();
    const email = uniqueEmail('refused');
    const body = JSON.stringify({ email });
    const response = await deliver(source.url, body, headers(body, source.secret));
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const problem = await response.json();
    expect(problem).toMatchObject({ status: 401, type: expect.stringContaining('unauthorized'), detail: expect.stringMatching(detail) });
    expect(JSON.stringify(problem)).not.toContain(source.secret);
    expect(await leadsWithEmail(email)).toEqual([]);
    expect(await submissionsOf(source.id)).toEqual([]);
  });

  it('answers 401 to an unknown token, with a good-looking signature', async () => {
    const email = uniqueEmail('unknown');
    const body = JSON.stringify({ email });
    const response = await deliver(`${stack.gateway}/v1/hooks/${randomBytes(24).toString('base64url')}`, body, {
      'x-500leads-signature': sign('whsec_guess', body),
    });
    expect(response.status).toBe(401);
    expect(((await response.json()) as any).status).toBe(401);
    expect(await leadsWithEmail(email)).toEqual([]);
  });

  it('accepts a form-encoded body', async () => {
    const source = await createSource();
    const email = uniqueEmail('form-encoded');
    const body = new URLSearchParams({ 'Email Address': email, fname: 'Bo', utm_source: 'partner', 'Budget (USD)': '5000' }).toString();
    const response = await deliver(source.url, body, { 'x-500leads-signature': sign(source.secret, body) }, 'application/x-www-form-urlencoded');
    expect(response.status).toBe(202);
    const { id }: any = await response.json();
    const [lead] = await leadsWithEmail(email);
    expect(lead).toMatchObject({ id, profile: { email, firstName: 'Bo' }, custom_fields: { 'Budget (USD)': '5000' } });
    const [submission] = await db(`SELECT utm FROM submissions WHERE lead_id = $1`, [id]);
    expect(submission.utm).toEqual({ source: 'partner' });
  });

  it("applies the source's field mapping before recognition, including dotted paths into nested JSON", async () => {
    const source = await createSource('Typeform-ish', { correo: 'email', 'contact.given': 'firstName', 'contact.org': 'companyName' });
    const email = uniqueEmail('mapped');
    const body = JSON.stringify({ correo: email, contact: { given: 'Cy', org: 'Hooli' }, plan: 'pro' });
    const response = await deliver(source.url, body, { 'x-500leads-signature': sign(source.secret, body) });
    expect(response.status).toBe(202);
    const [lead] = await leadsWithEmail(email);
    expect(lead.profile).toEqual({ email, firstName: 'Cy', companyName: 'Hooli' });
    expect(lead.custom_fields).toEqual({ contact: { given: 'Cy', org: 'Hooli' }, plan: 'pro' });
  });

  it('answers 400 to a well-signed body that is not a lead, and stores nothing', async () => {
    const source = await createSource();
    const deep = `{"email":"deep@example.com","x":${'['.repeat(50_000)}${']'.repeat(50_000)}}`;
    for (const body of ['[1,2]', JSON.stringify({ name: 'No Email' }), JSON.stringify({ email: 'not-an-email' }), deep]) {
      const response = await deliver(source.url, body, { 'x-500leads-signature': sign(source.secret, body) });
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
    }
    expect(await submissionsOf(source.id)).toEqual([]);
    expect((await fetch(`${stack.gateway}/health/ready`)).status).toBe(200);
  });

  it('answers 413 to an oversized body and stores nothing', async () => {
    const source = await createSource();
    const email = uniqueEmail('huge');
    const body = JSON.stringify({ email, notes: 'x'.repeat(300 * 1024) });
    const response = await deliver(source.url, body, { 'x-500leads-signature': sign(source.secret, body) });
    expect(response.status).toBe(413);
    expect(await leadsWithEmail(email)).toEqual([]);
  });

  it('replays an Idempotency-Key retry with the first answer', async () => {
    const source = await createSource();
    const email = uniqueEmail('retry');
    const body = JSON.stringify({ email });
    const send = () => deliver(source.url, body, { 'x-500leads-signature': sign(source.secret, body), 'idempotency-key': 'delivery-1' });
    const first = await (await send()).json();
    const second = await (await send()).json();
    expect(second).toEqual(first);
    expect(await submissionsOf(source.id)).toHaveLength(1);
  });
});

describe('secret rotation', () => {
  it('keeps the previous secret valid for 24 h next to the new one', async () => {
    const source = await createSource();
    const rotated = await api(owner, 'POST', `/v1/webhook-sources/${source.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body).toEqual({ secret: expect.stringMatching(/^whsec_/), previousSecretValidUntil: expect.any(String) });
    expect(rotated.body.secret).not.toBe(source.secret);
    const validFor = Date.parse(rotated.body.previousSecretValidUntil) - Date.now();
    expect(validFor).toBeGreaterThan(23.9 * 3600_000);
    expect(validFor).toBeLessThanOrEqual(24 * 3600_000);

    for (const [label, secret] of [
      ['old', source.secret],
      ['new', rotated.body.secret],
    ]) {
      const body = JSON.stringify({ email: uniqueEmail(`rotation-${label}`) });
      const response = await deliver(source.url, body, { 'x-500leads-signature': sign(secret, body) });
      expect(response.status).toBe(202);
    }
    // A sender switching over may sign with both.
    const body = JSON.stringify({ email: uniqueEmail('rotation-both') });
    const t = nowSeconds();
    const both = `${sign(source.secret, body, t)},${sign(rotated.body.secret, body, t).split(',')[1]}`;
    expect((await deliver(source.url, body, { 'x-500leads-signature': both })).status).toBe(202);
    expect(await submissionsOf(source.id)).toHaveLength(3);
  });

  it('can revoke the previous secrets at once (previousSecretValidForSeconds: 0)', async () => {
    const source = await createSource();
    const rotated = await api(owner, 'POST', `/v1/webhook-sources/${source.id}/rotate-secret`, { previousSecretValidForSeconds: 0 });
    expect(rotated.status).toBe(200);
    const body = JSON.stringify({ email: uniqueEmail('revoked') });
    expect((await deliver(source.url, body, { 'x-500leads-signature': sign(source.secret, body) })).status).toBe(401);
    expect((await deliver(source.url, body, { 'x-500leads-signature': sign(rotated.body.secret, body) })).status).toBe(202);
    expect(await db(`SELECT 1 FROM webhook_source_secrets WHERE source_id = $1`, [source.id])).toHaveLength(1);
  });
});

describe('documentation and metrics', () => {
  it('documents the webhook and form endpoints in the OpenAPI document', async () => {
    const document: any = await (await fetch(`${stack.gateway}/docs-json`)).json();
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/v1/webhook-sources',
        '/v1/webhook-sources/{id}',
        '/v1/webhook-sources/{id}/rotate-secret',
        '/v1/hooks/{token}',
        '/v1/forms',
        '/v1/forms/{id}',
        '/v1/forms/{id}/snippet',
        '/v1/forms/{formKey}',
      ]),
    );
  });

  it('counts refused deliveries by reason', async () => {
    const metrics = await (await fetch(`${stack.gateway}/metrics`)).text();
    expect(metrics).toMatch(/intake_webhook_rejections_total\{reason="expired"\} [1-9]/);
    expect(metrics).toMatch(/intake_webhook_rejections_total\{reason="mismatch"\} [1-9]/);
  });
});

describe('tenant isolation and deletion', () => {
  it("answers 404 to another workspace's key for every source endpoint, and changes nothing", async () => {
    const source = await createSource('Private');
    const listed = await api(stranger, 'GET', '/v1/webhook-sources');
    expect(listed.status).toBe(200);
    expect(listed.body.map((item: { id: string }) => item.id)).not.toContain(source.id);
    for (const [method, path] of [
      ['GET', `/v1/webhook-sources/${source.id}`],
      ['DELETE', `/v1/webhook-sources/${source.id}`],
      ['POST', `/v1/webhook-sources/${source.id}/rotate-secret`],
    ]) {
      const response = await api(stranger, method, path);
      expect({ method, status: response.status }).toEqual({ method, status: 404 });
      expect(response.headers.get('content-type')).toContain('application/problem+json');
    }
    expect(await db(`SELECT expires_at FROM webhook_source_secrets WHERE source_id = $1`, [source.id])).toEqual([{ expires_at: null }]);
    const body = JSON.stringify({ email: uniqueEmail('still-works') });
    expect((await deliver(source.url, body, { 'x-500leads-signature': sign(source.secret, body) })).status).toBe(202);
    expect((await api(owner, 'GET', `/v1/webhook-sources/${source.id}`)).status).toBe(200);
  });

  it('requires an API key to manage sources', async () => {
    expect((await fetch(`${stack.gateway}/v1/webhook-sources`)).status).toBe(401);
  });

  it('deletes a source: its URL then answers 401', async () => {
    const source = await createSource();
    expect((await api(owner, 'DELETE', `/v1/webhook-sources/${source.id}`)).status).toBe(204);
    expect((await api(owner, 'GET', `/v1/webhook-sources/${source.id}`)).status).toBe(404);
    expect((await api(owner, 'DELETE', `/v1/webhook-sources/${source.id}`)).status).toBe(404);
    const body = JSON.stringify({ email: uniqueEmail('deleted') });
    expect((await deliver(source.url, body, { 'x-500leads-signature': sign(source.secret, body) })).status).toBe(401);
  });
});
