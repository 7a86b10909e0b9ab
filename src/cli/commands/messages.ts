/**
 * Voice messages in the admin CLI (issue step 6 §5):
 * - `user messages <id>`: the user's messages (new first, then saved, oldest first);
 * - `user remove <id>` is refused while the user has messages, unless `--force`, which
 *   deletes them first (metadata, then the recordings when ARI_URL is set; without it the
 *   recordings are left as orphans for `doctor --fix`, and a warning says so).
 *
 * Messages live in their own store (src/store/messages.ts) on a connection of their own; the
 * session's Store is opened first so that an unreachable Redis gives the usual exit 3.
 */
import type { Command } from 'commander';
import { messageRecordingName, NotFound, type MessageStore, type VoiceMessage } from '../../store';
import { paint } from '../colour';
import { confirmDestructive } from '../confirm';
import { refused } from '../errors';
import { iso, printJson, printLine, printTable, type Column } from '../output';
import type { Session } from '../session';
import { ariSettings, connectAsteriskMedia, openCliMessageStore, type Env } from './doctor';
import { withExample } from './shared';
import { escapeForTerminal } from '../escape';

export interface MessageJson {
  id: string;
  status: 'new' | 'saved';
  callerNumber: string | null;
  callerName: string | null;
  receivedAt: string | null;
  durationSec: number;
  recording: string;
}

export function messageJson(m: VoiceMessage): MessageJson {
  return {
    id: m.id,
    status: m.status,
    callerNumber: m.callerNumber || null,
    callerName: m.callerName || null,
    receivedAt: iso(m.receivedAt),
    durationSec: m.durationSec,
    recording: messageRecordingName(m.userId, m.id),
  };
}

/**
 * Delete every message of a user (user remove --force): metadata first, then each recording
 * through ARI when configured. Returns how many recordings were left for doctor.
 */
async function purgeMessages(messages: MessageStore, userId: string, env: Env): Promise<{ removed: number; recordingsLeft: number }> {
  const list = await messages.list(userId);
  for (const m of list) await messages.remove(userId, m.id);
  const settings = ariSettings(env);
  if (list.length === 0) return { removed: 0, recordingsLeft: 0 };
  if (!settings) return { removed: list.length, recordingsLeft: list.length };
  const media = await connectAsteriskMedia(settings);
  try {
    for (const m of list) await media.recordings.remove(messageRecordingName(userId, m.id));
  } finally {
    media.close();
  }
  return { removed: list.length, recordingsLeft: 0 };
}

const MESSAGE_COLUMNS: Column<VoiceMessage>[] = [
  { header: 'ID', value: (m) => m.id },
  { header: 'STATUS', value: (m) => m.status },
  { header: 'RECEIVED', value: (m) => iso(m.receivedAt) ?? '-' },
  { header: 'FROM', value: (m) => m.callerNumber || 'anonymous' },
  { header: 'LENGTH', value: (m) => `${m.durationSec}s` },
  { header: 'CALLER NAME', value: (m) => m.callerName },
];

export function registerMessages(program: Command, session: Session, env: Env): void {
  const user = program.commands.find((c) => c.name() === 'user');
  if (!user) throw new Error('registerMessages: the user command group must be registered first');

  withExample(
    user
      .command('messages')
      .description("list a user's voice messages (new first, then saved; oldest first)")
      .argument('<id>', 'user id')
      .action(async (id: string, _options: unknown, command: Command) => {
        const store = await session.store();
        if (!(await store.getUser(id))) throw new NotFound(`no user ${id}`);
        const messages = openCliMessageStore(env, command);
        try {
          const list = await messages.list(id);
          const counts = { new: list.filter((m) => m.status === 'new').length, saved: list.filter((m) => m.status === 'saved').length };
          if (session.json) {
            printJson(session.out, { userId: id, counts, messages: list.map(messageJson) });
            return;
          }
          printLine(session.out, `${id}: ${counts.new} new, ${counts.saved} saved`);
          printTable(session.out, MESSAGE_COLUMNS, list);
        } finally {
          await messages.close();
        }
      }),
    'voice-portal-admin user messages alice --json',
  );

  // `user remove` (user.ts) declares --force for dependants; voice messages are one: check them
  // before its action runs.
  const remove = user.commands.find((c) => c.name() === 'remove');
  if (!remove) throw new Error('registerMessages: user remove must be registered first');
  remove.hook('preAction', async (_hooked, action) => {
    const [id] = action.args;
    if (id === undefined) return;
    const force = Boolean(action.opts<{ force?: boolean }>().force);
    await session.writableStore();
    const messages = openCliMessageStore(env, action);
    try {
      const count = (await messages.list(id)).length;
      if (count === 0) return;
      if (!force) throw refused(`user ${id} has ${count} voice message(s): use --force to delete them with the user`);
      await confirmDestructive(session, `This removes user ${id} and deletes their ${count} voice message(s)`, id);
      const { recordingsLeft } = await purgeMessages(messages, id, env);
      if (recordingsLeft > 0) {
        session.streams.stderr.write(
          `${paint('warn', 'warning:', session.errorColour)} ${escapeForTerminal(`${recordingsLeft} message recording(s) of ${id} left in Asterisk (ARI_URL not set): run voice-portal-admin doctor --fix with the ARI settings`)}\n`,
        );
      }
    } finally {
      await messages.close();
    }
  });
}
