import { allTopics, findTopic } from '@leads/contracts';
import { ensureTopics } from '@leads/messaging';
import { Kafka, logLevel } from 'kafkajs';
import { expectEventually } from './expect-eventually';

interface TopicEnd {
  topic: string;
  partitions: Array<{ partition: number; offset: string }>;
}

/**
 * Commits, for consumer groups without members, the current end of each topic (created when
 * missing), so that a service started by a test reads only what is published from now on,
 * not the backlog other test files left on the shared broker.
 */
export async function startGroupsAtEnd(
  brokers: string,
  groupIds: readonly string[],
  topics: readonly string[] = allTopics.map((topic) => topic.name),
): Promise<void> {
  const kafka = new Kafka({ brokers: brokers.split(','), clientId: 'test-offsets', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  let ends: TopicEnd[];
  try {
    // Registry topics get their partition counts; other names (dead-letter topics) the default.
    await ensureTopics(admin, allTopics, topics.filter((topic) => !findTopic(topic)));
    // Right after a topic is created the broker may not serve its offsets yet.
    ends = await Promise.all(
      topics.map(async (topic) => {
        const offsets = await expectEventually(() => admin.fetchTopicOffsets(topic), { description: `the end offsets of ${topic}` });
        return { topic, partitions: offsets.map(({ partition, high }) => ({ partition, offset: high })) };
      }),
    );
  } finally {
    await admin.disconnect();
  }
  await Promise.all(groupIds.map((groupId) => commitEnds(kafka, groupId, ends)));
}

/**
 * Joins the group once for every topic (its only member, so it is assigned every partition),
 * commits the ends, and leaves. kafkajs's admin.setOffsets does the same a topic at a time, each
 * waiting out a fetch (about 5 s a topic).
 */
async function commitEnds(kafka: Kafka, groupId: string, ends: readonly TopicEnd[]): Promise<void> {
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: ends.map(({ topic }) => topic) });
    // Nothing is read: no offset is resolved or committed but the ends below.
    await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: async () => undefined });
    await joined;
    await consumer.commitOffsets(ends.flatMap(({ topic, partitions }) => partitions.map(({ partition, offset }) => ({ topic, partition, offset }))));
  } finally {
    await consumer.disconnect();
  }
}
