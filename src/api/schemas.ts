/**
 * JSON Schemas of every input and output of `/api/v1`: fastify validates requests against
 * them (no input reaches a handler unchecked), and openapi.ts publishes the same objects.
 */

export type JsonSchema = Record<string, unknown>;

/** Same rule as the store's ids (src/store/keys.ts isValidId). */
export const ID_PATTERN = '^[A-Za-z0-9_.-]{1,64}$';
/** Same rule as the store's message ids (src/store/messages.ts). */
export const MESSAGE_ID_PATTERN = '^[a-z0-9]{1,16}-[a-f0-9]{8}$';

export const userIdParams: JsonSchema = {
  type: 'object',
  properties: { userId: { type: 'string', pattern: ID_PATTERN, description: 'user id' } },
  required: ['userId'],
  additionalProperties: false,
};

export const messageParams: JsonSchema = {
  type: 'object',
  properties: {
    userId: { type: 'string', pattern: ID_PATTERN, description: 'user id' },
    messageId: { type: 'string', pattern: MESSAGE_ID_PATTERN, description: 'message id' },
  },
  required: ['userId', 'messageId'],
  additionalProperties: false,
};

export const greetingParams: JsonSchema = {
  type: 'object',
  properties: {
    userId: { type: 'string', pattern: ID_PATTERN, description: 'user id' },
    kind: { type: 'string', enum: ['busy', 'unavailable'], description: 'busy or no-answer (unavailable) greeting' },
  },
  required: ['userId', 'kind'],
  additionalProperties: false,
};

/** Only in a JSON body, never in a URL. Digits are the policy's business (reason not-digits). */
export const pinBody: JsonSchema = {
  type: 'object',
  properties: { pin: { type: 'string', minLength: 1, maxLength: 64, description: 'the new PIN (digits); never logged, never echoed' } },
  required: ['pin'],
  additionalProperties: false,
};

const nullableString = { type: ['string', 'null'] };
const nullableDate = { type: ['string', 'null'], format: 'date-time' };

export const userView: JsonSchema = {
  type: 'object',
  description: "A user's state. Never a PIN, never a hash.",
  properties: {
    id: { type: 'string' },
    locationId: { type: 'string' },
    extension: { type: 'string' },
    number: nullableString,
    name: nullableString,
    email: nullableString,
    language: { ...nullableString, description: "null: the location's language applies" },
    pin: {
      type: 'object',
      properties: { set: { type: 'boolean' }, mustChange: { type: 'boolean' }, changedAt: nullableDate },
      required: ['set', 'mustChange', 'changedAt'],
    },
    locked: { type: 'boolean' },
    lockedSince: nullableDate,
    failures: { type: 'integer' },
    nameRecording: {
      type: 'object',
      properties: { mustRecord: { type: 'boolean' }, recorded: { type: ['boolean', 'null'], description: 'null: the PBX cannot be asked right now' } },
      required: ['mustRecord', 'recorded'],
    },
    messages: { type: 'object', properties: { new: { type: 'integer' }, saved: { type: 'integer' } }, required: ['new', 'saved'] },
  },
  required: ['id', 'locationId', 'extension', 'number', 'name', 'email', 'language', 'pin', 'locked', 'lockedSince', 'failures', 'nameRecording', 'messages'],
};

export const messageView: JsonSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    status: { type: 'string', enum: ['new', 'saved'] },
    callerNumber: nullableString,
    callerName: nullableString,
    receivedAt: { type: 'string', format: 'date-time' },
    durationSec: { type: 'integer' },
  },
  required: ['id', 'status', 'callerNumber', 'callerName', 'receivedAt', 'durationSec'],
};

export const messageList: JsonSchema = {
  type: 'object',
  properties: { messages: { type: 'array', items: messageView, description: 'new messages then saved ones, each oldest first' } },
  required: ['messages'],
};

export const greetingList: JsonSchema = {
  type: 'object',
  properties: {
    greetings: {
      type: 'array',
      items: {
        type: 'object',
        properties: { kind: { type: 'string', enum: ['busy', 'unavailable'] }, recorded: { type: ['boolean', 'null'] } },
        required: ['kind', 'recorded'],
      },
    },
  },
  required: ['greetings'],
};

export const unlockResult: JsonSchema = {
  type: 'object',
  properties: { wasLocked: { type: 'boolean' }, user: userView },
  required: ['wasLocked', 'user'],
};

export const resetResult: JsonSchema = {
  type: 'object',
  properties: { pin: { type: 'string', enum: ['default', 'none'], description: 'default: the default PIN, to be changed at the next call; none: no default PIN is set' }, user: userView },
  required: ['pin', 'user'],
};

export const problem: JsonSchema = {
  type: 'object',
  description: 'RFC 9457 problem details',
  properties: {
    type: { type: 'string', format: 'uri' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    reason: { type: 'string', enum: ['not-digits', 'too-short', 'too-long', 'too-simple', 'contains-number', 'used-recently', 'is-default'], description: 'PIN rejections only: the policy reason code (as the CLI)' },
    reasonText: { type: 'string', description: 'PIN rejections only: the reason as the CLI prints it' },
    errors: { type: 'array', items: { type: 'string' } },
  },
  required: ['type', 'title', 'status'],
};
