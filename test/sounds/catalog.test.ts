import * as fs from 'node:fs';
import * as path from 'node:path';
import { plan, readCatalog, readManifest } from '../../scripts/generate-sounds';
import { CATALOG_LANGUAGES, SOUNDS_DIR, loadCatalog, promptWavPath, wavInfo } from './catalog';

/** Every prompt the portal's call flows play (login, first call, main menu, mailbox options, admin menu). */
const REQUIRED_IDS = [
  'welcome', 'welcome-enter-mailbox', 'enter-mailbox', 'enter-passcode', 'invalid-passcode',
  'locked', 'no-passcode-set', 'must-change-passcode', 'enter-new-passcode', 'confirm-passcode',
  'passcodes-differ', 'passcode-too-short', 'passcode-too-long', 'passcode-too-simple',
  'passcode-contains-number', 'passcode-used-recently', 'passcode-is-default', 'passcode-changed',
  'must-record-name', 'record-name', 'recording-options', 'main-menu', 'no-messages',
  'greetings-menu', 'greeting-saved', 'greeting-restored', 'admin-menu', 'service-unavailable',
  'temporarily-unavailable', 'goodbye',
  'invalid-option', 'no-input', 'name-saved', 'you-have', 'new-messages', 'saved-messages', 'and',
  'message-menu', 'message-deleted', 'message-saved', 'no-more-messages', 'first-message',
  'message-unavailable', 'mailbox-full', 'leave-message-after-tone', 'default-greeting-extension',
  'is-busy', 'is-unavailable', 'record-busy-greeting', 'record-unavailable-greeting',
  'greeting-deleted', 'no-greeting-callers-hear', 'admin-greetings-business-hours',
  'admin-greetings-after-hours', 'aa-default-greeting', 'message-received', 'from',
  'record-after-tone', 'your-greeting-is', 'your-name-is',
];

const catalog = loadCatalog();
const ids = Object.keys(catalog);

describe('sounds/catalog.json', () => {
  test('has every required prompt id', () => {
    expect(REQUIRED_IDS.filter((id) => !(id in catalog))).toEqual([]);
  });

  test.each(ids)('%s has a safe id and non-empty, distinct en and fr text only', (id) => {
    expect(id).toMatch(/^[a-z0-9]+(?:-[a-z0-9]+)*$/);
    const entry = catalog[id];
    expect(Object.keys(entry).sort()).toEqual([...CATALOG_LANGUAGES].sort());
    for (const lang of CATALOG_LANGUAGES) {
      expect(typeof entry[lang]).toBe('string');
      expect(entry[lang].trim().length).toBeGreaterThan(0);
    }
    // A French text equal to the English one is a forgotten translation.
    expect(entry.fr).not.toBe(entry.en);
  });

  test('uses the exact wording of the login, lock and first-call prompts', () => {
    expect(catalog.welcome).toEqual({
      en: 'Welcome to your voice portal. Enter your passcode, then press pound. If you are not calling from your own phone, press star.',
      fr: "Bienvenue sur votre portail vocal. Saisissez votre code secret, puis saisissez le dièse. Si vous n'appelez pas depuis votre propre téléphone, appuyez sur la touche étoile.",
    });
    expect(catalog.locked).toEqual({
      en: 'Your voice portal access is locked. Please contact your group administrator to reset your passcode.',
      fr: 'Votre accès au portail vocal est verrouillé, veuillez contacter votre administrateur de groupe pour réinitialiser le code secret.',
    });
    expect(catalog['must-change-passcode']).toEqual({
      en: 'Before you can use your voice portal, you must change your passcode and record your personalized name. Enter your new passcode, then press pound.',
      fr: 'Avant de pouvoir utiliser votre portail vocal, vous devez modifier votre code secret et enregistrer votre nom personnalisé. Saisissez votre nouveau code secret, puis appuyez sur dièse.',
    });
    expect(catalog['no-passcode-set'].en).toBe(
      'You have not set a voicemail passcode yet. Set it in your user settings or ask your administrator, then call again.',
    );
    expect(catalog['must-record-name'].en).toBe(
      'Before you can use your voice portal, you must record your personalized name.',
    );
    expect(catalog['invalid-passcode'].en).toBe('That passcode is not valid.');
    expect(catalog['temporarily-unavailable'].en).toBe('The service is temporarily unavailable. Please try again later.');
    expect(catalog['record-name'].en).toBe('After the tone, say your name, then press pound.');
    expect(catalog['invalid-option'].en).toBe('Sorry, that is not a valid choice.');
    expect(catalog['no-input'].en).toBe('Sorry, I did not hear anything.');
    expect(catalog['message-unavailable'].en).toBe('Sorry, this message cannot be played.');
    expect(catalog['aa-default-greeting'].en).toBe('Thank you for calling.');
  });

  test('menus announce the keys of the main, mailbox options and message menus (docs/user-guide.md)', () => {
    const main = catalog['main-menu'].en;
    for (const key of ['0', '1', '3', '7', '8', '9', 'pound']) expect(main).toContain(`press ${key}`);
    const options = catalog['mailbox-options'].en;
    for (const key of ['1', '2', '3', '5', 'star']) expect(options).toContain(`press ${key}`);
    expect(catalog['enter-new-passcode-or-star'].en).toContain('press star');
    const messages = catalog['message-menu'].en;
    for (const key of ['2', '4', '5', '6', '7', '9', 'star']) expect(messages).toContain(`press ${key}`);
  });

  test('is what scripts/generate-sounds.ts reads, with the same ids', () => {
    expect(Object.keys(readCatalog()).sort()).toEqual([...ids].sort());
  });
});

describe('generated prompts (sounds/<lang>/voice-portal/<id>.wav)', () => {
  const cases = CATALOG_LANGUAGES.flatMap((lang) => ids.map((id) => [lang, id] as const));

  test.each(cases)('%s/%s is 8 kHz mono 16-bit PCM WAV, longer than 0.3 s', (lang, id) => {
    const info = wavInfo(promptWavPath(lang, id));
    expect(info).toMatchObject({ audioFormat: 1, channels: 1, sampleRate: 8000, bitsPerSample: 16 });
    expect(info.blockAlign).toBe(2);
    expect(info.byteRate).toBe(16000);
    expect(info.durationSeconds).toBeGreaterThan(0.3);
  });

  test('were generated from the current catalog text (run `npm run sounds` after editing it)', () => {
    const stale = plan(readCatalog(), readManifest());
    expect(stale.toGenerate.map((p) => `${p.lang}/${p.id}`)).toEqual([]);
    expect(stale.orphans.map((o) => path.relative(SOUNDS_DIR, o))).toEqual([]);
  });

  test('only en and fr prompt folders exist', () => {
    const dirs = fs
      .readdirSync(SOUNDS_DIR, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
    expect(dirs).toEqual([...CATALOG_LANGUAGES].sort());
  });
});

describe('wavInfo', () => {
  function wav(opts: { channels?: number; rate?: number; bits?: number; dataBytes?: number; extraChunk?: boolean; magic?: string }): Buffer {
    const channels = opts.channels ?? 1;
    const rate = opts.rate ?? 8000;
    const bits = opts.bits ?? 16;
    const data = Buffer.alloc(opts.dataBytes ?? 1600);
    const fmt = Buffer.alloc(16);
    fmt.writeUInt16LE(1, 0);
    fmt.writeUInt16LE(channels, 2);
    fmt.writeUInt32LE(rate, 4);
    fmt.writeUInt32LE((rate * channels * bits) / 8, 8);
    fmt.writeUInt16LE((channels * bits) / 8, 12);
    fmt.writeUInt16LE(bits, 14);
    const chunk = (id: string, body: Buffer): Buffer => {
      const head = Buffer.alloc(8);
      head.write(id, 0, 'ascii');
      head.writeUInt32LE(body.length, 4);
      return Buffer.concat([head, body, body.length % 2 ? Buffer.alloc(1) : Buffer.alloc(0)]);
    };
    const chunks = [chunk('fmt ', fmt)];
    if (opts.extraChunk) chunks.push(chunk('LIST', Buffer.from('INFOISFT\x03\x00\x00\x00ab\x00', 'binary')));
    chunks.push(chunk('data', data));
    const body = Buffer.concat([Buffer.from('WAVE'), ...chunks]);
    const riff = Buffer.alloc(8);
    riff.write(opts.magic ?? 'RIFF', 0, 'ascii');
    riff.writeUInt32LE(body.length, 4);
    return Buffer.concat([riff, body]);
  }

  test('reads format and duration, skipping chunks between fmt and data', () => {
    expect(wavInfo(wav({ extraChunk: true, dataBytes: 8000 }))).toEqual({
      audioFormat: 1, channels: 1, sampleRate: 8000, bitsPerSample: 16, byteRate: 16000,
      blockAlign: 2, dataBytes: 8000, durationSeconds: 0.5,
    });
  });

  test('reports a stereo 44.1 kHz file as such', () => {
    expect(wavInfo(wav({ channels: 2, rate: 44100 }))).toMatchObject({ channels: 2, sampleRate: 44100 });
  });

  test('rejects a file that is not RIFF/WAVE', () => {
    expect(() => wavInfo(wav({ magic: 'RIFX' }))).toThrow(/not a RIFF\/WAVE/);
    expect(() => wavInfo(Buffer.from('hello'))).toThrow(/not a RIFF\/WAVE/);
  });

  test('rejects a data chunk longer than the file', () => {
    const buf = wav({ dataBytes: 100 });
    buf.writeUInt32LE(100000, buf.length - 100 - 4);
    expect(() => wavInfo(buf)).toThrow(/past the end/);
  });

  test('clipTruncatedData (the double reading a header never finalised): the audio that is there', () => {
    const buf = wav({ dataBytes: 1600 });
    buf.writeUInt32LE(100000, buf.length - 1600 - 4);
    expect(wavInfo(buf, { clipTruncatedData: true })).toMatchObject({ dataBytes: 1600, durationSeconds: 0.1 });
  });
});
