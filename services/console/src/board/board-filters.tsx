import { useEffect, useState } from 'react';
import { PROCESSING_STATUSES, QUALIFICATIONS, SOURCES, type LeadFilters, type Pipeline } from '../api/types';
import { processingLabel } from '../shared/badges';
import { SOURCE_LABELS } from '../shared/format';

export interface BoardFiltersProps {
  pipelines: Pipeline[];
  pipelineId: string | undefined;
  filters: LeadFilters;
  onPipeline(pipelineId: string): void;
  onFilters(changes: Partial<Record<keyof LeadFilters, string | undefined>>): void;
}

/** The pipeline switcher and the filters, kept in the URL so a filtered board can be shared and reloaded. */
export function BoardFilters({ pipelines, pipelineId, filters, onPipeline, onFilters }: BoardFiltersProps) {
  const [search, setSearch] = useState(filters.q ?? '');
  useEffect(() => {
    if ((filters.q ?? '') === search.trim()) return;
    const timer = window.setTimeout(() => onFilters({ q: search.trim() || undefined }), 300);
    return () => window.clearTimeout(timer);
  }, [search, filters.q, onFilters]);

  return (
    <div className="toolbar" role="search" aria-label="Board filters">
      <label>
        Pipeline
        <select value={pipelineId ?? ''} onChange={(event) => onPipeline(event.target.value)}>
          {pipelines.map((pipeline) => (
            <option key={pipeline.id} value={pipeline.id}>
              {pipeline.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Qualification
        <select value={filters.qualification ?? ''} onChange={(event) => onFilters({ qualification: event.target.value || undefined })}>
          <option value="">Any</option>
          {QUALIFICATIONS.map((value) => (
            <option key={value} value={value}>
              {value}
            </option>
          ))}
        </select>
      </label>
      <label>
        Source
        <select value={filters.source ?? ''} onChange={(event) => onFilters({ source: event.target.value || undefined })}>
          <option value="">Any</option>
          {SOURCES.map((value) => (
            <option key={value} value={value}>
              {SOURCE_LABELS[value]}
            </option>
          ))}
        </select>
      </label>
      <label>
        Status
        <select value={filters.processingStatus ?? ''} onChange={(event) => onFilters({ processingStatus: event.target.value || undefined })}>
          <option value="">Any</option>
          {PROCESSING_STATUSES.map((value) => (
            <option key={value} value={value}>
              {processingLabel({ processingStatus: value })}
            </option>
          ))}
        </select>
      </label>
      <label className="grow">
        Search
        <input type="search" placeholder="Name, email or company" value={search} onChange={(event) => setSearch(event.target.value)} />
      </label>
    </div>
  );
}
