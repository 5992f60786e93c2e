import { api } from '../api/client';
import type { Pipeline } from '../api/types';
import { useQuery } from '../shared/use-query';

/** The workspace's pipelines (the default one first), and the one a page is about: `wanted`, else the default. */
export function usePipelines(wanted?: string | null) {
  // A new workspace's default pipeline appears once the pipeline service has seen workspace.created.
  const query = useQuery('pipelines', api.pipelines.list, { pollMs: 1000, done: (data) => data.items.length > 0 });
  const pipelines: Pipeline[] = query.data?.items ?? [];
  const selected = pipelines.find((pipeline) => pipeline.id === wanted) ?? pipelines.find((pipeline) => pipeline.isDefault) ?? pipelines[0];
  return { ...query, pipelines, selected };
}
