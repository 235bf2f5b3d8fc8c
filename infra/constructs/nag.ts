import { Stack, Validations } from 'aws-cdk-lib';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import type { IConstruct } from 'constructs';

/** Acknowledges one cdk-nag finding on one construct; the reason is mandatory and should say why it is safe. */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/**
 * Acknowledges AwsSolutions-IAM5 for exactly one wildcard resource, spelled as cdk-nag spells it
 * (`<Logical.Arn>/*`, `<AWS::AccountId>`), so another wildcard on the same policy still fails.
 * The resource must not hold a cross-stack reference: those are rewritten only at synthesis.
 */
export function acknowledgeWildcardResource(scope: IConstruct, resource: string, reason: string): void {
  const flat = flattenCfnReference(Stack.of(scope).resolve(resource));
  acknowledge(scope, `AwsSolutions-IAM5[Resource::${flat}]`, reason);
}
