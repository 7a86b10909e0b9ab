/**
 * The operations of `/api/v1`, as one table: the server registers each row as a fastify route
 * (with its schemas) and openapi.ts turns the same rows into the OpenAPI 3 document, so the
 * document cannot drift from what is served.
 */
import type { RecordingFile } from '../ari';
import type { UserGreeting } from '../portal/recording-names';
import type { Actor, TokenScope } from '../store';
import * as s from './schemas';
import type { JsonSchema } from './schemas';
import type { SelfService } from './service';

export type Method = 'GET' | 'PUT' | 'POST' | 'DELETE';

export interface RouteInput {
  service: SelfService;
  actor: Actor;
  params: Record<string, string>;
  body: unknown;
}

export type RouteResult = { status: 200; json: unknown } | { status: 204 } | { status: 200; audio: RecordingFile };

export interface ApiRoute {
  method: Method;
  /** Under /api/v1, with `{param}` placeholders (OpenAPI style). */
  path: string;
  operationId: string;
  summary: string;
  /** Scopes that may call it. */
  scopes: readonly TokenScope[];
  params: JsonSchema;
  body?: JsonSchema;
  /** 200 JSON schema, or 'audio' (the WAV as Asterisk stored it), or 204. */
  response: JsonSchema | 'audio' | 204;
  /** Error statuses this operation may answer besides the common ones (400 401 403 404 429 503). */
  errors?: number[];
  handle(input: RouteInput): Promise<RouteResult>;
}

const ANY: readonly TokenScope[] = ['self-service', 'admin'];
const ADMIN: readonly TokenScope[] = ['admin'];

const pinOf = (body: unknown): string => (body as { pin: string }).pin;
const json = (value: unknown): RouteResult => ({ status: 200, json: value });
const noContent: RouteResult = { status: 204 };

export const API_ROUTES: readonly ApiRoute[] = [
  {
    method: 'GET',
    path: '/users/{userId}',
    operationId: 'getUser',
    summary: "A user's state: PIN state (never the PIN nor a hash), lock, name recording, message counts",
    scopes: ANY,
    params: s.userIdParams,
    response: s.userView,
    handle: async ({ service, params }) => json(await service.userView(params.userId as string)),
  },
  {
    method: 'PUT',
    path: '/users/{userId}/pin',
    operationId: 'setPin',
    summary: 'Self-service: set a new PIN (whole PIN policy); unlocks the mailbox; works at once, no forced change',
    scopes: ANY,
    params: s.userIdParams,
    body: s.pinBody,
    response: s.userView,
    errors: [413, 415, 422],
    handle: async ({ service, params, body, actor }) => json(await service.setPin(params.userId as string, pinOf(body), actor)),
  },
  {
    method: 'POST',
    path: '/users/{userId}/unlock',
    operationId: 'unlockUser',
    summary: 'Unlock the mailbox without changing the PIN (admin scope)',
    scopes: ADMIN,
    params: s.userIdParams,
    response: s.unlockResult,
    handle: async ({ service, params, actor }) => json(await service.unlock(params.userId as string, actor)),
  },
  {
    method: 'POST',
    path: '/users/{userId}/reset-pin',
    operationId: 'resetPin',
    summary: 'Administrator reset: unlock; the default PIN with a forced change (no PIN without one); the name is recorded again (admin scope)',
    scopes: ADMIN,
    params: s.userIdParams,
    response: s.resetResult,
    handle: async ({ service, params, actor }) => json(await service.resetPin(params.userId as string, actor)),
  },
  {
    method: 'GET',
    path: '/users/{userId}/messages',
    operationId: 'listMessages',
    summary: "The user's voice messages: new then saved, each oldest first",
    scopes: ANY,
    params: s.userIdParams,
    response: s.messageList,
    handle: async ({ service, params }) => json({ messages: await service.listMessages(params.userId as string) }),
  },
  {
    method: 'GET',
    path: '/users/{userId}/messages/{messageId}/audio',
    operationId: 'getMessageAudio',
    summary: "A message's audio, streamed from Asterisk's stored recording (audio/wav)",
    scopes: ANY,
    params: s.messageParams,
    response: 'audio',
    handle: async ({ service, params }) => ({ status: 200, audio: await service.openMessageAudio(params.userId as string, params.messageId as string) }),
  },
  {
    method: 'POST',
    path: '/users/{userId}/messages/{messageId}/save',
    operationId: 'saveMessage',
    summary: 'Mark a message as saved (heard); the message-waiting lamp follows',
    scopes: ANY,
    params: s.messageParams,
    response: s.messageView,
    handle: async ({ service, params }) => json(await service.saveMessage(params.userId as string, params.messageId as string)),
  },
  {
    method: 'DELETE',
    path: '/users/{userId}/messages/{messageId}',
    operationId: 'deleteMessage',
    summary: 'Delete a message and its recording; the message-waiting lamp follows',
    scopes: ANY,
    params: s.messageParams,
    response: 204,
    handle: async ({ service, params }) => {
      await service.deleteMessage(params.userId as string, params.messageId as string);
      return noContent;
    },
  },
  {
    method: 'GET',
    path: '/users/{userId}/greetings',
    operationId: 'listGreetings',
    summary: 'Whether the busy and the no-answer (unavailable) greetings are recorded (else the default plays)',
    scopes: ANY,
    params: s.userIdParams,
    response: s.greetingList,
    handle: async ({ service, params }) => json({ greetings: await service.greetings(params.userId as string) }),
  },
  {
    method: 'GET',
    path: '/users/{userId}/greetings/{kind}/audio',
    operationId: 'getGreetingAudio',
    summary: 'A recorded greeting, streamed from Asterisk (audio/wav); 404 when the default applies',
    scopes: ANY,
    params: s.greetingParams,
    response: 'audio',
    handle: async ({ service, params }) => ({ status: 200, audio: await service.openGreetingAudio(params.userId as string, params.kind as UserGreeting) }),
  },
  {
    method: 'DELETE',
    path: '/users/{userId}/greetings/{kind}',
    operationId: 'restoreDefaultGreeting',
    summary: 'Back to the default greeting (the recorded one is deleted)',
    scopes: ANY,
    params: s.greetingParams,
    response: 204,
    handle: async ({ service, params, actor }) => {
      await service.restoreDefaultGreeting(params.userId as string, params.kind as UserGreeting, actor);
      return noContent;
    },
  },
];

/** `/users/{userId}` → `/users/:userId` (fastify's form). */
export const fastifyPath = (path: string): string => path.replace(/\{(\w+)\}/g, ':$1');
