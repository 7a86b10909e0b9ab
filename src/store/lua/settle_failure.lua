--[[
settle_failure: the attempt that reserve_attempt counted as number maxFailures was wrong.
Lock the subject if the failures are still consecutive.

KEYS[1]  the subject hash
ARGV[1]  failures field   ARGV[2] locked-since field   ARGV[3] generation field
ARGV[4]  the generation returned by reserve_attempt
ARGV[5]  maxFailures
ARGV[6]  now, ms since epoch

Returns
  'locked-now'  this failure locked the subject
  'locked'      it was already locked
  'open'        not locked: the generation changed (reset/unlock/new PIN) or a correct PIN
                reset the count meanwhile, so these failures are no longer consecutive
  'missing'     the subject was removed
]]
local key = KEYS[1]
if redis.call('EXISTS', key) == 0 then
  return 'missing'
end
if redis.call('HEXISTS', key, ARGV[2]) == 1 then
  return 'locked'
end
local gen = redis.call('HGET', key, ARGV[3]) or '0'
if gen ~= ARGV[4] then
  return 'open'
end
local count = tonumber(redis.call('HGET', key, ARGV[1]) or '0')
if count < tonumber(ARGV[5]) then
  return 'open'
end
redis.call('HSET', key, ARGV[2], ARGV[6])
return 'locked-now'
