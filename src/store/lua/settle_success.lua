--[[
settle_success: a reserved attempt's PIN matched. Settle the failures counted up to and
including this attempt, and only those: attempts reserved after it (while its PIN was being
hashed) stay counted, so racing a correct login cannot buy extra guesses (issue #11).

KEYS[1]  the subject hash
KEYS[2]  KEYS[3]: a user's new and saved messages (sorted sets of KEYS[1]'s slot), whose
         sizes an 'ok' reply carries after the field values: the main menu announces them
         right after the login, and needs no round trip of its own. KEYS[1] again for a
         subject without messages (nothing is counted for it)
ARGV[1]  PIN hash field       ARGV[2] failures field
ARGV[3]  locked-since field   ARGV[4] generation field
ARGV[5]  the generation returned by reserve_attempt
ARGV[6]  the hash that was verified (compare-and-set guard for ARGV[7])
ARGV[7]  a re-hash of the same PIN with current parameters, or '' for none
ARGV[8]  reservation sequence field   ARGV[9] this attempt's place (`seq` of reserve_attempt)
ARGV[10] temporary-lock count field (cleared: a success ends the back-off)
ARGV[11] pending-attempts field (this attempt is no longer pending, whatever the answer)
ARGV[12…] optional: fields whose values an 'ok' reply carries ('' for a field not set), so
         the caller reads what a login leads to (e.g. mustChange) in this same round trip

Returns
  'ok'       settled: failures = attempts reserved after this one (never more than before),
             and the hash replaced by ARGV[7] if given and still current; with ARGV[12…]
             or message sets given, the array {'ok', value of ARGV[12], …, ZCARD of KEYS[2],
             ZCARD of KEYS[3]} instead
  'locked'   locked meanwhile (by concurrent failures): the lock wins, nothing changed
  'stale'    generation changed (PIN set/reset, unlock): the verified hash may be outdated
             and the count belongs to the new generation; nothing changed
  'missing'  the subject was removed
]]
local key = KEYS[1]
if redis.call('EXISTS', key) == 0 then
  return 'missing'
end
if tonumber(redis.call('HGET', key, ARGV[11]) or '0') > 0 then
  redis.call('HINCRBY', key, ARGV[11], -1)
end
if redis.call('HEXISTS', key, ARGV[3]) == 1 then
  return 'locked'
end
local gen = redis.call('HGET', key, ARGV[4]) or '0'
if gen ~= ARGV[5] then
  return 'stale'
end
local count = tonumber(redis.call('HGET', key, ARGV[2]) or '0')
local seq = tonumber(redis.call('HGET', key, ARGV[8]) or '0')
local later = math.max(seq - tonumber(ARGV[9]), 0)
if later < count then
  redis.call('HSET', key, ARGV[2], later)
end
redis.call('HDEL', key, ARGV[10])
if ARGV[7] ~= '' and redis.call('HGET', key, ARGV[1]) == ARGV[6] then
  -- Same PIN, stronger parameters: not a PIN change, so the generation stays.
  redis.call('HSET', key, ARGV[1], ARGV[7])
end
local counted = KEYS[2] ~= key
if #ARGV > 11 or counted then
  local reply = { 'ok' }
  for i = 12, #ARGV do
    reply[#reply + 1] = redis.call('HGET', key, ARGV[i]) or ''
  end
  if counted then
    reply[#reply + 1] = redis.call('ZCARD', KEYS[2])
    reply[#reply + 1] = redis.call('ZCARD', KEYS[3])
  end
  return reply
end
return 'ok'
