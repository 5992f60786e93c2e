import { createWriteStream, openAsBlob, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { Topics } from '@leads/contracts';
import { expectEventually, queryDatabase, signUp, startStack, type Stack } from '@leads/testing';
import { Kafka, logLevel } from 'kafkajs';

type Account = Awaited<ReturnType<typeof signUp>>;
const read = (response: Response): Promise<any> => response.json();

/** Peak resident set size of a process (VmHWM), in MiB. */
function peakRssMiB(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmHWM for ${pid}`);
  return Number(match[1]) / 1024;
}

/** Writes a CSV of `rows` generated rows to disk (streamed, with backpressure); returns its size. */
async function writeCsv(file: string, header: string, rows: number, row: (index: number) => string): Promise<number> {
  const out = createWriteStream(file);
  out.write(`${header}\r\n`);
  for (let i = 0; i < rows; i += 1) {
    if (!out.write(`${row(i)}\r\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return out.bytesWritten;
}

const MAX_BYTES = 16 * 1024 * 1024;
const MAX_ROWS = 120_000;

describe('gateway: CSV import', () => {
  let stack: Stack;
  let gateway: string;
  let tmp: string;
  let importsDir: string;
  const ingestDb = () => stack.services.ingest.database.url;

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'leads-imports-test-'));
    importsDir = path.join(tmp, 'uploads');
    // The heap ceiling a container's memory limit gives Node. Without one, V8 on this 24 GiB
    // machine lets garbage pile up to several times the live heap before a full collection (the
    // live heap stays about 65 MB during a 100,000-row import, by --trace-gc), so the peak RSS
    // would measure V8's laziness rather than the import. An import that kept the file or its
    // rows in memory would not fit under it.
    // Limits below the defaults (50 MiB, 200,000 rows), so that exceeding them stays cheap.
    const limits = { IMPORT_MAX_BYTES: String(MAX_BYTES), IMPORT_MAX_ROWS: String(MAX_ROWS) };
    stack = await startStack(['ingest'], {
      serviceEnv: { ingest: { IMPORTS_DIR: importsDir, NODE_OPTIONS: '--max-old-space-size=192', ...limits } },
    });
    gateway = stack.gateway;
  });

  afterAll(async () => {
    await stack?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
    if (stack) await emptyLeadCreated(stack.brokers);
  });

  /** Uploads a file (bytes, or a path streamed from disk) as multipart/form-data. */
  async function upload(account: Account, file: Buffer | string, fields: Record<string, string> = {}, name = 'leads.csv') {
    const form = new FormData();
    for (const [key, value] of Object.entries(fields)) form.append(key, value);
    form.append('file', typeof file === 'string' ? await openAsBlob(file) : new Blob([new Uint8Array(file)]), name);
    return fetch(`${gateway}/v1/imports`, { method: 'POST', headers: account.auth, body: form });
  }

  async function queued(account: Account, file: Buffer | string, fields: Record<string, string> = {}): Promise<string> {
    const response = await upload(account, file, fields);
    expect({ status: response.status, body: await response.clone().text() }).toMatchObject({ status: 202 });
    const { id } = await read(response);
    return id;
  }

  const getImport = (account: Account, id: string) => fetch(`${gateway}/v1/imports/${id}`, { headers: account.auth });

  async function finished(account: Account, id: string, timeoutMs = 60_000): Promise<any> {
    return expectEventually(
      async () => {
        const body = await read(await getImport(account, id));
        expect(['completed', 'failed', 'cancelled']).toContain(body.status);
        return body;
      },
      { timeoutMs, intervalMs: 250, description: `import ${id} finished` },
    );
  }

  it('imports a 100,000-row file completely, streamed, with bounded memory', async () => {
    const account = await signUp(gateway);
    const file = path.join(tmp, 'big.csv');
    const rows = 100_000;
    const bytes = await writeCsv(file, 'email,first_name,last_name,company,phone,notes', rows, (i) =>
      `lead-${i}@example.com,First${i},Last${i},Company ${i % 1000},+1555${String(i).padStart(7, '0')},"note ${i}, with a comma"`,
    );
    const pid = stack.services.ingest.process.pid;
    const before = peakRssMiB(pid);
    const started = performance.now();
    const id = await queued(account, file);
    const result = await finished(account, id, 420_000); // 40-160 s on this 2-core machine, depending on what else runs
    const seconds = (performance.now() - started) / 1000;
    const after = peakRssMiB(pid);
    process.stdout.write(
      `\nCSV import: ${rows} rows (${(bytes / 2 ** 20).toFixed(1)} MiB) in ${seconds.toFixed(1)} s (${Math.round(rows / seconds)} rows/s); ` +
        `ingest peak RSS (VmHWM) ${before.toFixed(0)} MiB before, ${after.toFixed(0)} MiB after\n`,
    );
    expect(result).toMatchObject({ status: 'completed', fileName: 'leads.csv', rowsTotal: rows, rowsRead: rows, created: rows, updated: 0, failed: 0, errors: [] });
    expect(after).toBeLessThan(400);

    const [counts] = await queryDatabase<{ leads: number; submissions: number; events: number }>(
      ingestDb(),
      `SELECT (SELECT count(*) FROM leads WHERE workspace_id = $1)::int AS leads,
              (SELECT count(*) FROM submissions WHERE source_id = $2 AND channel = 'csv_import')::int AS submissions,
              (SELECT count(*) FROM messaging_outbox WHERE topic = 'lead.created')::int AS events`,
      [account.workspace.id, id],
    );
    expect(counts).toEqual({ leads: rows, submissions: rows, events: rows });
    const [sample] = await queryDatabase<{ profile: any; custom_fields: any }>(ingestDb(), `SELECT profile, custom_fields FROM leads WHERE email = $1`, [
      'lead-99999@example.com',
    ]);
    expect(sample).toEqual({
      profile: { email: 'lead-99999@example.com', firstName: 'First99999', lastName: 'Last99999', phone: '+15550099999' },
      custom_fields: { company: 'Company 999', notes: 'note 99999, with a comma' },
    });
    expect(await readdir(importsDir)).not.toContain(`${id}.csv`);
  }, 480_000);

  it('reports each bad row by its number and field, imports the rest, and serves the error report as CSV', async () => {
    const account = await signUp(gateway);
    const csv = [
      'email,First Name,Notes',
      'good1@example.com,Ann,ok', // row 2
      'not-an-email,Bob,x', // row 3
      ',Carl,x', // row 4
      `good2@example.com,Dan,${'x'.repeat(10_001)}`, // row 5
      'good3@example.com,Eve,"fine, quoted"', // row 6
    ].join('\n');
    const id = await queued(account, Buffer.from(csv));
    const result = await finished(account, id);
    expect(result).toMatchObject({ status: 'completed', rowsTotal: 5, rowsRead: 5, created: 2, updated: 0, failed: 3 });
    expect(result.errors).toEqual([
      { row: 3, field: 'email', message: 'must be an email address' },
      { row: 4, field: 'email', message: 'required' },
      { row: 5, field: 'Notes', message: 'is longer than 10000 characters' },
    ]);
    const report = await fetch(`${gateway}/v1/imports/${id}/errors.csv`, { headers: account.auth });
    expect(report.status).toBe(200);
    expect(report.headers.get('content-type')).toContain('text/csv');
    expect(await report.text()).toBe(
      'row,field,message\r\n3,email,must be an email address\r\n4,email,required\r\n5,Notes,is longer than 10000 characters\r\n',
    );
    const leads = await queryDatabase<{ email: string }>(ingestDb(), `SELECT email FROM leads WHERE workspace_id = $1 ORDER BY email`, [account.workspace.id]);
    expect(leads.map((lead) => lead.email)).toEqual(['good1@example.com', 'good3@example.com']);
  });

  it('handles a BOM, the ; delimiter and quoted newlines (and UTF-16 with a BOM): values come through intact', async () => {
    const account = await signUp(gateway);
    const notes = 'line one\nline two; with "quotes", and a comma';
    const text = `E-Mail;First Name;Notes;Company Name;utm_source\r\nzoe@example.com;Zoë;"${notes.replaceAll('"', '""')}";Initech, Inc.;newsletter\r\n`;
    const id = await queued(account, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]));
    const result = await finished(account, id);
    expect(result).toMatchObject({ status: 'completed', created: 1, failed: 0 });
    expect(result.columns).toEqual([
      { name: 'E-Mail', field: 'email' },
      { name: 'First Name', field: 'firstName' },
      { name: 'Notes', field: 'customFields.Notes' },
      { name: 'Company Name', field: 'customFields.Company Name' },
      { name: 'utm_source', field: 'utm.source' },
    ]);
    const [lead] = await queryDatabase<{ profile: any; custom_fields: any; utm: any }>(
      ingestDb(),
      `SELECT l.profile, l.custom_fields, s.utm FROM leads l JOIN submissions s ON s.lead_id = l.id WHERE l.workspace_id = $1`,
      [account.workspace.id],
    );
    expect(lead).toEqual({
      profile: { email: 'zoe@example.com', firstName: 'Zoë' },
      custom_fields: { Notes: notes, 'Company Name': 'Initech, Inc.' },
      utm: { source: 'newsletter' },
    });

    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('email\tname\r\njose@example.com\tJosé Ñúñez\r\n', 'utf16le')]);
    expect(await finished(account, await queued(account, utf16))).toMatchObject({ status: 'completed', created: 1 });
    const [jose] = await queryDatabase<{ profile: any }>(ingestDb(), `SELECT profile FROM leads WHERE email = 'jose@example.com'`);
    expect(jose.profile).toEqual({ email: 'jose@example.com', firstName: 'José', lastName: 'Ñúñez' });
  });

  it('dedupes within the file and against existing leads: created/updated right, one lead per email', async () => {
    const account = await signUp(gateway);
    const existing = await fetch(`${gateway}/v1/leads`, {
      method: 'POST',
      headers: { ...account.auth, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'existing@example.com', firstName: 'Old', customFields: { source: 'api' } }),
    });
    expect(existing.status).toBe(202);
    const csv = [
      'email,first_name,last_name,city',
      'new1@example.com,Nina,,', // created
      'EXISTING@example.com ,,Smith,', // updated (exists; the email is trimmed and lower-cased)
      'new1@example.com,,Newman,Paris', // updated (merges into row 2)
      'new2@example.com,Ned,,', // created
    ].join('\n');
    const id = await queued(account, Buffer.from(csv));
    expect(await finished(account, id)).toMatchObject({ status: 'completed', rowsRead: 4, created: 2, updated: 2, failed: 0, errors: [] });
    const leads = await queryDatabase<{ email: string; profile: any; custom_fields: any }>(
      ingestDb(),
      `SELECT email, profile, custom_fields FROM leads WHERE workspace_id = $1 ORDER BY email`,
      [account.workspace.id],
    );
    expect(leads).toEqual([
      { email: 'existing@example.com', profile: { email: 'existing@example.com', firstName: 'Old', lastName: 'Smith' }, custom_fields: { source: 'api' } },
      { email: 'new1@example.com', profile: { email: 'new1@example.com', firstName: 'Nina', lastName: 'Newman', city: 'Paris' }, custom_fields: {} },
      { email: 'new2@example.com', profile: { email: 'new2@example.com', firstName: 'Ned' }, custom_fields: {} },
    ]);
    const submissions = await queryDatabase<{ n: number }>(ingestDb(), `SELECT count(*)::int AS n FROM submissions WHERE source_id = $1`, [id]);
    expect(submissions[0].n).toBe(4);
  });

  it('applies an explicit mapping, and refuses one that names unknown columns', async () => {
    const account = await signUp(gateway);
    const csv = Buffer.from('Contact,Org,Junk\nmapped@example.com,Acme,zzz\n');
    const refused = await upload(account, csv, { mapping: JSON.stringify({ Contact: 'email', Nope: 'phone' }) });
    expect(refused.status).toBe(400);
    expect((await read(refused)).errors).toEqual([{ field: 'mapping.Nope', reason: 'no such column in the file header' }]);
    const unmapped = await upload(account, csv);
    expect(unmapped.status).toBe(400);
    expect((await read(unmapped)).errors).toEqual([{ field: 'file', reason: expect.stringMatching(/email/) }]);

    const id = await queued(account, csv, { mapping: JSON.stringify({ Contact: 'email', Org: 'companyName', Junk: 'ignore' }) });
    expect(await finished(account, id)).toMatchObject({
      status: 'completed',
      created: 1,
      columns: [
        { name: 'Contact', field: 'email' },
        { name: 'Org', field: 'companyName' },
        { name: 'Junk', field: 'ignore' },
      ],
    });
    const [lead] = await queryDatabase<{ profile: any; custom_fields: any }>(ingestDb(), `SELECT profile, custom_fields FROM leads WHERE workspace_id = $1`, [
      account.workspace.id,
    ]);
    expect(lead).toEqual({ profile: { email: 'mapped@example.com', companyName: 'Acme' }, custom_fields: {} });
  });

  it('refuses at upload what cannot be read (non-UTF-8, empty, no header row, no file) with a problem naming the field, storing nothing', async () => {
    const account = await signUp(gateway);
    const filesBefore = await readdir(importsDir);
    const cases: Array<[string, Buffer | undefined, RegExp]> = [
      ['latin-1', Buffer.from('email,name\nzoe@example.com,Zo\xeb\n', 'latin1'), /not UTF-8/],
      ['empty', Buffer.alloc(0), /empty/],
      ['no header row', Buffer.from('ann@example.com,Ann\nbob@example.com,Bob\n'), /no header row/],
      ['no file', undefined, /required/],
    ];
    for (const [name, bytes, reason] of cases) {
      const response = bytes
        ? await upload(account, bytes)
        : await fetch(`${gateway}/v1/imports`, { method: 'POST', headers: account.auth, body: formWithout() });
      const body = await read(response);
      expect({ name, status: response.status, type: response.headers.get('content-type') }).toEqual({
        name,
        status: 400,
        type: expect.stringContaining('application/problem+json'),
      });
      expect(body.errors).toEqual([{ field: 'file', reason: expect.stringMatching(reason) }]);
    }
    const stored = await queryDatabase<{ n: number }>(
      ingestDb(),
      `SELECT (SELECT count(*) FROM imports WHERE workspace_id = $1) + (SELECT count(*) FROM leads WHERE workspace_id = $1) AS n`,
      [account.workspace.id],
    );
    expect(Number(stored[0].n)).toBe(0);
    expect(await readdir(importsDir)).toEqual(filesBefore);
  });

  it('enforces the size (413) and row (400) limits while the file streams in, storing nothing', async () => {
    const account = await signUp(gateway);
    const filesBefore = await readdir(importsDir);
    const big = path.join(tmp, 'too-big.csv');
    const bytes = await writeCsv(big, 'email,notes', 3_500, (i) => `big-${i}@example.com,${'x'.repeat(5_000)}`);
    expect(bytes).toBeGreaterThan(MAX_BYTES);
    const tooBig = await upload(account, big);
    expect(tooBig.status).toBe(413);
    expect((await read(tooBig)).errors).toEqual([{ field: 'file', reason: `is larger than ${MAX_BYTES} bytes` }]);

    const long = path.join(tmp, 'too-long.csv');
    await writeCsv(long, 'email', MAX_ROWS + 1, (i) => `r${i}@example.com`);
    const tooLong = await upload(account, long);
    expect(tooLong.status).toBe(400);
    expect((await read(tooLong)).errors).toEqual([{ field: 'file', reason: `has more than ${MAX_ROWS} rows (row ${MAX_ROWS + 2})` }]);

    const [{ n }] = await queryDatabase<{ n: number }>(ingestDb(), `SELECT count(*)::int AS n FROM imports WHERE workspace_id = $1`, [account.workspace.id]);
    expect(n).toBe(0);
    expect(await readdir(importsDir)).toEqual(filesBefore);
  });

  it('cancels a running import between batches (what was written stays); another workspace cannot see or cancel it', async () => {
    const owner = await signUp(gateway);
    const other = await signUp(gateway);
    const file = path.join(tmp, 'cancel.csv');
    const rows = 60_000;
    await writeCsv(file, 'email,name', rows, (i) => `cancel-${i}@example.com,Person ${i}`);
    const id = await queued(owner, file);
    await expectEventually(
      async () => {
        const body = await read(await getImport(owner, id));
        expect(body).toMatchObject({ status: 'running', rowsRead: expect.any(Number) });
        expect(body.rowsRead).toBeGreaterThan(0);
      },
      { timeoutMs: 60_000, intervalMs: 50, description: `import ${id} running` },
    );

    const asOther = { headers: other.auth };
    expect((await fetch(`${gateway}/v1/imports/${id}`, asOther)).status).toBe(404);
    expect((await fetch(`${gateway}/v1/imports/${id}/errors.csv`, asOther)).status).toBe(404);
    expect((await fetch(`${gateway}/v1/imports/${id}/cancel`, { method: 'POST', ...asOther })).status).toBe(404);
    expect((await read(await fetch(`${gateway}/v1/imports`, asOther))).items).toEqual([]);

    const cancel = await fetch(`${gateway}/v1/imports/${id}/cancel`, { method: 'POST', headers: owner.auth });
    expect(cancel.status).toBe(200);
    const cancelled = await read(cancel);
    expect(cancelled).toMatchObject({ id, status: 'cancelled', finishedAt: expect.any(String) });
    expect(cancelled.rowsRead).toBeLessThan(rows);
    expect(cancelled.rowsRead).toBe(cancelled.created);

    // The worker lets go (its file is removed); nothing more is written after the cancel.
    await expectEventually(async () => expect(await readdir(importsDir)).not.toContain(`${id}.csv`), { description: 'cancelled import file removed' });
    const after = await read(await getImport(owner, id));
    expect(after).toMatchObject({ status: 'cancelled', rowsRead: cancelled.rowsRead, created: cancelled.created });
    const [written] = await queryDatabase<{ leads: number; submissions: number }>(
      ingestDb(),
      `SELECT (SELECT count(*) FROM leads WHERE workspace_id = $1)::int AS leads, (SELECT count(*) FROM submissions WHERE source_id = $2)::int AS submissions`,
      [owner.workspace.id, id],
    );
    expect(written).toEqual({ leads: cancelled.created, submissions: cancelled.created });

    const list = await read(await fetch(`${gateway}/v1/imports`, { headers: owner.auth }));
    expect(list.items.map((item: { id: string }) => item.id)).toEqual([id]);
    // Cancelling again answers the same; a finished import cannot be cancelled.
    expect((await fetch(`${gateway}/v1/imports/${id}/cancel`, { method: 'POST', headers: owner.auth })).status).toBe(200);
    const done = await queued(owner, Buffer.from('email\ndone@example.com\n'));
    expect(await finished(owner, done)).toMatchObject({ status: 'completed' });
    const late = await fetch(`${gateway}/v1/imports/${done}/cancel`, { method: 'POST', headers: owner.auth });
    expect(late.status).toBe(409);
  });

  it('takes up an import left running by a crashed gateway and finishes it, every row written once', async () => {
    const account = await signUp(gateway);
    const file = path.join(tmp, 'crash.csv');
    const rows = 30_000;
    await writeCsv(file, 'email,name', rows, (i) => `crash-${i}@example.com,Person ${i}`);
    const id = await queued(account, file);
    await expectEventually(
      async () => {
        const body = await read(await getImport(account, id));
        expect(body.status).toBe('running');
        expect(body.rowsRead).toBeGreaterThanOrEqual(2_000);
      },
      { timeoutMs: 120_000, intervalMs: 50, description: `import ${id} under way` },
    );
    await stack.services.ingest.process.kill(); // SIGKILL: no chance to finish the batch or let go of the job
    const [left] = await queryDatabase<{ status: string; rows_read: number }>(ingestDb(), `SELECT status, rows_read FROM imports WHERE id = $1`, [id]);
    expect(left.status).toBe('running');
    expect(left.rows_read).toBeLessThan(rows);

    await stack.restart('ingest');
    const result = await finished(account, id, 300_000);
    expect(result).toMatchObject({ status: 'completed', rowsTotal: rows, rowsRead: rows, created: rows, updated: 0, failed: 0 });
    const [written] = await queryDatabase<{ leads: number; submissions: number; events: number; attempts: number }>(
      ingestDb(),
      `SELECT (SELECT count(*) FROM leads WHERE workspace_id = $1)::int AS leads,
              (SELECT count(*) FROM submissions WHERE source_id = $2::text)::int AS submissions,
              (SELECT count(*) FROM messaging_outbox o JOIN leads l ON l.id::text = o.message_key WHERE l.workspace_id = $1)::int AS events,
              (SELECT attempts FROM imports WHERE id = $2::text::uuid) AS attempts`,
      [account.workspace.id, id],
    );
    expect(written).toEqual({ leads: rows, submissions: rows, events: rows, attempts: 2 });
  }, 480_000);
});

/**
 * This suite leaves some 200,000 lead.created events on the shared test broker, and consumers of
 * later suites start from the beginning of the topic: its records are deleted, so they do not
 * have to read through them. (Suites run one at a time: nobody else is reading.)
 */
async function emptyLeadCreated(brokers: string): Promise<void> {
  const admin = new Kafka({ clientId: 'imports-test-cleanup', brokers: brokers.split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const topic = Topics.leadCreated.name;
    const offsets = await admin.fetchTopicOffsets(topic);
    await admin.deleteTopicRecords({ topic, partitions: offsets.map(({ partition }) => ({ partition, offset: '-1' })) });
  } finally {
    await admin.disconnect();
  }
}

/** A multipart body with a mapping but no file part. */
function formWithout(): FormData {
  const form = new FormData();
  form.append('mapping', '{}');
  return form;
}
