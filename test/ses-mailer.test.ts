import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SESv2Client, type SendEmailCommandInput } from '@aws-sdk/client-sesv2';
import { simpleParser, type AddressObject } from 'mailparser';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SES_MAX_MESSAGE_BYTES, SesMailer, SesSendError, type SesFailureCause } from '../src/aws/ses-mailer.ts';
import { InputError } from '../src/core/errors.ts';
import { startSesLocal, type LocalSes } from './support/local-aws.ts';

/** A valid 1×1 PNG. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
  'base64',
);
const FROM = 'Relatórios <reports@example.com>';
const TO = ['ana@example.com', 'bruno@example.org'];
const SUBJECT = 'Relatório semanal — Comportamento de contatos';

function compose(): Promise<Buffer> {
  const composer = new MailComposer({
    from: FROM,
    to: TO,
    subject: SUBJECT,
    text: 'Resumo: 1.234 contatos ativos.',
    html: '<p>Resumo: <b>1.234</b> contatos ativos.</p><img src="cid:chart-volume@report" width="600" alt="Volume">',
    attachments: [
      {
        cid: 'chart-volume@report',
        filename: 'volume.png',
        content: PNG,
        contentType: 'image/png',
        contentDisposition: 'inline',
      },
    ],
  });
  return new Promise((resolve, reject) =>
    composer.compile().build((error, built) => (error ? reject(error) : resolve(built))),
  );
}

/** Records the input of every command the client sends. */
function recordInputs(client: SESv2Client): SendEmailCommandInput[] {
  const inputs: SendEmailCommandInput[] = [];
  client.middlewareStack.add(
    (next) => async (args) => {
      inputs.push(args.input as SendEmailCommandInput);
      return next(args);
    },
    { step: 'initialize', name: 'recordInputs' },
  );
  return inputs;
}

function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  return (Array.isArray(field) ? field : field ? [field] : []).flatMap((a) => a.value.map((v) => v.address ?? ''));
}

describe('SesMailer against aws-ses-v2-local (real HTTP, real AWS SDK)', () => {
  let ses: LocalSes;
  let inputs: SendEmailCommandInput[];
  let mailer: SesMailer;

  beforeAll(async () => {
    ses = await startSesLocal();
    inputs = recordInputs(ses.client);
    mailer = new SesMailer({ client: ses.client, configurationSetName: 'reports' });
  });
  afterAll(async () => {
    await ses?.stop();
  });
  beforeEach(() => {
    inputs.length = 0;
  });

  it('sends a MIME digest with an inline chart; the server captures subject, recipients and the cid image', async () => {
    const message = await compose();
    const { messageId } = await mailer.sendRaw(message, { from: 'reports@example.com', to: TO });
    expect(messageId).toMatch(/\S/);

    // What went to SES.
    expect(inputs).toHaveLength(1);
    expect(inputs[0]?.FromEmailAddress).toBe('reports@example.com');
    expect(inputs[0]?.Destination).toEqual({ ToAddresses: TO });
    expect(inputs[0]?.ConfigurationSetName).toBe('reports');
    expect(Buffer.from(inputs[0]?.Content?.Raw?.Data ?? []).equals(message)).toBe(true);

    // What the server captured (its own mailparser view of the message).
    const emails = await ses.emails();
    const email = emails.find((e) => e.messageId === messageId);
    expect(email).toBeDefined();
    expect(email?.subject).toBe(SUBJECT);
    expect(email?.from).toContain('reports@example.com');
    expect(email?.destination.to.join(', ')).toBe(TO.join(', ')); // from the MIME To header, one joined string
    expect(email?.body.text).toContain('1.234 contatos ativos');
    const inline = email?.attachments.find((a) => a.cid === 'chart-volume@report');
    expect(inline?.contentType).toBe('image/png');
    expect(inline?.contentDisposition).toBe('inline');
    expect(Buffer.from(inline?.content ?? '', 'base64').equals(PNG)).toBe(true);

    // The stored message as .eml, parsed again with mailparser.
    const parsed = await simpleParser(await ses.eml(messageId));
    expect(parsed.subject).toBe(SUBJECT);
    expect(addresses(parsed.to)).toEqual(TO);
    expect(parsed.attachments.map((a) => [a.cid, a.contentType, a.contentDisposition])).toEqual([
      ['chart-volume@report', 'image/png', 'inline'],
    ]);
  });

  it('refuses an empty recipient list before calling SES', async () => {
    const before = (await ses.emails()).length;
    const message = await compose();
    await expect(mailer.sendRaw(message, { from: 'reports@example.com', to: [] })).rejects.toThrow(
      /recipient list is empty/,
    );
    await expect(mailer.sendRaw(message, { from: 'reports@example.com', to: ['  '] })).rejects.toThrow(InputError);
    expect(inputs).toEqual([]);
    expect(await ses.emails()).toHaveLength(before);
  });

  it('refuses a message over the SESv2 40 MB limit before calling SES', async () => {
    const huge = Buffer.alloc(SES_MAX_MESSAGE_BYTES + 1, 0x61);
    await expect(mailer.sendRaw(huge, { from: 'reports@example.com', to: TO })).rejects.toThrow(/40 MB/);
    expect(inputs).toEqual([]);
  });

  it('refuses more than 50 recipients', async () => {
    const many = Array.from({ length: 51 }, (_, i) => `r${i}@example.com`);
    await expect(mailer.sendRaw(await compose(), { from: 'reports@example.com', to: many })).rejects.toThrow(/50/);
  });
});

/** An in-process stand-in for the SESv2 endpoint that answers every request with one AWS error. */
async function startSesErrorDouble(): Promise<{
  client: SESv2Client;
  fail(status: number, type: string): void;
  stop(): Promise<void>;
}> {
  let answer = { status: 400, type: 'MessageRejected' };
  const server: Server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(answer.status, { 'content-type': 'application/json', 'x-amzn-errortype': answer.type });
      response.end(JSON.stringify({ message: `double says ${answer.type}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const client = new SESv2Client({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    maxAttempts: 1,
  });
  return {
    client,
    fail(status, type) {
      answer = { status, type };
    },
    async stop() {
      client.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('SesMailer error mapping against an in-process HTTP double of SES errors', () => {
  const cases: [number, string, SesFailureCause, RegExp, boolean][] = [
    [400, 'MessageRejected', 'message-rejected', /SES rejected the message/, false],
    [
      400,
      'MailFromDomainNotVerifiedException',
      'mail-from-domain-not-verified',
      /MAIL FROM domain is not verified/,
      false,
    ],
    [400, 'AccountSuspendedException', 'account-suspended', /account is suspended/, false],
    [400, 'SendingPausedException', 'sending-paused', /sending is paused/, false],
    [429, 'TooManyRequestsException', 'throttled', /throttled/, true],
    [400, 'LimitExceededException', 'throttled', /sending limit was exceeded/, true],
    [500, 'InternalFailure', 'unknown', /InternalFailure \(HTTP 500\)/, true],
  ];
  let double: Awaited<ReturnType<typeof startSesErrorDouble>>;
  beforeAll(async () => {
    double = await startSesErrorDouble();
  });
  afterAll(async () => {
    await double?.stop();
  });

  it.each(cases)('DOUBLE: HTTP %i %s → %s', async (status, type, reason, message, retryable) => {
    double.fail(status, type);
    const mailer = new SesMailer({ client: double.client });
    const error = await mailer
      .sendRaw(await compose(), { from: 'reports@example.com', to: TO })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SesSendError);
    const sendError = error as SesSendError;
    expect(sendError.reason).toBe(reason);
    expect(sendError.awsErrorName).toBe(type);
    expect(sendError.retryable).toBe(retryable);
    expect(sendError.message).toMatch(message);
    expect(sendError.message).toContain(`double says ${type}`);
    expect((sendError.cause as Error).name).toBe(type);
  });
});
