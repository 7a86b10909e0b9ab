--[[
msg_remove: delete a message's metadata and its place in either list in one step. The
caller deletes the recording AFTER this (a crash in between leaves an orphan recording,
which doctor removes, never a listed message without audio).

KEYS[1]  vp:{u:<id>}:msgs:new
KEYS[2]  vp:{u:<id>}:msgs:saved
KEYS[3]  vp:{u:<id>}:msg:<messageId>
ARGV[1]  message id

Returns {removed (1 or 0 when there was no such message), newCount, savedCount}.
]]
local removed = redis.call('DEL', KEYS[3])
local listed = redis.call('ZREM', KEYS[1], ARGV[1]) + redis.call('ZREM', KEYS[2], ARGV[1])
if listed > 0 then
  removed = 1
end
return {removed, redis.call('ZCARD', KEYS[1]), redis.call('ZCARD', KEYS[2])}
