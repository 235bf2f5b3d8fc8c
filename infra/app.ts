import { pathToFileURL } from 'node:url';
import { App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ComputeStack } from './compute-stack.ts';
import { loadConfig } from './config.ts';
import { StatefulStack } from './stateful-stack.ts';
import type { Subscription } from '../src/core/subscription.ts';
import { SUBSCRIPTIONS } from './subscriptions.ts';

export interface BuildAppOptions {
  /** Context for a test app; `cdk synth` passes cdk.json and -c values through the environment instead. */
  context?: Record<string, unknown>;
  subscriptions?: readonly Subscription[];
  /** Entry of the scheduled Lambda, relative to the project root. */
  entry?: string;
  /** Cloud assembly directory (tests); `cdk synth` sets its own. */
  outdir?: string;
}

/** config → StatefulStack → ComputeStack, checked by cdk-nag's AWS Solutions rules. */
export function buildApp(options: BuildAppOptions = {}) {
  const app = new App({ context: options.context, outdir: options.outdir });
  const config = loadConfig((key) => app.node.tryGetContext(key));
  const env = { account: config.account, region: config.region };

  const stateful = new StatefulStack(app, 'Stateful', {
    stackName: `${config.namePrefix}-stateful`,
    description:
      'Contact Behavior reports: lake, reports and Athena results buckets, Glue catalog, Athena workgroup, API user pool',
    env,
    terminationProtection: config.envName === 'prod',
    config,
  });
  const compute = new ComputeStack(app, 'Compute', {
    stackName: `${config.namePrefix}-compute`,
    description: 'Contact Behavior reports: report, failure notifier and API Lambdas, schedules, HTTP API, alarms',
    env,
    config,
    data: stateful,
    subscriptions: options.subscriptions ?? SUBSCRIPTIONS,
    entry: options.entry,
  });
  compute.addStackDependency(stateful);
  for (const stack of [stateful, compute]) {
    Tags.of(stack).add('project', 'contact-behavior-reports');
    Tags.of(stack).add('environment', config.envName);
  }

  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, config, stateful, compute };
}

// Run by `cdk synth` (cdk.json: npx tsx infra/app.ts); imported by tests without synthesizing.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  buildApp().app.synth();
}
