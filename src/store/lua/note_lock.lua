--[[
note_lock: remember that a subject (a mailbox or a location's admin access) was just locked,
and count the distinct subjects locked in the last window, so that every lock notification
says how many (a spray shows at once). Redis's own clock (TIME).

KEYS[1]  vp:recent-locks (zset: member = subject key, score = ms of its latest lock)
ARGV[1]  the subject's key
ARGV[2]  window, ms

Returns the number of distinct subjects locked in the window, this one included.
]]
local key = KEYS[1]
local window = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
redis.call('ZADD', key, now, ARGV[1])
redis.call('PEXPIRE', key, window)
return redis.call('ZCARD', key)
