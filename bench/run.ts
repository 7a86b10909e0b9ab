/**
 * Benchmark runner: `npm run bench -- <name> [options]`.
 * To add a benchmark, write `async (args) => exitCode` in its own file and add ONE line to
 * BENCHES below.
 */
import { attackBench } from './attack';
import { failoverBench } from './failover';
import { compareBench } from './compare';
import { hashBench } from './hash';
import { lockoutRaceBench } from './lockout-race';
import { loginsBench } from './logins';

/** Runs one benchmark with the arguments after its name; resolves to the exit status. */
export type Bench = (args: string[]) => Promise<number>;

const BENCHES: Record<string, { run: Bench; about: string }> = {
  hash: { run: hashBench, about: 'time of one PIN verification with the current scrypt params (--count N, --check)' },
  logins: { run: loginsBench, about: 'PIN login latency through app + ARI double + Redis (--calls N, --concurrency C, --speed S)' },
  'lockout-race': { run: lockoutRaceBench, about: 'concurrent wrong PINs on one mailbox: at most maxFailures evaluated (--attempts N)' },
  attack: { run: attackBench, about: "an outside attacker's attacks (issue #11) against the app: what each got (--speed S)" },
  failover: { run: failoverBench, about: 'SIGKILL of the active instance -> next caller served: median and max (--kills N, --ttl MS)' },
  compare: { run: compareBench, about: 'portal vs the floor app, 10-1000 calls, 50 logins/s, thread pool, soak; table + JSON + SVG (--smoke, --out DIR)' },
};

function usage(): string {
  const lines = Object.entries(BENCHES).map(([name, b]) => `  ${name.padEnd(20)} ${b.about}`);
  return ['usage: npm run bench -- <name> [options]', 'benchmarks:', ...lines].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  const bench = name === undefined ? undefined : BENCHES[name];
  if (!bench) {
    console.error(name === undefined ? usage() : `unknown benchmark "${name}"\n${usage()}`);
    return 2;
  }
  return bench.run(args);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  },
);
