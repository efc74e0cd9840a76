/**
 * Outgoing mail (magic links, invites). SMTP through nodemailer when SMTP_URL is set; otherwise each mail
 * is written to DATA_DIR/mail/ and its links are logged, so `npm start` works without a mail server.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Transporter } from 'nodemailer';
import type { Config } from '../config.js';
import { randomId } from '../lib/ids.js';
import type { Logger } from '../lib/logger.js';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

export interface Mailer {
  send(message: MailMessage): Promise<void>;
  close(): void;
}

export function createMailer(config: Config, log: Logger): Mailer {
  const from = config.management.mailFrom;
  if (config.management.smtpUrl) {
    const smtpUrl = config.management.smtpUrl;
    // nodemailer is loaded on the first mail: most processes (workers, busy proxies) never send one.
    let transport: Transporter | null = null;
    return {
      async send(message) {
        transport ??= (await import('nodemailer')).default.createTransport(smtpUrl);
        await transport.sendMail({ from, ...message });
      },
      close() {
        transport?.close();
      },
    };
  }
  const dir = join(config.dataDir, 'mail');
  return {
    async send(message) {
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomId(4)}.eml`);
      const body = `From: ${from}\nTo: ${message.to}\nSubject: ${message.subject}\n\n${message.text}\n`;
      writeFileSync(file, body, { mode: 0o600 });
      const links = message.text.match(/https?:\/\/\S+/g) ?? [];
      log.info({ file, links }, `mail to ${message.to} written to ${file} (SMTP_URL is not set)`);
    },
    close() {},
  };
}
