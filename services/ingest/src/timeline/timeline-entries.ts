/** What each owner answers about a lead (the internal APIs' shapes, only the fields used here). */
export interface Submission {
  id: string;
  channel: string;
  sourceId: string | null;
  fields: Record<string, unknown>;
  utm: Record<string, string>;
  referrer: string | null;
  createdAt: string;
}

export interface Enrichment {
  status: 'enriched' | 'failed';
  emailClass: string | null;
  mxStatus: string | null;
  geolocation: { countryCode: string; region: string; city: string } | null;
  company: { name: string; domain: string } | null;
  failure: { reason: string; errorCode: string } | null;
  attempts: number;
  durationMs: number;
  runs: number;
  enrichedAt: string;
}

export interface Analysis {
  id: string;
  trigger: 'enriched' | 'requested';
  requestedBy: { kind: string; id: string } | null;
  status: 'queued' | 'running' | 'scored' | 'failed' | 'superseded';
  score: number | null;
  qualification: string | null;
  reason: string | null;
  model: string | null;
  errorCode: string | null;
  createdAt: string;
  finishedAt: string | null;
  attempts: Array<{
    number: number;
    model: string;
    startedAt: string;
    latencyMs: number;
    totalTokens: number | null;
    outcome: string;
    httpStatus: number | null;
    error: string | null;
    traceId: string | null;
  }>;
}

export interface StageMove {
  id: string;
  fromPipelineId: string | null;
  fromStageName: string | null;
  toPipelineId: string;
  toStageName: string;
  actor: { kind: string; id: string };
  channel: string;
  movedAt: string;
}

export interface SequenceActivity {
  enrollments: Array<{
    id: string;
    sequenceId: string;
    sequenceName: string | null;
    status: string;
    stopReason: string | null;
    enrolledAt: string;
    finishedAt: string | null;
  }>;
  sends: Array<{
    id: string;
    sequenceId: string;
    sequenceName: string | null;
    step: number;
    subject: string;
    status: string;
    error: string | null;
    createdAt: string;
    sentAt: string | null;
  }>;
}

export interface TimelineSources {
  submissions: Submission[];
  enrichment: Enrichment | null;
  analyses: Analysis[];
  moves: StageMove[];
  sequences: SequenceActivity | null;
}

/** One thing that happened to a lead; `type` says which, the other fields what exactly. */
export type TimelineEntry = { at: string; type: string; id: string } & Record<string, unknown>;

const ANALYSIS_ENDS = new Set(['scored', 'failed']);

/** Every source's facts as one list, oldest first (ties keep the order a lead lives them in). */
export function mergeTimeline(sources: TimelineSources): TimelineEntry[] {
  const entries: TimelineEntry[] = [];
  for (const submission of sources.submissions) {
    entries.push({
      at: submission.createdAt,
      type: 'submitted',
      id: `submission:${submission.id}`,
      channel: submission.channel,
      sourceId: submission.sourceId,
      fields: submission.fields,
      utm: submission.utm,
      referrer: submission.referrer,
    });
  }
  const enrichment = sources.enrichment;
  if (enrichment) {
    entries.push({
      at: enrichment.enrichedAt,
      type: enrichment.status === 'enriched' ? 'enriched' : 'enrichment-failed',
      id: `enrichment:${enrichment.enrichedAt}`,
      emailClass: enrichment.emailClass,
      mxStatus: enrichment.mxStatus,
      location: enrichment.geolocation && { countryCode: enrichment.geolocation.countryCode, region: enrichment.geolocation.region, city: enrichment.geolocation.city },
      company: enrichment.company?.name ?? null,
      reason: enrichment.failure?.reason ?? null,
      attempts: enrichment.attempts,
      durationMs: enrichment.durationMs,
      runs: enrichment.runs,
    });
  }
  for (const analysis of sources.analyses) {
    if (analysis.trigger === 'requested') {
      entries.push({ at: analysis.createdAt, type: 'analysis-requested', id: `analysis:${analysis.id}`, analysisId: analysis.id, requestedBy: analysis.requestedBy });
    }
    for (const attempt of analysis.attempts) {
      entries.push({ at: attempt.startedAt, type: 'analysis-attempt', id: `analysis:${analysis.id}:${attempt.number}`, analysisId: analysis.id, ...attempt });
    }
    if (ANALYSIS_ENDS.has(analysis.status) && analysis.finishedAt) {
      entries.push({
        at: analysis.finishedAt,
        type: analysis.status === 'scored' ? 'scored' : 'analysis-failed',
        id: `analysis:${analysis.id}:result`,
        analysisId: analysis.id,
        score: analysis.score,
        qualification: analysis.qualification,
        reason: analysis.reason,
        model: analysis.model,
        errorCode: analysis.errorCode,
        attempts: analysis.attempts.length,
      });
    }
  }
  for (const move of sources.moves) {
    entries.push({
      at: move.movedAt,
      type: move.fromStageName === null ? 'placed' : 'stage-moved',
      id: `move:${move.id}`,
      fromPipelineId: move.fromPipelineId,
      fromStageName: move.fromStageName,
      toPipelineId: move.toPipelineId,
      toStageName: move.toStageName,
      channel: move.channel,
      actor: move.actor,
    });
  }
  for (const enrollment of sources.sequences?.enrollments ?? []) {
    const sequence = { sequenceId: enrollment.sequenceId, sequenceName: enrollment.sequenceName };
    entries.push({ at: enrollment.enrolledAt, type: 'enrolled', id: `enrollment:${enrollment.id}`, ...sequence });
    if (enrollment.finishedAt) {
      entries.push({
        at: enrollment.finishedAt,
        type: enrollment.status === 'completed' ? 'sequence-completed' : 'sequence-stopped',
        id: `enrollment:${enrollment.id}:end`,
        ...sequence,
        stopReason: enrollment.stopReason,
      });
    }
  }
  for (const send of sources.sequences?.sends ?? []) {
    entries.push({
      at: send.sentAt ?? send.createdAt,
      type: 'email',
      id: `send:${send.id}`,
      sequenceId: send.sequenceId,
      sequenceName: send.sequenceName,
      step: send.step,
      subject: send.subject,
      status: send.status,
      error: send.error,
    });
  }
  // A stable sort: entries of the same instant keep the order above (submitted, enriched, analysed, moved, emailed).
  return entries.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}
