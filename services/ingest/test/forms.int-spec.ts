import { randomBytes } from 'node:crypto';
import { queryDatabase, signUp, startStack, type Stack } from '@leads/testing';

/**
 * Web forms through the real gateway process: forms are managed with an API key; browsers on
 * the allowed origins post to the public capture URL (CORS, honeypot, fill time, rate limit).
 */

type Workspace = Awaited<ReturnType<typeof signUp>>;
interface Form {
  id: string;
  name: string;
  formKey: string;
  url: string;
  allowedOrigins: string[];
  redirectUrl: string | null;
}

const SITE = 'https://shop.example';
const THANKS = 'https://shop.example/thanks';
const RATE_LIMIT = 5;

let stack: Stack;
let owner: Workspace;
let stranger: Workspace;

beforeAll(async () => {
  stack = await startStack(['ingest'], {
    env: { SECRETS_KEY: randomBytes(32).toString('base64'), FORM_RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT), FORM_MIN_FILL_MS: '2000' },
  });
  [owner, stranger] = await Promise.all([signUp(stack.gateway), signUp(stack.gateway)]);
});

afterAll(async () => {
  await stack?.stop();
});

const db = <Row = Record<string, any>>(sql: string, params: unknown[] = []) => queryDatabase<Row>(stack.services.ingest.database.url, sql, params);
const uniqueEmail = (label: string) => `${label}-${randomBytes(4).toString('hex')}@example.com`;

async function api(workspace: Workspace, method: string, path: string, body?: unknown) {
  const response = await fetch(`${stack.gateway}${path}`, {
    method,
    headers: { ...workspace.auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const json = response.headers.get('content-type')?.includes('json');
  return { status: response.status, headers: response.headers, body: text && json ? JSON.parse(text) : text };
}

async function createForm(input: { allowedOrigins?: string[]; redirectUrl?: string } = {}): Promise<Form> {
  const response = await api(owner, 'POST', '/v1/forms', {
    name: 'Contact us',
    allowedOrigins: input.allowedOrigins ?? [SITE],
    ...('redirectUrl' in input ? { redirectUrl: input.redirectUrl } : { redirectUrl: THANKS }),
  });
  expect(response.status).toBe(201);
  return response.body;
}

/** A browser posting the snippet's form from a page of `origin`, having spent `filledInMs` on it. */
function post(form: Form, fields: Record<string, string>, options: { origin?: string | null; filledInMs?: number; headers?: Record<string, string> } = {}) {
  const origin = options.origin === undefined ? SITE : options.origin;
  const body = new URLSearchParams({ _hp: '', _ts: String(Date.now() - (options.filledInMs ?? 8000)), ...fields }).toString();
  return fetch(form.url, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(origin === null ? {} : { origin }),
      ...options.headers,
    },
    body,
  });
}

const leadsWithEmail = (email: string) => db(`SELECT id, profile, custom_fields FROM leads WHERE email = $1`, [email]);
const submissionsOf = (formId: string) =>
  db(`SELECT lead_id, channel, fields, utm, ip_address, user_agent, referrer FROM submissions WHERE source_id = $1 ORDER BY created_at`, [formId]);

/** What a client sees: everything but the date. */
async function visible(response: Response) {
  const headers = Object.fromEntries([...response.headers].filter(([name]) => !['date', 'keep-alive', 'connection'].includes(name)));
  return { status: response.status, headers, body: await response.text() };
}

describe('forms', () => {
  it('creates a form with a public key and capture URL, lists and reads it', async () => {
    const form = await createForm();
    expect(form).toEqual({
      id: expect.any(String),
      name: 'Contact us',
      formKey: expect.stringMatching(/^frm_[A-Za-z0-9_-]{22}$/),
      url: `${stack.gateway}/v1/forms/${form.formKey}`,
      allowedOrigins: [SITE],
      redirectUrl: THANKS,
      createdAt: expect.any(String),
    });
    expect((await api(owner, 'GET', `/v1/forms/${form.id}`)).body).toEqual(form);
    expect((await api(owner, 'GET', '/v1/forms')).body).toContainEqual(form);
  });

  it('rejects an allowed origin that is not an origin, and a redirect that is not a URL', async () => {
    const response = await api(owner, 'POST', '/v1/forms', {
      name: 'Bad',
      allowedOrigins: [SITE, 'https://shop.example/contact', '*'],
      redirectUrl: 'javascript:alert(1)',
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.body.errors.map((error: { field: string }) => error.field).sort()).toEqual(['allowedOrigins.1', 'allowedOrigins.2', 'redirectUrl']);
    expect((await api(owner, 'POST', '/v1/forms', { name: 'None', allowedOrigins: [] })).status).toBe(400);
  });

  it('serves a copy-paste HTML snippet posting to the capture URL, with the honeypot', async () => {
    const created = await api(owner, 'POST', '/v1/forms', { name: '<script>alert("x")</script>', allowedOrigins: [SITE] });
    const form: Form = created.body;
    const response = await api(owner, 'GET', `/v1/forms/${form.id}/snippet`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html: string = response.body;
    expect(html).toContain(`<form action="${stack.gateway}/v1/forms/${form.formKey}" method="POST"`);
    expect(html).toContain('name="_hp"');
    expect(html).toContain('name="_ts"');
    expect(html).toContain('utm_source');
    expect(html).not.toContain('<script>alert');
  });
});

describe('POST /v1/forms/:formKey', () => {
  it('stores a form-encoded post from an allowed origin and redirects (303) to the thank-you URL', async () => {
    const form = await createForm();
    const email = uniqueEmail('visitor');
    const response = await post(
      form,
      { email, first_name: 'Ann', company: 'Initech', phone: '', utm_campaign: 'spring' },
      { headers: { referer: `${SITE}/landing?utm_source=google&utm_medium=cpc&utm_campaign=ignored`, 'user-agent': 'Mozilla/5.0 (Test)' } },
    );
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(THANKS);
    expect(response.headers.get('access-control-allow-origin')).toBe(SITE);
    expect(await response.text()).toBe('');

    const [lead] = await leadsWithEmail(email);
    expect(lead).toMatchObject({ profile: { email, firstName: 'Ann' }, custom_fields: { company: 'Initech' } });
    expect(await submissionsOf(form.id)).toEqual([
      {
        lead_id: lead.id,
        channel: 'form',
        // The hidden control fields and the empty phone are not lead fields.
        fields: { email, first_name: 'Ann', company: 'Initech', utm_campaign: 'spring' },
        // The post's own utm_* win; the page URL fills the gaps.
        utm: { source: 'google', medium: 'cpc', campaign: 'spring' },
        ip_address: expect.stringMatching(/^(::ffff:)?127\.0\.0\.1$/),
        user_agent: 'Mozilla/5.0 (Test)',
        referrer: `${SITE}/landing?utm_source=google&utm_medium=cpc&utm_campaign=ignored`,
      },
    ]);
  });

  it('answers a JSON post with {ok: true}, never the lead id, when there is no redirect', async () => {
    const form = await createForm({ redirectUrl: undefined });
    const email = uniqueEmail('json');
    const response = await fetch(form.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: SITE },
      body: JSON.stringify({ email, _ts: Date.now() - 5000, _te: 4000, _page: `${SITE}/pricing?utm_source=newsletter` }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(SITE);
    expect(await response.json()).toEqual({ ok: true });
    const [lead] = await leadsWithEmail(email);
    expect(lead).toBeDefined();
    expect((await submissionsOf(form.id))[0].utm).toEqual({ source: 'newsletter' });

    // A form-encoded post to a form without a redirect gets the same JSON.
    const encoded = await post(form, { email });
    expect(encoded.status).toBe(200);
    expect(await encoded.json()).toEqual({ ok: true });
  });

  it('gives a bot that fills the honeypot the same reply as a person, and stores nothing', async () => {
    const form = await createForm();
    const person = await visible(await post(form, { email: uniqueEmail('person') }));
    const email = uniqueEmail('honeypot');
    const bot = await visible(await post(form, { email, _hp: 'http://spam.example' }));
    expect(bot).toEqual(person);
    expect(bot.status).toBe(303);
    expect(await leadsWithEmail(email)).toEqual([]);
    expect(await submissionsOf(form.id)).toHaveLength(1);
  });

  it('gives a post faster than the minimum fill time the same reply, and stores nothing', async () => {
    const form = await createForm({ redirectUrl: undefined });
    const email = uniqueEmail('too-fast');
    const response = await post(form, { email }, { filledInMs: 300 });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
    expect(await leadsWithEmail(email)).toEqual([]);
    expect(await submissionsOf(form.id)).toEqual([]);
  });

  it('refuses (403) a post from an origin outside the allow-list, without CORS headers, and stores nothing', async () => {
    const form = await createForm();
    for (const origin of ['https://evil.example', 'http://shop.example', 'null', null]) {
      const email = uniqueEmail('foreign');
      const response = await post(form, { email }, { origin });
      expect({ origin, status: response.status }).toEqual({ origin, status: 403 });
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      expect(await leadsWithEmail(email)).toEqual([]);
    }
    expect(await submissionsOf(form.id)).toEqual([]);
  });

  it('answers a preflight from an allowed origin with CORS headers, and refuses other origins', async () => {
    const form = await createForm({ allowedOrigins: [SITE, 'https://blog.example'] });
    const preflight = (origin: string) =>
      fetch(form.url, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
    const allowed = await preflight('https://blog.example');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://blog.example');
    expect(allowed.headers.get('access-control-allow-methods')).toContain('POST');
    expect(allowed.headers.get('access-control-allow-headers')).toContain('content-type');
    expect(allowed.headers.get('vary')).toContain('Origin');

    const refused = await preflight('https://evil.example');
    expect(refused.status).toBe(403);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
  });

  it(`rate-limits each client per form (${RATE_LIMIT}/min here): then 429 with Retry-After, nothing stored`, async () => {
    const form = await createForm();
    const other = await createForm();
    for (let i = 0; i < RATE_LIMIT; i += 1) {
      expect((await post(form, { email: uniqueEmail(`burst-${i}`) })).status).toBe(303);
    }
    const email = uniqueEmail('one-too-many');
    const limited = await post(form, { email });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('content-type')).toContain('application/problem+json');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.headers.get('access-control-allow-origin')).toBe(SITE);
    expect(await leadsWithEmail(email)).toEqual([]);
    expect(await submissionsOf(form.id)).toHaveLength(RATE_LIMIT);
    // Another form has its own budget.
    expect((await post(other, { email })).status).toBe(303);
  });

  it('answers 400 to a post without a valid email, naming the field, and stores nothing', async () => {
    const form = await createForm();
    const response = await post(form, { email: 'not-an-email', first_name: 'X' });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ errors: [{ field: 'email' }] });
    expect(await submissionsOf(form.id)).toEqual([]);
  });

  it('answers 400 to a body that is not a flat-enough object, and stays healthy', async () => {
    const form = await createForm();
    for (const body of ['[1]', `{"email":"deep@example.com","_hp":${'['.repeat(50_000)}${']'.repeat(50_000)}}`]) {
      const response = await fetch(form.url, { method: 'POST', headers: { 'content-type': 'application/json', origin: SITE }, body });
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
    }
    expect(await submissionsOf(form.id)).toEqual([]);
    expect((await fetch(`${stack.gateway}/health/ready`)).status).toBe(200);
  });

  it('answers 404 to an unknown form key', async () => {
    const response = await post({ url: `${stack.gateway}/v1/forms/frm_${randomBytes(16).toString('base64url')}` } as Form, { email: uniqueEmail('nowhere') });
    expect(response.status).toBe(404);
  });
});

describe('tenant isolation and deletion', () => {
  it("answers 404 to another workspace's key for every form endpoint, and changes nothing", async () => {
    const form = await createForm();
    expect((await api(stranger, 'GET', '/v1/forms')).body.map((item: Form) => item.id)).not.toContain(form.id);
    for (const [method, path] of [
      ['GET', `/v1/forms/${form.id}`],
      ['GET', `/v1/forms/${form.id}/snippet`],
      ['DELETE', `/v1/forms/${form.id}`],
    ]) {
      const response = await api(stranger, method, path);
      expect({ method, path, status: response.status }).toEqual({ method, path, status: 404 });
    }
    expect((await api(owner, 'GET', `/v1/forms/${form.id}`)).status).toBe(200);
  });

  it('deletes a form: its capture URL then answers 404', async () => {
    const form = await createForm();
    expect((await api(owner, 'DELETE', `/v1/forms/${form.id}`)).status).toBe(204);
    expect((await api(owner, 'GET', `/v1/forms/${form.id}`)).status).toBe(404);
    expect((await post(form, { email: uniqueEmail('gone') })).status).toBe(404);
  });
});
