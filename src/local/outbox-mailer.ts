import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../core/errors.ts';
import type { Mailer } from '../core/mailer.port.ts';

/**
 * A Mailer for local runs: each message becomes `<outbox>/<time>-<id>.eml`, a file any mail client opens.
 * The time is the UTC ISO instant with ':' removed (file names stay valid on every OS and sort by time),
 * e.g. `2025-03-01T120000.123Z-1a2b3c4d.eml`; the returned messageId is that name without `.eml`.
 * The file appears atomically (written to a hidden temporary file, then renamed).
 * The envelope is not stored: the message's own headers say who it is for.
 */
export class OutboxMailer implements Mailer {
  readonly outbox: string;
  private readonly now: () => Date;

  constructor(options: { outbox: string; now?: () => Date }) {
    this.outbox = path.resolve(options.outbox);
    this.now = options.now ?? (() => new Date());
  }

  async sendRaw(message: Buffer, envelope: { from: string; to: string[] }): Promise<{ messageId: string }> {
    if (envelope.to.every((address) => address.trim() === '')) {
      throw new InputError('cannot send email: the recipient list is empty');
    }
    if (message.length === 0) throw new InputError('cannot send email: the message is empty');
    await mkdir(this.outbox, { recursive: true });
    const messageId = `${this.now().toISOString().replace(/:/g, '')}-${randomBytes(4).toString('hex')}`;
    const file = path.join(this.outbox, `${messageId}.eml`);
    const temp = path.join(this.outbox, `.${messageId}.eml.partial`);
    const handle = await open(temp, 'wx');
    try {
      await handle.writeFile(message);
      await handle.sync();
      await handle.close();
      await rename(temp, file);
    } catch (error) {
      await handle.close().catch(() => undefined);
      await rm(temp, { force: true });
      throw error;
    }
    return { messageId };
  }
}
