import { Topics, decodeEvent, IntakeOutcome } from '@leads/contracts';
import { expectEventually, queryDatabase, signUp, startGroupsAtEnd, startStack, type Stack } from '@leads/testing';
import { Kafka, logLevel, type Consumer } from 'kafkajs';

const json = (body: unknown) => ({ 'content-type': 'application/json', body: JSON.stringify(body) });
const read = (response: Response): Promise<any> => response.json();

describe('gateway: accounts and the Leads API intake', () => {
  let stack: Stack;
  let gateway: string;
  const ingestDb = () => stack.services.ingest.database.url;

  beforeAll(async () => {
    // Retention runs often here; what it keeps is the defaults' (sessions until they expire, idempotency keys 24 h).
    stack = await startStack(['ingest'], { serviceEnv: { ingest: { RETENTION_INTERVAL_MS: '200' } } });
    gateway = stack.gateway;
  });

  afterAll(async () => {
    await stack?.stop();
  });

  async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
    const { body: payload, ...contentType } = json(body);
    return fetch(`${gateway}${path}`, { method: 'POST', headers: { ...contentType, ...headers }, body: payload });
  }

  it('signs up: a workspace, a user and an API key shown once, stored only as a hash', async () => {
    const account = await signUp(gateway, 'Acme');
    expect(account.workspace).toEqual({ id: expect.any(String), name: 'Acme' });
    expect(account.apiKey).toMatch(/^l5_[0-9a-f]{12}_/);
    const keys = await queryDatabase<{ prefix: string; secret_hash: Buffer }>(ingestDb(), `SELECT prefix, secret_hash FROM api_keys WHERE workspace_id = $1`, [
      account.workspace.id,
    ]);
    expect(keys).toHaveLength(1);
    expect(account.apiKey).toContain(keys[0].prefix);
    expect(keys[0].secret_hash.toString('utf8')).not.toContain(account.apiKey.slice(-20));
    const users = await queryDatabase<{ password_hash: string }>(ingestDb(), `SELECT password_hash FROM users WHERE workspace_id = $1`, [account.workspace.id]);
    expect(users[0].password_hash).toMatch(/^scrypt\$32768\$8\$1\$/);
  });

  it('rejects a second signup with the same email, and a weak password, with problem details', async () => {
    const account = await signUp(gateway);
    const again = await post('/v1/signup', { workspaceName: 'Other', email: account.email, password: 'a long enough password' });
    expect(again.status).toBe(409);
    expect(again.headers.get('content-type')).toContain('application/problem+json');
    const weak = await post('/v1/signup', { workspaceName: 'W', email: 'weak@example.com', password: 'short' });
    expect(weak.status).toBe(400);
    expect((await read(weak)).errors).toEqual([{ field: 'password', reason: 'must be at least 10 characters' }]);
  });

  it('logs in with a session cookie, manages API keys, and a revoked key stops working', async () => {
    const account = await signUp(gateway);
    const wrong = await post('/v1/sessions', { email: account.email, password: 'not the password' });
    expect(wrong.status).toBe(401);
    const login = await post('/v1/sessions', { email: account.email, password: 'a long enough password' });
    expect(login.status).toBe(201);
    const cookie = login.headers.get('set-cookie')!;
    expect(cookie).toMatch(/leads_session=[^;]+;.*HttpOnly/i);

    const created = await post('/v1/api-keys', { name: 'CI' }, { cookie: cookie.split(';')[0] });
    expect(created.status).toBe(201);
    const key = (await read(created)) as { id: string; key: string; prefix: string };
    const listed = (await (await fetch(`${gateway}/v1/api-keys`, { headers: { authorization: `Bearer ${key.key}` } })).json()) as Array<Record<string, unknown>>;
    expect(listed.map((item) => item.name)).toEqual(['Default key', 'CI']);
    expect(JSON.stringify(listed)).not.toContain(key.key);

    const revoke = await fetch(`${gateway}/v1/api-keys/${key.id}`, { method: 'DELETE', headers: account.auth });
    expect(revoke.status).toBe(204);
    const afterRevoke = await fetch(`${gateway}/v1/api-keys`, { headers: { authorization: `Bearer ${key.key}` } });
    expect(afterRevoke.status).toBe(401);
  });

  it('tells who a request acts as: the user with the session cookie, the key with a bearer key, nobody after logging out', async () => {
    const account = await signUp(gateway, 'Whoami Inc');
    const whoAmI = async (headers: Record<string, string>) => {
      const response = await fetch(`${gateway}/v1/session`, { headers });
      return { status: response.status, body: await read(response) };
    };
    const asUser = await whoAmI({ cookie: account.cookie });
    expect(asUser).toEqual({ status: 200, body: { workspace: account.workspace, user: account.user, apiKey: null } });
    const asKey = await whoAmI(account.auth);
    expect(asKey).toEqual({ status: 200, body: { workspace: account.workspace, user: null, apiKey: { id: expect.any(String), name: 'Default key', prefix: expect.any(String) } } });
    expect(account.apiKey).toContain(asKey.body.apiKey.prefix);

    expect((await fetch(`${gateway}/v1/sessions`, { method: 'DELETE', headers: { cookie: account.cookie } })).status).toBe(204);
    expect((await whoAmI({ cookie: account.cookie })).status).toBe(401);
  });

  it('forgets expired sessions and keeps the live ones', async () => {
    const account = await signUp(gateway);
    await queryDatabase(
      ingestDb(),
      `INSERT INTO sessions (token_hash, user_id, workspace_id, expires_at) VALUES (decode(md5(random()::text), 'hex'), $1, $2, now() - interval '1 second')`,
      [account.user.id, account.workspace.id],
    );
    const sessionsOf = () => queryDatabase<{ live: boolean }>(ingestDb(), `SELECT expires_at > now() AS live FROM sessions WHERE user_id = $1`, [account.user.id]);
    await expectEventually(async () => expect(await sessionsOf()).toEqual([{ live: true }]), { description: 'the expired session deleted' });
    expect((await fetch(`${gateway}/v1/session`, { headers: { cookie: account.cookie } })).status).toBe(200);
  });

  it('answers 401 problem details without credentials or with a made-up key', async () => {
    for (const headers of [{}, { authorization: 'Bearer nope' }, { authorization: `Bearer l5_000000000000_${'A'.repeat(43)}` }]) {
      const response = await fetch(`${gateway}/v1/leads`, { headers });
      expect(response.status).toBe(401);
      expect((await read(response)).type).toContain('unauthorized');
    }
  });

  describe('POST /v1/leads', () => {
    let consumer: Consumer;
    const seen: Array<{ key: string | null; outcome: IntakeOutcome; customFields: unknown; email: string }> = [];

    beforeAll(async () => {
      const groupId = `intake-test-${Date.now()}`;
      // From the end of the topic: other test files leave a backlog on the shared broker.
      await startGroupsAtEnd(stack.brokers, [groupId], [Topics.leadCreated.name]);
      consumer = new Kafka({ brokers: stack.brokers.split(','), clientId: 'intake-test', logLevel: logLevel.NOTHING }).consumer({ groupId });
      await consumer.connect();
      await consumer.subscribe({ topic: Topics.leadCreated.name, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          const event = decodeEvent(Topics.leadCreated, message);
          seen.push({ key: event.key, outcome: event.data.outcome, customFields: event.data.profile?.customFields, email: event.data.profile?.email ?? '' });
        },
      });
    });

    afterAll(async () => {
      await consumer?.disconnect();
    });

    it('accepts a lead whatever its field names, keeps unknown fields unchanged, and announces it on lead.created', async () => {
      const account = await signUp(gateway);
      const response = await post(
        '/v1/leads',
        { 'Email Address': '  Grace@Example.COM ', first_name: 'Grace', tel: '+1 555 0100', 'Company Name': 'Navy', budget: 5000, utm_source: 'ads' },
        account.auth,
      );
      expect(response.status).toBe(202);
      const { id, duplicate } = await read(response);
      expect(duplicate).toBe(false);
      const [lead] = await queryDatabase<{ email: string; profile: object; custom_fields: object }>(
        ingestDb(),
        `SELECT email, profile, custom_fields FROM leads WHERE id = $1`,
        [id],
      );
      expect(lead).toEqual({
        email: 'grace@example.com',
        profile: { email: 'grace@example.com', firstName: 'Grace', phone: '+1 555 0100' },
        custom_fields: { 'Company Name': 'Navy', budget: 5000 },
      });
      const event = await expectEventually(() => {
        const found = seen.find((candidate) => candidate.key === id);
        expect(found).toBeDefined();
        return found!;
      });
      expect(event).toEqual({ key: id, outcome: IntakeOutcome.NEW, customFields: { 'Company Name': 'Navy', budget: 5000 }, email: 'grace@example.com' });
    });

    it('replays an Idempotency-Key with the same answer and creates nothing', async () => {
      const account = await signUp(gateway);
      const body = { email: 'replay@example.com', firstName: 'Re' };
      const first = await read(await post('/v1/leads', body, { ...account.auth, 'idempotency-key': 'order-42' }));
      const second = await post('/v1/leads', body, { ...account.auth, 'idempotency-key': 'order-42' });
      expect(second.status).toBe(202);
      expect(await read(second)).toEqual(first);
      const submissions = await queryDatabase(ingestDb(), `SELECT 1 FROM submissions WHERE lead_id = $1`, [first.id]);
      expect(submissions).toHaveLength(1);

      const reused = await post('/v1/leads', { ...body, firstName: 'Other' }, { ...account.auth, 'idempotency-key': 'order-42' });
      expect(reused.status).toBe(422);
    });

    it('keys a lead by workspace + email: the same email twice is one lead, merged, with both submissions', async () => {
      const account = await signUp(gateway);
      const first = await read(await post('/v1/leads', { email: 'Twice@Example.com', firstName: 'Ann' }, account.auth));
      const second = await read(await post('/v1/leads', { email: ' twice@example.com', lastName: 'Lee', plan: 'pro' }, account.auth));
      expect(second).toEqual({ id: first.id, duplicate: true });
      const [lead] = await queryDatabase<{ profile: object; custom_fields: object }>(ingestDb(), `SELECT profile, custom_fields FROM leads WHERE id = $1`, [first.id]);
      expect(lead.profile).toEqual({ email: 'twice@example.com', firstName: 'Ann', lastName: 'Lee' });
      expect(lead.custom_fields).toEqual({ plan: 'pro' });
      expect(await queryDatabase(ingestDb(), `SELECT 1 FROM submissions WHERE lead_id = $1`, [first.id])).toHaveLength(2);
      const other = await signUp(gateway);
      const elsewhere = await read(await post('/v1/leads', { email: 'twice@example.com' }, other.auth));
      expect(elsewhere.id).not.toBe(first.id);
    });

    it('stores HTML- and SQL-looking values verbatim', async () => {
      const account = await signUp(gateway);
      const hostile = { email: 'bobby@example.com', firstName: "Robert'); DROP TABLE leads;--", notes: '<script>alert(1)</script>' };
      const { id } = await read(await post('/v1/leads', hostile, account.auth));
      const [lead] = await queryDatabase<{ profile: { firstName: string }; custom_fields: { notes: string } }>(
        ingestDb(),
        `SELECT profile, custom_fields FROM leads WHERE id = $1`,
        [id],
      );
      expect(lead.profile.firstName).toBe(hostile.firstName);
      expect(lead.custom_fields.notes).toBe(hostile.notes);
    });

    it.each([
      ['no email', { firstName: 'Nobody' }, 'email'],
      ['an invalid email', { email: 'not-an-email' }, 'email'],
      ['a wrong type for pipelineId', { email: 'a@example.com', pipelineId: 42 }, 'pipelineId'],
      ['a malformed pipelineId', { email: 'a@example.com', pipelineId: 'pipeline-1' }, 'pipelineId'],
      ['deeply nested JSON', { email: 'a@example.com', x: JSON.parse('{"a":'.repeat(50) + '1' + '}'.repeat(50)) }, '(body)'],
      ['too many fields', Object.fromEntries([['email', 'a@example.com'], ...Array.from({ length: 150 }, (_, i) => [`f${i}`, i])]), '(body)'],
      ['an oversized value', { email: 'a@example.com', notes: 'x'.repeat(20_000) }, 'notes'],
      ['an array body', [{ email: 'a@example.com' }], '(body)'],
    ])('rejects %s with problem details naming the field, storing nothing', async (_case, body, field) => {
      const account = await signUp(gateway);
      const response = await post('/v1/leads', body, account.auth);
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      const problem = await read(response);
      expect(problem.errors.map((error: { field: string }) => error.field)).toContain(field);
      expect(await queryDatabase(ingestDb(), `SELECT 1 FROM leads WHERE workspace_id = $1`, [account.workspace.id])).toHaveLength(0);
    });

    it('rejects an oversized body (413), malformed JSON (400) and a wrong media type (415) and stays healthy', async () => {
      const account = await signUp(gateway);
      const huge = await fetch(`${gateway}/v1/leads`, {
        method: 'POST',
        headers: { ...account.auth, 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'big@example.com', blob: 'x'.repeat(2 * 1024 * 1024) }),
      });
      expect(huge.status).toBe(413);
      const malformed = await fetch(`${gateway}/v1/leads`, { method: 'POST', headers: { ...account.auth, 'content-type': 'application/json' }, body: '{"email": ' });
      expect(malformed.status).toBe(400);
      const deep = await fetch(`${gateway}/v1/leads`, {
        method: 'POST',
        headers: { ...account.auth, 'content-type': 'application/json' },
        body: '['.repeat(100_000) + ']'.repeat(100_000),
      });
      expect(deep.status).toBeGreaterThanOrEqual(400);
      expect(deep.status).toBeLessThan(500);
      const deepInside = await fetch(`${gateway}/v1/leads`, {
        method: 'POST',
        headers: { ...account.auth, 'content-type': 'application/json' },
        body: `{"email":"deep@example.com","x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`,
      });
      expect(deepInside.status).toBe(400);
      const xml = await fetch(`${gateway}/v1/leads`, { method: 'POST', headers: { ...account.auth, 'content-type': 'application/xml' }, body: '<lead/>' });
      expect(xml.status).toBe(415);
      for (const response of [huge, malformed, deep, deepInside, xml]) expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(await queryDatabase(ingestDb(), `SELECT 1 FROM leads WHERE workspace_id = $1`, [account.workspace.id])).toHaveLength(0);
      expect((await fetch(`${gateway}/health/ready`)).status).toBe(200);
    });
  });
});
