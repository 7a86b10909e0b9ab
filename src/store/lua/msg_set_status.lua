--[[
msg_set_status: move a message between the new and the saved list (its flag and its list
change together). A message that no longer exists (deleted meanwhile) is left alone.

KEYS[1]  vp:{u:<id>}:msgs:new
KEYS[2]  vp:{u:<id>}:msgs:saved
KEYS[3]  vp:{u:<id>}:msg:<messageId>
ARGV[1]  message id
ARGV[2]  'new' or 'saved'

Returns {changed (1 when the status changed, 0 when it already had it or the message is
gone), newCount, savedCount}.
]]
local changed = 0
local at = redis.call('HGET', KEYS[3], 'receivedAt')
if at then
  local from, to = KEYS[1], KEYS[2]
  if ARGV[2] == 'new' then
    from, to = KEYS[2], KEYS[1]
  end
  if redis.call('HGET', KEYS[3], 'status') ~= ARGV[2] then
    changed = 1
  end
  redis.call('ZREM', from, ARGV[1])
  redis.call('ZADD', to, at, ARGV[1])
  redis.call('HSET', KEYS[3], 'status', ARGV[2])
end
return {changed, redis.call('ZCARD', KEYS[1]), redis.call('ZCARD', KEYS[2])}
