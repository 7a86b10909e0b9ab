--[[
msg_reserve: make room for a message about to be recorded (a deposit), or refuse because the
mailbox is full. Reservations count against the limit, so two deposits recording at once
can never take a mailbox past it. A reservation older than ARGV[4] was abandoned (the
process died while recording): it is dropped here, and its recording, if any, is an orphan
that `voice-portal-admin doctor` removes.

KEYS[1]  vp:{u:<id>}:msgs:new
KEYS[2]  vp:{u:<id>}:msgs:saved
KEYS[3]  vp:{u:<id>}:msgs:pending
ARGV[1]  message id
ARGV[2]  now (ms)
ARGV[3]  most messages the mailbox may hold (new + saved + being recorded)
ARGV[4]  reservations started before this time (ms) are abandoned

Returns {'ok' | 'full', newCount, savedCount}.
]]
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. ARGV[4])
local new = redis.call('ZCARD', KEYS[1])
local saved = redis.call('ZCARD', KEYS[2])
local pending = redis.call('ZCARD', KEYS[3])
if new + saved + pending >= tonumber(ARGV[3]) then
  return {'full', new, saved}
end
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
return {'ok', new, saved}
