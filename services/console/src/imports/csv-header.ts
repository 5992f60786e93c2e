const DELIMITERS = [',', ';', '\t', '|'];

/** Splits one CSV record (RFC 4180 quoting) by a delimiter. */
function splitRecord(line: string, delimiter: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let index = 0; index < line.length; index += 1) {
    const char = line[index];
    if (quoted) {
      if (char === '"' && line[index + 1] === '"') {
        cell += '"';
        index += 1;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"') quoted = true;
    else if (char === delimiter) {
      cells.push(cell);
      cell = '';
    } else cell += char;
  }
  cells.push(cell);
  return cells.map((value) => value.trim());
}

/**
 * The column names of a CSV file, read from its first line in the browser so the user can map
 * them before uploading (the gateway detects the delimiter the same way: the one that splits the
 * header the most).
 */
export async function readHeader(file: File): Promise<string[]> {
  const start = (await file.slice(0, 64 * 1024).text()).replace(/^\uFEFF/, '');
  const firstLine = start.split(/\r?\n/, 1)[0] ?? '';
  const best = DELIMITERS.map((delimiter) => splitRecord(firstLine, delimiter)).sort((a, b) => b.length - a.length)[0];
  return best.filter((name) => name !== '');
}
