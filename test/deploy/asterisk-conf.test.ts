import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadCatalog } from '../sounds/catalog';
import {
  ConfFile,
  Dialplan,
  Location,
  Priority,
  conditionalTargets,
  extensionMatches,
  objectsOfType,
  parseAsteriskConf,
  parseDialplan,
  resolveTarget,
  setting,
  splitTopLevel,
  walk,
} from './asterisk-conf';

const CONF_DIR = path.resolve(__dirname, '..', '..', 'asterisk-conf');
const readConf = (name: string): ConfFile => parseAsteriskConf(fs.readFileSync(path.join(CONF_DIR, name), 'utf8'), name);
const section = (file: ConfFile, name: string) => {
  const found = file.sections.find((s) => s.name === name && !s.isTemplate);
  if (!found) throw new Error(`no [${name}]`);
  return found;
};

describe('the Asterisk config reader itself', () => {
  test('reads sections, templates, both operators, comments and escaped semicolons', () => {
    const file = parseAsteriskConf(
      [
        '; header',
        '[tpl](!)',
        'type = endpoint ; trailing comment',
        'x = 1',
        ';-- a block',
        'comment = ignored --;',
        '[a](tpl)',
        'x = 2',
        'note = semi\\;colon',
        'exten => 1,1,NoOp()',
        '[a](+)',
        'y = 3',
        '#include extra.conf',
      ].join('\n'),
    );
    expect(file.sections.map((s) => [s.name, s.isTemplate, s.templates])).toEqual([
      ['tpl', true, []],
      ['a', false, ['tpl']],
    ]);
    const a = file.sections[1];
    expect(setting(file, a, 'type')).toBe('endpoint');
    expect(setting(file, a, 'x')).toBe('2');
    expect(setting(file, a, 'y')).toBe('3');
    expect(setting(file, a, 'note')).toBe('semi;colon');
    expect(setting(file, a, 'comment')).toBeUndefined();
    expect(a.entries.find((e) => e.key === 'exten')?.operator).toBe('=>');
    expect(file.directives).toEqual([{ name: 'include', argument: 'extra.conf', line: 13 }]);
    expect(objectsOfType(file, 'endpoint').map((s) => s.name)).toEqual(['a']);
  });

  test('rejects a line that is neither a section nor a setting, and undefined templates', () => {
    expect(() => parseAsteriskConf('[a]\nthis is not valid')).toThrow(/config:2/);
    expect(() => parseAsteriskConf('x = 1')).toThrow(/before any \[section\]/);
    const file = parseAsteriskConf('[a](missing)\nx = 1');
    expect(() => setting(file, file.sections[0], 'x')).toThrow(/undefined template "missing"/);
  });

  test('reads priorities, labels and Goto targets, and rejects bad ones', () => {
    const dp = parseDialplan(
      parseAsteriskConf('[c]\nexten => 1,1,GotoIf($[1 = 1]?yes:c,2,1)\n same => n,Hangup\n same => n(yes),Playback(a&b)\nexten => 2,1,NoOp(x, y)'),
    );
    const one = dp.get('c')?.[0];
    expect(one?.priorities.map((p) => [p.number, p.label, p.app, p.data])).toEqual([
      [1, undefined, 'GotoIf', '$[1 = 1]?yes:c,2,1'],
      [2, undefined, 'Hangup', ''],
      [3, 'yes', 'Playback', 'a&b'],
    ]);
    const start: Location = { context: 'c', extension: one!, index: 0 };
    // both branches are taken; the Hangup between them is never reached
    expect(walk(dp, start).map((p) => p.line)).toEqual([2, 4, 5]);
    expect(() => resolveTarget(dp, start, 'nope')).toThrow(/no priority or label nope/);
    expect(() => parseDialplan(parseAsteriskConf('[c]\nexten => 1,2,NoOp()'))).toThrow(/does not start at priority 1/);
    expect(splitTopLevel('voice-portal,deposit,${EXTEN},busy', ',')).toEqual(['voice-portal', 'deposit', '${EXTEN}', 'busy']);
    expect(conditionalTargets('$["${A}" = "B"]?x')).toEqual({ condition: '$["${A}" = "B"]', ifTrue: 'x', ifFalse: undefined });
    expect(extensionMatches('_100[1-2]', '1002')).toBe(true);
    expect(extensionMatches('_100[1-2]', '1003')).toBe(false);
    expect(extensionMatches('_NXX', '200')).toBe(true);
  });
});

describe('asterisk-conf/extensions.conf', () => {
  const file = readConf('extensions.conf');
  const dialplan: Dialplan = parseDialplan(file);
  const all: { context: string; ext: string; p: Priority; at: Location }[] = [];
  for (const [context, extensions] of dialplan) {
    for (const extension of extensions) {
      extension.priorities.forEach((p, index) => all.push({ context, ext: extension.name, p, at: { context, extension, index } }));
    }
  }
  const stasis = all.filter((x) => x.p.app === 'Stasis');
  const findExtension = (context: string, dialled: string): Location => {
    const extension = dialplan.get(context)?.find((e) => extensionMatches(e.name, dialled));
    if (!extension) throw new Error(`${dialled} does not match any extension in ${context}`);
    return { context, extension, index: 0 };
  };
  const stasisCallsFrom = (start: Location): string[][] =>
    walk(dialplan, start)
      .filter((p) => p.app === 'Stasis')
      .map((p) => splitTopLevel(p.data, ','));

  test('every Stasis() call is voice-portal with portal,<location>[,internal] or deposit,${EXTEN},busy|unavailable', () => {
    expect(stasis.length).toBeGreaterThanOrEqual(4);
    for (const { p } of stasis) {
      const args = splitTopLevel(p.data, ',');
      expect(args[0]).toBe('voice-portal');
      if (args[1] === 'portal') {
        expect(args.length === 3 || (args.length === 4 && args[3] === 'internal')).toBe(true);
        expect(args[2]).toMatch(/^[a-z0-9][a-z0-9-]*$/);
      } else {
        expect(args).toEqual(['voice-portal', 'deposit', '${EXTEN}', expect.stringMatching(/^(busy|unavailable)$/)]);
      }
    }
    const kinds = stasis.map(({ p }) => splitTopLevel(p.data, ',').slice(1).filter((a) => a !== '${EXTEN}').join(','));
    expect(new Set(kinds)).toEqual(new Set(['portal,paris,internal', 'portal,paris', 'deposit,busy', 'deposit,unavailable']));
  });

  test.each([
    ['the portal extension', '8000'],
    ['the voicemail key', '*97'],
  ])('from the own phones (context voice-portal), %s (%s) reaches Stasis(voice-portal,portal,paris,internal)', (_what, dialled) => {
    expect(stasisCallsFrom(findExtension('voice-portal', dialled))).toEqual([['voice-portal', 'portal', 'paris', 'internal']]);
  });

  test.each([
    ['the portal number in E.164', '+33123456789'],
    ['the portal number without +', '33123456789'],
  ])('from a trunk (context voice-portal-inbound), %s (%s) reaches Stasis(voice-portal,portal,paris), unmarked', (_what, dialled) => {
    expect(stasisCallsFrom(findExtension('voice-portal-inbound', dialled))).toEqual([['voice-portal', 'portal', 'paris']]);
  });

  test('trust boundary: nothing reachable from the trunk context is marked internal; the phones cannot reach the unmarked portal', () => {
    const inbound = dialplan.get('voice-portal-inbound') ?? [];
    expect(inbound.length).toBeGreaterThan(0);
    for (const extension of inbound) {
      for (const args of stasisCallsFrom({ context: 'voice-portal-inbound', extension, index: 0 })) expect(args).not.toContain('internal');
    }
    // A trunk's portal number and a user's DID are answered there; the internal portal extension is not.
    expect(() => findExtension('voice-portal-inbound', '8000')).toThrow();
    expect(() => findExtension('voice-portal-inbound', '*97')).toThrow();
    expect(stasisCallsFrom(findExtension('voice-portal-inbound', '1001'))).toEqual(
      expect.arrayContaining([['voice-portal', 'deposit', '${EXTEN}', 'unavailable']]),
    );
  });

  test.each(['1001', '1002'])('user %s rings the phone for 20 s, then deposits as busy or unavailable', (ext) => {
    const start = findExtension('voice-portal', ext);
    const visited = walk(dialplan, start);
    expect(visited.find((p) => p.app === 'Dial')?.data).toBe('PJSIP/${EXTEN},20');
    // the busy branch is chosen on DIALSTATUS = BUSY
    const busyTest = visited.find((p) => p.app === 'GotoIf' && /\$\{DIALSTATUS\}"?\s*=\s*"?BUSY/.test(p.data));
    expect(busyTest).toBeDefined();
    const busyTarget = resolveTarget(dialplan, start, conditionalTargets(busyTest!.data).ifTrue!);
    expect(busyTarget.extension.priorities[busyTarget.index]).toMatchObject({ app: 'Stasis', data: 'voice-portal,deposit,${EXTEN},busy' });
    expect(stasisCallsFrom(start)).toEqual(
      expect.arrayContaining([
        ['voice-portal', 'deposit', '${EXTEN}', 'unavailable'],
        ['voice-portal', 'deposit', '${EXTEN}', 'busy'],
      ]),
    );
  });

  test('after every Stasis() call, STASISSTATUS=FAILED plays voice-portal/temporarily-unavailable', () => {
    for (const { at, p } of stasis) {
      // The next step the call takes after Stasis returns, following plain Gotos.
      let next: Location = { ...at, index: at.index + 1 };
      let step = next.extension.priorities[next.index];
      while (step?.app === 'Goto') {
        next = resolveTarget(dialplan, next, step.data);
        step = next.extension.priorities[next.index];
      }
      expect({ line: p.line, app: step?.app }).toEqual({ line: p.line, app: 'GotoIf' });
      const { condition, ifTrue, ifFalse } = conditionalTargets(step.data);
      expect(condition).toMatch(/\$\{STASISSTATUS\}"?\s*=\s*"?FAILED/);
      const failed = walk(dialplan, resolveTarget(dialplan, next, ifTrue!));
      expect(failed.some((q) => q.app === 'Playback' && q.data === 'voice-portal/temporarily-unavailable')).toBe(true);
      expect(failed[failed.length - 1].app).toBe('Hangup');
      // Any other status (SUCCESS, KILLED) ends the call without that prompt.
      const other = walk(dialplan, ifFalse ? resolveTarget(dialplan, next, ifFalse) : { ...next, index: next.index + 1 });
      expect(other.some((q) => q.data.includes('temporarily-unavailable'))).toBe(false);
    }
  });

  test('every Goto, GotoIf and GotoIfTime target exists', () => {
    const jumps = all.filter((x) => ['Goto', 'GotoIf', 'GotoIfTime'].includes(x.p.app));
    expect(jumps.length).toBeGreaterThan(5);
    for (const { p, at } of jumps) {
      const targets = p.app === 'Goto' ? [p.data] : [conditionalTargets(p.data).ifTrue, conditionalTargets(p.data).ifFalse];
      for (const target of targets) if (target) expect(() => resolveTarget(dialplan, at, target)).not.toThrow();
    }
  });

  test('every voice-portal/<id> sound the dialplan plays is in sounds/catalog.json', () => {
    const catalog = loadCatalog();
    const played = all
      .filter((x) => ['Playback', 'Background', 'ControlPlayback'].includes(x.p.app))
      .flatMap((x) => splitTopLevel(x.p.data, ',')[0].split('&'))
      .filter((media) => media.startsWith('voice-portal/'));
    expect(played).toEqual(expect.arrayContaining(['voice-portal/temporarily-unavailable', 'voice-portal/aa-default-greeting']));
    for (const media of played) expect(Object.keys(catalog)).toContain(media.slice('voice-portal/'.length));
  });

  test('the auto-attendant plays the recorded greeting by time of day from the spool, else the default', () => {
    const start = findExtension('voice-portal', '8100');
    const visited = walk(dialplan, start);
    const byTime = visited.find((p) => p.app === 'GotoIfTime');
    expect(byTime?.data).toMatch(/mon-fri/);
    const sets = visited.filter((p) => p.app === 'Set' && p.data.startsWith('AA_GREETING=')).map((p) => p.data);
    expect(sets.sort()).toEqual([
      'AA_GREETING=${ASTSPOOLDIR}/recording/voice-portal/aa/paris/after-hours',
      'AA_GREETING=${ASTSPOOLDIR}/recording/voice-portal/aa/paris/business-hours',
    ]);
    // the recording is played only when its .wav exists, by absolute path without extension
    const check = visited.find((p) => p.app === 'GotoIf' && p.data.includes('STAT(e,${AA_GREETING}.wav)'));
    expect(check).toBeDefined();
    const recorded = walk(dialplan, resolveTarget(dialplan, start, conditionalTargets(check!.data).ifTrue!));
    expect(recorded[0]).toMatchObject({ app: 'Playback', data: '${AA_GREETING}' });
    expect(visited.some((p) => p.app === 'Playback' && p.data === 'voice-portal/aa-default-greeting')).toBe(true);
  });
});

describe('asterisk-conf/pjsip.conf', () => {
  const file = readConf('pjsip.conf');
  const dialplan = parseDialplan(readConf('extensions.conf'));
  const endpoints = objectsOfType(file, 'endpoint');

  test('has a UDP transport and the sample phones 1001 and 1002', () => {
    expect(objectsOfType(file, 'transport').map((t) => setting(file, t, 'protocol'))).toContain('udp');
    expect(endpoints.map((e) => e.name).sort()).toEqual(['1001', '1002']);
  });

  test.each(['1001', '1002'])('endpoint %s: RFC 4733 DTMF, its lamp mailbox, the *97 voicemail key, context voice-portal', (name) => {
    const endpoint = endpoints.find((e) => e.name === name)!;
    expect(setting(file, endpoint, 'dtmf_mode')).toBe('rfc4733');
    expect(setting(file, endpoint, 'mailboxes')).toBe(`${name}@voice-portal`);
    expect(setting(file, endpoint, 'context')).toBe('voice-portal');
    const key = setting(file, endpoint, 'voicemail_extension');
    expect(key).toBe('*97');
    // the key really leads to the portal in the endpoint's context
    const extension = dialplan.get('voice-portal')!.find((e) => extensionMatches(e.name, key!))!;
    const calls = walk(dialplan, { context: 'voice-portal', extension, index: 0 }).filter((p) => p.app === 'Stasis');
    expect(calls.map((p) => p.data)).toEqual(['voice-portal,portal,paris,internal']);
    // the caller ID is the extension, which is how the portal recognises the own phone
    expect(setting(file, endpoint, 'callerid')).toMatch(new RegExp(`<${name}>$`));
  });

  test('every endpoint points at an auth with credentials and an aor of the same name', () => {
    for (const endpoint of endpoints) {
      const auth = objectsOfType(file, 'auth').find((a) => a.name === setting(file, endpoint, 'auth'));
      expect(auth).toBeDefined();
      expect(setting(file, auth!, 'username')).toBe(endpoint.name);
      expect(setting(file, auth!, 'password')).toMatch(/^change-me/); // a placeholder, visibly
      expect(objectsOfType(file, 'aor').map((a) => a.name)).toContain(setting(file, endpoint, 'aors'));
    }
  });
});

describe('asterisk-conf/http.conf, ari.conf, modules.conf', () => {
  test('HTTP (and so ARI) listens on loopback only', () => {
    const file = readConf('http.conf');
    const general = section(file, 'general');
    expect(setting(file, general, 'enabled')).toBe('yes');
    expect(setting(file, general, 'bindaddr')).toBe('127.0.0.1');
    expect(setting(file, general, 'bindport')).toBe('8088');
    expect(setting(file, general, 'tlsenable')).toBeUndefined();
  });

  test('ARI is enabled with a voice-portal user and a placeholder plain password', () => {
    const file = readConf('ari.conf');
    expect(setting(file, section(file, 'general'), 'enabled')).toBe('yes');
    const user = section(file, 'voice-portal');
    expect(setting(file, user, 'type')).toBe('user');
    expect(setting(file, user, 'read_only')).toBe('no');
    expect(setting(file, user, 'password')).toBe('change-me');
    expect(setting(file, user, 'password_format')).toBe('plain');
  });

  test('modules.conf loads ARI and res_mwi_external, and never app_voicemail', () => {
    const file = readConf('modules.conf');
    const entries = section(file, 'modules').entries;
    const loaded = entries.filter((e) => ['load', 'require', 'preload', 'preload-require'].includes(e.key)).map((e) => e.value);
    const noloaded = entries.filter((e) => e.key === 'noload').map((e) => e.value);
    for (const m of ['res_mwi_external.so', 'res_stasis_mailbox.so', 'res_ari_mailboxes.so', 'res_ari.so', 'res_stasis.so', 'app_stasis.so', 'res_http_websocket.so', 'res_pjsip_mwi.so', 'func_env.so', 'format_wav.so']) {
      expect(loaded).toContain(m);
    }
    for (const m of ['app_voicemail.so', 'app_voicemail_imap.so', 'app_voicemail_odbc.so']) {
      expect(noloaded).toContain(m);
      expect(loaded).not.toContain(m);
    }
    expect(loaded.filter((m) => noloaded.includes(m))).toEqual([]);
  });
});

describe('asterisk-conf/docker/entrypoint.sh', () => {
  const script = path.join(CONF_DIR, 'docker', 'entrypoint.sh');
  const ARI = { ARI_PASSWORD: 'Zx9-k.2_~Q7wLm3vR8tY' };
  const SIP = { SIP_PASSWORD_1001: 'a1b2c3d4e5f6a7b8', SIP_PASSWORD_1002: 'Q.w-e_r~t9y8u7' };
  let work: string;
  beforeEach(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'vp-entrypoint-'));
  });
  afterEach(() => fs.rmSync(work, { recursive: true, force: true }));
  const etc = () => path.join(work, 'etc');

  const run = (env: Record<string, string>, confDir = CONF_DIR) =>
    spawnSync('sh', [script, 'sh', '-c', 'echo started'], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', VOICE_PORTAL_CONF: confDir, ASTERISK_ETC: etc(), IMAGE_ENTRYPOINT: path.join(work, 'none'), ...env },
      encoding: 'utf8',
      timeout: 10000,
    });
  /** A copy of asterisk-conf/ whose pjsip.conf is `pjsip`: a site's own phones. */
  const confWith = (pjsip: string): string => {
    const dir = path.join(work, 'conf');
    fs.mkdirSync(dir);
    for (const name of fs.readdirSync(CONF_DIR).filter((n) => n.endsWith('.conf'))) fs.copyFileSync(path.join(CONF_DIR, name), path.join(dir, name));
    fs.writeFileSync(path.join(dir, 'pjsip.conf'), pjsip);
    return dir;
  };
  /** Refused: exit 1, one line on stderr naming what to set, nothing installed, nothing started. */
  const expectRefused = (result: ReturnType<typeof run>, message: RegExp) => {
    expect(result.status).toBe(1);
    expect(result.stdout).not.toContain('started');
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(message)]);
    expect(fs.existsSync(etc())).toBe(false);
  };

  test('installs the snippets, puts ARI_PASSWORD into ari.conf and each SIP_PASSWORD_<ext> into pjsip.conf (mode 600), never prints them, then runs the command', () => {
    const result = run({ ...ARI, ...SIP });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('started');
    for (const secret of [...Object.values(ARI), ...Object.values(SIP)]) expect(result.stdout + result.stderr).not.toContain(secret);
    for (const name of ['extensions.conf', 'http.conf', 'modules.conf']) {
      expect(fs.readFileSync(path.join(etc(), name), 'utf8')).toBe(fs.readFileSync(path.join(CONF_DIR, name), 'utf8'));
    }
    const ari = parseAsteriskConf(fs.readFileSync(path.join(etc(), 'ari.conf'), 'utf8'));
    expect(setting(ari, section(ari, 'voice-portal'), 'password')).toBe(ARI.ARI_PASSWORD);
    const installed = fs.readFileSync(path.join(etc(), 'pjsip.conf'), 'utf8');
    const pjsip = parseAsteriskConf(installed);
    const passwords = Object.fromEntries(objectsOfType(pjsip, 'auth').map((a) => [a.name, setting(pjsip, a, 'password')]));
    expect(passwords).toEqual({ '1001': SIP.SIP_PASSWORD_1001, '1002': SIP.SIP_PASSWORD_1002 });
    // only the two password lines changed
    const source = fs.readFileSync(path.join(CONF_DIR, 'pjsip.conf'), 'utf8').split('\n');
    const changed = installed.split('\n').filter((line, i) => line !== source[i]);
    expect(changed).toEqual([`password = ${SIP.SIP_PASSWORD_1001}`, `password = ${SIP.SIP_PASSWORD_1002}`]);
    for (const name of ['ari.conf', 'pjsip.conf']) expect(fs.statSync(path.join(etc(), name)).mode & 0o777).toBe(0o600);
  });

  test('reads ARI_PASSWORD_FILE when ARI_PASSWORD is not set', () => {
    const secretFile = path.join(work, 'ari_password');
    fs.writeFileSync(secretFile, '0123456789abcdef0123\n');
    expect(run({ ARI_PASSWORD_FILE: secretFile, ...SIP }).status).toBe(0);
    const ari = parseAsteriskConf(fs.readFileSync(path.join(etc(), 'ari.conf'), 'utf8'));
    expect(setting(ari, section(ari, 'voice-portal'), 'password')).toBe('0123456789abcdef0123');
  });

  test.each([
    ['missing', {}],
    ['the placeholder', { ARI_PASSWORD: 'change-me' }],
    ['too short', { ARI_PASSWORD: 'abc123' }],
    ['with a ";" (a comment in ari.conf)', { ARI_PASSWORD: 'abcdefghijklmnop;x' }],
    ['with "&" (breaks the WebSocket URL)', { ARI_PASSWORD: 'abcdefghijklmnop&x' }],
  ])('refuses to start with an ARI password %s', (_what, env: Record<string, string>) => {
    expectRefused(run({ ...SIP, ...env }), /ARI_PASSWORD/);
  });

  test.each([
    ['1001 unset', { SIP_PASSWORD_1002: SIP.SIP_PASSWORD_1002 }, /set SIP_PASSWORD_1001 in \.env/],
    ['1002 empty', { SIP_PASSWORD_1001: SIP.SIP_PASSWORD_1001, SIP_PASSWORD_1002: '' }, /set SIP_PASSWORD_1002 in \.env/],
    ['1002 still the placeholder', { SIP_PASSWORD_1001: SIP.SIP_PASSWORD_1001, SIP_PASSWORD_1002: 'change-me-1002' }, /set SIP_PASSWORD_1002 in \.env/],
    ['1001 too short', { ...SIP, SIP_PASSWORD_1001: 'abc12345' }, /SIP_PASSWORD_1001 must be 12\+ characters/],
    ['1001 with a ";" (a comment in pjsip.conf)', { ...SIP, SIP_PASSWORD_1001: 'abcdefghijkl;x' }, /SIP_PASSWORD_1001 must be 12\+ characters/],
  ])('refuses to start with SIP_PASSWORD_%s, naming the variable', (_what, env: Record<string, string>, message) => {
    expectRefused(run({ ...ARI, ...env }), message);
  });

  test("a site's own phone with a change-me-<ext> placeholder needs its SIP_PASSWORD_<ext>", () => {
    const conf = confWith('[1003]\ntype = auth\nauth_type = userpass\nusername = 1003\npassword = change-me-1003\n');
    expectRefused(run({ ...ARI, ...SIP }, conf), /set SIP_PASSWORD_1003 in \.env, the SIP password of phone 1003/);
    const result = run({ ...ARI, SIP_PASSWORD_1003: 'x'.repeat(12) + '-1003' }, conf);
    expect(result.status).toBe(0);
    expect(fs.readFileSync(path.join(etc(), 'pjsip.conf'), 'utf8')).toContain(`password = ${'x'.repeat(12)}-1003\n`);
  });

  test('a placeholder password without an extension suffix has no variable: refused with its line number', () => {
    const conf = confWith('[trunk]\ntype = auth\nusername = trunk\npassword = change-me ; the provider\'s\n');
    expectRefused(run({ ...ARI, ...SIP }, conf), /pjsip\.conf line 4 has a placeholder password/);
  });

  test('a pjsip.conf with real passwords needs no variable and is installed as it is, mode 600', () => {
    const pjsip = '[1001]\ntype = auth\nauth_type = userpass\nusername = 1001\npassword = s3cret-written-by-hand\n';
    const result = run(ARI, confWith(pjsip));
    expect(result.status).toBe(0);
    expect(fs.readFileSync(path.join(etc(), 'pjsip.conf'), 'utf8')).toBe(pjsip);
    expect(fs.statSync(path.join(etc(), 'pjsip.conf')).mode & 0o777).toBe(0o600);
  });
});
