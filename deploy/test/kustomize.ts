// `kustomize build` for what deploy/k8s uses, so the manifests are checked on machines without
// kustomize or kubectl: resources (files and folders), components, strategic-merge patches (maps
// merge, lists of named items merge by name, other lists are replaced), labels, images, namespace
// and replacements. It throws on anything else, and on a referenced file that does not exist.
// Where kubectl is installed, kubernetes.spec.ts checks that `kubectl kustomize` agrees.
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: any;
}

const SUPPORTED = new Set(['apiVersion', 'kind', 'metadata', 'resources', 'components', 'patches', 'labels', 'images', 'namespace', 'replacements']);
const CLUSTER_SCOPED = new Set(['Namespace']);

const isMap = (value: unknown): value is Record<string, any> => typeof value === 'object' && value !== null && !Array.isArray(value);

export function loadObjects(file: string): K8sObject[] {
  if (!fs.existsSync(file)) throw new Error(`${file} does not exist`);
  return YAML.parseAllDocuments(fs.readFileSync(file, 'utf8'))
    .map((document) => {
      if (document.errors.length > 0) throw new Error(`${file}: ${document.errors[0].message}`);
      return document.toJS() as K8sObject | null;
    })
    .filter((object): object is K8sObject => object !== null);
}

function strategicMerge(base: any, patch: any): any {
  if (Array.isArray(base) && Array.isArray(patch)) {
    const named = (list: any[]) => list.every((item) => isMap(item) && typeof item.name === 'string');
    if (!named(base) || !named(patch)) return patch;
    const merged = [...base];
    for (const item of patch) {
      const index = merged.findIndex((candidate) => candidate.name === item.name);
      if (index >= 0) merged[index] = strategicMerge(merged[index], item);
      else merged.push(item);
    }
    return merged;
  }
  if (isMap(base) && isMap(patch)) {
    const merged = { ...base };
    for (const [key, value] of Object.entries(patch)) merged[key] = key in base ? strategicMerge(base[key], value) : value;
    return merged;
  }
  return patch;
}

/** The values at `fieldPath` (`a.b.*.c`: `*` is every item of a list), with a setter for each. */
function fieldRefs(object: any, fieldPath: string): { get: () => any; set: (value: any) => void }[] {
  const [head, ...rest] = fieldPath.split('.');
  const children = head === '*' ? (Array.isArray(object) ? object.map((_, index) => index) : []) : [head];
  return children.flatMap((key) => {
    if (object == null || !(key in object)) return [];
    if (rest.length === 0) return [{ get: () => object[key], set: (value: any) => (object[key] = value) }];
    return fieldRefs(object[key], rest.join('.'));
  });
}

function podSpecs(object: K8sObject): any[] {
  if (object.kind === 'Deployment' || object.kind === 'Job') return [object.spec?.template?.spec].filter(Boolean);
  return [];
}

export function containersOf(object: K8sObject): any[] {
  return podSpecs(object).flatMap((spec) => [...(spec.initContainers ?? []), ...(spec.containers ?? [])]);
}

function setImage(image: string, entries: { name: string; newName?: string; newTag?: string }[]): string {
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  const [name, tag] = colon > slash ? [image.slice(0, colon), image.slice(colon + 1)] : [image, undefined];
  const entry = entries.find((candidate) => candidate.name === name);
  if (!entry) return image;
  const newTag = entry.newTag ?? tag;
  return `${entry.newName ?? name}${newTag ? `:${newTag}` : ''}`;
}

/** The objects `kustomize build <dir>` would output. */
export function kustomize(dir: string): K8sObject[] {
  const file = path.join(dir, 'kustomization.yaml');
  const [kustomization] = loadObjects(file) as any[];
  const unsupported = Object.keys(kustomization).filter((key) => !SUPPORTED.has(key));
  if (unsupported.length > 0) throw new Error(`${file}: ${unsupported.join(', ')} not supported by this check`);

  const load = (entry: string) => {
    const target = path.join(dir, entry);
    return fs.statSync(target, { throwIfNoEntry: false })?.isDirectory() ? kustomize(target) : loadObjects(target);
  };
  let objects: K8sObject[] = (kustomization.resources ?? []).flatMap(load);
  for (const component of kustomization.components ?? []) objects.push(...load(component));

  for (const { path: patchFile, ...rest } of kustomization.patches ?? []) {
    if (!patchFile || Object.keys(rest).length > 0) throw new Error(`${file}: only patches with a path (strategic merge) are supported`);
    for (const patch of loadObjects(path.join(dir, patchFile))) {
      const index = objects.findIndex((object) => object.kind === patch.kind && object.metadata.name === patch.metadata.name);
      if (index < 0) throw new Error(`${patchFile}: no ${patch.kind} ${patch.metadata.name} to patch`);
      objects[index] = strategicMerge(objects[index], patch);
    }
  }
  objects = structuredClone(objects);
  for (const { pairs, includeSelectors, includeTemplates } of kustomization.labels ?? []) {
    if (includeSelectors || includeTemplates) throw new Error(`${file}: labels on selectors or templates are not supported`);
    for (const object of objects) object.metadata.labels = { ...object.metadata.labels, ...pairs };
  }
  for (const object of objects) for (const container of containersOf(object)) container.image = setImage(container.image, kustomization.images ?? []);
  if (kustomization.namespace) {
    for (const object of objects) if (!CLUSTER_SCOPED.has(object.kind)) object.metadata.namespace = kustomization.namespace;
  }
  for (const { source, targets } of kustomization.replacements ?? []) {
    const from = objects.find((object) => object.kind === source.kind && object.metadata.name === source.name);
    const [value] = from ? fieldRefs(from, source.fieldPath) : [];
    if (!value) throw new Error(`${file}: replacement source ${source.kind} ${source.name} ${source.fieldPath} not found`);
    for (const { select, fieldPaths } of targets) {
      for (const object of objects.filter((candidate) => candidate.kind === select.kind && (!select.name || candidate.metadata.name === select.name))) {
        for (const fieldPath of fieldPaths) for (const ref of fieldRefs(object, fieldPath)) ref.set(value.get());
      }
    }
  }
  return objects;
}
