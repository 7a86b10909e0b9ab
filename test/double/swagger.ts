/**
 * The Swagger 1.2 documents ari-client 2.2.0 loads at connect: the resource listing and the
 * 11 API declarations of Asterisk 22 (same resources, paths, nicknames and parameter names,
 * written here from the ARI reference, not copied). ari-client builds every method
 * (`client.channels.play`, `channel.record`, …) from these, and decodes every WebSocket event
 * through the `events` models, so each event type the double sends must have a model.
 */

type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

interface ParamSpec {
  name: string;
  paramType: 'path' | 'query' | 'body';
  dataType: string;
  required: boolean;
  allowMultiple: boolean;
}

interface OperationSpec {
  httpMethod: HttpMethod;
  nickname: string;
  responseClass: string;
  parameters: ParamSpec[];
}

/** path template (e.g. `/channels/{channelId}/play`) → its operations. */
type ResourceApis = Record<string, OperationSpec[]>;

const path = (name: string): ParamSpec => ({ name, paramType: 'path', dataType: 'string', required: true, allowMultiple: false });
const query = (name: string, dataType = 'string', required = false): ParamSpec => ({
  name,
  paramType: 'query',
  dataType,
  required,
  allowMultiple: false,
});
const queryList = (name: string, required = false): ParamSpec => ({ ...query(name, 'string', required), allowMultiple: true });
const body = (name: string): ParamSpec => ({ name, paramType: 'body', dataType: 'containers', required: false, allowMultiple: false });
const op = (httpMethod: HttpMethod, nickname: string, responseClass: string, ...parameters: ParamSpec[]): OperationSpec => ({
  httpMethod,
  nickname,
  responseClass,
  parameters,
});

const PLAY_PARAMS = [queryList('media', true), query('lang'), query('offsetms', 'int'), query('skipms', 'int')];
const RECORD_PARAMS = [
  query('name', 'string', true),
  query('format', 'string', true),
  query('maxDurationSeconds', 'int'),
  query('maxSilenceSeconds', 'int'),
  query('ifExists'),
  query('beep', 'boolean'),
  query('terminateOn'),
];
const ORIGINATE_PARAMS = [
  query('endpoint', 'string', true),
  query('extension'),
  query('context'),
  query('priority', 'long'),
  query('label'),
  query('app'),
  query('appArgs'),
  query('callerId'),
  query('timeout', 'int'),
  body('variables'),
  query('otherChannelId'),
  query('originator'),
  query('formats'),
];

/** Resource name → its APIs, in the order of Asterisk's resources.json. */
export const RESOURCES: Record<string, ResourceApis> = {
  asterisk: {
    '/asterisk/config/dynamic/{configClass}/{objectType}/{id}': [
      op('GET', 'getObject', 'List[ConfigTuple]', path('configClass'), path('objectType'), path('id')),
      op('PUT', 'updateObject', 'List[ConfigTuple]', path('configClass'), path('objectType'), path('id'), body('fields')),
      op('DELETE', 'deleteObject', 'void', path('configClass'), path('objectType'), path('id')),
    ],
    '/asterisk/info': [op('GET', 'getInfo', 'AsteriskInfo', queryList('only'))],
    '/asterisk/ping': [op('GET', 'ping', 'AsteriskPing')],
    '/asterisk/modules': [op('GET', 'listModules', 'List[Module]')],
    '/asterisk/modules/{moduleName}': [
      op('GET', 'getModule', 'Module', path('moduleName')),
      op('POST', 'loadModule', 'void', path('moduleName')),
      op('DELETE', 'unloadModule', 'void', path('moduleName')),
      op('PUT', 'reloadModule', 'void', path('moduleName')),
    ],
    '/asterisk/logging': [op('GET', 'listLogChannels', 'List[LogChannel]')],
    '/asterisk/logging/{logChannelName}': [
      op('POST', 'addLog', 'void', path('logChannelName'), query('configuration', 'string', true)),
      op('DELETE', 'deleteLog', 'void', path('logChannelName')),
    ],
    '/asterisk/logging/{logChannelName}/rotate': [op('PUT', 'rotateLog', 'void', path('logChannelName'))],
    '/asterisk/variable': [
      op('GET', 'getGlobalVar', 'Variable', query('variable', 'string', true)),
      op('POST', 'setGlobalVar', 'void', query('variable', 'string', true), query('value')),
    ],
  },
  endpoints: {
    '/endpoints': [op('GET', 'list', 'List[Endpoint]')],
    '/endpoints/sendMessage': [
      op('PUT', 'sendMessage', 'void', query('to', 'string', true), query('from', 'string', true), query('body'), body('variables')),
    ],
    '/endpoints/refer': [
      op('POST', 'refer', 'void', query('to', 'string', true), query('from', 'string', true), query('refer_to', 'string', true)),
    ],
    '/endpoints/{tech}': [op('GET', 'listByTech', 'List[Endpoint]', path('tech'))],
    '/endpoints/{tech}/{resource}': [op('GET', 'get', 'Endpoint', path('tech'), path('resource'))],
    '/endpoints/{tech}/{resource}/sendMessage': [
      op('PUT', 'sendMessageToEndpoint', 'void', path('tech'), path('resource'), query('from', 'string', true), query('body'), body('variables')),
    ],
    '/endpoints/{tech}/{resource}/refer': [
      op('POST', 'referToEndpoint', 'void', path('tech'), path('resource'), query('from', 'string', true), query('refer_to', 'string', true)),
    ],
  },
  channels: {
    '/channels': [op('GET', 'list', 'List[Channel]'), op('POST', 'originate', 'Channel', ...ORIGINATE_PARAMS, query('channelId'))],
    '/channels/create': [
      op('POST', 'create', 'Channel', query('endpoint', 'string', true), query('app', 'string', true), query('appArgs'), query('channelId'), query('otherChannelId'), query('originator'), query('formats'), body('variables')),
    ],
    '/channels/externalMedia': [
      op('POST', 'externalMedia', 'Channel', query('channelId'), query('app', 'string', true), body('variables'), query('external_host', 'string', true), query('encapsulation'), query('transport'), query('connection_type'), query('format', 'string', true), query('direction'), query('data')),
    ],
    '/channels/{channelId}': [
      op('GET', 'get', 'Channel', path('channelId')),
      op('POST', 'originateWithId', 'Channel', path('channelId'), ...ORIGINATE_PARAMS),
      op('DELETE', 'hangup', 'void', path('channelId'), query('reason_code'), query('reason')),
    ],
    '/channels/{channelId}/continue': [
      op('POST', 'continueInDialplan', 'void', path('channelId'), query('context'), query('extension'), query('priority', 'int'), query('label')),
    ],
    '/channels/{channelId}/move': [op('POST', 'move', 'void', path('channelId'), query('app', 'string', true), query('appArgs'))],
    '/channels/{channelId}/redirect': [op('POST', 'redirect', 'void', path('channelId'), query('endpoint', 'string', true))],
    '/channels/{channelId}/answer': [op('POST', 'answer', 'void', path('channelId'))],
    '/channels/{channelId}/ring': [op('POST', 'ring', 'void', path('channelId')), op('DELETE', 'ringStop', 'void', path('channelId'))],
    '/channels/{channelId}/dtmf': [
      op('POST', 'sendDTMF', 'void', path('channelId'), query('dtmf'), query('before', 'int'), query('between', 'int'), query('duration', 'int'), query('after', 'int')),
    ],
    '/channels/{channelId}/mute': [
      op('POST', 'mute', 'void', path('channelId'), query('direction')),
      op('DELETE', 'unmute', 'void', path('channelId'), query('direction')),
    ],
    '/channels/{channelId}/hold': [op('POST', 'hold', 'void', path('channelId')), op('DELETE', 'unhold', 'void', path('channelId'))],
    '/channels/{channelId}/moh': [
      op('POST', 'startMoh', 'void', path('channelId'), query('mohClass')),
      op('DELETE', 'stopMoh', 'void', path('channelId')),
    ],
    '/channels/{channelId}/silence': [
      op('POST', 'startSilence', 'void', path('channelId')),
      op('DELETE', 'stopSilence', 'void', path('channelId')),
    ],
    '/channels/{channelId}/play': [op('POST', 'play', 'Playback', path('channelId'), ...PLAY_PARAMS, query('playbackId'))],
    '/channels/{channelId}/play/{playbackId}': [op('POST', 'playWithId', 'Playback', path('channelId'), path('playbackId'), ...PLAY_PARAMS)],
    '/channels/{channelId}/record': [op('POST', 'record', 'LiveRecording', path('channelId'), ...RECORD_PARAMS)],
    '/channels/{channelId}/variable': [
      op('GET', 'getChannelVar', 'Variable', path('channelId'), query('variable', 'string', true)),
      op('POST', 'setChannelVar', 'void', path('channelId'), query('variable', 'string', true), query('value')),
    ],
    '/channels/{channelId}/snoop': [
      op('POST', 'snoopChannel', 'Channel', path('channelId'), query('spy'), query('whisper'), query('app', 'string', true), query('appArgs'), query('snoopId')),
    ],
    '/channels/{channelId}/snoop/{snoopId}': [
      op('POST', 'snoopChannelWithId', 'Channel', path('channelId'), path('snoopId'), query('spy'), query('whisper'), query('app', 'string', true), query('appArgs')),
    ],
    '/channels/{channelId}/dial': [op('POST', 'dial', 'void', path('channelId'), query('caller'), query('timeout', 'int'))],
    '/channels/{channelId}/rtp_statistics': [op('GET', 'rtpstatistics', 'RTPstat', path('channelId'))],
  },
  bridges: {
    '/bridges': [op('GET', 'list', 'List[Bridge]'), op('POST', 'create', 'Bridge', query('type'), query('bridgeId'), query('name'))],
    '/bridges/{bridgeId}': [
      op('POST', 'createWithId', 'Bridge', query('type'), path('bridgeId'), query('name')),
      op('GET', 'get', 'Bridge', path('bridgeId')),
      op('DELETE', 'destroy', 'void', path('bridgeId')),
    ],
    '/bridges/{bridgeId}/addChannel': [
      op('POST', 'addChannel', 'void', path('bridgeId'), queryList('channel', true), query('role'), query('absorbDTMF', 'boolean'), query('mute', 'boolean'), query('inhibitConnectedLineUpdates', 'boolean')),
    ],
    '/bridges/{bridgeId}/removeChannel': [op('POST', 'removeChannel', 'void', path('bridgeId'), queryList('channel', true))],
    '/bridges/{bridgeId}/videoSource/{channelId}': [op('POST', 'setVideoSource', 'void', path('bridgeId'), path('channelId'))],
    '/bridges/{bridgeId}/videoSource': [op('DELETE', 'clearVideoSource', 'void', path('bridgeId'))],
    '/bridges/{bridgeId}/moh': [
      op('POST', 'startMoh', 'void', path('bridgeId'), query('mohClass')),
      op('DELETE', 'stopMoh', 'void', path('bridgeId')),
    ],
    '/bridges/{bridgeId}/play': [op('POST', 'play', 'Playback', path('bridgeId'), ...PLAY_PARAMS, query('playbackId'))],
    '/bridges/{bridgeId}/play/{playbackId}': [op('POST', 'playWithId', 'Playback', path('bridgeId'), path('playbackId'), ...PLAY_PARAMS)],
    '/bridges/{bridgeId}/record': [op('POST', 'record', 'LiveRecording', path('bridgeId'), ...RECORD_PARAMS)],
  },
  recordings: {
    '/recordings/stored': [op('GET', 'listStored', 'List[StoredRecording]')],
    '/recordings/stored/{recordingName}': [
      op('GET', 'getStored', 'StoredRecording', path('recordingName')),
      op('DELETE', 'deleteStored', 'void', path('recordingName')),
    ],
    '/recordings/stored/{recordingName}/file': [op('GET', 'getStoredFile', 'binary', path('recordingName'))],
    '/recordings/stored/{recordingName}/copy': [
      op('POST', 'copyStored', 'StoredRecording', path('recordingName'), query('destinationRecordingName', 'string', true)),
    ],
    '/recordings/live/{recordingName}': [
      op('GET', 'getLive', 'LiveRecording', path('recordingName')),
      op('DELETE', 'cancel', 'void', path('recordingName')),
    ],
    '/recordings/live/{recordingName}/stop': [op('POST', 'stop', 'void', path('recordingName'))],
    '/recordings/live/{recordingName}/pause': [
      op('POST', 'pause', 'void', path('recordingName')),
      op('DELETE', 'unpause', 'void', path('recordingName')),
    ],
    '/recordings/live/{recordingName}/mute': [
      op('POST', 'mute', 'void', path('recordingName')),
      op('DELETE', 'unmute', 'void', path('recordingName')),
    ],
  },
  sounds: {
    '/sounds': [op('GET', 'list', 'List[Sound]', query('lang'), query('format'))],
    '/sounds/{soundId}': [op('GET', 'get', 'Sound', path('soundId'))],
  },
  playbacks: {
    '/playbacks/{playbackId}': [op('GET', 'get', 'Playback', path('playbackId')), op('DELETE', 'stop', 'void', path('playbackId'))],
    '/playbacks/{playbackId}/control': [op('POST', 'control', 'void', path('playbackId'), query('operation', 'string', true))],
  },
  deviceStates: {
    '/deviceStates': [op('GET', 'list', 'List[DeviceState]')],
    '/deviceStates/{deviceName}': [
      op('GET', 'get', 'DeviceState', path('deviceName')),
      op('PUT', 'update', 'void', path('deviceName'), query('deviceState', 'string', true)),
      op('DELETE', 'delete', 'void', path('deviceName')),
    ],
  },
  mailboxes: {
    '/mailboxes': [op('GET', 'list', 'List[Mailbox]')],
    '/mailboxes/{mailboxName}': [
      op('GET', 'get', 'Mailbox', path('mailboxName')),
      op('PUT', 'update', 'void', path('mailboxName'), query('oldMessages', 'int', true), query('newMessages', 'int', true)),
      op('DELETE', 'delete', 'void', path('mailboxName')),
    ],
  },
  events: {
    '/events': [op('GET', 'eventWebsocket', 'Message', queryList('app', true), query('subscribeAll', 'boolean'))],
    '/events/user/{eventName}': [
      op('POST', 'userEvent', 'void', path('eventName'), query('application', 'string', true), queryList('source'), body('variables')),
    ],
  },
  applications: {
    '/applications': [op('GET', 'list', 'List[Application]')],
    '/applications/{applicationName}': [op('GET', 'get', 'Application', path('applicationName'))],
    '/applications/{applicationName}/subscription': [
      op('POST', 'subscribe', 'Application', path('applicationName'), queryList('eventSource', true)),
      op('DELETE', 'unsubscribe', 'Application', path('applicationName'), queryList('eventSource', true)),
    ],
    '/applications/{applicationName}/eventFilter': [op('PUT', 'filter', 'Application', path('applicationName'), body('filter'))],
  },
};

/* ----------------------------------------------------------------------------------------- */
/* Models                                                                                      */

/** Property name → type (`Channel`, `List[string]`, `string`, …); `?` suffix = optional. */
type ModelShape = Record<string, string>;

const OBJECT_MODELS: Record<string, ModelShape> = {
  CallerID: { name: 'string', number: 'string' },
  DialplanCEP: { context: 'string', exten: 'string', priority: 'long', app_name: 'string', app_data: 'string' },
  Channel: {
    id: 'string',
    name: 'string',
    state: 'string',
    protocol_id: 'string',
    caller: 'CallerID',
    connected: 'CallerID',
    accountcode: 'string',
    dialplan: 'DialplanCEP',
    creationtime: 'Date',
    language: 'string',
    'channelvars?': 'object',
    'caller_rdnis?': 'string',
    'tenantid?': 'string',
  },
  Playback: {
    id: 'string',
    media_uri: 'string',
    'next_media_uri?': 'string',
    target_uri: 'string',
    language: 'string',
    state: 'string',
  },
  LiveRecording: {
    name: 'string',
    format: 'string',
    target_uri: 'string',
    state: 'string',
    'duration?': 'int',
    'talking_duration?': 'int',
    'silence_duration?': 'int',
    'cause?': 'string',
  },
  StoredRecording: { name: 'string', format: 'string' },
  Mailbox: { name: 'string', old_messages: 'int', new_messages: 'int' },
  Application: {
    name: 'string',
    channel_ids: 'List[string]',
    bridge_ids: 'List[string]',
    endpoint_ids: 'List[string]',
    device_names: 'List[string]',
    events_allowed: 'List[object]',
    events_disallowed: 'List[object]',
  },
  Bridge: {
    id: 'string',
    technology: 'string',
    bridge_type: 'string',
    bridge_class: 'string',
    creator: 'string',
    name: 'string',
    channels: 'List[string]',
    'video_mode?': 'string',
    'video_source_id?': 'string',
    creationtime: 'Date',
  },
  Endpoint: { technology: 'string', resource: 'string', 'state?': 'string', channel_ids: 'List[string]' },
  DeviceState: { name: 'string', state: 'string' },
  FormatLangPair: { language: 'string', format: 'string' },
  Sound: { id: 'string', 'text?': 'string', formats: 'List[FormatLangPair]' },
  Variable: { value: 'string' },
  ConfigTuple: { attribute: 'string', value: 'string' },
  Module: { name: 'string', description: 'string', use_count: 'int', status: 'string', support_level: 'string' },
  LogChannel: { channel: 'string', type: 'string', status: 'string', configuration: 'string' },
  AsteriskPing: { asterisk_id: 'string', ping: 'string', timestamp: 'string' },
  BuildInfo: { os: 'string', kernel: 'string', options: 'string', machine: 'string', date: 'string', user: 'string' },
  SystemInfo: { version: 'string', entity_id: 'string' },
  SetId: { user: 'string', group: 'string' },
  ConfigInfo: { name: 'string', default_language: 'string', 'max_channels?': 'int', 'max_open_files?': 'int', 'max_load?': 'double', setid: 'SetId' },
  StatusInfo: { startup_time: 'Date', last_reload_time: 'Date' },
  AsteriskInfo: { 'build?': 'BuildInfo', 'system?': 'SystemInfo', 'config?': 'ConfigInfo', 'status?': 'StatusInfo' },
  RTPstat: { txcount: 'int', rxcount: 'int', local_ssrc: 'int', remote_ssrc: 'int', channel_uniqueid: 'string' },
  TextMessage: { from: 'string', to: 'string', body: 'string', 'variables?': 'object' },
  ContactInfo: { uri: 'string', contact_status: 'string', aor: 'string', 'roundtrip_usec?': 'string' },
  Peer: { peer_status: 'string', 'cause?': 'string', 'address?': 'string', 'port?': 'string', 'time?': 'string' },
  Message: { type: 'string', 'asterisk_id?': 'string' },
};

const CH = 'Channel';
const BR = 'Bridge';
/** Every event type Asterisk 22.10 lists (README §1), with its specific properties. */
const EVENT_MODELS: Record<string, ModelShape> = {
  ApplicationMoveFailed: { channel: CH, destination: 'string', args: 'List[string]' },
  ApplicationRegistered: {},
  ApplicationReplaced: {},
  ApplicationUnregistered: {},
  BridgeAttendedTransfer: {
    transferer_first_leg: CH,
    transferer_second_leg: CH,
    'replace_channel?': CH,
    'transferee?': CH,
    'transfer_target?': CH,
    result: 'string',
    is_external: 'boolean',
    'transferer_first_leg_bridge?': BR,
    'transferer_second_leg_bridge?': BR,
    destination_type: 'string',
    'destination_bridge?': 'string',
    'destination_application?': 'string',
    'destination_link_first_leg?': CH,
    'destination_link_second_leg?': CH,
    'destination_threeway_channel?': CH,
    'destination_threeway_bridge?': BR,
  },
  BridgeBlindTransfer: {
    channel: CH,
    'replace_channel?': CH,
    'transferee?': CH,
    exten: 'string',
    context: 'string',
    result: 'string',
    is_external: 'boolean',
    'bridge?': BR,
  },
  BridgeCreated: { bridge: BR },
  BridgeDestroyed: { bridge: BR },
  BridgeMerged: { bridge: BR, bridge_from: BR },
  BridgeVideoSourceChanged: { bridge: BR, 'old_video_source_id?': 'string' },
  CallBroadcast: { channel: CH, 'caller?': 'string', 'called?': 'string', 'variables?': 'object' },
  CallClaimed: { channel: CH, winner_app: 'string' },
  ChannelCallerId: { caller_presentation: 'int', caller_presentation_txt: 'string', channel: CH },
  ChannelConnectedLine: { channel: CH },
  ChannelCreated: { channel: CH },
  ChannelDestroyed: { cause: 'int', cause_txt: 'string', channel: CH },
  ChannelDialplan: { channel: CH, dialplan_app: 'string', dialplan_app_data: 'string' },
  ChannelDtmfReceived: { digit: 'string', duration_ms: 'int', channel: CH },
  ChannelEnteredBridge: { bridge: BR, 'channel?': CH },
  ChannelHangupRequest: { 'cause?': 'int', 'soft?': 'boolean', channel: CH },
  ChannelHold: { channel: CH, 'musicclass?': 'string' },
  ChannelLeftBridge: { bridge: BR, channel: CH },
  ChannelStateChange: { channel: CH },
  ChannelTalkingFinished: { channel: CH, duration: 'int' },
  ChannelTalkingStarted: { channel: CH },
  ChannelToneDetected: { channel: CH },
  ChannelTransfer: { 'refer_to?': 'object', 'referred_by?': 'object', 'state?': 'string', 'channel?': CH },
  ChannelUnhold: { channel: CH },
  ChannelUserevent: { eventname: 'string', 'channel?': CH, 'bridge?': BR, 'endpoint?': 'Endpoint', userevent: 'object' },
  ChannelVarset: { variable: 'string', value: 'string', 'channel?': CH },
  ContactStatusChange: { endpoint: 'Endpoint', contact_info: 'ContactInfo' },
  DeviceStateChanged: { device_state: 'DeviceState' },
  Dial: { 'caller?': CH, peer: CH, 'forward?': 'string', 'forwarded?': CH, 'dialstring?': 'string', dialstatus: 'string' },
  EndpointStateChange: { endpoint: 'Endpoint' },
  PeerStatusChange: { endpoint: 'Endpoint', peer: 'Peer' },
  PlaybackContinuing: { playback: 'Playback' },
  PlaybackFinished: { playback: 'Playback' },
  PlaybackStarted: { playback: 'Playback' },
  RESTResponse: {
    transaction_id: 'string',
    request_id: 'string',
    status_code: 'int',
    reason_phrase: 'string',
    uri: 'string',
    'content_type?': 'string',
    'message_body?': 'string',
  },
  RecordingFailed: { recording: 'LiveRecording' },
  RecordingFinished: { recording: 'LiveRecording' },
  RecordingStarted: { recording: 'LiveRecording' },
  StasisEnd: { channel: CH },
  StasisStart: { args: 'List[string]', channel: CH, 'replace_channel?': CH },
  TextMessageReceived: { message: 'TextMessage', 'endpoint?': 'Endpoint' },
};

export const EVENT_TYPES: readonly string[] = Object.keys(EVENT_MODELS);

interface SwaggerProperty {
  type: string;
  required: boolean;
}

function toSwaggerModel(id: string, shape: ModelShape, extra: Record<string, SwaggerProperty> = {}): unknown {
  const properties: Record<string, SwaggerProperty> = { ...extra };
  for (const [rawName, type] of Object.entries(shape)) {
    const optional = rawName.endsWith('?');
    const name = optional ? rawName.slice(0, -1) : rawName;
    // Asterisk writes list types inline (`List[string]`); ari-client only looks at `type`.
    properties[name] = { type, required: !optional };
  }
  return { id, properties };
}

function allModels(withEvents: boolean): Record<string, unknown> {
  const models: Record<string, unknown> = {};
  for (const [id, shape] of Object.entries(OBJECT_MODELS)) models[id] = toSwaggerModel(id, shape);
  if (withEvents) {
    const base: Record<string, SwaggerProperty> = {
      type: { type: 'string', required: true },
      asterisk_id: { type: 'string', required: false },
      application: { type: 'string', required: true },
      timestamp: { type: 'Date', required: true },
    };
    models.Event = toSwaggerModel('Event', {}, base);
    for (const [id, shape] of Object.entries(EVENT_MODELS)) models[id] = toSwaggerModel(id, shape, base);
  }
  return models;
}

const API_VERSION = '9.0.0';

/** `GET /ari/api-docs/resources.json`. */
export function resourceListing(basePath: string): unknown {
  return {
    _copyright: 'Written for the voice-portal test double; mirrors the Asterisk 22 ARI resource list.',
    apiVersion: API_VERSION,
    swaggerVersion: '1.2',
    basePath,
    apis: Object.keys(RESOURCES).map((name) => ({ path: `/api-docs/${name}.{format}`, description: name })),
  };
}

/** `GET /ari/api-docs/<resource>.json`, or undefined for an unknown resource. */
export function apiDeclaration(resource: string, basePath: string): unknown {
  const apis = RESOURCES[resource];
  if (!apis) return undefined;
  return {
    apiVersion: API_VERSION,
    swaggerVersion: '1.2',
    basePath,
    resourcePath: `/api-docs/${resource}.{format}`,
    apis: Object.entries(apis).map(([apiPath, operations]) => ({
      path: apiPath,
      description: resource,
      operations: operations.map((o) => ({
        httpMethod: o.httpMethod,
        summary: o.nickname,
        nickname: o.nickname,
        responseClass: o.responseClass,
        parameters: o.parameters,
      })),
    })),
    models: allModels(resource === 'events'),
  };
}

/** One operation matched against a request path (segments already split, still encoded). */
export interface RouteMatch {
  template: string;
  params: Record<string, string>;
  operations: OperationSpec[];
}

const compiledRoutes: Array<{ template: string; parts: string[]; operations: OperationSpec[] }> = Object.values(RESOURCES)
  .flatMap((apis) => Object.entries(apis))
  .map(([template, operations]) => ({ template, parts: template.split('/').filter(Boolean), operations }))
  // Literal segments win over `{param}` ones (`/channels/create` before `/channels/{channelId}`).
  .sort((a, b) => literalCount(b.parts) - literalCount(a.parts));

function literalCount(parts: string[]): number {
  return parts.filter((p) => !p.startsWith('{')).length;
}

/**
 * Matches a path below `/ari` (e.g. `/recordings/stored/a%2Fb/file`). Segments are split
 * BEFORE decoding, so a recording name with `%2F` stays one parameter, as in Asterisk.
 */
export function matchRoute(ariPath: string): RouteMatch | undefined {
  const segments = ariPath.split('/').filter(Boolean);
  for (const route of compiledRoutes) {
    if (route.parts.length !== segments.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < segments.length && ok; i++) {
      const part = route.parts[i];
      if (part.startsWith('{')) {
        try {
          params[part.slice(1, -1)] = decodeURIComponent(segments[i]);
        } catch {
          ok = false;
        }
      } else ok = part === segments[i];
    }
    if (ok) return { template: route.template, params, operations: route.operations };
  }
  return undefined;
}
