--[[
msg_import: a message brought over from another voicemail system (the app_voicemail import)
becomes a message of the user, new or saved, with its metadata, in one step. A message that
is already there (same id: the import run again) is left alone, so the import is idempotent.
Its audio was put in place before (an orphan recording at worst, never a listed message
without audio).

KEYS[1]  vp:{u:<id>}:msgs:new
KEYS[2]  vp:{u:<id>}:msgs:saved
KEYS[3]  vp:{u:<id>}:msg:<messageId>
ARGV[1]  message id
ARGV[2]  'new' | 'saved'
ARGV[3]  received at (ms)
ARGV[4]  caller number ('' when anonymous)
ARGV[5]  caller name ('' when none)
ARGV[6]  duration (whole seconds)

Returns 1 when imported, 0 when the message already existed (nothing written).
]]
if redis.call('EXISTS', KEYS[3]) == 1 then
  return 0
end
redis.call('HSET', KEYS[3], 'status', ARGV[2], 'receivedAt', ARGV[3], 'callerNumber', ARGV[4], 'callerName', ARGV[5], 'durationSec', ARGV[6])
if ARGV[2] == 'saved' then
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
else
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
end
return 1
