import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultAwsWiring, generationEvent } from '../lambdas/api.ts';
import { readApiEnv } from '../src/aws/lambda-env.ts';
import type { ReportJob } from '../src/api/report-jobs.ts';

const env = readApiEnv({
  LAKE_BUCKET: 'lake-bucket',
  REPORTS_BUCKET: 'reports-bucket',
  ATHENA_WORKGROUP: 'wg',
  GLUE_DATABASE: 'db',
  SENDER_EMAIL: 'reports@example.com',
  API_URL: 'https://api.example.com',
  LINK_KEY_PARAMETER: '/cbr/report-link-key',
});

describe('the API Lambda wiring', () => {
  const lambda = mockClient(LambdaClient);
  const previousName = process.env.AWS_LAMBDA_FUNCTION_NAME;
  afterEach(() => {
    lambda.reset();
    process.env.AWS_LAMBDA_FUNCTION_NAME = previousName;
  });

  const job = { id: 'od-2026-11-16_2026-11-22-0bfd6096', request: { tenantId: 'acme' } } as ReportJob;

  it('starts on-demand generation as an asynchronous invocation of this same function', async () => {
    process.env.AWS_LAMBDA_FUNCTION_NAME = 'cbr-dev-api';
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });

    await defaultAwsWiring(env, new LambdaClient({ region: 'sa-east-1' })).startGeneration(job);

    const input = lambda.commandCalls(InvokeCommand)[0]!.args[0].input;
    expect(input.FunctionName).toBe('cbr-dev-api');
    expect(input.InvocationType).toBe('Event');
    expect(JSON.parse(new TextDecoder().decode(input.Payload as Uint8Array))).toEqual(generationEvent(job));
  });

  it('refuses to start generation outside Lambda, and a missing key parameter', async () => {
    delete process.env.AWS_LAMBDA_FUNCTION_NAME;
    await expect(defaultAwsWiring(env, new LambdaClient({ region: 'sa-east-1' })).startGeneration(job)).rejects.toThrow(
      /only inside Lambda/,
    );
    expect(() => defaultAwsWiring({ ...env, LINK_KEY_PARAMETER: undefined })).toThrow(/LINK_KEY_PARAMETER is not set/);
  });
});
