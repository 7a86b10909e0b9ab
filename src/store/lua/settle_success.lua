--[[
settle_success: a reserved attempt's PIN matched. Reset the consecutive-failure count,
unless the subject changed since the reservation.

KEYS[1]  the subject hash
ARGV[1]  PIN hash field       ARGV[2] failures field
ARGV[3]  locked-since field   ARGV[4] generation field
ARGV[5]  the generation returned by reserve_attempt
ARGV[6]  the hash that was verified (compare-and-set guard for ARGV[7])
ARGV[7]  a re-hash of the same PIN with current parameters, or '' for none

Returns
  'ok'       count reset to 0 (and the hash replaced by ARGV[7] if given and still current)
  'locked'   locked meanwhile (by concurrent failures): the lock wins, nothing changed
  'stale'    generation changed (PIN set/reset, unlock): the verified hash may be outdated
             and the count belongs to the new generation; nothing changed
  'missing'  the subject was removed

Resetting is guarded so that a slow correct attempt can never erase failures counted after
a reset, nor lift a lock.
]]
local key = KEYS[1]
if redis.call('EXISTS', key) == 0 then
  return 'missing'
end
if redis.call('HEXISTS', key, ARGV[3]) == 1 then
  return 'locked'
end
local gen = redis.call('HGET', key, ARGV[4]) or '0'
if gen ~= ARGV[5] then
  return 'stale'
end
redis.call('HSET', key, ARGV[2], 0)
if ARGV[7] ~= '' and redis.call('HGET', key, ARGV[1]) == ARGV[6] then
  -- Same PIN, stronger parameters: not a PIN change, so the generation stays.
  redis.call('HSET', key, ARGV[1], ARGV[7])
end
return 'ok'
