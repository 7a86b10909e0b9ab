/** New-message and lock e-mails (issue #16). Talks to the store, never to Redis. */
export { systemClock, type MailClock } from './clock';
export { renderLockMail, renderMessageMail, mailLanguage, type RenderedMail } from './templates';
export { createSmtpTransport, MailSendError, type MailTransport, type OutgoingMail, type SmtpSettings } from './transport';
export { DEFAULT_RETRY_DELAYS_MS, MailWorker, type MailQueueStore, type MailWorkerDeps } from './worker';
