import { randomBytes } from 'node:crypto';
import { InputError } from '../core/errors.ts';
import type { Mailer } from '../core/mailer.port.ts';
import { FolderReportStore } from './folder-report-store.ts';

/**
 * A Mailer for local runs: each message becomes `<outbox>/<time>-<id>.eml`, a file any mail client opens.
 * The time is the UTC ISO instant with ':' removed (file names stay valid on every OS and sort by time),
 * e.g. `2025-03-01T120000.123Z-1a2b3c4d.eml`; the returned messageId is that name without `.eml`.
 * The file appears atomically, as every object of a FolderReportStore does.
 * The envelope is not stored: the message's own headers say who it is for.
 */
export class OutboxMailer implements Mailer {
  readonly outbox: string;
  private readonly files: FolderReportStore;
  private readonly now: () => Date;

  constructor(options: { outbox: string; now?: () => Date }) {
    this.files = new FolderReportStore({ root: options.outbox });
    this.outbox = this.files.root;
    this.now = options.now ?? (() => new Date());
  }

  async sendRaw(message: Buffer, envelope: { from: string; to: string[] }): Promise<{ messageId: string }> {
    if (envelope.to.every((address) => address.trim() === '')) {
      throw new InputError('cannot send email: the recipient list is empty');
    }
    if (message.length === 0) throw new InputError('cannot send email: the message is empty');
    const messageId = `${this.now().toISOString().replace(/:/g, '')}-${randomBytes(4).toString('hex')}`;
    await this.files.put(`${messageId}.eml`, message, 'message/rfc822');
    return { messageId };
  }
}
