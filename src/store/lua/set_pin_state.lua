--[[
set_pin_state: every change of a user's PIN state in one step (the table "What each operation
leaves behind" in docs/admin-guide.md): admin reset, random one-time PIN, self-service set,
change on the phone.

KEYS[1]  vp:{u:<id>}:user
KEYS[2]  vp:{u:<id>}:history   (list of PIN hashes, newest first)
ARGV[1]  'set' (ARGV[2] becomes the PIN hash) | 'clear' (the user has no PIN)
ARGV[2]  the new PIN hash ('' with 'clear')
ARGV[3]  must-change:       '1' | '0' | 'keep'
ARGV[4]  name to record:    '1' | '0' | 'keep'
ARGV[5]  unlock:            '1' (lock lifted, temporary or not, back-off forgotten, failures 0)
                            | '0' (lock state unchanged)
ARGV[6]  push the new hash on the history: '1' | '0'
ARGV[7]  history size (policy.historySize; 0 keeps no history)
ARGV[8]  now, ms since epoch

Returns {1, wasLocked (0|1)} or {0} when the user does not exist (nothing written).

Always increments the generation, so an attempt reserved against the previous PIN can
neither reset the failure count nor lock the user afterwards (settle_*).
]]
local key, history = KEYS[1], KEYS[2]
if redis.call('EXISTS', key) == 0 then
  return {0}
end
local wasLocked = redis.call('HEXISTS', key, 'lockedSince')
if ARGV[1] == 'set' then
  redis.call('HSET', key, 'pinHash', ARGV[2], 'pinChangedAt', ARGV[8])
else
  redis.call('HDEL', key, 'pinHash')
  redis.call('HSET', key, 'pinChangedAt', ARGV[8])
end
if ARGV[3] ~= 'keep' then redis.call('HSET', key, 'mustChange', ARGV[3]) end
if ARGV[4] ~= 'keep' then redis.call('HSET', key, 'mustRecordName', ARGV[4]) end
if ARGV[5] == '1' then
  redis.call('HDEL', key, 'lockedSince', 'lockedUntil', 'tempLocks')
  redis.call('HSET', key, 'failures', 0)
end
local size = tonumber(ARGV[7])
if ARGV[6] == '1' and ARGV[1] == 'set' and size > 0 then
  redis.call('LPUSH', history, ARGV[2])
end
if size > 0 then
  redis.call('LTRIM', history, 0, size - 1)
else
  redis.call('DEL', history)
end
redis.call('HINCRBY', key, 'gen', 1)
return {1, wasLocked}
