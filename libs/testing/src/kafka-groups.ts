import { allTopics, findTopic } from '@leads/contracts';
import { ensureTopics } from '@leads/messaging';
import { Kafka, logLevel } from 'kafkajs';
import { expectEventually } from './expect-eventually';

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
  const admin = new Kafka({ brokers: brokers.split(','), clientId: 'test-offsets', logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    // Registry topics get their partition counts; other names (dead-letter topics) the default.
    await ensureTopics(admin, allTopics, topics.filter((topic) => !findTopic(topic)));
    // Right after a topic is created the broker may not serve its offsets yet.
    const ends = await Promise.all(
      topics.map(async (topic) => {
        const offsets = await expectEventually(() => admin.fetchTopicOffsets(topic), { description: `the end offsets of ${topic}` });
        return { topic, partitions: offsets.map(({ partition, high }) => ({ partition, offset: high })) };
      }),
    );
    // setOffsets joins the group for a moment (seconds each): one group's topics one after the
    // other (a group being joined is not empty), the groups side by side.
    await Promise.all(
      groupIds.map(async (groupId) => {
        for (const { topic, partitions } of ends) await admin.setOffsets({ groupId, topic, partitions });
      }),
    );
  } finally {
    await admin.disconnect();
  }
}
