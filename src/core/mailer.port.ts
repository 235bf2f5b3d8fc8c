/** Sends a complete MIME message (the digest with its inline charts). */
export interface Mailer {
  sendRaw(message: Buffer, envelope: { from: string; to: string[] }): Promise<{ messageId: string }>;
}
