--[[
throttle_reserve: count one login attempt against a calling number's spray-throttle
bucket BEFORE any PIN is compared (SPEC §9), in a sliding one-hour window.

KEYS[1]  vp:throttle:<bucket>   (zset: member = attempt id, score = ms)
ARGV[1]  now, ms since epoch
ARGV[2]  window length, ms
ARGV[3]  limit (policy.throttlePerHour)
ARGV[4]  a unique id for this attempt (so a correct PIN can give it back with ZREM)

Returns {1, count} when counted (count includes this attempt), or {0, count} when the bucket
already holds `limit` failures in the window: throttled, nothing counted.
The key expires one window after the last attempt (throttle state is not lock state).
]]
local key = KEYS[1]
local now, window, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
if count >= limit then
  return {0, count}
end
redis.call('ZADD', key, now, ARGV[4])
redis.call('PEXPIRE', key, window)
return {1, count + 1}
