import { Transform, type TransformCallback } from 'node:stream';
import { TextDecoder } from 'node:util';
import { parse, type Options as CsvParseOptions, type Parser } from 'csv-parse';
import { emailSchema } from '../intake/submission.schema';

/**
 * What a CSV file must be to be imported, checked while it streams in (never held in memory):
 * its encoding (UTF-8, with or without a BOM, or UTF-16 with a BOM), its delimiter (detected
 * among `,` `;` tab `|`), a header row, and bounded sizes. The job later reads the file with the
 * same parser options, so what was accepted at upload is what it parses.
 */
export type CsvEncoding = 'utf-8' | 'utf-16le' | 'utf-16be';
export const DELIMITERS = [',', ';', '\t', '|'] as const;
export type Delimiter = (typeof DELIMITERS)[number];

export interface CsvLimits {
  /** Largest file, in bytes as uploaded. */
  readonly maxBytes: number;
  /** Most data rows (the header not counted). */
  readonly maxRows: number;
  /** Most columns, and the longest column name. */
  readonly maxColumns: number;
  readonly maxColumnName: number;
  /** Longest record, in characters (a wrong quote would otherwise swallow the file). */
  readonly maxRecordChars: number;
}

export interface CsvInspection {
  readonly encoding: CsvEncoding;
  readonly bom: boolean;
  readonly delimiter: Delimiter;
  /** The column names, trimmed. */
  readonly header: string[];
  /** Data rows, the header not counted (empty lines are skipped). */
  readonly rows: number;
  /** Bytes as uploaded. */
  readonly bytes: number;
}

/** Why a file is refused at upload: 413 (too large) or 400; always about the `file` field. */
export class CsvFileError extends Error {
  constructor(
    readonly status: 400 | 413,
    readonly reason: string,
  ) {
    super(reason);
  }
}

const SAMPLE_CHARS = 64 * 1024;

/** One parsed record: its row number as a spreadsheet shows it (the header is row 1) and its values. */
export interface CsvRecord {
  readonly row: number;
  readonly values: string[];
}

/**
 * The parser options shared by the upload check and the job. Records come out as
 * `{row, values}`; the row number counts the empty lines skipped before it, so it is the row
 * a spreadsheet shows (a quoted newline stays inside its row).
 */
export function csvParseOptions(delimiter: Delimiter, maxRecordChars: number): CsvParseOptions {
  return {
    delimiter,
    bom: true,
    skip_empty_lines: true,
    relax_column_count: true,
    max_record_size: maxRecordChars,
    on_record: (values: string[], info) => ({ row: info.records + info.empty_lines, values }) as unknown as string[],
  };
}

/** The encoding a byte order mark announces, if any; without one a file must be UTF-8. */
export function detectEncoding(head: Buffer): { encoding: CsvEncoding; bomLength: number } {
  if (head.length >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return { encoding: 'utf-8', bomLength: 3 };
  if (head.length >= 2 && head[0] === 0xff && head[1] === 0xfe) return { encoding: 'utf-16le', bomLength: 2 };
  if (head.length >= 2 && head[0] === 0xfe && head[1] === 0xff) return { encoding: 'utf-16be', bomLength: 2 };
  return { encoding: 'utf-8', bomLength: 0 };
}

/**
 * The delimiter of a CSV sample: among `,` `;` tab `|`, the one that splits the header into the
 * most fields and splits the following rows the same way; quoted text is not counted. With
 * `complete` false the sample's last record may be cut and is left out.
 */
export function detectDelimiter(sample: string, complete: boolean): Delimiter {
  const records = countPerRecord(sample, complete).slice(0, 50);
  if (records.length === 0) return ',';
  const [header, ...rows] = records;
  let best: Delimiter = ',';
  let bestScore = -1;
  for (const [index, delimiter] of DELIMITERS.entries()) {
    const count = header[index];
    if (count === 0) continue;
    const consistent = rows.length === 0 ? 1 : rows.filter((row) => row[index] === count).length / rows.length;
    // Consistency first (a comma inside a free-text column is not a delimiter), then field count.
    const score = consistent * 1_000_000 + count;
    if (score > bestScore) {
      best = delimiter;
      bestScore = score;
    }
  }
  return best;
}

/** Per non-empty record of the sample, how many times each candidate delimiter occurs outside quotes. */
function countPerRecord(sample: string, complete: boolean): number[][] {
  const records: number[][] = [];
  let counts = DELIMITERS.map(() => 0);
  let inQuotes = false;
  let empty = true;
  for (let i = 0; i < sample.length; i += 1) {
    const char = sample[i];
    if (char === '"') {
      if (inQuotes && sample[i + 1] === '"') i += 1;
      else inQuotes = !inQuotes;
      empty = false;
    } else if (!inQuotes && (char === '\n' || char === '\r')) {
      if (!empty) records.push(counts);
      counts = DELIMITERS.map(() => 0);
      empty = true;
    } else if (!inQuotes) {
      const index = (DELIMITERS as readonly string[]).indexOf(char);
      if (index >= 0) counts[index] += 1;
      if (char !== ' ' && char !== '\ufeff') empty = false;
    }
  }
  if (complete && !empty) records.push(counts);
  return records;
}

/** Reasons the first row cannot be a header row; undefined when it can. */
export function checkHeader(header: readonly string[], limits: Pick<CsvLimits, 'maxColumns' | 'maxColumnName'>): string | undefined {
  if (header.every((name) => name === '')) return 'has no header row: the first row must name the columns';
  if (header.length > limits.maxColumns) return `has ${header.length} columns; at most ${limits.maxColumns} are accepted`;
  const long = header.find((name) => name.length > limits.maxColumnName);
  if (long) return `has a column name longer than ${limits.maxColumnName} characters: ${JSON.stringify(long.slice(0, 40))}…`;
  const email = header.find((name) => emailSchema.safeParse(name).success);
  if (email) return `has no header row: the first row holds data (${JSON.stringify(email)}), not column names`;
  const seen = new Set<string>();
  for (const name of header) {
    if (name !== '' && seen.has(name)) return `has the column ${JSON.stringify(name)} twice: column names must be unique`;
    seen.add(name);
  }
  return undefined;
}

/**
 * A pass-through check of an uploaded CSV file. It reads the bytes as they arrive, rejects what
 * cannot be read (see CsvFileError) and writes the text on as UTF-8 without a BOM, so the file
 * kept for the job is always UTF-8. It parses as it goes (to count rows and find structural
 * errors such as an unclosed quote), keeping only the header and counters.
 */
export class CsvInspector extends Transform {
  private encoding?: CsvEncoding;
  private bom = false;
  private decoder?: TextDecoder;
  private head: Buffer[] = [];
  private headLength = 0;
  private bytes = 0;
  private sample = '';
  private parser?: Parser;
  private delimiter?: Delimiter;
  private header?: string[];
  private rows = 0;
  private failure?: Error;
  private parsed?: Promise<void>;

  constructor(private readonly limits: CsvLimits) {
    super();
  }

  /** The findings, once the stream has finished. */
  result(): CsvInspection {
    if (!this.header || !this.encoding || !this.delimiter) throw new Error('CsvInspector.result() before the file was read');
    return { encoding: this.encoding, bom: this.bom, delimiter: this.delimiter, header: this.header, rows: this.rows, bytes: this.bytes };
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.bytes += chunk.length;
      if (this.bytes > this.limits.maxBytes) throw new CsvFileError(413, `is larger than ${this.limits.maxBytes} bytes`);
      if (!this.decoder) {
        this.head.push(chunk);
        this.headLength += chunk.length;
        if (this.headLength < 3) return callback();
        this.start(Buffer.concat(this.head));
        this.head = [];
      } else {
        this.consume(chunk);
      }
      callback(this.failure);
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      if (!this.decoder) {
        if (this.headLength === 0) throw new CsvFileError(400, 'is empty');
        this.start(Buffer.concat(this.head));
      }
      const rest = this.decode(undefined);
      if (rest) this.text(rest, Buffer.from(rest, 'utf8'));
      if (!this.parser) this.startParser(true);
      if (this.failure) return callback(this.failure);
      this.parser!.end();
      void this.parsed!.then(() => {
        if (this.failure) return callback(this.failure);
        if (!this.header) return callback(new CsvFileError(400, 'is empty: it has no header row and no data'));
        callback();
      });
    } catch (error) {
      callback(error as Error);
    }
  }

  private start(head: Buffer): void {
    const { encoding, bomLength } = detectEncoding(head);
    this.encoding = encoding;
    this.bom = bomLength > 0;
    // ignoreBOM: the BOM is skipped here, so a second U+FEFF would be data, not swallowed.
    this.decoder = new TextDecoder(encoding, { fatal: true, ignoreBOM: true });
    this.consume(head.subarray(bomLength));
  }

  private consume(chunk: Buffer): void {
    const text = this.decode(chunk);
    // UTF-8 input is written on as it came (already validated); UTF-16 is transcoded.
    this.text(text, this.encoding === 'utf-8' ? chunk : Buffer.from(text, 'utf8'));
  }

  private decode(chunk: Buffer | undefined): string {
    try {
      return chunk ? this.decoder!.decode(chunk, { stream: true }) : this.decoder!.decode();
    } catch {
      throw new CsvFileError(
        400,
        this.encoding === 'utf-8'
          ? 'is not UTF-8 text: save it as "CSV UTF-8" (UTF-8, with or without a BOM, or UTF-16 with a BOM)'
          : `is not valid ${this.encoding!.toUpperCase()} text`,
      );
    }
  }

  private text(text: string, utf8: Buffer): void {
    if (text.includes('\u0000')) {
      throw new CsvFileError(400, 'contains NUL characters: is it UTF-16 without a byte order mark, or not a text file?');
    }
    if (utf8.length > 0) this.push(utf8);
    if (this.failure) return;
    if (this.parser) {
      this.parser.write(text);
      return;
    }
    this.sample += text;
    if (this.sample.length >= SAMPLE_CHARS) this.startParser(false);
  }

  private startParser(complete: boolean): void {
    this.delimiter = detectDelimiter(this.sample, complete);
    const parser = parse({
      ...csvParseOptions(this.delimiter, this.limits.maxRecordChars),
      on_record: (values: string[], info) => {
        if (this.failure) return null;
        if (!this.header) {
          const header = values.map((name) => name.trim());
          const problem = checkHeader(header, this.limits);
          if (problem) this.failure = new CsvFileError(400, problem);
          this.header = header;
          return null;
        }
        this.rows += 1;
        if (this.rows > this.limits.maxRows) {
          this.failure = new CsvFileError(400, `has more than ${this.limits.maxRows} rows (row ${info.records + info.empty_lines})`);
        }
        return null;
      },
    });
    this.parsed = new Promise<void>((resolve) => {
      parser.on('error', (error: Error) => {
        this.failure ??= this.parseError(error);
        resolve();
      });
      parser.on('end', resolve);
    });
    parser.resume();
    this.parser = parser;
    const sample = this.sample;
    this.sample = '';
    if (sample) parser.write(sample);
  }

  private parseError(error: Error & { code?: string; lines?: number }): CsvFileError {
    const where = typeof error.lines === 'number' ? ` (near line ${error.lines})` : '';
    if (error.code === 'CSV_MAX_RECORD_SIZE') {
      return new CsvFileError(400, `has a row longer than ${this.limits.maxRecordChars} characters${where}: is a quote left open?`);
    }
    if (error.code === 'CSV_QUOTE_NOT_CLOSED') return new CsvFileError(400, `has a quoted value that is never closed${where}`);
    return new CsvFileError(400, `cannot be parsed as CSV${where}: ${error.message}`);
  }
}
