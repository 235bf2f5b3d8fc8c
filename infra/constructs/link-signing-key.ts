import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';
import { acknowledgeWildcardResource } from './nag.ts';

/**
 * The AWS Parameters and Secrets Lambda Extension (arm64) per region, from the table in the Systems
 * Manager user guide ("AWS Parameters and Secrets Lambda Extension ARNs", last updated 2026-07-28).
 * The owner account and the version differ per region; a pinned version keeps deployments reproducible.
 */
export const PARAMETERS_EXTENSION_ARM64_LAYERS: Readonly<Record<string, string>> = {
  'sa-east-1': 'arn:aws:lambda:sa-east-1:933737806257:layer:AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:100',
  'us-east-1': 'arn:aws:lambda:us-east-1:177933569100:layer:AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:99',
  'us-east-2': 'arn:aws:lambda:us-east-2:590474943231:layer:AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:109',
  'us-west-2': 'arn:aws:lambda:us-west-2:345057560386:layer:AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:99',
  'eu-west-1': 'arn:aws:lambda:eu-west-1:015030872274:layer:AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:101',
  'eu-central-1':
    'arn:aws:lambda:eu-central-1:187925254637:layer:AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:101',
};

/** AWS publishes the newest arm64 layer of each region in this public parameter, resolved at deploy time. */
export const LATEST_PARAMETERS_EXTENSION_ARM64 =
  '{{resolve:ssm:/aws/service/aws-parameters-and-secrets-lambda-extension/arm64/latest}}';

/** The configured layer, else the pinned one of the region, else whatever AWS publishes as latest there. */
export function parametersExtensionLayerArn(region: string, configured?: string): string {
  return configured ?? PARAMETERS_EXTENSION_ARM64_LAYERS[region] ?? LATEST_PARAMETERS_EXTENSION_ARM64;
}

export interface LinkSigningKeyProps {
  /** Name of the SSM SecureString holding the key, e.g. /cbr-dev/report-link-key. */
  parameterName: string;
  /** Overrides the layer chosen by region. */
  layerArn?: string | undefined;
}

/**
 * The HMAC key that signs archive links: an SSM SecureString (created outside CloudFormation, which
 * cannot create SecureStrings) read through the Parameters and Secrets Lambda Extension on
 * localhost:2773. Functions that sign or verify links get the layer, the environment and a read grant.
 */
export class LinkSigningKey {
  readonly parameterName: string;
  readonly parameterArn: string;
  /** Pass as `paramsAndSecrets` of the function. */
  readonly extension: lambda.ParamsAndSecretsLayerVersion;
  private readonly stack: Stack;

  constructor(scope: IConstruct, props: LinkSigningKeyProps) {
    this.stack = Stack.of(scope);
    this.parameterName = props.parameterName;
    this.parameterArn = this.stack.formatArn({
      service: 'ssm',
      resource: 'parameter',
      resourceName: props.parameterName.replace(/^\//, ''),
    });
    this.extension = lambda.ParamsAndSecretsLayerVersion.fromVersionArn(
      parametersExtensionLayerArn(this.stack.region, props.layerArn),
      // A slow SSM call fails the request instead of hanging it until the function times out.
      { parameterStoreTimeout: Duration.seconds(5) },
    );
  }

  /** The variable the code reads the parameter name from (src/aws/ssm-extension-key.ts). */
  get environment(): Record<string, string> {
    return { LINK_KEY_PARAMETER: this.parameterName };
  }

  /**
   * ssm:GetParameter on this one parameter, and kms:Decrypt with the AWS managed key aws/ssm only when
   * SSM asks on the role's behalf. The managed key's id is not known before deployment, hence `key/*`
   * narrowed by the alias and the calling service (acknowledged on the role, for this resource only).
   */
  grantRead(role: iam.IRole & IConstruct): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['ssm:GetParameter'], resources: [this.parameterArn] }),
    );
    const keys = this.stack.formatArn({ service: 'kms', resource: 'key', resourceName: '*' });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [keys],
        conditions: {
          StringEquals: { 'kms:ViaService': `ssm.${this.stack.region}.amazonaws.com` },
          'ForAnyValue:StringEquals': { 'kms:ResourceAliases': 'alias/aws/ssm' },
        },
      }),
    );
    acknowledgeWildcardResource(
      role,
      keys,
      'kms:Decrypt of the link-signing key parameter: the AWS managed key aws/ssm has no id before deployment; only through SSM (kms:ViaService) and only the key aliased alias/aws/ssm (kms:ResourceAliases)',
    );
  }
}
