--[[
settle_failure: an attempt that reserve_attempt counted was wrong. Lock the subject when
maxFailures failures are counted and none is pending any more: so a correct PIN still being
verified (or any attempt still pending) is never locked out by guesses counted around it,
and the last wrong one to settle is the one that locks (and hears "locked").

KEYS[1]  the subject hash
ARGV[1]  failures field   ARGV[2] locked-since field   ARGV[3] generation field
ARGV[4]  the generation returned by reserve_attempt
ARGV[5]  maxFailures
ARGV[6]  locked-until field   ARGV[7] temporary-lock count field
ARGV[8]  lock mode: 'permanent' or 'temporary'
ARGV[9]  first temporary lock, ms (doubled at each further one)
ARGV[10] temporary locks before the permanent one
ARGV[11] pending-attempts field (this attempt is no longer pending)

Time is Redis's own clock (TIME).

Returns
  'locked-now'            this failure locked the subject for good
  'locked-now-temporary'  this failure locked it until locked-until
  'locked'                it was already locked
  'open'                  not locked: fewer than maxFailures are counted (a success settled
                          attempts meanwhile), attempts are still pending, or the generation
                          changed (reset/unlock/new PIN)
  'missing'               the subject was removed
]]
local key = KEYS[1]
if redis.call('EXISTS', key) == 0 then
  return 'missing'
end
local lockF, untilF, tempF = ARGV[2], ARGV[6], ARGV[7]
local pending = tonumber(redis.call('HGET', key, ARGV[11]) or '0')
if pending > 0 then
  pending = redis.call('HINCRBY', key, ARGV[11], -1)
end
if redis.call('HEXISTS', key, lockF) == 1 then
  return 'locked'
end
local gen = redis.call('HGET', key, ARGV[3]) or '0'
if gen ~= ARGV[4] then
  return 'open'
end
local count = tonumber(redis.call('HGET', key, ARGV[1]) or '0')
if count < tonumber(ARGV[5]) or pending > 0 then
  return 'open'
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if ARGV[8] == 'temporary' then
  local n = redis.call('HINCRBY', key, tempF, 1)
  if n <= tonumber(ARGV[10]) then
    redis.call('HSET', key, lockF, now, untilF, now + tonumber(ARGV[9]) * 2 ^ (n - 1))
    return 'locked-now-temporary'
  end
end
redis.call('HSET', key, lockF, now)
redis.call('HDEL', key, untilF)
return 'locked-now'
