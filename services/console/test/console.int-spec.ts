import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  expectEventually,
  startDevModel,
  startDnsServer,
  startSmtpServer,
  startStack,
  type DevModel,
  type DnsServer,
  type SmtpServer,
  type Stack,
} from '@leads/testing';
import type { Locator, Page } from 'playwright-core';
import { openBrowser, startReceiver, type ConsoleBrowser, type Receiver } from './console.harness';

/**
 * The web console end to end: the gateway serving the built console, the pipeline, enrichment
 * (asking a test DNS server), scoring (asking the dev model), sequences and notification services
 * as their own processes, driven by headless chromium the way a user would. Every browser console
 * error fails the test. The screens are saved under docs/screenshots/.
 */
describe('the web console', () => {
  let model: DevModel;
  let dns: DnsServer;
  let smtp: SmtpServer;
  let receiver: Receiver;
  let stack: Stack;
  let gateway: string;
  let ui: ConsoleBrowser;
  let page: Page;

  /** What the steps share: the account's API key and the pipeline they build. */
  const state = {
    email: `owner-${randomBytes(4).toString('hex')}@initech.com`,
    apiKey: '',
    pipelineId: '',
    stages: {} as Record<string, string>,
    leads: {} as Record<string, string>,
  };

  const api = async (method: string, apiPath: string, body?: unknown): Promise<any> => {
    const response = await fetch(`${gateway}${apiPath}`, {
      method,
      headers: { authorization: `Bearer ${state.apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${apiPath}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
  const lead = (id: string) => api('GET', `/v1/leads/${id}`);
  const columnIds = async (stageId: string): Promise<string[]> => {
    const board = await api('GET', `/v1/pipelines/${state.pipelineId}/board?limit=100`);
    return board.columns.find((column: any) => column.stage.id === stageId).cards.map((card: any) => card.id);
  };

  const card = (leadId: string): Locator => page.locator(`li.lead-card[data-lead-id="${leadId}"]`);
  const column = (stage: string): Locator => page.locator(`section.board-column[data-stage-id="${state.stages[stage]}"]`);
  const text = async (locator: Locator) => (await locator.textContent())?.trim();
  /** Waits until the element's whole text is `value`. */
  const showing = (locator: Locator, value: string) => locator.and(page.getByText(value, { exact: true })).waitFor();

  beforeAll(async () => {
    [model, dns, smtp, receiver] = await Promise.all([
      startDevModel(),
      startDnsServer({ 'initech.com': { mx: ['10 mx1.initech.com'] } }),
      startSmtpServer(),
      startReceiver(),
    ]);
    const mail = { SMTP_URL: smtp.url, MAIL_FROM: '500 Leads <console@500leads.test>' };
    stack = await startStack(['ingest', 'pipeline', 'enrichment', 'scoring', 'sequences', 'notification'], {
      serviceEnv: {
        enrichment: { DNS_SERVERS: dns.address, DNS_TIMEOUT_MS: '1000', DNS_TRIES: '1' },
        scoring: {
          OPENAI_BASE_URL: model.url,
          OPENAI_API_KEY: 'dev',
          SCORING_MODEL: model.modelName,
          SCORING_MAX_ATTEMPTS: '2',
          SCORING_RETRY_BASE_MS: '50',
          SCORING_RETRY_MAX_MS: '100',
          SCORING_POLL_INTERVAL_MS: '200',
        },
        sequences: { ...mail, SEQUENCES_POLL_INTERVAL_MS: '200' },
        notification: { ...mail, FAILURE_GROUP_QUIET_MS: '500', WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', NOTIFICATION_POLL_INTERVAL_MS: '100' },
      },
    });
    gateway = stack.gateway;
    ui = await openBrowser();
    page = ui.page;
  });

  afterEach(() => {
    // A screen that logs an error (a failed request included) is a failing screen.
    expect(ui?.takeErrors()).toEqual([]);
  });

  afterAll(async () => {
    await ui?.close();
    await stack?.stop();
    await Promise.all([model?.stop(), dns?.close(), smtp?.stop(), receiver?.stop()]);
  });

  it('serves the console at / next to the API, whose unknown paths keep their problem-details 404', async () => {
    const index = await fetch(`${gateway}/leads/any-console-path`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toContain('text/html');
    expect(index.headers.get('cache-control')).toBe('no-cache');
    const html = await index.text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeDefined();
    const script = await fetch(`${gateway}${asset}`);
    expect(script.status).toBe(200);
    expect(script.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await fetch(`${gateway}/assets/missing-0000.js`)).status).toBe(404);
    const unknownApi = await fetch(`${gateway}/v1/no-such-thing`);
    expect(unknownApi.status).toBe(404);
    expect(unknownApi.headers.get('content-type')).toContain('application/problem+json');
    expect((await fetch(`${gateway}/health/live`)).status).toBe(200);
    expect((await fetch(`${gateway}/docs-json`)).headers.get('content-type')).toContain('application/json');
  });

  it('signs up, shows the API key once, and lands on the board of the default pipeline', async () => {
    await page.goto(`${gateway}/`);
    await page.getByRole('heading', { name: 'Log in to 500 Leads' }).waitFor();
    await ui.screenshot('login');
    await page.getByRole('link', { name: 'Create a workspace' }).click();
    await page.getByLabel('Workspace name', { exact: true }).fill('Initech');
    await page.getByLabel('Email', { exact: true }).fill(state.email);
    await page.getByLabel(/^Password/).fill('a long enough password');
    await page.getByRole('button', { name: 'Sign up' }).click();

    await page.getByRole('heading', { name: 'Board', exact: true }).waitFor();
    state.apiKey = (await text(page.getByTestId('first-api-key'))) ?? '';
    expect(state.apiKey).toMatch(/^l5_[0-9a-f]{12}_/);
    await page.getByRole('button', { name: 'I have saved it' }).click();
    // The workspace's default pipeline, made by the pipeline service from workspace.created.
    for (const stage of ['New', 'Contacted', 'Qualified', 'Converted', 'Closed']) {
      await page.getByRole('heading', { name: stage, exact: true }).waitFor();
    }
    expect((await api('GET', '/v1/pipelines')).items).toHaveLength(1);
  });

  it('creates a pipeline, showing the server\'s problem details, with stages renamed, added, coloured and dragged into place', async () => {
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { name: 'Pipelines', exact: true }).waitFor();
    await page.getByRole('link', { name: 'New pipeline' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Enterprise');
    await page.getByLabel('Name of New', { exact: true }).fill('Inbound');
    await page.getByRole('button', { name: 'Add a stage' }).click();
    await page.getByLabel('Name of stage 6', { exact: true }).fill('contacted');
    await page.getByRole('button', { name: 'Create pipeline' }).click();

    // Stage names are unique regardless of case: the pipeline service says which field is wrong.
    const problem = page.getByRole('alert');
    await problem.getByText('Bad Request (400)', { exact: true }).waitFor();
    expect(await text(problem)).toMatch(/stages\.5\.name/);
    // The browser logs the refused request itself; nothing else.
    expect(ui.takeErrors()).toEqual([expect.stringContaining('status of 400')]);

    await page.getByLabel('Name of contacted', { exact: true }).fill('Demo');
    await page.getByLabel('Colour of Demo', { exact: true }).fill('#ec4899');
    // Drag the new stage above Won; then it is the fourth stage.
    await page.locator('tr[data-stage-row="Demo"]').dragTo(page.locator('tr[data-stage-row="Won"]'));
    await page.getByRole('radio', { name: 'Won is the Win stage' }).waitFor();
    const names = await page.locator('tr[data-stage-row] input[aria-label^="Name of"]').all();
    expect(await Promise.all(names.map((input) => input.inputValue()))).toEqual([
      'Inbound',
      'Contacted',
      'Qualified',
      'Demo',
      'Won',
      'Lost',
    ]);
    await ui.screenshot('pipeline-editor');
    await page.getByRole('button', { name: 'Create pipeline' }).click();
    await page.getByRole('link', { name: 'Enterprise' }).waitFor();

    const created = (await api('GET', '/v1/pipelines')).items.find((pipeline: any) => pipeline.name === 'Enterprise');
    expect(created.stages.map((stage: any) => [stage.name, stage.kind])).toEqual([
      ['Inbound', 'open'],
      ['Contacted', 'open'],
      ['Qualified', 'open'],
      ['Demo', 'open'],
      ['Won', 'win'],
      ['Lost', 'lost'],
    ]);
    expect(created.stages[3].color).toBe('#ec4899');
    state.pipelineId = created.id;
    state.stages = Object.fromEntries(created.stages.map((stage: any) => [stage.name, stage.id]));
  });

  it('shows leads posted through the API on the board as they are enriched and scored', async () => {
    const people: Array<[string, Record<string, string>]> = [
      ['ada', { email: 'ada@initech.com', firstName: 'Ada', lastName: 'Lovelace', phone: '+44 20 7946 0018', jobTitle: 'CTO', website: 'https://initech.com', country: 'GB', companyName: 'Initech' }],
      ['alan', { email: 'alan@initech.com', firstName: 'Alan', lastName: 'Turing', companyName: 'Initech' }],
      ['bob', { email: 'bob@initech.com' }],
      ['carol', { email: 'carol@initech.com', firstName: 'Carol', lastName: 'Shaw' }],
      ['dan', { email: 'dan@initech.com', firstName: 'Dan' }],
    ];
    for (const [name, fields] of people) {
      state.leads[name] = (await api('POST', '/v1/leads', { ...fields, pipelineId: state.pipelineId })).id;
    }

    await page.getByRole('link', { name: 'Board', exact: true }).click();
    await page.getByRole('combobox', { name: /^Pipeline/ }).selectOption({ label: 'Enterprise' });
    await showing(column('Inbound').getByTestId('column-count'), '5');
    // Scored by the dev model: each card shows the score and qualification the API has, none is still in progress.
    const scored = await expectEventually(
      () =>
        Promise.all(
          Object.values(state.leads).map(async (id) => {
            const answer = await lead(id);
            expect(answer.processingStatus).toBe('scored');
            return answer;
          }),
        ),
      { description: 'every lead scored' },
    );
    expect(scored.find((item) => item.id === state.leads.ada)).toMatchObject({ qualification: 'hot', companyName: 'Initech' });
    for (const item of scored) {
      await showing(card(item.id).locator('.score'), String(item.score));
      await showing(card(item.id).locator('.badge'), item.qualification);
    }
    expect(await column('Inbound').locator('.status-progress').count()).toBe(0);
    expect(await text(card(state.leads.ada).locator('.lead-card-company'))).toBe('Initech');
    await ui.screenshot('board');
  });

  it('moves cards by dragging (between and within columns) and with the keyboard, as the API then tells', async () => {
    await card(state.leads.ada).dragTo(column('Contacted').locator('ol'));
    await column('Contacted').locator(`[data-lead-id="${state.leads.ada}"]`).waitFor();
    await expectEventually(async () => expect((await lead(state.leads.ada)).stageId).toBe(state.stages.Contacted), { description: 'Ada in Contacted' });
    const history = await api('GET', `/v1/leads/${state.leads.ada}/history`);
    expect(history.items.at(-1)).toMatchObject({ fromStageName: 'Inbound', toStageName: 'Contacted', channel: 'kanban' });

    // Within a column: the last card dropped on the top half of the first one goes first.
    const before = await columnIds(state.stages.Inbound);
    const last = before.at(-1)!;
    await card(last).dragTo(card(before[0]), { targetPosition: { x: 40, y: 4 } });
    await expectEventually(async () => expect(await columnIds(state.stages.Inbound)).toEqual([last, ...before.slice(0, -1)]), { description: 'the card first in Inbound' });

    // Keyboard: Alt+→ moves the focused card to the next stage, and the focus stays on it.
    await card(state.leads.alan).getByRole('link').focus();
    await page.keyboard.press('Alt+ArrowRight');
    await column('Contacted').locator(`[data-lead-id="${state.leads.alan}"]`).waitFor();
    await expectEventually(async () => expect((await lead(state.leads.alan)).stageId).toBe(state.stages.Contacted), { description: 'Alan in Contacted' });
    // A short wait per attempt: with nothing focused, the attempt fails and is tried again.
    await expectEventually(async () => expect((await page.locator(':focus').textContent({ timeout: 1_000 }))?.trim()).toBe('Alan Turing'), {
      description: 'focus on Alan',
    });
    // And its Move… menu does the same without a drag.
    await card(state.leads.alan).getByRole('button', { name: 'Move Alan Turing' }).click();
    await page.getByRole('menuitem', { name: 'To Demo' }).click();
    await column('Demo').locator(`[data-lead-id="${state.leads.alan}"]`).waitFor();
    await expectEventually(async () => expect((await lead(state.leads.alan)).stageId).toBe(state.stages.Demo), { description: 'Alan in Demo' });
    await showing(page.getByRole('status'), 'Moved Alan Turing to Demo.');
  });

  it('bulk-moves a shift-click range of cards to a stage', async () => {
    const inbound = await columnIds(state.stages.Inbound);
    expect(inbound).toHaveLength(3);
    await card(inbound[0]).getByRole('checkbox').click();
    await card(inbound[2]).getByRole('checkbox').click({ modifiers: ['Shift'] });
    await page.getByText('3 selected').waitFor();
    expect(await page.getByRole('checkbox', { name: 'Select all in Inbound' }).isChecked()).toBe(true);
    await page.getByRole('region', { name: 'Bulk actions' }).getByRole('combobox', { name: /^Stage/ }).selectOption({ label: 'Qualified' });
    await ui.screenshot('bulk-actions');
    await page.getByRole('button', { name: 'Move to stage' }).click();
    await showing(page.getByRole('status'), 'Moved 3 of 3 leads to Qualified.');
    await showing(column('Qualified').getByTestId('column-count'), '3');
    expect(await columnIds(state.stages.Qualified)).toEqual(inbound);
    const moves = await Promise.all(inbound.map((id) => api('GET', `/v1/leads/${id}/history`)));
    expect(new Set(moves.map((history) => history.items.at(-1).bulkMoveId)).size).toBe(1);
    expect(moves.map((history) => history.items.at(-1).channel)).toEqual(['bulk', 'bulk', 'bulk']);
  });

  it('manages API keys, webhook sources, forms and outbound webhooks in the settings', async () => {
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'API keys' }).click();
    await page.getByLabel('Name', { exact: true }).fill('CI');
    await page.getByRole('button', { name: 'Create key' }).click();
    expect(await text(page.getByTestId('secret'))).toMatch(/^l5_/);
    await ui.screenshot('api-keys');
    await page.getByRole('button', { name: 'Revoke CI' }).click();
    await page.getByRole('row', { name: /CI/ }).getByText(/^Revoked/).waitFor();

    await page.getByRole('link', { name: 'Webhook sources' }).click();
    await page.getByLabel('Name', { exact: true }).fill('CRM');
    await page.getByRole('button', { name: 'Create source' }).click();
    await page.getByRole('region', { name: 'The signing secret of CRM' }).waitFor();
    await page.getByText('Signing example').click();
    await page.getByText(/X-500Leads-Signature: t=\$T,v1=\$SIG/).waitFor();
    await ui.screenshot('webhook-sources');

    await page.getByRole('link', { name: 'Forms' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Contact us');
    await page.getByLabel(/Allowed origins/).fill('https://initech.com');
    await page.getByRole('button', { name: 'Create form' }).click();
    await page.locator('pre.snippet').getByText(/<form action="http/).waitFor();
    await ui.screenshot('forms');

    await page.getByRole('link', { name: 'Outbound webhooks' }).click();
    await page.getByLabel('URL', { exact: true }).fill(receiver.url);
    await page.getByRole('button', { name: 'Subscribe' }).click();
    expect(await text(page.getByTestId('secret'))).toMatch(/^whsec_/);
    await page.getByRole('button', { name: 'I have saved it' }).click();
    await page.getByRole('button', { name: 'Deliveries' }).click();
    await page.getByText('Nothing delivered yet.').waitFor();
  });

  it('edits a sequence with steps, delays and a live preview of its templates', async () => {
    await page.getByRole('link', { name: 'Sequences' }).click();
    await page.getByRole('link', { name: 'New sequence' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Welcome hot and warm leads');
    await page.getByRole('checkbox', { name: 'warm leads' }).check();
    await page.getByLabel('Subject', { exact: true }).fill('Hello {{firstName}} from Initech');
    await page.getByRole('button', { name: 'Add a step' }).click();
    await page.getByRole('group', { name: 'Preview of step 1' }).getByText('Hello Ada from Initech').waitFor();
    await page.getByRole('group', { name: 'Preview of step 2' }).getByText('Preview (after 2 days)').waitFor();
    await page.getByRole('heading', { name: 'New sequence' }).scrollIntoViewIfNeeded();
    await ui.screenshot('sequence-editor');
    await page.getByRole('button', { name: 'Create sequence' }).click();
    await page.getByRole('heading', { name: 'Enrolments' }).waitFor();
    await page.getByText('No lead enrolled yet.').waitFor();
    const { items } = await api('GET', '/v1/sequences');
    expect(items[0]).toMatchObject({ name: 'Welcome hot and warm leads', status: 'active', criteria: { qualifications: ['hot', 'warm'] } });
    expect(items[0].steps.map((step: any) => step.delaySeconds)).toEqual([0, 172800]);
  });

  it('shows a lead whose analysis failed in red, retries it from its page and shows it scored, notified, delivered and enrolled', async () => {
    await model.setMode({ mode: 'outage' });
    state.leads.grace = (
      await api('POST', '/v1/leads', {
        email: 'grace@initech.com',
        firstName: 'Grace',
        lastName: 'Hopper',
        phone: '+1 202 555 0100',
        jobTitle: 'Rear Admiral',
        website: 'https://initech.com',
        country: 'US',
        organization: 'Initech',
        pipelineId: state.pipelineId,
      })
    ).id;

    await page.getByRole('link', { name: 'Board', exact: true }).click();
    await page.getByRole('combobox', { name: /^Pipeline/ }).selectOption({ label: 'Enterprise' });
    await showing(card(state.leads.grace).locator('[data-status="failed"]'), 'Analysis failed');
    expect(await card(state.leads.grace).getAttribute('class')).toContain('lead-card-failed');
    // The notification service groups the failure into one unread notification.
    await page.getByRole('button', { name: 'Notifications, 1 unread' }).waitFor();

    await card(state.leads.grace).getByRole('link', { name: 'Grace Hopper' }).click();
    await page.getByRole('heading', { name: 'Why it failed' }).waitFor();
    await page.getByText('llm_unavailable', { exact: true }).waitFor();
    await page.getByRole('heading', { name: 'Custom fields' }).waitFor();
    await page.getByText('organization', { exact: true }).waitFor();
    await ui.screenshot('lead-failed');

    await model.setMode({ mode: 'normal' });
    await page.getByRole('button', { name: 'Retry analysis' }).click();
    await showing(page.locator('[data-status="scored"]'), 'Scored');
    const scored = await lead(state.leads.grace);
    expect(scored).toMatchObject({ processingStatus: 'scored', qualification: 'hot', scoringModel: 'dev-model-1', failure: null });
    const analysis = page.getByRole('region', { name: 'AI analysis' });
    await analysis.getByText(String(scored.score), { exact: true }).waitFor();
    await analysis.getByText('dev-model-1').waitFor();
    await page.getByRole('region', { name: 'Enrichment' }).getByText('business').waitFor();
    await page.getByRole('region', { name: 'Enrichment' }).getByText('mx1.initech.com').waitFor();
    // The timeline tells the whole story, from every service: the failed attempts, the retry, the score.
    const timeline = page.getByRole('region', { name: 'Timeline' });
    await timeline.getByText('Placed in Inbound').waitFor();
    await timeline.getByText('AI analysis failed after 2 attempts').waitFor();
    await timeline.getByText('New AI analysis requested by a user').waitFor();
    await timeline.getByText(`Scored ${scored.score} (hot) by dev-model-1`, { exact: false }).waitFor();
    await ui.screenshot('lead');

    await page.getByRole('button', { name: 'Notifications, 1 unread' }).click();
    await page.getByRole('link', { name: 'All notifications' }).click();
    await page.getByRole('article', { name: /could not be processed/ }).waitFor();
    await ui.screenshot('notifications');
    await page.getByRole('button', { name: 'Mark all read' }).click();
    await page.getByRole('button', { name: 'Notifications, 0 unread' }).waitFor();

    // The outbound webhook delivered the lead.scored of the retried lead; the hot lead was enrolled.
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('link', { name: 'Outbound webhooks' }).click();
    await page.getByRole('button', { name: 'Deliveries' }).click();
    await page.getByRole('cell', { name: 'delivered' }).first().waitFor();
    await ui.screenshot('outbound-webhooks');
    expect(receiver.bodies).toContainEqual(expect.objectContaining({ type: 'lead.scored' }));

    await page.getByRole('link', { name: 'Sequences' }).click();
    await page.getByRole('link', { name: 'Welcome hot and warm leads' }).click();
    await page.getByRole('link', { name: 'grace@initech.com' }).waitFor();
  });

  it('shows the funnel with conversion rates, and its numbers follow the moves', async () => {
    await page.getByRole('link', { name: 'Dashboard' }).click();
    await page.getByRole('combobox', { name: /^Pipeline/ }).selectOption({ label: 'Enterprise' });
    const funnelRow = (stage: string) => page.locator(`table.funnel tr[data-stage="${stage}"]`);
    // 6 leads: Grace in Inbound, Ada in Contacted, 3 in Qualified, Alan in Demo.
    await showing(page.getByTestId('total-leads'), '6');
    const funnel = await api('GET', `/v1/pipelines/${state.pipelineId}/funnel`);
    for (const step of funnel.stages) {
      expect(await text(funnelRow(step.stage.name).getByTestId('reached'))).toBe(String(step.reached));
    }
    expect(await text(funnelRow('Demo').getByTestId('conversion'))).toBe(`${Math.round(funnel.stages[3].conversionRate * 1000) / 10}%`);
    expect(await text(funnelRow('Won').getByTestId('reached'))).toBe('0');
    await page.locator('.stat-hot').getByText('2').waitFor();
    await ui.screenshot('dashboard');

    // Ada is won: the dashboard reads the funnel again by itself and shows it.
    await api('PATCH', `/v1/leads/${state.leads.ada}`, { stageId: state.stages.Won });
    await showing(funnelRow('Won').getByTestId('reached'), '1');
    expect(await text(funnelRow('Won').getByTestId('conversion'))).toBe(
      `${Math.round((await api('GET', `/v1/pipelines/${state.pipelineId}/funnel`)).stages[4].conversionRate * 1000) / 10}%`,
    );
  });

  it('imports a CSV file with mapped columns, following its progress to the error report', async () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'console-import-'));
    const file = path.join(folder, 'leads.csv');
    writeFileSync(file, 'Mail,Given,Org,Notes\r\neve@initech.com,Eve,Initech,met at a fair\r\nnot-an-email,Mallory,Evil Corp,\r\n');

    await page.getByRole('link', { name: 'Imports' }).click();
    await page.getByLabel('CSV file', { exact: true }).setInputFiles(file);
    await page.getByLabel('Field for column Given', { exact: true }).selectOption('firstName');
    await page.getByLabel('Field for column Org', { exact: true }).selectOption('companyName');
    await page.getByLabel('Field for column Notes', { exact: true }).selectOption('ignore');
    await page.getByRole('combobox', { name: /^Pipeline/ }).selectOption({ label: 'Enterprise' });
    await page.getByRole('button', { name: 'Import', exact: true }).click();

    await showing(page.getByTestId('import-status'), 'completed');
    await page.getByText('2 of 2 rows read: 1 created, 0 updated, 1 not imported.').waitFor();
    await page.getByRole('cell', { name: '3', exact: true }).waitFor();
    await page.getByRole('link', { name: 'Download the error report (CSV)' }).waitFor();
    await ui.screenshot('imports');

    await expectEventually(async () => {
      const [eve] = (await api('GET', `/v1/leads?pipelineId=${state.pipelineId}&q=eve`)).items;
      expect(eve).toMatchObject({ email: 'eve@initech.com', firstName: 'Eve', companyName: 'Initech', source: 'csv_import', customFields: {} });
    }, { description: 'Eve imported' });
  });
});
