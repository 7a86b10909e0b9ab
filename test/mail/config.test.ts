/** Issue #16: the e-mail settings (src/config.ts mailConfig) and the pure mail/import helpers. */
import { ConfigError, mailConfig } from '../../src/config';
import { parseCallerId, wavDurationSec } from '../../src/import/envelope';
import { parseVoicemailConf } from '../../src/import/voicemail-conf';
import { cleanCallerText, durationText } from '../../src/mail/templates';

describe('mailConfig', () => {
  test('off without SMTP_URL; on with MAIL_FROM, TLS required by default', () => {
    expect(mailConfig({})).toBeUndefined();
    expect(mailConfig({ SMTP_URL: 'smtp://u:p@mail.example.test:587', MAIL_FROM: 'Voice portal <vm@example.test>' })).toEqual({
      url: 'smtp://u:p@mail.example.test:587',
      from: 'Voice portal <vm@example.test>',
      requireTls: true,
    });
    expect(mailConfig({ SMTP_URL: 'smtps://mail.example.test', MAIL_FROM: 'vm@example.test', SMTP_REQUIRE_TLS: 'false', SMTP_CA_FILE: '/ca.pem' })).toMatchObject({
      requireTls: false,
      caFile: '/ca.pem',
    });
  });

  test('clear errors that never repeat the password', () => {
    const bad: Record<string, string>[] = [
      { SMTP_URL: 'smtp://u:s3cret-pw@mail.example.test' },
      { SMTP_URL: 'http://u:s3cret-pw@mail.example.test', MAIL_FROM: 'vm@example.test' },
      { SMTP_URL: 'not a url s3cret-pw', MAIL_FROM: 'vm@example.test' },
      { SMTP_URL: 'smtp://u:s3cret-pw@mail.example.test', MAIL_FROM: 'vm@example.test', SMTP_REQUIRE_TLS: 'maybe' },
    ];
    for (const env of bad) {
      let error: unknown;
      try {
        mailConfig(env);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).not.toContain('s3cret-pw');
    }
  });
});

describe('pure helpers', () => {
  test('caller ID forms of app_voicemail envelopes', () => {
    expect(parseCallerId('"Zoé" <0611>')).toEqual({ name: 'Zoé', number: '0611' });
    expect(parseCallerId('<0611>')).toEqual({ name: '', number: '0611' });
    expect(parseCallerId('0611')).toEqual({ name: '', number: '0611' });
    expect(parseCallerId('Unknown')).toEqual({ name: '', number: '' });
  });

  test('voicemail.conf: latin-1 and UTF-8 lines, = and =>, options with | and commas, missing #include reported', () => {
    const files: Record<string, Buffer> = {
      '/etc/vm.conf': Buffer.concat([
        Buffer.from('[default]\n'),
        Buffer.from('1001 => 1234,Zoé UTF8,z@x.test,,attach=yes|tz=eu\n'),
        Buffer.from('1002 = 1234,Zo\xe9 Latin,,,attach=no,language=fr\n', 'latin1'),
        Buffer.from('#include missing.conf\n'),
      ]),
    };
    const parsed = parseVoicemailConf('/etc/vm.conf', (p) => files[p]);
    expect(parsed.mailboxes.map((m) => [m.mailbox, m.fullName, m.options])).toEqual([
      ['1001', 'Zoé UTF8', { attach: 'yes', tz: 'eu' }],
      ['1002', 'Zoé Latin', { attach: 'no', language: 'fr' }],
    ]);
    expect(parsed.warnings).toEqual([expect.stringMatching(/cannot read \/etc\/missing\.conf/)]);
  });

  test('e-mail text helpers: no control characters from the caller; durations in words', () => {
    expect(cleanCallerText('Evil\r\nBcc: x@y')).toBe('Evil Bcc: x@y');
    expect(durationText(65, 'en')).toBe('1 minute 5 seconds');
    expect(durationText(1, 'fr')).toBe('1 seconde');
    expect(wavDurationSec(Buffer.from('not a wav'))).toBeUndefined();
  });
});
