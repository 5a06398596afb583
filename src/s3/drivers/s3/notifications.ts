import { randomBytes } from 'node:crypto';
import { GetBucketNotificationConfigurationCommand, PutBucketNotificationConfigurationCommand, type S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, DeleteTopicCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { ObjectStore } from '../../../model/object-store.js';
import { mapS3Error } from '../../map-error.js';

/** The Id of the gateway's entry in a bucket's notification configuration. */
const NOTIFICATION_ID = 's3gate';

/** RGW's topics (SNS-compatible API at the tenant's endpoint), for a bucket's native notifications. */
export function topicNotifications(
  client: () => S3Client,
  sns: () => SNSClient,
  deleteBucketNotification: (bucket: string, signal?: AbortSignal) => Promise<void>,
): NonNullable<ObjectStore['notifications']> {
  return {
    enable: async (ctx, bucket, url, persistent, currentTopic) => {
      const topics = sns();
      try {
        // A random name: topics share one namespace among the users of an RGW tenant, so a name
        // derived from the bucket could be guessed, and taken or overwritten, by another user. A
        // bucket wired again keeps its topic (CreateTopic updates it): RGW 16 fails every write to
        // the bucket with EINVAL for a while if the topic its configuration used is deleted.
        const name = currentTopic?.split(':').pop() || `s3gate-${randomBytes(12).toString('hex')}`;
        const topic = await topics.send(new CreateTopicCommand({ Name: name, Attributes: { 'push-endpoint': url, persistent: String(persistent) } }), { abortSignal: ctx.signal });
        const current = await client().send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }), { abortSignal: ctx.signal });
        const others = (current.TopicConfigurations ?? []).filter((c) => c.Id !== NOTIFICATION_ID);
        // RGW refuses a configuration without an Id (400 MalformedXML).
        await client().send(
          new PutBucketNotificationConfigurationCommand({
            Bucket: bucket,
            NotificationConfiguration: { TopicConfigurations: [...others, { Id: NOTIFICATION_ID, TopicArn: topic.TopicArn, Events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'] }] },
          }),
          { abortSignal: ctx.signal },
        );
        return { topicArn: topic.TopicArn ?? '' };
      } catch (err) {
        throw mapS3Error(err, { bucket });
      }
    },
    disable: async (ctx, bucket, topicArn) => {
      const topics = sns();
      try {
        const current = await client().send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }), { abortSignal: ctx.signal });
        const others = (current.TopicConfigurations ?? []).filter((c) => c.Id !== NOTIFICATION_ID);
        // An empty configuration gets 400 from RGW; its DELETE ?notification removes it instead.
        if (others.length === 0) await deleteBucketNotification(bucket, ctx.signal);
        else await client().send(new PutBucketNotificationConfigurationCommand({ Bucket: bucket, NotificationConfiguration: { TopicConfigurations: others } }), { abortSignal: ctx.signal });
        await topics.send(new DeleteTopicCommand({ TopicArn: topicArn }), { abortSignal: ctx.signal }).catch(() => {});
      } catch (err) {
        throw mapS3Error(err, { bucket });
      }
    },
  };
}
