import { allTopics, findTopic } from '@leads/contracts';
import { ensureTopics } from '@leads/messaging';
import { Kafka, logLevel } from 'kafkajs';
import { expectEventually } from './expect-eventually';

interface TopicEnd {
  topic: string;
  partitions: Array<{ partition: number; offset: string }>;
}

/** The parts of kafkajs's (internal) cluster a group offset commit without membership needs. */
interface KafkajsCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  findGroupCoordinator(request: { groupId: string }): Promise<{
    offsetCommit(request: { groupId: string; groupGenerationId: number; memberId: string; topics: TopicEnd[] }): Promise<unknown>;
  }>;
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
  const cluster = kafkajsCluster(kafka);
  await cluster.connect();
  try {
    await Promise.all(
      // A fresh broker answers "the coordinator is loading" for a moment: retried until it serves the group.
      groupIds.map((groupId) =>
        expectEventually(
          async () => {
            const coordinator = await cluster.findGroupCoordinator({ groupId });
            await coordinator.offsetCommit({ groupId, groupGenerationId: -1, memberId: '', topics: ends });
          },
          { description: `the offsets of group ${groupId} committed` },
        ),
      ),
    );
  } finally {
    await cluster.disconnect();
  }
}

/**
 * A group offset commit outside any membership (generation -1, no member id: what Kafka's own
 * tools do for an empty group) needs kafkajs's internal cluster: its public API only commits as a
 * member (admin.setOffsets joins the group a topic at a time, about 5 s each), and a member that
 * joins just to commit can outlive its disconnect and keep partitions assigned to itself.
 */
function kafkajsCluster(kafka: Kafka): KafkajsCluster {
  const key = Object.getOwnPropertySymbols(kafka).find((symbol) => symbol.description === 'private:Kafka:createCluster');
  if (!key) throw new Error('kafkajs changed: no private:Kafka:createCluster on the client (see startGroupsAtEnd)');
  const createCluster = (kafka as unknown as Record<symbol, (options: object) => KafkajsCluster>)[key];
  return createCluster({ allowAutoTopicCreation: false });
}
