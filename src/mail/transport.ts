/**
 * Sending one e-mail through the SMTP server of SMTP_URL, with nodemailer (STARTTLS or
 * implicit TLS, AUTH, MIME attachments: a protocol not worth writing ourselves).
 *
 * - `smtp://user:pass@host:587`: STARTTLS, required unless `requireTls` is false (a relay on
 *   the same host); `smtps://…:465`: TLS from the first byte.
 * - The server's certificate is checked against the system's CAs, or against `caFile` (a
 *   private CA, or the tests' self-signed certificate). Never turned off.
 * - One connection per e-mail: a few e-mails a minute at most, and no idle connection
 *   to go stale during an outage.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import nodemailer from 'nodemailer';

export interface SmtpSettings {
  /** smtp:// or smtps://, with user:password@ for AUTH (URL-encoded). */
  url: string;
  /** The From address of every e-mail. */
  from: string;
  /** PEM file of the CA(s) the server's certificate must chain to (default: the system's). */
  caFile?: string;
  /** smtp:// only: refuse to send unless the server offers STARTTLS (default true). */
  requireTls: boolean;
}

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  /** Content-Language of the e-mail (en, fr). */
  language: string;
  attachment?: { filename: string; contentType: string; content: Buffer };
}

/** Why a send failed, as the worker needs it: retry later, or give up now. */
export class MailSendError extends Error {
  override name = 'MailSendError';
  constructor(
    message: string,
    /** The server refused this e-mail for good (5xx: bad recipient, too large…). */
    readonly permanent: boolean,
  ) {
    super(message);
  }
}

export interface MailTransport {
  /** Resolves once the server accepted the e-mail; rejects with MailSendError. */
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

interface NodemailerError {
  message?: unknown;
  code?: unknown;
  responseCode?: unknown;
}

export function createSmtpTransport(settings: SmtpSettings): MailTransport {
  const url = new URL(settings.url);
  const secure = url.protocol === 'smtps:';
  const ca = settings.caFile ? readFileSync(settings.caFile, 'utf8') : undefined;
  const user = decodeURIComponent(url.username);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const transporter = nodemailer.createTransport({
    host,
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    secure,
    requireTLS: !secure && settings.requireTls,
    ...(user ? { auth: { user, pass: decodeURIComponent(url.password) } } : {}),
    // SNI takes host names only; an IP address is still checked against the certificate.
    tls: { ...(ca ? { ca } : {}), ...(isIP(host) ? {} : { servername: host }), minVersion: 'TLSv1.2' },
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 60_000,
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  return {
    async send(mail) {
      try {
        await transporter.sendMail({
          from: settings.from,
          to: mail.to,
          subject: mail.subject,
          text: mail.text,
          headers: { 'Content-Language': mail.language },
          ...(mail.attachment ? { attachments: [{ ...mail.attachment }] } : {}),
        });
      } catch (err) {
        const e = (err ?? {}) as NodemailerError;
        const responseCode = typeof e.responseCode === 'number' ? e.responseCode : undefined;
        const detail = [typeof e.code === 'string' ? e.code : undefined, responseCode, typeof e.message === 'string' ? e.message : String(err)]
          .filter((part) => part !== undefined)
          .join(' ');
        // Only the server's explicit 5xx about this e-mail is final; a 5xx to AUTH (535) is
        // a configuration problem the administrator can fix: keep retrying.
        const permanent = responseCode !== undefined && responseCode >= 500 && (e.code === 'EENVELOPE' || e.code === 'EMESSAGE');
        throw new MailSendError(detail.replace(/\s+/g, ' ').slice(0, 300), permanent);
      }
    },
    close() {
      transporter.close();
    },
  };
}
