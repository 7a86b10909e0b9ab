/**
 * The self-service server of issue #15 on top of the end-to-end harness: the unchanged app
 * against the ARI double and a private Redis, plus `startApiServer` wired as main.ts wires it
 * (the app's store, messages and lamps; audio over ARI REST from the double). Its logs are
 * captured so tests can prove no PIN ever reaches them.
 */
import { Writable } from 'node:stream';
import winston from 'winston';
import { startApiServer, type ApiServer } from '../../src/api/server';
import { recordingFilesOverHttp } from '../../src/ari';
import type { ApiConfig } from '../../src/config';
import type { Logger } from '../../src/log';
import { ARI_PASS, ARI_USER, startHarness, type Harness, type HarnessOptions } from '../support/portal-harness';

export interface ApiHarness extends Harness {
  api: ApiServer;
  base: string;
  /** Every log line of the app and the API so far (JSON lines). */
  logs: string[];
  /** The rate limits' clock: tests move it instead of waiting. */
  clock: { now: number };
}

export function capturingLogger(lines: string[]): Logger {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return winston.createLogger({ level: 'debug', format: winston.format.json(), transports: [new winston.transports.Stream({ stream: sink })] });
}

export const API_DEFAULTS: ApiConfig = {
  port: 0,
  host: '127.0.0.1',
  tokenRatePerMinute: 1000,
  userRatePerMinute: 1000,
  webAuthHeader: 'x-forwarded-user',
  webTrustedProxies: ['127.0.0.1'],
  webCsrfSecret: 'test-csrf-secret-0123456789',
};

export async function startApiHarness(opts: { api?: Partial<ApiConfig>; harness?: HarnessOptions } = {}): Promise<ApiHarness> {
  const logs: string[] = [];
  const logger = capturingLogger(logs);
  const h = await startHarness({ ...opts.harness, logger });
  const clock = { now: Date.now() };
  try {
    const api = await startApiServer({
      deps: {
        store: h.app.store,
        messages: h.app.messages,
        recordings: recordingFilesOverHttp({ url: h.double.url, username: ARI_USER, password: ARI_PASS }),
        lamps: h.app.lamps,
        logger,
      },
      config: { ...API_DEFAULTS, ...opts.api },
      now: () => clock.now,
    });
    const close = h.close;
    return {
      ...h,
      api,
      base: `http://127.0.0.1:${api.port}`,
      logs,
      clock,
      close: async () => {
        await api.close();
        await close();
      },
    };
  } catch (err) {
    await h.close();
    throw err;
  }
}
