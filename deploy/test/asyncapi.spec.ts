import fs from 'node:fs';
import path from 'node:path';
import { Parser, fromFile } from '@asyncapi/parser';
import { allTopics, EventHeaders } from '@leads/contracts';
import { REPO, eventFlows, readText, readYaml, registeredServices } from './services';

const DOCUMENT = 'docs/asyncapi.yaml';
const PROTOBUF = 'application/vnd.google.protobuf;version=3';

let doc: any;
beforeAll(() => (doc = readYaml(DOCUMENT)));

/** Follows a local `$ref` (`#/components/messages/X`). */
const deref = (value: any): any => (value?.$ref ? deref(value.$ref.slice(2).split('/').reduce((node: any, key: string) => node?.[key], doc)) : value);
const channelOf = (address: string) => Object.values<any>(doc.channels).find((channel) => channel.address === address);
const messagesOf = (channel: any) => Object.values<any>(channel.messages ?? {}).map(deref);
/** Every Protobuf schema inlined anywhere in the document. */
function inlinedProtos(node: any = doc): string[] {
  if (typeof node !== 'object' || node === null) return [];
  const own = node.schemaFormat === PROTOBUF && typeof node.schema === 'string' ? [node.schema] : [];
  return [...own, ...Object.values(node).flatMap(inlinedProtos)];
}

/** `<client id> sends <topic>` or `<client id> receives <topic> as <consumer group>`, for every operation. */
function operations(): string[] {
  return Object.values<any>(doc.operations).map((operation) => {
    const { clientId, groupId } = operation.bindings?.kafka ?? {};
    const group = operation.action === 'receive' ? ` as ${groupId?.enum?.[0]}` : '';
    return `${clientId?.enum?.[0]} ${operation.action}s ${deref(operation.channel).address}${group}`;
  });
}

describe(DOCUMENT, () => {
  it('is a valid AsyncAPI 3.0 document', async () => {
    const { diagnostics, document } = await fromFile(new Parser(), path.join(REPO, DOCUMENT)).parse();
    // Severity 0 and 1 are errors and warnings (2 and 3 are hints, e.g. "3.1.0 is out").
    expect(diagnostics.filter(({ severity }) => severity <= 1).map(({ message, path: where }) => `${where.join('.')}: ${message}`)).toEqual([]);
    expect(document?.version()).toMatch(/^3\.0\./);
  });

  it('describes every topic of the registry: address, key, partitions, CloudEvents type and Protobuf payload', () => {
    for (const topic of allTopics) {
      const channel = channelOf(topic.name);
      expect({ topic: topic.name, partitions: channel?.bindings?.kafka?.partitions }).toEqual({ topic: topic.name, partitions: topic.partitions });
      const [message, ...others] = messagesOf(channel);
      expect({ topic: topic.name, messages: others.length + 1, name: message.name, contentType: message.contentType }).toEqual({ topic: topic.name, messages: 1, name: topic.schema.name, contentType: 'application/protobuf' });
      expect({ topic: topic.name, key: message.bindings?.kafka?.key?.description }).toEqual({ topic: topic.name, key: expect.stringContaining(`The ${topic.key}`) });
      const headers = message.headers.allOf.map(deref);
      const properties = Object.assign({}, ...headers.map((schema: any) => schema.properties));
      expect({ topic: topic.name, ce_type: properties.ce_type.const, ce_dataschema: properties.ce_dataschema.const }).toEqual({ topic: topic.name, ce_type: topic.eventType, ce_dataschema: topic.dataSchema });
      expect({ topic: topic.name, payload: message.payload }).toEqual({ topic: topic.name, payload: { schemaFormat: PROTOBUF, schema: readText(`proto/${topic.schema.file.name}.proto`) } });
    }
  });

  it('has the CloudEvents headers of the codec', () => {
    const { properties, required } = doc.components.schemas.CloudEventHeaders;
    expect(Object.keys(properties).sort()).toEqual(Object.values(EventHeaders).sort());
    expect(required).toEqual(expect.arrayContaining([EventHeaders.id, EventHeaders.type, EventHeaders.source, EventHeaders.specversion, EventHeaders.time, EventHeaders.contentType]));
  });

  it('inlines every .proto file of proto/leads/v1, as it is, so every message is described', () => {
    const inlined = inlinedProtos();
    const dir = path.join(REPO, 'proto/leads/v1');
    for (const file of fs.readdirSync(dir).filter((name) => name.endsWith('.proto'))) {
      expect({ file, inlined: inlined.includes(fs.readFileSync(path.join(dir, file), 'utf8')) }).toEqual({ file, inlined: true });
    }
  });

  it("says who publishes and who consumes each topic, as the services' code does, and each consumer group's dead-letter topic", () => {
    const expected = registeredServices().flatMap(({ name }) => {
      const { produces, consumes } = eventFlows(name);
      return [
        ...[...produces].map((topic) => `${name} sends ${topic}`),
        ...[...consumes].flatMap(([group, topics]) => [...[...topics].map((topic) => `${name} receives ${topic} as ${group}`), `${name} sends ${group}.dlq`]),
      ];
    });
    expect(operations().sort()).toEqual(expected.sort());
    const addresses = Object.values<any>(doc.channels).map((channel) => channel.address).sort();
    expect(addresses).toEqual([...allTopics.map(({ name }) => name), ...expected.filter((line) => line.endsWith('.dlq')).map((line) => line.split(' ').at(-1))].sort());
  });

  it('has the dlq_* headers that libs/messaging writes on dead letters', () => {
    const written = [...readText('libs/messaging/src/consumer/kafka-transport.strategy.ts').matchAll(/\b(dlq_[a-z_]+):/g)].map(([, name]) => name);
    expect(written.length).toBeGreaterThan(0);
    for (const channel of Object.values<any>(doc.channels).filter(({ address }) => address.endsWith('.dlq'))) {
      const [message] = messagesOf(channel);
      expect({ channel: channel.address, headers: Object.keys(deref(message.headers).properties).sort() }).toEqual({ channel: channel.address, headers: [...new Set(written)].sort() });
    }
  });
});
