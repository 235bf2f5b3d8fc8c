import { ArnFormat, Duration, RemovalPolicy, Stack, TimeZone } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Subscription } from '../../src/core/subscription.ts';
import { cronFields } from '../subscriptions.ts';
import { acknowledge, acknowledgeWildcardResource } from './nag.ts';

export interface ReportSchedulesProps {
  function: lambda.IFunction;
  subscriptions: readonly Subscription[];
  /** Names the schedule group and prefixes each schedule name. */
  namePrefix: string;
  /** Scheduler retries a failed invocation this many times... */
  retryAttempts?: number;
  /** ...for at most this long, then sends the event to the dead-letter queue. */
  maxEventAge?: Duration;
}

/** The event every schedule sends; `scheduledAt` is filled in by Scheduler at each run. */
export interface ScheduledReportEvent {
  subscriptionId: string;
  scheduledAt: string;
}

/** One EventBridge Scheduler schedule per subscription, in the subscription's time zone, with retries and a DLQ. */
export class ReportSchedules extends Construct {
  readonly group: scheduler.ScheduleGroup;
  readonly deadLetterQueue: sqs.Queue;
  /** The role every schedule of the group assumes to invoke the function and to write to the DLQ. */
  readonly role: iam.Role;
  readonly schedules: Record<string, scheduler.Schedule> = {};

  constructor(scope: Construct, id: string, props: ReportSchedulesProps) {
    super(scope, id);
    this.group = new scheduler.ScheduleGroup(this, 'Group', {
      scheduleGroupName: `${props.namePrefix}-reports`,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(
      this.deadLetterQueue,
      'AwsSolutions-SQS3',
      "This queue is itself the dead-letter queue: of the schedules, and of the notifier's and the API's async invocations",
    );
    const stack = Stack.of(this);
    this.role = new iam.Role(this, 'Role', {
      description: 'EventBridge Scheduler: invoke the report function for the report schedules',
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: {
            'aws:SourceArn': stack.formatArn({
              service: 'scheduler',
              resource: 'schedule',
              resourceName: `${this.group.scheduleGroupName}/*`,
              arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
            }),
          },
        },
      }),
    });
    acknowledgeWildcardResource(
      this.role,
      `${props.function.functionArn}:*`,
      "The LambdaInvoke target also allows the function's qualified ARNs (versions, aliases) of this one function",
    );
    for (const subscription of props.subscriptions) {
      const input: ScheduledReportEvent = {
        subscriptionId: subscription.id,
        scheduledAt: scheduler.ContextAttribute.scheduledTime,
      };
      this.schedules[subscription.id] = new scheduler.Schedule(this, `Schedule-${subscription.id}`, {
        scheduleName: `${props.namePrefix}-${subscription.id}`,
        scheduleGroup: this.group,
        description: `${subscription.cadence} report for tenant ${subscription.tenantId} at ${subscription.sendAt} ${subscription.timezone}`,
        schedule: scheduler.ScheduleExpression.cron({
          ...cronFields(subscription),
          timeZone: TimeZone.of(subscription.timezone),
        }),
        target: new targets.LambdaInvoke(props.function, {
          input: scheduler.ScheduleTargetInput.fromObject(input),
          retryAttempts: props.retryAttempts ?? 3,
          maxEventAge: props.maxEventAge ?? Duration.hours(1),
          deadLetterQueue: this.deadLetterQueue,
          role: this.role,
        }),
      });
    }
  }
}
