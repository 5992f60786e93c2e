import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { LeadChannel } from '@leads/contracts';
import { defineCounter } from '@leads/observability';
import { ProblemException, SERVICE_CONFIG, invalidRequest, notFound, zodFieldErrors } from '@leads/service';
import type { IngestConfig } from '../ingest.config';
import { recogniseFields, type CustomValue, type UtmField } from '../intake/field-recognition';
import { IntakeService } from '../intake/intake.service';
import { submittedFieldsSchema } from '../intake/submission.schema';
import { assertFieldsObject } from '../intake/nesting';
import { judgeSubmission, splitControls } from './bot-check';
import { FormsUseCase, type CaptureForm } from './forms.usecase';
import { webUrlOrUndefined } from './forms.schemas';
import { RateLimiter, clientKey, type RateDecision } from './rate-limiter';

/** What the browser told us besides the body. */
export interface CaptureRequest {
  ip: string;
  userAgent?: string;
  referer?: string;
}

const UTM_FIELDS: readonly UtmField[] = ['source', 'medium', 'campaign', 'term', 'content'];
const MAX_USER_AGENT = 1000;

const rejections = defineCounter({
  name: 'intake_form_rejections_total',
  help: 'Web form posts refused or silently dropped, by reason (origin, rate-limited, honeypot, too-fast, malformed-timing).',
  labelNames: ['reason'],
});

/**
 * `POST /v1/forms/:formKey`, public: the form key names the form (and so the workspace), the
 * browser's Origin must be on the form's allow-list, each client IP gets a budget per form,
 * and bots (honeypot, too fast) get the normal reply while nothing is stored.
 */
@Injectable()
export class FormCaptureUseCase {
  private readonly limiter: RateLimiter;
  private readonly minFillMs: number;

  constructor(
    private readonly forms: FormsUseCase,
    private readonly intake: IntakeService,
    @Inject(SERVICE_CONFIG) config: IngestConfig,
  ) {
    this.limiter = new RateLimiter(config.FORM_RATE_LIMIT_PER_MINUTE, 60_000);
    this.minFillMs = config.FORM_MIN_FILL_MS;
  }

  /**
   * The form, when the request's origin may post it. Browsers send `Origin` on every POST and
   * preflight; without it, the origin of `Referer` is taken; with neither, the post is refused.
   */
  async resolve(formKey: string, originHeader: string | undefined, referer: string | undefined): Promise<{ form: CaptureForm; origin: string }> {
    const form = await this.forms.findByKey(formKey);
    if (!form) throw notFound('Form');
    const origin = originHeader ?? originOf(referer);
    if (!origin || !form.allowedOrigins.includes(origin)) {
      rejections.inc({ reason: 'origin' });
      throw new ProblemException(
        HttpStatus.FORBIDDEN,
        'origin-not-allowed',
        origin ? `This form does not accept posts from ${origin}: add it to the form's allowedOrigins.` : 'This form accepts posts from its allowed origins only, and the request names none.',
      );
    }
    return { form, origin };
  }

  /** Counts one post of this client to this form. */
  take(form: CaptureForm, ip: string): RateDecision {
    const decision = this.limiter.take(`${form.id}|${clientKey(ip)}`);
    if (!decision.allowed) rejections.inc({ reason: 'rate-limited' });
    return decision;
  }

  /** Stores the submission, unless it comes from a bot; the caller replies the same either way. */
  async capture(form: CaptureForm, body: unknown, request: CaptureRequest): Promise<void> {
    assertFieldsObject(body, 'form-encoded or a JSON object');
    const { fields, controls } = splitControls(body as Record<string, CustomValue>);
    const verdict = judgeSubmission(controls, Date.now(), this.minFillMs);
    if (verdict.bot) {
      rejections.inc({ reason: verdict.reason });
      return;
    }
    // An input left empty says nothing: it must not blank a value the lead gave before.
    const given = Object.fromEntries(Object.entries(fields).filter(([, value]) => !(typeof value === 'string' && value.trim() === '')));
    const parsed = submittedFieldsSchema.safeParse(given);
    if (!parsed.success) throw invalidRequest(zodFieldErrors(parsed.error));

    const referrer = webUrlOrUndefined(request.referer);
    const pageUrl = webUrlOrUndefined(controls.page) ?? referrer;
    const bodyUtm = recogniseFields(parsed.data).utm;
    await this.intake.submit(
      { workspaceId: form.workspaceId, actor: { kind: 'system', id: form.id } },
      {
        fields: parsed.data,
        channel: LeadChannel.FORM,
        sourceId: form.id,
        sourceName: form.name,
        // utm_* fields of the post win; the page URL's parameters fill the gaps.
        utm: Object.fromEntries(Object.entries(utmOf(pageUrl)).filter(([field]) => !bodyUtm[field as UtmField])),
        ipAddress: request.ip,
        userAgent: request.userAgent?.slice(0, MAX_USER_AGENT),
        referrer,
        pageUrl,
      },
    );
  }
}

function originOf(url: string | undefined): string | undefined {
  const parsed = webUrlOrUndefined(url);
  return parsed && new URL(parsed).origin;
}

function utmOf(url: string | undefined): Partial<Record<UtmField, string>> {
  if (!url) return {};
  const params = new URL(url).searchParams;
  const utm: Partial<Record<UtmField, string>> = {};
  for (const field of UTM_FIELDS) {
    const value = params.get(`utm_${field}`)?.trim();
    if (value) utm[field] = value.slice(0, 200);
  }
  return utm;
}
