import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import { CsvFileError, CsvInspector, csvParseOptions, detectDelimiter, detectEncoding, type CsvLimits, type CsvRecord } from './csv-format';
import { columnTargets, fieldOf } from './imports.schemas';

const limits: CsvLimits = { maxBytes: 10_000, maxRows: 5, maxColumns: 10, maxColumnName: 20, maxRecordChars: 1_000 };

/** Runs bytes (in chunks of `chunkSize`, to cross character and BOM boundaries) through the inspector. */
async function inspect(bytes: Buffer, options: { limits?: Partial<CsvLimits>; chunkSize?: number } = {}) {
  const inspector = new CsvInspector({ ...limits, ...options.limits });
  const out: Buffer[] = [];
  const size = options.chunkSize ?? 1;
  const chunks = Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size));
  await pipeline(
    Readable.from(chunks),
    inspector,
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        out.push(chunk);
        callback();
      },
    }),
  );
  return { ...inspector.result(), text: Buffer.concat(out).toString('utf8') };
}

async function refusal(bytes: Buffer, options: { limits?: Partial<CsvLimits>; chunkSize?: number } = {}): Promise<CsvFileError> {
  const error = await inspect(bytes, options).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(CsvFileError);
  return error as CsvFileError;
}

const utf16le = (text: string) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
const utf16be = (text: string) => {
  const le = Buffer.from(text, 'utf16le');
  for (let i = 0; i < le.length; i += 2) [le[i], le[i + 1]] = [le[i + 1], le[i]];
  return Buffer.concat([Buffer.from([0xfe, 0xff]), le]);
};

describe('CSV delimiter detection', () => {
  it.each([
    ['email,name\na@b.co,Ann\n', ','],
    ['email;name;notes\na@b.co;Ann;"x, y, z"\n', ';'],
    ['email\tname\na@b.co\tAnn\n', '\t'],
    ['email|name\na@b.co|Ann\n', '|'],
    ['email\na@b.co\n', ','],
  ])('%j → %j', (sample, delimiter) => {
    expect(detectDelimiter(sample, true)).toBe(delimiter);
  });

  it('prefers the delimiter that splits every row alike over one that appears in free text', () => {
    const sample = 'email;note\na@b.co;"hello, world, again"\nc@d.co;one, two, three, four\n';
    expect(detectDelimiter(sample, true)).toBe(';');
  });

  it('ignores delimiters inside quoted newlines', () => {
    expect(detectDelimiter('"e,mail";name\n"a\n,,,";b\n', true)).toBe(';');
  });
});

describe('CSV encoding detection', () => {
  it('reads byte order marks', () => {
    expect(detectEncoding(Buffer.from([0xef, 0xbb, 0xbf, 0x61]))).toEqual({ encoding: 'utf-8', bomLength: 3 });
    expect(detectEncoding(Buffer.from([0xff, 0xfe, 0x61, 0]))).toEqual({ encoding: 'utf-16le', bomLength: 2 });
    expect(detectEncoding(Buffer.from([0xfe, 0xff, 0, 0x61]))).toEqual({ encoding: 'utf-16be', bomLength: 2 });
    expect(detectEncoding(Buffer.from('email'))).toEqual({ encoding: 'utf-8', bomLength: 0 });
  });
});

describe('CsvInspector', () => {
  const text = 'E-Mail;Prénom;Notes\r\nann@example.com;Zoë;"line one\nline two; still notes"\r\n\r\nbob@example.com;Bob;\r\n';

  it.each([
    ['UTF-8', Buffer.from(text), 'utf-8', false],
    ['UTF-8 with a BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]), 'utf-8', true],
    ['UTF-16LE with a BOM', utf16le(text), 'utf-16le', true],
    ['UTF-16BE with a BOM', utf16be(text), 'utf-16be', true],
  ])('reads %s byte by byte and writes it on as UTF-8 without a BOM', async (_name, bytes, encoding, bom) => {
    const result = await inspect(bytes);
    expect(result).toMatchObject({ encoding, bom, delimiter: ';', header: ['E-Mail', 'Prénom', 'Notes'], rows: 2, bytes: bytes.length });
    expect(result.text).toBe(text);
  });

  it('refuses bytes that are not UTF-8, naming the fix', async () => {
    const latin1 = Buffer.from('email,name\nzoe@example.com,Zo\xeb\n', 'latin1');
    const error = await refusal(latin1, { chunkSize: 7 });
    expect(error.status).toBe(400);
    expect(error.reason).toMatch(/not UTF-8/);
  });

  it('refuses UTF-16 without a BOM (NUL characters)', async () => {
    expect((await refusal(Buffer.from('email,name\n', 'utf16le'))).reason).toMatch(/NUL/);
  });

  it('refuses an empty file, a file of empty lines, and a first row of data', async () => {
    expect((await refusal(Buffer.alloc(0))).reason).toMatch(/empty/);
    expect((await refusal(Buffer.from('\n\n\n'))).reason).toMatch(/empty/);
    expect((await refusal(Buffer.from(',,\nann@example.com,Ann,x\n'))).reason).toMatch(/no header row/);
    expect((await refusal(Buffer.from('ann@example.com,Ann\nbob@example.com,Bob\n'))).reason).toMatch(/no header row/);
  });

  it('refuses duplicate, too many or too long column names', async () => {
    expect((await refusal(Buffer.from('email,name,name\n'))).reason).toMatch(/twice/);
    expect((await refusal(Buffer.from(`${Array.from({ length: 11 }, (_, i) => `c${i}`).join(',')}\n`))).reason).toMatch(/11 columns/);
    expect((await refusal(Buffer.from(`email,${'x'.repeat(21)}\n`))).reason).toMatch(/longer than 20/);
  });

  it('enforces the row and byte limits', async () => {
    const rows = (n: number) => Buffer.from(`email\n${Array.from({ length: n }, (_, i) => `p${i}@example.com`).join('\n')}\n`);
    await expect(inspect(rows(5), { chunkSize: 64 })).resolves.toMatchObject({ rows: 5 });
    const tooMany = await refusal(rows(6), { chunkSize: 64 });
    expect(tooMany).toMatchObject({ status: 400, reason: expect.stringMatching(/more than 5 rows \(row 7\)/) });
    const tooBig = await refusal(rows(5), { limits: { maxBytes: 50 }, chunkSize: 64 });
    expect(tooBig.status).toBe(413);
  });

  it('refuses an unclosed quote and a runaway record', async () => {
    expect((await refusal(Buffer.from('email,notes\na@b.co,"never closed\n'))).reason).toMatch(/never closed/);
    expect((await refusal(Buffer.from(`email,notes\na@b.co,"${'x'.repeat(2_000)}"\n`), { chunkSize: 256 })).reason).toMatch(/longer than 1000/);
  });
});

describe('CSV records', () => {
  it('numbers rows as a spreadsheet does: the header is row 1, empty lines count, quoted newlines do not', async () => {
    const records: CsvRecord[] = [];
    const parser = Readable.from([Buffer.from('\ufeffemail;notes\n\na@b.co;"two\nlines"\nc@d.co;x\n')]).pipe(parse(csvParseOptions(';', 1000)));
    for await (const record of parser) records.push(record as CsvRecord);
    expect(records).toEqual([
      { row: 1, values: ['email', 'notes'] },
      { row: 3, values: ['a@b.co', 'two\nlines'] },
      { row: 4, values: ['c@d.co', 'x'] },
    ]);
  });
});

describe('column mapping', () => {
  it('submits each column under its own name by default and needs one recognised as the email', () => {
    expect(columnTargets(['Email Address', 'Company', ''], undefined)).toEqual({ targets: ['Email Address', 'Company', null], errors: [] });
    expect(columnTargets(['Contact', 'Company'], undefined).errors).toEqual([{ field: 'file', reason: expect.stringMatching(/email/) }]);
  });

  it('renames and ignores columns, and refuses unknown columns and clashes', () => {
    expect(columnTargets(['Mail', 'Org', 'Junk'], { Mail: 'email', Org: 'companyName', Junk: 'ignore' })).toEqual({
      targets: ['email', 'companyName', null],
      errors: [],
    });
    expect(columnTargets(['Mail'], { Mail: 'email', Nope: 'phone' }).errors).toEqual([{ field: 'mapping.Nope', reason: 'no such column in the file header' }]);
    expect(columnTargets(['Mail', 'email'], { Mail: 'email' }).errors).toEqual([{ field: 'mapping.email', reason: expect.stringMatching(/like column "Mail"/) }]);
    expect(columnTargets(['email'], { email: 'ignore' }).errors).toEqual([{ field: 'mapping', reason: 'no column maps to email' }]);
  });

  it('describes where a key lands', () => {
    expect(['E-Mail', 'fname', 'Full Name', 'utm_source', 'Company Name'].map(fieldOf)).toEqual([
      'email',
      'firstName',
      'name',
      'utm.source',
      'customFields.Company Name',
    ]);
  });
});
