/**
 * The manual page of voice-portal-admin (roff, section 1), generated from the command tree
 * and the same help texts `--help` prints, so the two cannot disagree:
 * `voice-portal-admin man > voice-portal-admin.1` (scripts/install.sh installs it).
 */
import type { Command, Option } from 'commander';

/** Escape text for roff: backslashes, and a leading dot or quote that would start a request. */
function roff(text: string): string {
  return text
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .split('\n')
    .map((line) => (/^[.']/.test(line) ? `\\&${line}` : line))
    .join('\n');
}

function optionEntries(options: readonly Option[]): string[] {
  return options
    .filter((o) => !o.hidden)
    .flatMap((o) => {
      const choices = o.argChoices ? ` (${o.argChoices.join(', ')})` : '';
      const fallback = o.defaultValue !== undefined && typeof o.defaultValue !== 'boolean' ? ` (default: ${String(o.defaultValue)})` : '';
      return ['.TP', `.B ${roff(o.flags)}`, roff(`${o.description}${choices}${fallback}`)];
    });
}

function commandEntries(command: Command, path: string[]): string[] {
  const out: string[] = [];
  for (const sub of command.commands) {
    const subPath = [...path, sub.name()];
    const args = sub.registeredArguments.map((a) => (a.required ? `<${a.name()}>` : `[${a.name()}]`)).join(' ');
    if (sub.commands.length === 0) {
      const aliases = sub.aliases().length > 0 ? ` (alias: ${sub.aliases().join(', ')})` : '';
      out.push('.TP', `.B ${roff([...subPath, args].filter((s) => s !== '').join(' '))}`, roff(`${sub.description()}${aliases}`));
      const options = optionEntries(sub.options);
      if (options.length > 0) out.push('.RS', ...options, '.RE');
    } else {
      out.push('.SS', roff(subPath.join(' ')), roff(sub.description()));
      out.push(...commandEntries(sub, subPath));
    }
  }
  return out;
}

export function manPage(root: Command, sections: { environment: string; version: string }): string {
  const name = root.name();
  const lines = [
    `.TH ${name.toUpperCase().replace(/-/g, '\\-')} 1 "" "${name} ${sections.version}" "voice-portal"`,
    '.SH NAME',
    `${roff(name)} \\- ${roff(root.description())}`,
    '.SH SYNOPSIS',
    `.B ${roff(name)}`,
    '[\\fIglobal options\\fR] \\fIcommand\\fR [\\fIsub\\-command\\fR] [\\fIarguments\\fR] [\\fIoptions\\fR]',
    '.SH DESCRIPTION',
    roff(
      `${name} administers the voice portal against the Redis the application uses: the default PIN, the PIN policy, locations and their admin passcode, users and their PINs, resets and unlocks, the spray throttle, voice messages, the audit trail. PINs and passcodes are never given as arguments: they are asked twice on a terminal, without echo, or read as one line on standard input.`,
    ),
    '.SH GLOBAL OPTIONS',
    ...optionEntries(root.options),
    '.SH COMMANDS',
    ...commandEntries(root, []),
    '.SH ENVIRONMENT',
    '.nf',
    roff(sections.environment.trim()),
    '.fi',
    '.SH FILES',
    '.TP',
    '.B /etc/voice\\-portal/voice\\-portal.env',
    'the service\'s settings, read by the installed command (see \\fB\\-\\-env\\fR)',
    '.SH SEE ALSO',
    'The README of voice\\-portal, and its docs/ folder: the user guide and the administrator guide.',
    '',
  ];
  return lines.join('\n');
}
