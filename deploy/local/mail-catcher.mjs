#!/usr/bin/env node
// The local mail catcher `make up` starts when SMTP_URL is not set: an SMTP server that accepts
// every message and delivers none, and a small web page listing what was sent.
//
//   SMTP  127.0.0.1:$SMTP_PORT (default 1025), no TLS, any or no login
//   HTTP  http://localhost:$HTTP_PORT (default 1080): the list; /messages (JSON), /messages/<id> (the message)
//
// Messages are kept as .eml files under .data/mail (the newest 500).

import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const MAIL_DIR = path.join(REPO, '.data', 'mail');
const SMTP_PORT = Number(process.env.SMTP_PORT || 1025);
const HTTP_PORT = Number(process.env.HTTP_PORT || 1080);
const KEEP = 500;
const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

fs.mkdirSync(MAIL_DIR, { recursive: true });

/** Stored messages, newest first: `<ms>-<seq>.eml`. */
function storedIds() {
  return fs
    .readdirSync(MAIL_DIR)
    .filter((file) => file.endsWith('.eml'))
    .map((file) => file.slice(0, -4))
    .sort()
    .reverse();
}

let sequence = 0;
const smtp = new SMTPServer({
  secure: false,
  disabledCommands: ['STARTTLS'],
  authOptional: true,
  size: MAX_MESSAGE_BYTES,
  logger: false,
  onAuth: (_auth, _session, callback) => callback(null, { user: 'local' }),
  onData(stream, _session, callback) {
    const chunks = [];
    stream.on('data', (chunk) => chunks.push(chunk));
    stream.on('end', () => {
      const id = `${Date.now()}-${String(sequence++).padStart(6, '0')}`;
      fs.writeFileSync(path.join(MAIL_DIR, `${id}.eml`), Buffer.concat(chunks));
      for (const old of storedIds().slice(KEEP)) fs.rmSync(path.join(MAIL_DIR, `${old}.eml`), { force: true });
      callback();
    });
  },
});

async function summary(id) {
  const parsed = await simpleParser(fs.readFileSync(path.join(MAIL_DIR, `${id}.eml`)));
  return { id, date: parsed.date?.toISOString() ?? null, from: parsed.from?.text ?? '', to: parsed.to ? [parsed.to].flat().map((to) => to.text).join(', ') : '', subject: parsed.subject ?? '', parsed };
}

const escape = (text) => String(text).replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

async function handle(request, response) {
  const url = new URL(request.url, 'http://localhost');
  const ids = storedIds();
  if (url.pathname === '/messages') {
    const items = await Promise.all(ids.slice(0, 100).map(summary));
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(items.map(({ parsed, ...item }) => ({ ...item, text: parsed.text ?? '' }))));
    return;
  }
  const match = /^\/messages\/([\w-]+)$/.exec(url.pathname);
  if (match && ids.includes(match[1])) {
    const { parsed, ...item } = await summary(match[1]);
    const headers = parsed.headerLines.map((line) => escape(line.line)).join('\n');
    // The message's own HTML runs in a sandboxed frame with scripts off.
    const body = parsed.html ? `<iframe sandbox srcdoc="${escape(parsed.html)}" style="width:100%;height:60vh;border:1px solid #ccc"></iframe>` : `<pre>${escape(parsed.text ?? '')}</pre>`;
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(`<!doctype html><meta charset="utf-8"><title>${escape(item.subject)}</title><p><a href="/">← all mail</a></p><h1>${escape(item.subject)}</h1><pre>${headers}</pre>${body}`);
    return;
  }
  if (url.pathname !== '/') {
    response.writeHead(404).end('not found');
    return;
  }
  const rows = (await Promise.all(ids.slice(0, 100).map(summary)))
    .map((item) => `<tr><td>${escape(item.date ?? '')}</td><td>${escape(item.from)}</td><td>${escape(item.to)}</td><td><a href="/messages/${item.id}">${escape(item.subject || '(no subject)')}</a></td></tr>`)
    .join('');
  response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  response.end(
    `<!doctype html><meta charset="utf-8"><title>500 Leads — local mail</title><h1>Mail sent by the local stack (not delivered)</h1>` +
      `<table><thead><tr><th>Date</th><th>From</th><th>To</th><th>Subject</th></tr></thead><tbody>${rows || '<tr><td colspan="4">No mail yet.</td></tr>'}</tbody></table>`,
  );
}

const web = http.createServer((request, response) => {
  handle(request, response).catch((error) => {
    response.writeHead(500).end(String(error));
  });
});

smtp.listen(SMTP_PORT, '127.0.0.1', () => process.stderr.write(`mail catcher: SMTP on 127.0.0.1:${SMTP_PORT}\n`));
web.listen(HTTP_PORT, '127.0.0.1', () => process.stderr.write(`mail catcher: web on http://localhost:${HTTP_PORT}\n`));
const stop = () => smtp.close(() => web.close(() => process.exit(0)));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
