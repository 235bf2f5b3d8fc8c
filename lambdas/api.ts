import deployed from '../subscriptions.json' with { type: 'json' };
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { z } from 'zod';
import { VerifiedClaimsAuthenticator } from '../src/api/auth.ts';
import { createApi, REDIRECT_SECONDS, type ApiDeps } from '../src/api/handlers.ts';
import { errorResponse, NotFoundError, type ApiRequest, type ApiResponse } from '../src/api/http.ts';
import { generateOnDemand, readJob, type ReportJob } from '../src/api/report-jobs.ts';
import { ReportLinks } from '../src/api/report-links.ts';
import { awsAdapters } from '../src/aws/aws-adapters.ts';
import { readApiEnv, type ApiEnv } from '../src/aws/lambda-env.ts';
import { ssmExtensionKey } from '../src/aws/ssm-extension-key.ts';
import { REPORT_ID } from '../src/core/archive-layout.ts';
import { InputError } from '../src/core/errors.ts';
import { validateTenantId } from '../src/core/report-request.ts';
import { parseSubscriptions } from '../src/core/subscription.ts';
import type { KeyProvider } from '../src/core/signing-key.port.ts';

/** The deployed subscriptions (subscriptions.json, bundled): events carry only a subscription's id. */
const SUBSCRIPTIONS = parseSubscriptions(deployed);

/** The parts of an API Gateway HTTP API (payload format 2.0) event the API reads. */
export interface HttpApiEvent {
  version: string;
  rawPath: string;
  rawQueryString?: string;
  headers?: Record<string, string | undefined>;
  body?: string;
  isBase64Encoded?: boolean;
  requestContext: {
    http: { method: string; path?: string };
    stage?: string;
    requestId?: string;
    authorizer?: { jwt?: { claims?: Record<string, unknown>; scopes?: string[] | null } };
  };
}

export interface HttpApiResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: false;
}

/** What `startGeneration` sends to this same function (an async invoke, InvocationType 'Event'). */
export const GenerationEvent = z.strictObject({
  action: z.literal('cbr.generate-report'),
  tenantId: z.string(),
  jobId: z.string().regex(REPORT_ID),
});
export type GenerationEvent = z.infer<typeof GenerationEvent>;

export function generationEvent(job: ReportJob): GenerationEvent {
  return { action: 'cbr.generate-report', tenantId: job.request.tenantId, jobId: job.id };
}

function isHttpApiEvent(event: unknown): event is HttpApiEvent {
  const e = event as Partial<HttpApiEvent> | null;
  return e?.version === '2.0' && typeof e.rawPath === 'string' && typeof e.requestContext?.http?.method === 'string';
}

/** HTTP API v2 event → ApiRequest: stage prefix removed, header names lower-cased, a base64 body decoded. */
export function toApiRequest(event: HttpApiEvent): ApiRequest {
  const stage = event.requestContext.stage;
  let path = event.rawPath;
  if (stage && stage !== '$default' && (path === `/${stage}` || path.startsWith(`/${stage}/`))) {
    path = path.slice(stage.length + 1) || '/';
  }
  const query: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(event.rawQueryString ?? '')) {
    if (!(name in query)) query[name] = value;
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined) headers[name.toLowerCase()] = value;
  }
  const request: ApiRequest = { method: event.requestContext.http.method, path, query, headers };
  if (event.body !== undefined && event.body !== null) {
    request.body = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  }
  const claims = event.requestContext.authorizer?.jwt?.claims;
  if (claims) request.verifiedClaims = claims;
  return request;
}

export function toHttpApiResult(response: ApiResponse): HttpApiResult {
  return { statusCode: response.status, headers: response.headers, body: response.body, isBase64Encoded: false };
}

/**
 * One function for two events: API Gateway requests, and the async generation events POST /reports and
 * POST /subscriptions/{id}/test start. Deps are built once per container, on first use.
 */
export function createLambdaHandler(buildDeps: () => ApiDeps | Promise<ApiDeps>) {
  let deps: Promise<ApiDeps> | undefined;
  const ready = () => {
    deps ??= Promise.resolve()
      .then(buildDeps)
      .catch((error: unknown) => {
        deps = undefined;
        throw error;
      });
    return deps;
  };
  let api: ((request: ApiRequest) => Promise<ApiResponse>) | undefined;

  return async (event: unknown): Promise<HttpApiResult | ReportJob> => {
    if (isHttpApiEvent(event)) {
      let resolved: ApiDeps;
      try {
        resolved = await ready();
      } catch (error) {
        return toHttpApiResult(errorResponse(error));
      }
      api ??= createApi(resolved);
      return toHttpApiResult(await api(toApiRequest(event)));
    }
    const parsed = GenerationEvent.safeParse(event);
    if (!parsed.success) throw new Error(`unexpected event: ${z.prettifyError(parsed.error)}`);
    const { tenantId, jobId } = parsed.data;
    const resolved = await ready();
    const job = await readJob(resolved.store, validateTenantId(tenantId), jobId);
    if (!job) throw new Error(`no report job ${jobId} for tenant ${tenantId}`);
    const done = await generateOnDemand(job, resolved);
    console.log(
      JSON.stringify({ message: 'on-demand report', id: done.id, tenantId, kind: done.kind, status: done.status }),
    );
    return done;
  };
}

/** The two things a deployment supplies that this module cannot build without more SDK clients. */
export interface AwsWiring {
  /** The link-signing key, read once per container. */
  linkKey: KeyProvider;
  /** Async invoke of this function with generationEvent(job) (e.g. @aws-sdk/client-lambda, InvocationType 'Event'). */
  startGeneration: (job: ReportJob) => Promise<void>;
}

/** The AWS adapters: S3 archive, Athena, SES, claims from API Gateway's Cognito JWT authorizer. */
export function awsApiDeps(env: ApiEnv, wiring: AwsWiring): ApiDeps {
  const { openEngine, store, mailer } = awsAdapters(env);
  return {
    authenticator: new VerifiedClaimsAuthenticator(),
    store,
    mailer,
    openEngine,
    sender: env.SENDER_EMAIL,
    now: () => new Date(),
    links: new ReportLinks({ key: wiring.linkKey, ttlDays: env.REPORT_LINK_TTL_DAYS }),
    baseUrl: env.API_URL,
    subscriptions: SUBSCRIPTIONS,
    startGeneration: wiring.startGeneration,
    presign: async (key) => {
      try {
        return await store.readUrl(key, REDIRECT_SECONDS);
      } catch (error) {
        if (error instanceof InputError) throw new NotFoundError(`no archived object ${key}`);
        throw error;
      }
    },
  };
}

/**
 * Default wiring: the key from SSM through the Parameters and Secrets extension; on-demand generation
 * as an asynchronous invocation of this same function (it handles the generation event too).
 */
export function defaultAwsWiring(env: ApiEnv, lambda = new LambdaClient({})): AwsWiring {
  if (!env.LINK_KEY_PARAMETER) throw new Error('LINK_KEY_PARAMETER is not set: no source for the link-signing key');
  const self = process.env.AWS_LAMBDA_FUNCTION_NAME;
  return {
    linkKey: ssmExtensionKey(env.LINK_KEY_PARAMETER),
    startGeneration: async (job) => {
      if (!self) throw new Error('AWS_LAMBDA_FUNCTION_NAME is not set: on-demand generation runs only inside Lambda');
      await lambda.send(
        new InvokeCommand({
          FunctionName: self,
          InvocationType: 'Event',
          Payload: new TextEncoder().encode(JSON.stringify(generationEvent(job))),
        }),
      );
    },
  };
}

export const handler = createLambdaHandler(() => {
  const env = readApiEnv();
  return awsApiDeps(env, defaultAwsWiring(env));
});
