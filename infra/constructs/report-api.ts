import { CfnOutput, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as authorizers from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import * as integrations from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledge } from './nag.ts';
import type { ReportUsers } from './report-users.ts';

export interface ReportApiProps {
  /** Name of the HTTP API. */
  name: string;
  /** The API Lambda (src/api/lambda.ts): one function behind every route. */
  function: lambda.IFunction;
  users: ReportUsers;
  /** Browser origins allowed by CORS; none means no CORS configuration at all. */
  corsOrigins: readonly string[];
  /** Requests per second (steady) and burst, for every route of the stage. */
  throttle?: { rateLimit: number; burstLimit: number };
  logRetention?: logs.RetentionDays;
}

/** Routes behind the Cognito JWT authorizer. */
export const AUTHORIZED_ROUTES = [
  { method: apigwv2.HttpMethod.POST, path: '/reports' },
  { method: apigwv2.HttpMethod.GET, path: '/reports' },
  { method: apigwv2.HttpMethod.GET, path: '/reports/{id}' },
  { method: apigwv2.HttpMethod.POST, path: '/subscriptions/{id}/test' },
] as const;

/** Archive links from emails: the signed token in the path is the credential, so no authorizer. */
export const LINK_ROUTE = { method: apigwv2.HttpMethod.GET, path: '/r/{token}' } as const;

/**
 * One access-log line per request, as JSON. It names the route template, never the raw path: the
 * path of `/r/{token}` is a credential.
 */
const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  ip: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  routeKey: '$context.routeKey',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationStatus: '$context.integrationStatus',
  integrationLatency: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
  authorizerError: '$context.authorizer.error',
  sub: '$context.authorizer.claims.sub',
});

/**
 * The report API: an HTTP API (payload format 2.0) in front of the API Lambda, with a Cognito user
 * pool JWT authorizer that accepts the panel client's ID tokens, CORS for the configured origins,
 * JSON access logs and stage-wide throttling.
 */
export class ReportApi extends Construct {
  readonly api: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;
  readonly authorizer: authorizers.HttpUserPoolAuthorizer;
  readonly accessLogs: logs.LogGroup;
  /** The execute-api URL of the `$default` stage, without a trailing slash. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: ReportApiProps) {
    super(scope, id);
    this.authorizer = new authorizers.HttpUserPoolAuthorizer('CognitoAuthorizer', props.users.userPool, {
      userPoolClients: [props.users.client],
      userPoolRegion: props.users.region,
      identitySource: ['$request.header.Authorization'],
    });
    const cors = props.corsOrigins.length
      ? {
          allowOrigins: [...props.corsOrigins],
          allowMethods: [apigwv2.CorsHttpMethod.GET, apigwv2.CorsHttpMethod.POST, apigwv2.CorsHttpMethod.OPTIONS],
          allowHeaders: ['authorization', 'content-type'],
          maxAge: Duration.hours(1),
        }
      : undefined;
    this.api = new apigwv2.HttpApi(this, 'HttpApi', {
      apiName: props.name,
      description: 'Contact Behavior reports: on-demand reports, archive, test digests, signed archive links',
      createDefaultStage: false,
      defaultAuthorizer: this.authorizer,
      corsPreflight: cors,
    });
    this.url = this.api.apiEndpoint;

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const throttle = props.throttle ?? { rateLimit: 20, burstLimit: 40 };
    this.stage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle,
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.accessLogs),
        format: apigateway.AccessLogFormat.custom(ACCESS_LOG_FORMAT),
      },
    });

    const integration = new integrations.HttpLambdaIntegration('ApiFunction', props.function);
    for (const route of AUTHORIZED_ROUTES) {
      this.api.addRoutes({ path: route.path, methods: [route.method], integration });
    }
    const [linkRoute] = this.api.addRoutes({
      path: LINK_ROUTE.path,
      methods: [LINK_ROUTE.method],
      integration,
      authorizer: new apigwv2.HttpNoneAuthorizer(),
    });
    acknowledge(
      linkRoute!,
      'AwsSolutions-APIG4',
      'Archive links are opened from emails by a browser without a session: the HMAC-signed, expiring token in the path is the credential, verified by the function before it redirects to a short-lived S3 URL of that one object',
    );

    new CfnOutput(this, 'ApiUrl', { description: 'Base URL of the report API', value: this.url });
  }
}
