--[[
mail_settle: the worker that claimed a job says how it went: sent (or nothing to send) and
given up both remove the job; a failure to retry puts it back in the queue, due later. Only
the holder of the current claim may settle (a worker whose lease ran out and whose job was
claimed again by another must not remove or reschedule it).

KEYS[1]  vp:{mail}:queue
KEYS[2]  vp:{mail}:job:<id>
ARGV[1]  job id
ARGV[2]  claim token
ARGV[3]  'done' | 'retry'
ARGV[4]  retry: when it is due again (ms)
ARGV[5]  retry: the last error (short text, no secret)

Returns 1 when settled, 0 when the claim is not (or no longer) this token's.
]]
if redis.call('HGET', KEYS[2], 'token') ~= ARGV[2] then
  return 0
end
if ARGV[3] == 'retry' then
  redis.call('ZADD', KEYS[1], ARGV[4], ARGV[1])
  redis.call('HSET', KEYS[2], 'lastError', ARGV[5])
  redis.call('HDEL', KEYS[2], 'token')
else
  redis.call('ZREM', KEYS[1], ARGV[1])
  redis.call('DEL', KEYS[2])
end
return 1
