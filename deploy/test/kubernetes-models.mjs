// Validates Kubernetes objects against the API's schemas (kubernetes-models, and KEDA's models for
// keda.sh): reads a JSON array of objects on stdin, prints a JSON array of "<kind>/<name>: <error>".
// A child process because these packages are ES modules only, which Jest's CommonJS tests cannot import.
const MODELS = { 'keda.sh': '@kubernetes-models/keda/keda.sh' };

let input = '';
for await (const chunk of process.stdin) input += chunk;
const problems = [];
for (const object of JSON.parse(input)) {
  const [group, version] = object.apiVersion.includes('/') ? object.apiVersion.split('/') : [undefined, object.apiVersion];
  const where = `${object.kind}/${object.metadata?.name}`;
  const module = await import(group ? `${MODELS[group] ?? `kubernetes-models/${group}`}/${version}` : `kubernetes-models/${version}`).catch(() => undefined);
  const Model = module?.[object.kind];
  if (!Model) {
    problems.push(`${where}: no schema for ${object.apiVersion} ${object.kind}`);
    continue;
  }
  try {
    new Model(object).validate();
  } catch (error) {
    problems.push(`${where}: ${error.message}`);
  }
}
process.stdout.write(JSON.stringify(problems));
