import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import { InputError } from '../core/errors.ts';
import { MAX_RECIPIENTS, type Mailer } from '../core/mailer.port.ts';

/** SESv2 accepts raw messages up to 40 MB (the MIME text, attachments already base64-encoded inside it). */
export const SES_MAX_MESSAGE_BYTES = 40 * 1024 * 1024;

/** Why SES refused or failed a send, from its error name. */
export type SesFailureCause =
  | 'message-rejected'
  | 'mail-from-domain-not-verified'
  | 'account-suspended'
  | 'sending-paused'
  | 'throttled'
  | 'bad-request'
  | 'not-found'
  | 'unknown';

const CAUSES: Record<string, { cause: SesFailureCause; hint: string; retryable: boolean }> = {
  MessageRejected: {
    cause: 'message-rejected',
    hint: 'SES rejected the message (unverified sender or recipient in the sandbox, a virus, or an invalid MIME message)',
    retryable: false,
  },
  MailFromDomainNotVerifiedException: {
    cause: 'mail-from-domain-not-verified',
    hint: 'the sender’s custom MAIL FROM domain is not verified in SES (check its MX and SPF records)',
    retryable: false,
  },
  AccountSuspendedException: {
    cause: 'account-suspended',
    hint: 'the SES account is suspended from sending (see the account dashboard / AWS Support)',
    retryable: false,
  },
  SendingPausedException: {
    cause: 'sending-paused',
    hint: 'sending is paused for the account or for the configuration set',
    retryable: false,
  },
  TooManyRequestsException: { cause: 'throttled', hint: 'SES throttled the request (sending rate)', retryable: true },
  LimitExceededException: {
    cause: 'throttled',
    hint: 'an SES sending limit was exceeded (daily quota)',
    retryable: true,
  },
  ThrottlingException: { cause: 'throttled', hint: 'SES throttled the request', retryable: true },
  Throttling: { cause: 'throttled', hint: 'SES throttled the request', retryable: true },
  BadRequestException: { cause: 'bad-request', hint: 'SES refused the request as invalid', retryable: false },
  NotFoundException: {
    cause: 'not-found',
    hint: 'a resource named in the request (such as the configuration set) does not exist',
    retryable: false,
  },
};

/** A send that SES refused or failed; `reason` says why, `retryable` whether trying later may help, `cause` is the AWS error. */
export class SesSendError extends Error {
  override name = 'SesSendError';
  constructor(
    readonly reason: SesFailureCause,
    readonly awsErrorName: string,
    readonly retryable: boolean,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

function describeFailure(error: unknown): SesSendError {
  const e = (typeof error === 'object' && error !== null ? error : {}) as {
    name?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
  };
  const name = e.name ?? 'Error';
  const known = CAUSES[name] ?? (e.$metadata?.httpStatusCode === 429 ? CAUSES.TooManyRequestsException : undefined);
  const status = e.$metadata?.httpStatusCode;
  const detail = `${name}${status ? ` (HTTP ${status})` : ''}: ${e.message ?? String(error)}`;
  if (known) {
    return new SesSendError(known.cause, name, known.retryable, `SES SendEmail failed: ${known.hint} — ${detail}`, {
      cause: error,
    });
  }
  const retryable = status !== undefined && status >= 500;
  return new SesSendError('unknown', name, retryable, `SES SendEmail failed — ${detail}`, { cause: error });
}

/** Sends complete MIME messages through SES v2 `SendEmail` with raw content. */
export class SesMailer implements Mailer {
  private readonly client: SESv2Client;
  private readonly configurationSetName: string | undefined;

  constructor(options: { client: SESv2Client; configurationSetName?: string }) {
    this.client = options.client;
    this.configurationSetName = options.configurationSetName || undefined;
  }

  /**
   * Sends `message` (its own From/To headers are what recipients see) to the envelope recipients.
   * Refuses, before calling SES, an empty or oversized recipient list and a message over 40 MB.
   */
  async sendRaw(message: Buffer, envelope: { from: string; to: string[] }): Promise<{ messageId: string }> {
    const to = envelope.to.map((address) => address.trim()).filter((address) => address !== '');
    if (to.length === 0) throw new InputError('cannot send email: the recipient list is empty');
    if (to.length > MAX_RECIPIENTS) {
      throw new InputError(`cannot send email to ${to.length} recipients: SES allows ${MAX_RECIPIENTS} per message`);
    }
    if (!envelope.from.trim()) throw new InputError('cannot send email: the sender address is empty');
    if (message.length === 0) throw new InputError('cannot send email: the message is empty');
    if (message.length > SES_MAX_MESSAGE_BYTES) {
      throw new InputError(
        `cannot send email: the message is ${message.length} bytes; SES v2 accepts at most ${SES_MAX_MESSAGE_BYTES} (40 MB)`,
      );
    }
    let messageId: string | undefined;
    try {
      const out = await this.client.send(
        new SendEmailCommand({
          FromEmailAddress: envelope.from.trim(),
          Destination: { ToAddresses: to },
          Content: { Raw: { Data: message } },
          ...(this.configurationSetName ? { ConfigurationSetName: this.configurationSetName } : {}),
        }),
      );
      messageId = out.MessageId;
    } catch (error) {
      throw describeFailure(error);
    }
    if (!messageId) throw new Error('SES SendEmail answered without a MessageId');
    return { messageId };
  }
}
