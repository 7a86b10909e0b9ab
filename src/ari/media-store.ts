/**
 * Asterisk-side state that outlives a call: stored recordings (names, greetings, messages)
 * and message-waiting lamps. Both are plain ARI REST operations on whichever client is
 * connected; while none is, they reject with AriUnavailable.
 */

/** Asterisk's stored recordings (the audio is the source of truth for what exists). */
export interface StoredRecordings {
  exists(name: string): Promise<boolean>;
  /** Delete; a recording that is already gone is not an error. */
  remove(name: string): Promise<void>;
  /** Names of every stored recording (optionally only those starting with `prefix`). */
  list(prefix?: string): Promise<string[]>;
}

/** Message-waiting indication (res_mwi_external): `PUT /mailboxes/{name}`. */
export interface MessageWaiting {
  /** Always sends both counts: a PUT without them resets the lamp to 0/0. */
  update(mailbox: string, counts: { oldMessages: number; newMessages: number }): Promise<void>;
}
