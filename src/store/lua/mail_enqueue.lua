--[[
mail_enqueue: put one e-mail job in the outgoing-mail queue (issue #16): its hash and its
place in the queue, together, so the worker can never see one without the other. A job
that is already queued (same id: the same message's e-mail asked for twice) is left as it is.

KEYS[1]  vp:{mail}:queue      zset: job id -> when it is due (ms)
KEYS[2]  vp:{mail}:job:<id>   hash: the job
ARGV[1]  job id
ARGV[2]  due at (ms)
ARGV     then field, value, field, value, ... of the job (kind, userId, messageId, createdAt)

Returns 1 when queued, 0 when a job with this id was already queued (nothing written).
]]
if redis.call('EXISTS', KEYS[2]) == 1 then
  return 0
end
local fields = {}
for i = 3, #ARGV do
  fields[#fields + 1] = ARGV[i]
end
redis.call('HSET', KEYS[2], 'attempts', 0, unpack(fields))
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
return 1
