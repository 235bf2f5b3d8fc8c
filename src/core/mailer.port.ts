/** The most recipients one message may have: SES's limit per message. */
export const MAX_RECIPIENTS = 50;

/** Sends a complete MIME message (the digest with its inline charts). */
export interface Mailer {
  sendRaw(message: Buffer, envelope: { from: string; to: string[] }): Promise<{ messageId: string }>;
}
