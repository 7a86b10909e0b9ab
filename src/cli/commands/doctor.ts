/**
 * `doctor [--fix]`: voice messages whose two halves disagree. A message is metadata in Redis
 * plus an Asterisk stored recording (`voice-portal/vm/<user>/<message>`); the application
 * orders its writes so that a crash leaves at worst an orphan recording, and a recording lost
 * on the Asterisk side leaves metadata without audio. doctor finds both and, with `--fix`,
 * deletes the orphan recordings and the metadata without audio (then corrects the lamps).
 *
 * It needs Asterisk's ARI (ARI_URL, ARI_USERNAME, ARI_PASSWORD, as the application): REST
 * only, through src/ari's connection code (the API docs are loaded, no events socket is
 * opened, so the running application keeps its Stasis app).
 *
 * Several Asterisk servers (ARI_SERVERS=name=url,…, as the application, issue #14): every
 * server is listed; a message counts as present when any server has its recording, and a
 * server that does not see a recording another server stored is reported ("server b does not
 * see …"): a message left through one server could not be heard through it. That is a
 * deployment problem (the servers must share the recording directory, README "High
 * availability"), so `--fix` leaves it alone and doctor keeps exiting 1 until it is solved.
 *
 * Exit code: 0 when everything agrees (or was fixed), 1 when problems remain (so that a
 * monitoring job notices), 2 without the ARI settings, 3 Redis unreachable.
 */
import type { Command } from 'commander';
import { connectAriRest, type AriRestSession, type StoredRecordings } from '../../ari';
import { lampMailboxName, lampServers } from '../../portal/lamps';
import {
  messageRecordingName,
  messageRecordingPrefix,
  openMessageStore,
  parseMessageRecordingName,
  type MessageStore,
  type Store,
} from '../../store';
import { ariServers, ariServerUrl, ConfigError, mwiServers } from '../../config';
import { loadCliConfig } from '../config';
import { refused, usage } from '../errors';
import { printJson, printLine } from '../output';
import type { GlobalOptions, Session } from '../session';
import { withExample } from './shared';

export type Env = Record<string, string | undefined>;

/** The message store on the Redis the CLI works on (`--redis-url` over REDIS_URL). */
export function openCliMessageStore(env: Env, command: Command): MessageStore {
  const config = loadCliConfig(env, command.optsWithGlobals<GlobalOptions>().redisUrl);
  return openMessageStore({ redis: config.redis, connectionName: 'voice-portal-cli-messages' });
}

/** The Asterisk side doctor needs. */

const ARI_CONNECT_TIMEOUT_MS = 5000;

/** ARI_URL, ARI_USERNAME, ARI_PASSWORD; null when ARI_URL is not set. Usage error when half set. */
export function ariSettings(env: Env): { url: string; username: string; password: string } | null {
  const url = env.ARI_URL;
  if (!url) return null;
  const username = env.ARI_USERNAME;
  const password = env.ARI_PASSWORD;
  if (!username || !password) throw usage('ARI_URL is set but ARI_USERNAME or ARI_PASSWORD is missing');
  return { url: serverUrl(url, 'ARI_URL'), username, password };
}

/** REST-only ARI access (no events socket: the application keeps its Stasis app). */
export async function connectAsteriskMedia(settings: { url: string; username: string; password: string }): Promise<AriRestSession> {
  try {
    return await connectAriRest(settings, ARI_CONNECT_TIMEOUT_MS);
  } catch (err) {
    throw refused(`cannot use Asterisk's ARI at ${settings.url}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** A rule of the application's configuration (config.ts), its ConfigError as a usage error. */
function asUsage<T>(read: () => T): T {
  try {
    return read();
  } catch (err) {
    throw usage(err instanceof ConfigError ? err.message : String(err));
  }
}

/** The application's rule for an Asterisk server's URL. */
function serverUrl(raw: string, name: string): string {
  return asUsage(() => ariServerUrl(raw, name));
}

/** MWI_SERVERS, read as the application reads it: which servers show a location's lamps. */
function lampServersOf(env: Env, servers: readonly { name: string }[]): Record<string, string[]> {
  return asUsage(() => mwiServers(env, servers));
}

/** ARI_SERVERS (name=url,…, read as the application reads it) with the shared ARI_USERNAME / ARI_PASSWORD; null without it. */
export function ariServerSettings(env: Env): { name: string; url: string; username: string; password: string }[] | null {
  const servers = asUsage(() => ariServers(env));
  if (!servers) return null;
  const username = env.ARI_USERNAME;
  const password = env.ARI_PASSWORD;
  if (!username || !password) throw usage('ARI_SERVERS is set but ARI_USERNAME or ARI_PASSWORD is missing');
  return servers.map((server) => ({ ...server, username, password }));
}

/** A server that does not see a message recording another server stored. */
export interface UnseenRecording {
  server: string;
  recording: string;
  /** The servers that do see it. */
  seenBy: string[];
}

export interface VoicemailDiagnosis {
  /** Message recordings in Asterisk. */
  recordings: number;
  /** Messages listed in Redis. */
  messages: number;
  /** Recordings with no message (and no deposit in progress) in Redis. */
  orphanRecordings: string[];
  /** Messages whose recording is not in Asterisk. */
  missingRecordings: { userId: string; messageId: string; recording: string }[];
}

/**
 * Compare the two halves. The recordings are listed FIRST: a deposit reserves (Redis) before
 * it records and commits after, so a recording seen here is, by the time Redis is read,
 * either a listed message or a reservation: a deposit in progress is never taken for an orphan.
 */
export async function diagnoseVoicemail(messages: MessageStore, recordings: StoredRecordings): Promise<VoicemailDiagnosis> {
  return diagnoseNames(messages, await recordings.list(messageRecordingPrefix));
}

/**
 * Several servers: recordings listed on each (first, for the same reason as above), the
 * union compared with Redis as one, then every listed message's recording looked for on
 * every server.
 */
export async function diagnoseServers(
  messages: MessageStore,
  servers: { name: string; recordings: StoredRecordings }[],
): Promise<VoicemailDiagnosis & { servers: { name: string; recordings: number }[]; unseen: UnseenRecording[] }> {
  const listed = await Promise.all(servers.map(async (s) => ({ name: s.name, names: new Set(await s.recordings.list(messageRecordingPrefix)) })));
  const union = new Set(listed.flatMap((s) => [...s.names]));
  const diagnosis = await diagnoseNames(messages, [...union]);
  const unseen: UnseenRecording[] = [];
  for (const userId of await messages.usersWithMessages()) {
    for (const message of await messages.list(userId)) {
      const recording = messageRecordingName(userId, message.id);
      const seenBy = listed.filter((s) => s.names.has(recording)).map((s) => s.name);
      if (seenBy.length === 0) continue; // missing everywhere: already a missing recording
      for (const s of listed) if (!s.names.has(recording)) unseen.push({ server: s.name, recording, seenBy });
    }
  }
  unseen.sort((x, y) => x.server.localeCompare(y.server) || x.recording.localeCompare(y.recording));
  return { ...diagnosis, servers: listed.map((s) => ({ name: s.name, recordings: s.names.size })), unseen };
}

async function diagnoseNames(messages: MessageStore, names: string[]): Promise<VoicemailDiagnosis> {
  const known = new Set<string>();
  const missingRecordings: VoicemailDiagnosis['missingRecordings'] = [];
  const present = new Set(names);
  let messageCount = 0;
  for (const userId of await messages.usersWithMessages()) {
    for (const message of await messages.list(userId)) {
      messageCount += 1;
      const recording = messageRecordingName(userId, message.id);
      known.add(recording);
      if (!present.has(recording)) missingRecordings.push({ userId, messageId: message.id, recording });
    }
    for (const messageId of await messages.pending(userId)) known.add(messageRecordingName(userId, messageId));
  }
  // Names under the prefix that are not `<user>/<message>` were not written by the portal: left alone.
  const orphanRecordings = names.filter((n) => parseMessageRecordingName(n) !== null && !known.has(n)).sort();
  return { recordings: names.length, messages: messageCount, orphanRecordings, missingRecordings };
}

/** An Asterisk server doctor works on (`default` for the one of ARI_URL). */
export interface DoctorServer {
  name: string;
  media: AriRestSession;
}

/**
 * Delete the orphan recordings (on every server: each may have a copy) and the metadata
 * without audio (once), then correct the lamps of the users touched on each server that
 * shows them (MWI_SERVERS, as the application).
 */
export async function repairVoicemail(
  diagnosis: VoicemailDiagnosis,
  messages: MessageStore,
  servers: readonly DoctorServer[],
  store: Pick<Store, 'getUser'>,
  serversOfLocation: Readonly<Record<string, readonly string[]>> = {},
): Promise<void> {
  for (const { media } of servers) for (const name of diagnosis.orphanRecordings) await media.recordings.remove(name);
  const touched = new Set<string>();
  for (const missing of diagnosis.missingRecordings) {
    await messages.remove(missing.userId, missing.messageId);
    touched.add(missing.userId);
  }
  const names = servers.map((s) => s.name);
  for (const userId of touched) {
    const user = await store.getUser(userId);
    if (!user) continue;
    const counts = await messages.counts(userId);
    const showing = lampServers(user.locationId, serversOfLocation, names);
    for (const { name, media } of servers) if (showing.includes(name)) await media.lamps.update(lampMailboxName(user.extension), counts);
  }
}

export function registerDoctor(program: Command, session: Session, env: Env): void {
  withExample(
    program
      .command('doctor')
      .description('check that every voice message has its recording in Asterisk and every message recording its message (needs ARI_URL, ARI_USERNAME, ARI_PASSWORD)')
      .option('--fix', 'delete orphan recordings and the messages whose recording is lost')
      .action(async (options: { fix?: boolean }, command: Command) => {
        const several = ariServerSettings(env);
        if (several) {
          await doctorServers(several, Boolean(options.fix), session, env, command);
          return;
        }
        const settings = ariSettings(env);
        if (!settings) throw usage('doctor needs ARI_URL, ARI_USERNAME and ARI_PASSWORD (the application\'s ARI settings)');
        const store = await session.store();
        const messages = openCliMessageStore(env, command);
        let media: AriRestSession | undefined;
        try {
          media = await connectAsteriskMedia(settings);
          const diagnosis = await diagnoseVoicemail(messages, media.recordings);
          const problems = diagnosis.orphanRecordings.length + diagnosis.missingRecordings.length;
          if (options.fix && problems > 0) await repairVoicemail(diagnosis, messages, [{ name: 'default', media }], store);
          const fixed = Boolean(options.fix) && problems > 0;
          if (session.json) {
            printJson(session.out, { ...diagnosis, problems, fixed });
          } else {
            printLine(session.out, `${diagnosis.messages} message(s) in Redis, ${diagnosis.recordings} message recording(s) in Asterisk.`);
            for (const name of diagnosis.orphanRecordings) printLine(session.out, `orphan recording (no message): ${name}${fixed ? ' - deleted' : ''}`);
            for (const m of diagnosis.missingRecordings) printLine(session.out, `message without recording: ${m.userId} ${m.messageId}${fixed ? ' - removed' : ''}`);
            if (problems === 0) printLine(session.out, 'Everything agrees.');
            else if (fixed) printLine(session.out, `${problems} problem(s) fixed.`);
          }
          if (problems > 0 && !fixed) throw refused(`${problems} problem(s) found; run voice-portal-admin doctor --fix to clean them`);
        } finally {
          media?.close();
          await messages.close();
        }
      }),
    'voice-portal-admin doctor',
    'voice-portal-admin doctor --fix --json',
  );
}

/** doctor with ARI_SERVERS: the same checks over every server, plus the unseen recordings. */
async function doctorServers(
  settings: { name: string; url: string; username: string; password: string }[],
  fix: boolean,
  session: Session,
  env: Env,
  command: Command,
): Promise<void> {
  const store = await session.store();
  const messages = openCliMessageStore(env, command);
  const sessions: DoctorServer[] = [];
  try {
    // One after another: swagger-client's credentials are process-global (they are the same
    // for every server anyway, as in the application).
    for (const s of settings) sessions.push({ name: s.name, media: await connectAsteriskMedia(s) });
    const diagnosis = await diagnoseServers(messages, sessions.map((s) => ({ name: s.name, recordings: s.media.recordings })));
    const fixable = diagnosis.orphanRecordings.length + diagnosis.missingRecordings.length;
    if (fix && fixable > 0) await repairVoicemail(diagnosis, messages, sessions, store, lampServersOf(env, settings));
    const fixed = fix && fixable > 0;
    const problems = fixable + diagnosis.unseen.length;
    if (session.json) {
      printJson(session.out, { ...diagnosis, problems, fixed });
    } else {
      printLine(session.out, `${diagnosis.messages} message(s) in Redis, ${diagnosis.recordings} message recording(s) over ${sessions.length} Asterisk servers (${diagnosis.servers.map((s) => `${s.name}: ${s.recordings}`).join(', ')}).`);
      for (const name of diagnosis.orphanRecordings) printLine(session.out, `orphan recording (no message): ${name}${fixed ? ' - deleted' : ''}`);
      for (const m of diagnosis.missingRecordings) printLine(session.out, `message without recording: ${m.userId} ${m.messageId}${fixed ? ' - removed' : ''}`);
      for (const u of diagnosis.unseen) {
        printLine(session.out, `server ${u.server} does not see recording ${u.recording} (stored through ${u.seenBy.join(', ')}): share the recording directory between the servers`);
      }
      if (problems === 0) printLine(session.out, 'Everything agrees.');
      else if (fixed) printLine(session.out, `${fixable} problem(s) fixed.`);
    }
    if (diagnosis.unseen.length > 0) throw refused(`${diagnosis.unseen.length} recording(s) not seen by every Asterisk server; see README "High availability"`);
    if (problems > 0 && !fixed) throw refused(`${problems} problem(s) found; run voice-portal-admin doctor --fix to clean them`);
  } finally {
    for (const { media } of sessions) media.close();
    await messages.close();
  }
}
