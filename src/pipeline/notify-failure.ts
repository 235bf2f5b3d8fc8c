import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type { Mailer } from '../core/mailer.port.ts';
import type { Locale } from '../core/locale.ts';

const WORDS: Record<
  Locale,
  { subject: (tenant: string, period: string) => string; body: (id: string, period: string, error: string) => string }
> = {
  'pt-BR': {
    subject: (t, p) => `[Falha] Relatório de comportamento dos contatos · ${t} · ${p}`,
    body: (id, p, e) =>
      `O relatório agendado "${id}" do período ${p} não pôde ser gerado depois de todas as tentativas.\n\n` +
      `Motivo: ${e}\n\nNenhum resumo foi enviado para este período. A equipe responsável pelos dados foi alertada.`,
  },
  en: {
    subject: (t, p) => `[Failed] Contact behavior report · ${t} · ${p}`,
    body: (id, p, e) =>
      `The scheduled report "${id}" for ${p} could not be generated after every retry.\n\n` +
      `Reason: ${e}\n\nNo digest was sent for this period. The data team has been alerted.`,
  },
};

export interface FailedRun {
  subscriptionId: string;
  tenantId: string;
  locale: Locale;
  recipients: string[];
  period: { start: string; end: string };
  error: string;
}

/** Tells the tenant's admins (the subscription's recipients) that a run failed for good. */
export async function notifyFailure(run: FailedRun, mailer: Mailer, sender: string): Promise<{ messageId: string }> {
  const words = WORDS[run.locale];
  const period = `${run.period.start} – ${run.period.end}`;
  const message: Buffer = await new Promise((resolve, reject) =>
    new MailComposer({
      from: sender,
      to: run.recipients,
      subject: words.subject(run.tenantId, period),
      text: words.body(run.subscriptionId, period, run.error),
    })
      .compile()
      .build((error, built) => (error ? reject(error) : resolve(built))),
  );
  return mailer.sendRaw(message, { from: sender, to: run.recipients });
}
