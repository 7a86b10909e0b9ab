/**
 * The portal's process in `npm run bench -- compare`: exactly `src/main.ts` (the production
 * entry point, unchanged), loaded through this file so that the process's command line names
 * the benchmark. Other jobs on a shared machine that stop "their" `src/main` processes by
 * name then leave the benchmark's alone.
 */
import '../../src/main';
