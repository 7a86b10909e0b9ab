/**
 * Shell completion for voice-portal-admin, generated from the command tree itself (so it can
 * never list a command or an option that does not exist): `voice-portal-admin completion
 * bash|zsh|fish` prints the script to source.
 *
 * What completes: command and sub-command names (with their aliases), the options of the
 * command being typed plus the global ones, and the values of options with a fixed set of
 * choices (--language en|fr, -o json|table|wide…). Ids (users, locations) are not completed:
 * that would need Redis on every key press.
 */
import type { Command, Option } from 'commander';

/** One command of the tree, flattened: its path of names and what may follow it. */
interface Node {
  path: string[];
  /** Sub-command names and aliases. */
  words: string[];
  /** Flags of this command and the global ones. */
  flags: string[];
  /** Flags that take a value: their fixed choices, 'file' for a path, 'free' for anything else. */
  valued: Map<string, string[] | 'file' | 'free'>;
  description: string;
}

type Valued = Map<string, string[] | 'file' | 'free'>;

function flagsOf(options: readonly Option[]): { flags: string[]; valued: Valued } {
  const flags: string[] = [];
  const valued: Valued = new Map();
  for (const option of options) {
    if (option.hidden) continue;
    for (const flag of [option.long, option.short]) {
      if (!flag) continue;
      flags.push(flag);
      if (option.required || option.optional) {
        valued.set(flag, option.argChoices ? [...option.argChoices] : /<(file|dir|path)>/.test(option.flags) ? 'file' : 'free');
      }
    }
  }
  return { flags, valued };
}

function flatten(root: Command): Node[] {
  const global = flagsOf(root.options);
  const nodes: Node[] = [];
  const visit = (command: Command, path: string[]): void => {
    const own = command === root ? { flags: [], valued: new Map() as Valued } : flagsOf(command.options);
    nodes.push({
      path,
      words: [...command.commands.flatMap((c) => [c.name(), ...c.aliases()]), ...command.registeredArguments.flatMap((a) => a.argChoices ?? [])],
      flags: [...own.flags, ...global.flags, '--help'],
      valued: new Map([...global.valued, ...own.valued]),
      description: command.description(),
    });
    for (const sub of command.commands) {
      for (const name of [sub.name(), ...sub.aliases()]) visit(sub, [...path, name]);
    }
  };
  visit(root, []);
  return nodes;
}

const quoteSh = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;

/** Bash (and zsh through bashcompinit): one function keyed by the command path typed so far. */
export function bashCompletion(root: Command): string {
  const program = root.name();
  const fn = `_${program.replace(/[^A-Za-z0-9]/g, '_')}`;
  const cases = flatten(root).map((node) => {
    const key = node.path.join(' ');
    const values = [...node.valued].map(([flag, choices]) => {
      const reply = choices === 'file' ? 'compgen -f -- "$cur"' : choices === 'free' ? 'true' : `compgen -W ${quoteSh(choices.join(' '))} -- "$cur"`;
      return `        ${quoteSh(flag)}) COMPREPLY=($(${reply})); return ;;`;
    });
    return [
      `    ${quoteSh(key)})`,
      `      case "$prev" in`,
      ...values,
      `      esac`,
      `      subs=${quoteSh(node.words.join(' '))} flags=${quoteSh(node.flags.join(' '))} ;;`,
    ].join('\n');
  });
  return `# bash completion for ${program} (generated: ${program} completion bash)
# Load it: source <(${program} completion bash)   or save it under
# /etc/bash_completion.d/${program}
${fn}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}"
  local path="" word subs="" flags="" i
  # The command path: the words before the cursor that are not options or option values.
  local known=${quoteSh(flatten(root).map((n) => n.path.join(' ')).filter((p) => p !== '').join('|'))}
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"
    [[ "$word" == -* ]] && continue
    if [[ "|$known|" == *"|\${path:+$path }$word|"* ]]; then path="\${path:+$path }$word"; fi
  done
  COMPREPLY=()
  case "$path" in
${cases.join('\n')}
  esac
  # Options when an option is being typed, or when nothing else can follow (a leaf command).
  if [[ "$cur" == -* || -z "$subs" ]]; then COMPREPLY=($(compgen -W "$flags" -- "$cur"))
  else COMPREPLY=($(compgen -W "$subs" -- "$cur")); fi
}
complete -F ${fn} ${program}
`;
}

export function zshCompletion(root: Command): string {
  const program = root.name();
  return `#compdef ${program}
# zsh completion for ${program} (generated: ${program} completion zsh), through zsh's
# bash-completion layer. Load it: source <(${program} completion zsh)
autoload -U +X bashcompinit && bashcompinit
${bashCompletion(root)}`;
}

export function fishCompletion(root: Command): string {
  const program = root.name();
  const fn = `__${program.replace(/[^A-Za-z0-9]/g, '_')}_path`;
  const lines: string[] = [
    `# fish completion for ${program} (generated: ${program} completion fish)`,
    `# Load it: ${program} completion fish | source   or save it as`,
    `# ~/.config/fish/completions/${program}.fish`,
    `complete -c ${program} -f`,
    `# True when the command path typed so far (words that are not options) is exactly $argv.`,
    `function ${fn}`,
    `    set -l words (commandline -opc)[2..-1]`,
    `    set -l path`,
    `    for w in $words`,
    `        string match -q -- '-*' $w; and continue`,
    `        set -a path $w`,
    `    end`,
    `    test "$path" = "$argv"`,
    `end`,
  ];
  for (const node of flatten(root)) {
    const condition = `-n '${fn} ${node.path.join(' ')}'`;
    for (const word of node.words) lines.push(`complete -c ${program} ${condition} -a ${quoteSh(word)}`);
    for (const flag of node.flags) {
      const choices = node.valued.get(flag);
      const spec = flag.startsWith('--') ? `-l ${flag.slice(2)}` : `-s ${flag.slice(1)}`;
      const value = choices === undefined ? '' : choices === 'file' ? ' -r -F' : choices === 'free' ? ' -x' : ` -x -a ${quoteSh(choices.join(' '))}`;
      lines.push(`complete -c ${program} ${condition} ${spec}${value}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

export function completionScript(root: Command, shell: Shell): string {
  switch (shell) {
    case 'bash':
      return bashCompletion(root);
    case 'zsh':
      return zshCompletion(root);
    case 'fish':
      return fishCompletion(root);
  }
}
