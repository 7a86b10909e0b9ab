--[[
throttle_reserve: count one login attempt against a throttle window BEFORE any PIN is
compared (so a caller past the limit gets no PIN evaluated at all), in a sliding window. Used
for a calling number's spray-throttle bucket and for a location's limit on failures from
untrusted calls. The window runs on
Redis's own clock (TIME), so application instances whose clocks disagree share one window.

KEYS[1]  vp:throttle:<bucket> or vp:{l:<id>}:untrusted-failures (zset: member = attempt
         id, score = ms)
ARGV[1]  window length, ms
ARGV[2]  limit
ARGV[3]  a unique id for this attempt (so a correct PIN can give it back with ZREM)

Returns {1, count} when counted (count includes this attempt), or {0, count} when the window
already holds `limit` failures: refused, nothing counted.
The key expires one window after the last attempt (throttle state is not lock state).
]]
local key = KEYS[1]
local window, limit = tonumber(ARGV[1]), tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
if count >= limit then
  return {0, count}
end
redis.call('ZADD', key, now, ARGV[3])
redis.call('PEXPIRE', key, window)
return {1, count + 1}
