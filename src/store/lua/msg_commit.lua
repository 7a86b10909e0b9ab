--[[
msg_commit: a recorded message becomes a new message: its metadata, its place in the new
list and the end of its reservation, in one step (a crash leaves either a reservation with
an orphan recording, or a complete message).

KEYS[1]  vp:{u:<id>}:msgs:new
KEYS[2]  vp:{u:<id>}:msgs:saved
KEYS[3]  vp:{u:<id>}:msgs:pending
KEYS[4]  vp:{u:<id>}:msg:<messageId>
ARGV[1]  message id
ARGV[2]  received at (ms)
ARGV[3]  caller number ('' when anonymous)
ARGV[4]  caller name ('' when none)
ARGV[5]  duration (whole seconds)

Returns {newCount, savedCount}.
]]
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('HSET', KEYS[4], 'status', 'new', 'receivedAt', ARGV[2], 'callerNumber', ARGV[3], 'callerName', ARGV[4], 'durationSec', ARGV[5])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
return {redis.call('ZCARD', KEYS[1]), redis.call('ZCARD', KEYS[2])}
